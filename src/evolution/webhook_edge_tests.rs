//! Hand-made envelopes for what the fixtures do not cover: shapes taken from the Evolution
//! 2.3.6 source (reference §3), older builds, and malformed input. Message-kind mapping is
//! tested in `mensagem_tests.rs`.

use serde_json::{json, Value};

use super::*;

pub(super) fn envelope(event: &str, data: Value) -> Vec<u8> {
    json!({
        "event": event,
        "instance": "empresa-7",
        "data": data,
        "destination": "https://helix.example/evo/empresa-7",
        "date_time": "2025-08-23T00:49:48.054Z",
        "sender": "5531975564133@s.whatsapp.net",
        "server_url": "https://evo.example",
        "apikey": "TOKEN-EMPRESA-7"
    })
    .to_string()
    .into_bytes()
}

fn texto(id: &str, body: &str) -> Value {
    json!({
        "key": {"remoteJid": "5531991819932@s.whatsapp.net", "fromMe": false, "id": id},
        "pushName": "Leila",
        "message": {"conversation": body},
        "messageType": "conversation",
        "messageTimestamp": 1755920987
    })
}

fn ids(envelope: &Envelope) -> Vec<&str> {
    envelope
        .eventos
        .iter()
        .map(|e| match e {
            EventoEvolution::Mensagem(m) => m.id.as_str(),
            EventoEvolution::Status(s) => s.id.as_str(),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

fn one_status(data: Value) -> StatusEvolution {
    match parse(&envelope("messages.update", data)).unwrap().eventos.as_slice() {
        [EventoEvolution::Status(s)] => s.clone(),
        other => panic!("expected one status, got {other:?}"),
    }
}

fn one_qr(data: Value) -> QrEvolution {
    match parse(&envelope("qrcode.updated", data)).unwrap().eventos.as_slice() {
        [EventoEvolution::Qr(q)] => q.clone(),
        other => panic!("expected one qr, got {other:?}"),
    }
}

#[test]
fn not_json_is_invalid() {
    for body in [&b""[..], b"{", b"event=messages.upsert", b"\xff\xfe"] {
        match parse(body) {
            Err(crate::Error::Invalid { codigo: "json_invalido", .. }) => {}
            other => panic!("{body:?}: {other:?}"),
        }
    }
}

#[test]
fn json_that_is_not_an_envelope_is_empty() {
    for body in ["[]", "null", "42", r#""texto""#, "{}", r#"{"event": 7, "data": {}}"#, r#"{"data": {"key": {}}}"#] {
        let e = parse(body.as_bytes()).unwrap();
        assert_eq!((e.evento.as_str(), e.eventos.len()), ("", 0), "{body}");
    }
}

#[test]
fn event_names_are_normalised() {
    for name in ["MESSAGES_UPSERT", "messages.upsert", "Messages.Upsert", "messages-upsert", " MESSAGES_UPSERT "] {
        let e = parse(&envelope(name, texto("A1", "oi"))).unwrap();
        assert_eq!(e.evento, "messages.upsert", "{name}");
        assert_eq!(ids(&e), ["A1"], "{name}");
    }
    let e = parse(&envelope("CONNECTION_UPDATE", json!({"state": "open"}))).unwrap();
    assert_eq!(e.evento, "connection.update");
    assert_eq!(e.eventos.len(), 1);
}

#[test]
fn other_events_are_ignored() {
    for name in ["send.message", "contacts.upsert", "chats.update", "presence.update", "SEND_MESSAGE", "novo.evento"] {
        let e = parse(&envelope(name, texto("A1", "oi"))).unwrap();
        assert!(e.eventos.is_empty(), "{name}");
        assert_eq!(e.instancia.as_deref(), Some("empresa-7"));
    }
    assert_eq!(parse(&envelope("SEND_MESSAGE", json!({}))).unwrap().evento, "send.message");
}

#[test]
fn instance_as_object_and_null_apikey() {
    let body = json!({"event": "messages.upsert", "instance": {"instanceName": "empresa-9", "instanceId": "x"},
                      "apikey": null, "data": texto("A1", "oi")});
    let e = parse(body.to_string().as_bytes()).unwrap();
    assert_eq!(e.instancia.as_deref(), Some("empresa-9"));
    assert_eq!(e.apikey, None);
    let body = json!({"event": "messages.upsert", "data": texto("A1", "oi")});
    let e = parse(body.to_string().as_bytes()).unwrap();
    assert_eq!((e.instancia, e.apikey), (None, None));
    assert_eq!(e.eventos.len(), 1);
}

#[test]
fn upsert_data_as_array_or_messages_list() {
    let e = parse(&envelope("messages.upsert", json!([texto("A1", "um"), texto("A2", "dois")]))).unwrap();
    assert_eq!(ids(&e), ["A1", "A2"]);
    let e = parse(&envelope("messages.upsert", json!({"messages": [texto("B1", "um")], "type": "notify"}))).unwrap();
    assert_eq!(ids(&e), ["B1"]);
}

#[test]
fn odd_items_do_not_sink_the_batch() {
    let sem_id = json!({"key": {"remoteJid": "5531991819932@s.whatsapp.net"}, "message": {"conversation": "x"}});
    let id_vazio = json!({"key": {"id": ""}, "message": {"conversation": "x"}});
    let data = json!([sem_id, "texto solto", 42, null, id_vazio, texto("OK1", "oi"), {"key": {"id": "OK2"}}]);
    let e = parse(&envelope("messages.upsert", data)).unwrap();
    assert_eq!(ids(&e), ["OK1", "OK2"]);
    let EventoEvolution::Mensagem(m) = &e.eventos[1] else { panic!() };
    // No message at all: kept as Other, never dropped.
    assert_eq!((m.kind_name(), m.text_for_bot(), m.remote_jid.as_str(), m.timestamp), ("unknown", None, "", 0));
}

#[test]
fn status_with_key_id_and_name() {
    let s = one_status(json!({
        "keyId": "BAE594145F4C59B4", "remoteJid": "5531991819932@s.whatsapp.net", "fromMe": true,
        "participant": null, "status": "READ", "instanceId": "49e8011d", "messageId": "cm0xyz"
    }));
    assert_eq!(s.id, "BAE594145F4C59B4");
    assert_eq!(s.status, "READ");
    assert!(s.from_me);
    assert_eq!(s.remote_jid.as_deref(), Some("5531991819932@s.whatsapp.net"));
    assert_eq!(s.status_nosso(), Some("lida"));
}

#[test]
fn status_numbers_and_v1_shape() {
    let names = ["ERROR", "PENDING", "SERVER_ACK", "DELIVERY_ACK", "READ", "PLAYED"];
    let ours = [Some("falhou"), None, Some("enviada"), Some("entregue"), Some("lida"), Some("lida")];
    for (n, (name, nosso)) in names.iter().zip(ours).enumerate() {
        let s = one_status(json!({"keyId": "K1", "status": n}));
        assert_eq!((s.status.as_str(), s.status_nosso()), (*name, nosso), "{n}");
        let s = one_status(json!({"keyId": "K1", "status": n.to_string()}));
        assert_eq!(s.status, *name);
    }
    // v1: the Baileys update object, with the key beside it.
    let s = one_status(json!({"key": {"remoteJid": "553191819932@s.whatsapp.net", "id": "K2", "fromMe": true},
                              "update": {"status": 3}}));
    assert_eq!((s.id.as_str(), s.status.as_str(), s.from_me), ("K2", "DELIVERY_ACK", true));
    assert_eq!(s.remote_jid.as_deref(), Some("553191819932@s.whatsapp.net"));
    let s = one_status(json!({"keyId": "K3", "status": "deleted"}));
    assert_eq!((s.status.as_str(), s.status_nosso()), ("DELETED", None));
    let s = one_status(json!({"keyId": "K4", "status": 9}));
    assert_eq!((s.status.as_str(), s.status_nosso()), ("9", None));
}

#[test]
fn status_batches_skip_items_without_id_or_status() {
    let data = json!([{"keyId": "K1", "status": "SERVER_ACK"}, {"status": "READ"}, {"keyId": "K2"},
                      {"keyId": "K3", "status": "DELIVERY_ACK"}]);
    let e = parse(&envelope("MESSAGES_UPDATE", data)).unwrap();
    assert_eq!(ids(&e), ["K1", "K3"]);
}

#[test]
fn connection_open_with_number_and_profile() {
    let data = json!({"instance": "empresa-7", "wuid": "5531975564133@s.whatsapp.net", "profileName": "Loja da Leila",
                      "profilePictureUrl": null, "state": "open", "statusReason": 200});
    let e = parse(&envelope("connection.update", data)).unwrap();
    let [EventoEvolution::Conexao(c)] = e.eventos.as_slice() else { panic!("{e:?}") };
    assert_eq!(c.estado, "open");
    assert_eq!(c.numero.as_deref(), Some("5531975564133"));
    assert_eq!(c.nome_perfil.as_deref(), Some("Loja da Leila"));
    // Reason as a string, and a refused session after the QR limit.
    let e = parse(&envelope("connection.update", json!({"state": "refused", "statusReason": "500"}))).unwrap();
    let [EventoEvolution::Conexao(c)] = e.eventos.as_slice() else { panic!("{e:?}") };
    assert_eq!((c.estado.as_str(), c.motivo), ("refused", Some(500)));
    assert!(parse(&envelope("connection.update", json!({"statusReason": 200}))).unwrap().eventos.is_empty());
}

#[test]
fn qrcode_updated_with_code() {
    let q = one_qr(json!({"qrcode": {"instance": "empresa-7", "pairingCode": null,
                                    "code": "2@abc,def,ghi,jkl", "base64": "data:image/png;base64,iVBORw0KGgo="}}));
    assert_eq!(q.erro, None);
    let qr = q.qr.unwrap();
    assert_eq!(qr.code.as_deref(), Some("2@abc,def,ghi,jkl"));
    assert_eq!(qr.base64.as_deref(), Some("data:image/png;base64,iVBORw0KGgo="));
    assert_eq!((qr.pairing_code, qr.count), (None, 0));
    let q = one_qr(json!({"qrcode": {"pairingCode": "WZYEH1YY", "code": "2@x", "count": 3}}));
    assert_eq!(q.qr.unwrap().pairing_code.as_deref(), Some("WZYEH1YY"));
}

#[test]
fn qrcode_limit_reached() {
    let q = one_qr(json!({"message": "QR code limit reached, please login again", "statusCode": 500}));
    assert_eq!(q.qr, None);
    assert_eq!(q.erro.as_deref(), Some("QR code limit reached, please login again"));
}
