//! JournalDb: `data/journal.db`, the webhook's durable inbox. A verified webhook's events are
//! appended here (one row per event, tagged with the empresa that owns it) and the webhook is
//! answered; the journal worker (`pipeline::journal`) later applies each empresa's rows to
//! its tenant file in one transaction and deletes them.
//!
//! Why a separate file: it is always open (the webhook never opens a tenant file), it has one
//! writer (a mutex here, so webhook threads never meet SQLite's busy-wait), and its commits
//! are small — WAL, `synchronous = NORMAL`, the same durability as the tenant files. Rows are
//! opaque JSON to this module.
//!
//! Group commit: webhooks that arrive while a commit is being written wait and go together
//! in the next one (their leader writes it; each returns only once its own rows are
//! committed). Concurrent webhooks then share one transaction's page writes instead of each
//! rewriting the same b-tree pages.
//!
//! Deferred deletes: a batch applied to its tenant is not deleted at once; its last id is
//! remembered (so [`JournalDb::lote`] never hands it out again) and [`DESCARGA_LOTES`]
//! batches are deleted in one transaction, or sooner when the worker idles
//! ([`JournalDb::descarregar`]). One commit per batch was a tenth of the journal worker's time
//! (issue #7). After a crash, batches applied but not yet deleted are applied again, which
//! changes nothing (a batch is idempotent).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Condvar, Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::EmpresaId;
use crate::error::{Error, Result};
use crate::store::{configure, integrity_check};

/// The journal's schema version (`PRAGMA user_version`).
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
CREATE INDEX IF NOT EXISTS entradas_por_empresa ON entradas (empresa_id, id) WHERE invalida = 0;
";

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linha {
    pub id: i64,
    pub evento: String,
}

/// The journal database.
pub struct JournalDb {
    conn: Mutex<Connection>,
    grupo: Mutex<Grupo>,
    grupo_cv: Condvar,
    concluidos: Mutex<Concluidos>,
}

/// Batches applied whose rows are still in the file.
#[derive(Default)]
struct Concluidos {
    /// Per empresa, the last id applied: its rows up to it are done.
    ate: HashMap<EmpresaId, i64>,
    /// Batches concluded since the last delete.
    lotes: usize,
}

/// Applied batches deleted together in one transaction.
pub const DESCARGA_LOTES: usize = 32;

/// Rows waiting for the next group commit, and how far commits have got.
#[derive(Default)]
struct Grupo {
    fila: Vec<(EmpresaId, String, i64)>,
    /// Calls whose rows are in `fila`.
    chamadas: usize,
    /// The number the rows now in `fila` will be committed as.
    proximo: u64,
    /// A leader is writing a group.
    escrevendo: bool,
    /// Every group up to this one is finished (committed or failed).
    concluido: Option<u64>,
    /// The groups that failed: the error, and how many of their calls have not read it yet
    /// (the entry goes when the last one has).
    falhas: HashMap<u64, (String, usize)>,
}

/// WAL pages between checkpoints. A checkpoint (two fsyncs) runs inside a commit, so every
/// webhook arriving meanwhile waits for it: strace measured 0.6–5.5 ms per fsync and 84
/// fsyncs (42 checkpoints) in 7,800 webhooks, one per ~190, at SQLite's default of 1,000
/// pages — enough to set the ack p99. Rows leave the journal moments after they arrive, so a
/// checkpoint copies few distinct pages however long the WAL. At 8,192 pages (32 MiB of WAL
/// at most) checkpoints are ~8× rarer and the ack p99 at 1,000 msg/s measured 1.7–2.2 ms
/// (4.4–6.0 ms at 1,000 pages).
const AUTOCHECKPOINT_PAGINAS: u32 = 8192;
/// The WAL is truncated back to this size after a checkpoint (bytes).
const WAL_APOS_CHECKPOINT: u32 = 4 * 1024 * 1024;

impl JournalDb {
    /// Opens (creating if needed) the journal at `path`; a file of a newer binary is refused.
    pub fn open(path: &Path) -> Result<JournalDb> {
        let conn = Connection::open(path)?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        configure(&conn, 1024)?;
        conn.execute_batch(&format!(
            "PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGINAS}; PRAGMA journal_size_limit = {WAL_APOS_CHECKPOINT};"
        ))?;
        let versao: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if versao > VERSAO {
            return Err(Error::Store(format!(
                "{} é de uma versão mais nova do HelixAI (esquema {versao}, este binário conhece {VERSAO})",
                path.display()
            )));
        }
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(&format!("PRAGMA user_version = {VERSAO}"))?;
        Ok(JournalDb {
            conn: Mutex::new(conn),
            grupo: Mutex::default(),
            grupo_cv: Condvar::new(),
            concluidos: Mutex::default(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn concluidos(&self) -> MutexGuard<'_, Concluidos> {
        self.concluidos.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Appends events and returns once they are committed: all of one call, or none (a
    /// group commit that fails fails every call in it, and nothing of it is stored).
    pub fn anotar(&self, eventos: &[(EmpresaId, String)], agora_ms: i64) -> Result<()> {
        let mut g = self.grupo.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let meu = g.proximo;
        g.fila.extend(eventos.iter().map(|(e, ev)| (*e, ev.clone(), agora_ms)));
        g.chamadas += 1;
        loop {
            if g.concluido.is_some_and(|c| c >= meu) {
                let Some((erro, restantes)) = g.falhas.get_mut(&meu) else { return Ok(()) };
                let erro = Error::Store(erro.clone());
                *restantes -= 1;
                if *restantes == 0 {
                    g.falhas.remove(&meu);
                }
                return Err(erro);
            }
            if !g.escrevendo {
                // Lead: write everything queued so far (our rows among them) as one group.
                let lote = std::mem::take(&mut g.fila);
                let chamadas = std::mem::take(&mut g.chamadas);
                let numero = g.proximo;
                g.proximo += 1;
                g.escrevendo = true;
                drop(g);
                let r = self.gravar(&lote);
                g = self.grupo.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                g.escrevendo = false;
                g.concluido = Some(numero);
                if let Err(e) = r {
                    g.falhas.insert(numero, (e.to_string(), chamadas));
                }
                self.grupo_cv.notify_all();
                continue;
            }
            g = self.grupo_cv.wait(g).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }

    /// One group commit.
    fn gravar(&self, linhas: &[(EmpresaId, String, i64)]) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        {
            let mut stmt =
                tx.prepare_cached("INSERT INTO entradas (empresa_id, evento, recebido_ms) VALUES (?1, ?2, ?3)")?;
            for (empresa, evento, ms) in linhas {
                stmt.execute(params![empresa.0, evento, ms])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Up to `limite` of an empresa's rows not applied yet, oldest first.
    pub fn lote(&self, empresa: EmpresaId, limite: usize) -> Result<Vec<Linha>> {
        let depois_de = self.concluidos().ate.get(&empresa).copied().unwrap_or(0);
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT id, evento FROM entradas WHERE empresa_id = ?1 AND id > ?2 AND invalida = 0 ORDER BY id LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![empresa.0, depois_de, limite as i64], |r| {
            Ok(Linha { id: r.get(0)?, evento: r.get(1)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Marks an empresa's batch applied: its rows up to `ate_id`, the last id of what
    /// [`Self::lote`] returned, are never handed out again and are deleted with the next
    /// [`Self::descarregar`]. Rows appended meanwhile have larger ids (rowids grow while the
    /// batch's rows still exist), so they stay. In memory only, so it cannot fail: a batch
    /// applied to its tenant is never reported as not applied because of the journal file.
    /// Returns whether [`DESCARGA_LOTES`] batches now wait to be deleted.
    pub fn concluir(&self, empresa: EmpresaId, ate_id: i64) -> bool {
        let mut c = self.concluidos();
        let ate = c.ate.entry(empresa).or_insert(ate_id);
        *ate = (*ate).max(ate_id);
        c.lotes += 1;
        c.lotes >= DESCARGA_LOTES
    }

    /// Deletes every applied batch still in the file, in one transaction. Holds the
    /// `concluidos` lock throughout, so [`Self::lote`] never sees a batch neither remembered
    /// nor deleted; on failure everything stays remembered for the next try.
    pub fn descarregar(&self) -> Result<()> {
        let mut c = self.concluidos();
        if c.ate.is_empty() {
            return Ok(());
        }
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        {
            let mut stmt =
                tx.prepare_cached("DELETE FROM entradas WHERE empresa_id = ?1 AND id <= ?2 AND invalida = 0")?;
            for (empresa, ate) in &c.ate {
                stmt.execute(params![empresa.0, ate])?;
            }
        }
        tx.commit()?;
        c.ate.clear();
        c.lotes = 0;
        Ok(())
    }

    /// Sets a row aside (it cannot be decoded): kept, never applied again.
    pub fn marcar_invalida(&self, id: i64) -> Result<()> {
        self.lock().execute("UPDATE entradas SET invalida = 1 WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Rows waiting per empresa, the empresa with the oldest row first (start-up).
    pub fn pendentes_por_empresa(&self) -> Result<Vec<(EmpresaId, usize)>> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT empresa_id, COUNT(*) FROM entradas WHERE invalida = 0
             GROUP BY empresa_id ORDER BY MIN(id)",
        )?;
        let rows = stmt.query_map([], |r| Ok((EmpresaId(r.get(0)?), r.get::<_, i64>(1)? as usize)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Rows in the file (applied batches not yet deleted included), and rows set aside as
    /// undecodable. A read: it never deletes (the system page calls it).
    pub fn totais(&self) -> Result<(i64, i64)> {
        let conn = self.lock();
        let (pendentes, invalidas) = conn
            .query_row("SELECT COALESCE(SUM(invalida = 0), 0), COALESCE(SUM(invalida = 1), 0) FROM entradas", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .unwrap_or((0, 0));
        Ok((pendentes, invalidas))
    }

    /// Deletes the rows of an empresa that no longer exists.
    pub fn descartar_empresa(&self, empresa: EmpresaId) -> Result<usize> {
        let mut c = self.concluidos();
        let aplicadas_ate = c.ate.remove(&empresa).unwrap_or(0);
        let conn = self.lock();
        let mut stmt = conn.prepare("DELETE FROM entradas WHERE empresa_id = ?1 RETURNING id")?;
        let ids = stmt.query_map([empresa.0], |r| r.get::<_, i64>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        // Counted: the events never applied (not the applied ones waiting to be deleted).
        Ok(ids.iter().filter(|&&id| id > aplicadas_ate).count())
    }

    /// `PRAGMA integrity_check` on the journal.
    pub fn integrity_check(&self) -> Result<()> {
        integrity_check(&self.lock())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_kept_per_empresa_in_order_until_concluded() {
        let dir = tempfile::tempdir().expect("tmp");
        let j = JournalDb::open(&dir.path().join("journal.db")).expect("open");
        j.anotar(&[(EmpresaId(2), "a".into()), (EmpresaId(1), "b".into()), (EmpresaId(2), "c".into())], 1)
            .expect("anotar");
        let l = j.lote(EmpresaId(2), 10).expect("lote");
        assert_eq!(l.iter().map(|x| x.evento.as_str()).collect::<Vec<_>>(), ["a", "c"]);
        assert_eq!(j.lote(EmpresaId(2), 1).expect("lote").len(), 1);
        assert_eq!(j.pendentes_por_empresa().expect("p"), vec![(EmpresaId(2), 2), (EmpresaId(1), 1)]);
        j.marcar_invalida(l[1].id).expect("invalida");
        j.anotar(&[(EmpresaId(2), "d".into())], 1).expect("after the batch was read");
        j.concluir(EmpresaId(2), l[0].id);
        assert_eq!(j.lote(EmpresaId(2), 10).expect("lote")[0].evento, "d", "a row added meanwhile stays");
        j.concluir(EmpresaId(2), i64::MAX);
        assert!(j.lote(EmpresaId(2), 10).expect("lote").is_empty(), "applied rows are never handed out again");
        assert_eq!(j.totais().expect("t"), (3, 1), "applied rows stay in the file until deleted together");
        j.descarregar().expect("descarregar");
        assert_eq!(j.totais().expect("t"), (1, 1));
        assert!(j.lote(EmpresaId(2), 10).expect("lote").is_empty(), "an undecodable row is never handed out");
        drop(j);
        // Reopened: what was pending is still there.
        let j = JournalDb::open(&dir.path().join("journal.db")).expect("reopen");
        assert_eq!(j.lote(EmpresaId(1), 10).expect("lote")[0].evento, "b");
        assert_eq!(j.descartar_empresa(EmpresaId(1)).expect("descartar"), 1);
        assert_eq!(j.totais().expect("t"), (0, 1));
        j.integrity_check().expect("integrity");
    }

    #[test]
    fn applied_batches_are_deleted_together_and_a_crash_before_that_hands_them_out_again() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("journal.db");
        let contar = |p: &Path| -> i64 {
            Connection::open(p).and_then(|c| c.query_row("SELECT COUNT(*) FROM entradas", [], |r| r.get(0))).expect("n")
        };
        let j = JournalDb::open(&p).expect("open");
        let n = DESCARGA_LOTES as i64;
        let rows: Vec<_> = (1..=n + 1).map(|e| (EmpresaId(e), format!("ev-{e}"))).collect();
        j.anotar(&rows, 1).expect("anotar");
        for e in 1..n {
            let l = j.lote(EmpresaId(e), 10).expect("lote");
            assert!(!j.concluir(EmpresaId(e), l[0].id), "empresa {e}: no delete due yet");
            assert!(j.lote(EmpresaId(e), 10).expect("lote").is_empty(), "empresa {e}: applied, not handed out");
        }
        assert_eq!(contar(&p), n + 1, "nothing deleted before {DESCARGA_LOTES} batches");
        let l = j.lote(EmpresaId(n), 10).expect("lote");
        assert!(j.concluir(EmpresaId(n), l[0].id), "the {DESCARGA_LOTES}th batch makes a delete due");
        j.descarregar().expect("descarregar");
        assert_eq!(contar(&p), 1, "one delete takes them all");
        let l = j.lote(EmpresaId(n + 1), 10).expect("lote");
        assert!(!j.concluir(EmpresaId(n + 1), l[0].id), "the count started over");
        drop(j); // a crash: never deleted
        let j = JournalDb::open(&p).expect("reopen");
        assert_eq!(j.pendentes_por_empresa().expect("p"), vec![(EmpresaId(n + 1), 1)], "applied again after a crash");
        let l = j.lote(EmpresaId(n + 1), 10).expect("lote");
        j.concluir(EmpresaId(n + 1), l[0].id);
        j.descarregar().expect("descarregar");
        assert_eq!(contar(&p), 0, "an explicit flush deletes the rest");
    }

    #[test]
    fn concurrent_appends_share_commits_and_every_row_lands_once() {
        let dir = tempfile::tempdir().expect("tmp");
        let j = std::sync::Arc::new(JournalDb::open(&dir.path().join("journal.db")).expect("open"));
        let hs: Vec<_> = (0..8)
            .map(|t| {
                let j = j.clone();
                std::thread::spawn(move || {
                    for i in 0..200 {
                        let rows = [(EmpresaId(t), format!("{t}-{i}-a")), (EmpresaId(t), format!("{t}-{i}-b"))];
                        j.anotar(&rows, 1).expect("anotar");
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().expect("thread");
        }
        assert_eq!(j.totais().expect("t"), (3200, 0));
        for t in 0..8 {
            let l = j.lote(EmpresaId(t), 1000).expect("lote");
            let esperado: Vec<String> = (0..200).flat_map(|i| [format!("{t}-{i}-a"), format!("{t}-{i}-b")]).collect();
            assert_eq!(l.into_iter().map(|x| x.evento).collect::<Vec<_>>(), esperado, "one thread's rows in order");
        }
    }

    #[test]
    fn every_call_in_a_failed_group_commit_fails_and_nothing_is_left_behind() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("journal.db");
        let j = std::sync::Arc::new(JournalDb::open(&p).expect("open"));
        // Every commit fails from now on: the table is gone under the journal's feet.
        Connection::open(&p).and_then(|c| c.execute_batch("DROP TABLE entradas")).expect("drop");
        let hs: Vec<_> = (0..8)
            .map(|t| {
                let j = j.clone();
                std::thread::spawn(move || {
                    (0..25).filter(|i| j.anotar(&[(EmpresaId(t), format!("{t}-{i}"))], 1).is_err()).count()
                })
            })
            .collect();
        let falhas: usize = hs.into_iter().map(|h| h.join().expect("thread")).sum();
        assert_eq!(falhas, 200, "no call of a failed group is acknowledged");
        let g = j.grupo.lock().expect("grupo");
        assert!(g.falhas.is_empty() && g.fila.is_empty() && !g.escrevendo, "every failure read once, then dropped");
    }

    #[test]
    fn a_journal_of_a_newer_binary_is_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("journal.db");
        Connection::open(&p).and_then(|c| c.execute_batch("PRAGMA user_version = 99")).expect("newer");
        let e = JournalDb::open(&p).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("versão mais nova"), "{e}");
    }
}
