//! One of the journal's two files (`journal.db`, `journal-2.db`): its schema and the
//! migration of a one-file journal, its three connections (the writer, the workers' reader,
//! the checkpointer's), and the statements on its `entradas` table. Which file is written when
//! is the parent module's business; here a file only knows its index, which is the parity of
//! every id it holds.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::EmpresaId;
use crate::error::{Error, Result};
use crate::store::indice_wal::IndiceWal;
use crate::store::{configure, integrity_check};

/// The journal's schema version (`PRAGMA user_version`). 2: ids carry their file in their
/// parity (a version-1 file, the only one a one-file journal had, has its ids doubled on open).
const VERSAO: i64 = 2;

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
-- one row, rewritten by a worker to restart the WAL (see `Arquivo::reiniciar_wal`)
CREATE TABLE IF NOT EXISTS reinicios (id INTEGER PRIMARY KEY CHECK (id = 1), vezes INTEGER NOT NULL);
";

/// WAL frames at most after [`Arquivo::reiniciar_wal`]'s commit when the WAL restarted (it
/// rewrites one row: a leaf page and page 1).
const QUADROS_DE_UM_REINICIO: u32 = 4;

/// One journal file.
pub(super) struct Arquivo {
    /// 0 or 1: the parity of the ids this file holds.
    pub(super) indice: usize,
    path: PathBuf,
    /// Appends (a group commit's leader) and deletes.
    escrita: Mutex<Connection>,
    /// The workers' reads (batches, start-up, counts: WAL readers never block the writer).
    leitura: Mutex<Connection>,
    /// Checkpoints, on their own connection so a batch read never waits for one.
    checkpoint: Mutex<Connection>,
    /// Its WAL-index header, for [`Self::quadros`].
    shm: IndiceWal,
}

fn travar(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Arquivo {
    /// Opens (creating if needed) the file at `path`, index `indice`; a file of a newer binary
    /// is refused.
    pub(super) fn open(path: &Path, indice: usize) -> Result<Arquivo> {
        let mut escrita = Connection::open(path)?;
        escrita.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        configure(&escrita, 1024)?;
        // No `journal_size_limit`: with one, the commit that restarts the WAL truncates it, and
        // after a burst (a gigabyte of WAL) that ftruncate took 184 ms on a webhook's path
        // (issue #20). The WAL keeps the size it reached (it is reused from its start once
        // checkpointed: see the parent module); the quiet checkpoint truncates it.
        escrita.execute_batch("PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = -1;")?;
        let versao: i64 = escrita.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if versao > VERSAO {
            return Err(Error::Store(format!(
                "{} é de uma versão mais nova do HelixAI (esquema {versao}, este binário conhece {VERSAO})",
                path.display()
            )));
        }
        let tx = escrita.transaction()?;
        tx.execute_batch(SCHEMA)?;
        if versao == 1 {
            // A one-file journal: its ids become this file's (even, in the same order).
            tx.execute_batch(&format!("UPDATE entradas SET id = -id; UPDATE entradas SET id = -id * 2 + {indice};"))?;
        }
        tx.execute_batch(&format!("PRAGMA user_version = {VERSAO}"))?;
        tx.commit()?;
        let outra = || -> Result<Connection> {
            let c = Connection::open(path)?;
            configure(&c, 1024)?;
            c.execute_batch("PRAGMA wal_autocheckpoint = 0;")?;
            Ok(c)
        };
        Ok(Arquivo {
            indice,
            path: path.to_owned(),
            escrita: Mutex::new(escrita),
            leitura: Mutex::new(outra()?),
            checkpoint: Mutex::new(outra()?),
            shm: IndiceWal::default(),
        })
    }

    pub(super) fn escrita(&self) -> MutexGuard<'_, Connection> {
        travar(&self.escrita)
    }

    pub(super) fn leitura(&self) -> MutexGuard<'_, Connection> {
        travar(&self.leitura)
    }

    pub(super) fn conexao_checkpoint(&self) -> MutexGuard<'_, Connection> {
        travar(&self.checkpoint)
    }

    /// The largest id in the file (0 when empty).
    pub(super) fn maior_id(&self) -> Result<i64> {
        Ok(self.leitura().query_row("SELECT COALESCE(MAX(id), 0) FROM entradas", [], |r| r.get(0))?)
    }

    /// One transaction: inserts `linhas` with the ids given, deletes the rows `apagar`.
    pub(super) fn gravar(&self, linhas: &[(EmpresaId, String, i64)], ids: &[i64], apagar: &[i64]) -> Result<()> {
        let mut conn = self.escrita();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx
                .prepare_cached("INSERT INTO entradas (id, empresa_id, evento, recebido_ms) VALUES (?1, ?2, ?3, ?4)")?;
            for ((empresa, evento, ms), id) in linhas.iter().zip(ids) {
                stmt.execute(params![id, empresa.0, evento, ms])?;
            }
        }
        if !apagar.is_empty() {
            let mut stmt = tx.prepare_cached("DELETE FROM entradas WHERE id = ?1")?;
            for id in apagar {
                stmt.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes these rows in one transaction; how many were there.
    pub(super) fn apagar(&self, ids: &[i64]) -> Result<usize> {
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
        Ok(n)
    }

    /// The events of these rows that are there and not set aside: (id, evento).
    pub(super) fn ler(&self, ids: &[i64]) -> Result<Vec<(i64, String)>> {
        let conn = self.leitura();
        let mut stmt = conn.prepare_cached("SELECT evento FROM entradas WHERE id = ?1 AND invalida = 0")?;
        let mut linhas = Vec::new();
        for &id in ids {
            if let Some(evento) = stmt.query_row([id], |r| r.get(0)).optional()? {
                linhas.push((id, evento));
            }
        }
        Ok(linhas)
    }

    pub(super) fn marcar_invalida(&self, id: i64) -> Result<()> {
        self.escrita().execute("UPDATE entradas SET invalida = 1 WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Every waiting row (not set aside): (id, empresa), in id order.
    pub(super) fn pendentes(&self) -> Result<Vec<(i64, EmpresaId)>> {
        let conn = self.leitura();
        let mut stmt = conn.prepare("SELECT id, empresa_id FROM entradas WHERE invalida = 0 ORDER BY id")?;
        let linhas = stmt.query_map([], |r| Ok((r.get(0)?, EmpresaId(r.get(1)?))))?;
        Ok(linhas.collect::<rusqlite::Result<_>>()?)
    }

    /// Rows waiting (applied ones not yet deleted included) and rows set aside.
    pub(super) fn totais(&self) -> Result<(i64, i64)> {
        let conn = self.leitura();
        let t = conn
            .query_row("SELECT COALESCE(SUM(invalida = 0), 0), COALESCE(SUM(invalida = 1), 0) FROM entradas", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .unwrap_or((0, 0));
        Ok(t)
    }

    /// A PASSIVE checkpoint (never blocks the writer); whether it copied the whole WAL (then
    /// the next commit writes the WAL from its start again, unless a reader still uses it).
    pub(super) fn checkpoint(&self) -> Result<bool> {
        let conn = self.conexao_checkpoint();
        let (ocupado, log, copiados): (i64, i64, i64) =
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(ocupado == 0 && log == copiados)
    }

    /// After a checkpoint that copied the whole WAL: one small commit, so that it is this
    /// (background) thread that writes the WAL from its start again and pays the fsync SQLite
    /// does of a restarted WAL's header — 8–29 ms each under a flood (strace), which a
    /// webhook's group commit paid before. Whether the WAL did restart (a reader that still
    /// used it stops that: the commit is then appended, and the caller tries again later).
    pub(super) fn reiniciar_wal(&self) -> Result<bool> {
        self.escrita().execute(
            "INSERT INTO reinicios (id, vezes) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET vezes = vezes + 1",
            [],
        )?;
        Ok(self.quadros().is_some_and(|q| q <= QUADROS_DE_UM_REINICIO))
    }

    /// A PASSIVE checkpoint, then a TRUNCATE one (which holds the write lock while it
    /// truncates the WAL to zero: only when the webhooks are quiet).
    pub(super) fn checkpoint_e_truncar(&self) -> Result<()> {
        self.checkpoint()?;
        self.conexao_checkpoint().query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Frames in the WAL now; `None` when unreadable.
    pub(super) fn quadros(&self) -> Option<u32> {
        self.shm.abrir(&self.path);
        self.shm.quadros()
    }

    pub(super) fn integrity_check(&self) -> Result<()> {
        integrity_check(&self.leitura())
    }
}
