//! The embedded admin panel over HTTP: index with the CSP, assets with their content types,
//! deep links falling back to index.html, and no way out of the embedded files.

use crate::support::http::{get, request};
use crate::support::TestDir;

fn server() -> (TestDir, helixai::server::RunningServer) {
    let dir = TestDir::new();
    let app = crate::support::open_app(&dir, crate::support::test_config());
    let server = helixai::server::start(app).expect("start");
    (dir, server)
}

#[test]
fn index_is_served_with_the_csp() {
    let (_dir, s) = server();
    let r = get(s.addr(), "/");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").is_some_and(|c| c.starts_with("text/html")));
    let csp = r.header("content-security-policy").unwrap_or_default().to_owned();
    assert!(csp.contains("script-src 'self'") && csp.contains("style-src 'self'"), "{csp}");
    let html = r.text();
    assert!(html.contains("lang=\"pt-BR\""));
    assert!(!html.contains("<script>") && !html.contains("style="), "no inline script or style");
    s.shutdown();
}

#[test]
fn assets_have_content_types_and_cache_control() {
    let (_dir, s) = server();
    let js = get(s.addr(), "/assets/js/main.js");
    assert_eq!(js.status, 200);
    assert_eq!(js.header("content-type"), Some("application/javascript; charset=utf-8"));
    assert!(js.header("cache-control").is_some());
    let css = get(s.addr(), "/assets/app.css");
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    let vendor = get(s.addr(), "/assets/vendor/uPlot.esm.js");
    assert_eq!(vendor.status, 200);
    s.shutdown();
}

#[test]
fn deep_links_get_the_panel_but_api_and_unknown_assets_do_not() {
    let (_dir, s) = server();
    for path in ["/painel/conversas", "/login", "/revenda/empresas/3/painel/catalogo"] {
        let r = get(s.addr(), path);
        assert_eq!(r.status, 200, "{path}");
        assert!(r.text().contains("/assets/js/main.js"), "{path}");
    }
    for path in ["/api/nada", "/assets/nada.js", "/webhook/nada", "/metrics/x"] {
        let r = get(s.addr(), path);
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.json()["erro"]["codigo"], "nao_encontrado", "{path}");
    }
    let post = request(s.addr(), "POST", "/painel/conversas", &[], b"");
    assert_eq!(post.status, 404, "only GET falls back to the panel");
    s.shutdown();
}

#[test]
fn no_path_leaves_the_embedded_files() {
    let (_dir, s) = server();
    for path in [
        "/assets/../Cargo.toml",
        "/assets/..%2fCargo.toml",
        "/assets/%2e%2e/Cargo.toml",
        "/assets/js/../../Cargo.toml",
        "/assets//etc/passwd",
        "/assets/index.html",
        "/../Cargo.toml",
    ] {
        let r = get(s.addr(), path);
        assert_eq!(r.status, 404, "{path}: {}", r.text());
        assert!(!r.text().contains("[package]"), "{path}");
    }
    s.shutdown();
}
