//! TenantDb: one empresa's own file. Methods never take a tenant id — the file *is* the tenant.
//!
//! Submodules hold the SQL per concern: [`catalogo`] (produtos_catalogo + setor tables),
//! [`agendamentos`] (appointments and their room check), [`dialogo`] (the bot's memory per
//! conversa and the simulator's sandbox), [`leads`] and their [`etiquetas`], [`inbox`] (the
//! panel's reading of conversas/mensagens) with its full-text [`busca`], [`atendimento`]
//! (handoff, assignment, resolution, alerts), [`respostas_rapidas`], [`exportacao`] (rows for
//! the CSV exports), [`relatorios`], [`uso`] ("mensagens do mês"), [`conversas`] (storing
//! inbound messages, statuses, what the bot reads), [`identidade`] (the lead of a message: by
//! BSUID, then phone; number changes; unidentified senders), [`lote`] (a batch of webhook
//! events from the journal in one transaction), [`jobs`] (bot jobs and the reply state
//! machine), [`midias`] (media rows, their download jobs, attachments) and [`catalogo_fotos`]
//! (photos of catalog items). Creating a new tenant file ([`create_file`]) lives here too,
//! so the whole life of a tenant file is in one place.

pub mod agendamentos;
pub mod atendimento;
pub mod busca;
pub mod catalogo;
pub mod catalogo_fotos;
pub mod conversas;
pub mod dialogo;
pub mod etiquetas;
pub mod exportacao;
pub mod identidade;
pub mod inbox;
pub mod jobs;
pub mod leads;
pub mod lote;
pub mod midias;
pub mod relatorios;
pub mod respostas_rapidas;
pub mod uso;

use std::path::Path;
use std::sync::Arc;

use rusqlite::{params, Connection, OpenFlags};

use crate::domain::{EmpresaId, Setor};
use crate::error::{Error, Result};
use crate::store::tenants::{Conn, Tenant};
use crate::store::{configure, integrity_check, migrate};

/// A handle on one open tenant. Cheap to clone; borrows a pooled connection per call.
#[derive(Clone)]
pub struct TenantDb {
    tenant: Arc<Tenant>,
}

/// What a tenant file says about itself (its `meta` table).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TenantMeta {
    pub empresa_id: EmpresaId,
    pub slug: String,
    pub setor: Setor,
    pub schema_version: u32,
}

impl TenantDb {
    pub(crate) fn new(tenant: Arc<Tenant>) -> Self {
        TenantDb { tenant }
    }

    /// The empresa this file belongs to.
    pub fn empresa_id(&self) -> EmpresaId {
        self.tenant.key.id
    }

    /// The empresa's setor.
    pub fn setor(&self) -> Setor {
        self.tenant.key.setor
    }

    fn conn(&self) -> Result<Conn> {
        self.tenant.conn()
    }

    /// Reads the file's `meta` and schema version.
    pub fn meta(&self) -> Result<TenantMeta> {
        read_meta(&*self.conn()?)
    }

    /// `PRAGMA integrity_check` on this tenant.
    pub fn integrity_check(&self) -> Result<()> {
        integrity_check(&*self.conn()?)
    }
}

fn read_meta(conn: &Connection) -> Result<TenantMeta> {
    let get = |k: &str| -> Result<String> {
        conn.query_row("SELECT valor FROM meta WHERE chave = ?1", [k], |r| r.get(0))
            .map_err(|_| Error::Store(format!("meta sem a chave {k}")))
    };
    Ok(TenantMeta {
        empresa_id: get("empresa_id")?.parse()?,
        slug: get("slug")?,
        setor: get("setor")?.parse()?,
        schema_version: migrate::user_version(conn)?,
    })
}

/// Creates a new tenant file at `path`, migrated to the current version with the common
/// tables, the setor's tables and its `meta`. Fails if the file already exists. Written to
/// a temporary name and renamed into place, so a crash never leaves a half-made file under
/// the real name; on any error nothing is left behind.
pub fn create_file(path: &Path, empresa_id: EmpresaId, slug: &str, setor: Setor) -> Result<()> {
    if path.exists() {
        return Err(Error::conflict("arquivo_existe", format!("o arquivo do tenant já existe: {}", path.display())));
    }
    let tmp = path.with_extension("db.criando");
    let result = build_file(&tmp, empresa_id, slug, setor).and_then(|()| {
        if path.exists() {
            return Err(Error::conflict(
                "arquivo_existe",
                format!("o arquivo do tenant já existe: {}", path.display()),
            ));
        }
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
    });
    if result.is_err() {
        remove_db_files(&tmp);
    }
    result
}

fn build_file(tmp: &Path, empresa_id: EmpresaId, slug: &str, setor: Setor) -> Result<()> {
    remove_db_files(tmp);
    let mut conn = Connection::open_with_flags(
        tmp,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::Store(format!("journal_mode WAL recusado: {mode}")));
    }
    configure(&conn, 512)?;
    migrate::tenant(&mut conn, tmp, setor)?;
    let tx = conn.transaction()?;
    for (k, v) in [("empresa_id", empresa_id.to_string()), ("slug", slug.to_owned()), ("setor", setor.to_string())] {
        tx.execute("INSERT INTO meta (chave, valor) VALUES (?1, ?2)", params![k, v])?;
    }
    tx.commit()?;
    // Fold the WAL into the main file so the rename moves one complete file.
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    conn.close().map_err(|(_, e)| Error::from(e))?;
    Ok(())
}

/// Removes a db file and its -wal/-shm companions, ignoring missing ones.
pub fn remove_db_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

/// Reads the schema version of a tenant file without migrating it (for `tenant list`).
pub fn file_version(path: &Path) -> Result<u32> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    migrate::user_version(&conn)
}

/// Migrates one tenant file in place (for `helixai migrate`), returning the steps run.
pub fn migrate_file(path: &Path, setor: Setor) -> Result<u32> {
    if !path.is_file() {
        return Err(Error::Store(format!("arquivo do tenant ausente: {}", path.display())));
    }
    let mut conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    // Same settings as a pool connection, so closing does not checkpoint: over 10,000 tenants
    // that saves two fsyncs each, and the few WAL frames are folded in on a later open.
    crate::store::tenants::configure_tenant(&mut conn)?;
    migrate::tenant(&mut conn, path, setor)
}

/// Builds a tenant file at an older schema version (tests and benchmarks of migrations).
pub fn create_file_at_version(
    path: &Path,
    empresa_id: EmpresaId,
    slug: &str,
    setor: Setor,
    version: u32,
) -> Result<()> {
    let mut conn = Connection::open(path)?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    migrate::tenant_up_to(&mut conn, path, setor, version)?;
    for (k, v) in [("empresa_id", empresa_id.to_string()), ("slug", slug.to_owned()), ("setor", setor.to_string())] {
        conn.execute("INSERT INTO meta (chave, valor) VALUES (?1, ?2)", params![k, v])?;
    }
    Ok(())
}

/// Sets a file's `user_version` directly (tests: simulate a file from a newer binary).
pub fn force_user_version(path: &Path, version: u32) -> Result<()> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "user_version", version)?;
    Ok(())
}
