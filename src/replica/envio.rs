//! Shipping one database: read its pages in one read transaction, keep those that differ from
//! what was shipped (8-byte hashes per page in `replica.db`), seal and upload them as a change
//! of the last object — or every page as a new base when there is none yet or the chain has
//! grown past [`CADEIA_MAX`] changes or the size of its base — then, for a base, the manifest
//! and the retention; the local state is saved last. Between reading the pages and uploading
//! them, the caller ships the tenant's new media files ([`super::midias`]): every row read was
//! committed after its file was written, so the files a shipped row names are in the bucket
//! before it (but for a backlog past the media budget, which the next shipment carries).
//!
//! Order and crashes: object, then manifest, then state. A `kill -9` before the state is saved
//! ships the same changes again on the next start, as the next object of the same parent (the
//! orphan is never chained after it, see [`super::formato::cadeia`]); what was shipped before
//! is never touched.

use std::cell::RefCell;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::cifra::{selar, Selador};
use super::formato::{self, Banco, Cabecalho, Manifesto, Objeto};
use super::s3::{Cliente, ErroS3};
use super::ChaveReplica;
use crate::clock;
use crate::error::{Error, Result};
use crate::store::replica::{ler_paginas, EstadoBanco, EstadoReplicaDb};

/// Past this many changes since its base, a database's next shipment is a new base (a
/// restore reads the base and every change after it).
pub const CADEIA_MAX: u32 = 240;
/// Bytes of one page hash kept per page.
const HASH: usize = 8;

/// What a shipment needs, fixed for one configuration.
pub struct Sessao {
    pub cliente: Cliente,
    pub chave: ChaveReplica,
    pub retencao_dias: u32,
}

/// What one shipment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enviado {
    /// The pages were those already shipped: nothing uploaded.
    Nada,
    /// A new base of `bytes` (sealed) with `paginas` pages.
    Base { bytes: u64, paginas: u32 },
    /// A change of `bytes` (sealed) with `paginas` pages.
    Mudanca { bytes: u64, paginas: u32 },
}

/// Why a shipment failed.
#[derive(Debug)]
pub enum Falha {
    /// The bucket: maybe transient (see [`ErroS3::transitorio`]).
    S3(ErroS3),
    /// Here: the file, the state db, the sealing.
    Local(Error),
}

impl From<Error> for Falha {
    fn from(e: Error) -> Self {
        Falha::Local(e)
    }
}

impl From<ErroS3> for Falha {
    fn from(e: ErroS3) -> Self {
        Falha::S3(e)
    }
}

/// A page's hash as stored.
pub fn hash_pagina(dados: &[u8]) -> [u8; HASH] {
    let d = Sha256::digest(dados);
    let mut h = [0u8; HASH];
    h.copy_from_slice(&d[..HASH]);
    h
}

/// The size and modification time of a database file and its WAL: if both are the same at
/// the next start, nothing was committed since it was read.
pub fn impressao(caminho: &Path) -> String {
    let um = |p: &Path| match std::fs::metadata(p) {
        Ok(m) => {
            let ns = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}:{ns}", m.len())
        }
        Err(_) => "-".to_owned(),
    };
    let mut wal = caminho.as_os_str().to_owned();
    wal.push("-wal");
    format!("{}|{}", um(caminho), um(Path::new(&wal)))
}

/// Ships `banco` (the file at `caminho`) if it changed since its last shipment;
/// `depois_de_ler` runs once the pages are read, before anything is uploaded.
pub fn enviar(
    s: &Sessao,
    estado: &EstadoReplicaDb,
    banco: &Banco,
    caminho: &Path,
    depois_de_ler: &mut dyn FnMut() -> Result<(), Falha>,
) -> Result<Enviado, Falha> {
    let impressao = impressao(caminho);
    let anterior = estado.banco(banco.as_str())?.filter(|e| e.removido_ms.is_none());
    let agora = clock::unix_now_ms().max(anterior.as_ref().map_or(0, |a| a.ultimo_ms + 1));
    let cadeia_longa = anterior.as_ref().is_none_or(|a| a.cadeia_n >= CADEIA_MAX || a.cadeia_bytes >= a.base_bytes);
    let lido = ler(s, banco, caminho, anterior.as_ref(), cadeia_longa, agora)?;
    depois_de_ler()?;
    let Leitura { selador, hashes, mudadas, tamanho, paginas, base } = lido;
    let Some(selador) = selador else { return Err(Falha::Local(Error::Internal("leitura sem cabeçalho".into()))) };
    if let Some(a) = &anterior {
        if !base && mudadas == 0 && hashes.len() == a.hashes.len() {
            estado.definir_impressao(banco.as_str(), &impressao)?;
            return Ok(Enviado::Nada);
        }
    }
    let objeto = Objeto { criado_ms: agora, pai_ms: if base { None } else { anterior.as_ref().map(|a| a.ultimo_ms) } };
    let corpo = selador.concluir()?;
    let bytes = corpo.len() as u64;
    s.cliente.put(&banco.objeto(&objeto), &corpo)?;
    let mut bases = anterior.as_ref().map(|a| a.bases.clone()).unwrap_or_default();
    if base {
        bases.push(agora);
        bases = publicar_base(s, banco, bases, agora)?;
    }
    let novo = EstadoBanco {
        nome: banco.as_str().to_owned(),
        base_ms: if base { agora } else { anterior.as_ref().map_or(agora, |a| a.base_ms) },
        ultimo_ms: agora,
        base_bytes: if base { bytes } else { anterior.as_ref().map_or(bytes, |a| a.base_bytes) },
        cadeia_bytes: if base { 0 } else { anterior.as_ref().map_or(0, |a| a.cadeia_bytes) + bytes },
        cadeia_n: if base { 0 } else { anterior.as_ref().map_or(0, |a| a.cadeia_n) + 1 },
        tamanho_pagina: tamanho,
        hashes,
        impressao,
        bases,
        enviado_ms: clock::unix_now_ms(),
        removido_ms: None,
    };
    estado.salvar(&novo)?;
    Ok(if base { Enviado::Base { bytes, paginas } } else { Enviado::Mudanca { bytes, paginas: mudadas } })
}

/// What reading a database produced.
struct Leitura<'k> {
    selador: Option<Selador<'k>>,
    hashes: Vec<u8>,
    mudadas: u32,
    tamanho: u32,
    paginas: u32,
    base: bool,
}

fn ler<'k>(
    s: &'k Sessao,
    banco: &Banco,
    caminho: &Path,
    anterior: Option<&EstadoBanco>,
    base: bool,
    agora: i64,
) -> Result<Leitura<'k>> {
    let l = RefCell::new(Leitura { selador: None, hashes: Vec::new(), mudadas: 0, tamanho: 0, paginas: 0, base });
    let io = |e: std::io::Error| Error::Internal(format!("montar objeto: {e}"));
    // Never open a file while a restore swaps it (see `backup::copiando`).
    let _copiando = crate::backup::copiando();
    ler_paginas(
        caminho,
        |tamanho, paginas| {
            let mut l = l.borrow_mut();
            l.base |= anterior.is_some_and(|a| a.tamanho_pagina != tamanho);
            let pai = if l.base { None } else { anterior.map(|a| a.ultimo_ms) };
            let nome = banco.objeto(&Objeto { criado_ms: agora, pai_ms: pai });
            let mut sel = Selador::novo(&s.chave, &nome);
            let c = Cabecalho { base: l.base, tamanho_pagina: tamanho, paginas, criado_ms: agora };
            let mut cab = Vec::new();
            formato::escrever_cabecalho(&mut cab, &c).map_err(io)?;
            sel.escrever(&cab)?;
            l.selador = Some(sel);
            l.tamanho = tamanho;
            l.paginas = paginas;
            l.hashes.reserve(paginas as usize * HASH);
            Ok(())
        },
        |pgno, dados| {
            let mut l = l.borrow_mut();
            let h = hash_pagina(dados);
            let i = (pgno as usize - 1) * HASH;
            let igual = !l.base && anterior.and_then(|a| a.hashes.get(i..i + HASH)).is_some_and(|v| v == h);
            l.hashes.extend_from_slice(&h);
            if !igual {
                l.mudadas += 1;
                let mut reg = Vec::with_capacity(4 + dados.len());
                formato::escrever_pagina(&mut reg, pgno, dados).map_err(io)?;
                if let Some(sel) = l.selador.as_mut() {
                    sel.escrever(&reg)?;
                }
            }
            Ok(())
        },
    )?;
    let mut l = l.into_inner();
    let mut fim = Vec::new();
    formato::concluir_paginas(&mut fim).map_err(io)?;
    if let Some(sel) = l.selador.as_mut() {
        sel.escrever(&fim)?;
    }
    Ok(l)
}

/// After a base was uploaded: the manifest lists it, and history older than the retention
/// period goes. Returns the bases kept.
fn publicar_base(s: &Sessao, banco: &Banco, bases: Vec<i64>, agora: i64) -> Result<Vec<i64>, Falha> {
    let corte = formato::corte_retencao(&bases, agora, s.retencao_dias);
    let mantidas: Vec<i64> = bases.into_iter().filter(|b| corte.is_none_or(|c| *b >= c)).collect();
    escrever_manifesto(s, banco, &Manifesto { versao: 1, bases: mantidas.clone(), removido_ms: None })?;
    if let Some(c) = corte {
        if let Err(e) = apagar_antes(s, banco, Some(c)) {
            // Left for the next base's retention: nothing depends on these objects any more.
            log::warn!(
                "réplica: retenção de {} não apagou a história antiga: {}",
                banco.as_str(),
                e.para_pessoas(s.cliente.destino())
            );
        }
    }
    Ok(mantidas)
}

/// Writes a database's manifest.
pub fn escrever_manifesto(s: &Sessao, banco: &Banco, m: &Manifesto) -> Result<(), Falha> {
    let json = serde_json::to_vec(m).map_err(|e| Error::Internal(e.to_string()))?;
    s.cliente.put(&banco.manifesto(), &selar(&s.chave, &banco.manifesto(), &json)?)?;
    Ok(())
}

/// Deletes a database's objects older than `antes_de` (all of them, manifest included, with
/// `None`).
fn apagar_antes(s: &Sessao, banco: &Banco, antes_de: Option<i64>) -> Result<(), ErroS3> {
    let prefixo = banco.prefixo();
    let mut nomes = Vec::new();
    s.cliente.listar(&prefixo, None, |pagina| {
        let mut seguir = true;
        for o in pagina {
            let resto = o.nome.strip_prefix(&prefixo).unwrap_or("");
            match (Objeto::de_nome(resto), antes_de) {
                (Some(obj), Some(c)) if obj.criado_ms < c => nomes.push(o.nome),
                (Some(_), Some(_)) => seguir = false,
                (_, None) => nomes.push(o.nome),
                (None, Some(_)) => {}
            }
        }
        seguir
    })?;
    if !nomes.is_empty() {
        s.cliente.apagar(&nomes)?;
    }
    Ok(())
}

/// A database that stopped existing (an empresa purged): its manifest says so, and its
/// history stays for the retention period.
pub fn marcar_removido(s: &Sessao, estado: &EstadoReplicaDb, banco: &Banco) -> Result<(), Falha> {
    let Some(mut e) = estado.banco(banco.as_str())? else { return Ok(()) };
    if e.removido_ms.is_some() {
        return Ok(());
    }
    let agora = clock::unix_now_ms();
    escrever_manifesto(s, banco, &Manifesto { versao: 1, bases: e.bases.clone(), removido_ms: Some(agora) })?;
    e.removido_ms = Some(agora);
    estado.salvar(&e)?;
    Ok(())
}

/// Deletes the whole history of a database removed more than the retention period ago, its
/// media files included.
pub fn expurgar_se_vencido(s: &Sessao, estado: &EstadoReplicaDb, banco: &Banco) -> Result<bool, Falha> {
    let Some(e) = estado.banco(banco.as_str())? else { return Ok(false) };
    let vencido = e.removido_ms.is_some_and(|r| clock::unix_now_ms() - r > i64::from(s.retencao_dias) * 86_400_000);
    if !vencido {
        return Ok(false);
    }
    super::midias::apagar_todas(s, estado, banco)?;
    apagar_antes(s, banco, None)?;
    estado.remover(banco.as_str())?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_changes_with_a_commit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.db");
        // Any WAL database written through the store: the journal's is the simplest.
        let j = crate::store::journal::JournalDb::open(&p).unwrap();
        let antes = impressao(&p);
        assert_eq!(antes, impressao(&p));
        j.anotar(&[(crate::domain::EmpresaId(1), "{}".into())], 1).unwrap();
        assert_ne!(antes, impressao(&p));
        assert_eq!(impressao(&dir.path().join("nada.db")), "-|-");
        assert_eq!(hash_pagina(b"a"), hash_pagina(b"a"));
        assert_ne!(hash_pagina(b"a"), hash_pagina(b"b"));
    }
}
