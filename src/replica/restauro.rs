//! Restoring from the bucket: one database at a moment (its newest base at or before it, then
//! its chain of changes), a whole data dir on an empty machine (`--all`: `secret.key`, the
//! central db, the journal, every empresa the central db lists, `replica.key` and the state
//! that lets the new server go on with the same chains), or one empresa into a stopped server's
//! data dir (`--tenant`, through the same checks and swap as `helixai restore`).
//!
//! Every restored file is checked with `integrity_check` before it takes its name; a tenant
//! file must also say it is the empresa the central db lists under its name. A wrong replica
//! key fails on the key check, before anything is written.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::cifra::{abrir, Abridor, ChaveReplica, FalhaAbertura};
use super::config::conferir_chave;
use super::envio::hash_pagina;
use super::formato::{self, Banco, Manifesto, Objeto, CHAVE};
use super::s3::Cliente;
use crate::clock;
use crate::error::{Error, Result};
use crate::store::replica::verificar_restaurado;
use crate::store::tenant::remove_db_files;

/// A bucket opened with the right key.
pub struct Origem {
    pub cliente: Cliente,
    pub chave: ChaveReplica,
}

impl Origem {
    /// Checks `chave` against the bucket's key check (a clear pt-BR error, nothing written).
    pub fn abrir(cliente: Cliente, chave: ChaveReplica) -> Result<Origem> {
        let destino = cliente.destino().clone();
        match cliente.get(CHAVE).map_err(|e| e.erro(&destino))? {
            None => Err(Error::invalid(
                "replica_ausente",
                format!("não há réplica do HelixAI em {} (confira o bucket e o --prefix)", destino.descricao()),
            )),
            Some(b) => {
                conferir_chave(&chave, &b, &destino)?;
                Ok(Origem { cliente, chave })
            }
        }
    }

    /// Reads and opens a sealed object; `None` when absent.
    pub fn ler(&self, nome: &str) -> Result<Option<Vec<u8>>> {
        let Some(b) = self.cliente.get(nome).map_err(|e| e.erro(self.cliente.destino()))? else { return Ok(None) };
        abrir(&self.chave, nome, &b).map(Some).map_err(|f| ilegivel(nome, &f))
    }

    /// A database's manifest; `None` when the bucket has no copy of it.
    pub fn manifesto(&self, banco: &Banco) -> Result<Option<Manifesto>> {
        let Some(b) = self.ler(&banco.manifesto())? else { return Ok(None) };
        serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| Error::Store(format!("manifesto de {} ilegível: {e}", banco.as_str())))
    }
}

fn ilegivel(nome: &str, f: &FalhaAbertura) -> Error {
    match f {
        FalhaAbertura::Autenticacao => Error::Store(format!(
            "o objeto {nome} da réplica não confere (adulterado, truncado ou copiado de outro lugar)"
        )),
        FalhaAbertura::Formato => Error::Store(format!("o objeto {nome} da réplica não está no formato esperado")),
    }
}

/// What restoring one database produced (and what the new server needs to go on from it).
#[derive(Debug, Clone)]
pub struct Restaurado {
    pub banco: Banco,
    /// The moment restored (the last object applied), Unix ms.
    pub criado_ms: i64,
    pub base_ms: i64,
    pub bases: Vec<i64>,
    pub objetos: usize,
    pub bytes_baixados: u64,
    pub cadeia_bytes: u64,
    pub base_bytes: u64,
    pub tamanho_arquivo: u64,
    pub tamanho_pagina: u32,
    pub hashes: Vec<u8>,
}

/// Restores `banco` as it was at `ate_ms` (its newest state at or before it) into `destino`
/// (which must not exist), checked with `integrity_check`.
pub fn restaurar_banco(o: &Origem, banco: &Banco, ate_ms: i64, destino: &Path) -> Result<Restaurado> {
    let sem = |m: String| Error::invalid("sem_copia", m);
    let m = o.manifesto(banco)?.ok_or_else(|| sem(format!("a réplica não tem cópia de {}", banco.as_str())))?;
    let base = formato::base_para(&m, ate_ms).ok_or_else(|| {
        let primeira = m.bases.iter().min().map(|b| clock::sqlite_timestamp(b / 1000)).unwrap_or_else(|| "—".into());
        sem(format!(
            "a cópia mais antiga de {} é de {primeira} UTC; não há como restaurá-lo em {} UTC",
            banco.as_str(),
            clock::sqlite_timestamp(ate_ms / 1000)
        ))
    })?;
    let base_obj = Objeto { criado_ms: base, pai_ms: None };
    let prefixo = banco.prefixo();
    let mut objetos: Vec<(Objeto, u64)> = Vec::new();
    o.cliente
        .listar(&prefixo, Some(&banco.objeto(&base_obj)), |pagina| {
            let mut seguir = true;
            for l in pagina {
                match Objeto::de_nome(l.nome.strip_prefix(&prefixo).unwrap_or("")) {
                    Some(obj) if obj.criado_ms <= ate_ms => objetos.push((obj, l.tamanho)),
                    Some(_) => seguir = false,
                    None => {}
                }
            }
            seguir
        })
        .map_err(|e| e.erro(o.cliente.destino()))?;
    let todos: Vec<Objeto> = objetos.iter().map(|(o, _)| *o).collect();
    let cadeia: Vec<Objeto> = std::iter::once(base_obj).chain(formato::cadeia(&todos, base, ate_ms)).collect();
    let tamanho_de = |obj: &Objeto| objetos.iter().find(|(o, _)| o == obj).map_or(0, |(_, t)| *t);
    let tmp = destino.with_extension("db.restaurando");
    remove_db_files(&tmp);
    let r = (|| {
        let (tamanho_pagina, bytes_baixados, base_bytes) = aplicar(o, banco, &cadeia, &tmp)?;
        verificar_restaurado(&tmp)?;
        std::fs::rename(&tmp, destino).map_err(|e| Error::io(destino, e))?;
        let (tamanho_arquivo, hashes) = hashes_do_arquivo(destino, tamanho_pagina)?;
        Ok(Restaurado {
            banco: banco.clone(),
            criado_ms: cadeia.last().map_or(base, |o| o.criado_ms),
            base_ms: base,
            bases: m.bases.iter().copied().filter(|b| *b <= base).collect(),
            objetos: cadeia.len(),
            bytes_baixados,
            cadeia_bytes: cadeia.iter().skip(1).map(tamanho_de).sum(),
            base_bytes,
            tamanho_arquivo,
            tamanho_pagina,
            hashes,
        })
    })();
    if r.is_err() {
        remove_db_files(&tmp);
    }
    r
}

/// Writes the base and each change of `cadeia` into the file `tmp`; returns the page size,
/// the bytes downloaded and the base's size.
fn aplicar(o: &Origem, banco: &Banco, cadeia: &[Objeto], tmp: &Path) -> Result<(u32, u64, u64)> {
    use std::os::unix::fs::FileExt;
    let arquivo = std::fs::OpenOptions::new().write(true).create_new(true).open(tmp).map_err(|e| Error::io(tmp, e))?;
    let (mut baixados, mut base_bytes, mut ultimo) = (0u64, 0u64, None);
    for obj in cadeia {
        let nome = banco.objeto(obj);
        let dados = o.cliente.get(&nome).map_err(|e| e.erro(o.cliente.destino()))?.ok_or_else(|| {
            Error::Store(format!("o objeto {nome} sumiu da réplica; a cadeia de {} está incompleta", banco.as_str()))
        })?;
        baixados += dados.len() as u64;
        if obj.pai_ms.is_none() {
            base_bytes = dados.len() as u64;
        }
        let mut leitor = Abridor::novo(&o.chave, &nome, &dados).map_err(|f| ilegivel(&nome, &f))?;
        let c = formato::ler_paginas(&mut leitor, |pgno, pagina| {
            let offset = u64::from(pgno - 1) * pagina.len() as u64;
            arquivo.write_all_at(pagina, offset).map_err(|e| Error::io(tmp, e))
        })
        .map_err(|e| match &leitor.falha {
            Some(f) => ilegivel(&nome, f),
            None => e,
        })?;
        // The rest of the stream must be empty and authentic too.
        let mut resto = Vec::new();
        leitor
            .read_to_end(&mut resto)
            .map_err(|_| ilegivel(&nome, leitor.falha.as_ref().unwrap_or(&FalhaAbertura::Formato)))?;
        if c.base != obj.pai_ms.is_none() || c.criado_ms != obj.criado_ms || !resto.is_empty() {
            return Err(Error::Store(format!("o objeto {nome} não corresponde ao seu nome")));
        }
        ultimo = Some(c);
    }
    let c = ultimo.ok_or_else(|| Error::Internal("cadeia vazia".into()))?;
    arquivo.set_len(u64::from(c.paginas) * u64::from(c.tamanho_pagina)).map_err(|e| Error::io(tmp, e))?;
    arquivo.sync_all().map_err(|e| Error::io(tmp, e))?;
    Ok((c.tamanho_pagina, baixados, base_bytes))
}

/// The size of a closed database file and the hash of each of its pages.
fn hashes_do_arquivo(path: &Path, tamanho_pagina: u32) -> Result<(u64, Vec<u8>)> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut buf = vec![0u8; tamanho_pagina as usize];
    let (mut hashes, mut total) = (Vec::new(), 0u64);
    loop {
        match f.read_exact(&mut buf) {
            Ok(()) => {
                hashes.extend_from_slice(&hash_pagina(&buf));
                total += u64::from(tamanho_pagina);
            }
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok((total, hashes)),
            Err(e) => return Err(Error::io(path, e)),
        }
    }
}

/// Parses `--at`: `YYYY-MM-DD HH:MM[:SS]` in UTC (a `T` separator and a trailing `Z` accepted),
/// or with an offset such as `-03:00` (Brasília). Returns Unix ms.
pub fn momento(texto: &str) -> Result<i64> {
    let t = texto.trim();
    let invalido = || {
        Error::invalid(
            "momento_invalido",
            format!(
                "momento inválido: {texto:?} (use AAAA-MM-DD HH:MM em UTC, ou com fuso, ex.: 2026-11-29 14:30-03:00)"
            ),
        )
    };
    let (corpo, deslocamento_s) = if let Some(c) = t.strip_suffix('Z') {
        (c, 0)
    } else if t.len() > 6 && matches!(t.as_bytes()[t.len() - 6], b'+' | b'-') && t.as_bytes()[t.len() - 3] == b':' {
        let (c, fuso) = t.split_at(t.len() - 6);
        let h: i64 = fuso[1..3].parse().map_err(|_| invalido())?;
        let m: i64 = fuso[4..6].parse().map_err(|_| invalido())?;
        let s = (h * 3600 + m * 60) * if fuso.starts_with('-') { -1 } else { 1 };
        (c, s)
    } else {
        (t, 0)
    };
    let norm = clock::normalizar_data_hora(corpo, false).filter(|_| corpo.contains([' ', 'T'])).ok_or_else(invalido)?;
    let unix = clock::unix_de_sqlite(&norm).ok_or_else(invalido)?;
    Ok((unix - deslocamento_s) * 1000 + 999)
}

/// A staging path beside `destino` for a restore that is then swapped in.
pub fn caminho_temporario(dir: &Path, banco: &Banco) -> PathBuf {
    dir.join(format!(".{}.da-replica-{}.db", banco.as_str(), std::process::id()))
}

/// Human sizes for progress lines.
pub fn tamanho(bytes: u64) -> String {
    let kib = bytes as f64 / 1024.0;
    if kib >= 1024.0 * 1024.0 {
        format!("{:.2} GiB", kib / 1024.0 / 1024.0)
    } else if kib >= 1024.0 {
        format!("{:.1} MiB", kib / 1024.0)
    } else {
        format!("{kib:.0} KiB")
    }
}

/// Seconds since `t`, for progress lines.
pub fn segundos(t: Instant) -> String {
    format!("{:.1} s", t.elapsed().as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments() {
        let base = clock::unix_de_sqlite("2026-11-29 14:30:00").unwrap() * 1000 + 999;
        assert_eq!(momento("2026-11-29 14:30").unwrap(), base);
        assert_eq!(momento("2026-11-29T14:30:00Z").unwrap(), base);
        assert_eq!(momento("2026-11-29 11:30-03:00").unwrap(), base);
        assert_eq!(momento("2026-11-29 16:30:00+02:00").unwrap(), base);
        for ruim in ["ontem", "2026-11-29", "2026-11-29 25:00", "2026-11-29 14:30-3", ""] {
            assert!(momento(ruim).is_err(), "{ruim}");
        }
    }
}
