//! The Evolution API webhook over HTTP: every reference payload gives its rows or a clean
//! ignore; unknown secret, wrong token or instance store nothing; fromMe, groups, receipts,
//! connection and QR events; the 9th digit of Brazilian mobiles.

use helixai::domain::LeadId;
use serde_json::{json, Value};

use crate::support::evolution::{agora_s, conectar, config, reference_dir, upsert_texto};
use crate::support::fake_evolution::{post_json, FakeEvolution};
use crate::support::server::TestServer;

/// Every `webhook_*.json` reference payload, rewritten for our instance.
fn payloads(instancia: &str, token: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let dir = std::fs::read_dir(reference_dir()).expect("reference/evolution exists beside the repo");
    for entry in dir.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("webhook_") || !name.ends_with(".json") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).expect("read payload");
        let mut v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        if v.get("event").is_none() {
            continue; // not a webhook envelope (e.g. a response of webhook/set)
        }
        v["instance"] = json!(instancia);
        v["apikey"] = json!(token);
        out.push((name, v));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn every_reference_payload_gives_its_rows_or_a_clean_ignore() {
    let fake = FakeEvolution::start();
    let srv = TestServer::start_with(config());
    let c = conectar(&srv, &fake, "loja-ref");
    let db = srv.app.tenant_db(&c.empresa).expect("tenant db");
    let all = payloads(&c.instancia, &c.token);
    assert!(all.len() >= 7, "expected the reference payloads, found {}", all.len());
    for (name, v) in &all {
        let status = post_json(&c.webhook_url, &[], v);
        assert_eq!(status, 200, "{name}");
        // Delivered twice (Evolution retries): nothing changes the second time.
        let antes = db.contagens().expect("counts");
        assert_eq!(post_json(&c.webhook_url, &[], v), 200, "{name} again");
        assert_eq!(db.contagens().expect("counts"), antes, "{name}: a re-delivery must store nothing");
        let data = &v["data"];
        let jid = data["key"]["remoteJid"].as_str().unwrap_or("");
        let id = data["key"]["id"].as_str().unwrap_or("");
        match v["event"].as_str().unwrap_or("") {
            "messages.upsert" if !jid.ends_with("@g.us") && !id.is_empty() => {
                let m = db.mensagem_por_wa_id(id).expect("query").unwrap_or_else(|| panic!("{name}: no row for {id}"));
                let from_me = data["key"]["fromMe"] == true;
                assert_eq!(m.direcao, if from_me { "saida" } else { "entrada" }, "{name}");
                if let Some(text) = data["message"]["conversation"].as_str() {
                    assert_eq!(m.texto.as_deref(), Some(text), "{name}");
                }
            }
            "connection.update" => {
                let e = helixai::conexao::estado(&srv.app, &c.empresa).expect("estado");
                let esperado = helixai::conexao::estado_nosso(data["state"].as_str().unwrap_or(""));
                assert_eq!(e.estado, esperado, "{name}");
            }
            _ => {}
        }
    }
    // The known ones, exactly.
    let texto = db.mensagem_por_wa_id("3A295BE2718D89DEC07C").expect("q").expect("conversation_v1 stored");
    assert_eq!(texto.texto.as_deref(), Some("Mmmmmmmmmmmmmmmmm"));
    assert_eq!(texto.autor, "cliente");
    let imagem = db.mensagem_por_wa_id("3AE2973B208DFC7A642D").expect("q").expect("image_v1 stored");
    assert_eq!(imagem.tipo, "image");
    assert_eq!(imagem.midia_mime.as_deref(), Some("image/jpeg"));
    let sticker = db.mensagem_por_wa_id("3A7C22C9A23CAFAD7108").expect("q").expect("sticker_v1 stored");
    assert_eq!(sticker.tipo, "sticker");
    assert!(db.mensagem_por_wa_id("3AEC86F19994C535AA64").expect("q").is_some(), "sender_lid payload stored");
    // Leila wrote three times (text, image, sticker) without the 9th digit: one lead, stored
    // under the canonical number, replies going to the JID she wrote from.
    let leads = db.leads_listar(None, 100, None).expect("leads");
    let leila: Vec<_> = leads.iter().filter(|l| l.nome.as_deref() == Some("Leila Fernanda")).collect();
    assert_eq!(leila.len(), 1, "{leads:?}");
    assert_eq!(leila[0].wa_id.as_deref(), Some("5531991819932"));
    let conversa = db.conversa_para_bot(texto.conversa_id, 10).expect("q").expect("conversa");
    assert_eq!(conversa.wa_id, "553191819932@s.whatsapp.net");
    // Payloads from 2024: stored, but history is not answered by the bot (their media is
    // still fetched for the inbox: those jobs are no reply).
    let mais_tarde = helixai::clock::unix_now_ms() + 3_600_000;
    assert_eq!(
        db.job_reivindicar(mais_tarde, 0, 60_000).expect("claim"),
        None,
        "old messages must not queue bot replies"
    );
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[test]
fn unknown_secret_wrong_token_or_instance_store_nothing() {
    let fake = FakeEvolution::start();
    let srv = TestServer::start_with(config());
    let c = conectar(&srv, &fake, "loja-auth");
    let db = srv.app.tenant_db(&c.empresa).expect("tenant db");
    let upsert = |token: Option<&str>, instancia: &str| {
        json!({"event": "messages.upsert", "instance": instancia, "apikey": token,
               "data": upsert_texto("3AFAKEAUTH0001", "5511987654321@s.whatsapp.net", "oi")})
    };
    let base = c.webhook_url.rsplit_once('/').expect("url").0.to_owned();
    // Unknown secret → 404.
    assert_eq!(post_json(&format!("{base}/{}", "0".repeat(64)), &[], &upsert(Some(&c.token), &c.instancia)), 404);
    assert_eq!(post_json(&format!("{base}/x"), &[("x-helixai-token", &c.token)], &upsert(None, &c.instancia)), 404);
    // Right secret, wrong or missing token → 401.
    assert_eq!(post_json(&c.webhook_url, &[], &upsert(Some("token-errado"), &c.instancia)), 401);
    assert_eq!(post_json(&c.webhook_url, &[], &upsert(None, &c.instancia)), 401);
    assert_eq!(post_json(&c.webhook_url, &[("x-helixai-token", "outro")], &upsert(None, &c.instancia)), 401);
    // A right header does not excuse a wrong token in the payload.
    assert_eq!(post_json(&c.webhook_url, &[("x-helixai-token", &c.token)], &upsert(Some("outro"), &c.instancia)), 401);
    // Right token, another instance's name → 401.
    assert_eq!(post_json(&c.webhook_url, &[], &upsert(Some(&c.token), "outra-instancia")), 401);
    // Not JSON → 400.
    let r = crate::support::http::request(
        c.webhook_url.trim_start_matches("http://").split('/').next().expect("host").parse().expect("addr"),
        "POST",
        &c.webhook_url.splitn(4, '/').nth(3).map(|p| format!("/{p}")).expect("path"),
        &[("x-helixai-token", &c.token)],
        b"{not json",
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(db.contagens().expect("counts"), (0, 0, 0, 0), "nothing may be stored");
    // The right token, by header only or by payload only, is accepted.
    assert_eq!(post_json(&c.webhook_url, &[("x-helixai-token", &c.token)], &upsert(None, &c.instancia)), 200);
    assert_eq!(db.contagens().expect("counts").2, 1);
}

#[test]
fn from_me_groups_receipts_connection_and_qr_events() {
    let fake = FakeEvolution::start();
    let srv = TestServer::start_with(config());
    let c = conectar(&srv, &fake, "loja-eventos");
    let db = srv.app.tenant_db(&c.empresa).expect("tenant db");
    // A customer message, then the owner answering from the phone (fromMe).
    assert_eq!(
        fake.emitir(&c.instancia, "messages.upsert", upsert_texto("3AC1", "5511987654321@s.whatsapp.net", "tem Onix?")),
        200
    );
    let mut from_me = upsert_texto("3EB0OWNER1", "5511987654321@s.whatsapp.net", "Temos sim!");
    from_me["key"]["fromMe"] = json!(true);
    from_me["pushName"] = json!("Você");
    assert_eq!(fake.emitir(&c.instancia, "messages.upsert", from_me), 200);
    let dono = db.mensagem_por_wa_id("3EB0OWNER1").expect("q").expect("fromMe stored");
    assert_eq!((dono.direcao.as_str(), dono.autor.as_str(), dono.status.as_str()), ("saida", "humano", "enviada"));
    let cliente = db.mensagem_por_wa_id("3AC1").expect("q").expect("customer stored");
    assert_eq!(dono.conversa_id, cliente.conversa_id, "same conversa");
    // The profile name of the customer is not overwritten by the owner's "Você".
    let lead = db.lead(LeadId(1)).expect("q").expect("lead");
    assert_eq!(lead.nome.as_deref(), Some("Leila Fernanda"));
    // Groups and status broadcasts: 200, nothing stored.
    let antes = db.contagens().expect("counts");
    let mut grupo = upsert_texto("3AGRUPO1", "120363025246125486@g.us", "bom dia grupo");
    grupo["key"]["participant"] = json!("5511987654321@s.whatsapp.net");
    assert_eq!(fake.emitir(&c.instancia, "messages.upsert", grupo), 200);
    assert_eq!(
        fake.emitir(&c.instancia, "messages.upsert", upsert_texto("3ASTATUS", "status@broadcast", "story")),
        200
    );
    // A message revoked by the customer arrives as a protocolMessage: not content.
    let mut apagada = upsert_texto("3AREVOKE", "5511987654321@s.whatsapp.net", "");
    apagada["message"] = json!({"protocolMessage": {"key": {"id": "3AC1"}, "type": "REVOKE"}});
    apagada["messageType"] = json!("protocolMessage");
    assert_eq!(fake.emitir(&c.instancia, "messages.upsert", apagada), 200);
    assert_eq!(db.contagens().expect("counts"), antes);
    // Events we do not use are acknowledged.
    assert_eq!(fake.emitir(&c.instancia, "presence.update", json!({"id": "x", "presences": {}})), 200);
    // A receipt for the owner's message moves it forward, never back.
    let update = |status: &str| json!({"keyId": "3EB0OWNER1", "remoteJid": "5511987654321@s.whatsapp.net", "fromMe": true, "status": status, "instanceId": "x"});
    assert_eq!(fake.emitir(&c.instancia, "messages.update", update("READ")), 200);
    assert_eq!(fake.emitir(&c.instancia, "messages.update", update("DELIVERY_ACK")), 200);
    assert_eq!(db.mensagem_por_wa_id("3EB0OWNER1").expect("q").expect("row").status, "lida");
    // Connection: open with the paired number; then logged out on the phone.
    let open = json!({"instance": c.instancia, "state": "open", "statusReason": 200, "wuid": "5511988887777@s.whatsapp.net", "profileName": "Loja Eventos"});
    assert_eq!(fake.emitir(&c.instancia, "connection.update", open), 200);
    let e = helixai::conexao::estado(&srv.app, &c.empresa).expect("estado");
    assert_eq!((e.estado.as_str(), e.numero.as_deref()), ("conectado", Some("5511988887777")));
    assert!(e.qr_code.is_none(), "no QR once connected");
    let close = json!({"instance": c.instancia, "state": "close", "statusReason": 401});
    assert_eq!(fake.emitir(&c.instancia, "connection.update", close), 200);
    let e = helixai::conexao::estado(&srv.app, &c.empresa).expect("estado");
    assert_eq!(e.estado, "desconectado");
    assert_eq!(e.motivo_codigo, Some(401));
    assert!(e.motivo.as_deref().is_some_and(|m| m.contains("logout")), "{:?}", e.motivo);
    // QR events: a fresh code, then the limit.
    let qr = json!({"qrcode": {"instance": c.instancia, "pairingCode": null, "code": "2@NOVOQR", "base64": "data:image/png;base64,AAAA"}});
    assert_eq!(fake.emitir(&c.instancia, "qrcode.updated", qr), 200);
    let e = helixai::conexao::estado(&srv.app, &c.empresa).expect("estado");
    assert_eq!((e.estado.as_str(), e.qr_code.as_deref()), ("conectando", Some("2@NOVOQR")));
    let limite = json!({"message": "QR code limit reached, please login again", "statusCode": 500});
    assert_eq!(fake.emitir(&c.instancia, "qrcode.updated", limite), 200);
    assert_eq!(helixai::conexao::estado(&srv.app, &c.empresa).expect("estado").estado, "recusado");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[test]
fn the_ninth_digit_variants_are_one_lead_on_both_channels() {
    let fake = FakeEvolution::start();
    let graph = crate::support::fake_graph::FakeGraph::start(crate::support::whatsapp::TOKEN);
    let srv = TestServer::start_with(crate::support::whatsapp::pipeline_config(&graph));
    let c = conectar(&srv, &fake, "loja-nono");
    // The same empresa also has a Cloud API number (it used it before switching).
    let wa = helixai::store::central::WhatsappAlteracao {
        phone_number_id: Some(Some(crate::support::whatsapp::PID.into())),
        ..Default::default()
    };
    srv.app.central.empresa_definir_whatsapp(c.empresa.id, &wa).expect("set pid");
    let db = srv.app.tenant_db(&c.empresa).expect("tenant db");
    // Cloud API, without the 9: Meta's wa_id for an old mobile.
    let env =
        crate::support::whatsapp::text_envelope(crate::support::whatsapp::PID, "wamid.NONO1", "553191819932", "oi");
    crate::support::whatsapp::post_ok(srv.addr, &env);
    // Evolution, with the 9, then without it.
    assert_eq!(
        fake.emitir(
            &c.instancia,
            "messages.upsert",
            upsert_texto("3ANONO2", "5531991819932@s.whatsapp.net", "tem SUV?")
        ),
        200
    );
    assert_eq!(
        fake.emitir(&c.instancia, "messages.upsert", upsert_texto("3ANONO3", "553191819932@s.whatsapp.net", "e sedã?")),
        200
    );
    assert_eq!(db.leads_total().expect("leads"), 1, "{:?}", db.leads_listar(None, 10, None));
    // Replies go to the address of the last message.
    let m = db.mensagem_por_wa_id("3ANONO3").expect("q").expect("row");
    assert_eq!(db.conversa_para_bot(m.conversa_id, 5).expect("q").expect("c").wa_id, "553191819932@s.whatsapp.net");
    // A landline and another country are never merged with anything.
    assert_eq!(
        fake.emitir(&c.instancia, "messages.upsert", upsert_texto("3AFIXO", "551133334444@s.whatsapp.net", "fixo")),
        200
    );
    assert_eq!(
        fake.emitir(&c.instancia, "messages.upsert", upsert_texto("3AUS", "14155550123@s.whatsapp.net", "hi")),
        200
    );
    assert_eq!(db.leads_total().expect("leads"), 3);
    // LID addressing with the phone in remoteJidAlt: the phone is the lead key.
    let mut lid = upsert_texto("3ALID1", "82030184386636@lid", "oi pelo lid");
    lid["key"]["remoteJidAlt"] = json!("5531991819932@s.whatsapp.net");
    lid["key"]["addressingMode"] = json!("lid");
    assert_eq!(fake.emitir(&c.instancia, "messages.upsert", lid), 200);
    assert_eq!(db.leads_total().expect("leads"), 3, "the LID message is the same customer");
    assert!(agora_s() > 0);
}

/// Evolution puts the media itself in `message.base64` when the webhook asks for it: a photo
/// is megabytes, over the JSON API's cap, and must still be taken (the bytes are dropped
/// before anything is stored).
#[test]
fn a_media_upsert_with_megabytes_of_base64_is_taken() {
    let fake = FakeEvolution::start();
    let srv = TestServer::start_with(config());
    let c = conectar(&srv, &fake, "loja-foto");
    let base64 = "A".repeat(2 * 1024 * 1024);
    assert!(base64.len() > srv.app.config.max_body_bytes, "bigger than the API cap");
    let mut m = upsert_texto("3AFOTO", "5511988887777@s.whatsapp.net", "");
    m["message"] = json!({"imageMessage": {"caption": "esse aqui", "mimetype": "image/jpeg"}, "base64": base64});
    m["messageType"] = json!("imageMessage");
    assert_eq!(fake.emitir(&c.instancia, "messages.upsert", m), 200);
    let db = srv.app.tenant_db(&c.empresa).expect("tenant db");
    let row = db.mensagem_por_wa_id("3AFOTO").expect("q").expect("stored");
    assert_eq!((row.tipo.as_str(), row.texto.as_deref()), ("image", Some("[imagem] esse aqui")));
}
