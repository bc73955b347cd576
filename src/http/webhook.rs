//! `GET/POST /webhook/whatsapp`: Meta's verification handshake and event delivery.
//!
//! POST order, so that nothing is stored for a request we cannot trust or read:
//! 1. parse the body (pure); not JSON → 401 if the signature is wrong too, else 400;
//! 2. route every event's `phone_number_id` (cached, see `pipeline::roteamento`);
//! 3. check `X-Hub-Signature-256` in constant time against the app secret of each routed
//!    empresa that has its own, else the global `--whatsapp-app-secret` → 401 if any fails;
//! 4. journal the events (`pipeline::ingestao` → `pipeline::journal`), one journal
//!    transaction for the whole POST → 503 if it cannot take the write, so Meta delivers again;
//! 5. 200.
//!
//! No tenant file is opened and no LLM or Graph call happens on this thread: the journal
//! worker applies the events to the tenant files.

use std::sync::Arc;

use serde_json::json;

use super::{Request, Response};
use crate::app::App;
use crate::crypto::Secret;
use crate::error::{Error, Result};
use crate::pipeline::ingestao;
use crate::store::central::Empresa;
use crate::whatsapp::{parse, verify_signature, WebhookEvent, SIGNATURE_HEADER};

/// `GET /webhook/whatsapp`: echoes `hub.challenge` when the mode and token match.
pub fn verificar(app: &App, req: &Request) -> Result<Response> {
    let esperado = app.config.whatsapp_verify_token.as_ref().map(Secret::expose).unwrap_or("");
    let recebido = req.query("hub.verify_token").unwrap_or("");
    let ok = req.query("hub.mode") == Some("subscribe") && !esperado.is_empty() && iguais(esperado, recebido);
    match (ok, req.query("hub.challenge")) {
        (true, Some(challenge)) => Ok(Response::text(200, challenge)),
        _ => Err(Error::Forbidden),
    }
}

/// Constant-time comparison of two strings (the length is not secret).
fn iguais(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `POST /webhook/whatsapp`.
pub fn receber(app: &Arc<App>, req: &Request) -> Result<Response> {
    let assinatura = req.header(SIGNATURE_HEADER);
    let global = app.config.whatsapp_app_secret.as_ref();
    let eventos = match parse(&req.body) {
        Ok(eventos) => eventos,
        Err(e) => {
            verificar_com(global, &req.body, assinatura).inspect_err(|_| app.metrics.webhook_assinatura_invalida())?;
            log::warn!("webhook do WhatsApp recusado ({}): {e}", e.code());
            return Err(e);
        }
    };
    let roteados = rotear(app, eventos)?;
    // Every distinct secret involved must sign the body; a POST without events still needs
    // the global one.
    let mut segredos: Vec<Option<Secret>> = Vec::new();
    for (_, empresa) in &roteados {
        let s = segredo_de(app, empresa.as_deref())?.or_else(|| global.cloned());
        if !segredos.contains(&s) {
            segredos.push(s);
        }
    }
    if segredos.is_empty() {
        segredos.push(global.cloned());
    }
    for s in &segredos {
        verificar_com(s.as_ref(), &req.body, assinatura).inspect_err(|_| app.metrics.webhook_assinatura_invalida())?;
    }
    let resumo = ingestao::registrar(app, &roteados)?;
    for _ in 0..resumo.nao_roteados {
        app.metrics.webhook_sem_rota();
    }
    log::debug!("webhook: {resumo:?}");
    let mut resp = Response::ok(&json!({"status": "ok"}));
    if let Some(e) = roteados.iter().find_map(|(_, e)| e.as_ref()) {
        resp = resp.for_empresa(e.id);
    }
    Ok(resp)
}

fn verificar_com(segredo: Option<&Secret>, corpo: &[u8], assinatura: Option<&str>) -> Result<()> {
    // No secret configured at all: refuse (an empty key would accept anyone's signature).
    verify_signature(segredo.map_or(&[][..], |s| s.expose().as_bytes()), corpo, assinatura)
}

/// Pairs each event with the empresa that owns its number.
fn rotear(app: &App, eventos: Vec<WebhookEvent>) -> Result<Vec<(WebhookEvent, Option<Arc<Empresa>>)>> {
    eventos
        .into_iter()
        .map(|ev| {
            let empresa = app.roteador.empresa(&app.central, ev.phone_number_id()).map_err(|e| {
                log::error!("webhook: roteamento falhou: {e}");
                Error::Unavailable("banco central indisponível; tente novamente".into())
            })?;
            Ok((ev, empresa))
        })
        .collect()
}

/// The empresa's own app secret, decrypted, if it has one (cached by the router).
fn segredo_de(app: &App, empresa: Option<&Empresa>) -> Result<Option<Secret>> {
    match empresa {
        Some(e) => app.roteador.app_secret(&app.central, &app.key, e),
        None => Ok(None),
    }
}
