//! Owns the Cloud API webhook envelope: its wire types and [`parse`], which flattens
//! `entry[].changes[].value.{messages,statuses,errors}[]` into a list of [`WebhookEvent`]s.
//!
//! What `parse` accepts, and why:
//! - Bytes that are not JSON → `Error::invalid("json_invalido", …)` (400): nothing is stored.
//! - JSON whose objects repeat a key (`entry` twice) → `json_chave_repetida` (400): serde
//!   would keep one of the two silently (see `crate::json`). Meta never sends one; whoever
//!   did gets the reason, and it is logged.
//! - Valid JSON that is not a WhatsApp envelope (`object` other than
//!   `whatsapp_business_account`, no `entry`, wrong shapes) → an **empty list**, logged. The
//!   signature has already proved the POST came from Meta, and Meta retries every non-200 for
//!   7 days, so a 4xx for something we will never understand only buys a retry storm.
//! - Changes whose `field` is not `messages` (account_update, template status, …) are skipped.
//! - One odd item (a message without an id, a change without `phone_number_id`) is skipped
//!   with a warning; the rest of the batch still counts. Unknown message types are kept
//!   as [`MessageKind::Other`](super::MessageKind::Other), never dropped.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::message::{self, InboundMessage, Sender};
use crate::error::Result;

/// The only `object` value a WhatsApp webhook carries.
pub const WHATSAPP_OBJECT: &str = "whatsapp_business_account";

/// One thing that happened, tagged with the business number it concerns.
// Most events are `Inbound` messages, each living only until it is journaled: boxing the big
// variant would add an allocation per message to save bytes on the rarer statuses.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum WebhookEvent {
    /// A customer wrote to us.
    Inbound(InboundMessage),
    /// A message we sent changed state.
    Status(StatusUpdate),
    /// A system-, app- or account-level error (`value.errors[]`), e.g. 130429.
    Error(SystemError),
}

impl WebhookEvent {
    /// The business number (`value.metadata.phone_number_id`): the only tenant routing key.
    pub fn phone_number_id(&self) -> &str {
        match self {
            WebhookEvent::Inbound(m) => &m.phone_number_id,
            WebhookEvent::Status(s) => &s.phone_number_id,
            WebhookEvent::Error(e) => &e.phone_number_id,
        }
    }
}

/// `value.statuses[]`: the fate of a message we sent.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusUpdate {
    pub phone_number_id: String,
    /// The `wamid` we got back when sending.
    pub wa_message_id: String,
    /// `sent`, `delivered`, `read`, `failed`, `played`, `deleted`, … kept as Meta's text
    /// because new values appear; statuses arrive out of order, so apply them monotonically.
    pub status: String,
    /// Unix seconds; 0 when missing or not a number.
    pub timestamp: i64,
    pub recipient_id: String,
    /// The first of `errors[]` (set on `failed`), e.g. 131047 "Re-engagement message".
    pub error: Option<ErrorInfo>,
}

impl StatusUpdate {
    /// Meta's error code, for failed statuses.
    pub fn error_code(&self) -> Option<i64> {
        self.error.as_ref().map(|e| e.code)
    }
}

/// `value.errors[]`: an error not tied to one message.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemError {
    pub phone_number_id: String,
    pub error: ErrorInfo,
}

/// Meta's webhook error object (`{code, title, message, error_data.details}`).
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorInfo {
    pub code: i64,
    /// Short English title ("Re-engagement message"); falls back to `message`.
    pub title: String,
    pub message: Option<String>,
    /// `error_data.details`: the longest human explanation Meta gives.
    pub details: Option<String>,
}

/// Parses a webhook POST body (already signature-checked) into flat events, in payload order.
pub fn parse(raw: &[u8]) -> Result<Vec<WebhookEvent>> {
    let valor = crate::json::ler(raw).map_err(|p| p.em_erro("o corpo do webhook"))?;
    let envelope = match Envelope::deserialize(valor) {
        Ok(envelope) => envelope,
        Err(e) => {
            log::warn!("webhook do WhatsApp ignorado: JSON válido, mas não é um envelope ({e})");
            return Ok(Vec::new());
        }
    };
    if envelope.object.as_deref() != Some(WHATSAPP_OBJECT) {
        log::warn!("webhook ignorado: object = {:?}, esperado {WHATSAPP_OBJECT:?}", envelope.object);
        return Ok(Vec::new());
    }
    let mut events = Vec::new();
    for entry in lenient::<Entry>(envelope.entry, "entry") {
        for change in lenient::<Change>(entry.changes, "change") {
            if change.field.as_deref().is_some_and(|f| f != "messages") {
                log::debug!("webhook: campo {:?} ignorado", change.field);
                continue;
            }
            let Some(value) = change.value.and_then(|v| decode_or_warn::<ChangeValue>(v, "value")) else {
                continue;
            };
            flatten_value(value, &mut events);
        }
    }
    Ok(events)
}

/// Appends the messages, statuses and errors of one `value` object.
fn flatten_value(value: ChangeValue, events: &mut Vec<WebhookEvent>) {
    let Some(phone_number_id) = value.metadata.and_then(|m| m.phone_number_id).filter(|id| !id.is_empty()) else {
        log::warn!("webhook: change sem metadata.phone_number_id ignorado (não há como rotear)");
        return;
    };
    let contacts: Vec<Contact> = lenient(value.contacts, "contact").collect();
    for raw in value.messages.unwrap_or_default() {
        match message::decode(raw, &phone_number_id, |from, user_id| sender(&contacts, from, user_id)) {
            Some(m) => events.push(WebhookEvent::Inbound(m)),
            None => log::warn!("webhook: mensagem sem id ignorada"),
        }
    }
    for status in lenient::<WireStatus>(value.statuses, "status") {
        events.push(WebhookEvent::Status(StatusUpdate {
            phone_number_id: phone_number_id.clone(),
            wa_message_id: status.id,
            status: status.status,
            timestamp: status.timestamp.as_ref().map_or(0, message::unix_seconds),
            recipient_id: status.recipient_id.unwrap_or_default(),
            error: status.errors.unwrap_or_default().iter().find_map(WireError::info),
        }));
    }
    for error in value.errors.unwrap_or_default().iter().filter_map(WireError::info) {
        events.push(WebhookEvent::Error(SystemError { phone_number_id: phone_number_id.clone(), error }));
    }
}

/// The contact card for the sender: matched by `wa_id` (ignoring a leading `+`, which
/// Meta's docs show on one side only) or by BSUID (`user_id` = `from_user_id`; username users
/// may arrive with `from: ""`), or the only card when there is just one. With several cards
/// and no match we would rather have no name than someone else's.
fn sender(contacts: &[Contact], from: &str, from_user_id: Option<&str>) -> Sender {
    let from = from.trim_start_matches('+');
    let by_id = contacts.iter().find(|c| {
        let by_phone = !from.is_empty() && c.wa_id.as_deref().map(|id| id.trim_start_matches('+')) == Some(from);
        let by_bsuid = from_user_id.is_some() && c.user_id.as_deref() == from_user_id;
        by_phone || by_bsuid
    });
    let card = by_id.or(match contacts {
        [only] => Some(only),
        _ => None,
    });
    card.map_or_else(Sender::default, |c| Sender {
        name: c.profile.as_ref().and_then(|p| p.name.clone()),
        user_id: c.user_id.clone(),
        username: c.profile.as_ref().and_then(|p| p.username.clone()),
    })
}

/// Decodes each item on its own, so one odd item cannot sink its batch.
fn lenient<T: DeserializeOwned>(items: Option<Vec<Value>>, what: &'static str) -> impl Iterator<Item = T> {
    items.unwrap_or_default().into_iter().filter_map(move |v| decode_or_warn(v, what))
}

fn decode_or_warn<T: DeserializeOwned>(v: Value, what: &str) -> Option<T> {
    serde_json::from_value(v).map_err(|e| log::warn!("webhook: {what} com formato inesperado ignorado: {e}")).ok()
}

// ---- wire types: every field optional, unknown fields ignored (serde's default) ----

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    object: Option<String>,
    #[serde(default)]
    entry: Option<Vec<Value>>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Option<Vec<Value>>,
}

#[derive(Deserialize)]
struct Change {
    #[serde(default)]
    field: Option<String>,
    #[serde(default)]
    value: Option<Value>,
}

#[derive(Deserialize)]
struct ChangeValue {
    #[serde(default)]
    metadata: Option<Metadata>,
    #[serde(default)]
    contacts: Option<Vec<Value>>,
    #[serde(default)]
    messages: Option<Vec<Value>>,
    #[serde(default)]
    statuses: Option<Vec<Value>>,
    #[serde(default)]
    errors: Option<Vec<Value>>,
}

#[derive(Deserialize)]
struct Metadata {
    #[serde(default)]
    phone_number_id: Option<String>,
}

#[derive(Deserialize)]
struct Contact {
    #[serde(default)]
    wa_id: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    profile: Option<Profile>,
}

#[derive(Deserialize)]
struct Profile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    username: Option<String>,
}

#[derive(Deserialize)]
struct WireStatus {
    id: String,
    status: String,
    #[serde(default)]
    timestamp: Option<Value>,
    #[serde(default)]
    recipient_id: Option<String>,
    #[serde(default)]
    errors: Option<Vec<Value>>,
}

/// Meta's error object as it appears in webhooks (messages, statuses and value level).
#[derive(Deserialize)]
pub(super) struct WireError {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    error_data: Option<WireErrorData>,
}

#[derive(Deserialize)]
struct WireErrorData {
    #[serde(default)]
    details: Option<String>,
}

impl WireError {
    /// `None` for an item without a numeric `code`: the code is what the rest of the
    /// system acts on.
    pub(super) fn info(v: &Value) -> Option<ErrorInfo> {
        let wire = WireError::deserialize(v).ok()?;
        let code = wire.code?;
        let title = wire.title.or_else(|| wire.message.clone()).unwrap_or_default();
        Some(ErrorInfo { code, title, message: wire.message, details: wire.error_data.and_then(|d| d.details) })
    }
}

#[cfg(test)]
#[path = "webhook_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "webhook_edge_tests.rs"]
mod edge_tests;
