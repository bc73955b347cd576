//! One open tenant: its first connection (opened and migrated by the thread that missed the
//! LRU), the r2d2 pool that grows only for concurrent use, and [`Conn`], the borrowed
//! connection that goes back where it came from on drop; data derived from its catalog is
//! cached here, so it lives exactly as long as the open tenant.

use std::any::Any;
use std::mem::ManuallyDrop;
use std::sync::{Arc, Mutex};

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;

use super::{lock, TenantKey};
use crate::error::Result;

/// One open tenant: its first connection, its pool and identity.
pub struct Tenant {
    pub(crate) key: TenantKey,
    /// Connections beyond the first, made on demand ([`super::POOL_SIZE`] − 1 at most).
    pool: r2d2::Pool<SqliteConnectionManager>,
    /// The connection the opening thread made, when nobody is borrowing it.
    primeira: Mutex<Option<Connection>>,
    /// Data derived from the catalog (the bot's vocabulary), with the catalog version it was
    /// built from; dropped with the tenant when it leaves the LRU.
    pub(crate) derivado_do_catalogo: Mutex<Option<(i64, Arc<dyn Any + Send + Sync>)>>,
}

impl Tenant {
    pub(super) fn new(key: TenantKey, pool: r2d2::Pool<SqliteConnectionManager>, primeira: Connection) -> Self {
        Tenant { key, pool, primeira: Mutex::new(Some(primeira)), derivado_do_catalogo: Mutex::new(None) }
    }

    /// A connection of this tenant: the first one when free, else one from the pool.
    pub(crate) fn conn(self: &Arc<Self>) -> Result<Conn> {
        match self.primeira_livre() {
            Some(c) => Ok(c),
            None => Ok(Conn::Pool(self.pool.get()?)),
        }
    }

    /// A free connection right now, if there is one (the closer's checkpoint).
    pub(super) fn conn_livre(self: &Arc<Self>) -> Option<Conn> {
        self.primeira_livre().or_else(|| self.pool.try_get().map(Conn::Pool))
    }

    /// The first connection, lent out, if nobody holds it.
    fn primeira_livre(self: &Arc<Self>) -> Option<Conn> {
        let conn = lock(&self.primeira).take()?;
        Some(Conn::Primeira(Primeira { tenant: self.clone(), conn: ManuallyDrop::new(conn) }))
    }
}

/// A borrowed tenant connection; derefs to [`Connection`] and goes back on drop.
pub(crate) enum Conn {
    Primeira(Primeira),
    Pool(r2d2::PooledConnection<SqliteConnectionManager>),
}

/// The tenant's first connection, on loan.
pub(crate) struct Primeira {
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
        match self {
            Conn::Primeira(p) => &p.conn,
            Conn::Pool(c) => c,
        }
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Connection {
        match self {
            Conn::Primeira(p) => &mut p.conn,
            Conn::Pool(c) => c,
        }
    }
}
