//! JournalDb: `data/journal.db`, the webhook's durable inbox. A verified webhook's events are
//! appended here (one row per event, tagged with the empresa that owns it) and the webhook is
//! answered; the journal worker (`pipeline::journal`) later applies each empresa's rows to
//! its tenant file in one transaction and deletes them.
//!
//! Why a separate file: it is always open (the webhook never opens a tenant file), it has one
//! writer, and its commits are small — WAL, `synchronous = NORMAL`, the same durability as the
//! tenant files. Rows are opaque JSON to this module.
//!
//! Rows are found by id only: [`JournalDb::anotar`] returns the ids it stored, the caller
//! keeps each empresa's ids in memory, and [`JournalDb::pendentes`] rebuilds them from the file
//! at start-up. No index on `empresa_id`: a commit then rewrites the table's last page only,
//! not also an index page somewhere else in the file (issue #7).
//!
//! Group commit: webhooks that arrive while a commit is being written wait and go together
//! in the next one (their leader writes it; each returns only once its own rows are
//! committed). Concurrent webhooks then share one transaction's page writes instead of each
//! rewriting the same b-tree pages.
//!
//! Nothing a webhook waits for is held by a background thread (issue #20: the workers run at
//! nice 10, and a lock they held while descheduled stalled every acknowledgement behind it
//! for tens of milliseconds):
//! - three connections: the writer (only a group commit's leader, and rare maintenance, use
//!   it), the workers' reader (batches, start-up, counts: WAL readers never block the writer)
//!   and the checkpointer's;
//! - deferred deletes ride on the group commits: an applied batch's ids wait in memory and
//!   each leader deletes a bounded share of them in the transaction it writes anyway; only
//!   when no webhook has come for [`QUIETO_MS`] does a worker delete them itself;
//! - checkpoints never run inside a commit (`wal_autocheckpoint = 0`): a worker runs a
//!   PASSIVE one (which never blocks the writer) every [`CHECKPOINT_COMMITS`] commits, so the
//!   copy and its two fsyncs happen off the acknowledgement path; when the webhooks have
//!   paused for seconds it also truncates the WAL, holding the write lock for that
//!   truncation only (a commit never truncates it: `journal_size_limit = -1`).
//!
//! After a crash, batches applied but not yet deleted are applied again, which changes nothing
//! (a batch is idempotent).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::thread::Thread;

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::EmpresaId;
use crate::error::{Error, Result};
use crate::store::{configure, integrity_check};

/// The journal's schema version (`PRAGMA user_version`). Still 1 without the index: the
/// table is the same, and an older binary that recreates the index works as before.
const VERSAO: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS entradas (
    id          INTEGER PRIMARY KEY,
    empresa_id  INTEGER NOT NULL,
    evento      TEXT NOT NULL,
    recebido_ms INTEGER NOT NULL,
    -- set when the row cannot be decoded: kept for inspection, never applied
    invalida    INTEGER NOT NULL DEFAULT 0
);
DROP INDEX IF EXISTS entradas_por_empresa;
";

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linha {
    pub id: i64,
    pub evento: String,
}

/// The journal database.
pub struct JournalDb {
    /// The one writer: a group commit's leader, and rare maintenance writes.
    escrita: Mutex<Connection>,
    /// The workers' reads (batches, start-up, counts).
    leitura: Mutex<Connection>,
    /// Checkpoints, on their own connection so a batch read never waits for one.
    checkpoint: Mutex<Connection>,
    grupo: Mutex<Grupo>,
    /// Ids of rows already applied to their tenant, waiting to be deleted; ordered, so that a
    /// commit deletes the oldest, which sit next to each other in the table (see [`Self::gravar`]).
    aplicados: Mutex<BTreeSet<i64>>,
    /// Group commits so far, and at the last checkpoint.
    commits: AtomicU64,
    commits_no_checkpoint: AtomicU64,
    /// When the last webhook appended (ms since the epoch).
    ultima_escrita_ms: AtomicI64,
}

/// Deletes a group commit takes on besides its own rows: this many, plus two per row it
/// writes (so deletes keep up with any arrival rate, and a commit's extra work stays small).
pub const DESCARGA_POR_COMMIT: usize = 32;
/// Without a webhook for this long, the workers delete applied rows themselves.
pub const QUIETO_MS: i64 = 50;
/// Group commits between checkpoints. Every checkpoint lets the WAL restart, and the first
/// commit after a restart syncs the new WAL header (one fsync on the acknowledgement path), so
/// checkpoints are rare: at most ~16 MiB of WAL (a commit writes 1–4 pages).
pub const CHECKPOINT_COMMITS: u64 = 2048;

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
    /// After group `numero` finished: wakes its calls, and one call of the group now queued
    /// (if any) to lead it.
    fn acordar(&mut self, numero: u64) {
        let proximo = self.proximo;
        let mut falta_lider = !self.fila.is_empty();
        self.esperando.retain(|(_, grupo, t)| {
            if *grupo <= numero {
                t.unpark();
                return false;
            }
            if falta_lider && *grupo == proximo {
                t.unpark();
                falta_lider = false;
            }
            true
        });
    }
}

impl JournalDb {
    /// Opens (creating if needed) the journal at `path`; a file of a newer binary is refused.
    pub fn open(path: &Path) -> Result<JournalDb> {
        let escrita = Connection::open(path)?;
        escrita.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        configure(&escrita, 1024)?;
        // No `journal_size_limit`: with one, the commit that restarts the WAL truncates it, and
        // after a burst (a gigabyte of WAL) that ftruncate took 184 ms on a webhook's path
        // (issue #20). The quiet checkpoint truncates it instead ([`Self::manutencao`]).
        escrita.execute_batch("PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = -1;")?;
        let versao: i64 = escrita.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if versao > VERSAO {
            return Err(Error::Store(format!(
                "{} é de uma versão mais nova do HelixAI (esquema {versao}, este binário conhece {VERSAO})",
                path.display()
            )));
        }
        escrita.execute_batch(SCHEMA)?;
        escrita.execute_batch(&format!("PRAGMA user_version = {VERSAO}"))?;
        let outra = || -> Result<Connection> {
            let c = Connection::open(path)?;
            configure(&c, 1024)?;
            c.execute_batch("PRAGMA wal_autocheckpoint = 0;")?;
            Ok(c)
        };
        Ok(JournalDb {
            escrita: Mutex::new(escrita),
            leitura: Mutex::new(outra()?),
            checkpoint: Mutex::new(outra()?),
            grupo: Mutex::default(),
            aplicados: Mutex::default(),
            commits: AtomicU64::new(0),
            commits_no_checkpoint: AtomicU64::new(0),
            ultima_escrita_ms: AtomicI64::new(0),
        })
    }

    fn grupo(&self) -> MutexGuard<'_, Grupo> {
        self.grupo.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn escrita(&self) -> MutexGuard<'_, Connection> {
        self.escrita.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn leitura(&self) -> MutexGuard<'_, Connection> {
        self.leitura.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn aplicados(&self) -> MutexGuard<'_, BTreeSet<i64>> {
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
                g.acordar(numero);
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

    /// One group commit; the ids of its rows, in order. Deletes a share of the applied rows
    /// in the same transaction (given back if it fails): the oldest ones. Rows sit in the
    /// table in id order, a few per page, so the oldest applied ids empty whole pages
    /// together; the ids of the batch applied last (one empresa's, spread over the whole
    /// table) dirtied a page each, and every dirty page is a 4 KiB frame in the WAL (issue #20).
    fn gravar(&self, linhas: &[(EmpresaId, String, i64)]) -> Result<Vec<i64>> {
        let apagar: Vec<i64> = {
            let mut a = self.aplicados();
            let n = a.len().min(DESCARGA_POR_COMMIT + 2 * linhas.len());
            std::iter::from_fn(|| a.pop_first()).take(n).collect()
        };
        let r = self.gravar_e_apagar(linhas, &apagar);
        if r.is_err() && !apagar.is_empty() {
            self.aplicados().extend(apagar);
        }
        self.commits.fetch_add(1, Ordering::Relaxed);
        r
    }

    fn gravar_e_apagar(&self, linhas: &[(EmpresaId, String, i64)], apagar: &[i64]) -> Result<Vec<i64>> {
        let mut conn = self.escrita();
        let tx = conn.transaction()?;
        let mut ids = Vec::with_capacity(linhas.len());
        {
            let mut stmt =
                tx.prepare_cached("INSERT INTO entradas (empresa_id, evento, recebido_ms) VALUES (?1, ?2, ?3)")?;
            for (empresa, evento, ms) in linhas {
                ids.push(stmt.insert(params![empresa.0, evento, ms])?);
            }
        }
        if !apagar.is_empty() {
            let mut stmt = tx.prepare_cached("DELETE FROM entradas WHERE id = ?1")?;
            for id in apagar {
                stmt.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(ids)
    }

    /// The rows with these ids, in that order; rows set aside (or gone) are left out.
    pub fn lote(&self, ids: &[i64]) -> Result<Vec<Linha>> {
        let conn = self.leitura();
        let mut stmt = conn.prepare_cached("SELECT evento FROM entradas WHERE id = ?1 AND invalida = 0")?;
        let mut linhas = Vec::with_capacity(ids.len());
        for &id in ids {
            if let Some(evento) = stmt.query_row([id], |r| r.get(0)).optional()? {
                linhas.push(Linha { id, evento });
            }
        }
        Ok(linhas)
    }

    /// Marks a batch applied: its rows are deleted by the next group commits (or
    /// [`Self::descarregar`]). In memory only, so it cannot fail: a batch applied to its
    /// tenant is never reported as not applied because of the journal file.
    pub fn concluir(&self, ids: &[i64]) {
        self.aplicados().extend(ids.iter().copied());
    }

    /// Applied rows not deleted yet.
    pub fn por_apagar(&self) -> usize {
        self.aplicados().len()
    }

    /// Deletes every applied row still in the file, in one transaction; on failure they stay
    /// remembered for the next try. A write on the webhooks' connection: workers call it only
    /// when the webhooks are quiet ([`Self::manutencao`]), or at a stop.
    pub fn descarregar(&self) -> Result<()> {
        let ids: Vec<i64> = std::mem::take(&mut *self.aplicados()).into_iter().collect();
        if ids.is_empty() {
            return Ok(());
        }
        if let Err(e) = self.descartar(&ids) {
            self.aplicados().extend(ids);
            return Err(e);
        }
        Ok(())
    }

    /// Deletes these rows in one transaction (applied batches; or events never applied whose
    /// empresa no longer exists); returns how many were there.
    pub fn descartar(&self, ids: &[i64]) -> Result<usize> {
        let mut conn = self.escrita();
        let tx = conn.transaction()?;
        let mut n = 0;
        {
            let mut stmt = tx.prepare_cached("DELETE FROM entradas WHERE id = ?1")?;
            for id in ids {
                n += stmt.execute([id])?;
            }
        }
        tx.commit()?;
        self.commits.fetch_add(1, Ordering::Relaxed);
        Ok(n)
    }

    /// The workers' housekeeping, never in a webhook's way: when no webhook has come for
    /// [`QUIETO_MS`], deletes the applied rows; checkpoints (PASSIVE: never blocks the writer)
    /// every [`CHECKPOINT_COMMITS`] commits, or when the webhooks have been quiet for
    /// `quieto_checkpoint_ms` and something was written since the last one. Returns whether a
    /// checkpoint ran.
    pub fn manutencao(&self, agora_ms: i64, quieto_checkpoint_ms: i64) -> Result<bool> {
        let quieto = agora_ms - self.ultima_escrita_ms.load(Ordering::Relaxed);
        if quieto >= QUIETO_MS {
            self.descarregar()?;
        }
        let commits = self.commits.load(Ordering::Relaxed);
        let desde = commits - self.commits_no_checkpoint.load(Ordering::Relaxed);
        if desde >= CHECKPOINT_COMMITS || (desde > 0 && quieto >= quieto_checkpoint_ms) {
            if quieto >= quieto_checkpoint_ms {
                self.checkpoint_e_truncar()?;
            } else {
                self.checkpoint()?;
            }
            self.commits_no_checkpoint.store(commits, Ordering::Relaxed);
            return Ok(true);
        }
        Ok(false)
    }

    /// A PASSIVE checkpoint on its own connection: copies what no reader needs and returns;
    /// the writer goes on meanwhile.
    pub fn checkpoint(&self) -> Result<()> {
        let conn = self.checkpoint.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// When the webhooks have been quiet for seconds: copies the WAL and truncates it to zero,
    /// giving back the disk a burst took (the WAL never restarts while commits follow each
    /// other, and grows by ~100 MB/s in a flood). The truncation holds the write lock for as
    /// long as it takes (~0.2 s after a gigabyte), so only a webhook arriving in that instant
    /// waits, instead of the first one after every burst. A PASSIVE copy first, so that the
    /// write lock is held for the truncation only.
    fn checkpoint_e_truncar(&self) -> Result<()> {
        self.checkpoint()?;
        let conn = self.checkpoint.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Sets a row aside (it cannot be decoded): kept, never applied again.
    pub fn marcar_invalida(&self, id: i64) -> Result<()> {
        self.escrita().execute("UPDATE entradas SET invalida = 1 WHERE id = ?1", [id])?;
        self.commits.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// The ids of the rows waiting per empresa, oldest first, the empresa with the oldest row
    /// first (start-up).
    pub fn pendentes(&self) -> Result<Vec<(EmpresaId, Vec<i64>)>> {
        let conn = self.leitura();
        let mut stmt = conn.prepare("SELECT id, empresa_id FROM entradas WHERE invalida = 0 ORDER BY id")?;
        let mut rows = stmt.query([])?;
        let mut ordem: Vec<(EmpresaId, Vec<i64>)> = Vec::new();
        let mut posicao: HashMap<EmpresaId, usize> = HashMap::new();
        while let Some(r) = rows.next()? {
            let (id, empresa) = (r.get::<_, i64>(0)?, EmpresaId(r.get(1)?));
            let i = *posicao.entry(empresa).or_insert_with(|| {
                ordem.push((empresa, Vec::new()));
                ordem.len() - 1
            });
            ordem[i].1.push(id);
        }
        Ok(ordem)
    }

    /// Rows in the file (applied batches not yet deleted included), and rows set aside as
    /// undecodable. A read: it never deletes (the system page calls it).
    pub fn totais(&self) -> Result<(i64, i64)> {
        let conn = self.leitura();
        let (pendentes, invalidas) = conn
            .query_row("SELECT COALESCE(SUM(invalida = 0), 0), COALESCE(SUM(invalida = 1), 0) FROM entradas", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .unwrap_or((0, 0));
        Ok((pendentes, invalidas))
    }

    /// `PRAGMA integrity_check` on the journal.
    pub fn integrity_check(&self) -> Result<()> {
        integrity_check(&self.leitura())
    }
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
