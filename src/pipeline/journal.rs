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
//!   between the tenant commit and the journal delete (deferred: later group commits delete
//!   applied rows, see `store::journal`) only re-applies them harmlessly;
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
//!
//! A webhook never takes a lock a worker holds for long (issue #20: the workers run at nice
//! 10, and a webhook blocked behind one descheduled while holding the queue waited tens of
//! milliseconds): it hands its committed ids over in `chegadas` (a push under a lock held for
//! nanoseconds by anyone) and wakes, with `unpark`, the workers asleep for a reason the arrival
//! changes; the workers take the arrivals into their queue (`Estado`) themselves.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::thread::Thread;
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
/// than let the journal grow without bound while the tenants cannot keep up. Sized for a
/// burst: the webhooks acknowledge up to ~25,000 events/s on 2 cores while the workers, which
/// yield the CPU to them (nice 10), apply a few thousand a second until the burst ends and
/// ~15,000/s after; at 200,000 a 10-second burst at full speed already got 503s (16,546 in the
/// side-by-side run). A million waiting events hold 8 bytes each in the queue (32 while still in
/// the arrivals list) and about their webhook bodies' size in the journal file (~0.7 GB at the
/// benchmark's 627-byte mean); the disk guard answers 503 before the disk fills.
pub const JOURNAL_MAX: usize = 1_000_000;
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

/// Checkpoint the journal and truncate its WALs after the webhooks have been quiet this long
/// (and something was written since the last one); see `store::journal`.
const CHECKPOINT_QUIETO_MS: i64 = 5_000;

/// The journal: its file and which empresas have events waiting.
pub struct Journal {
    db: JournalDb,
    /// The workers' queue; webhooks never lock it.
    estado: Mutex<Estado>,
    /// Committed events not yet taken into `estado`: (empresa, journal id, arrival).
    chegadas: Mutex<Vec<(EmpresaId, i64, Instant)>>,
    /// Events acknowledged and not yet applied, arrivals included (the bound, /healthz).
    total: AtomicUsize,
    /// The bound: [`JOURNAL_MAX`] (smaller in tests).
    limite: usize,
    /// Workers asleep, and what would wake them.
    dormindo: Mutex<Vec<(Thread, Sono)>>,
}

/// Why a worker sleeps: what an arrival must change for it to be woken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sono {
    /// Nothing to do: any arrival.
    Trabalho,
    /// A helper below its backlog: the backlog crossing [`ATRASO_PARA_AJUDA`].
    Atraso,
    /// Holding a burst back (or a failing tenant's backoff): its own deadline only.
    Prazo,
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
    /// Opens `path` (and its second file, the two taking turns every `quadros` WAL frames:
    /// `store::journal::LIMITE_QUADROS`, fewer in tests) and picks up what a previous process
    /// left waiting.
    pub fn open(path: &Path, quadros: u32) -> Result<Journal> {
        let db = JournalDb::open(path)?.com_limite_quadros(quadros);
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
        let total = AtomicUsize::new(estado.total);
        Ok(Journal {
            db,
            estado: Mutex::new(estado),
            chegadas: Mutex::default(),
            total,
            limite: JOURNAL_MAX,
            dormindo: Mutex::default(),
        })
    }

    /// The same journal with a smaller bound (tests: a million events is a lot to build).
    #[cfg(test)]
    pub(super) fn com_limite(mut self, limite: usize) -> Journal {
        self.limite = limite;
        self
    }

    fn lock(&self) -> MutexGuard<'_, Estado> {
        self.estado.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn chegadas(&self) -> MutexGuard<'_, Vec<(EmpresaId, i64, Instant)>> {
        self.chegadas.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn dormindo(&self) -> MutexGuard<'_, Vec<(Thread, Sono)>> {
        self.dormindo.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Wakes the sleeping workers for which `acordar` says the news matters.
    fn acordar(&self, acordar: impl Fn(Sono) -> bool) {
        let mut d = self.dormindo();
        d.retain(|(t, sono)| {
            if acordar(*sono) {
                t.unpark();
                false
            } else {
                true
            }
        });
    }

    /// Appends one webhook's events (all or none) and wakes the worker.
    pub fn anotar(&self, eventos: &[(EmpresaId, Evento)]) -> Result<()> {
        if eventos.is_empty() {
            return Ok(());
        }
        if self.total.load(Ordering::Relaxed) + eventos.len() > self.limite {
            log::error!("journal: {} eventos esperando; webhook recusado para nova tentativa", self.limite);
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

    /// Hands committed events (empresa, journal id) to the workers and wakes those waiting
    /// for work (or for a backlog this crosses).
    fn contar(&self, eventos: impl Iterator<Item = (EmpresaId, i64)>) {
        let agora = Instant::now();
        let n = {
            let mut c = self.chegadas();
            let antes = c.len();
            c.extend(eventos.map(|(id, linha)| (id, linha, agora)));
            c.len() - antes
        };
        let antes = self.total.fetch_add(n, Ordering::Relaxed);
        let atraso = antes <= ATRASO_PARA_AJUDA && antes + n > ATRASO_PARA_AJUDA;
        self.acordar(|sono| sono == Sono::Trabalho || atraso && sono == Sono::Atraso);
    }

    /// Counters now.
    pub fn stats(&self) -> JournalStats {
        let e = self.lock();
        let retidas = e.retidos.keys().map(|id| e.pendentes.get(id).map_or(0, VecDeque::len)).sum();
        JournalStats { pendentes: self.total.load(Ordering::Relaxed), retidas }
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
        loop {
            let agora = Instant::now();
            let mut e = self.lock();
            e.absorver(std::mem::take(&mut *self.chegadas()));
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
            let sono = if adiar.is_some() {
                Sono::Prazo
            } else if e.total <= minimo && minimo > 0 {
                Sono::Atraso
            } else if e.fila.is_empty() {
                Sono::Trabalho
            } else {
                Sono::Prazo
            };
            let proximo = e.retidos.values().map(|r| r.ate).chain(adiar).min().map_or(limite, |t| t.min(limite));
            drop(e);
            let dormir = proximo.saturating_duration_since(agora).max(Duration::from_millis(1));
            // Registered before looking at the arrivals once more: an arrival after this look
            // finds us in `dormindo` and unparks us (a token, never lost).
            self.dormindo().push((std::thread::current(), sono));
            let chegou = match sono {
                Sono::Trabalho => !self.chegadas().is_empty(),
                Sono::Atraso => self.total.load(Ordering::Relaxed) > minimo,
                Sono::Prazo => false,
            };
            if !chegou {
                std::thread::park_timeout(dormir);
            }
            let eu = std::thread::current().id();
            self.dormindo().retain(|(t, _)| t.id() != eu);
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
                self.total.fetch_sub(lote.len(), Ordering::Relaxed);
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
        self.acordar(|_| true);
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
    journal.db.concluir(&aplicadas);
    if trabalho {
        app.trabalho.avisar();
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

/// The journal file's housekeeping between batches (deletes when the webhooks are quiet,
/// checkpoints): never in a webhook's way, see `store::journal`.
fn manutencao(app: &App) {
    if let Err(e) = app.journal.db.manutencao(unix_now_ms(), CHECKPOINT_QUIETO_MS) {
        log::warn!("journal: manutenção do arquivo falhou (nova tentativa em breve): {e}");
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
                    um_lote(&a, POLL, minimo, reter);
                    manutencao(&a);
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
        self.app.journal.acordar(|_| true);
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
