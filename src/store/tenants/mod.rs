//! TenantManager: the LRU of small r2d2 pools, one per open tenant file.
//!
//! Cost grows with tenants *open*, not tenants *configured*. A miss opens the file outside
//! the LRU lock (at most one opener per tenant at a time), migrates it, and inserts it;
//! an eviction drops the pool outside the lock, and the files close when the last borrowed
//! connection comes back. All pools share one scheduled thread pool, and have no idle
//! timeout or max lifetime, so a dropped pool leaves no background task behind.
//!
//! A miss opens, configures and migrates the tenant's first connection on the requesting
//! thread and keeps it beside the pool ([`Tenant::conn`] lends it first). r2d2 makes every
//! connection on its shared worker thread: under an LRU storm that serialized all opens of
//! the process behind one thread, and even at light load each hand-off to it cost 0.5–2 ms
//! of thread wake-up on a VM (issue #7). The pool only grows for concurrent use.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use lru::LruCache;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::OpenFlags;
use scheduled_thread_pool::ScheduledThreadPool;
use serde::Serialize;

use crate::domain::{EmpresaId, Setor};
use crate::error::{Error, Result};
use crate::store::tenant::TenantDb;
use crate::store::{configure, migrate};

mod alteracoes;
mod conn;
pub use alteracoes::Alteracoes;
pub(crate) use conn::Conn;
pub use conn::Tenant;

/// Connections per open tenant: its first one plus its pool.
pub const POOL_SIZE: u32 = 4;
/// Page cache per tenant connection, KiB (SQLite's default is 2 MiB).
const TENANT_CACHE_KIB: i64 = 512;

/// A tenant's database name, e.g. `empresa_7_feirao_showcar`. Generated at creation,
/// validated against `^empresa_[0-9]+(_[a-z0-9_]+)?$` before any path is built from it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct DatabaseName(String);

impl DatabaseName {
    /// The name for a new empresa: `empresa_<id>_<slug with _>`.
    pub fn generate(id: EmpresaId, slug: &str) -> Result<Self> {
        Self::parse(&format!("empresa_{}_{}", id.0, slug.replace('-', "_")))
    }

    /// Validates a stored name.
    pub fn parse(name: &str) -> Result<Self> {
        let rest = name.strip_prefix("empresa_").unwrap_or("");
        let (digits, tail) = match rest.find('_') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let ok = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && tail.is_none_or(|t| {
                !t.is_empty() && t.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            });
        if ok {
            Ok(DatabaseName(name.to_owned()))
        } else {
            Err(Error::Internal(format!("database_name inválido: {name:?}")))
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The one function that turns a database name into a file path.
pub fn tenant_path(tenants_dir: &Path, name: &DatabaseName) -> PathBuf {
    tenants_dir.join(format!("{}.db", name.as_str()))
}

/// The one function that turns a database name into the folder of the tenant's media files
/// (`<database_name>.midia`, beside its file; see `crate::media`).
pub fn midia_dir(tenants_dir: &Path, name: &DatabaseName) -> PathBuf {
    tenants_dir.join(format!("{}.midia", name.as_str()))
}

/// What the manager needs to open a tenant: who it is and where its file is.
#[derive(Debug, Clone)]
pub struct TenantKey {
    pub id: EmpresaId,
    pub database_name: DatabaseName,
    pub setor: Setor,
}

/// Counters for /healthz and /metrics.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct TenantStats {
    pub hits: u64,
    pub misses: u64,
    pub evictions: u64,
    pub open: usize,
    pub capacity: usize,
    /// Evicted pools still waiting for the closer thread (at most [`FECHANDO_MAX`]).
    pub fechando: usize,
}

/// The LRU of open tenants.
pub struct TenantManager {
    dir: PathBuf,
    lru: Mutex<LruCache<EmpresaId, Arc<Tenant>>>,
    opening: Mutex<HashMap<EmpresaId, Arc<Mutex<()>>>>,
    /// Every pool ever opened per tenant that may still be alive (an evicted pool lives on
    /// while a handle borrowed before the eviction is in use); [`TenantManager::exclusivo`]
    /// waits for all of them.
    vivos: Mutex<HashMap<EmpresaId, Vec<Weak<Tenant>>>>,
    scheduler: Arc<ScheduledThreadPool>,
    hits: AtomicU64,
    misses: AtomicU64,
    evictions: AtomicU64,
    /// The last open failure of each tenant that currently fails (cleared by a good open).
    failures: Mutex<HashMap<EmpresaId, TenantFailure>>,
    /// Evicted pools go to the `tenant-closer` thread: closing the last connection of a WAL
    /// file checkpoints it (disk writes + fsync), which must not land on a webhook's latency.
    closer: Option<Closer>,
    /// Tenants with changes the off-site replica has not taken yet.
    alteracoes: Arc<Alteracoes>,
}

/// A tenant whose file could not be opened, for the superadmin's system page.
#[derive(Debug, Clone, Serialize)]
pub struct TenantFailure {
    pub empresa_id: EmpresaId,
    pub database_name: DatabaseName,
    pub erro: String,
    pub em: String,
}

/// Per-connection setup of tenant connections. The last connection of a pool does not
/// checkpoint on close: under an LRU that evicts often, a checkpoint (two fsyncs) per
/// eviction would cap the webhook rate. The automatic checkpoint at commit runs every 1,000
/// pages (SQLite's default; at 256 the fsyncs halved the webhook rate of busy tenants) and
/// truncates the WAL back to `journal_size_limit` after it; the closer thread folds a WAL
/// past [`WAL_MAX_OCIOSO`] when its tenant is evicted, so idle tenants keep little WAL;
/// whole-file operations (restore swap, export, backup) checkpoint or read through SQLite.
pub(crate) fn configure_tenant(c: &mut rusqlite::Connection) -> rusqlite::Result<()> {
    configure(c, TENANT_CACHE_KIB)?;
    c.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
    // The webhook's transaction runs a dozen statements: keep them compiled.
    c.set_prepared_statement_cache_capacity(32);
    c.execute_batch("PRAGMA journal_size_limit = 1048576; PRAGMA wal_autocheckpoint = 1000;")
}

/// Evicted pools on their way to the `tenant-closer` thread.
struct Closer {
    tx: std::sync::mpsc::Sender<Arc<Tenant>>,
    /// Pools sent and not yet closed.
    pendentes: Arc<AtomicUsize>,
}

/// A WAL past this size is folded into the database when its pool is evicted, so an idle
/// tenant keeps at most about this much WAL on disk (2.5 GiB across 10,000 tenants that all
/// wrote since their last fold) and its next open recovers little: reopening reads and
/// checksums the whole WAL. When the webhook thread wrote one message per open, 16 pages
/// (64 KiB) each, 128 KiB was the right size (at 1 MiB recovery was a third of that thread's
/// CPU). The journal now applies ~10 messages per open, also ~64 KiB of WAL (measured): at
/// 128 KiB every second eviction folded (two fsyncs, 59% of the closer's CPU), at 256 KiB
/// every fourth; the thrash ingest went 4,161 → 4,946 and 3,840 → 4,965 msg/s in two paired
/// runs (issue #7).
const WAL_MAX_OCIOSO: u64 = 256 * 1024;
/// Past this many pools waiting to be closed, the closer skips the checkpoint (it fsyncs):
/// on a slow disk under an LRU storm, file descriptors must not pile up behind it.
const FILA_MAX_CHECKPOINT: usize = 16;
/// Past this many pools waiting to be closed, an eviction is closed by the evicting thread:
/// open files are bounded by (LRU capacity + this) pools.
pub const FECHANDO_MAX: usize = 32;

/// Starts the thread that drops evicted pools; `None` (close inline) if it cannot start.
fn spawn_closer(dir: PathBuf) -> Option<Closer> {
    let (tx, rx) = std::sync::mpsc::channel::<Arc<Tenant>>();
    let pendentes = Arc::new(AtomicUsize::new(0));
    let fila = pendentes.clone();
    let spawned = std::thread::Builder::new().name("tenant-closer".into()).spawn(move || {
        crate::background::lower_priority();
        for tenant in rx {
            let atras = fila.load(Ordering::Relaxed);
            if Arc::strong_count(&tenant) == 1 && atras <= FILA_MAX_CHECKPOINT {
                let mut wal = tenant_path(&dir, &tenant.key.database_name).into_os_string();
                wal.push("-wal");
                let grande = std::fs::metadata(&wal).is_ok_and(|m| m.len() > WAL_MAX_OCIOSO);
                let livre = if grande { tenant.conn_livre() } else { None };
                if let Some(c) = livre {
                    if let Err(e) = c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
                        log::debug!("checkpoint ao fechar o tenant {} falhou: {e}", tenant.key.id);
                    }
                }
            }
            drop(tenant);
            // Counted down once its files are closed, so `fechando == 0` means all closed.
            fila.fetch_sub(1, Ordering::Relaxed);
        }
    });
    match spawned {
        Ok(_) => Some(Closer { tx, pendentes }),
        Err(e) => {
            log::warn!("thread tenant-closer não iniciou ({e}); pools serão fechados no próprio pedido");
            None
        }
    }
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding these locks cannot leave them inconsistent (plain map ops).
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl TenantManager {
    /// A manager for the tenant files in `tenants_dir`, holding at most `capacity` open.
    pub fn new(tenants_dir: impl Into<PathBuf>, capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        let dir: PathBuf = tenants_dir.into();
        TenantManager {
            dir: dir.clone(),
            lru: Mutex::new(LruCache::new(capacity)),
            opening: Mutex::new(HashMap::new()),
            vivos: Mutex::new(HashMap::new()),
            scheduler: Arc::new(
                ScheduledThreadPool::builder().num_threads(1).thread_name_pattern("tenant-pool-{}").build(),
            ),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            evictions: AtomicU64::new(0),
            failures: Mutex::new(HashMap::new()),
            closer: spawn_closer(dir),
            alteracoes: Arc::default(),
        }
    }

    /// Tenants with changes not yet taken by the off-site replica.
    pub fn alteracoes(&self) -> &Alteracoes {
        &self.alteracoes
    }

    /// The directory holding the tenant files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of a tenant's file.
    pub fn path_of(&self, name: &DatabaseName) -> PathBuf {
        tenant_path(&self.dir, name)
    }

    /// The tenant's db handle, opening (and migrating) its file on a miss.
    pub fn get(&self, key: &TenantKey) -> Result<TenantDb> {
        if let Some(t) = self.cached(key.id) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(TenantDb::new(t));
        }
        // Single-flight per tenant: concurrent misses wait for the first opener (or for an
        // exclusive section, see [`TenantManager::exclusivo`]).
        let (tenant, evicted) = self.with_gate(key.id, || -> Result<_> {
            if let Some(t) = self.cached(key.id) {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Ok((t, None));
            }
            self.misses.fetch_add(1, Ordering::Relaxed);
            let tenant = Arc::new(self.open_tracked(key)?);
            let mut vivos = lock(&self.vivos);
            let lista = vivos.entry(key.id).or_default();
            lista.retain(|w| w.strong_count() > 0);
            lista.push(Arc::downgrade(&tenant));
            drop(vivos);
            // Pushed before the gate is released, so a newcomer finds this pool.
            let evicted = lock(&self.lru).push(key.id, tenant.clone());
            Ok((tenant, evicted))
        })?;
        if let Some((id, _)) = &evicted {
            if *id != key.id {
                self.evictions.fetch_add(1, Ordering::Relaxed);
            }
        }
        // Closed outside the LRU lock and the gate, on the closer thread when there is one
        // and it keeps up; past FECHANDO_MAX queued pools this thread closes its own
        // eviction, so opens cannot outrun closes and descriptors stay bounded.
        if let Some((_, old)) = evicted {
            match &self.closer {
                Some(closer) if closer.pendentes.load(Ordering::Relaxed) < FECHANDO_MAX => {
                    closer.pendentes.fetch_add(1, Ordering::Relaxed);
                    if let Err(back) = closer.tx.send(old) {
                        closer.pendentes.fetch_sub(1, Ordering::Relaxed);
                        drop(back.0);
                    }
                }
                _ => drop(old),
            }
        }
        Ok(TenantDb::new(tenant))
    }

    /// Runs `f` holding the tenant's gate: the lock of the gate that is *currently* in the
    /// map, so at most one thread at a time opens or swaps this tenant's file. The gate
    /// leaves the map before its lock is released.
    fn with_gate<T>(&self, id: EmpresaId, f: impl FnOnce() -> T) -> T {
        loop {
            let gate = lock(&self.opening).entry(id).or_default().clone();
            let guard = lock(&gate);
            let current = lock(&self.opening).get(&id).is_some_and(|g| Arc::ptr_eq(g, &gate));
            if !current {
                // A stale gate (its holder already removed it): try again with the current one.
                continue;
            }
            let out = f();
            let mut map = lock(&self.opening);
            if map.get(&id).is_some_and(|g| Arc::ptr_eq(g, &gate)) {
                map.remove(&id);
            }
            drop(map);
            drop(guard);
            return out;
        }
    }

    /// Runs `f` while the tenant is closed and cannot be opened: its pool leaves the LRU,
    /// every borrowed handle is waited for (up to `espera`), then `f` runs (e.g. swaps the
    /// file in) while new accesses to this tenant wait; other tenants never pause. The next
    /// access after `f` opens (and migrates) the file afresh.
    pub fn exclusivo<T>(&self, id: EmpresaId, espera: Duration, f: impl FnOnce() -> Result<T>) -> Result<T> {
        self.with_gate(id, || {
            drop(lock(&self.lru).pop(&id));
            let deadline = Instant::now() + espera;
            loop {
                // Alive = someone still holds a handle on it (the LRU no longer does).
                let alive = {
                    let mut vivos = lock(&self.vivos);
                    let lista = vivos.entry(id).or_default();
                    lista.retain(|w| w.strong_count() > 0);
                    let n = lista.len();
                    if n == 0 {
                        vivos.remove(&id);
                    }
                    n
                };
                if alive == 0 {
                    break; // every connection of this tenant is closed
                }
                if Instant::now() >= deadline {
                    return Err(Error::Unavailable(
                        "o banco da empresa continua em uso; tente novamente em instantes".into(),
                    ));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            f()
        })
    }

    fn cached(&self, id: EmpresaId) -> Option<Arc<Tenant>> {
        lock(&self.lru).get(&id).cloned()
    }

    /// [`Self::open`], remembering the failure (or clearing it) for the system page.
    fn open_tracked(&self, key: &TenantKey) -> Result<Tenant> {
        let opened = self.open(key);
        match &opened {
            Ok(_) => {
                lock(&self.failures).remove(&key.id);
            }
            Err(e) => {
                log::error!("tenant {} ({}) não abre: {e}", key.id, key.database_name.as_str());
                lock(&self.failures).insert(
                    key.id,
                    TenantFailure {
                        empresa_id: key.id,
                        database_name: key.database_name.clone(),
                        erro: e.to_string(),
                        em: crate::clock::sqlite_timestamp(crate::clock::unix_now()),
                    },
                );
            }
        }
        opened
    }

    fn open(&self, key: &TenantKey) -> Result<Tenant> {
        let path = self.path_of(&key.database_name);
        if !path.is_file() {
            return Err(Error::Store(format!("arquivo do tenant ausente: {}", path.display())));
        }
        let manager = SqliteConnectionManager::file(&path)
            .with_flags(OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .with_init(configure_tenant);
        // Opened and migrated here, on the requesting thread; a file that cannot be opened
        // fails now with SQLite's own error (503 on the webhook), without a pool wait.
        let mut conn = r2d2::ManageConnection::connect(&manager)?;
        if migrate::tenant(&mut conn, &path, key.setor)? > 0 {
            // Schema changes are not row changes: mark the migrated file for the replica here.
            self.alteracoes.marcar(key.id);
        }
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE - 1)
            .min_idle(Some(0))
            .idle_timeout(None)
            .max_lifetime(None)
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(10))
            .thread_pool(self.scheduler.clone())
            .build_unchecked(manager);
        Ok(Tenant::new(key.clone(), pool, conn, self.alteracoes.clone()))
    }

    /// Closes a tenant's pool (before a restore or a purge). Borrowed connections close
    /// when they come back.
    pub fn close(&self, id: EmpresaId) {
        let removed = lock(&self.lru).pop(&id);
        drop(removed);
    }

    /// Tenants whose file currently fails to open (corrupt, unreadable, too new).
    pub fn failures(&self) -> Vec<TenantFailure> {
        let mut v: Vec<_> = lock(&self.failures).values().cloned().collect();
        v.sort_by_key(|f| f.empresa_id);
        v
    }

    /// Current counters.
    pub fn stats(&self) -> TenantStats {
        let lru = lock(&self.lru);
        TenantStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
            open: lru.len(),
            capacity: lru.cap().get(),
            fechando: self.closer.as_ref().map_or(0, |c| c.pendentes.load(Ordering::Relaxed)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names() {
        assert!(DatabaseName::parse("empresa_1_feirao_showcar").is_ok());
        assert!(DatabaseName::parse("empresa_12").is_ok());
        for bad in ["empresa_", "empresa_x", "empresa_1_", "empresa_1_../x", "x_1_a", "empresa_1_A", ""] {
            assert!(DatabaseName::parse(bad).is_err(), "{bad}");
        }
        let n = DatabaseName::generate(EmpresaId(3), "auto-pecas-xyz").ok();
        assert_eq!(n.map(|n| n.0), Some("empresa_3_auto_pecas_xyz".to_owned()));
    }
}
