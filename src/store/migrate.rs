//! Schema migrations for the central db and for tenant dbs.
//!
//! Migrations are append-only `.sql` files under `store/migrations/`, embedded at compile
//! time and tracked with `PRAGMA user_version`. A tenant's first migration also creates its
//! setor's tables. Running twice is a no-op; a file whose version is newer than this binary
//! knows is refused with [`Error::SchemaTooNew`] and left untouched.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::domain::Setor;
use crate::error::{Error, Result};

/// One embedded migration step.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The name of the file, for error messages.
    pub name: &'static str,
    /// The SQL it runs.
    pub sql: &'static str,
    /// SQL run after `sql` only in tenants of one setor (its own tables change).
    pub por_setor: &'static [(Setor, &'static str)],
}

macro_rules! migration {
    ($dir:literal, $file:literal) => {
        Migration { name: $file, sql: include_str!(concat!("migrations/", $dir, "/", $file)), por_setor: &[] }
    };
    ($dir:literal, $file:literal, $($setor:expr => $extra:literal),+) => {
        Migration {
            name: $file,
            sql: include_str!(concat!("migrations/", $dir, "/", $file)),
            por_setor: &[$(($setor, include_str!(concat!("migrations/", $dir, "/", $extra)))),+],
        }
    };
}

/// Central migrations, in order; version N = the first N applied.
pub const CENTRAL: &[Migration] = &[
    migration!("central", "0001_init.sql"),
    migration!("central", "0002_pipeline.sql"),
    migration!("central", "0003_evolution.sql"),
    migration!("central", "0005_midia.sql"),
];

/// Tenant migrations, in order; version N = the first N applied. File numbers follow the
/// order in which they were applied (0006 and 0007 were branch names that never shipped).
pub const TENANT: &[Migration] = &[
    migration!("tenant", "0001_init.sql"),
    migration!("tenant", "0002_conversas_resumo.sql"),
    migration!("tenant", "0003_pipeline.sql"),
    migration!("tenant", "0004_destino.sql"),
    migration!("tenant", "0005_sem_conversas_lead.sql"),
    migration!("tenant", "0008_midias.sql"),
    migration!("tenant", "0009_inbox.sql"),
    migration!("tenant", "0010_bot_agenda.sql",
        Setor::Veiculos => "0010_veiculos.sql",
        Setor::Imoveis => "0010_imoveis.sql"),
    migration!("tenant", "0011_identidade.sql"),
];

/// The schema version this binary writes for central files.
pub fn central_version() -> u32 {
    CENTRAL.len() as u32
}

/// The schema version this binary writes for tenant files.
pub fn tenant_version() -> u32 {
    TENANT.len() as u32
}

/// The setor's own tables, created together with the tenant's first migration.
fn setor_sql(setor: Setor) -> Option<&'static str> {
    match setor {
        Setor::Veiculos => Some(include_str!("migrations/tenant/setor_veiculos.sql")),
        Setor::Imoveis => Some(include_str!("migrations/tenant/setor_imoveis.sql")),
        Setor::Autopecas => Some(include_str!("migrations/tenant/setor_autopecas.sql")),
        Setor::Varejo | Setor::Servicos => None,
    }
}

/// Reads `PRAGMA user_version`.
pub fn user_version(conn: &Connection) -> Result<u32> {
    Ok(conn.query_row("SELECT user_version FROM pragma_user_version", [], |r| r.get(0))?)
}

/// Migrates the central db to [`central_version`]. Returns how many steps ran.
pub fn central(conn: &mut Connection, path: &Path) -> Result<u32> {
    run(conn, path, CENTRAL, None, CENTRAL.len())
}

/// Migrates a tenant db to [`tenant_version`]. Returns how many steps ran.
pub fn tenant(conn: &mut Connection, path: &Path, setor: Setor) -> Result<u32> {
    run(conn, path, TENANT, Some(setor), TENANT.len())
}

/// Migrates a tenant db only up to `target` (tests and benchmarks build old files with it).
pub fn tenant_up_to(conn: &mut Connection, path: &Path, setor: Setor, target: u32) -> Result<u32> {
    run(conn, path, TENANT, Some(setor), (target as usize).min(TENANT.len()))
}

fn run(conn: &mut Connection, path: &Path, steps: &[Migration], setor: Option<Setor>, target: usize) -> Result<u32> {
    // Cheap check first, outside a write transaction: the common case is "nothing to do".
    let found = user_version(conn)?;
    if found as usize > steps.len() {
        return Err(Error::SchemaTooNew { path: path.to_owned(), found, supported: steps.len() as u32 });
    }
    if found as usize >= target {
        return Ok(0);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Re-read under the write lock: another connection may have migrated meanwhile.
    let current = user_version(&tx)? as usize;
    let mut ran = 0;
    for (index, step) in steps.iter().enumerate().take(target).skip(current) {
        let fail =
            |e: rusqlite::Error| Error::Migration { path: path.to_owned(), reason: format!("{}: {e}", step.name) };
        tx.execute_batch(step.sql).map_err(fail)?;
        for (s, extra) in step.por_setor {
            if setor == Some(*s) {
                tx.execute_batch(extra).map_err(fail)?;
            }
        }
        if index == 0 {
            if let Some(sql) = setor.and_then(setor_sql) {
                tx.execute_batch(sql).map_err(fail)?;
            }
        }
        ran += 1;
    }
    if ran > 0 {
        tx.pragma_update(None, "user_version", target as u32)?;
    }
    tx.commit()?;
    Ok(ran)
}
