//! Owns one `messages.upsert` item ([`MensagemEvolution`]) and the mapping of its Baileys
//! `data.message` onto the provider-neutral [`MessageKind`].
//!
//! Read leniently, one item at a time: an item without `key.id` is skipped (it could not be
//! stored idempotently); every other odd field becomes empty, and a message type we do not
//! know (or a known one in an unexpected shape) becomes [`MessageKind::Other`]. Both the 2.x
//! shape (`extendedTextMessage` rewritten into `conversation`, `remoteJidAlt`) and the 1.x
//! one (raw `extendedTextMessage.text`, `senderPn`) are accepted.
//!
//! `data.message.base64` (media bytes, only when the webhook has `base64: true`) can be
//! megabytes: it is taken out of [`MensagemEvolution::raw`] into [`MensagemEvolution::base64`]
//! before anything is stored.

use serde_json::Value;

use crate::telefone;
use crate::whatsapp::{Media, MessageKind, SharedContact};

/// A message in a chat of the connected number, as Evolution delivered it.
#[derive(Debug, Clone, PartialEq)]
pub struct MensagemEvolution {
    /// `data.key.id`: with the instance, the idempotency key.
    pub id: String,
    /// `data.key.remoteJid`: the chat (`…@s.whatsapp.net`, `…@lid`, `…@g.us`, …).
    pub remote_jid: String,
    /// The phone JID of the chat when `remote_jid` is a privacy id: `key.remoteJidAlt`
    /// (2.3.x), else `key.senderPn` (older builds). Only kept if it is a person JID.
    pub remote_jid_alt: Option<String>,
    /// Sent by the connected number itself (phone, API, Chatwoot): never answer these.
    pub from_me: bool,
    /// The sender's WhatsApp display name (`None` for our own "Você").
    pub push_name: Option<String>,
    /// `data.messageTimestamp`, Unix seconds; 0 when missing.
    pub timestamp: i64,
    pub kind: MessageKind,
    /// The id of the quoted message (`contextInfo.stanzaId`), usually one of ours.
    pub context: Option<String>,
    /// `data` as received, without `message.base64`.
    pub raw: Value,
    /// The media bytes, base64, when the webhook carried them (`data.message.base64`).
    pub base64: Option<String>,
}

impl MensagemEvolution {
    /// A group, a broadcast list, a status post or a channel: not a one-to-one customer chat.
    pub fn em_grupo(&self) -> bool {
        let jid = self.remote_jid.trim();
        jid.ends_with("@g.us") || jid.ends_with("@broadcast") || jid.ends_with("@newsletter")
    }

    /// The customer's phone digits: from `remote_jid_alt` when present, else `remote_jid`.
    /// `None` for groups and for `@lid` chats that came without a phone JID.
    pub fn telefone(&self) -> Option<String> {
        self.remote_jid_alt.as_deref().and_then(telefone::de_jid).or_else(|| telefone::de_jid(&self.remote_jid))
    }

    /// The customer's privacy id (`…@lid`): `remote_jid` when it is one, else the
    /// `key.senderLid` older builds send beside a phone JID. WhatsApp's counterpart of the
    /// Cloud API's BSUID: stable for a person whose phone may be hidden.
    pub fn lid(&self) -> Option<String> {
        let e_lid = |j: &str| j.trim().ends_with("@lid") && j.trim().len() > 4;
        if e_lid(&self.remote_jid) {
            return Some(self.remote_jid.trim().to_owned());
        }
        let sender_lid = self.raw.get("key").and_then(|k| k.get("senderLid")).and_then(serde_json::Value::as_str);
        sender_lid.filter(|j| e_lid(j)).map(|j| j.trim().to_owned())
    }

    /// The JID to answer to (Evolution's `number`): `remote_jid`, except a `@lid` chat whose
    /// phone JID is known, because sending to `@lid` fails on many builds.
    pub fn responder_para(&self) -> &str {
        match &self.remote_jid_alt {
            Some(alt) if self.remote_jid.ends_with("@lid") => alt,
            _ => &self.remote_jid,
        }
    }

    /// See [`MessageKind::text_for_bot`].
    pub fn text_for_bot(&self) -> Option<String> {
        self.kind.text_for_bot()
    }

    /// See [`MessageKind::kind_name`].
    pub fn kind_name(&self) -> &str {
        self.kind.kind_name()
    }

    /// See [`MessageKind::media`].
    pub fn media(&self) -> Option<&Media> {
        self.kind.media()
    }
}

/// Keys of `data.message` that are never the content: metadata Baileys adds beside it, and
/// what Evolution itself adds (`base64`, `mediaUrl`).
const NAO_CONTEUDO: &[&str] =
    &["protocolMessage", "senderKeyDistributionMessage", "messageContextInfo", "base64", "mediaUrl"];

/// Wrappers whose `.message` holds the real message.
const ENVOLTORIOS: &[&str] = &[
    "ephemeralMessage",
    "viewOnceMessage",
    "viewOnceMessageV2",
    "viewOnceMessageV2Extension",
    "editedMessage",
    "documentWithCaptionMessage",
];

/// Content keys we map, in the order they are looked for.
const CONHECIDAS: &[&str] = &[
    "imageMessage",
    "videoMessage",
    "audioMessage",
    "documentMessage",
    "stickerMessage",
    "locationMessage",
    "liveLocationMessage",
    "contactMessage",
    "contactsArrayMessage",
    "reactionMessage",
    "buttonsResponseMessage",
    "listResponseMessage",
    "templateButtonReplyMessage",
    "conversation",
    "extendedTextMessage",
];

/// Decodes one `messages.upsert` `data` object; `None` without a non-empty `key.id`.
pub(super) fn decode(mut data: Value) -> Option<MensagemEvolution> {
    let key = data.get("key").cloned().unwrap_or(Value::Null);
    let id = texto(&key, "id")?;
    let remote_jid = texto(&key, "remoteJid").unwrap_or_default();
    let remote_jid_alt = texto(&key, "remoteJidAlt")
        .filter(|j| telefone::de_jid(j).is_some())
        .or_else(|| texto(&key, "senderPn").filter(|j| telefone::de_jid(j).is_some()));
    let from_me = key.get("fromMe").is_some_and(booleano);
    let push_name = texto(&data, "pushName").filter(|n| !(from_me && n == "Você"));
    let timestamp = data.get("messageTimestamp").and_then(inteiro).unwrap_or(0);
    let base64 = data
        .get_mut("message")
        .and_then(Value::as_object_mut)
        .and_then(|m| m.remove("base64"))
        .and_then(|b| b.as_str().filter(|s| !s.is_empty()).map(str::to_owned));
    let message = data.get("message").unwrap_or(&Value::Null);
    let conteudo = desembrulhar(message);
    let tipo_declarado = texto(&data, "messageType");
    let (kind, chave) = kind_from(conteudo, &id, tipo_declarado.as_deref());
    let context = data
        .get("contextInfo")
        .and_then(|c| texto(c, "stanzaId"))
        .or_else(|| chave.and_then(|k| conteudo.get(k)?.get("contextInfo")).and_then(|c| texto(c, "stanzaId")));
    Some(MensagemEvolution {
        id,
        remote_jid,
        remote_jid_alt,
        from_me,
        push_name,
        timestamp,
        kind,
        context,
        raw: data,
        base64,
    })
}

/// Follows wrapper messages (`ephemeralMessage.message`, …) down to the content, a few
/// levels at most (a view-once inside an ephemeral is real; a cycle is not possible in JSON,
/// but a depth cap keeps a hostile payload cheap).
fn desembrulhar(mut message: &Value) -> &Value {
    for _ in 0..4 {
        let interna = ENVOLTORIOS.iter().find_map(|k| message.get(k)?.get("message").filter(|m| m.is_object()));
        match interna {
            Some(m) => message = m,
            None => break,
        }
    }
    message
}

/// The kind, and the key of `message` it came from (for `contextInfo`).
fn kind_from<'a>(message: &'a Value, id: &str, tipo_declarado: Option<&str>) -> (MessageKind, Option<&'a str>) {
    let conhecida = CONHECIDAS.iter().copied().find(|k| message.get(*k).is_some_and(|v| !v.is_null()));
    if let Some(chave) = conhecida {
        if let Some(kind) = known_kind(chave, &message[chave], id) {
            return (kind, Some(chave));
        }
    }
    let outra = message.as_object().and_then(|m| m.keys().find(|k| !NAO_CONTEUDO.contains(&k.as_str())));
    let chave = conhecida.or(outra.map(String::as_str));
    let type_name = tipo_declarado
        .filter(|t| !t.is_empty())
        .or(chave)
        .or_else(|| message.as_object().and_then(|m| m.keys().next()).map(String::as_str))
        .unwrap_or("unknown");
    let payload = chave.and_then(|k| message.get(k)).cloned().unwrap_or_else(|| message.clone());
    (MessageKind::Other { type_name: type_name.to_string(), payload }, chave)
}

fn known_kind(chave: &str, body: &Value, id: &str) -> Option<MessageKind> {
    let kind = match chave {
        "conversation" => MessageKind::Text { body: body.as_str()?.to_string() },
        "extendedTextMessage" => MessageKind::Text { body: body.get("text")?.as_str()?.to_string() },
        "imageMessage" => MessageKind::Image(media(body, id)?),
        "videoMessage" => MessageKind::Video(media(body, id)?),
        "audioMessage" => MessageKind::Audio(media(body, id)?),
        "documentMessage" => MessageKind::Document(media(body, id)?),
        "stickerMessage" => MessageKind::Sticker(media(body, id)?),
        "locationMessage" | "liveLocationMessage" => MessageKind::Location {
            latitude: body.get("degreesLatitude").and_then(decimal)?,
            longitude: body.get("degreesLongitude").and_then(decimal)?,
            name: texto(body, "name"),
            address: texto(body, "address"),
        },
        "contactMessage" => MessageKind::Contacts(vec![contato(body)?]),
        "contactsArrayMessage" => {
            MessageKind::Contacts(body.get("contacts")?.as_array()?.iter().filter_map(contato).collect())
        }
        "reactionMessage" => MessageKind::Reaction {
            message_id: body.get("key").and_then(|k| texto(k, "id"))?,
            // An empty text is WhatsApp's way of saying the reaction was removed.
            emoji: texto(body, "text"),
        },
        "buttonsResponseMessage" => MessageKind::ButtonReply {
            id: texto(body, "selectedButtonId").unwrap_or_default(),
            title: texto(body, "selectedDisplayText").unwrap_or_default(),
        },
        "templateButtonReplyMessage" => MessageKind::ButtonReply {
            id: texto(body, "selectedId").unwrap_or_default(),
            title: texto(body, "selectedDisplayText").unwrap_or_default(),
        },
        "listResponseMessage" => MessageKind::ListReply {
            id: body.get("singleSelectReply").and_then(|r| texto(r, "selectedRowId")).unwrap_or_default(),
            title: texto(body, "title").unwrap_or_default(),
            description: texto(body, "description"),
        },
        _ => return None,
    };
    Some(kind)
}

/// A Baileys media message. WhatsApp media have no standalone id, so the message id
/// stands in (Evolution downloads media by message id too).
fn media(body: &Value, id: &str) -> Option<Media> {
    body.as_object()?;
    Some(Media {
        id: id.to_string(),
        mime_type: texto(body, "mimetype"),
        sha256: texto(body, "fileSha256"),
        caption: texto(body, "caption"),
        filename: texto(body, "fileName").or_else(|| texto(body, "title")),
        voice: body.get("ptt").is_some_and(booleano),
        url: texto(body, "url"),
    })
}

/// One `contactMessage` (`{displayName, vcard}`); the name falls back to the vCard's `FN`.
fn contato(body: &Value) -> Option<SharedContact> {
    body.as_object()?;
    let vcard = texto(body, "vcard").unwrap_or_default();
    let name = texto(body, "displayName").or_else(|| vcard_fn(&vcard)).unwrap_or_default();
    Some(SharedContact { name, phones: vcard_telefones(&vcard) })
}

/// The phones of a vCard: the `waid=` digits of each `TEL` line when given (that is the
/// WhatsApp id), else the line's value as written.
fn vcard_telefones(vcard: &str) -> Vec<String> {
    let mut phones: Vec<String> = Vec::new();
    for (props, value) in vcard.lines().filter_map(|l| l.trim().split_once(':')) {
        let mut params = props.split(';');
        let name = params.next().unwrap_or_default();
        let name = name.rsplit_once('.').map_or(name, |(_group, n)| n);
        if !name.eq_ignore_ascii_case("TEL") {
            continue;
        }
        let waid = params.find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.trim().eq_ignore_ascii_case("waid").then(|| v.trim().to_string())
        });
        let phone = waid.filter(|w| !w.is_empty()).unwrap_or_else(|| value.trim().to_string());
        if !phone.is_empty() && !phones.contains(&phone) {
            phones.push(phone);
        }
    }
    phones
}

fn vcard_fn(vcard: &str) -> Option<String> {
    vcard.lines().find_map(|l| {
        let (props, value) = l.trim().split_once(':')?;
        let name = props.split(';').next()?;
        (name.eq_ignore_ascii_case("FN") && !value.trim().is_empty()).then(|| value.trim().to_string())
    })
}

// ---- lenient readers, shared with `webhook.rs` ----

/// A non-empty string field.
pub(super) fn texto(v: &Value, key: &str) -> Option<String> {
    v.get(key)?.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

/// `true`, or the string `"true"` (some builds stringify booleans).
pub(super) fn booleano(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => s.trim().eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// An integer sent as a number, a numeric string, or a protobuf.js `Long`
/// (`{"low": …, "high": …, "unsigned": …}`), which Baileys timestamps sometimes are.
pub(super) fn inteiro(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        Value::Object(o) => {
            let low = o.get("low")?.as_i64()?;
            let high = o.get("high").and_then(Value::as_i64).unwrap_or(0);
            Some((high << 32) | (low & 0xFFFF_FFFF))
        }
        _ => None,
    }
}

fn decimal(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}

#[cfg(test)]
#[path = "mensagem_tests.rs"]
mod tests;
