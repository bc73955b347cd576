//! A tenant's media files in the bucket: `midias/<banco>/<sha256>`, each sealed like every
//! object (the object's name as associated data; zstd only when it saves something, see
//! [`super::cifra::vale_comprimir`]: photos, voice notes and videos are compressed already).
//! Files are immutable and named by their content, so each is uploaded once and never
//! rewritten.
//!
//! What to ship is the difference between the folder (one `readdir`) and what `replica.db`
//! says is in the bucket, worked out only for folders marked as changed
//! (`Alteracoes::marcar_midia`, set where a file is written or removed) and, once per start,
//! for folders whose mtime differs from the one recorded when everything in them was shipped.
//! Each file is recorded right after its upload: a `kill -9` costs at most the uploads in
//! flight. A file is read and checked against its name (SHA-256) before it goes: a file
//! corrupted (or unreadable) on this disk is reported and skipped, never shipped as the real
//! one, and never holds up the rest.
//!
//! Deletions follow the history: a file gone from the folder stays in the bucket while a
//! restorable moment of its database may use it — until its removal is older than the
//! retention period *and* than the oldest base the database keeps (`--at` restores any moment
//! from that base on) — and leaves then ([`expirar`]). A purged empresa's files leave with its
//! history ([`apagar_todas`]).
//!
//! Memory: a file (≤ 16 MB) is sealed whole; at most [`GRANDES_AO_MESMO_TEMPO`] files over
//! 1 MiB are in memory at once, whatever the number of uploaders. A shipment uploads at most
//! [`ORCAMENTO_BYTES`] of media, so a backlog (the first start of a replica) never keeps a
//! database's own changes waiting; the rest goes in the next one.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Condvar, Mutex};

use super::cifra::{vale_comprimir, Selador};
use super::envio::{Falha, Sessao};
use super::formato::Banco;
use crate::clock;
use crate::crypto::sha256_hex;
use crate::error::Error;
use crate::media::sha_valido;
use crate::store::replica::{EstadoReplicaDb, MidiaEnviada};

/// Most media bytes (sealed) one shipment uploads; the rest waits for the next.
pub const ORCAMENTO_BYTES: u64 = 32 * 1024 * 1024;
/// Most media files one shipment uploads.
pub const ORCAMENTO_ARQUIVOS: u32 = 500;
/// A file larger than this waits for a place among [`GRANDES_AO_MESMO_TEMPO`].
const GRANDE: u64 = 1024 * 1024;
/// Large files read and sealed at once, across all uploaders.
pub const GRANDES_AO_MESMO_TEMPO: usize = 2;

/// What one pass over a media folder did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PassoMidias {
    /// Files uploaded, and their sealed bytes.
    pub enviados: u32,
    pub bytes: u64,
    /// Files seen gone from the folder now (they stay in the bucket for the history).
    pub removidos: u32,
    /// Files left for the next pass (the budget ran out).
    pub restantes: u32,
    /// Files not shipped: unreadable here, or their content no longer matches their name.
    pub ilegiveis: u32,
}

/// What a folder needs, compared with what is in the bucket (files by their bucket names).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plano {
    /// In the folder, not in the bucket: upload.
    pub novos: Vec<String>,
    /// In the folder again after being seen gone (still in the bucket): no longer removed.
    pub voltaram: Vec<String>,
    /// In the bucket, gone from the folder: removed now.
    pub sumiram: Vec<String>,
}

/// Compares the files of a folder (by their bucket names) with those the state knows in the
/// bucket.
pub fn planejar(locais: &BTreeSet<String>, enviados: &[MidiaEnviada]) -> Plano {
    let conhecidos: HashMap<&str, Option<i64>> = enviados.iter().map(|m| (m.nome.as_str(), m.removido_ms)).collect();
    let mut p = Plano::default();
    for nome in locais {
        match conhecidos.get(nome.as_str()) {
            None => p.novos.push(nome.clone()),
            Some(Some(_)) => p.voltaram.push(nome.clone()),
            Some(None) => {}
        }
    }
    p.sumiram = enviados
        .iter()
        .filter(|m| m.removido_ms.is_none() && !locais.contains(&m.nome))
        .map(|m| m.nome.clone())
        .collect();
    p
}

/// Whether a file seen gone at `removido_ms` may leave the bucket at `agora_ms`: its removal
/// is older than the retention period and than the oldest base its database keeps (no
/// restorable moment precedes it), or the database has no history left.
pub fn pode_apagar(removido_ms: i64, agora_ms: i64, retencao_dias: u32, base_mais_antiga: Option<i64>) -> bool {
    agora_ms - removido_ms > i64::from(retencao_dias) * 86_400_000 && base_mais_antiga.is_none_or(|b| removido_ms < b)
}

/// The modification time (ns) of a media folder, `-` when there is none: a file written or
/// removed (each a rename or unlink in it) changes it.
pub fn impressao_pasta(pasta: &Path) -> String {
    match std::fs::metadata(pasta).and_then(|m| m.modified()) {
        Ok(t) => t.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()).to_string(),
        Err(_) => "-".to_owned(),
    }
}

/// The files of a media folder (content addresses only: temporary files are not files yet);
/// none when it does not exist.
pub fn listar_pasta(pasta: &Path) -> Result<BTreeSet<String>, Error> {
    let entradas = match std::fs::read_dir(pasta) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
        Err(e) => return Err(Error::io(pasta, e)),
    };
    let mut v = BTreeSet::new();
    for entrada in entradas {
        let nome = entrada.map_err(|e| Error::io(pasta, e))?.file_name();
        if let Some(n) = nome.to_str().filter(|n| sha_valido(n)) {
            v.insert(n.to_owned());
        }
    }
    Ok(v)
}

/// Ships what changed in `banco`'s media folder `pasta`: new files up to the budget (or until
/// `parar()` says the server stops), files gone marked removed, and — when nothing is left —
/// the folder's fingerprint recorded.
pub fn sincronizar(
    s: &Sessao,
    estado: &EstadoReplicaDb,
    banco: &Banco,
    pasta: &Path,
    parar: &dyn Fn() -> bool,
) -> Result<PassoMidias, Falha> {
    let nome = banco.as_str();
    // Taken before the listing: a change after it makes the next start look again.
    let impressao = impressao_pasta(pasta);
    // Bucket name → content address.
    let locais: HashMap<String, String> =
        listar_pasta(pasta)?.into_iter().map(|sha| (s.chave.nome_de_midia(&sha), sha)).collect();
    let plano = planejar(&locais.keys().cloned().collect(), &estado.midias(nome)?);
    if !plano.voltaram.is_empty() {
        estado.midias_marcar_removidas(nome, &plano.voltaram, None)?;
    }
    if !plano.sumiram.is_empty() {
        estado.midias_marcar_removidas(nome, &plano.sumiram, Some(clock::unix_now_ms()))?;
    }
    let mut p = PassoMidias { removidos: plano.sumiram.len() as u32, ..PassoMidias::default() };
    for objeto in &plano.novos {
        if p.enviados >= ORCAMENTO_ARQUIVOS || p.bytes >= ORCAMENTO_BYTES || parar() {
            p.restantes += 1;
            continue;
        }
        let Some(sha) = locais.get(objeto) else { continue };
        match enviar_arquivo(s, banco, pasta, sha, objeto)? {
            Envio::Enviado(bytes) => {
                let m = MidiaEnviada { nome: objeto.clone(), bytes, removido_ms: None };
                estado.midias_gravar(nome, &[m], clock::unix_now_ms())?;
                p.enviados += 1;
                p.bytes += bytes;
            }
            // Removed meanwhile: its removal marked the folder again.
            Envio::Sumiu => {}
            // Reported, never shipped as the real file; the others go on (and so do the pages).
            Envio::Ilegivel(motivo) => {
                log::error!("réplica: a mídia {sha} de {nome} não foi enviada: {motivo}");
                p.ilegiveis += 1;
            }
        }
    }
    if p.restantes == 0 {
        let gravar = (impressao != "-").then_some(impressao.as_str());
        estado.definir_pasta_midia(nome, gravar)?;
    }
    Ok(p)
}

/// How uploading one file went.
enum Envio {
    /// Uploaded: its sealed bytes.
    Enviado(u64),
    Sumiu,
    /// Why it cannot be shipped (pt-BR).
    Ilegivel(String),
}

fn enviar_arquivo(s: &Sessao, banco: &Banco, pasta: &Path, sha: &str, nome: &str) -> Result<Envio, Falha> {
    let caminho = pasta.join(sha);
    let ausente = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
    let ilegivel = |e: std::io::Error| Envio::Ilegivel(format!("não foi possível lê-lo ({e})"));
    let tamanho = match std::fs::metadata(&caminho) {
        Ok(m) => m.len(),
        Err(e) if ausente(&e) => return Ok(Envio::Sumiu),
        Err(e) => return Ok(ilegivel(e)),
    };
    let _vaga = (tamanho > GRANDE).then(|| GRANDES.tomar());
    let bytes = match std::fs::read(&caminho) {
        Ok(b) => b,
        Err(e) if ausente(&e) => return Ok(Envio::Sumiu),
        Err(e) => return Ok(ilegivel(e)),
    };
    if sha256_hex(&bytes) != sha {
        return Ok(Envio::Ilegivel("o conteúdo não confere com o nome (arquivo corrompido neste disco)".into()));
    }
    let objeto = banco.midia(nome);
    let mut selador = Selador::com(&s.chave, &objeto, vale_comprimir(&bytes));
    selador.escrever(&bytes)?;
    drop(bytes);
    let corpo = selador.concluir()?;
    s.cliente.put(&objeto, &corpo)?;
    Ok(Envio::Enviado(corpo.len() as u64))
}

/// Deletes from the bucket the files of `banco` whose removal no restorable moment precedes
/// ([`pode_apagar`]); returns how many. Only local reads when none is due.
pub fn expirar(s: &Sessao, estado: &EstadoReplicaDb, banco: &Banco) -> Result<u32, Falha> {
    let nome = banco.as_str();
    let agora = clock::unix_now_ms();
    let limite = agora - i64::from(s.retencao_dias) * 86_400_000;
    let candidatas = estado.midias_removidas_antes(nome, limite)?;
    if candidatas.is_empty() {
        return Ok(0);
    }
    let base = estado.banco(nome)?.and_then(|e| e.bases.iter().copied().min());
    let vencidas: Vec<String> = candidatas
        .into_iter()
        .filter(|(_, removido)| pode_apagar(*removido, agora, s.retencao_dias, base))
        .map(|(nome, _)| nome)
        .collect();
    if vencidas.is_empty() {
        return Ok(0);
    }
    let objetos: Vec<String> = vencidas.iter().map(|nome| banco.midia(nome)).collect();
    s.cliente.apagar(&objetos)?;
    estado.midias_esquecer(nome, Some(&vencidas))?;
    Ok(vencidas.len() as u32)
}

/// Deletes every media file of `banco` from the bucket (its history left: an empresa purged
/// more than the retention period ago).
pub fn apagar_todas(s: &Sessao, estado: &EstadoReplicaDb, banco: &Banco) -> Result<(), Falha> {
    let mut objetos = Vec::new();
    s.cliente.listar(&banco.prefixo_midias(), None, |pagina| {
        objetos.extend(pagina.into_iter().map(|o| o.nome).filter(|n| banco.nome_da_midia(n).is_some()));
        true
    })?;
    if !objetos.is_empty() {
        s.cliente.apagar(&objetos)?;
    }
    estado.midias_esquecer(banco.as_str(), None)?;
    Ok(())
}

/// Places for large files in memory (a counting semaphore).
pub(super) struct Vagas {
    livres: Mutex<usize>,
    liberada: Condvar,
}

static GRANDES: Vagas = Vagas::new(GRANDES_AO_MESMO_TEMPO);

/// A place taken; given back on drop.
pub(super) struct Vaga(&'static Vagas);

impl Vagas {
    /// `n` places.
    pub const fn new(n: usize) -> Self {
        Vagas { livres: Mutex::new(n), liberada: Condvar::new() }
    }

    /// Takes a place, waiting for one.
    pub fn tomar(&'static self) -> Vaga {
        let mut g = self.livres.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while *g == 0 {
            g = self.liberada.wait(g).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *g -= 1;
        Vaga(self)
    }
}

impl Drop for Vaga {
    fn drop(&mut self) {
        *self.0.livres.lock().unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
        self.0.liberada.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(nome: &str, removido_ms: Option<i64>) -> MidiaEnviada {
        MidiaEnviada { nome: nome.into(), bytes: 1, removido_ms }
    }

    #[test]
    fn the_plan_uploads_only_what_the_bucket_lacks() {
        let locais: BTreeSet<String> = ["a", "b", "c"].into_iter().map(String::from).collect();
        // a: shipped; b: shipped, seen gone, back now; c: new; d: shipped, gone now; e: gone before.
        let enviados = [m("a", None), m("b", Some(5)), m("d", None), m("e", Some(7))];
        let p = planejar(&locais, &enviados);
        assert_eq!(p.novos, vec!["c"]);
        assert_eq!(p.voltaram, vec!["b"]);
        assert_eq!(p.sumiram, vec!["d"]);
        assert_eq!(planejar(&locais, &[m("a", None), m("b", None), m("c", None)]), Plano::default(), "nothing to do");
        let vazio = planejar(&BTreeSet::new(), &enviados);
        assert_eq!(vazio.sumiram, vec!["a", "d"], "a folder gone: every file still counted as there is gone");
    }

    #[test]
    fn a_removed_file_outlives_every_moment_a_restore_can_reach() {
        let dia = 86_400_000;
        // Removed on day 10, retention 7 days, the database's oldest base on day 5.
        assert!(!pode_apagar(10 * dia, 16 * dia, 7, Some(5 * dia)), "within the retention period");
        assert!(!pode_apagar(10 * dia, 40 * dia, 7, Some(5 * dia)), "the base of day 5 restores day 9, which used it");
        assert!(pode_apagar(10 * dia, 40 * dia, 7, Some(12 * dia)), "history now starts after its removal");
        assert!(!pode_apagar(10 * dia, 16 * dia, 7, Some(12 * dia)), "and the retention still applies");
        assert!(pode_apagar(10 * dia, 17 * dia + 1, 7, None), "a database without history: the retention only");
        assert!(!pode_apagar(10 * dia, 17 * dia, 7, None));
    }

    #[test]
    fn the_folder_lists_content_addresses_and_its_fingerprint_moves_with_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let pasta = dir.path().join("empresa_1_a.midia");
        assert_eq!(impressao_pasta(&pasta), "-");
        assert!(listar_pasta(&pasta).unwrap().is_empty());
        let sha = sha256_hex(b"foto");
        crate::media::escrever_em(&pasta, &sha, b"foto").unwrap();
        std::fs::write(pasta.join(format!(".{sha}.abc.tmp")), b"meio").unwrap();
        std::fs::write(pasta.join("LEIAME"), b"x").unwrap();
        assert_eq!(listar_pasta(&pasta).unwrap().into_iter().collect::<Vec<_>>(), vec![sha.clone()]);
        let antes = impressao_pasta(&pasta);
        assert_ne!(antes, "-");
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::remove_file(pasta.join(&sha)).unwrap();
        assert_ne!(impressao_pasta(&pasta), antes, "a removal changes the folder's mtime");
    }

    #[test]
    fn large_files_wait_for_a_place() {
        let vagas: &'static Vagas = Box::leak(Box::new(Vagas::new(2)));
        let a = vagas.tomar();
        let _b = vagas.tomar();
        let (tx, rx) = std::sync::mpsc::channel();
        let h = std::thread::spawn(move || {
            let _c = vagas.tomar();
            tx.send(()).unwrap();
        });
        assert!(rx.recv_timeout(std::time::Duration::from_millis(100)).is_err(), "a third waits");
        drop(a);
        rx.recv_timeout(std::time::Duration::from_secs(5)).expect("taken once one is given back");
        h.join().unwrap();
    }
}
