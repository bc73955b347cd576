//! Process-wide counters for `/metrics`, registered once in [`crate::app::App`].
//!
//! Counters are atomics (or a small mutex-held map where they carry a label), so recording
//! is cheap from any thread. Other modules call the recording functions: the HTTP layer
//! ([`Metrics::http_requisicao`], by route *pattern*, never raw ids), the webhook
//! ([`Metrics::webhook_recebida`], [`Metrics::webhook_duplicada`], [`Metrics::webhook_sem_rota`]),
//! the job workers ([`Metrics::job_enfileirado`], [`Metrics::job_concluido`],
//! [`Metrics::job_falhou`], [`Metrics::jobs_pendentes`]), the LLM client
//! ([`Metrics::llm_chamada`]), the Graph sender ([`Metrics::graph_enviada`],
//! [`Metrics::graph_erro`]), the media worker ([`Metrics::midia_baixada`],
//! [`Metrics::transcricao`]) and the backups ([`Metrics::backup_sucesso`],
//! [`Metrics::backup_falha`]). [`Metrics::render`] writes the Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use crate::pipeline::journal::JournalStats;
use crate::store::TenantStats;

/// Upper bounds (seconds) of the LLM latency histogram buckets.
const LLM_BUCKETS: [f64; 10] = [0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0];

/// Backup state of one database (tenant slug, or `central`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct EstadoBackup {
    /// Unix time of the last successful backup, if any since start.
    pub ultimo_sucesso: Option<i64>,
    /// Failed backups since start.
    pub falhas: u64,
}

/// Every counter of the process.
#[derive(Default)]
pub struct Metrics {
    http: Mutex<BTreeMap<(&'static str, &'static str, u16), u64>>,
    webhook_recebidas: AtomicU64,
    webhook_duplicadas: AtomicU64,
    webhook_sem_rota: AtomicU64,
    webhook_assinatura_invalida: AtomicU64,
    jobs_enfileirados: AtomicU64,
    jobs_concluidos: AtomicU64,
    jobs_falhos: AtomicU64,
    jobs_pendentes: AtomicI64,
    llm_ok: AtomicU64,
    llm_erro: AtomicU64,
    llm_buckets: [AtomicU64; LLM_BUCKETS.len()],
    llm_soma_micros: AtomicU64,
    graph_enviadas: AtomicU64,
    graph_erros: Mutex<BTreeMap<i64, u64>>,
    midia_ok: AtomicU64,
    midia_falhou: AtomicU64,
    transcricao_ok: AtomicU64,
    transcricao_erro: AtomicU64,
    backups: Mutex<BTreeMap<String, EstadoBackup>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Plain counters: a panic elsewhere cannot leave them inconsistent.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Interns a method name so the label set stays bounded.
fn metodo(m: &str) -> &'static str {
    match m {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        _ => "OUTRO",
    }
}

/// Escapes a label value for the text format.
fn esc(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

impl Metrics {
    /// A fresh set of counters, all zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// One answered HTTP request, by method, route pattern and status.
    pub fn http_requisicao(&self, method: &str, padrao: &'static str, status: u16) {
        *lock(&self.http).entry((metodo(method), padrao, status)).or_default() += 1;
    }

    /// A webhook message was accepted and stored.
    pub fn webhook_recebida(&self) {
        self.webhook_recebidas.fetch_add(1, Ordering::Relaxed);
    }

    /// A webhook message was a re-delivery (same wa_message_id): nothing new stored.
    pub fn webhook_duplicada(&self) {
        self.webhook_duplicadas.fetch_add(1, Ordering::Relaxed);
    }

    /// A webhook message named a phone_number_id no empresa owns.
    pub fn webhook_sem_rota(&self) {
        self.webhook_sem_rota.fetch_add(1, Ordering::Relaxed);
    }

    /// A webhook POST was refused for a missing or wrong signature.
    pub fn webhook_assinatura_invalida(&self) {
        self.webhook_assinatura_invalida.fetch_add(1, Ordering::Relaxed);
    }

    /// A job was enqueued.
    pub fn job_enfileirado(&self) {
        self.jobs_enfileirados.fetch_add(1, Ordering::Relaxed);
    }

    /// A job finished successfully.
    pub fn job_concluido(&self) {
        self.jobs_concluidos.fetch_add(1, Ordering::Relaxed);
    }

    /// A job failed for good (no more retries).
    pub fn job_falhou(&self) {
        self.jobs_falhos.fetch_add(1, Ordering::Relaxed);
    }

    /// Sets the number of pending jobs (a gauge the workers refresh).
    pub fn jobs_pendentes(&self, n: i64) {
        self.jobs_pendentes.store(n, Ordering::Relaxed);
    }

    /// One LLM call and how long it took.
    pub fn llm_chamada(&self, duracao: Duration, ok: bool) {
        if ok { &self.llm_ok } else { &self.llm_erro }.fetch_add(1, Ordering::Relaxed);
        let secs = duracao.as_secs_f64();
        if let Some(i) = LLM_BUCKETS.iter().position(|b| secs <= *b) {
            self.llm_buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.llm_soma_micros.fetch_add(duracao.as_micros().min(u128::from(u64::MAX)) as u64, Ordering::Relaxed);
    }

    /// A message was sent through the Graph API.
    pub fn graph_enviada(&self) {
        self.graph_enviadas.fetch_add(1, Ordering::Relaxed);
    }

    /// A Graph API send failed with Meta's error code (0 when there was none, e.g. timeout).
    pub fn graph_erro(&self, codigo: i64) {
        *lock(&self.graph_erros).entry(codigo).or_default() += 1;
    }

    /// A backup of `nome` (tenant slug or `central`) succeeded at Unix time `quando`.
    pub fn backup_sucesso(&self, nome: &str, quando: i64) {
        lock(&self.backups).entry(nome.to_owned()).or_default().ultimo_sucesso = Some(quando);
    }

    /// A backup of `nome` failed.
    pub fn backup_falha(&self, nome: &str) {
        lock(&self.backups).entry(nome.to_owned()).or_default().falhas += 1;
    }

    /// A media download ended: stored (`ok`), or given up for good.
    pub fn midia_baixada(&self, ok: bool) {
        let c = if ok { &self.midia_ok } else { &self.midia_falhou };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// A voice-note transcription call ended.
    pub fn transcricao(&self, ok: bool) {
        let c = if ok { &self.transcricao_ok } else { &self.transcricao_erro };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// The backup state of every database seen since start.
    pub fn backups(&self) -> BTreeMap<String, EstadoBackup> {
        lock(&self.backups).clone()
    }

    /// The Prometheus text exposition of every counter, plus the tenant pool gauges.
    pub fn render(
        &self,
        tenants: &TenantStats,
        journal: &JournalStats,
        empresas: Option<i64>,
        uptime: Duration,
    ) -> String {
        let mut o = String::with_capacity(4096);
        let mut head = |o: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        head(&mut o, "helixai_http_requests_total", "counter", "HTTP requests answered, by route pattern and status.");
        for ((m, rota, status), n) in lock(&self.http).iter() {
            let _ = writeln!(
                o,
                "helixai_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{status}\"}} {n}",
                esc(rota)
            );
        }
        let simple: [(&str, &str, &str, u64); 10] = [
            (
                "helixai_webhook_messages_received_total",
                "counter",
                "Webhook messages stored.",
                load(&self.webhook_recebidas),
            ),
            (
                "helixai_webhook_messages_duplicate_total",
                "counter",
                "Webhook re-deliveries ignored.",
                load(&self.webhook_duplicadas),
            ),
            (
                "helixai_webhook_messages_unrouted_total",
                "counter",
                "Webhook messages for an unknown phone_number_id.",
                load(&self.webhook_sem_rota),
            ),
            (
                "helixai_webhook_bad_signature_total",
                "counter",
                "Webhook posts refused for their signature.",
                load(&self.webhook_assinatura_invalida),
            ),
            ("helixai_jobs_enqueued_total", "counter", "Jobs enqueued.", load(&self.jobs_enfileirados)),
            ("helixai_jobs_done_total", "counter", "Jobs finished successfully.", load(&self.jobs_concluidos)),
            ("helixai_jobs_failed_total", "counter", "Jobs failed for good.", load(&self.jobs_falhos)),
            ("helixai_graph_sent_total", "counter", "Messages sent through the Graph API.", load(&self.graph_enviadas)),
            ("helixai_tenant_lru_hits_total", "counter", "Tenant pool lookups served from the LRU.", tenants.hits),
            ("helixai_tenant_lru_misses_total", "counter", "Tenant pool lookups that opened a file.", tenants.misses),
        ];
        for (name, kind, help, v) in simple {
            head(&mut o, name, kind, help);
            let _ = writeln!(o, "{name} {v}");
        }
        head(&mut o, "helixai_tenant_lru_evictions_total", "counter", "Tenant pools evicted from the LRU.");
        let _ = writeln!(o, "helixai_tenant_lru_evictions_total {}", tenants.evictions);
        head(&mut o, "helixai_tenant_pools_open", "gauge", "Tenant pools open now.");
        let _ = writeln!(o, "helixai_tenant_pools_open {}", tenants.open);
        head(&mut o, "helixai_tenant_pools_capacity", "gauge", "Capacity of the tenant LRU.");
        let _ = writeln!(o, "helixai_tenant_pools_capacity {}", tenants.capacity);
        head(&mut o, "helixai_tenant_pools_closing", "gauge", "Evicted tenant pools waiting to be closed.");
        let _ = writeln!(o, "helixai_tenant_pools_closing {}", tenants.fechando);
        head(&mut o, "helixai_journal_pending", "gauge", "Webhook events acknowledged, not yet in their tenant.");
        let _ = writeln!(o, "helixai_journal_pending {}", journal.pendentes);
        head(&mut o, "helixai_journal_held", "gauge", "Journaled events of tenants that failed, waiting to retry.");
        let _ = writeln!(o, "helixai_journal_held {}", journal.retidas);
        head(&mut o, "helixai_jobs_pending", "gauge", "Jobs waiting to run.");
        let _ = writeln!(o, "helixai_jobs_pending {}", self.jobs_pendentes.load(Ordering::Relaxed));
        if let Some(n) = empresas {
            head(&mut o, "helixai_empresas", "gauge", "Configured empresas (tenants).");
            let _ = writeln!(o, "helixai_empresas {n}");
        }
        head(&mut o, "helixai_uptime_seconds", "gauge", "Seconds since the process started.");
        let _ = writeln!(o, "helixai_uptime_seconds {}", uptime.as_secs());
        self.render_llm(&mut o, &mut head);
        head(&mut o, "helixai_media_downloads_total", "counter", "Media files downloaded from WhatsApp, by result.");
        let _ = writeln!(o, "helixai_media_downloads_total{{result=\"ok\"}} {}", load(&self.midia_ok));
        let _ = writeln!(o, "helixai_media_downloads_total{{result=\"falhou\"}} {}", load(&self.midia_falhou));
        head(&mut o, "helixai_transcriptions_total", "counter", "Voice-note transcription calls, by result.");
        let _ = writeln!(o, "helixai_transcriptions_total{{result=\"ok\"}} {}", load(&self.transcricao_ok));
        let _ = writeln!(o, "helixai_transcriptions_total{{result=\"erro\"}} {}", load(&self.transcricao_erro));
        head(&mut o, "helixai_graph_send_errors_total", "counter", "Graph API send errors, by Meta error code.");
        for (code, n) in lock(&self.graph_erros).iter() {
            let _ = writeln!(o, "helixai_graph_send_errors_total{{code=\"{code}\"}} {n}");
        }
        let backups = self.backups();
        head(&mut o, "helixai_backup_last_success_timestamp_seconds", "gauge", "Unix time of the last good backup.");
        for (nome, e) in &backups {
            if let Some(ts) = e.ultimo_sucesso {
                let _ = writeln!(o, "helixai_backup_last_success_timestamp_seconds{{tenant=\"{}\"}} {ts}", esc(nome));
            }
        }
        head(&mut o, "helixai_backup_failures_total", "counter", "Failed backups since start.");
        for (nome, e) in &backups {
            let _ = writeln!(o, "helixai_backup_failures_total{{tenant=\"{}\"}} {}", esc(nome), e.falhas);
        }
        o
    }

    fn render_llm(&self, o: &mut String, head: &mut impl FnMut(&mut String, &str, &str, &str)) {
        head(o, "helixai_llm_calls_total", "counter", "LLM chat calls, by result.");
        let _ = writeln!(o, "helixai_llm_calls_total{{result=\"ok\"}} {}", load(&self.llm_ok));
        let _ = writeln!(o, "helixai_llm_calls_total{{result=\"erro\"}} {}", load(&self.llm_erro));
        head(o, "helixai_llm_latency_seconds", "histogram", "LLM call latency.");
        let mut acc = 0;
        for (b, n) in LLM_BUCKETS.iter().zip(&self.llm_buckets) {
            acc += load(n);
            let _ = writeln!(o, "helixai_llm_latency_seconds_bucket{{le=\"{b}\"}} {acc}");
        }
        let count = load(&self.llm_ok) + load(&self.llm_erro);
        let _ = writeln!(o, "helixai_llm_latency_seconds_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(o, "helixai_llm_latency_seconds_sum {}", load(&self.llm_soma_micros) as f64 / 1e6);
        let _ = writeln!(o, "helixai_llm_latency_seconds_count {count}");
    }
}

fn load(a: &AtomicU64) -> u64 {
    a.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histogram() {
        let m = Metrics::new();
        m.http_requisicao("GET", "/healthz", 200);
        m.http_requisicao("GET", "/healthz", 200);
        m.http_requisicao("BREW", "/x", 404);
        m.webhook_recebida();
        m.llm_chamada(Duration::from_millis(300), true);
        m.llm_chamada(Duration::from_secs(120), false);
        m.graph_erro(131_047);
        m.midia_baixada(true);
        m.midia_baixada(true);
        m.transcricao(false);
        m.backup_sucesso("loja", 1_700_000_000);
        m.backup_falha("outra");
        let stats = TenantStats { hits: 3, misses: 1, evictions: 0, open: 1, capacity: 8, fechando: 0 };
        let t = m.render(&stats, &JournalStats { pendentes: 3, retidas: 1 }, Some(2), Duration::from_secs(5));
        assert!(t.contains("helixai_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2"), "{t}");
        assert!(t.contains("method=\"OUTRO\""));
        assert!(t.contains("helixai_webhook_messages_received_total 1"));
        assert!(t.contains("helixai_llm_latency_seconds_bucket{le=\"0.5\"} 1"));
        assert!(t.contains("helixai_llm_latency_seconds_bucket{le=\"+Inf\"} 2"));
        assert!(t.contains("helixai_llm_calls_total{result=\"erro\"} 1"));
        assert!(t.contains("helixai_graph_send_errors_total{code=\"131047\"} 1"));
        assert!(t.contains("helixai_backup_last_success_timestamp_seconds{tenant=\"loja\"} 1700000000"));
        assert!(t.contains("helixai_backup_failures_total{tenant=\"outra\"} 1"));
        assert!(t.contains("helixai_tenant_lru_hits_total 3"));
        assert!(t.contains("helixai_empresas 2"));
        assert!(t.contains("helixai_journal_pending 3"), "{t}");
        assert!(t.contains("helixai_journal_held 1"), "{t}");
        assert!(t.contains("helixai_media_downloads_total{result=\"ok\"} 2"), "{t}");
        assert!(t.contains("helixai_transcriptions_total{result=\"erro\"} 1"), "{t}");
    }
}
