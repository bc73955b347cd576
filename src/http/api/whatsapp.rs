//! `/api/whatsapp`: the empresa's WhatsApp Cloud API connection. The token and app secret
//! are write-only: encrypted with `secret.key` before storing, shown only masked, never
//! logged or audited in clear. A phone_number_id routes webhooks, so it is unique (409).

use serde::{Deserialize, Serialize};

use super::campos::{cifrar, descrever_segredo, mascarado, presente, texto_opcional};
use crate::auth::TenantCtx;
use crate::domain::Canal;
use crate::error::{Error, Result};
use crate::http::{Request, Response};
use crate::store::central::{Empresa, WhatsappAlteracao};

#[derive(Serialize)]
struct Whatsapp {
    /// `cloud` (Meta Cloud API) or `evolution` (QR Code).
    canal: Canal,
    phone_number_id: Option<String>,
    numero: Option<String>,
    token: Option<String>,
    app_secret: Option<String>,
    webhook_url: Option<String>,
    verify_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PutWhatsapp {
    #[serde(default)]
    canal: Option<Canal>,
    #[serde(default, deserialize_with = "presente")]
    phone_number_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "presente")]
    numero: Option<Option<String>>,
    #[serde(default, deserialize_with = "presente")]
    token: Option<Option<String>>,
    #[serde(default, deserialize_with = "presente")]
    app_secret: Option<Option<String>>,
}

/// `https://<Host>/webhook/whatsapp`, when the Host header is a plain host[:port].
fn webhook_url(req: &Request) -> Option<String> {
    let host = req.header("host")?.trim();
    let ok = !host.is_empty()
        && host.len() <= 255
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    ok.then(|| format!("https://{host}/webhook/whatsapp"))
}

fn resposta(ctx: &TenantCtx, req: &Request, e: &Empresa) -> Result<Response> {
    let seg = ctx.central().empresa_segredos(e.id)?;
    Ok(Response::ok(&Whatsapp {
        canal: e.whatsapp_canal,
        phone_number_id: e.whatsapp_phone_number_id.clone(),
        numero: e.whatsapp_numero.clone(),
        token: mascarado(ctx.key(), seg.whatsapp_token.as_deref()),
        app_secret: mascarado(ctx.key(), seg.whatsapp_app_secret.as_deref()),
        webhook_url: webhook_url(req),
        verify_token: ctx.config().whatsapp_verify_token.as_ref().map(|s| s.expose().to_owned()),
    }))
}

/// `GET /api/whatsapp` (admin).
pub fn obter(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    resposta(ctx, req, ctx.empresa())
}

/// `PUT /api/whatsapp` (admin): `{canal?, phone_number_id?, numero?, token?, app_secret?}`; absent
/// fields are kept, `""`/`null` clears.
pub fn definir(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let body: PutWhatsapp = req.json()?;
    let phone_number_id =
        texto_opcional(body.phone_number_id, "phone_number_id", 64, |s| s.chars().all(|c| c.is_ascii_digit()))?;
    let numero = texto_opcional(body.numero, "numero", 32, |s| {
        s.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')'))
    })?;
    let sem_espaco = |s: &str| !s.chars().any(|c| c.is_whitespace() || c.is_control());
    let token = texto_opcional(body.token, "token", 4096, sem_espaco)?;
    let app_secret = texto_opcional(body.app_secret, "app_secret", 256, sem_espaco)?;
    let mut detalhes: Vec<String> = Vec::new();
    if let Some(p) = &phone_number_id {
        detalhes.push(format!("phone_number_id={}", p.as_deref().unwrap_or("(vazio)")));
    }
    if let Some(n) = &numero {
        detalhes.push(format!("numero={}", n.as_deref().unwrap_or("(vazio)")));
    }
    detalhes.extend(descrever_segredo("token", &token));
    detalhes.extend(descrever_segredo("app_secret", &app_secret));
    let alteracao = WhatsappAlteracao {
        phone_number_id,
        numero,
        token_cifrado: cifrar(ctx.key(), token)?,
        app_secret_cifrado: cifrar(ctx.key(), app_secret)?,
    };
    ctx.central().empresa_definir_whatsapp(ctx.empresa_id(), &alteracao)?;
    if let Some(canal) = body.canal.filter(|c| *c != ctx.empresa().whatsapp_canal) {
        ctx.central().empresa_definir_canal(ctx.empresa_id(), canal)?;
        detalhes.push(format!("canal={canal}"));
    }
    if !detalhes.is_empty() {
        ctx.auditar("whatsapp.alterar", None, Some(detalhes.join(", ")))?;
    }
    let e = ctx.central().empresa(ctx.empresa_id())?.ok_or(Error::NotFound("empresa"))?;
    resposta(ctx, req, &e)
}
