//! The bot workers: `--bot-workers N` threads that claim due jobs from the tenants marked in
//! the central pending-work index and run them: media downloads first (`media::trabalho`),
//! then replies (`pipeline::resposta::processar`).
//!
//! - Wake-up: the journal worker calls [`Sinal::avisar`] after applying events that queued
//!   jobs (and a panel reply after storing it); idle workers also poll
//!   every [`POLL`] (or the debounce, if shorter) so debounced and backed-off jobs run on time.
//! - A tenant leaves the index only when it has no pending or executing job, checked again
//!   after unmarking so a job queued meanwhile is never stranded.
//! - On start, jobs left `executando` by a dead process are made pending again (one process
//!   serves a data dir); leases also expire, for a worker that hangs.
//! - [`run_once`] runs every due job once on the calling thread, for deterministic tests.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::app::App;
use crate::clock::unix_now_ms;
use crate::domain::EmpresaId;
use crate::error::{Error, Result};
use crate::pipeline::{resposta, Motor, LEASE_MS};

/// Longest an idle worker sleeps before looking again.
pub const POLL: Duration = Duration::from_millis(250);

/// "There is new work": a counter behind a condvar.
#[derive(Default)]
pub struct Sinal {
    geracao: Mutex<u64>,
    cv: Condvar,
}

impl Sinal {
    /// Wakes every idle worker.
    pub fn avisar(&self) {
        let mut g = self.geracao.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *g = g.wrapping_add(1);
        self.cv.notify_all();
    }

    /// The current generation (read before looking for work, to not miss a wake-up).
    fn atual(&self) -> u64 {
        *self.geracao.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sleeps until woken after `vista` or until `timeout`.
    fn esperar(&self, vista: u64, timeout: Duration) {
        let g = self.geracao.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = self.cv.wait_timeout_while(g, timeout, |g| *g == vista);
    }
}

/// Applies what the webhook journal holds, then runs every job that is due now, once, on
/// this thread. Returns how many jobs ran.
pub fn run_once(app: &Arc<App>) -> Result<usize> {
    crate::pipeline::journal::aplicar_pendentes(app);
    let motor = Motor::new(app)?;
    passo(app, &motor, &AtomicBool::new(false))
}

/// Makes jobs of a dead process pending again, in every tenant with pending work.
pub fn recuperar(app: &App) -> Result<usize> {
    let mut total = 0;
    for id in app.central.trabalho_listar()? {
        let Some(empresa) = app.central.empresa(id)? else { continue };
        match app.tenant_db(&empresa).and_then(|db| db.jobs_recuperar()) {
            Ok(n) => total += n,
            Err(e) => log::error!("jobs: recuperação da empresa {id} falhou: {e}"),
        }
    }
    if total > 0 {
        log::info!("jobs: {total} job(s) interrompido(s) retomado(s)");
    }
    Ok(total)
}

/// One pass over the tenants with pending work; runs every due job found.
fn passo(app: &App, motor: &Motor, parar: &AtomicBool) -> Result<usize> {
    let (mut feitos, mut ativos) = (0, 0);
    for id in app.central.trabalho_listar()? {
        if parar.load(Ordering::SeqCst) {
            break;
        }
        match tenant(app, motor, id, parar) {
            Ok((n, a)) => {
                feitos += n;
                ativos += a;
            }
            Err(e) => log::error!("jobs: empresa {id}: {e}"),
        }
    }
    app.metrics.jobs_pendentes(ativos);
    Ok(feitos)
}

/// Jobs of one empresa run in a row before the worker looks at the other empresas.
const JOBS_POR_VEZ: usize = 64;

/// Runs a tenant's due jobs; returns (jobs run, jobs still pending or executing).
fn tenant(app: &App, motor: &Motor, id: EmpresaId, parar: &AtomicBool) -> Result<(usize, i64)> {
    let Some(empresa) = app.central.empresa(id)? else {
        app.central.trabalho_desmarcar(id)?;
        return Ok((0, 0));
    };
    let db = app.tenant_db(&empresa)?;
    let debounce = app.config.debounce_ms as i64;
    // Media first: a voice note's transcript is what the bot's reply must answer.
    let mut feitos = crate::media::trabalho::trabalhar(app, motor, &empresa, &db)?;
    // At most JOBS_POR_VEZ before the other empresas get their turn, and never past a stop: a
    // conversa whose finished job queued another at once (a bug seen in a session's branch:
    // a system line counted as unanswered text) burned a core and held a clean stop forever.
    let mut rodada = 0;
    while rodada < JOBS_POR_VEZ && !parar.load(Ordering::SeqCst) {
        let Some(job) = db.job_reivindicar(unix_now_ms(), debounce, LEASE_MS)? else { break };
        rodada += 1;
        if let Err(e) = resposta::processar(app, motor, &empresa, &db, &job) {
            // The job stays executando until its lease expires (or the next start), then retries.
            log::error!("jobs: job {} da empresa {id} falhou: {e}", job.id);
        }
        feitos += 1;
    }
    let mut ativos = db.jobs_ativos_total()?;
    if ativos == 0 {
        app.central.trabalho_desmarcar(id)?;
        ativos = db.jobs_ativos_total()?;
        if ativos > 0 {
            app.central.trabalho_marcar(id)?;
        }
    }
    Ok((feitos, ativos))
}

/// The running worker threads.
pub struct Workers {
    parar: Arc<AtomicBool>,
    app: Arc<App>,
    threads: Vec<JoinHandle<()>>,
}

/// Recovers interrupted jobs and starts `app.config.bot_workers` threads (0 = none).
pub fn start(app: Arc<App>) -> Result<Workers> {
    recuperar(&app)?;
    let parar = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    for n in 0..app.config.bot_workers {
        let (app, parar) = (app.clone(), parar.clone());
        let motor = Motor::new(&app)?;
        let t = std::thread::Builder::new()
            .name(format!("bot-{n}"))
            .spawn(move || laco(&app, &motor, &parar))
            .map_err(|e| Error::Internal(format!("thread do bot: {e}")))?;
        threads.push(t);
    }
    Ok(Workers { parar, app, threads })
}

fn laco(app: &App, motor: &Motor, parar: &AtomicBool) {
    let espera = POLL.min(Duration::from_millis(app.config.debounce_ms.max(10)));
    while !parar.load(Ordering::SeqCst) {
        let vista = app.trabalho.atual();
        let feitos = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| passo(app, motor, parar)));
        match feitos {
            Ok(Ok(n)) if n > 0 => continue,
            Ok(Ok(_)) => {}
            Ok(Err(e)) => log::error!("jobs: {e}"),
            Err(_) => log::error!("jobs: pânico num worker; seguindo"),
        }
        if !parar.load(Ordering::SeqCst) {
            app.trabalho.esperar(vista, espera);
        }
    }
}

impl Workers {
    /// Asks every worker to stop after its current job and joins them.
    pub fn stop(self) {
        self.parar.store(true, Ordering::SeqCst);
        self.app.trabalho.avisar();
        for t in self.threads {
            let _ = t.join();
        }
        log::info!("workers do bot parados");
    }
}
