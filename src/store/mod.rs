//! Storage: the only module that names rusqlite or holds SQL.
//!
//! - [`central::CentralDb`]: `data/helixai.db` (empresas, usuarios, planos, billing, sessions, audit).
//! - [`journal::JournalDb`]: `data/journal.db` and `journal-2.db`, written in turn, the webhook's
//!   durable inbox (events waiting to be applied to their tenant file).
//! - [`tenants::TenantManager`]: the LRU of per-tenant r2d2 pools, lazy open + migrate.
//! - [`tenant::TenantDb`]: one empresa's file (leads, conversas, mensagens, catalog, jobs).
//! - [`migrate`]: the embedded, append-only schema migrations.
//! - [`backup`]: whole-file copies: online backups, checking restores/imports, exports.
//! - [`replica`]: the off-site replica's page reads and its local state file (`replica.db`).

pub mod backup;
pub mod central;
mod indice_wal;
pub mod journal;
pub mod migrate;
pub mod replica;
pub mod tenant;
pub mod tenants;

use rusqlite::Connection;

use crate::error::Error;

pub use tenants::{DatabaseName, TenantManager, TenantStats};

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Store(e.to_string())
    }
}

impl From<r2d2::Error> for Error {
    fn from(e: r2d2::Error) -> Self {
        Error::Store(format!("pool: {e}"))
    }
}

/// Per-connection settings shared by central and tenant connections.
///
/// WAL is persistent and set when a file is created; these are per-connection and cheap.
fn configure(conn: &Connection, cache_kib: i64) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;
         PRAGMA synchronous = NORMAL;
         PRAGMA cache_size = -{cache_kib};"
    ))
}

/// Whether a SQLite error is a UNIQUE constraint violation (duplicate key).
fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}

/// Runs `PRAGMA integrity_check` on an open connection; `Ok(())` when it says "ok".
pub(crate) fn integrity_check(conn: &Connection) -> crate::Result<()> {
    let verdict: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if verdict == "ok" {
        Ok(())
    } else {
        Err(Error::Store(format!("integrity_check: {verdict}")))
    }
}
