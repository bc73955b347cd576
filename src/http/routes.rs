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
        ("GET", ["metrics"]) => super::metrics::metrics(app, req),
        _ => Err(Error::NotFound("rota")),
    }
}

/// Every route pattern of the product (`{x}` = one path segment), for metrics labels: a
/// request is counted under its pattern, never its raw path (no ids, bounded label set).
/// Add a route's pattern here when adding the route; more specific patterns first.
pub const PADROES: &[&str] = &[
    "/",
    "/healthz",
    "/metrics",
    "/webhook/whatsapp",
    "/api/login",
    "/api/logout",
    "/api/me",
    "/api/catalogo",
    "/api/catalogo/importar",
    "/api/catalogo/{id}",
    "/api/leads",
    "/api/leads/{id}",
    "/api/conversas",
    "/api/conversas/{id}",
    "/api/conversas/{id}/mensagens",
    "/api/conversas/{id}/responder",
    "/api/conversas/{id}/{acao}",
    "/api/bot",
    "/api/bot/simular",
    "/api/usuarios",
    "/api/usuarios/{id}",
    "/api/relatorios",
    "/api/whatsapp",
    "/api/admin/empresas",
    "/api/admin/empresas/{id}",
    "/api/admin/empresas/{id}/backups",
    "/api/admin/empresas/{id}/backups/{arquivo}",
    "/api/admin/empresas/{id}/backups/{arquivo}/{acao}",
    "/api/admin/empresas/{id}/{acao}",
    "/api/admin/planos",
    "/api/admin/planos/{id}",
    "/api/admin/assinaturas",
    "/api/admin/assinaturas/{id}",
    "/api/admin/pagamentos",
    "/api/admin/pagamentos/{id}",
    "/api/admin/usuarios",
    "/api/admin/usuarios/{id}",
    "/api/admin/auditoria",
    "/api/admin/sistema",
];

/// The pattern a path belongs to (`/api/conversas/17` → `/api/conversas/{id}`); static
/// assets count as `/assets/*` and anything else as `outra`.
pub fn padrao(path: &str) -> &'static str {
    if path.starts_with("/assets/") {
        return "/assets/*";
    }
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    PADROES
        .iter()
        .find(|p| {
            let pat: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
            pat.len() == segs.len() && pat.iter().zip(&segs).all(|(a, b)| a.starts_with('{') || a == b)
        })
        .copied()
        .unwrap_or("outra")
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
    super::metrics::checar_disco(app)?;
    Ok(Response::ok(&Health {
        status: "ok",
        versao: env!("CARGO_PKG_VERSION"),
        empresas: app.central.empresas_total()?,
        tenants_abertos: app.tenants.stats().open,
        lru: app.tenants.stats(),
        uptime_s: app.started.elapsed().as_secs(),
    }))
}

#[cfg(test)]
mod tests {
    use super::padrao;

    #[test]
    fn paths_map_to_their_patterns() {
        assert_eq!(padrao("/healthz"), "/healthz");
        assert_eq!(padrao("/"), "/");
        assert_eq!(padrao("/api/conversas/17"), "/api/conversas/{id}");
        assert_eq!(padrao("/api/conversas/17/mensagens"), "/api/conversas/{id}/mensagens");
        assert_eq!(padrao("/api/admin/empresas/3/backups"), "/api/admin/empresas/{id}/backups");
        assert_eq!(padrao("/api/admin/empresas/3/suspender"), "/api/admin/empresas/{id}/{acao}");
        assert_eq!(padrao("/assets/js/app.js"), "/assets/*");
        assert_eq!(padrao("/wp-login.php"), "outra");
        assert_eq!(padrao("/api/conversas/1/2/3/4"), "outra");
    }
}
