//! `POST /webhook/evolution/{segredo}[/{evento}]`: events from the Evolution API server
//! (the QR-code channel). The `/{evento}` suffix is what Evolution appends with
//! `webhookByEvents`; it is accepted and ignored (the body names the event).
//!
//! Order, so that nothing is stored for a request we cannot trust or read:
//! 1. route by the URL secret (its SHA-256 is the key) → 404 for an unknown one;
//! 2. parse the body → 400 if it is not JSON;
//! 3. check the instance token — every one presented (`x-helixai-token` / `apikey` header,
//!    the payload's `apikey`) must equal the stored token, and at least one must be
//!    presented — and the payload's instance name → 401;
//! 4. journal the messages and statuses, apply connection/QR events
//!    (`pipeline::ingestao_evolution`) → 503 if that cannot be written (Evolution retries
//!    5xx; 4xx drops the event);
//! 5. 200. No LLM or send happens on this thread.

use std::sync::Arc;

use serde_json::json;

use super::{Request, Response};
use crate::app::App;
use crate::conexao::{self, CABECALHO_TOKEN};
use crate::crypto::sha256_hex;
use crate::error::{Error, Result};
use crate::evolution::parse;
use crate::pipeline::ingestao_evolution;

/// Longest secret segment looked up (ours are 64 hex characters).
const MAX_SEGREDO: usize = 128;

/// `POST /webhook/evolution/{segredo}`.
pub fn receber(app: &Arc<App>, req: &Request, segredo: &str) -> Result<Response> {
    if segredo.is_empty() || segredo.len() > MAX_SEGREDO {
        return Err(Error::NotFound("webhook"));
    }
    let inst = app
        .central
        .evolution_por_segredo(&sha256_hex(segredo.as_bytes()))
        .map_err(|e| {
            log::error!("webhook do Evolution: banco central indisponível: {e}");
            Error::Unavailable("banco central indisponível; tente novamente".into())
        })?
        .ok_or(Error::NotFound("webhook"))?;
    let envelope = parse(&req.body).inspect_err(|e| {
        log::warn!("webhook do Evolution recusado ({}) para a empresa {}: {e}", e.code(), inst.empresa_id)
    })?;
    let token = conexao::token(app, &inst)
        .inspect_err(|e| log::error!("empresa {}: token da instância ilegível: {e}", inst.empresa_id))
        .map_err(|_| Error::BadSignature)?
        .ok_or(Error::BadSignature)?;
    let apresentados: Vec<&str> = [req.header(CABECALHO_TOKEN), req.header("apikey"), envelope.apikey.as_deref()]
        .into_iter()
        .flatten()
        .filter(|t| !t.is_empty())
        .collect();
    let token_ok = !apresentados.is_empty() && apresentados.iter().all(|t| iguais(t, token.expose()));
    let instancia_ok = envelope.instancia.as_deref().is_none_or(|i| i == inst.instancia);
    if !token_ok || !instancia_ok {
        app.metrics.webhook_assinatura_invalida();
        log::warn!(
            "webhook do Evolution recusado para a empresa {}: {}",
            inst.empresa_id,
            if token_ok { "instância diferente" } else { "token da instância ausente ou errado" }
        );
        return Err(Error::BadSignature);
    }
    let empresa = app.empresa(inst.empresa_id)?;
    let resumo = ingestao_evolution::registrar(app, &empresa, &envelope)?;
    log::debug!("webhook do Evolution ({}): {resumo:?}", envelope.evento);
    Ok(Response::ok(&json!({"status": "ok"})).for_empresa(empresa.id))
}

/// Constant-time comparison of two strings (the length is not secret).
fn iguais(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
