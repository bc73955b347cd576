//! `/api/login`, `/api/logout`, `/api/me`, `/api/me/senha`.

use std::sync::Arc;

use serde::Deserialize;

use super::{client_ip, principal, with_session};
use crate::app::App;
use crate::auth::session;
use crate::error::Result;
use crate::http::{Request, Response};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    email: String,
    senha: String,
}

/// `POST /api/login` — anyone. Sets the session cookie.
pub fn login(app: &Arc<App>, req: &Request) -> Result<Response> {
    let body: Login = req.json()?;
    let ip = client_ip(app, req).unwrap_or_else(|| "desconhecido".into());
    let (identidade, token) = session::login(app, &body.email, &body.senha, &ip)?;
    Ok(Response::ok(&identidade)
        .with_header("Set-Cookie", session::cookie_value(app, &token, app.config.session_ttl_s))
        .for_empresa_opt(identidade.empresa_id))
}

/// `POST /api/logout` — any session. Revokes it and clears the cookie.
pub fn logout(app: &Arc<App>, req: &Request) -> Result<Response> {
    let p = principal(app, req)?;
    session::logout(app, &p)?;
    Ok(Response::no_content().with_header("Set-Cookie", session::cookie_clear(app)))
}

/// `GET /api/me` — any session.
pub fn me(app: &Arc<App>, req: &Request) -> Result<Response> {
    let p = principal(app, req)?;
    let id = session::identidade(app, &p.usuario)?;
    Ok(with_session(Response::ok(&id), &p))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrocaSenha {
    senha_atual: String,
    nova_senha: String,
}

/// `PUT /api/me/senha` — any session. Revokes the caller's other sessions.
pub fn senha(app: &Arc<App>, req: &Request) -> Result<Response> {
    let p = principal(app, req)?;
    let body: TrocaSenha = req.json()?;
    session::trocar_propria_senha(app, &p, &body.senha_atual, &body.nova_senha)?;
    app.central.auditar(&crate::store::central::NovaAuditoria {
        usuario_id: Some(p.usuario.id),
        empresa_id: p.usuario.empresa_id,
        acao: "usuario.trocar_senha".into(),
        alvo: Some(p.usuario.email.clone()),
        detalhes: None,
        ip: p.ip.clone(),
    })?;
    Ok(with_session(Response::no_content(), &p))
}
