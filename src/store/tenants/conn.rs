//! One open tenant: its first connection (opened and migrated by the thread that missed the
//! LRU), the r2d2 pool that grows only for concurrent use, and [`Conn`], the borrowed
//! connection that goes back where it came from on drop (marking its tenant as changed for
//! the off-site replica when rows changed during the loan, see [`super::alteracoes`]); data
//! derived from its catalog is cached here, so it lives exactly as long as the open tenant.

use std::any::Any;
use std::mem::ManuallyDrop;
use std::sync::{Arc, Mutex};

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;

use super::{lock, Alteracoes, TenantKey};
use crate::error::Result;

/// One open tenant: its first connection, its pool and identity.
pub struct Tenant {
    pub(crate) key: TenantKey,
    /// Connections beyond the first, made on demand ([`super::POOL_SIZE`] − 1 at most).
    pool: r2d2::Pool<SqliteConnectionManager>,
    /// The connection the opening thread made, when nobody is borrowing it.
    primeira: Mutex<Option<Connection>>,
    /// Where a loan that changed rows marks this tenant (the manager's set).
    alteracoes: Arc<Alteracoes>,
    /// Data derived from the catalog (the bot's vocabulary), with the catalog version it was
    /// built from; dropped with the tenant when it leaves the LRU.
    pub(crate) derivado_do_catalogo: Mutex<Option<(i64, Arc<dyn Any + Send + Sync>)>>,
}

impl Tenant {
    pub(super) fn new(
        key: TenantKey,
        pool: r2d2::Pool<SqliteConnectionManager>,
        primeira: Connection,
        alteracoes: Arc<Alteracoes>,
    ) -> Self {
        Tenant { key, pool, primeira: Mutex::new(Some(primeira)), alteracoes, derivado_do_catalogo: Mutex::new(None) }
    }

    /// A connection of this tenant: the first one when free, else one from the pool.
    pub(crate) fn conn(self: &Arc<Self>) -> Result<Conn> {
        match self.primeira_livre() {
            Some(c) => Ok(c),
            None => Ok(self.emprestar(Emprestada::Pool(self.pool.get()?))),
        }
    }

    /// A free connection right now, if there is one (the closer's checkpoint).
    pub(super) fn conn_livre(self: &Arc<Self>) -> Option<Conn> {
        self.primeira_livre().or_else(|| self.pool.try_get().map(|c| self.emprestar(Emprestada::Pool(c))))
    }

    /// The first connection, lent out, if nobody holds it.
    fn primeira_livre(self: &Arc<Self>) -> Option<Conn> {
        let conn = lock(&self.primeira).take()?;
        Some(self.emprestar(Emprestada::Primeira(Primeira { tenant: self.clone(), conn: ManuallyDrop::new(conn) })))
    }

    fn emprestar(self: &Arc<Self>, inner: Emprestada) -> Conn {
        let mudancas = inner.total_changes();
        Conn { inner, tenant: self.clone(), mudancas }
    }
}

/// A borrowed tenant connection; derefs to [`Connection`] and goes back on drop.
pub(crate) struct Conn {
    inner: Emprestada,
    tenant: Arc<Tenant>,
    /// SQLite's `total_changes` of the connection when it was lent.
    mudancas: u64,
}

impl Drop for Conn {
    fn drop(&mut self) {
        // Runs before the connection goes back: every transaction of the loan has committed or
        // rolled back by now (a rolled-back change marks too, harmlessly).
        if self.inner.total_changes() != self.mudancas {
            self.tenant.alteracoes.marcar(self.tenant.key.id);
        }
    }
}

/// Where a borrowed connection came from.
enum Emprestada {
    Primeira(Primeira),
    Pool(r2d2::PooledConnection<SqliteConnectionManager>),
}

impl Emprestada {
    fn total_changes(&self) -> u64 {
        match self {
            Emprestada::Primeira(p) => p.conn.total_changes(),
            Emprestada::Pool(c) => c.total_changes(),
        }
    }
}

/// The tenant's first connection, on loan.
struct Primeira {
    tenant: Arc<Tenant>,
    conn: ManuallyDrop<Connection>,
}

impl Drop for Primeira {
    fn drop(&mut self) {
        // SAFETY: `conn` is taken exactly once, here, and `self` is not used afterwards.
        let conn = unsafe { ManuallyDrop::take(&mut self.conn) };
        // Back to its tenant, unless left inside a transaction (then it closes, as r2d2
        // drops a broken connection).
        if conn.is_autocommit() {
            *lock(&self.tenant.primeira) = Some(conn);
        }
    }
}

impl std::ops::Deref for Conn {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match &self.inner {
            Emprestada::Primeira(p) => &p.conn,
            Emprestada::Pool(c) => c,
        }
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Connection {
        match &mut self.inner {
            Emprestada::Primeira(p) => &mut p.conn,
            Emprestada::Pool(c) => c,
        }
    }
}
