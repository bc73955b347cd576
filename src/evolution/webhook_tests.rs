//! Tests of `webhook::parse` against every Evolution webhook payload in
//! `tests/fixtures/evolution/` (real deliveries pasted in public projects and issues),
//! asserting the fields the store and the bot rely on. Hand-made cases live in
//! `webhook_edge_tests.rs`.

use std::path::PathBuf;

use super::*;
use crate::whatsapp::MessageKind;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/evolution/");

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(DIR).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn one_message(name: &str) -> (Envelope, MensagemEvolution) {
    let envelope = parse(&fixture(name)).unwrap();
    match envelope.eventos.as_slice() {
        [EventoEvolution::Mensagem(m)] => {
            let m = m.clone();
            (envelope, m)
        }
        other => panic!("{name}: expected one message, got {other:?}"),
    }
}

fn one_conexao(name: &str) -> (Envelope, ConexaoEvolution) {
    let envelope = parse(&fixture(name)).unwrap();
    match envelope.eventos.as_slice() {
        [EventoEvolution::Conexao(c)] => {
            let c = c.clone();
            (envelope, c)
        }
        other => panic!("{name}: expected one connection.update, got {other:?}"),
    }
}

#[test]
fn every_webhook_fixture_parses() {
    let mut names: Vec<String> = std::fs::read_dir(DIR)
        .unwrap_or_else(|e| panic!("{DIR}: {e}"))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("webhook_") && n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 7, "fixtures missing? {names:?}");
    // `webhook_set_response_*` is the answer of POST /webhook/set, not a delivery: it has
    // no `event`, so it must come out as a clean empty envelope.
    for name in &names {
        let envelope = parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        if envelope.evento.is_empty() {
            assert!(envelope.eventos.is_empty(), "{name}");
            assert!(name.contains("_response"), "{name}: a delivery without event?");
        } else {
            assert_eq!(envelope.eventos.len(), 1, "{name}: {envelope:?}");
            assert!(envelope.instancia.is_some(), "{name}");
        }
    }
}

#[test]
fn conversation_v1() {
    let (envelope, m) = one_message("webhook_messages_upsert_conversation_v1.json");
    assert_eq!(envelope.evento, "messages.upsert");
    assert_eq!(envelope.instancia.as_deref(), Some("instance_3_553175564133"));
    assert_eq!(envelope.apikey.as_deref(), Some("REDACTED"));
    assert_eq!(m.id, "3A295BE2718D89DEC07C");
    assert_eq!(m.remote_jid, "553191819932@s.whatsapp.net");
    assert_eq!(m.remote_jid_alt, None);
    assert!(!m.from_me && !m.em_grupo());
    assert_eq!(m.push_name.as_deref(), Some("Leila Fernanda"));
    assert_eq!(m.timestamp, 1705684420);
    assert_eq!(m.kind, MessageKind::Text { body: "Mmmmmmmmmmmmmmmmm".into() });
    assert_eq!((m.kind_name(), m.text_for_bot().as_deref()), ("text", Some("Mmmmmmmmmmmmmmmmm")));
    assert_eq!(m.context, None);
    // An old-format number (no 9th digit): the canonical form puts it back.
    assert_eq!(m.telefone().as_deref(), Some("553191819932"));
    assert_eq!(crate::telefone::canonico(&m.telefone().unwrap()), "5531991819932");
    assert_eq!(m.responder_para(), "553191819932@s.whatsapp.net");
    assert_eq!(m.raw["owner"], "instance_3_553175564133");
}

#[test]
fn image_v1() {
    let (_, m) = one_message("webhook_messages_upsert_image_v1.json");
    assert_eq!(m.id, "3AE2973B208DFC7A642D");
    assert_eq!(m.timestamp, 1705684448);
    assert_eq!((m.kind_name(), m.text_for_bot().as_deref()), ("image", Some("[imagem]")));
    let media = m.media().unwrap();
    assert_eq!(media.id, "3AE2973B208DFC7A642D");
    assert_eq!(media.mime_type.as_deref(), Some("image/jpeg"));
    assert_eq!(media.sha256.as_deref(), Some("hBIz7qzWOK3CNq7z4ku/vEuLC0nHC/PCkdXjcy/EHYs="));
    assert!(media.url.as_deref().unwrap().starts_with("https://mmg.whatsapp.net/o1/v/t62.7118-24/"));
    assert_eq!((media.caption.as_deref(), media.filename.as_deref(), media.voice), (None, None, false));
}

#[test]
fn sticker_v1() {
    let (_, m) = one_message("webhook_messages_upsert_sticker_v1.json");
    assert_eq!(m.id, "3A7C22C9A23CAFAD7108");
    assert_eq!(m.timestamp, 1705684409);
    assert!(matches!(m.kind, MessageKind::Sticker(_)), "{:?}", m.kind);
    assert_eq!((m.kind_name(), m.text_for_bot()), ("sticker", None));
    assert_eq!(m.media().unwrap().mime_type.as_deref(), Some("image/webp"));
}

#[test]
fn v1_8_with_masked_numbers() {
    let (envelope, m) = one_message("webhook_messages_upsert_v1_8_issue631.json");
    assert_eq!(envelope.instancia.as_deref(), Some("5535********"));
    assert_eq!(m.id, "3A554E20ECABF3D45BB2");
    assert_eq!(m.push_name.as_deref(), Some("Giovanna Darcanovas"));
    assert_eq!(m.timestamp, 1717607420);
    let text = m.text_for_bot().unwrap();
    assert!(text.starts_with("Olá! Vim do Instagram da **** e gostaria"), "{text}");
    // The reporter masked the digits: no phone can be read, but the message still counts.
    assert_eq!(m.telefone(), None);
    assert_eq!(m.responder_para(), "55119********@s.whatsapp.net");
}

#[test]
fn v2_with_sender_lid() {
    let (envelope, m) = one_message("webhook_messages_upsert_v2_sender_lid_ramautos.json");
    assert_eq!(envelope.instancia.as_deref(), Some("jtEqGdhkoR6iePmZaCmd"));
    assert_eq!(m.id, "3AEC86F19994C535AA64");
    assert_eq!(m.remote_jid, "971582091834@s.whatsapp.net");
    // `senderLid` is a privacy id, not a phone: it is no `remote_jid_alt`.
    assert_eq!(m.remote_jid_alt, None);
    assert_eq!(m.raw["key"]["senderLid"], "82030184386636@lid");
    assert_eq!(m.push_name.as_deref(), Some("Bono"));
    assert_eq!(m.timestamp, 1755920987);
    assert_eq!(m.text_for_bot().as_deref(), Some("Saludos"));
    assert_eq!(m.telefone().as_deref(), Some("971582091834"));
    assert_eq!(m.responder_para(), "971582091834@s.whatsapp.net");
    assert_eq!(m.raw["instanceId"], "49e8011d-53ea-48cd-9738-3edda135eec7");
}

#[test]
fn connection_close_405() {
    let (envelope, c) = one_conexao("webhook_connection_update_close_405_v1.json");
    assert_eq!(envelope.evento, "connection.update");
    assert_eq!(envelope.instancia.as_deref(), Some("instance_sergio_socket"));
    assert_eq!(c.estado, "close");
    assert_eq!(c.motivo, Some(405));
    assert_eq!(c.descricao_motivo(), Some("conexão fechada"));
    assert_eq!((c.numero, c.nome_perfil), (None, None));
}

#[test]
fn connection_connecting_200() {
    let (_, c) = one_conexao("webhook_connection_update_connecting_v1.json");
    assert_eq!(c.estado, "connecting");
    assert_eq!(c.motivo, Some(200));
    assert_eq!(c.descricao_motivo(), None);
}

#[test]
fn disconnect_reasons_in_portuguese() {
    let c = |motivo| ConexaoEvolution { estado: "close".into(), motivo, numero: None, nome_perfil: None };
    let table = [
        (401, "sessão encerrada no celular (logout)"),
        (403, "acesso negado pelo WhatsApp"),
        (405, "conexão fechada"),
        (428, "conexão fechada"),
        (408, "conexão perdida (tempo esgotado)"),
        (411, "versão multi-dispositivo incompatível"),
        (440, "conexão substituída por outra sessão"),
        (500, "sessão inválida; conecte de novo"),
        (515, "reinício necessário"),
    ];
    for (code, text) in table {
        assert_eq!(c(Some(code)).descricao_motivo(), Some(text), "{code}");
    }
    assert_eq!(c(Some(200)).descricao_motivo(), None);
    assert_eq!(c(Some(999)).descricao_motivo(), None);
    assert_eq!(c(None).descricao_motivo(), None);
}
