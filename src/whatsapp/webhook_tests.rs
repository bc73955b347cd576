//! Tests of `webhook::parse` against every webhook payload in `tests/fixtures/whatsapp/`
//! (real Meta/pywa examples), asserting the fields the store and the bot rely on.
//! Hand-made edge cases live in `webhook_edge_tests.rs`.

use serde_json::{json, Value};

use super::*;
use crate::whatsapp::{Media, MessageKind};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../tests/fixtures/whatsapp/", $name, ".json"))
    };
}

/// Every webhook payload among the fixtures (the rest are request/response bodies).
pub(super) const WEBHOOK_FIXTURES: &[(&str, &str)] = &[
    ("audio_voice", fixture!("audio_voice")),
    ("button_quick_reply", fixture!("button_quick_reply")),
    ("contacts", fixture!("contacts")),
    ("document", fixture!("document")),
    ("errors_system_130429", fixture!("errors_system_130429")),
    ("image", fixture!("image")),
    ("image_with_url_pywa", fixture!("image_with_url_pywa")),
    ("interactive_button_reply", fixture!("interactive_button_reply")),
    ("interactive_list_reply", fixture!("interactive_list_reply")),
    ("location", fixture!("location")),
    ("reaction", fixture!("reaction")),
    ("reaction_removed", fixture!("reaction_removed")),
    ("status_delivered", fixture!("status_delivered")),
    ("status_failed_130472_pywa", fixture!("status_failed_130472_pywa")),
    ("status_failed_131047_real", fixture!("status_failed_131047_real")),
    ("status_read_pywa", fixture!("status_read_pywa")),
    ("status_sent", fixture!("status_sent")),
    ("sticker", fixture!("sticker")),
    ("system_user_changed_number", fixture!("system_user_changed_number")),
    ("system_user_changed_user_id", fixture!("system_user_changed_user_id")),
    ("text", fixture!("text")),
    ("text_bsuid_username_no_phone", fixture!("text_bsuid_username_no_phone")),
    ("text_bsuid_with_phone", fixture!("text_bsuid_with_phone")),
    ("text_message_business_button", fixture!("text_message_business_button")),
    ("text_reply_with_context_pywa", fixture!("text_reply_with_context_pywa")),
    ("unsupported", fixture!("unsupported")),
    ("video", fixture!("video")),
];

pub(super) const META_NUMBER: &str = "106540352242922";
pub(super) const WAMID_A: &str = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=";
const WAMID_B: &str = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=";

pub(super) fn one_message(json: &str) -> InboundMessage {
    match parse(json.as_bytes()).unwrap().as_slice() {
        [WebhookEvent::Inbound(m)] => m.clone(),
        other => panic!("expected one inbound message, got {other:?}"),
    }
}

fn one_status(json: &str) -> StatusUpdate {
    match parse(json.as_bytes()).unwrap().as_slice() {
        [WebhookEvent::Status(s)] => s.clone(),
        other => panic!("expected one status, got {other:?}"),
    }
}

/// A minimal envelope around `messages`, with or without `contacts`.
pub(super) fn envelope(messages: Value, contacts: Option<Value>) -> String {
    let mut value = json!({"messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "5511900000000", "phone_number_id": "111"}, "messages": messages});
    if let Some(c) = contacts {
        value["contacts"] = c;
    }
    json!({"object": WHATSAPP_OBJECT, "entry": [{"id": "w", "changes": [{"field": "messages", "value": value}]}]})
        .to_string()
}

#[test]
fn every_fixture_parses_to_at_least_one_event() {
    for (name, json) in WEBHOOK_FIXTURES {
        let events = parse(json.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(events.len(), 1, "{name}: {events:?}");
    }
}

#[test]
fn fixture_directory_has_no_unparsed_webhook() {
    // Catches payloads added to tests/fixtures later without a test above.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/whatsapp");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let is_webhook = serde_json::from_str::<Value>(&text).is_ok_and(|v| v.get("object").is_some());
        if path.extension().is_some_and(|e| e == "json") && is_webhook {
            assert!(WEBHOOK_FIXTURES.iter().any(|(n, _)| *n == name), "{name} is not in WEBHOOK_FIXTURES");
            assert!(!parse(text.as_bytes()).unwrap().is_empty(), "{name}");
        }
    }
}

#[test]
fn text() {
    let m = one_message(fixture!("text"));
    assert_eq!(m.phone_number_id, META_NUMBER);
    assert_eq!(m.wa_message_id, WAMID_A);
    assert_eq!(m.from, "16505551234");
    assert_eq!(m.profile_name.as_deref(), Some("Sheena Nelson"));
    assert_eq!(m.timestamp, 1749416383);
    assert_eq!(m.context, None);
    assert_eq!(m.kind, MessageKind::Text { body: "Does it come in another color?".into() });
    assert_eq!(m.kind_name(), "text");
    assert_eq!(m.text_for_bot().as_deref(), Some("Does it come in another color?"));
    assert!(m.errors.is_empty());
    assert_eq!(m.raw["text"]["body"], "Does it come in another color?");
    let raw: Value = serde_json::from_str(&m.raw_json()).unwrap();
    assert_eq!(raw["id"], WAMID_A);
}

#[test]
fn text_with_referred_product_and_replies() {
    let m = one_message(fixture!("text_message_business_button"));
    assert_eq!(m.wa_message_id, "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTA2NTUwRkNEMDdFQjJCRUU0NQA=");
    assert_eq!(m.context.as_deref(), Some("wamid.HBgLMTY1MDM4Nzk0MzkVAgARGA9wcm9kdWN0X2lucXVpcnkA"));
    assert_eq!(m.text_for_bot().as_deref(), Some("Is this still available?"));
    assert_eq!(m.raw["context"]["referred_product"]["product_retailer_id"], "di9ozbzfi4");

    let m = one_message(fixture!("text_reply_with_context_pywa"));
    assert_eq!((m.phone_number_id.as_str(), m.from.as_str()), ("1122334455667", "972987654321"));
    assert_eq!(m.context.as_deref(), Some("wamid.xyzxyz=="));
    assert_eq!(m.user_id.as_deref(), Some("US.13491208655302741918"));
    assert_eq!(m.profile_name.as_deref(), Some("Test Name"));
    assert_eq!(m.timestamp, 1697044746);
    assert_eq!(m.text_for_bot().as_deref(), Some("replied text"));
}

#[test]
fn usernames_and_bsuids() {
    // A username user outside the 30-day window: no phone at all, only the BSUID.
    let m = one_message(fixture!("text_bsuid_username_no_phone"));
    assert_eq!(m.from, "");
    assert_eq!(m.user_id.as_deref(), Some("user.93737..."));
    assert_eq!(m.username.as_deref(), Some("@realsheenanelson"));
    assert_eq!(m.profile_name.as_deref(), Some("Sheena Nelson"));
    assert!(m.number_change.is_none());
    // Both keys, as most messages will carry them.
    let m = one_message(fixture!("text_bsuid_with_phone"));
    assert_eq!((m.from.as_str(), m.user_id.as_deref()), ("16505551234", Some("US.13491208655302741918")));
    assert_eq!(m.username.as_deref(), Some("@realsheenanelson"));
    // Before the rollout: neither.
    let m = one_message(fixture!("text"));
    assert_eq!((m.user_id.as_deref(), m.username.as_deref()), (None, None));
    // With several cards, the sender's is the one with its BSUID.
    let json = envelope(
        json!([{"from": "", "from_user_id": "US.2", "id": "wamid.X", "timestamp": "1", "type": "text", "text": {"body": "oi"}}]),
        Some(json!([
            {"profile": {"name": "Ana", "username": "@ana"}, "wa_id": "", "user_id": "US.1"},
            {"profile": {"name": "Bia", "username": "@bia"}, "wa_id": "", "user_id": "US.2"}
        ])),
    );
    let m = one_message(&json);
    assert_eq!((m.profile_name.as_deref(), m.username.as_deref()), (Some("Bia"), Some("@bia")));
}

#[test]
fn a_number_change_carries_the_new_keys() {
    let m = one_message(fixture!("system_user_changed_number"));
    assert_eq!((m.kind_name(), m.from.as_str()), ("system", "16505551234"));
    let change = m.number_change.clone().expect("a number change");
    assert_eq!((change.new_wa_id.as_deref(), change.new_user_id.as_deref()), (Some("12195555358"), None));
    assert_eq!(m.text_for_bot(), None, "nothing for the bot to answer");
    let m = one_message(fixture!("system_user_changed_user_id"));
    let change = m.number_change.expect("a BSUID change");
    assert_eq!(change.new_wa_id.as_deref(), Some("12195555358"));
    assert_eq!(change.new_user_id.as_deref(), Some("US.20918374650192837465"));
    // Another system type, or one without a new key, is not a change.
    let outro = envelope(
        json!([{"from": "1", "id": "wamid.S", "type": "system", "system": {"type": "customer_identity_changed", "body": "x"}}]),
        None,
    );
    assert!(one_message(&outro).number_change.is_none());
    let vazio = envelope(
        json!([{"from": "1", "id": "wamid.T", "type": "system", "system": {"type": "user_changed_number", "wa_id": " "}}]),
        None,
    );
    assert!(one_message(&vazio).number_change.is_none());
}

#[test]
fn video_and_contacts() {
    let m = one_message(fixture!("video"));
    match &m.kind {
        MessageKind::Video(v) => {
            assert_eq!((v.id.as_str(), v.mime_type.as_deref()), ("731675419373506", Some("video/mp4")));
            assert_eq!(v.caption.as_deref(), Some("Timelapse of growth"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(m.text_for_bot().as_deref(), Some("[vídeo] Timelapse of growth"));
    let m = one_message(fixture!("contacts"));
    assert_eq!(m.text_for_bot().as_deref(), Some("[contato: Barbara J. Johnson +1 (415) 555-0829]"));
}

#[test]
fn media() {
    let m = one_message(fixture!("image"));
    let expected = Media {
        id: "1003383421387256".into(),
        mime_type: Some("image/jpeg".into()),
        sha256: Some("SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=".into()),
        caption: Some("Taj Mahal".into()),
        filename: None,
        voice: false,
        url: Some("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=133...".into()),
    };
    assert_eq!(m.kind, MessageKind::Image(expected));
    assert_eq!((m.kind_name(), m.text_for_bot().as_deref()), ("image", Some("[imagem] Taj Mahal")));

    let m = one_message(fixture!("image_with_url_pywa"));
    let media = m.media().unwrap();
    assert_eq!(
        (media.id.as_str(), media.sha256.as_deref(), media.caption.as_deref()),
        ("65463453", Some("4654+8g="), None)
    );
    assert_eq!(m.text_for_bot().as_deref(), Some("[imagem]"));

    let m = one_message(fixture!("audio_voice"));
    assert!(matches!(&m.kind, MessageKind::Audio(a) if a.voice && a.id == "1908647269898587"
        && a.mime_type.as_deref() == Some("audio/ogg; codecs=opus")));
    assert_eq!((m.kind_name(), m.text_for_bot().as_deref()), ("audio", Some("[mensagem de voz]")));

    let m = one_message(fixture!("document"));
    let MessageKind::Document(doc) = &m.kind else { panic!("{:?}", m.kind) };
    assert_eq!(doc.id, "622684793477189");
    assert_eq!(doc.filename.as_deref(), Some("receipt.pdf"));
    assert_eq!(doc.mime_type.as_deref(), Some("application/pdf"));
    assert_eq!(doc.sha256.as_deref(), Some("V5OPpLD/gEG6Xjg0MbmQDLFgcKsL+j5LfY4ny/pZ4MY="));
    assert_eq!(m.text_for_bot().as_deref(), Some("[documento: receipt.pdf] my receipt"));

    let m = one_message(fixture!("sticker"));
    assert!(matches!(&m.kind, MessageKind::Sticker(s) if s.id == "1908647269898587"
        && s.mime_type.as_deref() == Some("image/webp")));
    assert_eq!((m.kind_name(), m.text_for_bot()), ("sticker", None));
}

#[test]
fn location() {
    let m = one_message(fixture!("location"));
    assert_eq!(m.wa_message_id, WAMID_B);
    assert_eq!(
        m.kind,
        MessageKind::Location {
            latitude: 37.44221496582,
            longitude: -122.16165924072,
            name: Some("Philz Coffee".into()),
            address: Some("101 Forest Ave, Palo Alto, CA 94301".into()),
        }
    );
    assert_eq!(
        m.text_for_bot().as_deref(),
        Some("[localização: Philz Coffee, 101 Forest Ave, Palo Alto, CA 94301 (37.44221496582, -122.16165924072)]")
    );
}

#[test]
fn buttons_and_lists() {
    let m = one_message(fixture!("button_quick_reply"));
    assert_eq!(m.kind, MessageKind::Button { payload: "Unsubscribe".into(), text: "Unsubscribe".into() });
    assert_eq!(m.context.as_deref(), Some("wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA="));
    assert_eq!((m.kind_name(), m.text_for_bot().as_deref()), ("button", Some("Unsubscribe")));

    let m = one_message(fixture!("interactive_button_reply"));
    assert_eq!(m.kind, MessageKind::ButtonReply { id: "change-button".into(), title: "Change".into() });
    assert_eq!(m.profile_name.as_deref(), Some("Pablo Morales"));
    assert_eq!(m.context.as_deref(), Some("wamid.HBgLMTY0NjcwNDM1OTUVAgARGBJBM0Y4RUU0RUNFQkFDMjYzQUMA"));
    assert_eq!((m.kind_name(), m.text_for_bot().as_deref()), ("button_reply", Some("Change")));

    let m = one_message(fixture!("interactive_list_reply"));
    let expected = MessageKind::ListReply {
        id: "priority_express".into(),
        title: "Priority Mail Express".into(),
        description: Some("Next Day to 2 Days".into()),
    };
    assert_eq!(m.kind, expected);
    assert_eq!(m.timestamp, 1712595443);
    assert_eq!((m.kind_name(), m.text_for_bot().as_deref()), ("list_reply", Some("Priority Mail Express")));
}

#[test]
fn reactions() {
    let replied_to = "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=";
    let m = one_message(fixture!("reaction"));
    assert_eq!(m.kind, MessageKind::Reaction { message_id: replied_to.into(), emoji: Some("👍".into()) });
    assert_eq!((m.kind_name(), m.text_for_bot()), ("reaction", None));

    let removed = one_message(fixture!("reaction_removed"));
    assert_eq!(removed.kind, MessageKind::Reaction { message_id: replied_to.into(), emoji: None });
    // Same wamid as the reaction itself: the store must key reactions by id + emoji.
    assert_eq!(removed.wa_message_id, m.wa_message_id);

    let empty = envelope(
        json!([{"id": "r", "from": "1", "type": "reaction",
        "reaction": {"message_id": "x", "emoji": ""}}]),
        None,
    );
    assert_eq!(one_message(&empty).kind, MessageKind::Reaction { message_id: "x".into(), emoji: None });
}

#[test]
fn unsupported_keeps_type_and_errors() {
    let m = one_message(fixture!("unsupported"));
    assert_eq!(m.kind, MessageKind::Other { type_name: "unsupported".into(), payload: json!({"type": "edit"}) });
    assert_eq!((m.kind_name(), m.text_for_bot()), ("unsupported", None));
    assert_eq!(m.errors.len(), 1);
    assert_eq!(m.errors[0].code, 131051);
    assert_eq!(m.errors[0].title, "Message type unknown");
    assert_eq!(m.errors[0].details.as_deref(), Some("Message type is currently not supported."));
}

#[test]
fn statuses() {
    let s = one_status(fixture!("status_sent"));
    assert_eq!((s.phone_number_id.as_str(), s.wa_message_id.as_str()), (META_NUMBER, WAMID_B));
    assert_eq!((s.status.as_str(), s.timestamp, s.recipient_id.as_str()), ("sent", 1750030073, "16505551234"));
    assert_eq!(s.error, None);

    let s = one_status(fixture!("status_delivered"));
    assert_eq!(s.wa_message_id, "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA");
    assert_eq!((s.status.as_str(), s.timestamp), ("delivered", 1750263773));

    // `contacts` beside `statuses` must not confuse anything.
    let s = one_status(fixture!("status_read_pywa"));
    assert_eq!(
        (s.status.as_str(), s.wa_message_id.as_str(), s.recipient_id.as_str()),
        ("read", "wamid.xyzxyz", "972987654321")
    );
    assert_eq!(s.phone_number_id, "1122334455667");
}

#[test]
fn failed_statuses_carry_the_reason() {
    let s = one_status(fixture!("status_failed_131047_real"));
    assert_eq!(s.phone_number_id, "103007756220088");
    assert_eq!(s.wa_message_id, "wamid.HBgMNTUzMTg0MTc4NTUwFQIAERgSNDY3N0JCQzJGMkZBMDhFNUYxAA==");
    assert_eq!((s.status.as_str(), s.timestamp, s.recipient_id.as_str()), ("failed", 1694459327, "553184178550"));
    let e = s.error.clone().unwrap();
    assert_eq!((s.error_code(), e.title.as_str()), (Some(131047), "Re-engagement message"));
    assert_eq!(e.message.as_deref(), Some("Re-engagement message"));
    assert!(e.details.unwrap().contains("more than 24 hours"));

    let s = one_status(fixture!("status_failed_130472_pywa"));
    assert_eq!((s.status.as_str(), s.error_code()), ("failed", Some(130472)));
    assert_eq!(s.error.unwrap().title, "User's number is part of an experiment");
}

#[test]
fn system_errors() {
    let events = parse(fixture!("errors_system_130429").as_bytes()).unwrap();
    let [WebhookEvent::Error(e)] = events.as_slice() else { panic!("{events:?}") };
    assert_eq!(events[0].phone_number_id(), META_NUMBER);
    assert_eq!((e.error.code, e.error.title.as_str()), (130429, "Rate limit hit"));
    assert!(e.error.details.as_deref().unwrap().starts_with("Message failed to send because there were too many"));
}
