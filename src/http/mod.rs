//! HTTP: the only module (with `server.rs`) that names tiny_http.
//!
//! [`handle`] turns one tiny_http request into our [`Request`] (capped body), runs the route
//! table inside a panic boundary, adds the security headers, answers, and writes one access
//! log line (method, path without query, status, ms, empresa) — never a body or a token —
//! and counts the request by route pattern and status for `/metrics`.

pub mod api;
pub mod metrics;
pub mod request;
pub mod respond;
pub mod routes;
pub mod ui;
pub mod webhook;
pub mod webhook_evolution;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Instant;

use crate::app::App;
pub use request::Request;
pub use respond::Response;

/// Headers added to every response.
const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self'; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    ),
    ("Cross-Origin-Opener-Policy", "same-origin"),
];

/// The signature of a route table.
pub type Router = fn(&Arc<App>, &Request) -> crate::Result<Response>;

/// The path as logged: the secret segment of an Evolution webhook URL is masked.
fn redigir(path: &str) -> String {
    match path.strip_prefix("/webhook/evolution/") {
        Some(rest) => {
            let evento = rest.split_once('/').map_or(String::new(), |(_, ev)| format!("/{ev}"));
            format!("/webhook/evolution/***{evento}")
        }
        None => path.to_owned(),
    }
}

/// Serves one request end to end with the product's route table.
pub fn handle(app: &Arc<App>, raw: tiny_http::Request) {
    handle_with(app, raw, routes::route);
}

/// Serves one request with the given router. Never panics; a panicking handler becomes a
/// logged 500 and the worker goes on.
pub fn handle_with(app: &Arc<App>, mut raw: tiny_http::Request, router: Router) {
    let started = Instant::now();
    let method = raw.method().as_str().to_owned();
    let path = raw.url().split('?').next().unwrap_or("/").to_owned();
    let path_log = redigir(&path);
    let limite = routes::limite_corpo(&method, &path, &app.config);
    let response = match Request::read(&mut raw, limite) {
        Ok(req) => match catch_unwind(AssertUnwindSafe(|| router(app, &req))) {
            Ok(Ok(resp)) => resp,
            Ok(Err(e)) => Response::error(&e),
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                log::error!("pânico no handler de {method} {path_log}: {what}");
                Response::error(&crate::Error::Internal("pânico no handler".into()))
            }
        },
        Err(e) => Response::error(&e),
    };
    let status = response.status;
    app.metrics.http_requisicao(&method, routes::padrao(&path), status);
    let empresa = response.empresa_id.map(|e| e.to_string()).unwrap_or_else(|| "-".into());
    let mut out = tiny_http::Response::from_data(response.body).with_status_code(status);
    for (k, v) in SECURITY_HEADERS.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).chain(response.headers) {
        if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
            out.add_header(h);
        }
    }
    if let Err(e) = raw.respond(out) {
        log::debug!("cliente desconectou antes da resposta: {e}");
    }
    log::info!(
        target: "helixai::access",
        "{method} {path_log} {status} {:.1}ms empresa={empresa}",
        started.elapsed().as_secs_f64() * 1000.0
    );
}

#[cfg(test)]
mod tests {
    use super::redigir;

    #[test]
    fn the_evolution_webhook_secret_never_reaches_the_log() {
        assert_eq!(redigir("/webhook/evolution/abc123"), "/webhook/evolution/***");
        assert_eq!(redigir("/webhook/evolution/abc123/messages-upsert"), "/webhook/evolution/***/messages-upsert");
        assert_eq!(redigir("/api/conversas/3"), "/api/conversas/3");
    }
}
