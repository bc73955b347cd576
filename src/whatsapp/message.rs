//! Owns one inbound WhatsApp message (`value.messages[]` item) and its typed body.
//!
//! A message is decoded from its own JSON object, one at a time, so a type we do not know
//! (or a known type with a surprising shape) becomes [`MessageKind::Other`] instead of
//! failing the whole webhook batch. The original JSON is kept for the store.
//!
//! [`MessageKind`] (and its `text_for_bot` / `kind_name` / `media`) is provider-neutral:
//! `evolution/` maps Baileys messages onto it, so the bot reads both channels the same way.

use serde::Deserialize;
use serde_json::Value;

use super::webhook::{ErrorInfo, WireError};

/// An inbound message, flattened out of the webhook envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    /// The business number that received it (`value.metadata.phone_number_id`): the routing key.
    pub phone_number_id: String,
    /// `messages[].id` (`wamid.…`): the idempotency key.
    pub wa_message_id: String,
    /// The sender's `wa_id` (`messages[].from`). Meta may send `""` for username users.
    pub from: String,
    /// The sender's business-scoped user id, BSUID (`from_user_id`, else the contact's
    /// `user_id`): with usernames, the one key Meta always sends. `None` when absent or "".
    pub user_id: Option<String>,
    /// The sender's WhatsApp profile name, matched from `contacts[]` by `wa_id` / `user_id`.
    pub profile_name: Option<String>,
    /// The sender's WhatsApp username (`contacts[].profile.username`, e.g. `@joana`), when
    /// they adopted one: shown to people, never a key (users change it).
    pub username: Option<String>,
    /// A `system` message saying the customer changed number (`user_changed_number`) or
    /// BSUID (`user_changed_user_id`): their new keys.
    pub number_change: Option<Box<NumberChange>>,
    /// Unix seconds (Meta sends a string); 0 when missing or not a number.
    pub timestamp: i64,
    /// The id of the message this one replies to (`context.id`), usually one of ours.
    pub context: Option<String>,
    /// What was sent.
    pub kind: MessageKind,
    /// Message-level `errors[]` (present on `unsupported` messages).
    pub errors: Vec<ErrorInfo>,
    /// The message's original JSON object, as Meta sent it (for the store and for fields
    /// not modelled here: `referral`, `context.referred_product`, `forwarded`, …).
    pub raw: Value,
}

/// The new keys of a customer who changed number: `system.wa_id` (and, with usernames,
/// `system.user_id`). The message's own `from` / `from_user_id` are the old ones.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NumberChange {
    pub new_wa_id: Option<String>,
    pub new_user_id: Option<String>,
}

/// The typed body of an inbound message.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageKind {
    Text {
        body: String,
    },
    /// `interactive.button_reply`: the user tapped one of our reply buttons.
    ButtonReply {
        id: String,
        title: String,
    },
    /// `interactive.list_reply`: the user picked a row of one of our lists.
    ListReply {
        id: String,
        title: String,
        description: Option<String>,
    },
    /// `button`: a template quick-reply button.
    Button {
        payload: String,
        text: String,
    },
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
    },
    Image(Media),
    Audio(Media),
    Video(Media),
    Document(Media),
    Sticker(Media),
    /// A reaction to `message_id`; `emoji: None` means the reaction was removed.
    Reaction {
        message_id: String,
        emoji: Option<String>,
    },
    /// Shared contact cards.
    Contacts(Vec<SharedContact>),
    /// order, system, unsupported, a new type, or a known type in an unexpected shape:
    /// the `type` string and the JSON under that key (`Null` if absent).
    Other {
        type_name: String,
        payload: Value,
    },
}

/// A media attachment. Only the id is guaranteed; download it later through the Graph API.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Media {
    pub id: String,
    #[serde(default)]
    pub mime_type: Option<String>,
    #[serde(default)]
    pub sha256: Option<String>,
    #[serde(default)]
    pub caption: Option<String>,
    /// Documents only.
    #[serde(default)]
    pub filename: Option<String>,
    /// Audio only: recorded with the WhatsApp microphone.
    #[serde(default)]
    pub voice: bool,
    /// Being rolled out by Meta since Nov 2025; optional, expires after 5 minutes.
    #[serde(default)]
    pub url: Option<String>,
}

/// One contact card of a `contacts` message, reduced to what a salesperson needs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SharedContact {
    pub name: String,
    pub phones: Vec<String>,
}

impl MessageKind {
    /// The text the bot should read, or `None` when there is nothing to answer
    /// (reactions, stickers, system and unsupported messages).
    pub fn text_for_bot(&self) -> Option<String> {
        let text = match self {
            MessageKind::Text { body } => body.clone(),
            MessageKind::ButtonReply { title, .. } | MessageKind::ListReply { title, .. } => title.clone(),
            MessageKind::Button { payload, text } if text.is_empty() => payload.clone(),
            MessageKind::Button { text, .. } => text.clone(),
            MessageKind::Location { latitude, longitude, name, address } => {
                let place: Vec<&str> = [name, address].into_iter().flatten().map(String::as_str).collect();
                if place.is_empty() {
                    format!("[localização: {latitude}, {longitude}]")
                } else {
                    format!("[localização: {} ({latitude}, {longitude})]", place.join(", "))
                }
            }
            MessageKind::Image(m) => with_caption("[imagem]", m),
            MessageKind::Video(m) => with_caption("[vídeo]", m),
            MessageKind::Audio(m) if m.voice => "[mensagem de voz]".to_string(),
            MessageKind::Audio(_) => "[áudio]".to_string(),
            MessageKind::Document(m) => {
                let label = m.filename.as_deref().map_or("[documento]".to_string(), |f| format!("[documento: {f}]"));
                with_caption(&label, m)
            }
            MessageKind::Contacts(cards) => {
                let cards: Vec<String> =
                    cards.iter().map(|c| format!("{} {}", c.name, c.phones.join(" ")).trim().to_string()).collect();
                format!("[contato: {}]", cards.join("; "))
            }
            MessageKind::Sticker(_) | MessageKind::Reaction { .. } | MessageKind::Other { .. } => return None,
        };
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_string())
    }

    /// A short stable name for the kind: "text", "button_reply", "list_reply", "button",
    /// "location", "image", "audio", "video", "document", "sticker", "reaction", "contacts",
    /// or the provider's own type name for everything else (Meta's `type`: "unsupported",
    /// "order", "system", …; Evolution's `messageType`: "pollCreationMessage", …).
    pub fn kind_name(&self) -> &str {
        match self {
            MessageKind::Text { .. } => "text",
            MessageKind::ButtonReply { .. } => "button_reply",
            MessageKind::ListReply { .. } => "list_reply",
            MessageKind::Button { .. } => "button",
            MessageKind::Location { .. } => "location",
            MessageKind::Image(_) => "image",
            MessageKind::Audio(_) => "audio",
            MessageKind::Video(_) => "video",
            MessageKind::Document(_) => "document",
            MessageKind::Sticker(_) => "sticker",
            MessageKind::Reaction { .. } => "reaction",
            MessageKind::Contacts(_) => "contacts",
            MessageKind::Other { type_name, .. } => type_name,
        }
    }

    /// The media attachment, if this is a media message.
    pub fn media(&self) -> Option<&Media> {
        match self {
            MessageKind::Image(m)
            | MessageKind::Audio(m)
            | MessageKind::Video(m)
            | MessageKind::Document(m)
            | MessageKind::Sticker(m) => Some(m),
            _ => None,
        }
    }
}

impl InboundMessage {
    /// The text the bot should read; see [`MessageKind::text_for_bot`].
    pub fn text_for_bot(&self) -> Option<String> {
        self.kind.text_for_bot()
    }

    /// A short stable name for the kind; see [`MessageKind::kind_name`].
    pub fn kind_name(&self) -> &str {
        self.kind.kind_name()
    }

    /// The media attachment, if this is a media message.
    pub fn media(&self) -> Option<&Media> {
        self.kind.media()
    }

    /// The message's original JSON object, serialised for storage. (Escaping may differ
    /// from the raw POST body; the signature was checked on that body already.)
    pub fn raw_json(&self) -> String {
        self.raw.to_string()
    }
}

fn with_caption(label: &str, media: &Media) -> String {
    match media.caption.as_deref().map(str::trim) {
        Some(caption) if !caption.is_empty() => format!("{label} {caption}"),
        _ => label.to_string(),
    }
}

/// The sender as listed in `value.contacts[]`.
#[derive(Default)]
pub(super) struct Sender {
    pub name: Option<String>,
    pub user_id: Option<String>,
    pub username: Option<String>,
}

/// Decodes one `messages[]` item. `None` when it has no string `id`: such an item cannot
/// be stored idempotently, and Meta never sends one. Every other field is read leniently
/// (a missing or oddly typed one becomes empty), so the message itself is never lost.
pub(super) fn decode(
    raw: Value,
    phone_number_id: &str,
    sender_for: impl FnOnce(&str, Option<&str>) -> Sender,
) -> Option<InboundMessage> {
    let wa_message_id = str_field(&raw, "id").filter(|id| !id.is_empty())?;
    let from = str_field(&raw, "from").unwrap_or_default();
    let from_user_id = non_empty(&raw, "from_user_id");
    let sender = sender_for(&from, from_user_id.as_deref());
    let type_name = str_field(&raw, "type").filter(|t| !t.is_empty()).unwrap_or_else(|| "unknown".to_string());
    let errors = raw.get("errors").and_then(Value::as_array).map(|list| list.iter().filter_map(WireError::info));
    Some(InboundMessage {
        phone_number_id: phone_number_id.to_string(),
        wa_message_id,
        user_id: from_user_id.or(sender.user_id.filter(|u| !u.is_empty())),
        profile_name: sender.name,
        username: sender.username.filter(|u| !u.trim().is_empty()),
        number_change: number_change(&type_name, &raw).map(Box::new),
        from,
        timestamp: raw.get("timestamp").map_or(0, unix_seconds),
        context: raw.get("context").and_then(|c| str_field(c, "id")),
        kind: kind_from(&type_name, &raw),
        errors: errors.map(Iterator::collect).unwrap_or_default(),
        raw,
    })
}

/// The new keys of a `system` message about a number (or BSUID) change; `None` for any
/// other message, and for a change that names no new key.
fn number_change(type_name: &str, raw: &Value) -> Option<NumberChange> {
    let system = raw.get("system").filter(|_| type_name == "system")?;
    let kind = str_field(system, "type").unwrap_or_default();
    if !matches!(kind.as_str(), "user_changed_number" | "user_changed_user_id") {
        return None;
    }
    let change = NumberChange { new_wa_id: non_empty(system, "wa_id"), new_user_id: non_empty(system, "user_id") };
    (change.new_wa_id.is_some() || change.new_user_id.is_some()).then_some(change)
}

/// A string field that is present and not blank.
fn non_empty(v: &Value, key: &str) -> Option<String> {
    str_field(v, key).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Meta sends Unix seconds as a string; accept a number too. Anything else is 0.
pub(super) fn unix_seconds(v: &Value) -> i64 {
    match v {
        Value::String(s) => s.trim().parse().unwrap_or(0),
        Value::Number(n) => n.as_i64().unwrap_or(0),
        _ => 0,
    }
}

/// Decodes the body under `raw[type_name]`; a shape we do not expect becomes `Other`.
fn kind_from(type_name: &str, raw: &Value) -> MessageKind {
    let body = raw.get(type_name).cloned().unwrap_or(Value::Null);
    known_kind(type_name, &body)
        .unwrap_or_else(|| MessageKind::Other { type_name: type_name.to_string(), payload: body })
}

fn known_kind(type_name: &str, body: &Value) -> Option<MessageKind> {
    let kind = match type_name {
        "text" => MessageKind::Text { body: str_field(body, "body")? },
        "interactive" => interactive(body)?,
        "button" => MessageKind::Button {
            payload: str_field(body, "payload").unwrap_or_default(),
            text: str_field(body, "text").unwrap_or_default(),
        },
        "location" => MessageKind::Location {
            latitude: body.get("latitude")?.as_f64()?,
            longitude: body.get("longitude")?.as_f64()?,
            name: str_field(body, "name"),
            address: str_field(body, "address"),
        },
        "image" => MessageKind::Image(media(body)?),
        "audio" => MessageKind::Audio(media(body)?),
        "video" => MessageKind::Video(media(body)?),
        "document" => MessageKind::Document(media(body)?),
        "sticker" => MessageKind::Sticker(media(body)?),
        "reaction" => MessageKind::Reaction {
            message_id: str_field(body, "message_id")?,
            // Meta omits `emoji` when the user removes a reaction; treat "" the same way.
            emoji: str_field(body, "emoji").filter(|e| !e.is_empty()),
        },
        "contacts" => MessageKind::Contacts(body.as_array()?.iter().map(shared_contact).collect()),
        _ => return None,
    };
    Some(kind)
}

fn interactive(body: &Value) -> Option<MessageKind> {
    match body.get("type")?.as_str()? {
        "button_reply" => {
            let reply = body.get("button_reply")?;
            Some(MessageKind::ButtonReply { id: str_field(reply, "id")?, title: str_field(reply, "title")? })
        }
        "list_reply" => {
            let reply = body.get("list_reply")?;
            Some(MessageKind::ListReply {
                id: str_field(reply, "id")?,
                title: str_field(reply, "title")?,
                description: str_field(reply, "description"),
            })
        }
        // nfm_reply (Flows) and future kinds stay `Other` with the whole object.
        _ => None,
    }
}

fn media(body: &Value) -> Option<Media> {
    Media::deserialize(body).ok()
}

fn shared_contact(card: &Value) -> SharedContact {
    let name = card.get("name");
    let formatted = name.and_then(|n| str_field(n, "formatted_name"));
    let name = formatted.unwrap_or_else(|| {
        let parts = ["first_name", "last_name"].map(|k| name.and_then(|n| str_field(n, k)).unwrap_or_default());
        parts.join(" ").trim().to_string()
    });
    let phones = card
        .get("phones")
        .and_then(Value::as_array)
        .map(|phones| phones.iter().filter_map(|p| str_field(p, "phone").or_else(|| str_field(p, "wa_id"))).collect())
        .unwrap_or_default();
    SharedContact { name, phones }
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key)?.as_str().map(str::to_string)
}
