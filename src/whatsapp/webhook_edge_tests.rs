//! Edge cases of `webhook::parse` that Meta's examples do not show: batching across
//! entries/changes/items, unknown types, missing contacts, non-envelopes, and garbage that
//! must never panic.

use serde_json::{json, Value};

use super::tests::{envelope, one_message, META_NUMBER, WAMID_A, WEBHOOK_FIXTURES};
use super::*;
use crate::whatsapp::MessageKind;

fn fixture(name: &str) -> &'static str {
    WEBHOOK_FIXTURES.iter().find(|(n, _)| *n == name).map(|(_, json)| *json).unwrap()
}

#[test]
fn unknown_types_never_fail() {
    let batch = envelope(
        json!([
            {"id": "a", "from": "5511", "timestamp": "1", "type": "poll_update", "poll_update": {"vote": 2}},
            {"id": "b", "from": "5511", "timestamp": "2", "type": "interactive",
             "interactive": {"type": "nfm_reply", "nfm_reply": {"response_json": "{}"}}},
            {"id": "c", "from": "5511", "timestamp": "3", "type": "order", "order": {"catalog_id": "9"}},
            {"id": "d", "from": "5511", "timestamp": "4", "type": "text", "text": {"no_body": true}},
            {"id": "e", "from": "5511", "timestamp": "5"},
            {"id": "f", "from": "5511", "type": "image", "image": {"caption": "sem id"}}
        ]),
        None,
    );
    let events = parse(batch.as_bytes()).unwrap();
    let names: Vec<String> = events
        .iter()
        .map(|e| match e {
            WebhookEvent::Inbound(m) => {
                assert_eq!(m.text_for_bot(), None, "{m:?}");
                m.kind_name().to_string()
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names, ["poll_update", "interactive", "order", "text", "unknown", "image"]);
    let WebhookEvent::Inbound(poll) = &events[0] else { unreachable!() };
    assert_eq!(poll.kind, MessageKind::Other { type_name: "poll_update".into(), payload: json!({"vote": 2}) });
}

#[test]
fn missing_contacts_and_name_matching() {
    let m = one_message(&envelope(
        json!([{"id": "x", "from": "5511", "timestamp": 1700000000, "type": "text",
        "text": {"body": " oi "}}]),
        None,
    ));
    assert_eq!((&m.profile_name, &m.user_id, m.timestamp), (&None, &None, 1700000000));
    assert_eq!(m.text_for_bot().as_deref(), Some("oi"));

    // Two senders in one change: each gets its own name, never the other's.
    let contacts = json!([{"profile": {"name": "Ana"}, "wa_id": "1"}, {"profile": {"name": "Bia"}, "wa_id": "2"}]);
    let messages = json!([
        {"id": "m1", "from": "2", "type": "text", "text": {"body": "b"}},
        {"id": "m2", "from": "+1", "type": "text", "text": {"body": "a"}},
        {"id": "m3", "from": "3", "type": "text", "text": {"body": "?"}}
    ]);
    let names: Vec<Option<String>> = parse(envelope(messages, Some(contacts)).as_bytes())
        .unwrap()
        .into_iter()
        .map(|e| match e {
            WebhookEvent::Inbound(m) => m.profile_name,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names, [Some("Bia".into()), Some("Ana".into()), None]);

    // A single card is the sender even when `from` is empty (username users).
    let m = one_message(&envelope(
        json!([{"id": "u", "from": "", "type": "text", "text": {"body": "oi"}}]),
        Some(json!([{"profile": {"name": "Caio"}, "wa_id": "", "user_id": "US.1"}])),
    ));
    assert_eq!((m.profile_name.as_deref(), m.user_id.as_deref()), (Some("Caio"), Some("US.1")));
}

#[test]
fn shared_contacts() {
    let m = one_message(&envelope(
        json!([{"id": "c", "from": "1", "type": "contacts", "contacts": [
            {"name": {"formatted_name": "João Silva", "first_name": "João"}, "phones": [{"phone": "+55 11 99999-0000", "wa_id": "5511999990000"}]},
            {"name": {"first_name": "Ana", "last_name": "Lima"}, "phones": [{"wa_id": "5511888880000"}]}
        ]}]),
        None,
    ));
    let MessageKind::Contacts(cards) = &m.kind else { panic!("{:?}", m.kind) };
    assert_eq!(cards[0].name, "João Silva");
    assert_eq!(cards[1].name, "Ana Lima");
    assert_eq!(cards[1].phones, ["5511888880000"]);
    assert_eq!(m.text_for_bot().as_deref(), Some("[contato: João Silva +55 11 99999-0000; Ana Lima 5511888880000]"));
}

#[test]
fn batches_across_entries_changes_and_items() {
    let text: Value = serde_json::from_str(fixture("text")).unwrap();
    let status: Value = serde_json::from_str(fixture("status_failed_131047_real")).unwrap();
    let mut second_msg = text["entry"][0]["changes"][0]["value"]["messages"][0].clone();
    second_msg["id"] = json!("wamid.second");
    let mut value = text["entry"][0]["changes"][0]["value"].clone();
    value["messages"].as_array_mut().unwrap().push(second_msg);
    value["statuses"] = json!([{"id": "wamid.out", "status": "read", "timestamp": "9", "recipient_id": "16505551234"}]);
    let batch = json!({"object": WHATSAPP_OBJECT, "entry": [
        {"id": "1", "changes": [
            {"field": "messages", "value": value},
            {"field": "account_update", "value": {"phone_number": "1", "event": "VERIFIED_ACCOUNT"}},
            {"field": "messages", "value": {"messages": [{"id": "lost", "type": "text"}]}}
        ]},
        status["entry"][0].clone(),
        "not an entry",
        {"changes": "not a list"}
    ]});
    let events = parse(batch.to_string().as_bytes()).unwrap();
    let summary: Vec<(&str, &str)> = events
        .iter()
        .map(|e| match e {
            WebhookEvent::Inbound(m) => (m.phone_number_id.as_str(), m.wa_message_id.as_str()),
            WebhookEvent::Status(s) => (s.phone_number_id.as_str(), s.status.as_str()),
            WebhookEvent::Error(e) => (e.phone_number_id.as_str(), e.error.title.as_str()),
        })
        .collect();
    assert_eq!(
        summary,
        [(META_NUMBER, WAMID_A), (META_NUMBER, "wamid.second"), (META_NUMBER, "read"), ("103007756220088", "failed")]
    );
}

#[test]
fn not_an_envelope_is_empty_and_bad_json_is_400() {
    for ok in [
        r#"{}"#,
        r#"[]"#,
        "42",
        r#"{"object":"page","entry":[{"changes":[]}]}"#,
        r#"{"object":"whatsapp_business_account"}"#,
        r#"{"object":"whatsapp_business_account","entry":null}"#,
        r#"{"object":7,"entry":[]}"#,
    ] {
        assert_eq!(parse(ok.as_bytes()).unwrap(), Vec::new(), "{ok}");
    }
    for bad in
        ["", "{", "not json", r#"{"object":7,"#, "\u{feff}{}", r#"{"object":"whatsapp_business_account","entry":[}"#]
    {
        let err = parse(bad.as_bytes()).unwrap_err();
        assert_eq!((err.status(), err.code()), (400, "json_invalido"), "{bad}");
        assert!(err.to_string().contains("JSON válido"), "{err}");
    }
    assert!(parse(&[0xff, 0xfe, 0x00]).is_err());
}

#[test]
fn garbage_never_panics() {
    // Every prefix of every fixture, and fixtures with bytes flipped by a tiny LCG.
    let mut seed: u32 = 0x1234_5678;
    for (_, json) in WEBHOOK_FIXTURES {
        let bytes = json.as_bytes();
        for end in 0..bytes.len() {
            let _ = parse(&bytes[..end]);
        }
        for _ in 0..200 {
            let mut mutated = bytes.to_vec();
            for _ in 0..4 {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let at = (seed >> 8) as usize % mutated.len();
                let alphabet = b"{}[]\":,0a-.e\\ nt";
                mutated[at] = alphabet[(seed >> 24) as usize % alphabet.len()];
            }
            let _ = parse(&mutated);
        }
    }
    // Right syntax, every field the wrong type.
    let weird = json!({"object": WHATSAPP_OBJECT, "entry": [{"changes": [{"value": {
        "metadata": {"phone_number_id": "1"}, "contacts": [7, {"wa_id": 5}],
        "messages": [7, {"id": 5}, {"id": "ok", "from": 9, "timestamp": [], "type": 3}, {"id": "ok2", "type": "location", "location": {"latitude": "x"}}],
        "statuses": [{"id": "s"}, {"id": "s", "status": "sent", "errors": [{"code": "x"}, 3]}],
        "errors": [{"title": "no code"}, null]}}]}]});
    let events = parse(weird.to_string().as_bytes()).unwrap();
    // "ok" (kept: it has an id), "ok2" (a location without numbers → Other), the sent status.
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e {
            WebhookEvent::Inbound(m) => m.kind_name(),
            WebhookEvent::Status(s) => s.status.as_str(),
            WebhookEvent::Error(_) => "error",
        })
        .collect();
    assert_eq!(kinds, ["unknown", "location", "sent"]);
    let deep = "[".repeat(100_000);
    assert!(parse(deep.as_bytes()).is_err());
}
