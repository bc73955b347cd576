//! Webhook latency at a fixed rate (issue #20): signed Meta-shaped bodies sent open-loop at
//! 1,000 msg/s (`BENCH_RATE`) over 1,000 tenants, every tenant open, through 64 keep-alive
//! connections, the way `peers/side_by_side.sh` loads the server and its Python peer. Each
//! latency is measured from the moment the request was **due**, not from when it was sent,
//! so a stalled server cannot hide behind a client that waits for it (coordinated omission).
//!
//! Three rounds of 10 s (`BENCH_ROUNDS`, scaled by `HELIXAI_BENCH_SCALE`), each printing p50,
//! p99, p99.9 and max; the baseline is the same client, same rate, same connections, against
//! `GET /healthz` on the same server (the HTTP floor of this machine in this run).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::client::Conn;
use crate::ingest::{bodies, drenar, server};
use crate::report::{line, ms, percentile, scale};

/// Keep-alive connections taking the due requests in order (as `openloop.py` does).
const CONEXOES: usize = 64;

/// What one round measured, in ms from the due time.
struct Rodada {
    lat: Vec<f64>,
    atraso_max_cliente: f64,
}

/// Sends `n` requests due at `rate` per second from [`CONEXOES`] connections; `req(i)` gives
/// request `i`'s (method, path, headers, body).
fn open_loop(addr: SocketAddr, n: usize, rate: f64, req: Req) -> Rodada {
    let next = Arc::new(AtomicUsize::new(0));
    let lat = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let atraso = Arc::new(Mutex::new(0f64));
    let conns: Vec<Conn> = (0..CONEXOES).map(|_| Conn::open(addr)).collect();
    let t0 = Instant::now() + Duration::from_millis(50);
    let threads: Vec<_> = conns
        .into_iter()
        .map(|mut c| {
            let (next, lat, atraso, req) = (next.clone(), lat.clone(), atraso.clone(), req.clone());
            std::thread::spawn(move || {
                let mut minhas = Vec::new();
                let mut pior = 0f64;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let due = t0 + Duration::from_secs_f64(i as f64 / rate);
                    if let Some(w) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(w);
                    }
                    let (metodo, caminho, cabecalhos, corpo) = req(i);
                    let hs: Vec<(&str, &str)> = cabecalhos.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    let enviado = Instant::now();
                    pior = pior.max(ms(enviado.saturating_duration_since(due)));
                    let (status, _) = c.send(metodo, caminho, &hs, &corpo);
                    assert_eq!(status, 200, "{metodo} {caminho}");
                    minhas.push(ms(Instant::now().saturating_duration_since(due)));
                }
                lat.lock().expect("lat").extend(minhas);
                let mut a = atraso.lock().expect("atraso");
                *a = a.max(pior);
            })
        })
        .collect();
    for t in threads {
        t.join().expect("client");
    }
    let lat = std::mem::take(&mut *lat.lock().expect("lat"));
    let atraso_max_cliente = *atraso.lock().expect("atraso");
    Rodada { lat, atraso_max_cliente }
}

fn resumo(r: &mut Rodada) -> (f64, f64, f64, f64) {
    let max = r.lat.iter().copied().fold(0.0, f64::max);
    (percentile(&mut r.lat, 50.0), percentile(&mut r.lat, 99.0), percentile(&mut r.lat, 99.9), max)
}

/// `webhook_fixed_rate`: see the module docs.
pub fn webhook_fixed_rate() {
    let tenants = scale(1_000).max(10);
    let rate: f64 = std::env::var("BENCH_RATE").ok().and_then(|v| v.parse().ok()).unwrap_or(1000.0);
    let rounds = std::env::var("BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3usize).max(1);
    let n = scale(10_000).max(100);
    let dir = tempfile::Builder::new().prefix("helixai-bench-").tempdir().expect("tmp");
    let (app, running) = server(&dir.path().join("data"), tenants, tenants + 10);
    let addr = running.addr();
    // Every tenant open and warm, as in the side-by-side script's warm-up.
    let warm = bodies(tenants, tenants * 2, "RW", 50_000_000);
    open_loop(addr, warm.len(), rate * 4.0, webhook_req(warm));
    drenar(&app);
    let mut piores = Vec::new();
    for round in 0..rounds {
        let corpos = bodies(tenants, n, &format!("R{round}"), 60_000_000 + round * 1_000_000);
        let mut r = open_loop(addr, n, rate, webhook_req(corpos));
        drenar(&app);
        let mut base = open_loop(
            addr,
            n.min(scale(5_000).max(100)),
            rate,
            Arc::new(|_| ("GET", "/healthz", Vec::new(), Vec::new())),
        );
        let (p50, p99, p999, max) = resumo(&mut r);
        let (b50, b99, b999, bmax) = resumo(&mut base);
        line(
            &format!("webhook_fixed_rate_p999_round{}", round + 1),
            p999,
            "ms",
            b999,
            &format!(
                "{n} webhooks at {rate:.0}/s over {tenants} tenants (all open), {CONEXOES} connections, latency from the due time: p50 {p50:.2} ms, p99 {p99:.2} ms, p99.9 {p999:.2} ms, max {max:.2} ms (budgets p99 ≤ 2, p99.9 ≤ 10, max ≤ 50); GET /healthz same rate: p50 {b50:.2}, p99 {b99:.2}, p99.9 {b999:.2}, max {bmax:.2} ms; client fell behind its schedule by up to {:.2} ms",
                r.atraso_max_cliente
            ),
        );
        piores.push((p99, p999, max));
    }
    let pior = |f: fn(&(f64, f64, f64)) -> f64| piores.iter().map(f).fold(0.0, f64::max);
    line(
        "webhook_fixed_rate_worst_max",
        pior(|p| p.2),
        "ms",
        50.0,
        &format!(
            "worst of {rounds} rounds: p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms (baseline column = the 50 ms budget)",
            pior(|p| p.0),
            pior(|p| p.1),
            pior(|p| p.2)
        ),
    );
    running.shutdown();
}

type Req = Arc<dyn Fn(usize) -> (&'static str, &'static str, Vec<(&'static str, String)>, Vec<u8>) + Send + Sync>;

fn webhook_req(corpos: Arc<Vec<(Vec<u8>, String)>>) -> Req {
    Arc::new(move |i| {
        let (corpo, assinatura) = &corpos[i];
        (
            "POST",
            "/webhook/whatsapp",
            vec![("Content-Type", "application/json".to_owned()), ("X-Hub-Signature-256", assinatura.clone())],
            corpo.clone(),
        )
    })
}
