//! JournalDb: the webhook's durable inbox, two SQLite files (`journal.db`, `journal-2.db`).
//! A verified webhook's events are appended (one row per event, tagged with the empresa that
//! owns it) and the webhook is answered; the journal worker (`pipeline::journal`) later
//! applies each empresa's rows to its tenant file in one transaction and deletes them.
//!
//! Why separate files: they are always open (the webhook never opens a tenant file), they
//! have one writer, and their commits are small — WAL, `synchronous = NORMAL`, the same
//! durability as the tenant files. Rows are opaque JSON to this module.
//!
//! Rows are found by id only: [`JournalDb::anotar`] returns the ids it stored, the caller
//! keeps each empresa's ids in memory, and [`JournalDb::pendentes`] rebuilds them from the
//! files at start-up. No index on `empresa_id`: a commit then rewrites the table's last page
//! only, not also an index page somewhere else in the file (issue #7).
//!
//! Two files, written in turn (issue #20): a WAL is written from its start again only once a
//! checkpoint has copied all of it, and under a flood of webhooks one file's commits never
//! leave a checkpoint that chance, so its WAL grew by ~100 MB/s — every new page of it a page
//! the kernel allocated and zeroed (19% of the server's CPU on this VM, whose free memory goes
//! back to the host). So when the file being written has [`LIMITE_QUADROS`] frames in its WAL
//! and the other one is ready, group commits go to the other; a worker then deletes the
//! applied rows of the one left, checkpoints it with no writer in its way, and makes one small
//! commit that writes its WAL from the start again (so the fsync of a restarted WAL's header
//! is the worker's, not a webhook's); the file is then ready, and its commits reuse pages of
//! the WAL the kernel already has. Ids are `sequence × 2 + file`, one sequence for both, so id
//! order is arrival order and an id says which file holds it ([`arquivo_de`]). Which file is
//! written is only a matter of speed: every write to a file goes through its one writer
//! connection.
//!
//! Group commit: webhooks that arrive while a commit is being written wait and go together
//! in the next one (their leader writes it; each returns only once its own rows are
//! committed). Concurrent webhooks then share one transaction's page writes instead of each
//! rewriting the same b-tree pages.
//!
//! Nothing a webhook waits for is held by a background thread (issue #20: the workers run at
//! nice 10, and a lock they held while descheduled stalled every acknowledgement behind it
//! for tens of milliseconds):
//! - three connections per file: the writer (a group commit's leader, and rare maintenance
//!   writes while webhooks are quiet), the workers' reader and the checkpointer's;
//! - deferred deletes ride on the group commits: an applied batch's ids wait in memory and
//!   each leader deletes a bounded share of its file's in the transaction it writes anyway; a
//!   worker deletes those of the file not being written, and, when no webhook has come for
//!   [`QUIETO_MS`], the rest;
//! - checkpoints never run inside a commit (`wal_autocheckpoint = 0`): a worker checkpoints
//!   the file not being written; when the webhooks have paused for seconds it also truncates
//!   both WALs, holding each file's write lock for that truncation only (a commit never
//!   truncates a WAL: `journal_size_limit = -1`).
//!
//! After a crash, batches applied but not yet deleted are applied again, which changes nothing
//! (a batch is idempotent).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::thread::Thread;

use crate::domain::EmpresaId;
use crate::error::{Error, Result};

mod arquivo;
use arquivo::Arquivo;

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linha {
    pub id: i64,
    pub evento: String,
}

/// The journal database: its two files.
pub struct JournalDb {
    arquivos: [Arquivo; 2],
    /// Which file group commits write, and whether the other is ready to take over.
    rodizio: Mutex<Rodizio>,
    grupo: Mutex<Grupo>,
    /// Ids of rows already applied to their tenant, waiting to be deleted, per file; ordered,
    /// so that a commit deletes the oldest, which sit next to each other in the table (see
    /// [`Self::gravar`]).
    aplicados: Mutex<[BTreeSet<i64>; 2]>,
    /// The next id's sequence number (ids are `sequencia * 2 + file`); a leader's only.
    sequencia: AtomicI64,
    /// Group commits and other writes so far, and at the last quiet checkpoint.
    commits: AtomicU64,
    commits_no_checkpoint: AtomicU64,
    /// Times group commits moved to the other file.
    trocas: AtomicU64,
    /// When the last webhook appended (ms since the epoch).
    ultima_escrita_ms: AtomicI64,
    /// WAL frames past which group commits move to the other file ([`LIMITE_QUADROS`]).
    limite_quadros: u32,
}

/// Which file is written, and the state of the other.
#[derive(Debug, Default)]
struct Rodizio {
    /// The file group commits write.
    ativo: usize,
    /// Per file: its WAL restarted by a worker after a checkpoint copied all of it, and not
    /// written since. Only the file not being written is ever marked.
    pronto: [bool; 2],
    /// A worker is deleting from and checkpointing the file not being written.
    drenando: bool,
}

/// Deletes a group commit takes on besides its own rows: this many, plus two per row it
/// writes (so deletes keep up with any arrival rate, and a commit's extra work stays small).
pub const DESCARGA_POR_COMMIT: usize = 32;
/// Without a webhook for this long, the workers delete applied rows themselves.
pub const QUIETO_MS: i64 = 50;
/// WAL frames (4 KiB pages) of the file being written past which group commits move to the
/// other file, when it is ready: 256 MiB, ~2.5 s of a closed-loop flood. Each move costs a
/// worker a checkpoint and a restart (three fsyncs, the WAL written out): at 32 MiB the
/// workers spent so much more CPU on them in a flood that acknowledgements fell to 19–24k/s,
/// at 128 MiB 26.7–28.5k/s, at 256 MiB 28.0–30.8k/s, at 512 MiB 28.5–30.9k/s, against
/// 25.6–27.7k/s with one file (issue #20, alternating runs).
pub const LIMITE_QUADROS: u32 = 65536;

/// The file that holds (or will hold) the row with this id.
pub fn arquivo_de(id: i64) -> usize {
    (id & 1) as usize
}

/// Those of `ids` that file `i` holds, in their order.
fn deste_arquivo(ids: &[i64], i: usize) -> Vec<i64> {
    ids.iter().copied().filter(|id| arquivo_de(*id) == i).collect()
}

/// The journal's second file, next to the first: `journal.db` → `journal-2.db`.
pub fn segundo_arquivo(path: &Path) -> PathBuf {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let nome = match path.extension() {
        Some(ext) => format!("{stem}-2.{}", ext.to_string_lossy()),
        None => format!("{stem}-2"),
    };
    path.with_file_name(nome)
}

/// Rows waiting for the next group commit, and how far commits have got.
#[derive(Default)]
struct Grupo {
    fila: Vec<(EmpresaId, String, i64)>,
    /// The calls whose rows are in `fila`, in order: (ticket, rows).
    chamadas: Vec<(u64, usize)>,
    /// The next call's ticket.
    proximo_bilhete: u64,
    /// The number the rows now in `fila` will be committed as.
    proximo: u64,
    /// A leader is writing a group.
    escrevendo: bool,
    /// Every group up to this one is finished (committed or failed).
    concluido: Option<u64>,
    /// The ids a committed group gave each call's rows, until the call takes them.
    ids: HashMap<u64, Vec<i64>>,
    /// The groups that failed: the error, and how many of their calls have not read it yet
    /// (the entry goes when the last one has).
    falhas: HashMap<u64, (String, usize)>,
    /// Calls asleep: (ticket, group, thread).
    esperando: Vec<(u64, u64, Thread)>,
}

impl Grupo {
    /// After group `numero` finished: the threads to wake — its calls, and one call of the
    /// group now queued (if any) to lead it. Woken by the caller once it has let go of the
    /// lock (issue #20: each `unpark` is a futex call, and a leader that made them all under
    /// the lock kept every arriving webhook waiting on it meanwhile); a thread's unpark token
    /// is never lost, so a wake after the lock is released still ends its `park`.
    fn acordar(&mut self, numero: u64) -> Vec<Thread> {
        let proximo = self.proximo;
        let mut falta_lider = !self.fila.is_empty();
        let mut acordar = Vec::new();
        self.esperando.retain(|(_, grupo, t)| {
            if *grupo <= numero {
                acordar.push(t.clone());
                return false;
            }
            if falta_lider && *grupo == proximo {
                acordar.push(t.clone());
                falta_lider = false;
            }
            true
        });
        acordar
    }
}

impl JournalDb {
    /// Opens (creating if needed) the journal at `path` and its second file
    /// ([`segundo_arquivo`]); a file of a newer binary is refused.
    pub fn open(path: &Path) -> Result<JournalDb> {
        let arquivos = [Arquivo::open(path, 0)?, Arquivo::open(&segundo_arquivo(path), 1)?];
        let maior = arquivos[0].maior_id()?.max(arquivos[1].maior_id()?);
        Ok(JournalDb {
            arquivos,
            // The other file may hold a WAL a crash left: a worker checkpoints it first.
            rodizio: Mutex::default(),
            grupo: Mutex::default(),
            aplicados: Mutex::default(),
            sequencia: AtomicI64::new(maior / 2 + 1),
            commits: AtomicU64::new(0),
            commits_no_checkpoint: AtomicU64::new(0),
            trocas: AtomicU64::new(0),
            ultima_escrita_ms: AtomicI64::new(0),
            limite_quadros: LIMITE_QUADROS,
        })
    }

    /// The same journal moving to the other file past `quadros` WAL frames instead of
    /// [`LIMITE_QUADROS`] (tests make it move often; at least 1).
    pub fn com_limite_quadros(mut self, quadros: u32) -> JournalDb {
        self.limite_quadros = quadros.max(1);
        self
    }

    fn grupo(&self) -> MutexGuard<'_, Grupo> {
        self.grupo.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn rodizio(&self) -> MutexGuard<'_, Rodizio> {
        self.rodizio.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn aplicados(&self) -> MutexGuard<'_, [BTreeSet<i64>; 2]> {
        self.aplicados.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Appends events and returns their ids, in order, once they are committed: all of one
    /// call, or none (a group commit that fails fails every call in it, and nothing of it is
    /// stored).
    pub fn anotar(&self, eventos: &[(EmpresaId, String)], agora_ms: i64) -> Result<Vec<i64>> {
        self.ultima_escrita_ms.store(agora_ms, Ordering::Relaxed);
        let mut g = self.grupo();
        let meu = g.proximo;
        let bilhete = g.proximo_bilhete;
        g.proximo_bilhete += 1;
        g.fila.extend(eventos.iter().map(|(e, ev)| (*e, ev.clone(), agora_ms)));
        g.chamadas.push((bilhete, eventos.len()));
        let mut dormiu = false;
        loop {
            if g.concluido.is_some_and(|c| c >= meu) {
                let Some((erro, restantes)) = g.falhas.get_mut(&meu) else {
                    return Ok(g.ids.remove(&bilhete).unwrap_or_default());
                };
                let erro = Error::Store(erro.clone());
                *restantes -= 1;
                if *restantes == 0 {
                    g.falhas.remove(&meu);
                }
                return Err(erro);
            }
            if !g.escrevendo {
                // Lead: write everything queued so far (our rows among them) as one group.
                if dormiu {
                    g.esperando.retain(|(b, _, _)| *b != bilhete);
                }
                let lote = std::mem::take(&mut g.fila);
                let chamadas = std::mem::take(&mut g.chamadas);
                let numero = g.proximo;
                g.proximo += 1;
                g.escrevendo = true;
                drop(g);
                let r = self.gravar(&lote);
                g = self.grupo();
                g.escrevendo = false;
                g.concluido = Some(numero);
                match r {
                    Ok(ids) => {
                        let mut ids = ids.into_iter();
                        for (b, n) in chamadas {
                            g.ids.insert(b, ids.by_ref().take(n).collect());
                        }
                    }
                    Err(e) => {
                        g.falhas.insert(numero, (e.to_string(), chamadas.len()));
                    }
                }
                let acordar = g.acordar(numero);
                drop(g);
                for t in acordar {
                    t.unpark();
                }
                g = self.grupo();
                continue;
            }
            // Asleep until our group is finished, or until we are the one to lead the next:
            // only those threads are woken (issue #20: waking every waiter on every commit
            // cost a context switch and a lock round per waiter per commit).
            if !dormiu {
                g.esperando.push((bilhete, meu, std::thread::current()));
                dormiu = true;
            }
            drop(g);
            std::thread::park();
            g = self.grupo();
        }
    }

    /// One group commit, into the file being written ([`Self::arquivo_para_gravar`]); the ids
    /// of its rows, in order. Deletes a share of that file's applied rows in the same
    /// transaction (given back if it fails): the oldest ones. Rows sit in the table in id
    /// order, a few per page, so the oldest applied ids empty whole pages together; the ids of
    /// the batch applied last (one empresa's, spread over the whole table) dirtied a page
    /// each, and every dirty page is a 4 KiB frame in the WAL (issue #20).
    fn gravar(&self, linhas: &[(EmpresaId, String, i64)]) -> Result<Vec<i64>> {
        let i = self.arquivo_para_gravar();
        let apagar: Vec<i64> = {
            let mut a = self.aplicados();
            let n = a[i].len().min(DESCARGA_POR_COMMIT + 2 * linhas.len());
            std::iter::from_fn(|| a[i].pop_first()).take(n).collect()
        };
        let base = self.sequencia.fetch_add(linhas.len() as i64, Ordering::Relaxed);
        let ids: Vec<i64> = (0..linhas.len() as i64).map(|k| (base + k) * 2 + i as i64).collect();
        let r = self.arquivos[i].gravar(linhas, &ids, &apagar);
        if r.is_err() && !apagar.is_empty() {
            self.aplicados()[i].extend(apagar);
        }
        self.commits.fetch_add(1, Ordering::Relaxed);
        r.map(|()| ids)
    }

    /// The file this group commit writes: the same as the last one, or the other when the
    /// last one's WAL reached [`LIMITE_QUADROS`] frames and the other is ready (a leader's
    /// call; the lock it takes is held by anyone for a few instructions only).
    fn arquivo_para_gravar(&self) -> usize {
        let (ativo, outro_pronto) = {
            let r = self.rodizio();
            (r.ativo, r.pronto[1 - r.ativo])
        };
        if !outro_pronto || self.arquivos[ativo].quadros().is_none_or(|q| q < self.limite_quadros) {
            return ativo;
        }
        let mut r = self.rodizio();
        let outro = 1 - ativo;
        if !r.pronto[outro] {
            return ativo;
        }
        r.pronto[outro] = false;
        r.ativo = outro;
        self.trocas.fetch_add(1, Ordering::Relaxed);
        outro
    }

    /// The rows with these ids, in that order; rows set aside (or gone) are left out.
    pub fn lote(&self, ids: &[i64]) -> Result<Vec<Linha>> {
        let mut achadas: HashMap<i64, String> = HashMap::with_capacity(ids.len());
        for a in &self.arquivos {
            let deste = deste_arquivo(ids, a.indice);
            if !deste.is_empty() {
                achadas.extend(a.ler(&deste)?);
            }
        }
        Ok(ids.iter().filter_map(|id| achadas.remove(id).map(|evento| Linha { id: *id, evento })).collect())
    }

    /// Marks a batch applied: its rows are deleted by the next group commits (or
    /// [`Self::descarregar`]). In memory only, so it cannot fail: a batch applied to its
    /// tenant is never reported as not applied because of the journal file.
    pub fn concluir(&self, ids: &[i64]) {
        let mut a = self.aplicados();
        for id in ids {
            a[arquivo_de(*id)].insert(*id);
        }
    }

    /// Applied rows not deleted yet.
    pub fn por_apagar(&self) -> usize {
        self.aplicados().iter().map(BTreeSet::len).sum()
    }

    /// Deletes every applied row still in the files, in one transaction per file; on failure
    /// they stay remembered for the next try. A write on the file the webhooks write: workers
    /// call it only when the webhooks are quiet ([`Self::manutencao`]), or at a stop.
    pub fn descarregar(&self) -> Result<()> {
        let ativo = self.rodizio().ativo;
        let ids: Vec<i64> = std::mem::take(&mut self.aplicados()[ativo]).into_iter().collect();
        if !ids.is_empty() {
            if let Err(e) = self.arquivos[ativo].apagar(&ids) {
                self.aplicados()[ativo].extend(ids);
                return Err(e);
            }
            self.commits.fetch_add(1, Ordering::Relaxed);
        }
        self.drenar(true)
    }

    /// Deletes these rows (applied batches; or events never applied whose empresa no longer
    /// exists), one transaction per file; returns how many were there.
    pub fn descartar(&self, ids: &[i64]) -> Result<usize> {
        let mut n = 0;
        for a in &self.arquivos {
            let deste = deste_arquivo(ids, a.indice);
            if !deste.is_empty() {
                n += a.apagar(&deste)?;
                self.commits.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(n)
    }

    /// The file group commits do not write: deletes its applied rows, checkpoints it, restarts
    /// its WAL ([`Arquivo::reiniciar_wal`]), and marks it ready when that worked. Right after
    /// group commits moved away from it (or after a failed try) — or, with `sempre`, whenever
    /// it has applied rows (quiet webhooks, a stop). One worker at a time; never in a
    /// webhook's way.
    fn drenar(&self, sempre: bool) -> Result<()> {
        let i = {
            let mut r = self.rodizio();
            let i = 1 - r.ativo;
            let nada_a_fazer = r.pronto[i] && (!sempre || self.aplicados()[i].is_empty());
            if r.drenando || nada_a_fazer {
                return Ok(());
            }
            r.drenando = true;
            r.pronto[i] = false;
            i
        };
        let resultado = (|| {
            let ids: Vec<i64> = std::mem::take(&mut self.aplicados()[i]).into_iter().collect();
            if !ids.is_empty() {
                if let Err(e) = self.arquivos[i].apagar(&ids) {
                    self.aplicados()[i].extend(ids);
                    return Err(e);
                }
            }
            Ok(self.arquivos[i].checkpoint()? && self.arquivos[i].reiniciar_wal()?)
        })();
        let mut r = self.rodizio();
        r.drenando = false;
        r.pronto[i] = matches!(resultado, Ok(true));
        resultado.map(|_| ())
    }

    /// The workers' housekeeping, never in a webhook's way: readies the file group commits
    /// left ([`Self::drenar`]); when no webhook has come for [`QUIETO_MS`], deletes the applied
    /// rows; when the webhooks have been quiet for `quieto_checkpoint_ms` and something was
    /// written since the last time, checkpoints both files and truncates their WALs. Returns
    /// whether that checkpoint ran.
    pub fn manutencao(&self, agora_ms: i64, quieto_checkpoint_ms: i64) -> Result<bool> {
        let quieto = agora_ms - self.ultima_escrita_ms.load(Ordering::Relaxed);
        if quieto >= QUIETO_MS {
            self.descarregar()?;
        }
        self.drenar(false)?;
        let commits = self.commits.load(Ordering::Relaxed);
        if commits > self.commits_no_checkpoint.load(Ordering::Relaxed) && quieto >= quieto_checkpoint_ms {
            for a in &self.arquivos {
                a.checkpoint_e_truncar()?;
            }
            self.commits_no_checkpoint.store(commits, Ordering::Relaxed);
            return Ok(true);
        }
        Ok(false)
    }

    /// Sets a row aside (it cannot be decoded): kept, never applied again.
    pub fn marcar_invalida(&self, id: i64) -> Result<()> {
        self.arquivos[arquivo_de(id)].marcar_invalida(id)?;
        self.commits.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// The ids of the rows waiting per empresa, oldest first, the empresa with the oldest row
    /// first (start-up).
    pub fn pendentes(&self) -> Result<Vec<(EmpresaId, Vec<i64>)>> {
        let mut todas = self.arquivos[0].pendentes()?;
        todas.extend(self.arquivos[1].pendentes()?);
        todas.sort_unstable_by_key(|(id, _)| *id);
        let mut ordem: Vec<(EmpresaId, Vec<i64>)> = Vec::new();
        let mut posicao: HashMap<EmpresaId, usize> = HashMap::new();
        for (id, empresa) in todas {
            let i = *posicao.entry(empresa).or_insert_with(|| {
                ordem.push((empresa, Vec::new()));
                ordem.len() - 1
            });
            ordem[i].1.push(id);
        }
        Ok(ordem)
    }

    /// Rows in the files (applied batches not yet deleted included), and rows set aside as
    /// undecodable. A read: it never deletes (the system page calls it).
    pub fn totais(&self) -> Result<(i64, i64)> {
        let (a, b) = (self.arquivos[0].totais()?, self.arquivos[1].totais()?);
        Ok((a.0 + b.0, a.1 + b.1))
    }

    /// Times group commits moved to the other file.
    pub fn trocas(&self) -> u64 {
        self.trocas.load(Ordering::Relaxed)
    }

    /// `PRAGMA integrity_check` on both files.
    pub fn integrity_check(&self) -> Result<()> {
        self.arquivos[0].integrity_check()?;
        self.arquivos[1].integrity_check()
    }
}

#[cfg(test)]
mod tests;
