//! The one route table: every endpoint, its method, the roles it allows, and its handler.
//!
//! Tenant endpoints are listed once in [`tenant_route`] and reachable two ways: by an
//! empresa's own users at `/api/...` (their session's empresa), and by a superadmin at
//! `/api/admin/empresas/{id}/...` (checked and audited). The table returns the roles and a
//! handler before any authentication runs; [`api::as_empresa`] / [`api::as_superadmin_in`]
//! then authenticate, check the role and mint the `TenantCtx` the handler receives.
//! Superadmin endpoints are listed in [`admin_route`]; all of them need a superadmin
//! ([`api::as_superadmin`]: 401 without a session, 403 for any other role).

use std::sync::Arc;

use serde::Serialize;

use super::api::admin::{self, AdminHandler};
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
        // The superadmin's own endpoints.
        (_, ["admin", tail @ ..]) => match admin_route(req, tail) {
            Some(run) => api::as_superadmin(app, req, |p| run(app, p)),
            None => Err(Error::NotFound("rota")),
        },
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

/// Superadmin endpoints (paths relative to `/api/admin/`); every one is superadmin-only.
fn admin_route<'r>(req: &'r Request, rest: &'r [&'r str]) -> Option<AdminHandler<'r>> {
    use admin::{assinaturas, auditoria, empresas, pagamentos, planos, sistema, usuarios};
    Some(match (req.method.as_str(), rest) {
        ("GET", ["empresas"]) => Box::new(move |a, p| empresas::listar(a, req, p)),
        ("POST", ["empresas"]) => Box::new(move |a, p| empresas::criar(a, req, p)),
        ("GET", ["empresas", id]) => Box::new(move |a, _| empresas::obter(a, id)),
        ("PATCH", ["empresas", id]) => Box::new(move |a, p| empresas::atualizar(a, req, p, id)),
        ("DELETE", ["empresas", id]) => Box::new(move |a, p| empresas::excluir(a, p, id)),
        ("POST", ["empresas", id, "suspender"]) => Box::new(move |a, p| empresas::suspender(a, p, id)),
        ("POST", ["empresas", id, "reativar"]) => Box::new(move |a, p| empresas::reativar(a, p, id)),
        ("POST", ["empresas", id, "purgar"]) => Box::new(move |a, p| empresas::purgar(a, req, p, id)),
        ("GET", ["planos"]) => Box::new(move |a, p| planos::listar(a, req, p)),
        ("POST", ["planos"]) => Box::new(move |a, p| planos::criar(a, req, p)),
        ("PUT", ["planos", id]) => Box::new(move |a, p| planos::atualizar(a, req, p, id)),
        ("GET", ["assinaturas"]) => Box::new(move |a, p| assinaturas::listar(a, req, p)),
        ("POST", ["assinaturas"]) => Box::new(move |a, p| assinaturas::criar(a, req, p)),
        ("PATCH", ["assinaturas", id]) => Box::new(move |a, p| assinaturas::atualizar(a, req, p, id)),
        ("GET", ["pagamentos"]) => Box::new(move |a, p| pagamentos::listar(a, req, p)),
        ("POST", ["pagamentos"]) => Box::new(move |a, p| pagamentos::registrar(a, req, p)),
        ("GET", ["usuarios"]) => Box::new(move |a, p| usuarios::listar(a, req, p)),
        ("POST", ["usuarios"]) => Box::new(move |a, p| usuarios::criar(a, req, p)),
        ("PATCH", ["usuarios", id]) => Box::new(move |a, p| usuarios::atualizar(a, req, p, id)),
        ("GET", ["auditoria"]) => Box::new(move |a, p| auditoria::listar(a, req, p)),
        ("GET", ["sistema"]) => Box::new(sistema::obter),
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
