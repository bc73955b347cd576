//! JournalDb: `data/journal.db`, the webhook's durable inbox. A verified webhook's events are
//! appended here (one row per event, tagged with the empresa that owns it) and the webhook is
//! answered; the journal worker (`pipeline::journal`) later applies each empresa's rows to
//! its tenant file in one transaction and deletes them.
//!
//! Why a separate file: it is always open (the webhook never opens a tenant file), it has one
//! writer (a mutex here, so webhook threads never meet SQLite's busy-wait), and its commits
//! are small (one row and one index entry) — WAL, `synchronous = NORMAL`, the same durability
//! as the tenant files. Rows are opaque JSON to this module.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

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
    path: PathBuf,
}

impl JournalDb {
    /// Opens (creating if needed) the journal at `path`; a file of a newer binary is refused.
    pub fn open(path: &Path) -> Result<JournalDb> {
        let conn = Connection::open(path)?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        configure(&conn, 1024)?;
        let versao: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if versao > VERSAO {
            return Err(Error::Store(format!(
                "{} é de uma versão mais nova do HelixAI (esquema {versao}, este binário conhece {VERSAO})",
                path.display()
            )));
        }
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(&format!("PRAGMA user_version = {VERSAO}"))?;
        Ok(JournalDb { conn: Mutex::new(conn), path: path.to_owned() })
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Appends events in ONE transaction (all of one webhook, or none).
    pub fn anotar(&self, eventos: &[(EmpresaId, String)], agora_ms: i64) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        {
            let mut stmt =
                tx.prepare_cached("INSERT INTO entradas (empresa_id, evento, recebido_ms) VALUES (?1, ?2, ?3)")?;
            for (empresa, evento) in eventos {
                stmt.execute(params![empresa.0, evento, agora_ms])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Up to `limite` of an empresa's rows, oldest first.
    pub fn lote(&self, empresa: EmpresaId, limite: usize) -> Result<Vec<Linha>> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT id, evento FROM entradas WHERE empresa_id = ?1 AND invalida = 0 ORDER BY id LIMIT ?2",
        )?;
        let rows =
            stmt.query_map(params![empresa.0, limite as i64], |r| Ok(Linha { id: r.get(0)?, evento: r.get(1)? }))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Deletes rows that were applied, in one transaction.
    pub fn concluir(&self, ids: &[i64]) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached("DELETE FROM entradas WHERE id = ?1")?;
            for id in ids {
                stmt.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Sets a row aside (it cannot be decoded): kept, never applied again.
    pub fn marcar_invalida(&self, id: i64) -> Result<()> {
        self.lock().execute("UPDATE entradas SET invalida = 1 WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Rows waiting per empresa, with the id of each one's oldest (start-up and tools).
    pub fn pendentes_por_empresa(&self) -> Result<Vec<(EmpresaId, usize, i64)>> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT empresa_id, COUNT(*), MIN(id) FROM entradas WHERE invalida = 0
             GROUP BY empresa_id ORDER BY MIN(id)",
        )?;
        let rows = stmt.query_map([], |r| Ok((EmpresaId(r.get(0)?), r.get::<_, i64>(1)? as usize, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Rows waiting in all, and rows set aside as undecodable.
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
        Ok(self.lock().execute("DELETE FROM entradas WHERE empresa_id = ?1", [empresa.0])?)
    }

    /// Folds the WAL into the file when nothing is pending (cheap then, and keeps the file small).
    pub fn compactar(&self) -> Result<()> {
        self.lock().query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
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
        assert_eq!(j.pendentes_por_empresa().expect("p"), vec![(EmpresaId(2), 2, 1), (EmpresaId(1), 1, 2)]);
        j.marcar_invalida(l[1].id).expect("invalida");
        j.concluir(&[l[0].id]).expect("concluir");
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
    fn a_journal_of_a_newer_binary_is_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("journal.db");
        Connection::open(&p).and_then(|c| c.execute_batch("PRAGMA user_version = 99")).expect("newer");
        let e = JournalDb::open(&p).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("versão mais nova"), "{e}");
    }
}
