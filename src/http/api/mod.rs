//! JSON API plumbing shared by every resource: client IP, CSRF check, pagination, the
//! session → principal → context steps, and `Set-Cookie` on renewal.

pub mod admin;
pub mod agendamentos;
pub mod atendimento;
pub mod bot;
pub(crate) mod campos;
pub mod catalogo;
pub mod conversas;
pub mod leads;
pub mod midias;
pub mod relatorios;
pub mod sessao;
pub mod usuarios;
pub mod whatsapp;
pub mod whatsapp_conexao;

use std::net::IpAddr;
use std::sync::Arc;

use serde::Serialize;

use super::{Request, Response};
use crate::app::App;
use crate::auth::{self, Principal, TenantCtx};
use crate::domain::{EmpresaId, Papel};
use crate::error::{Error, Result};

/// The header every state-changing API call must carry (with value `1`). A cross-site form
/// cannot set it, and a cross-origin script cannot without a CORS preflight we never allow.
pub const CSRF_HEADER: &str = "X-HelixAI-CSRF";

/// Roles allowed to read inside an empresa.
pub const EMPRESA_TODOS: &[Papel] = &[Papel::Admin, Papel::Atendente];
/// Roles allowed to manage an empresa.
pub const EMPRESA_ADMIN: &[Papel] = &[Papel::Admin];

/// A tenant handler, after the route table has matched and before auth ran.
pub type TenantHandler<'r> = Box<dyn FnOnce(&TenantCtx) -> Result<Response> + 'r>;

/// Refuses a state-changing request without the CSRF header.
pub fn check_csrf(req: &Request) -> Result<()> {
    if matches!(req.method.as_str(), "GET" | "HEAD" | "OPTIONS") || req.header(CSRF_HEADER) == Some("1") {
        Ok(())
    } else {
        Err(Error::invalid_csrf())
    }
}

impl Error {
    fn invalid_csrf() -> Error {
        Error::Invalid {
            codigo: "csrf",
            mensagem: format!("requisição sem o cabeçalho {CSRF_HEADER}: 1 (proteção contra CSRF)"),
        }
    }
}

/// The caller's IP: the peer, or the last `X-Forwarded-For` hop when the peer is a trusted
/// local proxy.
pub fn client_ip(app: &App, req: &Request) -> Option<String> {
    let peer = req.remote?;
    if app.config.trust_proxy && peer.is_loopback() {
        if let Some(ip) = req
            .header("x-forwarded-for")
            .and_then(|h| h.rsplit(',').next())
            .and_then(|s| s.trim().parse::<IpAddr>().ok())
        {
            return Some(ip.to_string());
        }
    }
    Some(peer.to_string())
}

/// Resolves the session of a request (401 without one).
pub fn principal(app: &App, req: &Request) -> Result<Principal> {
    auth::session::authenticate(app, req.header("cookie"), client_ip(app, req))
}

/// Adds the renewed cookie, if any.
pub fn with_session(mut resp: Response, p: &Principal) -> Response {
    if let Some(c) = &p.renewed_cookie {
        resp.headers.push(("Set-Cookie".into(), c.clone()));
    }
    resp
}

/// Runs a tenant handler for the caller's own empresa, checking the role.
pub fn as_empresa(app: &Arc<App>, req: &Request, papeis: &[Papel], run: TenantHandler<'_>) -> Result<Response> {
    let p = principal(app, req)?;
    if p.usuario.papel == Papel::Superadmin {
        // A superadmin has no empresa of their own; they use /api/admin/empresas/{id}/...
        return Err(Error::Forbidden);
    }
    if !papeis.contains(&p.usuario.papel) {
        return Err(Error::Forbidden);
    }
    let ctx = auth::ctx::da_sessao(app, &p)?;
    let id = ctx.empresa_id();
    Ok(with_session(run(&ctx)?, &p).for_empresa(id))
}

/// Runs a tenant handler for empresa `id` on behalf of a superadmin (audited).
pub fn as_superadmin_in(app: &Arc<App>, req: &Request, id: &str, run: TenantHandler<'_>) -> Result<Response> {
    let p = principal(app, req)?;
    auth::exigir_superadmin(&p)?;
    let id: EmpresaId = id.parse()?;
    let ctx = auth::ctx::do_superadmin(app, &p, id, &format!("{} {}", req.method, req.path))?;
    Ok(with_session(run(&ctx)?, &p).for_empresa(id))
}

/// Runs a handler that needs a superadmin.
pub fn as_superadmin(
    app: &Arc<App>,
    req: &Request,
    run: impl FnOnce(&Principal) -> Result<Response>,
) -> Result<Response> {
    let p = principal(app, req)?;
    auth::exigir_superadmin(&p)?;
    Ok(with_session(run(&p)?, &p))
}

/// Longest search or filter term accepted (`?q=`, `?marca=`, ...), in characters.
pub const MAX_TERMO: usize = 200;

/// Refuses a search or filter term over [`MAX_TERMO`] characters: 400 `termo_muito_longo`.
/// No one searches with a paragraph, and SQLite refuses a LIKE pattern over 50,000 bytes
/// with an error that was answered as a 500.
pub fn exigir_termo_curto(nome: &str, valor: &str) -> Result<()> {
    if valor.chars().count() <= MAX_TERMO {
        return Ok(());
    }
    let campo = if nome.chars().count() <= 40 { format!("\"{nome}\"") } else { "de busca".to_owned() };
    Err(Error::invalid(
        "termo_muito_longo",
        format!("o termo {campo} pode ter no máximo {MAX_TERMO} caracteres; encurte a busca"),
    ))
}

/// `limite` and `cursor` from the query string.
#[derive(Debug, Clone, Copy)]
pub struct Paginacao {
    pub limite: u32,
    pub cursor: Option<i64>,
}

impl Paginacao {
    /// Reads `limite` (1..=200, default 50) and `cursor` (an id) from the query.
    pub fn from(req: &Request) -> Result<Paginacao> {
        let limite = Paginacao::limite(req)?;
        let cursor = match req.query("cursor") {
            None | Some("") => None,
            Some(v) => Some(v.parse::<i64>().map_err(|_| Error::invalid("cursor_invalido", "cursor inválido"))?),
        };
        Ok(Paginacao { limite, cursor })
    }

    /// Reads only `limite` (1..=200, default 50), for lists whose cursor is not an id.
    pub fn limite(req: &Request) -> Result<u32> {
        match req.query("limite") {
            None | Some("") => Ok(50),
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=200).contains(n))
                .ok_or_else(|| Error::invalid("limite_invalido", "limite deve ser um número entre 1 e 200")),
        }
    }
}

/// One page of a list.
#[derive(Debug, Serialize)]
pub struct Pagina<T> {
    pub itens: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub proximo_cursor: Option<String>,
}

impl<T> Pagina<T> {
    /// Builds a page from a query that fetched `limite` items; `id_of` gives the cursor.
    pub fn de(itens: Vec<T>, limite: u32, id_of: impl Fn(&T) -> i64) -> Pagina<T> {
        let proximo_cursor =
            (itens.len() as u32 >= limite).then(|| itens.last().map(|i| id_of(i).to_string())).flatten();
        Pagina { itens, proximo_cursor }
    }
}
