//! The one route table: every endpoint, its method, and the handler that serves it.

use std::sync::Arc;

use serde::Serialize;

use super::{Request, Response};
use crate::app::App;
use crate::error::{Error, Result};
use crate::store::TenantStats;

/// Dispatches a request to its handler.
pub fn route(app: &Arc<App>, req: &Request) -> Result<Response> {
    let segs = req.segments();
    match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["healthz"]) => healthz(app),
        _ => Err(Error::NotFound("rota")),
    }
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    versao: &'static str,
    empresas: i64,
    tenants_abertos: usize,
    lru: TenantStats,
    uptime_s: u64,
}

fn healthz(app: &App) -> Result<Response> {
    app.central.ping().map_err(|e| Error::Unavailable(format!("banco central indisponível: {e}")))?;
    Ok(Response::ok(&Health {
        status: "ok",
        versao: env!("CARGO_PKG_VERSION"),
        empresas: app.central.empresas_total()?,
        tenants_abertos: app.tenants.stats().open,
        lru: app.tenants.stats(),
        uptime_s: app.started.elapsed().as_secs(),
    }))
}
