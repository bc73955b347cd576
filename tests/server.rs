//! The server machinery in-process: a panicking handler answers 500 and the worker survives.

use std::sync::Arc;

use helixai::app::App;
use helixai::http::{Request, Response};

use crate::support::http::get;
use crate::support::{open_app, test_config, TestDir};

fn router(app: &Arc<App>, req: &Request) -> helixai::Result<Response> {
    match req.path.as_str() {
        "/panic" => panic!("boom"),
        _ => helixai::http::routes::route(app, req),
    }
}

#[test]
fn a_panic_becomes_a_500_and_the_server_keeps_serving() {
    let dir = TestDir::new();
    let app = open_app(&dir, helixai::config::ServerConfig { http_workers: 1, ..test_config() });
    let server = helixai::server::start_with(app, router).expect("start");
    for _ in 0..3 {
        let r = get(server.addr(), "/panic");
        assert_eq!(r.status, 500);
        assert_eq!(r.json()["erro"]["codigo"], "erro_interno");
        assert!(!r.text().contains("boom"), "internals never leak");
    }
    let ok = get(server.addr(), "/healthz");
    assert_eq!(ok.status, 200, "the single worker survived three panics");
    assert!(ok.header("content-security-policy").is_some_and(|c| c.contains("script-src 'self'")));
    server.shutdown();
}
