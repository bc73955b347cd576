//! The webhook journal: verified webhook events are appended to `data/journal.db` and the
//! webhook is answered; the `journal` worker thread then applies each empresa's waiting
//! events to its tenant file, in ONE tenant transaction per batch, and forgets them.
//!
//! Why (issue #7, ARCHITECTURE.md §2 step 4 changed): with more active tenants than the LRU
//! holds, a webhook that wrote its tenant file itself paid a file open (+ WAL recovery +
//! statement compile) on almost every message, on the acknowledgement's latency. The journal
//! is always open, so the webhook never opens a tenant file; the worker opens each tenant
//! once per batch, and batches grow with the backlog, so the cost of an open is shared by
//! every message that waited for it.
//!
//! Guarantees:
//! - a 200 means the event is in the journal (WAL, `synchronous = NORMAL`, like the tenants);
//! - the worker knows each waiting event by its journal id, kept in memory per empresa
//!   (rebuilt from the file at start-up): a batch takes exactly the ids counted so far, so an
//!   event committed by a webhook that has not counted it yet is never applied behind its back;
//! - an empresa's events are applied in arrival order, never two batches of one empresa at
//!   once; a batch is idempotent (UNIQUE wa_message_id, monotonic statuses), so a crash
//!   between the tenant commit and the journal delete (deferred: up to
//!   [`crate::store::journal::DESCARGA_LOTES`] batches are deleted together) only re-applies
//!   them harmlessly;
//! - a tenant that fails (corrupt file, full disk) keeps its events and is retried with
//!   backoff ([`TenantRetido`], on the superadmin's system page); the others go on;
//! - the bot job is created with the message, and the tenant is marked and the workers
//!   woken before the events leave the journal.
//!
//! Under a burst (more than [`ATRASO_PARA_AJUDA`] events waiting and still arriving) the
//! workers hold each empresa back until its first waiting event is [`RETER_MAX`] old (never
//! longer than the bot's debounce, so no reply waits for it) or the arrivals pause for 20 ms
//! (`fila::QUIETO`): a tenant open costs as much as applying a dozen events, so an empresa applied
//! once with everything its customers sent in those seconds costs a fraction of applying it
//! every time a worker comes round. In the ingest bench (20,000 messages over 1,000 tenants
//! with 100 open) batches went from ~10 to ~20 events and the CPU per message from 296 to 240 µs
//! (issue #7). Without a backlog every event is applied as soon as a worker is free.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::evento::Evento;
use crate::app::App;
use crate::clock::unix_now_ms;
use crate::domain::EmpresaId;
use crate::error::{Error, Result};
use crate::store::journal::JournalDb;
use crate::store::tenant::lote::{ItemLote, ResultadoLote};

/// Most events applied in one tenant transaction.
pub const LOTE_MAX: usize = 500;
/// Past this many waiting events the webhook answers 503 (the sender retries later) rather
/// than let the journal grow without bound while the tenants cannot keep up.
pub const JOURNAL_MAX: usize = 200_000;
/// First wait before a failing tenant is tried again; doubles up to [`ESPERA_MAX`].
const ESPERA_BASE: Duration = Duration::from_millis(250);
const ESPERA_MAX: Duration = Duration::from_secs(30);
/// How long a clean stop keeps applying what the last webhooks journaled.
const DRENAR_AO_PARAR: Duration = Duration::from_secs(10);
/// Worker threads applying batches (of different empresas) at once. The first takes any
/// waiting event; the others only help while more than [`ATRASO_PARA_AJUDA`] wait (a burst's
/// backlog), so in steady traffic batches stay as large as one worker makes them.
const THREADS: usize = 2;
/// The backlog (events) past which the extra workers help.
const ATRASO_PARA_AJUDA: usize = 1000;
/// Longest the worker sleeps without looking (so a stop is noticed).
const POLL: Duration = Duration::from_millis(250);
/// Longest an empresa's events are held back during a burst (the workers' `reter` is the
/// smaller of this and the bot's debounce).
const RETER_MAX: Duration = Duration::from_secs(2);

/// The journal: its file and which empresas have events waiting.
pub struct Journal {
    db: JournalDb,
    estado: Mutex<Estado>,
    cv: Condvar,
}

/// Counters for /healthz and /metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JournalStats {
    /// Events acknowledged and not yet in their tenant file.
    pub pendentes: usize,
    /// Of those, events of tenants that failed and wait for their next try.
    pub retidas: usize,
}

/// A tenant whose events cannot be applied now, for the superadmin's system page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantRetido {
    pub empresa_id: EmpresaId,
    pub pendentes: usize,
    pub tentativas: u32,
    pub erro: String,
    /// When it first failed (UTC, `YYYY-MM-DD HH:MM:SS`).
    pub desde: String,
}

impl Journal {
    /// Opens `path` and picks up what a previous process left waiting.
    pub fn open(path: &Path) -> Result<Journal> {
        let db = JournalDb::open(path)?;
        let mut estado = Estado::default();
        for (id, ids) in db.pendentes()? {
            estado.total += ids.len();
            estado.pendentes.insert(id, ids.into());
            estado.fila.push_back((id, None));
            estado.na_fila.insert(id);
        }
        if estado.total > 0 {
            log::info!("journal: {} evento(s) de {} empresa(s) a aplicar", estado.total, estado.fila.len());
        }
        Ok(Journal { db, estado: Mutex::new(estado), cv: Condvar::new() })
    }

    fn lock(&self) -> MutexGuard<'_, Estado> {
        self.estado.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Appends one webhook's events (all or none) and wakes the worker.
    pub fn anotar(&self, eventos: &[(EmpresaId, Evento)]) -> Result<()> {
        if eventos.is_empty() {
            return Ok(());
        }
        if self.lock().total + eventos.len() > JOURNAL_MAX {
            log::error!("journal: {JOURNAL_MAX} eventos esperando; webhook recusado para nova tentativa");
            return Err(Error::Unavailable("fila de entrada cheia; tente novamente".into()));
        }
        let linhas: Vec<(EmpresaId, String)> = eventos
            .iter()
            .map(|(id, ev)| Ok((*id, serde_json::to_string(ev).map_err(|e| Error::Internal(e.to_string()))?)))
            .collect::<Result<_>>()?;
        let ids = self.db.anotar(&linhas, unix_now_ms())?;
        self.contar(eventos.iter().map(|(id, _)| *id).zip(ids));
        Ok(())
    }

    /// Hands committed events (empresa, journal id) to the workers and queues their empresas.
    fn contar(&self, eventos: impl Iterator<Item = (EmpresaId, i64)>) {
        let mut e = self.lock();
        let agora = Instant::now();
        let (vazia, antes) = (e.fila.is_empty(), e.total);
        for (id, linha) in eventos {
            e.pendentes.entry(id).or_default().push_back(linha);
            e.total += 1;
            if !e.em_curso.contains(&id) && !e.retidos.contains_key(&id) && e.na_fila.insert(id) {
                e.fila.push_back((id, Some(agora)));
            }
        }
        e.ultima_chegada = Some(agora);
        let acordar = vazia && !e.fila.is_empty() || antes <= ATRASO_PARA_AJUDA && e.total > ATRASO_PARA_AJUDA;
        drop(e);
        // A worker waits for an empty queue, for a backlog (helpers), or for a burst to end;
        // an arrival only changes the first two. Every worker: one woken alone could be a
        // helper that only takes a backlog, and go back to sleep while the first waits.
        if acordar {
            self.cv.notify_all();
        }
    }

    /// Counters now.
    pub fn stats(&self) -> JournalStats {
        let e = self.lock();
        let retidas = e.retidos.keys().map(|id| e.pendentes.get(id).map_or(0, VecDeque::len)).sum();
        JournalStats { pendentes: e.total, retidas }
    }

    /// Tenants whose events wait because their last batch failed.
    pub fn retidos(&self) -> Vec<TenantRetido> {
        let e = self.lock();
        let mut v: Vec<_> = e
            .retidos
            .iter()
            .map(|(id, r)| TenantRetido {
                empresa_id: *id,
                pendentes: e.pendentes.get(id).map_or(0, VecDeque::len),
                tentativas: r.tentativas,
                erro: r.erro.clone(),
                desde: r.desde.clone(),
            })
            .collect();
        v.sort_by_key(|r| r.empresa_id);
        v
    }

    /// Events set aside because they could not be decoded (kept in the file, never applied).
    pub fn invalidas(&self) -> Result<i64> {
        Ok(self.db.totais()?.1)
    }

    /// `PRAGMA integrity_check` on the journal file.
    pub fn integrity_check(&self) -> Result<()> {
        self.db.integrity_check()
    }

    /// Takes the next empresa to apply and the ids of its batch (up to [`LOTE_MAX`], oldest
    /// first), waiting up to `espera` for one — only while more than `minimo` events wait (the
    /// extra workers help with a backlog, not with the trickle), and during a burst only an
    /// empresa whose events have waited `reter` (zero: whatever waits, now).
    fn tomar(&self, espera: Duration, minimo: usize, reter: Duration) -> Option<(EmpresaId, Vec<i64>)> {
        let limite = Instant::now() + espera;
        let mut e = self.lock();
        loop {
            let agora = Instant::now();
            let vencidos: Vec<EmpresaId> = e
                .retidos
                .iter()
                .filter(|(id, r)| r.ate <= agora && !e.em_curso.contains(id) && !e.na_fila.contains(id))
                .map(|(id, _)| *id)
                .collect();
            for id in vencidos {
                e.na_fila.insert(id);
                e.fila.push_back((id, None));
            }
            let (proxima, adiar) = e.escolher(agora, minimo, reter);
            // Nothing for this worker now: its sleep below is cut short by new events when it
            // waits for work, and ends with the burst when it holds back.
            if let Some((id, _)) = proxima.and_then(|i| e.fila.remove(i)) {
                e.na_fila.remove(&id);
                let lote: Vec<i64> = match e.pendentes.get_mut(&id) {
                    Some(fila) => {
                        let n = fila.len().min(LOTE_MAX);
                        fila.drain(..n).collect()
                    }
                    None => Vec::new(),
                };
                if !lote.is_empty() {
                    e.em_curso.insert(id);
                    return Some((id, lote));
                }
                // Queued with nothing waiting (cannot happen): drop it and look again.
                e.pendentes.remove(&id);
                continue;
            }
            if agora >= limite {
                return None;
            }
            let proximo = e.retidos.values().map(|r| r.ate).chain(adiar).min().map_or(limite, |t| t.min(limite));
            let dormir = proximo.saturating_duration_since(agora).max(Duration::from_millis(1));
            e = self.cv.wait_timeout(e, dormir).unwrap_or_else(std::sync::PoisonError::into_inner).0;
        }
    }

    /// Gives an empresa back after a batch: on success its events left the journal; a
    /// failure puts them back first in line and holds the empresa back for a while.
    fn devolver(&self, id: EmpresaId, lote: Vec<i64>, falha: Option<String>) {
        let mut e = self.lock();
        e.em_curso.remove(&id);
        let cheio = lote.len() >= LOTE_MAX;
        match falha {
            None => {
                e.total -= lote.len();
                e.retidos.remove(&id);
            }
            Some(erro) => {
                let fila = e.pendentes.entry(id).or_default();
                for linha in lote.into_iter().rev() {
                    fila.push_front(linha);
                }
                let r = e.retidos.entry(id).or_insert(Retido {
                    ate: Instant::now(),
                    tentativas: 0,
                    erro: String::new(),
                    desde: crate::clock::sqlite_timestamp(crate::clock::unix_now()),
                });
                r.tentativas += 1;
                let espera = ESPERA_BASE.saturating_mul(1 << (r.tentativas - 1).min(10)).min(ESPERA_MAX);
                r.ate = Instant::now() + espera;
                r.erro = erro;
            }
        }
        if e.pendentes.get(&id).is_some_and(VecDeque::is_empty) {
            e.pendentes.remove(&id);
        } else if e.pendentes.contains_key(&id) && !e.retidos.contains_key(&id) && e.na_fila.insert(id) {
            // What is left of a full batch is due now; what arrived during the batch waits
            // like any arrival.
            e.fila.push_back((id, (!cheio).then(Instant::now)));
        }
        drop(e);
        self.cv.notify_all();
    }
}

/// Applies one batch of an empresa's events (journal ids `ids`): on `Ok` every one of them
/// left the journal (applied, set aside as undecodable, or dropped with its empresa).
fn aplicar(app: &App, id: EmpresaId, ids: &[i64]) -> Result<()> {
    let journal = &app.journal;
    let Some(empresa) = app.central.empresa(id)? else {
        let n = journal.db.descartar(ids)?;
        log::warn!("journal: {n} evento(s) da empresa {id}, que não existe mais, descartado(s)");
        return Ok(());
    };
    let linhas = journal.db.lote(ids)?;
    let mut eventos = Vec::with_capacity(linhas.len());
    let mut aplicadas = Vec::with_capacity(linhas.len());
    for l in &linhas {
        match serde_json::from_str::<Evento>(&l.evento) {
            Ok(ev) => {
                eventos.push(ev);
                aplicadas.push(l.id);
            }
            Err(e) => {
                // Never applied, never lost: kept in the file for inspection.
                log::error!("journal: evento {} da empresa {id} ilegível ({e}); separado", l.id);
                journal.db.marcar_invalida(l.id)?;
            }
        }
    }
    if eventos.is_empty() {
        return Ok(());
    }
    let db = app.tenant_db(&empresa)?;
    let itens: Vec<ItemLote<'_>> = eventos.iter().map(|ev| ev.item(empresa.ativo)).collect();
    let resultados = db.registrar_lote(&itens)?;
    let mut trabalho = false;
    for (ev, r) in eventos.iter().zip(&resultados) {
        match r {
            ResultadoLote::Entrada(r) if r.nova => {
                app.metrics.webhook_recebida();
                if r.job {
                    app.metrics.job_enfileirado();
                    trabalho = true;
                }
                // A media download is work for the same workers.
                trabalho |= r.midia;
            }
            ResultadoLote::Entrada(_) => {
                app.metrics.webhook_duplicada();
                // Re-mark in case the first delivery stored its job and then failed to mark.
                trabalho |= empresa.ativo && ev.do_cliente();
            }
            ResultadoLote::Status(_) => {}
        }
    }
    // Marked before the events leave the journal: a failure here re-applies the batch (a
    // no-op) and marks again.
    if trabalho {
        app.central.trabalho_marcar(id)?;
    }
    let descarga_devida = journal.db.concluir(&aplicadas);
    if trabalho {
        app.trabalho.avisar();
    }
    if descarga_devida {
        descarregar(app);
    }
    Ok(())
}

/// Takes, applies and gives back one empresa's batch; `false` when none was ready.
fn um_lote(app: &App, espera: Duration, minimo: usize, reter: Duration) -> bool {
    let Some((id, lote)) = app.journal.tomar(espera, minimo, reter) else { return false };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| aplicar(app, id, &lote)));
    match r {
        Ok(Ok(())) => app.journal.devolver(id, lote, None),
        Ok(Err(e)) => {
            log::error!("journal: empresa {id}: eventos não aplicados, nova tentativa em breve: {e}");
            app.journal.devolver(id, lote, Some(e.to_string()));
        }
        Err(_) => {
            log::error!("journal: pânico ao aplicar eventos da empresa {id}");
            app.journal.devolver(id, lote, Some("erro interno".into()));
        }
    }
    true
}

/// Applies everything ready now on the calling thread (tests, and `jobs::run_once`); tenants
/// held back after a failure are skipped. Returns how many batches ran.
pub fn aplicar_pendentes(app: &App) -> usize {
    aplicar_ate(app, None)
}

/// [`aplicar_pendentes`], giving up at `limite`.
fn aplicar_ate(app: &App, limite: Option<Instant>) -> usize {
    let mut lotes = 0;
    while limite.is_none_or(|l| Instant::now() < l) && um_lote(app, Duration::ZERO, 0, Duration::ZERO) {
        lotes += 1;
    }
    descarregar(app);
    lotes
}

/// Deletes the applied batches still in the journal file (a failure only leaves them for
/// the next try: they are never handed out again).
fn descarregar(app: &App) {
    if let Err(e) = app.journal.db.descarregar() {
        log::warn!("journal: eventos aplicados não apagados do arquivo (nova tentativa em breve): {e}");
    }
}

/// The running journal worker threads.
pub struct JournalWorker {
    parar: Arc<AtomicBool>,
    app: Arc<App>,
    threads: Vec<JoinHandle<()>>,
}

/// Starts [`THREADS`] `journal-N` threads (each empresa is applied by one at a time).
pub fn start(app: Arc<App>) -> Result<JournalWorker> {
    let parar = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    for n in 0..THREADS {
        let (a, p) = (app.clone(), parar.clone());
        let t = std::thread::Builder::new()
            .name(format!("journal-{n}"))
            .spawn(move || {
                crate::background::lower_priority();
                let minimo = if n == 0 { 0 } else { ATRASO_PARA_AJUDA };
                let reter = RETER_MAX.min(Duration::from_millis(a.config.debounce_ms));
                while !p.load(Ordering::SeqCst) {
                    if !um_lote(&a, POLL, minimo, reter) {
                        // Idle: delete what was applied (busy: every DESCARGA_LOTES batches).
                        descarregar(&a);
                    }
                }
            })
            .map_err(|e| Error::Internal(format!("thread do journal: {e}")))?;
        threads.push(t);
    }
    Ok(JournalWorker { parar, app, threads })
}

impl JournalWorker {
    /// Stops the threads after their current batch, then (the webhooks being closed by then)
    /// applies what is still waiting for up to [`DRENAR_AO_PARAR`]; the rest, and tenants
    /// held back after a failure, stay in the file for the next start.
    pub fn stop(self) {
        self.parar.store(true, Ordering::SeqCst);
        self.app.journal.cv.notify_all();
        for t in self.threads {
            let _ = t.join();
        }
        aplicar_ate(&self.app, Some(Instant::now() + DRENAR_AO_PARAR));
        let st = self.app.journal.stats();
        if st.pendentes > 0 {
            log::warn!("journal: {} evento(s) ficam para o próximo início", st.pendentes);
        }
    }
}

#[path = "journal_fila.rs"]
mod fila;
use fila::{Estado, Retido};

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
