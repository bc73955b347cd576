//! The one route table: every endpoint, its method, the roles it allows, and its handler.
//!
//! Tenant endpoints are listed once in [`tenant_route`] and reachable two ways: by an
//! empresa's own users at `/api/...` (their session's empresa), and by a superadmin at
//! `/api/admin/empresas/{id}/...` (checked and audited). The table returns the roles and a
//! handler before any authentication runs; [`api::as_empresa`] / [`api::as_superadmin_in`]
//! then authenticate, check the role and mint the `TenantCtx` the handler receives.

use std::sync::Arc;

use serde::Serialize;

use super::api::{self, catalogo, sessao, TenantHandler, EMPRESA_ADMIN, EMPRESA_TODOS};
use super::{ui, Request, Response};
use crate::app::App;
use crate::domain::Papel;
use crate::error::{Error, Result};
use crate::store::TenantStats;

/// Dispatches a request to its handler.
pub fn route(app: &Arc<App>, req: &Request) -> Result<Response> {
    let segs = req.segments();
    match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["healthz"]) => healthz(app),
        (_, ["api", rest @ ..]) => {
            api::check_csrf(req)?;
            api_route(app, req, rest)
        }
        ("GET", []) => ui::index(),
        ("GET", ["assets", ..]) => ui::asset(req.path.strip_prefix("/assets/").unwrap_or("")),
        // Deep links into the panel (`/painel/conversas`): its router takes over.
        ("GET", _) if ui::is_panel_path(&segs) => ui::index(),
        _ => Err(Error::NotFound("rota")),
    }
}

fn api_route(app: &Arc<App>, req: &Request, rest: &[&str]) -> Result<Response> {
    match (req.method.as_str(), rest) {
        // Anyone / any session.
        ("POST", ["login"]) => sessao::login(app, req),
        ("POST", ["logout"]) => sessao::logout(app, req),
        ("GET", ["me"]) => sessao::me(app, req),
        ("PUT", ["me", "senha"]) => sessao::senha(app, req),
        // Superadmin acting inside one empresa: the same tenant table, audited.
        (_, ["admin", "empresas", id, tail @ ..]) if !tail.is_empty() && tenant_route(req, tail).is_some() => {
            let (_, run) = tenant_route(req, tail).ok_or(Error::NotFound("rota"))?;
            api::as_superadmin_in(app, req, id, run)
        }
        // The empresa's own users.
        _ => match tenant_route(req, rest) {
            Some((papeis, run)) => api::as_empresa(app, req, papeis, run),
            None => Err(Error::NotFound("rota")),
        },
    }
}

/// Tenant-scoped endpoints: (roles allowed, handler). Paths are relative to `/api/`.
fn tenant_route<'r>(req: &'r Request, rest: &'r [&'r str]) -> Option<(&'static [Papel], TenantHandler<'r>)> {
    Some(match (req.method.as_str(), rest) {
        ("GET", ["catalogo"]) => (EMPRESA_TODOS, Box::new(move |c| catalogo::listar(c, req))),
        ("POST", ["catalogo"]) => (EMPRESA_ADMIN, Box::new(move |c| catalogo::criar(c, req))),
        ("GET", ["catalogo", id]) => (EMPRESA_TODOS, Box::new(move |c| catalogo::obter(c, id))),
        ("PUT", ["catalogo", id]) => (EMPRESA_ADMIN, Box::new(move |c| catalogo::atualizar(c, req, id))),
        ("DELETE", ["catalogo", id]) => (EMPRESA_ADMIN, Box::new(move |c| catalogo::excluir(c, id))),
        _ => return None,
    })
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
