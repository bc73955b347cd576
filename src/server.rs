//! The HTTP server: tiny_http with a fixed pool of named worker threads, and a clean stop.
//!
//! [`start`] binds (port 0 works: tests read the real address back) and returns a
//! [`RunningServer`]; [`RunningServer::shutdown`] unblocks every worker, joins them, and
//! drops the server so tenant pools close. A panic inside a handler is caught per request in
//! `http::handle`, so a worker never dies of one.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::app::App;
use crate::config::DataDir;
use crate::error::{Error, Result};

/// A server that is accepting requests.
pub struct RunningServer {
    server: Arc<tiny_http::Server>,
    workers: Vec<JoinHandle<()>>,
    /// Applies what the webhooks journal to the tenant files.
    journal: crate::pipeline::journal::JournalWorker,
    addr: SocketAddr,
}

/// Binds and starts `app.config.http_workers` worker threads serving the product's routes.
pub fn start(app: Arc<App>) -> Result<RunningServer> {
    start_with(app, crate::http::routes::route)
}

/// [`start`] with another route table (tests of the server machinery itself).
pub fn start_with(app: Arc<App>, router: crate::http::Router) -> Result<RunningServer> {
    let bind = app.config.bind;
    let cannot = |e: &dyn std::fmt::Display| Error::Unavailable(format!("não foi possível escutar em {bind}: {e}"));
    let listener = std::net::TcpListener::bind(bind).map_err(|e| cannot(&e))?;
    // Accepted sockets inherit TCP_NODELAY on Linux. Without it, a response written as
    // headers + body waits for the client's delayed ACK (≈ 40 ms) on keep-alive connections.
    if let Err(e) = rustix::net::sockopt::set_tcp_nodelay(&listener, true) {
        log::warn!("TCP_NODELAY indisponível ({e}); respostas em keep-alive podem atrasar");
    }
    let server = tiny_http::Server::from_listener(listener, None).map_err(|e| cannot(&e))?;
    let server = Arc::new(server);
    let addr = server.server_addr().to_ip().ok_or_else(|| Error::Internal("endereço do servidor".into()))?;
    let journal = crate::pipeline::journal::start(app.clone())?;
    let mut workers = Vec::new();
    for n in 0..app.config.http_workers.max(1) {
        let (server, app) = (server.clone(), app.clone());
        let handle = std::thread::Builder::new()
            .name(format!("http-{n}"))
            .spawn(move || {
                for rq in server.incoming_requests() {
                    crate::http::handle_with(&app, rq, router);
                }
            })
            .map_err(|e| Error::Internal(format!("thread http: {e}")))?;
        workers.push(handle);
    }
    log::info!("HelixAI {} escutando em http://{addr}", env!("CARGO_PKG_VERSION"));
    Ok(RunningServer { server, workers, journal, addr })
}

impl RunningServer {
    /// The bound address (with the real port when started on port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets in-flight requests finish, joins every worker.
    pub fn shutdown(self) {
        for _ in &self.workers {
            self.server.unblock();
        }
        for w in self.workers {
            let _ = w.join();
        }
        self.journal.stop();
        log::info!("servidor HTTP parado");
    }
}

/// Takes `data/serve.lock` (an exclusive flock held while the returned file lives), so a
/// second server on the same data dir, or an offline restore, sees that one is running.
pub fn travar_diretorio(data: &DataDir) -> Result<std::fs::File> {
    let path = data.serve_lock();
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::conflict(
            "servidor_em_execucao",
            format!("já há um servidor HelixAI rodando no diretório de dados {}", data.root().display()),
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
    }
}

/// Whether a server holds this data dir's `serve.lock` right now.
pub fn servidor_rodando(data: &DataDir) -> Result<bool> {
    match travar_diretorio(data) {
        Ok(_) => Ok(false),
        Err(Error::Conflict { .. }) => Ok(true),
        Err(e) => Err(e),
    }
}

/// Blocks until SIGTERM or SIGINT (Ctrl-C).
pub fn wait_for_signal() -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, stop.clone()).map_err(|e| Error::Internal(format!("sinal: {e}")))?;
    }
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
    }
    log::info!("sinal recebido; encerrando");
    Ok(())
}

/// Raises the open-files soft limit towards the hard limit and returns the LRU capacity
/// that fits: each open tenant may hold a pool of connections × 3 descriptors
/// (db, -wal, -shm), plus headroom for sockets and the central db.
pub fn fit_open_tenants(wanted: usize) -> usize {
    const HEADROOM: u64 = 256;
    let per_tenant = u64::from(crate::store::tenants::POOL_SIZE) * 3;
    // Evicted pools close on a background thread, at most FECHANDO_MAX behind the LRU.
    let fechando = crate::store::tenants::FECHANDO_MAX as u64;
    let need = (wanted as u64 + fechando) * per_tenant + HEADROOM;
    let limit = match rlimit::increase_nofile_limit(need) {
        Ok(l) => l,
        Err(e) => {
            log::warn!("não foi possível ler/ajustar o limite de arquivos abertos: {e}");
            return wanted;
        }
    };
    if limit >= need {
        return wanted;
    }
    let fits = (limit.saturating_sub(HEADROOM) / per_tenant).saturating_sub(fechando).max(1) as usize;
    log::warn!(
        "limite de arquivos abertos ({limit}) não comporta {wanted} tenants abertos; usando {fits} \
         (aumente LimitNOFILE para {need})"
    );
    fits
}
