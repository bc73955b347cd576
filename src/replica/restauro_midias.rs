//! Bringing back the media files a restored tenant file uses: one listing of the database's
//! media in the bucket (only for databases that have any: [`bancos_com_midias`] asks once for
//! a whole data dir), then every file the folder lacks downloaded (four at a time), opened
//! (its object name is the associated data) and checked against its SHA-256 before it takes its
//! name in the folder. A file the bucket lacks, or that does not check, is reported by content
//! address with the message or catalog item that uses it and why; the rows are restored all
//! the same (the panel then shows that media as missing).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::cifra::{abrir, FalhaAbertura};
use super::formato::Banco;
use super::midias::{impressao_pasta, Vagas};
use super::restauro::{tamanho, Origem};
use super::s3::ErroS3;
use crate::clock;
use crate::crypto::sha256_hex;
use crate::media::escrever_em;
use crate::store::replica::{EstadoReplicaDb, MidiaEnviada, MidiaUsada};

/// Downloads of one database at once.
const PARALELOS: usize = 4;
/// Files over 1 MiB in memory at once, across every restore thread.
static GRANDES: Vagas = Vagas::new(4);
/// A progress line at most this often while one database's media come down.
const PROGRESSO: Duration = Duration::from_secs(5);
/// Tries per file on a network failure.
const TENTATIVAS: u32 = 3;

/// A media file the restored rows use that did not come back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Faltando {
    pub sha256: String,
    /// What uses it, for people ("foto da mensagem 12", "foto do item 4 do catálogo").
    pub uso: String,
    /// Why, in pt-BR.
    pub motivo: String,
}

/// What bringing one database's media back did.
#[derive(Debug, Default)]
pub struct MidiasTrazidas {
    /// Files the restored rows use.
    pub usadas: usize,
    /// Downloaded now, and their bytes.
    pub baixadas: usize,
    pub bytes: u64,
    /// Already in the folder.
    pub ja_estavam: usize,
    pub faltando: Vec<Faltando>,
}

/// "foto da mensagem 12", "foto do item 4 do catálogo" (+ how many other rows use it).
pub fn descrever_uso(u: &MidiaUsada) -> String {
    let tipo = match u.tipo.as_str() {
        "image" => "foto",
        "audio" => "áudio",
        "video" => "vídeo",
        "document" => "documento",
        "sticker" => "figurinha",
        outro => outro,
    };
    let base = match (u.item_id, u.mensagem_id) {
        (Some(item), _) => format!("{tipo} do item {item} do catálogo"),
        (None, Some(m)) => format!("{tipo} da mensagem {m}"),
        (None, None) => tipo.to_owned(),
    };
    match u.usos {
        0 | 1 => base,
        n => format!("{base} e mais {} uso(s)", n - 1),
    }
}

/// The databases with media files in the bucket (one listing of `midias/` with a delimiter:
/// a request per thousand databases); `None` when it failed (each database is then listed).
pub fn bancos_com_midias(o: &Origem) -> Option<HashSet<String>> {
    match o.cliente.subpastas("midias/") {
        Ok(v) => Some(
            v.into_iter()
                .filter_map(|p| p.strip_prefix("midias/").and_then(|r| r.strip_suffix('/')).map(str::to_owned))
                .collect(),
        ),
        Err(e) => {
            log::warn!("réplica: lista das pastas de mídia: {}", e.para_pessoas(o.cliente.destino()));
            None
        }
    }
}

/// Brings back into `pasta` every file of `usadas` it lacks from `banco`'s media in the bucket
/// (not even listed when `listar` is false: the bucket has none for it).
/// With `estado` (a whole data dir rebuilt for a new server), records what the bucket holds for
/// `banco` — the files now in the folder as shipped, the others as removed now (they leave
/// with the history) — so the new server uploads none of them again.
pub fn trazer(
    o: &Origem,
    banco: &Banco,
    usadas: &[MidiaUsada],
    pasta: &Path,
    listar: bool,
    estado: Option<&EstadoReplicaDb>,
    progresso: &(dyn Fn(&str) + Sync),
) -> MidiasTrazidas {
    let mut r = MidiasTrazidas { usadas: usadas.len(), ..MidiasTrazidas::default() };
    if usadas.is_empty() && (estado.is_none() || !listar) {
        return r;
    }
    // Bucket name → sealed size.
    let mut no_bucket: HashMap<String, u64> = HashMap::new();
    let listagem = if !listar {
        Ok(())
    } else {
        o.cliente.listar(&banco.prefixo_midias(), None, |pagina| {
            for l in pagina {
                if let Some(nome) = banco.nome_da_midia(&l.nome) {
                    no_bucket.insert(nome.to_owned(), l.tamanho);
                }
            }
            true
        })
    };
    if let Err(e) = listagem {
        let motivo = format!("a lista de mídias da réplica não veio: {}", e.para_pessoas(o.cliente.destino()));
        r.faltando = usadas
            .iter()
            .map(|u| Faltando { sha256: u.sha256.clone(), uso: descrever_uso(u), motivo: motivo.clone() })
            .collect();
        return r;
    }
    let mut baixar = Vec::new();
    for u in usadas {
        let nome = o.chave.nome_de_midia(&u.sha256);
        if pasta.join(&u.sha256).is_file() {
            r.ja_estavam += 1;
        } else if let Some(t) = no_bucket.get(&nome) {
            baixar.push((u, nome, *t));
        } else {
            r.faltando.push(Faltando {
                sha256: u.sha256.clone(),
                uso: descrever_uso(u),
                motivo: "não está na réplica (nunca chegou ao bucket, ou foi apagado)".into(),
            });
        }
    }
    let total = baixar.len();
    let fila = Mutex::new(baixar.into_iter());
    let (feitas, bytes) = (AtomicUsize::new(0), AtomicU64::new(0));
    let faltando = Mutex::new(Vec::new());
    let ultimo = Mutex::new(Instant::now());
    std::thread::scope(|s| {
        for _ in 0..PARALELOS.min(total) {
            s.spawn(|| loop {
                let Some((u, nome, tam)) = fila.lock().unwrap_or_else(std::sync::PoisonError::into_inner).next() else {
                    return;
                };
                match baixar_um(o, banco, &u.sha256, &nome, tam, pasta) {
                    Ok(n) => {
                        bytes.fetch_add(n, Ordering::Relaxed);
                    }
                    Err(motivo) => faltando.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(Faltando {
                        sha256: u.sha256.clone(),
                        uso: descrever_uso(u),
                        motivo,
                    }),
                }
                let n = feitas.fetch_add(1, Ordering::Relaxed) + 1;
                let mut aviso = ultimo.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if aviso.elapsed() >= PROGRESSO && n < total {
                    *aviso = Instant::now();
                    progresso(&format!(
                        "  {}: mídias {n}/{total} ({})",
                        banco.as_str(),
                        tamanho(bytes.load(Ordering::Relaxed))
                    ));
                }
            });
        }
    });
    let mut faltando = faltando.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    r.baixadas = total - faltando.len();
    r.bytes = bytes.into_inner();
    r.faltando.append(&mut faltando);
    r.faltando.sort_by(|a, b| a.sha256.cmp(&b.sha256));
    if let Some(estado) = estado {
        let aqui: HashSet<String> = usadas
            .iter()
            .filter(|u| pasta.join(&u.sha256).is_file())
            .map(|u| o.chave.nome_de_midia(&u.sha256))
            .collect();
        if let Err(e) = registrar(estado, banco, &no_bucket, &aqui, pasta) {
            log::warn!(
                "réplica: estado das mídias de {} não gravado ({e}); o servidor novo as enviará de novo",
                banco.as_str()
            );
        }
    }
    r
}

/// One file: downloaded (retried on network failures), opened, checked, written. Returns its
/// size, or why it did not come.
fn baixar_um(
    o: &Origem,
    banco: &Banco,
    sha: &str,
    nome_midia: &str,
    tamanho_selado: u64,
    pasta: &Path,
) -> Result<u64, String> {
    let _vaga = (tamanho_selado > 1024 * 1024).then(|| GRANDES.tomar());
    let nome = banco.midia(nome_midia);
    let mut tentativa = 0;
    let selado = loop {
        tentativa += 1;
        match o.cliente.get(&nome) {
            Ok(Some(b)) => break b,
            Ok(None) => return Err("sumiu da réplica durante a restauração".into()),
            Err(e @ ErroS3::Rede(_)) if tentativa < TENTATIVAS => {
                log::warn!("réplica: {nome}: {}; tentando de novo", e.para_pessoas(o.cliente.destino()));
                std::thread::sleep(Duration::from_secs(u64::from(tentativa)));
            }
            Err(e) => return Err(format!("erro ao baixar: {}", e.para_pessoas(o.cliente.destino()))),
        }
    };
    let bytes = abrir(&o.chave, &nome, &selado).map_err(|f| match f {
        FalhaAbertura::Autenticacao => {
            "o objeto não abre com esta chave (adulterado ou copiado de outro lugar)".to_owned()
        }
        FalhaAbertura::Formato => "o objeto não está no formato esperado".to_owned(),
    })?;
    if sha256_hex(&bytes) != sha {
        return Err("o conteúdo baixado não confere com o SHA-256 do nome".into());
    }
    escrever_em(pasta, sha, &bytes).map_err(|e| format!("não foi possível gravá-lo aqui: {e}"))?;
    Ok(bytes.len() as u64)
}

/// The new server's state of `banco`'s media: what the bucket holds, removed unless it is in
/// the folder now (`aqui`: bucket names), and the folder's fingerprint.
fn registrar(
    estado: &EstadoReplicaDb,
    banco: &Banco,
    no_bucket: &HashMap<String, u64>,
    aqui: &HashSet<String>,
    pasta: &Path,
) -> crate::error::Result<()> {
    let agora = clock::unix_now_ms();
    let midias: Vec<MidiaEnviada> = no_bucket
        .iter()
        .map(|(nome, bytes)| MidiaEnviada {
            nome: nome.clone(),
            bytes: *bytes,
            removido_ms: (!aqui.contains(nome)).then_some(agora),
        })
        .collect();
    estado.midias_gravar(banco.as_str(), &midias, agora)?;
    let impressao = impressao_pasta(pasta);
    estado.definir_pasta_midia(banco.as_str(), (impressao != "-").then_some(impressao.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_are_described_for_people() {
        let u = |tipo: &str, mensagem_id, item_id, usos| MidiaUsada {
            sha256: "a".into(),
            tipo: tipo.into(),
            mensagem_id,
            item_id,
            usos,
        };
        assert_eq!(descrever_uso(&u("image", None, Some(4), 1)), "foto do item 4 do catálogo");
        assert_eq!(descrever_uso(&u("audio", Some(12), None, 1)), "áudio da mensagem 12");
        assert_eq!(descrever_uso(&u("video", Some(3), None, 3)), "vídeo da mensagem 3 e mais 2 uso(s)");
        assert_eq!(descrever_uso(&u("document", None, None, 1)), "documento");
    }
}
