//! `/metrics` with real HTTP traffic against the in-process server, its token mode, the
//! backup schedule's metric, and `/healthz` failing on a nearly full disk.

use std::time::{Duration, Instant};

use helixai::config::ServerConfig;
use helixai::crypto::Secret;
use helixai::domain::Setor;

use crate::backup::criar;
use crate::support::http::{get, request};
use crate::support::{open_app, test_config, TestDir};

fn metric_line<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    text.lines().find(|l| l.starts_with(prefix))
}

#[test]
fn counters_move_with_real_traffic() {
    let dir = TestDir::new();
    let app = open_app(&dir, test_config());
    let e = criar(&app, "loja", Setor::Varejo, None);
    let server = helixai::server::start(app.clone()).expect("start");
    let addr = server.addr();
    for _ in 0..3 {
        assert_eq!(get(addr, "/healthz").status, 200);
    }
    assert_eq!(get(addr, "/api/conversas/17").status, 401, "no session");
    assert_eq!(get(addr, "/api/conversas/18").status, 401, "no session");
    app.tenant_db(&e).expect("open a pool");
    app.metrics.webhook_recebida();
    app.metrics.graph_erro(131_026);
    helixai::backup::fazer_backup(&app, &e).expect("backup");

    let m = get(addr, "/metrics");
    assert_eq!(m.status, 200, "loopback may read: {}", m.text());
    assert!(m.header("content-type").is_some_and(|c| c.starts_with("text/plain; version=0.0.4")));
    let t = m.text();
    assert_eq!(
        metric_line(&t, "helixai_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"),
        Some("helixai_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 3"),
        "{t}"
    );
    assert!(t.contains("route=\"/api/conversas/{id}\",status=\"401\"} 2"), "{t}");
    assert!(!t.contains("/17"), "raw ids never become labels");
    assert!(t.contains("helixai_tenant_pools_open 1"), "{t}");
    assert!(t.contains("helixai_tenant_lru_misses_total 1"), "{t}");
    assert!(t.contains("helixai_webhook_messages_received_total 1"));
    assert!(t.contains("helixai_graph_send_errors_total{code=\"131026\"} 1"));
    assert!(metric_line(&t, "helixai_backup_last_success_timestamp_seconds{tenant=\"loja\"}").is_some(), "{t}");
    assert!(t.contains("helixai_empresas 1"));

    // The /metrics request itself was counted too.
    let t2 = get(addr, "/metrics").text();
    assert!(t2.contains("route=\"/metrics\",status=\"200\"} 1"), "{t2}");
    // Through a reverse proxy (which connects from loopback), no token means no metrics.
    let proxied = request(addr, "GET", "/metrics", &[("X-Forwarded-For", "203.0.113.9")], b"");
    assert_eq!(proxied.status, 403);
    server.shutdown();
}

#[test]
fn with_a_token_metrics_need_the_bearer() {
    let dir = TestDir::new();
    let app = open_app(&dir, ServerConfig { metrics_token: Some(Secret::new("s3cr3t-metricas")), ..test_config() });
    let server = helixai::server::start(app).expect("start");
    let addr = server.addr();
    assert_eq!(get(addr, "/metrics").status, 403, "loopback alone is not enough once a token is set");
    let wrong = request(addr, "GET", "/metrics", &[("Authorization", "Bearer errado")], b"");
    assert_eq!(wrong.status, 403);
    assert_eq!(wrong.json()["erro"]["codigo"], "proibido");
    let ok = request(
        addr,
        "GET",
        "/metrics",
        &[("Authorization", "Bearer s3cr3t-metricas"), ("X-Forwarded-For", "198.51.100.7")],
        b"",
    );
    assert_eq!(ok.status, 200, "with the token, from anywhere");
    assert!(ok.text().contains("helixai_http_requests_total"));
    server.shutdown();
}

#[test]
fn healthz_fails_when_the_disk_is_nearly_full() {
    let dir = TestDir::new();
    let app = open_app(&dir, ServerConfig { disk_min_free_bytes: u64::MAX, ..test_config() });
    let server = helixai::server::start(app).expect("start");
    let r = get(server.addr(), "/healthz");
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["erro"]["codigo"], "indisponivel");
    assert!(r.json()["erro"]["mensagem"].as_str().is_some_and(|m| m.contains("disco quase cheio")));
    server.shutdown();
}

#[test]
fn the_schedule_backs_up_every_tenant_and_central_and_stops() {
    let dir = TestDir::new();
    let app =
        open_app(&dir, ServerConfig { backup_every: Some(Duration::from_secs(1)), backup_keep: 2, ..test_config() });
    let a = criar(&app, "loja-a", Setor::Varejo, None);
    let b = criar(&app, "loja-b", Setor::Imoveis, None);
    let agenda = helixai::backup::agenda::iniciar(app.clone()).expect("start").expect("on");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let done = [&a, &b].iter().all(|e| helixai::backup::listar_backups(&app, e).expect("list").len() >= 2);
        if done {
            break;
        }
        assert!(Instant::now() < deadline, "the schedule did not run twice in 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    let stopped = Instant::now();
    agenda.parar();
    assert!(stopped.elapsed() < Duration::from_secs(10), "stops promptly");
    let state = app.metrics.backups();
    for name in ["loja-a", "loja-b", helixai::backup::CENTRAL] {
        assert!(state.get(name).is_some_and(|s| s.ultimo_sucesso.is_some()), "{name}: {state:?}");
    }
    assert!(helixai::backup::listar_backups(&app, &a).expect("list").len() <= 2, "retention applied");
    let off = open_app(&TestDir::new(), ServerConfig { backup_every: None, ..test_config() });
    assert!(helixai::backup::agenda::iniciar(off).expect("off").is_none());
}
