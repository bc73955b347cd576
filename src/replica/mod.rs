//! Off-site replicas: every database (each tenant, the central db, the webhook journal) and
//! every tenant's media files copied continuously to S3-compatible object storage, compressed
//! and encrypted here, and a whole data dir rebuilt from it on another machine. The only module
//! that names the S3 client crate.
//!
//! - [`config`]: where it goes and with which keys (central `ajustes`, keys encrypted), checked
//!   against the bucket; the replica key ([`cifra::ChaveReplica`], `data/replica.key`).
//! - [`cifra`]: sealing (zstd + ChaCha20-Poly1305, the object's name as associated data).
//! - [`formato`]: the bucket's layout, object names, page sets, manifests, chains, retention.
//! - [`s3`]: the client (rusty-s3 signs, the appliance's ureq agent sends).
//! - [`envio`]: shipping one database: the pages that changed since the last shipment, or a
//!   new base; `data/replica.db` records what was shipped.
//! - [`midias`]: a tenant's media files: each new file once, before the pages that name it;
//!   files removed here leave the bucket with the history that uses them.
//! - [`agenda`]: the `replica` thread and its eight uploaders: which databases are due, retries with
//!   backoff and jitter, the owner heartbeat, status for the panel, `/metrics` and `/healthz`.
//! - [`restauro`]: restoring one database at a moment (`--at`); [`restauro_midias`]: the media
//!   files its rows use; [`reconstrucao`]: a whole data dir on an empty machine (`--all`), one
//!   empresa into a stopped server's data dir (`--tenant`).
//!
//! What changes is known without looking at idle files: tenant connections mark their empresa
//! when they commit, and media writes and removals mark it apart
//! ([`crate::store::tenants::Alteracoes`]); the central db and the journal are two `stat`s per
//! second. A restart compares each file's size and mtime (and each media folder's mtime) with
//! those of its last shipment, once. Shipping runs off the request path, at low priority.

pub mod agenda;
pub mod cifra;
pub mod config;
pub mod envio;
pub mod formato;
pub mod midias;
pub mod reconstrucao;
pub mod restauro;
pub mod restauro_midias;
pub mod s3;
mod situacao;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

pub use cifra::ChaveReplica;
pub use situacao::{EstadoReplica, Pendente, Situacao};

use crate::config::DataDir;
use crate::error::Result;
use crate::store::replica::EstadoReplicaDb;

/// The local setting holding this installation's writer id.
const ESCRITOR: &str = "escritor";

/// The replica's shared handles, in [`crate::app::App`]: its status, its wake-up, its request counter and
/// its state file (opened on first use, so a data dir without a replica has no `replica.db`).
pub struct Replica {
    data: DataDir,
    situacao: Mutex<Situacao>,
    requisicoes: Arc<AtomicU64>,
    acordar: (Mutex<bool>, Condvar),
    estado: Mutex<Option<Arc<EstadoReplicaDb>>>,
    /// The server is stopping: uploads in flight end at the next media file.
    encerrando: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Replica {
    /// The handles for the data dir `data` (nothing opened yet).
    pub fn new(data: DataDir) -> Self {
        Replica {
            data,
            situacao: Mutex::new(Situacao::default()),
            requisicoes: Arc::default(),
            acordar: (Mutex::new(false), Condvar::new()),
            estado: Mutex::new(None),
            encerrando: AtomicBool::new(false),
        }
    }

    /// The status now.
    pub fn situacao(&self) -> Situacao {
        lock(&self.situacao).clone()
    }

    /// Changes the status (the `replica` thread).
    pub(crate) fn atualizar(&self, f: impl FnOnce(&mut Situacao)) {
        f(&mut lock(&self.situacao));
    }

    /// Requests sent to the bucket by this process (shared by every client it builds).
    pub fn requisicoes(&self) -> Arc<AtomicU64> {
        self.requisicoes.clone()
    }

    /// Requests sent so far.
    pub fn total_requisicoes(&self) -> u64 {
        self.requisicoes.load(Ordering::Relaxed)
    }

    /// Wakes the `replica` thread: the configuration changed, or everything waiting should go
    /// now ("Enviar agora").
    pub fn acordar(&self) {
        *lock(&self.acordar.0) = true;
        self.acordar.1.notify_all();
    }

    /// Waits up to `ate` for [`Replica::acordar`]; whether it was called.
    pub(crate) fn esperar(&self, ate: Duration) -> bool {
        let mut g = lock(&self.acordar.0);
        if !*g {
            g = self.acordar.1.wait_timeout(g, ate).unwrap_or_else(|e| e.into_inner()).0;
        }
        std::mem::take(&mut *g)
    }

    /// Tells uploads in flight to end at the next media file (a clean stop).
    pub(crate) fn encerrar(&self) {
        self.encerrando.store(true, Ordering::SeqCst);
    }

    /// Whether the server is stopping.
    pub fn encerrando(&self) -> bool {
        self.encerrando.load(Ordering::SeqCst)
    }

    /// The local state file, opened (and created) on first use.
    pub fn estado(&self) -> Result<Arc<EstadoReplicaDb>> {
        let mut g = lock(&self.estado);
        if let Some(e) = g.as_ref() {
            return Ok(e.clone());
        }
        let e = Arc::new(EstadoReplicaDb::open(&self.data.replica_db())?);
        *g = Some(e.clone());
        Ok(e)
    }

    /// This installation's writer id (random, created once, never shipped): the owner object
    /// in the bucket names the installation that ships there.
    pub fn escritor(&self) -> Result<String> {
        let estado = self.estado()?;
        if let Some(id) = estado.local(ESCRITOR)? {
            return Ok(id);
        }
        let id = crate::crypto::random_token();
        estado.definir_local(ESCRITOR, Some(&id))?;
        Ok(id)
    }
}
