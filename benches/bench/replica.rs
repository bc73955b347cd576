//! The off-site replica against moto (an S3-protocol server on 127.0.0.1, from the venv
//! `.ci/run` installs; skipped when absent). Moto is a Python process on the same 2 cores:
//! its CPU is not counted as ours, but it competes with the server for them.
//!
//! - `replica_steady`: 1,000 msg/s over 1,000 tenants (LRU 100) with and without the
//!   replica shipping (`BENCH_REPLICA_INTERVAL`, default 30 s; the load lasts three
//!   intervals): CPU per message of the whole process in both runs (ratio) and the lag — the
//!   age of the oldest change not yet in the bucket, sampled every 50 ms (p99, max).
//! - `replica_idle_requests`: 10,000 idle tenants shipped once, then requests to the bucket
//!   per minute while nothing changes (goal: only the heartbeat).
//! - `replica_restore`: restore time of a data dir of 100 tenants, `HELIXAI_BENCH_SCALE` × 1 GB
//!   (0.1 GB when unset), against copying the same files locally.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use helixai::app::App;
use helixai::config::DataDir;
use helixai::replica::config::{configurar, PedidoConfig};
use helixai::replica::restauro::Origem;
use helixai::replica::ChaveReplica;

use crate::ingest::{blast, bodies, drenar, lru_do_ambiente, server};
use crate::report::{cpu_secs, line, percentile, scale};

fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("helixai-bench-replica-").tempdir().expect("tempdir")
}

/// moto on a free port with a bucket; `None` (scenario skipped) when not installed.
struct Moto {
    child: std::process::Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto() -> Option<Moto> {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let python = std::env::var("HELIXAI_MOTO_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(&home).join(".cache/helixai-moto-venv/bin/python"));
    if !python.exists() {
        println!("  replica benches skipped: moto not installed at {} (.ci/run installs it)", python.display());
        return None;
    }
    let porta = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
    let child = std::process::Command::new(&python)
        .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &porta.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let m = Moto { child, url: format!("http://127.0.0.1:{porta}") };
    let fim = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", porta)) {
            use std::io::{Read, Write};
            let _ = s.write_all(
                format!(
                    "PUT /bench HTTP/1.1\r\nHost: 127.0.0.1:{porta}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                .as_bytes(),
            );
            let mut r = String::new();
            let _ = s.read_to_string(&mut r);
            if r.starts_with("HTTP/1.1 200") || r.starts_with("HTTP/1.0 200") {
                return Some(m);
            }
        }
        if Instant::now() > fim {
            println!("  replica benches skipped: moto did not start");
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn configurar_replica(app: &App, moto: &Moto, prefixo: &str) {
    configurar(
        app,
        &PedidoConfig {
            endpoint: moto.url.clone(),
            bucket: "bench".into(),
            prefixo: Some(prefixo.into()),
            chave_acesso: Some("AKIABENCH00000000000".into()),
            segredo: Some("segredo-de-bench-replica".into()),
            ..PedidoConfig::default()
        },
    )
    .expect("configurar réplica");
}

/// Waits until the replica ships without errors and nothing waits.
fn em_dia(app: &App, limite: Duration) -> Duration {
    let t = Instant::now();
    loop {
        let s = app.replica.situacao();
        if s.estado == helixai::replica::EstadoReplica::Ativa && s.pendentes_total == 0 && s.ultimo_envio_ms.is_some() {
            return t.elapsed();
        }
        assert!(t.elapsed() < limite, "replica did not catch up in {limite:?}: {s:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn intervalo() -> Duration {
    std::env::var("BENCH_REPLICA_INTERVAL")
        .ok()
        .and_then(|v| helixai::config::parse_duration(&v).ok().flatten())
        .unwrap_or(Duration::from_secs(30))
}

/// One steady run: (CPU µs per message, lag samples in seconds, messages).
fn steady_run(replica: Option<&Moto>) -> (f64, Vec<f64>, usize) {
    let dir = tempdir();
    let tenants = 1000;
    let (app, running) = server(dir.path(), tenants, lru_do_ambiente());
    let agenda = replica.map(|m| {
        configurar_replica(&app, m, "steady");
        let a = helixai::replica::agenda::iniciar(app.clone(), intervalo()).expect("agenda");
        em_dia(&app, Duration::from_secs(600));
        a
    });
    // Three intervals of steady load, so most changes wait their ¾ interval and ship.
    let n = ((intervalo().as_secs_f64() * 3.0 * 1000.0) as usize).min(scale(1_000_000));
    let corpos = bodies(tenants, n, "R", 50_000_000);
    let parar = Arc::new(AtomicBool::new(false));
    let amostras = {
        let (app, parar) = (app.clone(), parar.clone());
        std::thread::spawn(move || {
            let mut v = Vec::new();
            while !parar.load(Ordering::Relaxed) {
                let s = app.replica.situacao();
                let agora = helixai::clock::unix_now_ms();
                v.push(s.mais_antiga_ms().map_or(0.0, |m| (agora - m).max(0) as f64 / 1000.0));
                std::thread::sleep(Duration::from_millis(50));
            }
            v
        })
    };
    let cpu0 = cpu_secs();
    blast(running.addr(), corpos, Some(1000.0 / 4.0));
    drenar(&app);
    if agenda.is_some() {
        em_dia(&app, Duration::from_secs(600));
    }
    let cpu = cpu_secs() - cpu0;
    parar.store(true, Ordering::Relaxed);
    let lag = amostras.join().expect("sampler");
    if let Some(a) = agenda {
        a.parar();
    }
    running.shutdown();
    (cpu * 1e6 / n as f64, lag, n)
}

/// 1,000 msg/s over 1,000 tenants: CPU per message and lag with the replica, vs without.
pub fn replica_steady() {
    let Some(m) = moto() else { return };
    let (sem, _, n) = steady_run(None);
    let (com, mut lag, _) = steady_run(Some(&m));
    let (p99, max) = (percentile(&mut lag, 99.0), lag.iter().copied().fold(0.0, f64::max));
    let iv = intervalo().as_secs_f64();
    line(
        "replica_lag_p99_at_1000_per_s",
        p99,
        "s",
        iv,
        &format!(
            "{n} webhooks at 1,000 msg/s over 1,000 tenants (LRU 100), --replica-interval {iv:.0} s, moto on 127.0.0.1: age of the oldest change not yet in the bucket, sampled every 50 ms: p50 {:.1} s, p99 {p99:.1} s, max {max:.1} s (baseline = the interval)",
            percentile(&mut lag, 50.0)
        ),
    );
    line(
        "replica_cpu_per_message",
        com,
        "us",
        sem,
        &format!("CPU of the whole process per message, from the first webhook until applied (and shipped): {com:.0} µs with the replica, {sem:.0} µs without (extra {:.0} µs, {:.0}%)", com - sem, (com / sem - 1.0) * 100.0),
    );
}

/// 10,000 idle tenants: requests per minute once everything is shipped.
pub fn replica_idle_requests() {
    let Some(m) = moto() else { return };
    let dir = tempdir();
    let tenants = scale(10_000);
    let (app, running) = server(dir.path(), tenants, 256);
    configurar_replica(&app, &m, "idle");
    let t = Instant::now();
    let agenda = helixai::replica::agenda::iniciar(app.clone(), Duration::from_secs(60)).expect("agenda");
    em_dia(&app, Duration::from_secs(1800));
    let inicial = t.elapsed().as_secs_f64();
    let antes_inicial = app.replica.total_requisicoes();
    let janela = Duration::from_secs(scale(120) as u64);
    std::thread::sleep(janela);
    let reqs = (app.replica.total_requisicoes() - antes_inicial) as f64;
    let por_min = reqs * 60.0 / janela.as_secs_f64();
    line(
        "replica_idle_requests_per_min",
        por_min,
        "req/min",
        1.0,
        &format!(
            "{tenants} idle tenants: {reqs:.0} request(s) to the bucket in {:.0} s = {por_min:.1}/min (baseline: one heartbeat per minute); the first shipment of all {tenants} took {inicial:.0} s and {antes_inicial} requests",
            janela.as_secs_f64()
        ),
    );
    agenda.parar();
    running.shutdown();
}

/// Fills a tenant file with about `bytes` of realistic text (a word list, varied sentences).
fn encher(path: &Path, bytes: usize, semente: u64) {
    const PALAVRAS: &[&str] = &[
        "olá",
        "bom",
        "dia",
        "quero",
        "saber",
        "preço",
        "do",
        "carro",
        "à",
        "vista",
        "financiamento",
        "entrada",
        "parcelas",
        "corolla",
        "civic",
        "hb20",
        "onix",
        "ano",
        "2021",
        "km",
        "rodados",
        "troca",
        "avaliação",
        "agendar",
        "visita",
        "sábado",
        "manhã",
        "tarde",
        "obrigado",
        "valeu",
        "cliente",
        "vendedor",
        "proposta",
        "desconto",
        "garantia",
        "documentação",
        "ipva",
        "pago",
        "revisado",
        "único",
        "dono",
        "cor",
        "prata",
        "preto",
    ];
    let c = rusqlite::Connection::open(path).expect("open");
    c.execute_batch("CREATE TABLE IF NOT EXISTS bench_carga (id INTEGER PRIMARY KEY, texto TEXT NOT NULL); BEGIN;")
        .expect("schema");
    let mut x = semente.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut escritos = 0;
    let mut stmt = c.prepare("INSERT INTO bench_carga (texto) VALUES (?1)").expect("prep");
    while escritos < bytes {
        let mut s = String::with_capacity(300);
        for _ in 0..40 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            s.push_str(PALAVRAS[(x >> 33) as usize % PALAVRAS.len()]);
            s.push(' ');
        }
        escritos += s.len() + 8;
        stmt.execute([&s]).expect("insert");
    }
    drop(stmt);
    c.execute_batch("COMMIT; PRAGMA wal_checkpoint(TRUNCATE);").expect("commit");
}

fn copiar_arvore(de: &Path, para: &Path) -> u64 {
    std::fs::create_dir_all(para).expect("mkdir");
    let mut total = 0;
    for e in std::fs::read_dir(de).expect("read").flatten() {
        let p = e.path();
        if p.is_dir() {
            total += copiar_arvore(&p, &para.join(e.file_name()));
        } else {
            total += std::fs::copy(&p, para.join(e.file_name())).expect("copy");
        }
    }
    total
}

/// Restore time of a data dir of 100 tenants holding `HELIXAI_BENCH_SCALE` × 1 GB.
pub fn replica_restore() {
    let Some(m) = moto() else { return };
    let escala: f64 = std::env::var("HELIXAI_BENCH_SCALE").ok().and_then(|v| v.parse().ok()).unwrap_or(0.1);
    let total = (escala * 1024.0 * 1024.0 * 1024.0) as usize;
    let dir = tempdir();
    let tenants = 100;
    let (app, running) = server(dir.path(), tenants, 256);
    running.shutdown();
    let empresas = app.central.empresas().expect("empresas");
    for (i, e) in empresas.iter().enumerate() {
        encher(&app.tenants.path_of(&e.database_name), total / tenants, i as u64);
    }
    configurar_replica(&app, &m, "restore");
    let t = Instant::now();
    let agenda = helixai::replica::agenda::iniciar(app.clone(), Duration::from_secs(1)).expect("agenda");
    em_dia(&app, Duration::from_secs(3600));
    let envio = t.elapsed().as_secs_f64();
    let enviados = app.replica.situacao().bytes_enviados;
    agenda.parar();
    let copia = tempdir();
    let t = Instant::now();
    let bytes = copiar_arvore(&dir.path().join("tenants"), copia.path());
    let t_copia = t.elapsed().as_secs_f64();
    let chave = ChaveReplica::carregar(&app.data.replica_key()).expect("key").expect("key");
    let cfg = helixai::replica::config::carregar(&app).expect("cfg").expect("cfg");
    let origem = Origem::abrir(cfg.cliente(Arc::default()).expect("cliente"), chave).expect("origem");
    let novo = tempdir();
    let t = Instant::now();
    let rel = helixai::replica::reconstrucao::restaurar_tudo(
        &origem,
        &DataDir::new(novo.path().join("data")),
        None,
        false,
        &|_| {},
    )
    .expect("restore");
    let t_rest = t.elapsed().as_secs_f64();
    assert!(rel.falhas.is_empty(), "{:?}", rel.falhas);
    let mib = bytes as f64 / 1048576.0;
    line(
        "replica_restore_seconds",
        t_rest,
        "s",
        t_copia,
        &format!(
            "restore --all of {} databases, {mib:.0} MiB of tenant files (scale {escala} × 1 GB), {:.0} MiB sealed in the bucket (zstd ratio {:.1}): {t_rest:.1} s = {:.0} MiB/s, every file integrity_checked; local copy of the same files {t_copia:.2} s (baseline); first shipment took {envio:.0} s",
            rel.bancos,
            enviados as f64 / 1048576.0,
            bytes as f64 / enviados.max(1) as f64,
            mib / t_rest
        ),
    );
}
