//! Login, logout and session resolution.
//!
//! The cookie carries 256 random bits; the central db stores only their SHA-256. Sessions
//! slide: each use past half the lifetime pushes the expiry out again. Wrong password and
//! unknown e-mail run the same argon2 verification and give the same answer.

use serde::Serialize;

use crate::app::App;
use crate::auth::password;
use crate::crypto::{random_token, sha256_hex};
use crate::domain::{EmpresaId, Papel, Setor, UsuarioId};
use crate::error::{Error, Result};
use crate::store::central::Usuario;

/// The session cookie's name.
pub const COOKIE: &str = "helixai_sessao";

/// The identity shape returned by login and `/api/me`.
#[derive(Debug, Clone, Serialize)]
pub struct Identidade {
    pub usuario_id: UsuarioId,
    pub email: String,
    pub nome: String,
    pub empresa_id: Option<EmpresaId>,
    pub empresa_slug: Option<String>,
    pub empresa_nome: Option<String>,
    pub setor: Option<Setor>,
    pub papel: Papel,
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub usuario: Usuario,
    /// SHA-256 of the session token (to revoke "all but this one").
    pub(crate) token_hash: String,
    /// The caller's IP as the server sees it (after a trusted proxy).
    pub ip: Option<String>,
    /// A fresh Set-Cookie value when the session was renewed on this request.
    pub renewed_cookie: Option<String>,
}

/// Builds the Set-Cookie value for a token.
pub fn cookie_value(app: &App, token: &str, max_age_s: i64) -> String {
    let secure = if app.config.secure_cookies { "; Secure" } else { "" };
    format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{secure}")
}

/// The Set-Cookie value that deletes the cookie.
pub fn cookie_clear(app: &App) -> String {
    cookie_value(app, "", 0)
}

/// Reads the session token from a Cookie header.
pub fn token_from_cookie(header: Option<&str>) -> Option<&str> {
    header?
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.trim())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Verifies the credentials and opens a session. Returns the identity and the token.
pub fn login(app: &App, email: &str, senha: &str, ip: &str) -> Result<(Identidade, String)> {
    app.throttle.check(ip, email)?;
    let found = app.central.usuario_hash_por_email(email)?;
    // Always run one argon2 verification, so unknown e-mail and wrong password take the same time.
    let ok = match &found {
        Some((_, hash)) => password::verify(senha, hash),
        None => {
            let _ = password::verify(senha, password::dummy_hash());
            false
        }
    };
    let Some((usuario, _)) = found.filter(|_| ok) else {
        app.throttle.failed(ip, email);
        return Err(Error::LoginFailed);
    };
    if !usuario.ativo {
        return Err(Error::conflict("usuario_inativo", "este usuário está desativado; fale com o administrador"));
    }
    let identidade = identidade(app, &usuario)?;
    if let Some(eid) = usuario.empresa_id {
        if !app.empresa(eid)?.ativo {
            return Err(Error::conflict(
                "empresa_suspensa",
                "a empresa deste usuário está suspensa; fale com a revenda",
            ));
        }
    }
    app.throttle.succeeded(ip, email);
    let token = random_token();
    if token.is_empty() {
        return Err(Error::Internal("sem fonte de aleatoriedade".into()));
    }
    app.central.sessao_criar(&sha256_hex(token.as_bytes()), usuario.id, app.config.session_ttl_s, Some(ip))?;
    Ok((identidade, token))
}

/// The identity of a usuario (with its empresa's slug and setor).
pub fn identidade(app: &App, u: &Usuario) -> Result<Identidade> {
    let empresa = u.empresa_id.map(|id| app.empresa(id)).transpose()?;
    Ok(Identidade {
        usuario_id: u.id,
        email: u.email.clone(),
        nome: u.nome.clone(),
        empresa_id: u.empresa_id,
        empresa_slug: empresa.as_ref().map(|e| e.slug.clone()),
        empresa_nome: empresa.as_ref().map(|e| e.nome.clone()),
        setor: empresa.as_ref().map(|e| e.setor),
        papel: u.papel,
    })
}

/// Resolves the request's session cookie to a principal; 401 when absent or expired.
pub fn authenticate(app: &App, cookie_header: Option<&str>, ip: Option<String>) -> Result<Principal> {
    let token = token_from_cookie(cookie_header).ok_or(Error::Unauthenticated)?;
    let token_hash = sha256_hex(token.as_bytes());
    let viva = app.central.sessao_viva(&token_hash)?.ok_or(Error::Unauthenticated)?;
    let usuario = app.central.usuario(viva.usuario_id)?.ok_or(Error::Unauthenticated)?;
    let ttl = app.config.session_ttl_s;
    let renewed_cookie = if viva.restante_s < ttl / 2 {
        app.central.sessao_renovar(&token_hash, ttl)?;
        Some(cookie_value(app, token, ttl))
    } else {
        None
    };
    Ok(Principal { usuario, token_hash, ip, renewed_cookie })
}

/// Revokes the caller's session.
pub fn logout(app: &App, p: &Principal) -> Result<()> {
    app.central.sessao_revogar(&p.token_hash)
}

/// Changes the caller's own password (checking the current one) and revokes every other
/// session of theirs.
pub fn trocar_propria_senha(app: &App, p: &Principal, atual: &str, nova: &str) -> Result<()> {
    let (_, hash) = app.central.usuario_hash_por_email(&p.usuario.email)?.ok_or(Error::Unauthenticated)?;
    if !password::verify(atual, &hash) {
        return Err(Error::invalid("senha_atual_incorreta", "a senha atual está incorreta"));
    }
    password::check_policy(nova)?;
    app.central.usuario_definir_senha(p.usuario.id, &password::hash(nova)?)?;
    app.central.sessoes_revogar_usuario(p.usuario.id, Some(&p.token_hash))?;
    Ok(())
}
