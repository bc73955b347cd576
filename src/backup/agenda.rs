//! The backup schedule of a running server: one background thread that backs up the
//! central db and every tenant every `backup_every`, keeping the newest `backup_keep`.
//!
//! The first run is due one interval after the newest central backup already on disk (or
//! within five minutes when there is none), so restarts do not postpone backups forever nor take
//! one on every start. [`AgendaBackup::parar`] stops it between two tenants and joins it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use crate::app::App;
use crate::error::{Error, Result};

/// The running schedule.
pub struct AgendaBackup {
    stop: Sender<()>,
    parando: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

/// Starts the schedule, or returns `None` when backups are off (`backup_every` = 0).
pub fn iniciar(app: Arc<App>) -> Result<Option<AgendaBackup>> {
    let Some(every) = app.config.backup_every else {
        log::info!("backups automáticos desligados (--backup-every 0)");
        return Ok(None);
    };
    let (stop, rx) = mpsc::channel::<()>();
    let parando = Arc::new(AtomicBool::new(false));
    let flag = parando.clone();
    let (every_s, keep) = (every.as_secs(), app.config.backup_keep);
    let thread = std::thread::Builder::new()
        .name("backup-agenda".into())
        .spawn(move || {
            let mut espera = primeira_espera(&app, every);
            loop {
                match rx.recv_timeout(espera) {
                    Err(RecvTimeoutError::Timeout) => {}
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                }
                rodada(&app, &flag);
                if flag.load(Ordering::Relaxed) {
                    return;
                }
                espera = every;
            }
        })
        .map_err(|e| Error::Internal(format!("thread de backup: {e}")))?;
    log::info!("backups automáticos a cada {every_s} s, mantendo {keep} por banco");
    Ok(Some(AgendaBackup { stop, parando, thread }))
}

/// Time until the first run: `every` after the newest central backup, or now.
fn primeira_espera(app: &App, every: Duration) -> Duration {
    let newest = super::listar_pasta(&app.data.backups().join(super::CENTRAL))
        .ok()
        .and_then(|l| l.into_iter().next())
        .and_then(|b| std::fs::metadata(&b.caminho).ok()?.modified().ok());
    match newest {
        Some(t) => {
            let age = SystemTime::now().duration_since(t).unwrap_or_default();
            every.saturating_sub(age)
        }
        // Never backed up: soon, but not in the middle of start-up.
        None => every.min(Duration::from_secs(300)),
    }
}

/// One full run: central + every tenant; failures are logged and counted, the rest go on.
fn rodada(app: &App, parando: &AtomicBool) {
    let started = std::time::Instant::now();
    match super::backup_todos(app, |_, _, _, _| {}, || parando.load(Ordering::Relaxed)) {
        Ok(outcomes) => {
            let falhas = outcomes.iter().filter(|(_, r)| r.is_err()).count();
            log::info!(
                "backup agendado: {} banco(s), {falhas} com falha, em {:.1} s",
                outcomes.len(),
                started.elapsed().as_secs_f64()
            );
        }
        Err(e) => {
            log::error!("backup agendado não pôde listar as empresas: {e}");
            app.metrics.backup_falha(super::CENTRAL);
        }
    }
}

impl AgendaBackup {
    /// Stops the schedule (a run in progress stops after its current database) and joins it.
    pub fn parar(self) {
        self.parando.store(true, Ordering::Relaxed);
        let _ = self.stop.send(());
        let _ = self.thread.join();
        log::info!("agenda de backups parada");
    }
}
