//! `GET /metrics` (Prometheus text format) and the disk check of `/healthz`.
//!
//! Who may read metrics: with `--metrics-token` set, anyone presenting
//! `Authorization: Bearer <token>`; without it, only direct loopback requests — a request
//! carrying `X-Forwarded-For`/`Forwarded` came through a reverse proxy (whose own address
//! is loopback) and is refused, so publishing the site through Caddy/nginx does not
//! publish its metrics.

use std::path::Path;

use super::{Request, Response};
use crate::app::App;
use crate::crypto::sha256_hex;
use crate::error::{Error, Result};

/// The Prometheus exposition content type.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Serves `/metrics` to whoever may read it.
pub fn metrics(app: &App, req: &Request) -> Result<Response> {
    autorizar(app, req)?;
    let empresas = app.central.empresas_total().ok();
    let mut body = app.metrics.render(&app.tenants.stats(), &app.journal.stats(), empresas, app.started.elapsed());
    body.push_str(&app.replica.situacao().metricas(app.replica.total_requisicoes()));
    Ok(Response::bytes(200, CONTENT_TYPE, body.into_bytes()).with_header("Cache-Control", "no-store"))
}

fn autorizar(app: &App, req: &Request) -> Result<()> {
    if let Some(token) = &app.config.metrics_token {
        let given = req.header("authorization").and_then(|h| h.strip_prefix("Bearer ")).unwrap_or("");
        // Compare digests: equal length, and timing says nothing about the token.
        return if !given.is_empty() && sha256_hex(given.as_bytes()) == sha256_hex(token.expose().as_bytes()) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        };
    }
    let proxied = req.header("x-forwarded-for").is_some() || req.header("forwarded").is_some();
    if req.remote.is_some_and(|ip| ip.is_loopback()) && !proxied {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Free space on the filesystem holding `dir`: `(available bytes, total bytes)`.
pub fn espaco_livre(dir: &Path) -> Result<(u64, u64)> {
    let st = rustix::fs::statvfs(dir).map_err(|e| Error::io(dir, std::io::Error::from(e)))?;
    let frsize = st.f_frsize.max(1);
    Ok((st.f_bavail.saturating_mul(frsize), st.f_blocks.saturating_mul(frsize)))
}

/// `Err(Unavailable)` when the data dir's filesystem is nearly full: less than
/// `disk_min_free_bytes` or less than 1% of it available.
pub fn checar_disco(app: &App) -> Result<(u64, u64)> {
    let (livre, total) = espaco_livre(app.data.root())?;
    if livre < app.config.disk_min_free_bytes || livre.saturating_mul(100) < total {
        return Err(Error::Unavailable(format!(
            "disco quase cheio: {} MB livres de {} MB no diretório de dados",
            livre / 1_048_576,
            total / 1_048_576
        )));
    }
    Ok((livre, total))
}
