//! `/api/whatsapp/conexao`, `/conectar`, `/desconectar`, `/qr.svg`: the empresa's WhatsApp
//! number paired by QR code through Evolution API. The instance token and webhook secret
//! never leave the server; the QR is served as the raw string and as an SVG image.

use serde::Deserialize;

use crate::auth::TenantCtx;
use crate::error::{Error, Result};
use crate::http::{Request, Response};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PostConectar {
    /// Digits with country code: Evolution also returns a pairing code for this number.
    #[serde(default)]
    numero: Option<String>,
}

/// `GET /api/whatsapp/conexao[?atualizar=1]` (admin): the stored state, or (with
/// `atualizar`) a fresh QR / state asked of the Evolution server.
pub fn obter(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let atualizar = matches!(req.query("atualizar"), Some("1" | "true"));
    Ok(Response::ok(&ctx.whatsapp_conexao(atualizar)?))
}

/// `POST /api/whatsapp/conectar` (admin) `{numero?}`: creates or reconnects the instance
/// and switches the empresa to the QR-code channel.
pub fn conectar(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let body: PostConectar =
        if req.body.iter().all(u8::is_ascii_whitespace) { PostConectar::default() } else { req.json()? };
    let numero = body.numero.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if let Some(n) = numero {
        let ok = n.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')')) && n.len() <= 32;
        if !ok {
            return Err(Error::invalid("numero_invalido", "informe o número com DDI e DDD, ex.: 5511999990000"));
        }
    }
    let estado = ctx.whatsapp_conectar(numero)?;
    ctx.auditar("whatsapp.conectar", estado.instancia.clone(), numero.map(|n| format!("numero={n}")))?;
    Ok(Response::ok(&estado))
}

/// `POST /api/whatsapp/desconectar` (admin): logs the number out (the phone must scan again).
pub fn desconectar(ctx: &TenantCtx) -> Result<Response> {
    let estado = ctx.whatsapp_desconectar()?;
    ctx.auditar("whatsapp.desconectar", estado.instancia.clone(), None)?;
    Ok(Response::ok(&estado))
}

/// `DELETE /api/whatsapp/conexao` (admin): deletes the instance on the Evolution server.
pub fn excluir(ctx: &TenantCtx) -> Result<Response> {
    let antes = ctx.whatsapp_conexao(false)?.instancia;
    let estado = ctx.whatsapp_excluir_instancia()?;
    ctx.auditar("whatsapp.excluir_instancia", antes, None)?;
    Ok(Response::ok(&estado))
}

/// `GET /api/whatsapp/qr.svg` (admin): the current QR as an image; 404 when there is none.
pub fn qr_svg(ctx: &TenantCtx) -> Result<Response> {
    let estado = ctx.whatsapp_conexao(false)?;
    let code = estado.qr_code.ok_or(Error::NotFound("qr_code"))?;
    let svg = crate::evolution::qr::svg(&code).ok_or(Error::NotFound("qr_code"))?;
    Ok(Response::bytes(200, "image/svg+xml", svg.into_bytes()).with_header("Cache-Control", "no-store"))
}
