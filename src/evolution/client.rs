//! Owns the REST side of Evolution API: [`EvolutionClient`] (create / connect / inspect /
//! log out / delete an instance, point its webhook at us, send a text; media in `midia.rs`)
//! and the request and response wire types. Errors are [`EvolutionError`](super::EvolutionError) (`erro.rs`).
//!
//! Secrets: the global key (create, delete) and the per-instance token (everything else)
//! are passed in per call and go **only** into the `apikey` header; they are never logged
//! nor copied into an error (a server echo is scrubbed). Instance names go into URL paths,
//! so anything but `[A-Za-z0-9_-]{1,64}` is refused before any request is made.
//!
//! # Which errors are retried
//!
//! Evolution has no idempotency key, and a send that failed with 400/500 may still have
//! been delivered (reference §5, issues #978, #1247): ambiguous outcomes of a **send** are
//! *not* retried (at most once). Calls that change nothing when repeated (GET, DELETE,
//! webhook/set) are retried on ambiguous failures too.
//!
//! | Answer | `tipo` | Retry? |
//! |---|---|---|
//! | 400 with an item `exists: false` | `NaoEstaNoWhatsapp` | no |
//! | 400 (validation, anything else), other 4xx | `Invalido` | no |
//! | 401, 403 | `NaoAutorizado` | no: fix the key/token |
//! | 403 "… is already in use" | `NomeEmUso` | no |
//! | 404 | `InstanciaInexistente` | no |
//! | 500 saying "Connection Closed" / "not connected" / "Connection Lost" | `Desconectado` | yes (after reconnecting) |
//! | other 5xx | `Outro` | no for a send (may have been delivered); yes if idempotent |
//! | 429, 502, 503, 504 | `Outro` | yes |
//! | DNS failure, connection refused | `Rede` | yes: nothing left our side |
//! | timeout, reset while reading, other transport errors | `Rede` | no for a send; yes if idempotent |
//! | malformed base URL, bad instance name, empty key | `Invalido` | no |
//! | 2xx without `key.id` on send | `Outro` | no |

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::erro::{EvolutionError, TipoErro};
use super::mensagem::texto as campo;
use super::webhook::QrCode;
use crate::outbound::{chamar_json, Agent};

/// The events the appliance subscribes to.
const EVENTOS: &[&str] = &["MESSAGES_UPSERT", "MESSAGES_UPDATE", "CONNECTION_UPDATE", "QRCODE_UPDATED"];

/// Client for one Evolution API server. Cheap to clone.
#[derive(Debug, Clone)]
pub struct EvolutionClient {
    agent: Agent,
    base_url: String,
}

/// What to create: see [`EvolutionClient::criar_instancia`].
#[derive(Clone, Copy)]
pub struct NovaInstancia<'a> {
    /// `[A-Za-z0-9_-]{1,64}`.
    pub nome: &'a str,
    /// The instance token we choose (so we never depend on reading `hash` back).
    pub token: &'a str,
    /// The WhatsApp number to pair by code; only its digits are sent.
    pub numero: Option<&'a str>,
    pub webhook_url: &'a str,
    /// Sent verbatim by Evolution on every webhook POST (our shared secret goes here).
    pub webhook_cabecalhos: &'a [(&'a str, &'a str)],
}

/// Debug without the token, the webhook URL (its last segment is a secret) or the headers.
impl std::fmt::Debug for NovaInstancia<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NovaInstancia").field("nome", &self.nome).field("numero", &self.numero).finish_non_exhaustive()
    }
}

/// `POST /instance/create` answer.
#[derive(Clone, PartialEq, Eq)]
pub struct InstanciaCriada {
    /// `hash` (a string in 2.x, `{"apikey": …}` in older docs). Secret.
    pub token: Option<String>,
    pub instance_id: Option<String>,
    /// `None` when the QR was not ready yet (`{"count": 0}`): call [`EvolutionClient::conectar`].
    pub qr: Option<QrCode>,
}

impl std::fmt::Debug for InstanciaCriada {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstanciaCriada")
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("instance_id", &self.instance_id)
            .field("qr", &self.qr)
            .finish()
    }
}

/// `GET /instance/connect` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conexao {
    /// Not connected: show this QR / pairing code.
    Qr(QrCode),
    /// `open` when already connected; `connecting` while the QR is not ready yet.
    Estado(String),
}

impl EvolutionClient {
    /// `base_url` is the Evolution server (`https://evo.example.com`), a fake one in tests.
    pub fn new(agent: Agent, base_url: impl Into<String>) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_string();
        EvolutionClient { agent, base_url }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Creates a Baileys instance with our webhook and settings; `chave_global` is the
    /// server's `AUTHENTICATION_API_KEY`.
    pub fn criar_instancia(
        &self,
        chave_global: &str,
        nova: &NovaInstancia<'_>,
    ) -> Result<InstanciaCriada, EvolutionError> {
        nome_valido(nova.nome)?;
        let request = CriarRequest {
            instance_name: nova.nome,
            integration: "WHATSAPP-BAILEYS",
            qrcode: true,
            number: nova.numero.map(digitos).filter(|n| !n.is_empty()),
            token: nova.token,
            groups_ignore: true,
            reject_call: false,
            always_online: false,
            read_messages: false,
            read_status: false,
            sync_full_history: false,
            webhook: WebhookConfig::new(nova.webhook_url, nova.webhook_cabecalhos, None),
        };
        let body = serde_json::to_value(&request).unwrap_or_default();
        let v = self.chamar("POST", "/instance/create", chave_global, Some(&body), false)?;
        let wire = WireCriada::deserialize(&v).unwrap_or_default();
        let token = match &wire.hash {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(obj @ Value::Object(_)) => campo(obj, "apikey"),
            _ => None,
        };
        Ok(InstanciaCriada {
            token,
            instance_id: wire.instance.as_ref().and_then(|i| campo(i, "instanceId")),
            qr: wire.qrcode.as_ref().and_then(QrCode::de_json),
        })
    }

    /// Starts (or resumes) pairing: a QR while not connected, the state once `open`.
    /// `numero` asks for a pairing code as well (digits only are sent).
    pub fn conectar(&self, token: &str, instancia: &str, numero: Option<&str>) -> Result<Conexao, EvolutionError> {
        nome_valido(instancia)?;
        let query = numero.map(digitos).filter(|n| !n.is_empty()).map(|n| format!("?number={n}")).unwrap_or_default();
        let v = self.chamar("GET", &format!("/instance/connect/{instancia}{query}"), token, None, true)?;
        if let Some(qr) = QrCode::de_json(&v) {
            return Ok(Conexao::Qr(qr));
        }
        if let Some(estado) = estado_de(&v) {
            return Ok(Conexao::Estado(estado));
        }
        // While `connecting` without a QR yet, Evolution answers the empty QR `{"count": 0}`.
        if v.get("count").is_some() {
            return Ok(Conexao::Estado("connecting".to_string()));
        }
        Err(inesperada("/instance/connect", "nem QR nem estado"))
    }

    /// `open`, `connecting` or `close`.
    pub fn estado(&self, token: &str, instancia: &str) -> Result<String, EvolutionError> {
        nome_valido(instancia)?;
        let v = self.chamar("GET", &format!("/instance/connectionState/{instancia}"), token, None, true)?;
        estado_de(&v).ok_or_else(|| inesperada("/instance/connectionState", "sem instance.state"))
    }

    /// Points the instance's webhook at `url` (2.3 nested body), with our four events.
    pub fn definir_webhook(
        &self,
        token: &str,
        instancia: &str,
        url: &str,
        cabecalhos: &[(&str, &str)],
    ) -> Result<(), EvolutionError> {
        nome_valido(instancia)?;
        let request = DefinirWebhookRequest { webhook: WebhookConfig::new(url, cabecalhos, Some(true)) };
        let body = serde_json::to_value(&request).unwrap_or_default();
        self.chamar("POST", &format!("/webhook/set/{instancia}"), token, Some(&body), true).map(drop)
    }

    /// Unpairs the phone (the instance stays, ready for a new QR).
    pub fn desconectar(&self, token: &str, instancia: &str) -> Result<(), EvolutionError> {
        nome_valido(instancia)?;
        self.chamar("DELETE", &format!("/instance/logout/{instancia}"), token, None, true).map(drop)
    }

    /// Deletes the instance from the server.
    pub fn excluir(&self, chave_global: &str, instancia: &str) -> Result<(), EvolutionError> {
        nome_valido(instancia)?;
        self.chamar("DELETE", &format!("/instance/delete/{instancia}"), chave_global, None, true).map(drop)
    }

    /// Sends a text to `numero` (digits with country code, or a JID) and returns the
    /// message id (`key.id`), which later `messages.update` events carry as `keyId`.
    pub fn enviar_texto(
        &self,
        token: &str,
        instancia: &str,
        numero: &str,
        texto: &str,
    ) -> Result<String, EvolutionError> {
        nome_valido(instancia)?;
        if numero.trim().is_empty() {
            return Err(EvolutionError::new(TipoErro::Invalido, false, "número de destino vazio"));
        }
        let body = serde_json::json!({"number": numero.trim(), "text": texto});
        let v = self.chamar("POST", &format!("/message/sendText/{instancia}"), token, Some(&body), false)?;
        id_enviada(&v)
    }

    /// One call: `apikey` header, optional JSON body; 2xx → the body as JSON (`Null` if
    /// empty or not JSON), anything else → a classified error with `chave` scrubbed.
    pub(super) fn chamar(
        &self,
        metodo: &str,
        caminho: &str,
        chave: &str,
        corpo: Option<&Value>,
        idempotente: bool,
    ) -> Result<Value, EvolutionError> {
        if chave.trim().is_empty() {
            return Err(EvolutionError::new(TipoErro::Invalido, false, "chave de API da Evolution ausente"));
        }
        let url = format!("{}{caminho}", self.base_url);
        let resultado = match chamar_json(&self.agent, metodo, &url, &[("apikey", chave)], corpo) {
            Ok((status, body)) if (200..300).contains(&status) => {
                Ok(serde_json::from_str(&body).unwrap_or(Value::Null))
            }
            Ok((status, body)) => Err(EvolutionError::de_resposta(status, &body, idempotente)),
            Err(falha) => Err(EvolutionError::de_transporte(&falha, idempotente)),
        };
        resultado.map_err(|e| e.sem_segredo(chave))
    }
}

/// Instance names go into URL paths: letters, digits, `_` and `-` only, 1 to 64 of them.
pub(super) fn nome_valido(nome: &str) -> Result<(), EvolutionError> {
    let ok =
        (1..=64).contains(&nome.len()) && nome.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(EvolutionError::new(
            TipoErro::Invalido,
            false,
            format!("nome de instância inválido: {nome:?} (use letras, números, _ e -, até 64)"),
        ))
    }
}

fn digitos(numero: &str) -> String {
    numero.chars().filter(char::is_ascii_digit).collect()
}

/// `instance.state` (connectionState, connect when open) or a top-level `state`.
fn estado_de(v: &Value) -> Option<String> {
    v.get("instance").and_then(|i| campo(i, "state")).or_else(|| campo(v, "state"))
}

/// The message id (`key.id`) of a send's answer; a send without one is not repeated.
pub(super) fn id_enviada(v: &Value) -> Result<String, EvolutionError> {
    let wire = WireEnviada::deserialize(v).unwrap_or_default();
    wire.key.as_ref().and_then(|k| campo(k, "id")).ok_or_else(|| {
        EvolutionError::new(
            TipoErro::Outro,
            false,
            "a Evolution aceitou o envio, mas não devolveu o id da mensagem (não será repetido)",
        )
    })
}

fn inesperada(rota: &str, falta: &str) -> EvolutionError {
    EvolutionError::new(TipoErro::Outro, false, format!("resposta inesperada da Evolution em {rota}: {falta}"))
}

// ---- wire types ----

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CriarRequest<'a> {
    instance_name: &'a str,
    integration: &'static str,
    qrcode: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<String>,
    token: &'a str,
    groups_ignore: bool,
    reject_call: bool,
    always_online: bool,
    read_messages: bool,
    read_status: bool,
    sync_full_history: bool,
    webhook: WebhookConfig<'a>,
}

#[derive(Serialize)]
struct DefinirWebhookRequest<'a> {
    webhook: WebhookConfig<'a>,
}

/// The webhook object: inside `/instance/create` (no `enabled`) and `/webhook/set` (2.3).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WebhookConfig<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    enabled: Option<bool>,
    url: &'a str,
    headers: BTreeMap<&'a str, &'a str>,
    by_events: bool,
    base64: bool,
    events: &'static [&'static str],
}

impl<'a> WebhookConfig<'a> {
    fn new(url: &'a str, cabecalhos: &'a [(&'a str, &'a str)], enabled: Option<bool>) -> Self {
        let headers = cabecalhos.iter().copied().collect();
        WebhookConfig { enabled, url, headers, by_events: false, base64: false, events: EVENTOS }
    }
}

#[derive(Deserialize, Default)]
struct WireCriada {
    #[serde(default)]
    instance: Option<Value>,
    /// A string (2.x) or `{"apikey": …}` (older docs).
    #[serde(default)]
    hash: Option<Value>,
    #[serde(default)]
    qrcode: Option<Value>,
}

#[derive(Deserialize, Default)]
struct WireEnviada {
    #[serde(default)]
    key: Option<Value>,
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
