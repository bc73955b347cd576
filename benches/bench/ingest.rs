//! Webhook ingest: signed Meta-shaped text payloads over loopback HTTP to the real server,
//! spread over 1,000 tenants with `--max-open-tenants 100`, several client threads; and the
//! acknowledgement latency at a steady 1,000 msg/s. Throughput counts a message when it is in
//! its tenant file (the clock stops when the journal is empty), not when it is acknowledged.
//!
//! Baseline: raw rusqlite writing the same rows (lead upsert, conversa, mensagem, job) with the
//! same journal/synchronous settings, one transaction per message, into the same number of files.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use helixai::app::App;
use helixai::config::{DataDir, ServerConfig};
use helixai::crypto::Secret;
use helixai::domain::{EmpresaId, Setor};
use helixai::store::central::NovaEmpresa;
use helixai::store::tenant::create_file;
use helixai::store::tenants::tenant_path;
use rusqlite::params;
use serde_json::json;

use crate::client::Conn;
use crate::report::{cpu_secs, cpu_secs_por_thread, line, ms, percentile, scale, sync_disks};

const SECRET: &str = "segredo-de-bench";
const THREADS: usize = 4;

fn envelope(pid: &str, wamid: &str, from: &str) -> Vec<u8> {
    serde_json::to_vec(
        &json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages",
        "value": {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "5511", "phone_number_id": pid},
        "contacts": [{"profile": {"name": "Cliente"}, "wa_id": from}],
        "messages": [{"from": from, "id": wamid, "timestamp": "1700000000", "type": "text",
            "text": {"body": "Olá, vocês têm Corolla 2021? Qual o preço à vista?"}}]}}]}]}),
    )
    .expect("json")
}

fn server(dir: &Path, tenants: usize) -> (Arc<App>, helixai::server::RunningServer) {
    std::env::set_var("HELIXAI_ADMIN_PASSWORD", "senha-de-bench");
    let config = ServerConfig {
        bind: "127.0.0.1:0".parse().expect("addr"),
        max_open_tenants: helixai::server::fit_open_tenants(
            std::env::var("BENCH_LRU").ok().and_then(|v| v.parse().ok()).unwrap_or(100),
        ),
        whatsapp_app_secret: Some(Secret::new(SECRET)),
        bot_workers: 0,
        http_workers: 8,
        ..ServerConfig::default()
    };
    let (app, _) = App::open(DataDir::new(dir), config).expect("open");
    let tdir = app.data.tenants();
    for i in 0..tenants {
        let nova = NovaEmpresa {
            nome: format!("Loja {i}"),
            slug: format!("loja-{i}"),
            setor: Setor::Veiculos,
            whatsapp_phone_number_id: Some(format!("{}", 900_000 + i)),
            plano_id: None,
        };
        app.central
            .empresa_criar(&nova, |e| create_file(&tenant_path(&tdir, &e.database_name), e.id, &e.slug, e.setor))
            .expect("create");
    }
    let running = helixai::server::start(app.clone()).expect("start");
    (app, running)
}

/// Sends `bodies` from THREADS keep-alive clients; returns (elapsed, latencies in ms).
fn blast(
    addr: std::net::SocketAddr,
    bodies: Arc<Vec<(Vec<u8>, String)>>,
    rate_per_thread: Option<f64>,
) -> (Duration, Vec<f64>) {
    let next = Arc::new(AtomicUsize::new(0));
    let lat = Arc::new(Mutex::new(Vec::with_capacity(bodies.len())));
    let t0 = Instant::now();
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (bodies, next, lat) = (bodies.clone(), next.clone(), lat.clone());
            std::thread::spawn(move || {
                let mut c = Conn::open(addr);
                let mut mine = Vec::new();
                let start = Instant::now();
                let mut k = 0u32;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((body, sig)) = bodies.get(i) else { break };
                    if let Some(rate) = rate_per_thread {
                        let due = start + Duration::from_secs_f64(f64::from(k) / rate);
                        if let Some(wait) = due.checked_duration_since(Instant::now()) {
                            std::thread::sleep(wait);
                        }
                        k += 1;
                    }
                    let t = Instant::now();
                    let (status, _) = c.send(
                        "POST",
                        "/webhook/whatsapp",
                        &[("Content-Type", "application/json"), ("X-Hub-Signature-256", sig)],
                        body,
                    );
                    assert_eq!(status, 200);
                    mine.push(ms(t.elapsed()));
                }
                lat.lock().expect("lat").extend(mine);
            })
        })
        .collect();
    for h in handles {
        h.join().expect("client");
    }
    let elapsed = t0.elapsed();
    let lat = std::mem::take(&mut *lat.lock().expect("lat"));
    (elapsed, lat)
}

fn bodies(tenants: usize, n: usize, tag: &str) -> Arc<Vec<(Vec<u8>, String)>> {
    Arc::new(
        (0..n)
            .map(|i| {
                let body =
                    envelope(&format!("{}", 900_000 + i % tenants), &format!("wamid.{tag}{i}"), &format!("55{i:011}"));
                let sig = helixai::whatsapp::sign(SECRET.as_bytes(), &body);
                (body, sig)
            })
            .collect(),
    )
}

/// The baseline: the same rows with raw rusqlite, one transaction per message, same files count.
/// Returns (elapsed, CPU seconds used meanwhile, latencies in ms).
fn raw_baseline(dir: &Path, tenants: usize, n: usize) -> (Duration, f64, Vec<f64>) {
    let files: Vec<_> = (0..tenants)
        .map(|i| {
            let p = dir.join(format!("raw_{i}.db"));
            create_file(&p, EmpresaId(i as i64 + 1), &format!("raw-{i}"), Setor::Veiculos).expect("raw file");
            let c = rusqlite::Connection::open(&p).expect("open");
            c.execute_batch("PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000; PRAGMA synchronous=NORMAL;")
                .expect("pragmas");
            Mutex::new(c)
        })
        .collect();
    let files = Arc::new(files);
    sync_disks();
    let next = Arc::new(AtomicUsize::new(0));
    let lat = Arc::new(Mutex::new(Vec::new()));
    let cpu0 = cpu_secs();
    let t0 = Instant::now();
    let hs: Vec<_> = (0..THREADS)
        .map(|_| {
            let (files, next, lat) = (files.clone(), next.clone(), lat.clone());
            std::thread::spawn(move || {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let t = Instant::now();
                    let mut c = files[i % files.len()].lock().expect("conn");
                    let tx = c.transaction().expect("tx");
                    let from = format!("55{i:011}");
                    let lead: i64 = tx
                        .query_row(
                            "INSERT INTO leads (wa_id, nome, telefone) VALUES (?1, 'Cliente', ?1)
                             ON CONFLICT(wa_id) DO UPDATE SET atualizado_em = CURRENT_TIMESTAMP RETURNING id",
                            [&from],
                            |r| r.get(0),
                        )
                        .expect("lead");
                    let conversa: i64 = tx
                        .query_row("INSERT INTO conversas (lead_id) VALUES (?1) RETURNING id", [lead], |r| r.get(0))
                        .expect("conversa");
                    tx.execute(
                        "INSERT INTO mensagens (conversa_id, direcao, autor, tipo, texto, wa_message_id, status)
                         VALUES (?1, 'entrada', 'cliente', 'text', 'Olá, vocês têm Corolla 2021?', ?2, 'recebida')",
                        params![conversa, format!("wamid.R{i}")],
                    )
                    .expect("mensagem");
                    tx.execute("UPDATE conversas SET nao_lidas = nao_lidas + 1 WHERE id = ?1", [conversa])
                        .expect("upd");
                    tx.execute("INSERT INTO jobs (tipo, conversa_id) VALUES ('bot', ?1)", [conversa]).expect("job");
                    tx.commit().expect("commit");
                    drop(c);
                    mine.push(ms(t.elapsed()));
                }
                lat.lock().expect("lat").extend(mine);
            })
        })
        .collect();
    for h in hs {
        h.join().expect("raw");
    }
    let elapsed = t0.elapsed();
    let cpu = cpu_secs() - cpu0;
    let lat = std::mem::take(&mut *lat.lock().expect("lat"));
    (elapsed, cpu, lat)
}

/// Waits until the server's journal has applied every acknowledged event to its tenant.
fn drenar(app: &App) {
    while app.journal.stats().pendentes > 0 {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Throughput over 1,000 tenants with 100 open (acknowledged and in the tenant files), and
/// p50/p99 acknowledgement latency.
pub fn webhook_ingest() {
    let tenants = scale(1000);
    let n = scale(20_000);
    let dir = tempfile::Builder::new().prefix("helixai-bench-").tempdir().expect("tmp");
    let (app, running) = server(&dir.path().join("data"), tenants);
    let warm = bodies(tenants, tenants, "W");
    blast(running.addr(), warm, None);
    drenar(&app);
    let corpos = bodies(tenants, n, "L");
    sync_disks();
    let (cpu0, threads0) = (cpu_secs(), cpu_secs_por_thread());
    let t0 = Instant::now();
    let (acked, mut lat) = blast(running.addr(), corpos, None);
    let backlog = app.journal.stats().pendentes;
    drenar(&app);
    let elapsed = t0.elapsed();
    let (cpu, threads) = (cpu_secs() - cpu0, cpu_secs_por_thread());
    let por_thread = |nome: &str| {
        let s = threads.get(nome).copied().unwrap_or(0.0) - threads0.get(nome).copied().unwrap_or(0.0);
        s * 1e6 / n as f64
    };
    let (journal, http, closer) = (por_thread("journal-"), por_thread("http-"), por_thread("tenant-closer"));
    let us = cpu * 1e6 / n as f64;
    let ours = n as f64 / elapsed.as_secs_f64();
    let ack_rate = n as f64 / acked.as_secs_f64();
    let raw_dir = dir.path().join("raw");
    std::fs::create_dir_all(&raw_dir).expect("mkdir");
    let (raw_elapsed, raw_cpu, mut raw_lat) = raw_baseline(&raw_dir, tenants, n);
    let raw_us = raw_cpu * 1e6 / n as f64;
    let raw = n as f64 / raw_elapsed.as_secs_f64();
    line(
        "webhook_ingest_throughput",
        ours,
        "msg/s",
        raw,
        &format!(
            "{n} signed webhooks over {tenants} tenants (LRU {}), {THREADS} keep-alive clients: {ours:.0} msg/s in their tenant files (budget ≥ 0.7 × raw); acknowledged at {ack_rate:.0} msg/s, ack p50 {:.2} ms p99 {:.2} ms, {backlog} still journaled at the last ack; raw rusqlite same rows {raw:.0} msg/s (p50 {:.3} ms p99 {:.3} ms); LRU {:?}; CPU per message {us:.0} µs (journal {journal:.0}, webhook threads {http:.0}, closer {closer:.0}, the rest is the load generator and tiny_http's connection readers), raw {raw_us:.0} µs",
            app.tenants.stats().capacity,
            percentile(&mut lat, 50.0),
            percentile(&mut lat, 99.0),
            percentile(&mut raw_lat, 50.0),
            percentile(&mut raw_lat, 99.0),
            app.tenants.stats()
        ),
    );

    // Steady 1,000 msg/s for a few seconds: acknowledgement latency.
    let steady = scale(5_000);
    let rate = std::env::var("BENCH_RATE").ok().and_then(|v| v.parse().ok()).unwrap_or(1000.0) / THREADS as f64;
    let mut hz = Vec::new();
    let (el, mut lat) = blast(running.addr(), bodies(tenants, steady, "S"), Some(rate));
    drenar(&app);
    // Baseline for the latency: a trivial request at the same rate (the HTTP floor).
    let mut c = Conn::open(running.addr());
    for _ in 0..scale(2_000) {
        let t = Instant::now();
        let (s, _) = c.send("GET", "/healthz", &[], b"");
        assert_eq!(s, 200);
        hz.push(ms(t.elapsed()));
        std::thread::sleep(Duration::from_micros(900));
    }
    let p99 = percentile(&mut lat, 99.0);
    line(
        "webhook_ack_p99_at_1000_per_s",
        p99,
        "ms",
        percentile(&mut hz, 99.0),
        &format!(
            "{steady} webhooks at {:.0} msg/s over {tenants} tenants: ack p50 {:.2} ms, p99 {p99:.2} ms (budget ≤ 5 ms); GET /healthz p99 {:.2} ms (baseline)",
            steady as f64 / el.as_secs_f64(),
            percentile(&mut lat, 50.0),
            percentile(&mut hz, 99.0)
        ),
    );
    running.shutdown();
}
