//! Tests of the Baileys → `MessageKind` mapping and of the customer identity of a
//! `messages.upsert` item, on hand-made `data` objects in the 2.x and 1.x shapes.

use serde_json::{json, Value};

use super::*;

const PESSOA: &str = "5531991819932@s.whatsapp.net";

/// A `data` object from `PESSOA` with this `message`.
fn data(message: Value) -> Value {
    json!({
        "key": {"remoteJid": PESSOA, "fromMe": false, "id": "3EB0C767D71D"},
        "pushName": "Leila",
        "status": "DELIVERY_ACK",
        "message": message,
        "messageTimestamp": 1755920987,
        "instanceId": "49e8011d",
        "source": "android"
    })
}

fn kind(message: Value) -> MessageKind {
    decode(data(message)).unwrap().kind
}

fn lido(message: Value) -> (String, Option<String>) {
    let m = decode(data(message)).unwrap();
    (m.kind_name().to_string(), m.text_for_bot())
}

#[test]
fn lid_chat_with_remote_jid_alt() {
    let mut d = data(json!({"conversation": "oi"}));
    d["key"] = json!({"remoteJid": "82030184386636@lid", "remoteJidAlt": PESSOA, "addressingMode": "lid",
                      "fromMe": false, "id": "3EB0C767D71D"});
    let m = decode(d).unwrap();
    assert_eq!(m.remote_jid, "82030184386636@lid");
    assert_eq!(m.remote_jid_alt.as_deref(), Some(PESSOA));
    assert_eq!(m.telefone().as_deref(), Some("5531991819932"));
    assert_eq!(m.responder_para(), PESSOA);
    assert!(!m.em_grupo());
}

#[test]
fn lid_chat_without_phone_and_sender_pn_fallback() {
    let mut d = data(json!({"conversation": "oi"}));
    d["key"] = json!({"remoteJid": "82030184386636@lid", "id": "X1"});
    let m = decode(d.clone()).unwrap();
    assert_eq!((m.remote_jid_alt.as_deref(), m.telefone()), (None, None));
    assert_eq!(m.responder_para(), "82030184386636@lid");
    // Older builds: `senderPn`. A non-person alt does not count.
    d["key"]["senderPn"] = json!("553191819932@s.whatsapp.net");
    d["key"]["remoteJidAlt"] = json!("99999@lid");
    let m = decode(d).unwrap();
    assert_eq!(m.remote_jid_alt.as_deref(), Some("553191819932@s.whatsapp.net"));
    assert_eq!(m.telefone().as_deref(), Some("553191819932"));
    assert_eq!(m.responder_para(), "553191819932@s.whatsapp.net");
}

#[test]
fn from_me_and_voce() {
    let mut d = data(json!({"conversation": "resposta do vendedor"}));
    d["key"]["fromMe"] = json!(true);
    d["pushName"] = json!("Você");
    let m = decode(d.clone()).unwrap();
    assert!(m.from_me);
    assert_eq!(m.push_name, None);
    d["key"]["fromMe"] = json!("true");
    assert!(decode(d.clone()).unwrap().from_me);
    // A customer really named "Você" keeps the name.
    d["key"]["fromMe"] = json!(false);
    assert_eq!(decode(d).unwrap().push_name.as_deref(), Some("Você"));
}

#[test]
fn groups_broadcasts_and_channels() {
    for jid in ["120363025246125486@g.us", "status@broadcast", "120363198765432100@newsletter"] {
        let mut d = data(json!({"conversation": "oi"}));
        d["key"]["remoteJid"] = json!(jid);
        d["key"]["participant"] = json!(PESSOA);
        let m = decode(d).unwrap();
        assert!(m.em_grupo(), "{jid}");
        assert_eq!(m.telefone(), None, "{jid}");
    }
}

#[test]
fn extended_text_with_quote() {
    let m = decode(data(json!({"extendedTextMessage": {"text": "quanto custa?  ",
        "contextInfo": {"stanzaId": "BAE594145F4C59B4", "participant": "5531975564133@s.whatsapp.net"}}})))
    .unwrap();
    assert_eq!(m.kind, MessageKind::Text { body: "quanto custa?  ".into() });
    assert_eq!(m.text_for_bot().as_deref(), Some("quanto custa?"));
    assert_eq!(m.context.as_deref(), Some("BAE594145F4C59B4"));
    // 2.x puts contextInfo beside the message.
    let mut d = data(json!({"conversation": "e esse?"}));
    d["contextInfo"] = json!({"stanzaId": "3EB0AAAA", "quotedMessage": {"conversation": "x"}});
    assert_eq!(decode(d).unwrap().context.as_deref(), Some("3EB0AAAA"));
}

#[test]
fn image_with_caption_and_video() {
    let m = decode(data(json!({"imageMessage": {"url": "https://mmg.whatsapp.net/x.enc", "mimetype": "image/jpeg",
        "caption": "tem nessa cor?", "fileSha256": "abc="}, "messageContextInfo": {}})))
    .unwrap();
    assert_eq!((m.kind_name(), m.text_for_bot().as_deref()), ("image", Some("[imagem] tem nessa cor?")));
    let media = m.media().unwrap();
    assert_eq!((media.id.as_str(), media.caption.as_deref()), ("3EB0C767D71D", Some("tem nessa cor?")));
    assert_eq!(lido(json!({"videoMessage": {"mimetype": "video/mp4"}})), ("video".into(), Some("[vídeo]".into())));
}

#[test]
fn documents_plain_and_with_caption() {
    let doc = json!({"documentWithCaptionMessage": {"message": {"documentMessage": {
        "mimetype": "application/pdf", "fileName": "orcamento.pdf", "title": "orcamento", "caption": "segue"}}}});
    let m = decode(data(doc)).unwrap();
    assert_eq!(m.text_for_bot().as_deref(), Some("[documento: orcamento.pdf] segue"));
    assert_eq!(m.media().unwrap().mime_type.as_deref(), Some("application/pdf"));
    let (nome, texto) = lido(json!({"documentMessage": {"title": "catalogo", "mimetype": "application/pdf"}}));
    assert_eq!((nome.as_str(), texto.as_deref()), ("document", Some("[documento: catalogo]")));
}

#[test]
fn audio_voice_note() {
    let ptt = json!({"audioMessage": {"mimetype": "audio/ogg; codecs=opus", "seconds": 7, "ptt": true}});
    assert_eq!(lido(ptt), ("audio".into(), Some("[mensagem de voz]".into())));
    assert_eq!(lido(json!({"audioMessage": {"mimetype": "audio/mpeg"}})), ("audio".into(), Some("[áudio]".into())));
}

#[test]
fn location_and_live_location() {
    let loc = json!({"locationMessage": {"degreesLatitude": -19.9167, "degreesLongitude": -43.9345,
                                         "name": "Loja Centro", "address": "Av. Afonso Pena, 1000"}});
    assert_eq!(
        kind(loc),
        MessageKind::Location {
            latitude: -19.9167,
            longitude: -43.9345,
            name: Some("Loja Centro".into()),
            address: Some("Av. Afonso Pena, 1000".into())
        }
    );
    let live = json!({"liveLocationMessage": {"degreesLatitude": -19.9, "degreesLongitude": -43.9}});
    assert_eq!(lido(live), ("location".into(), Some("[localização: -19.9, -43.9]".into())));
    // No coordinates: not a location we can use, kept as Other.
    let mut d = data(json!({"locationMessage": {"name": "?"}}));
    d["messageType"] = json!("locationMessage");
    assert_eq!(decode(d).unwrap().kind_name(), "locationMessage");
}

#[test]
fn contact_cards() {
    let vcard = "BEGIN:VCARD\nVERSION:3.0\nN:Silva;João;;;\nFN:João Silva\n\
                 item1.TEL;waid=5511999990000:+55 11 99999-0000\nitem1.X-ABLabel:Celular\n\
                 TEL;type=WORK:+55 11 3234-5678\nEND:VCARD";
    let m = decode(data(json!({"contactMessage": {"displayName": "João", "vcard": vcard}}))).unwrap();
    let MessageKind::Contacts(cards) = &m.kind else { panic!("{:?}", m.kind) };
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0].name, "João");
    assert_eq!(cards[0].phones, ["5511999990000", "+55 11 3234-5678"]);
    assert_eq!(m.text_for_bot().as_deref(), Some("[contato: João 5511999990000 +55 11 3234-5678]"));

    let array = json!({"contactsArrayMessage": {"displayName": "2 contatos", "contacts": [
        {"vcard": "BEGIN:VCARD\r\nFN:Ana Lima\r\nTEL;type=CELL;waid=5531988887777:+55 31 98888-7777\r\nEND:VCARD"},
        {"displayName": "Sem telefone", "vcard": "BEGIN:VCARD\nFN:X\nEND:VCARD"}]}});
    let MessageKind::Contacts(cards) = kind(array) else { panic!() };
    assert_eq!((cards[0].name.as_str(), cards[0].phones.as_slice()), ("Ana Lima", &["5531988887777".to_string()][..]));
    assert_eq!((cards[1].name.as_str(), cards[1].phones.len()), ("Sem telefone", 0));
}

#[test]
fn reactions() {
    let r = json!({"reactionMessage": {"key": {"remoteJid": PESSOA, "fromMe": true, "id": "BAE594145F4C59B4"},
                                       "text": "👍", "senderTimestampMs": "1755920987000"}});
    assert_eq!(kind(r), MessageKind::Reaction { message_id: "BAE594145F4C59B4".into(), emoji: Some("👍".into()) });
    let removed = json!({"reactionMessage": {"key": {"id": "BAE594145F4C59B4"}, "text": ""}});
    assert_eq!(kind(removed), MessageKind::Reaction { message_id: "BAE594145F4C59B4".into(), emoji: None });
    assert_eq!(lido(json!({"reactionMessage": {"key": {"id": "B"}, "text": "❤"}})), ("reaction".into(), None));
}

#[test]
fn button_and_list_replies() {
    let b = json!({"buttonsResponseMessage": {"selectedButtonId": "comprar", "selectedDisplayText": "Quero comprar"}});
    assert_eq!(kind(b), MessageKind::ButtonReply { id: "comprar".into(), title: "Quero comprar".into() });
    let t = json!({"templateButtonReplyMessage": {"selectedId": "sim", "selectedDisplayText": "Sim"}});
    assert_eq!(kind(t), MessageKind::ButtonReply { id: "sim".into(), title: "Sim".into() });
    let l = json!({"listResponseMessage": {"title": "Tênis azul 42", "description": "R$ 199",
                                           "singleSelectReply": {"selectedRowId": "sku-42"}}});
    assert_eq!(
        kind(l),
        MessageKind::ListReply {
            id: "sku-42".into(),
            title: "Tênis azul 42".into(),
            description: Some("R$ 199".into())
        }
    );
}

#[test]
fn wrappers_are_unwrapped() {
    let eph = json!({"ephemeralMessage": {"message": {"extendedTextMessage": {"text": "sumindo",
        "contextInfo": {"stanzaId": "Q1", "expiration": 604800}}}}});
    let m = decode(data(eph)).unwrap();
    assert_eq!((m.text_for_bot().as_deref(), m.context.as_deref()), (Some("sumindo"), Some("Q1")));
    let once =
        json!({"viewOnceMessageV2": {"message": {"imageMessage": {"mimetype": "image/jpeg", "viewOnce": true}}}});
    assert_eq!(kind(once).kind_name(), "image");
    let nested = json!({"ephemeralMessage": {"message": {"viewOnceMessage": {"message": {"conversation": "a"}}}}});
    assert_eq!(kind(nested), MessageKind::Text { body: "a".into() });
    let edited = json!({"editedMessage": {"message": {"conversation": "corrigido"}}});
    assert_eq!(kind(edited), MessageKind::Text { body: "corrigido".into() });
}

#[test]
fn unknown_and_non_content_messages_are_other() {
    let mut d = data(json!({"pollCreationMessage": {"name": "Qual cor?", "options": [{"optionName": "azul"}]},
                            "messageContextInfo": {"messageSecret": "x"}}));
    d["messageType"] = json!("pollCreationMessage");
    let m = decode(d).unwrap();
    let MessageKind::Other { type_name, payload } = &m.kind else { panic!("{:?}", m.kind) };
    assert_eq!((type_name.as_str(), &payload["name"]), ("pollCreationMessage", &json!("Qual cor?")));
    assert_eq!(m.text_for_bot(), None);
    // Without messageType, the key names it; metadata keys are never the content.
    assert_eq!(kind(json!({"messageContextInfo": {}, "newFancyMessage": {"a": 1}})).kind_name(), "newFancyMessage");
    assert_eq!(kind(json!({"protocolMessage": {"type": 0}})).kind_name(), "protocolMessage");
    assert_eq!(
        kind(json!({"senderKeyDistributionMessage": {}, "messageContextInfo": {}})).kind_name(),
        "messageContextInfo"
    );
    assert_eq!(kind(json!("not an object")).kind_name(), "unknown");
    assert_eq!(kind(json!({"conversation": 42})).kind_name(), "conversation");
}

#[test]
fn timestamps_in_every_shape() {
    let ts = |v: Value| {
        let mut d = data(json!({"conversation": "oi"}));
        d["messageTimestamp"] = v;
        decode(d).unwrap().timestamp
    };
    assert_eq!(ts(json!(1755920987)), 1755920987);
    assert_eq!(ts(json!("1717689097")), 1717689097);
    assert_eq!(ts(json!({"low": 1705684420, "high": 0, "unsigned": true})), 1705684420);
    assert_eq!(ts(json!({"low": -1, "high": 0})), 4294967295);
    assert_eq!(ts(json!(1755920987.0)), 1755920987);
    assert_eq!(ts(json!(null)), 0);
    assert_eq!(ts(json!("ontem")), 0);
    assert_eq!(ts(json!(true)), 0);
}

#[test]
fn base64_is_dropped_from_raw() {
    let big = "A".repeat(100_000);
    let m = decode(data(json!({"imageMessage": {"mimetype": "image/jpeg", "caption": "foto"}, "base64": big,
                              "mediaUrl": "https://s3.example/x.jpg"})))
    .unwrap();
    assert!(m.raw["message"].get("base64").is_none());
    assert_eq!(m.raw["message"]["mediaUrl"], "https://s3.example/x.jpg");
    assert_eq!(m.raw["message"]["imageMessage"]["caption"], "foto");
    assert!(m.raw.to_string().len() < 1000);
    assert_eq!(m.kind_name(), "image");
}

#[test]
fn vcard_phone_lines() {
    assert_eq!(vcard_telefones("TEL:+1 650 555 1234\ntel;WAID=5511:+55 11"), ["+1 650 555 1234", "5511"]);
    assert_eq!(
        vcard_telefones("NOTE:TEL:123\nTEL;waid=:+55 31 9999\nTEL;waid=5531:x\nTEL;waid=5531:y"),
        ["+55 31 9999", "5531"]
    );
    assert!(vcard_telefones("").is_empty());
}
