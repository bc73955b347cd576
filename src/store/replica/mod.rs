//! SQL of the off-site replica (`crate::replica`): reading a live database's pages in one
//! consistent read transaction (`sqlite_dbpage`, compiled in through `LIBSQLITE3_FLAGS`), the
//! local state file `data/replica.db` (what was shipped — pages and media files — so a restart,
//! even after `kill -9`, resumes instead of starting over), and reading a restored central db's
//! tenant list and a restored tenant's media rows.
//!
//! `replica.db` is never shipped itself: it changes on every shipment, and shipping it would
//! be a change to ship.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use crate::domain::EmpresaId;
use crate::error::{Error, Result};
use crate::store::{configure, integrity_check, DatabaseName};

mod midias;
pub use midias::{midias_usadas, MidiaEnviada, MidiaUsada};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS bancos (
    nome           TEXT PRIMARY KEY,
    -- the base the chain grows from, and the newest object shipped (the next change's parent)
    base_ms        INTEGER NOT NULL,
    ultimo_ms      INTEGER NOT NULL,
    base_bytes     INTEGER NOT NULL,
    cadeia_bytes   INTEGER NOT NULL,
    cadeia_n       INTEGER NOT NULL,
    tamanho_pagina INTEGER NOT NULL,
    -- 8 bytes per page: the shipped content of each page (truncated SHA-256)
    hashes         BLOB NOT NULL,
    -- size and mtime of the file and its WAL when it was read (a restart compares them)
    impressao      TEXT NOT NULL,
    -- the bases in the bucket (JSON array of ms), as the manifest lists them
    bases          TEXT NOT NULL,
    enviado_ms     INTEGER NOT NULL,
    removido_ms    INTEGER
);
CREATE TABLE IF NOT EXISTS locais (
    chave TEXT PRIMARY KEY,
    valor TEXT NOT NULL
);
-- Media files in the bucket (midias/<banco>/<nome>: a keyed hash of the file's SHA-256), one row
-- per file of a database.
CREATE TABLE IF NOT EXISTS midias (
    banco       TEXT NOT NULL,
    nome        TEXT NOT NULL,
    -- sealed size in the bucket
    bytes       INTEGER NOT NULL,
    enviado_ms  INTEGER NOT NULL,
    -- when it was seen gone from the local folder: it leaves the bucket with the history that uses it
    removido_ms INTEGER,
    PRIMARY KEY (banco, nome)
) WITHOUT ROWID;
-- The mtime of a database's media folder when everything in it was last in the bucket.
CREATE TABLE IF NOT EXISTS pastas_midia (
    banco     TEXT PRIMARY KEY,
    impressao TEXT NOT NULL
);
";

/// What was shipped of one database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EstadoBanco {
    pub nome: String,
    pub base_ms: i64,
    pub ultimo_ms: i64,
    pub base_bytes: u64,
    pub cadeia_bytes: u64,
    pub cadeia_n: u32,
    pub tamanho_pagina: u32,
    pub hashes: Vec<u8>,
    pub impressao: String,
    pub bases: Vec<i64>,
    pub enviado_ms: i64,
    pub removido_ms: Option<i64>,
}

/// `data/replica.db`: one connection behind a mutex (the replica's threads share it).
pub struct EstadoReplicaDb {
    conn: Mutex<Connection>,
}

impl EstadoReplicaDb {
    /// Opens (creating) the state file.
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        configure(&conn, 1024)?;
        conn.execute_batch(SCHEMA)?;
        Ok(EstadoReplicaDb { conn: Mutex::new(conn) })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One database's state.
    pub fn banco(&self, nome: &str) -> Result<Option<EstadoBanco>> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT nome, base_ms, ultimo_ms, base_bytes, cadeia_bytes, cadeia_n, tamanho_pagina, hashes, impressao,
                    bases, enviado_ms, removido_ms FROM bancos WHERE nome = ?1",
        )?;
        let e = stmt
            .query_row([nome], |r| {
                Ok(EstadoBanco {
                    nome: r.get(0)?,
                    base_ms: r.get(1)?,
                    ultimo_ms: r.get(2)?,
                    base_bytes: r.get::<_, i64>(3)? as u64,
                    cadeia_bytes: r.get::<_, i64>(4)? as u64,
                    cadeia_n: r.get(5)?,
                    tamanho_pagina: r.get(6)?,
                    hashes: r.get(7)?,
                    impressao: r.get(8)?,
                    bases: serde_json::from_str(&r.get::<_, String>(9)?).unwrap_or_default(),
                    enviado_ms: r.get(10)?,
                    removido_ms: r.get(11)?,
                })
            })
            .optional()?;
        Ok(e)
    }

    /// Saves one database's state (one small transaction: after the upload it describes).
    pub fn salvar(&self, e: &EstadoBanco) -> Result<()> {
        let bases = serde_json::to_string(&e.bases).map_err(|err| Error::Internal(err.to_string()))?;
        self.lock().prepare_cached(
            "INSERT OR REPLACE INTO bancos (nome, base_ms, ultimo_ms, base_bytes, cadeia_bytes, cadeia_n, tamanho_pagina,
                 hashes, impressao, bases, enviado_ms, removido_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            e.nome,
            e.base_ms,
            e.ultimo_ms,
            e.base_bytes as i64,
            e.cadeia_bytes as i64,
            e.cadeia_n,
            e.tamanho_pagina,
            e.hashes,
            e.impressao,
            bases,
            e.enviado_ms,
            e.removido_ms
        ])?;
        Ok(())
    }

    /// Records only a new fingerprint (the file was read and nothing had changed).
    pub fn definir_impressao(&self, nome: &str, impressao: &str) -> Result<()> {
        self.lock().execute("UPDATE bancos SET impressao = ?2 WHERE nome = ?1", params![nome, impressao])?;
        Ok(())
    }

    /// Forgets a database (its history left the bucket).
    pub fn remover(&self, nome: &str) -> Result<()> {
        self.lock().execute("DELETE FROM bancos WHERE nome = ?1", [nome])?;
        Ok(())
    }

    /// Every database with state: (name, fingerprint, removed at).
    pub fn resumo(&self) -> Result<Vec<(String, String, Option<i64>)>> {
        let conn = self.lock();
        let mut stmt = conn.prepare("SELECT nome, impressao, removido_ms FROM bancos ORDER BY nome")?;
        let v = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
        Ok(v)
    }

    /// How many databases have a copy, and when the newest shipment was (Unix ms).
    pub fn totais(&self) -> Result<(usize, Option<i64>)> {
        Ok(self.lock().query_row(
            "SELECT count(*), max(enviado_ms) FROM bancos WHERE removido_ms IS NULL",
            [],
            |r| Ok((r.get::<_, i64>(0)? as usize, r.get(1)?)),
        )?)
    }

    /// Forgets every database and media file (the destination changed: everything starts
    /// from a base).
    pub fn limpar(&self) -> Result<()> {
        self.lock().execute_batch("DELETE FROM bancos; DELETE FROM midias; DELETE FROM pastas_midia;")?;
        Ok(())
    }

    /// A local setting (writer id, destination identity...).
    pub fn local(&self, chave: &str) -> Result<Option<String>> {
        Ok(self.lock().query_row("SELECT valor FROM locais WHERE chave = ?1", [chave], |r| r.get(0)).optional()?)
    }

    /// Sets (or, with `None`, removes) a local setting.
    pub fn definir_local(&self, chave: &str, valor: Option<&str>) -> Result<()> {
        let conn = self.lock();
        match valor {
            Some(v) => {
                conn.execute("INSERT OR REPLACE INTO locais (chave, valor) VALUES (?1, ?2)", params![chave, v])?
            }
            None => conn.execute("DELETE FROM locais WHERE chave = ?1", [chave])?,
        };
        Ok(())
    }
}

/// Reads every page of the live database at `path` in one read transaction (writers go on:
/// WAL), through SQLite, so the pages are those of one committed state, WAL included.
/// `inicio(page size, page count)` is called first, then `pagina(number, bytes)` in order.
/// The connection is read-only in effect and never checkpoints on close.
pub fn ler_paginas(
    path: &Path,
    inicio: impl FnOnce(u32, u32) -> Result<()>,
    mut pagina: impl FnMut(u32, &[u8]) -> Result<()>,
) -> Result<()> {
    if !path.is_file() {
        return Err(Error::Store(format!("arquivo ausente: {}", path.display())));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.execute_batch("BEGIN")?;
    let lido = (|| {
        let tamanho: u32 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        let paginas: u32 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        inicio(tamanho, paginas)?;
        let mut stmt = conn.prepare("SELECT pgno, data FROM sqlite_dbpage('main') ORDER BY pgno")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let pgno: u32 = r.get(0)?;
            let dados = r.get_ref(1)?.as_blob().map_err(|e| Error::Store(e.to_string()))?;
            pagina(pgno, dados)?;
        }
        Ok(())
    })();
    let _ = conn.execute_batch("COMMIT");
    lido
}

/// Checks a restored file: it opens, passes `integrity_check`, and is left as one closed file
/// (no -wal/-shm).
pub fn verificar_restaurado(path: &Path) -> Result<()> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| Error::Store(format!("{} não abre: {e}", path.display())))?;
    integrity_check(&conn)?;
    conn.close().map_err(|(_, e)| Error::from(e))
}

/// A tenant listed by a (restored) central db.
#[derive(Debug, Clone)]
pub struct TenantListado {
    pub empresa_id: EmpresaId,
    pub slug: String,
    pub database_name: DatabaseName,
}

/// Every empresa of the central db at `path` (read-only), with its database name.
pub fn tenants_do_central(path: &Path) -> Result<Vec<TenantListado>> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    let mut stmt = conn.prepare("SELECT id, slug, database_name FROM empresas ORDER BY id")?;
    let linhas: Vec<(i64, String, String)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    linhas
        .into_iter()
        .map(|(id, slug, nome)| {
            Ok(TenantListado { empresa_id: EmpresaId(id), slug, database_name: DatabaseName::parse(&nome)? })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pages_of_committed_state_including_the_wal() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.db");
        let w = Connection::open(&p).unwrap();
        w.execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t(v TEXT); INSERT INTO t VALUES ('um');").unwrap();
        // Still in the WAL (no checkpoint): the read must see it.
        w.execute("INSERT INTO t VALUES (?1)", [&"x".repeat(10_000)]).unwrap();
        let mut total = 0;
        let mut vistas = Vec::new();
        ler_paginas(
            &p,
            |tam, n| {
                total = n;
                assert_eq!(tam, 4096);
                Ok(())
            },
            |n, d| {
                vistas.push(n);
                assert_eq!(d.len(), 4096);
                Ok(())
            },
        )
        .unwrap();
        assert!(total >= 4, "the 10 KB row spilled to overflow pages: {total}");
        assert_eq!(vistas, (1..=total).collect::<Vec<_>>());
        // The writer's WAL is untouched by the reader's close.
        assert!(dir.path().join("x.db-wal").exists());
        assert!(ler_paginas(&dir.path().join("nao.db"), |_, _| Ok(()), |_, _| Ok(())).is_err());
    }

    #[test]
    fn state_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let db = EstadoReplicaDb::open(&dir.path().join("replica.db")).unwrap();
        assert_eq!(db.banco("helixai").unwrap(), None);
        let e = EstadoBanco {
            nome: "helixai".into(),
            base_ms: 1,
            ultimo_ms: 2,
            base_bytes: 3,
            cadeia_bytes: 4,
            cadeia_n: 1,
            tamanho_pagina: 4096,
            hashes: vec![1, 2, 3, 4, 5, 6, 7, 8],
            impressao: "a".into(),
            bases: vec![1],
            enviado_ms: 2,
            removido_ms: None,
        };
        db.salvar(&e).unwrap();
        assert_eq!(db.banco("helixai").unwrap(), Some(e.clone()));
        db.definir_impressao("helixai", "b").unwrap();
        assert_eq!(db.banco("helixai").unwrap().unwrap().impressao, "b");
        assert_eq!(db.resumo().unwrap(), vec![("helixai".into(), "b".into(), None)]);
        db.definir_local("escritor", Some("w1")).unwrap();
        assert_eq!(db.local("escritor").unwrap().as_deref(), Some("w1"));
        db.limpar().unwrap();
        assert!(db.resumo().unwrap().is_empty());
        assert_eq!(db.local("escritor").unwrap().as_deref(), Some("w1"), "local settings survive a reset");
    }
}
