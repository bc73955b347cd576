//! Owns the Evolution webhook envelope (`{event, instance, data, apikey, …}`): its wire
//! types and [`parse`], which turns one POST body into an [`Envelope`] of typed events.
//!
//! What `parse` accepts, and why:
//! - Bytes that are not JSON → `Error::invalid("json_invalido", …)`: nothing to store; an
//!   object that repeats a key → `json_chave_repetida` (serde would keep one silently).
//! - JSON without an `event` string → `Ok` with `evento: ""` and no events, logged.
//!   Evolution drops an event on any 4xx and retries 5xx for a long time, so answering
//!   200 to what we will never understand is the quiet choice.
//! - `event` is normalised to the dotted lower-case form (`MESSAGES_UPSERT` →
//!   `messages.upsert`): the config uses UPPER_SNAKE, the payload the dotted name.
//! - Only four events are typed (messages.upsert, messages.update, connection.update,
//!   qrcode.updated); every other one (send.message, contacts.*, chats.*, presence.update,
//!   …) yields an empty list, logged at debug.
//! - `data` may be an object, an array, or `{"messages": [...]}` (upserts); one odd item is
//!   skipped with a warning, the rest of the batch still counts.

use serde::Deserialize;
use serde_json::Value;

use super::mensagem::{self, booleano, inteiro, texto, MensagemEvolution};
use crate::error::Result;
use crate::telefone;

/// One webhook POST.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// Dotted lower-case event name (`messages.upsert`); `""` when the body had none.
    pub evento: String,
    /// The instance name (`instance`, a string, or `{instanceName}` in some versions).
    pub instancia: Option<String>,
    /// The instance token, if the server exposes it (`null` → `None`). Compare it in
    /// constant time if used for authentication; never log it.
    pub apikey: Option<String>,
    pub eventos: Vec<EventoEvolution>,
}

/// The events the appliance acts on.
// Nearly every event is a `Mensagem`, and each lives only until it is stored: boxing the
// big variant would add an allocation per message to save bytes on the rare small ones.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum EventoEvolution {
    /// `messages.upsert`: a message in a chat (incoming, or ours with `from_me`).
    Mensagem(MensagemEvolution),
    /// `messages.update`: a receipt for a message.
    Status(StatusEvolution),
    /// `connection.update`: the WhatsApp session opened, dropped or is reconnecting.
    Conexao(ConexaoEvolution),
    /// `qrcode.updated`: a new QR to scan, or the QR limit was reached.
    Qr(QrEvolution),
}

/// `messages.update`: the fate of a message (ours, usually).
#[derive(Debug, Clone, PartialEq)]
pub struct StatusEvolution {
    /// `data.keyId` (2.x), else `data.key.id`: the id `sendText` returned.
    pub id: String,
    /// `ERROR`, `PENDING`, `SERVER_ACK`, `DELIVERY_ACK`, `READ`, `PLAYED`, `DELETED`
    /// (Baileys' numbers 0–5 are translated); an unknown value is kept upper-cased.
    pub status: String,
    pub from_me: bool,
    pub remote_jid: Option<String>,
}

impl StatusEvolution {
    /// Our message status for this receipt: "enviada", "entregue", "lida" or "falhou";
    /// `None` for states that change nothing (PENDING, DELETED, unknown).
    pub fn status_nosso(&self) -> Option<&'static str> {
        match self.status.as_str() {
            "SERVER_ACK" => Some("enviada"),
            "DELIVERY_ACK" => Some("entregue"),
            "READ" | "PLAYED" => Some("lida"),
            "ERROR" => Some("falhou"),
            _ => None,
        }
    }
}

/// `connection.update`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConexaoEvolution {
    /// `open`, `connecting`, `close` or `refused` (lower-cased as received).
    pub estado: String,
    /// `statusReason`: Baileys' disconnect code (200 when nothing is wrong).
    pub motivo: Option<i64>,
    /// The connected number's digits (`wuid`), once open.
    pub numero: Option<String>,
    /// `profileName` of the connected account.
    pub nome_perfil: Option<String>,
}

impl ConexaoEvolution {
    /// A pt-BR explanation of [`motivo`](Self::motivo) (Baileys' `DisconnectReason`), for
    /// the panel; `None` for 200 and codes we do not know.
    pub fn descricao_motivo(&self) -> Option<&'static str> {
        Some(match self.motivo? {
            401 => "sessão encerrada no celular (logout)",
            403 => "acesso negado pelo WhatsApp",
            405 | 428 => "conexão fechada",
            408 => "conexão perdida (tempo esgotado)",
            411 => "versão multi-dispositivo incompatível",
            440 => "conexão substituída por outra sessão",
            500 => "sessão inválida; conecte de novo",
            515 => "reinício necessário",
            _ => return None,
        })
    }
}

/// `qrcode.updated`.
#[derive(Debug, Clone, PartialEq)]
pub struct QrEvolution {
    /// `data.qrcode`, when it carries a code.
    pub qr: Option<QrCode>,
    /// `data.message`, e.g. "QR code limit reached, please login again".
    pub erro: Option<String>,
}

/// A QR (and pairing code) to connect a phone, from the webhook or the REST API.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QrCode {
    /// The raw QR text (`2@…`), to render ourselves ([`super::qr`]).
    pub code: Option<String>,
    /// A `data:image/png;base64,…` URL rendered by Evolution.
    pub base64: Option<String>,
    /// 8 characters to type on the phone ("Conectar com número de telefone").
    pub pairing_code: Option<String>,
    /// How many QRs this connection attempt has produced (0 when not given).
    pub count: i64,
}

impl QrCode {
    /// Reads `{code, base64, pairingCode, count}`; `None` when there is nothing to show
    /// (Evolution answers `{"count": 0}` while the QR is not ready yet).
    pub(super) fn de_json(v: &Value) -> Option<QrCode> {
        let qr = QrCode {
            code: texto(v, "code"),
            base64: texto(v, "base64"),
            pairing_code: texto(v, "pairingCode"),
            count: v.get("count").and_then(inteiro).unwrap_or(0),
        };
        (qr.code.is_some() || qr.base64.is_some() || qr.pairing_code.is_some()).then_some(qr)
    }
}

/// Parses a webhook POST body into its envelope and typed events, in payload order.
pub fn parse(body: &[u8]) -> Result<Envelope> {
    let json = crate::json::ler(body).map_err(|p| p.em_erro("o corpo do webhook da Evolution"))?;
    // Not an object (an array, a string…): no field to read, so the defaults say "not ours".
    let wire = serde_json::from_value::<WireEnvelope>(json).unwrap_or_default();
    let instancia = match &wire.instance {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(obj @ Value::Object(_)) => texto(obj, "instanceName"),
        _ => None,
    };
    let apikey = wire.apikey.as_ref().and_then(Value::as_str).filter(|k| !k.is_empty()).map(str::to_string);
    let evento = wire.event.as_ref().and_then(Value::as_str).map(normalizar_evento).unwrap_or_default();
    let data = wire.data.unwrap_or(Value::Null);
    let eventos = match evento.as_str() {
        "" => {
            log::warn!("webhook da Evolution ignorado: JSON válido, mas sem o campo \"event\"");
            Vec::new()
        }
        "messages.upsert" => mensagens(data),
        "messages.update" => itens(data).into_iter().filter_map(status).map(EventoEvolution::Status).collect(),
        "connection.update" => conexao(&data).map(EventoEvolution::Conexao).into_iter().collect(),
        "qrcode.updated" => vec![EventoEvolution::Qr(qr(&data))],
        outro => {
            log::debug!("webhook da Evolution: evento {outro:?} ignorado");
            Vec::new()
        }
    };
    Ok(Envelope { evento, instancia, apikey, eventos })
}

/// `MESSAGES_UPSERT` and `messages-upsert` (the `byEvents` URL suffix) → `messages.upsert`;
/// dotted names are only lower-cased (some contain a dash: `group-participants.update`).
fn normalizar_evento(evento: &str) -> String {
    let evento = evento.trim().to_ascii_lowercase();
    if evento.contains('.') {
        evento
    } else {
        evento.replace(['_', '-'], ".")
    }
}

/// `data` as a list: an array's items, or the object itself.
fn itens(data: Value) -> Vec<Value> {
    match data {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

fn mensagens(data: Value) -> Vec<EventoEvolution> {
    let items = match data {
        Value::Object(mut o) if o.get("messages").is_some_and(Value::is_array) && !o.contains_key("key") => {
            itens(o.remove("messages").unwrap_or_default())
        }
        other => itens(other),
    };
    items
        .into_iter()
        .filter_map(|item| {
            let decoded = mensagem::decode(item);
            if decoded.is_none() {
                log::warn!("webhook da Evolution: mensagem sem key.id ignorada");
            }
            decoded.map(EventoEvolution::Mensagem)
        })
        .collect()
}

fn status(data: Value) -> Option<StatusEvolution> {
    let key = data.get("key").unwrap_or(&Value::Null);
    let id = texto(&data, "keyId").or_else(|| texto(key, "id"));
    let bruto = data.get("status").or_else(|| data.get("update").and_then(|u| u.get("status")));
    let (Some(id), Some(status)) = (id, bruto.and_then(normalizar_status)) else {
        log::warn!("webhook da Evolution: messages.update sem id ou status ignorado");
        return None;
    };
    Some(StatusEvolution {
        id,
        status,
        from_me: data.get("fromMe").or_else(|| key.get("fromMe")).is_some_and(booleano),
        remote_jid: texto(&data, "remoteJid").or_else(|| texto(key, "remoteJid")),
    })
}

/// Baileys' `WAMessageStatus` numbers (as a number or a numeric string) → Evolution's names.
fn normalizar_status(v: &Value) -> Option<String> {
    const NOMES: [&str; 6] = ["ERROR", "PENDING", "SERVER_ACK", "DELIVERY_ACK", "READ", "PLAYED"];
    let texto = match v {
        Value::String(s) => s.trim().to_ascii_uppercase(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    if texto.is_empty() {
        return None;
    }
    match texto.parse::<usize>().ok().and_then(|n| NOMES.get(n)) {
        Some(nome) => Some(nome.to_string()),
        None => Some(texto),
    }
}

fn conexao(data: &Value) -> Option<ConexaoEvolution> {
    let Some(estado) = texto(data, "state") else {
        log::warn!("webhook da Evolution: connection.update sem state ignorado");
        return None;
    };
    Some(ConexaoEvolution {
        estado: estado.to_ascii_lowercase(),
        motivo: data.get("statusReason").and_then(inteiro),
        numero: texto(data, "wuid").and_then(|j| {
            let digitos = !j.is_empty() && j.bytes().all(|b| b.is_ascii_digit());
            telefone::de_jid(&j).or(digitos.then_some(j))
        }),
        nome_perfil: texto(data, "profileName"),
    })
}

fn qr(data: &Value) -> QrEvolution {
    QrEvolution { qr: data.get("qrcode").and_then(QrCode::de_json), erro: texto(data, "message") }
}

// ---- wire types: every field optional and loosely typed; unknown fields ignored ----

#[derive(Deserialize, Default)]
struct WireEnvelope {
    #[serde(default)]
    event: Option<Value>,
    #[serde(default)]
    instance: Option<Value>,
    #[serde(default)]
    apikey: Option<Value>,
    #[serde(default)]
    data: Option<Value>,
}

#[cfg(test)]
#[path = "webhook_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "webhook_edge_tests.rs"]
mod edge_tests;
