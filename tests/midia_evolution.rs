//! Media on the QR-code channel (Evolution API): bytes carried in the webhook (`base64: true`)
//! are used as they are; without them the media worker asks
//! `/chat/getBase64FromMediaMessage` with the instance token; an attendant's attachment goes
//! out through `/message/sendMedia` as base64.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use helixai::crypto::sha256_hex;
use helixai::domain::Papel;
use serde_json::{json, Value};

use crate::support::evolution::{agora_s, conectar, config, upsert_texto};
use crate::support::fake_evolution::FakeEvolution;
use crate::support::midia::*;
use crate::support::server::TestServer;

const JID: &str = "553191819932@s.whatsapp.net";

/// Evolution's real image upsert (v1 log), made fresh: its own id, now, this chat.
fn upsert_imagem(id: &str, base64: Option<&str>) -> Value {
    let mut v = payload("evolution", "webhook_messages_upsert_image_v1.json")["data"].clone();
    v["key"] = json!({"remoteJid": JID, "fromMe": false, "id": id});
    v["messageTimestamp"] = json!(agora_s());
    v["message"]["imageMessage"]["caption"] = json!("Esse modelo tem em azul?");
    if let Some(b) = base64 {
        v["message"]["base64"] = json!(b);
    }
    v
}

#[test]
fn bytes_in_the_webhook_are_used_and_otherwise_fetched_from_the_instance() {
    let fake = FakeEvolution::start();
    let srv = TestServer::start_with(config());
    let c = conectar(&srv, &fake, "loja-midia");
    let foto = arquivo("foto.jpg");
    let figurinha = arquivo("figurinha.webp");
    // With `base64: true` on the webhook, the bytes come in the event.
    assert_eq!(fake.emitir(&c.instancia, "messages.upsert", upsert_imagem("3AE2IMG01", Some(&B64.encode(&foto)))), 200);
    // Without, the media worker asks Evolution for them by message id.
    fake.add_midia("3AE2IMG02", "image/webp", &figurinha);
    assert_eq!(fake.emitir(&c.instancia, "messages.upsert", upsert_imagem("3AE2IMG02", None)), 200);
    rodar_ate_assentar(&srv.app, &c.empresa);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
    let pedidos = fake.pedidos_midia();
    assert_eq!(pedidos.len(), 1, "only the second one was fetched");
    assert_eq!(pedidos[0].path, format!("/chat/getBase64FromMediaMessage/{}", c.instancia));
    assert_eq!(pedidos[0].header("apikey"), Some(c.token.as_str()));
    assert_eq!(pedidos[0].body["message"]["key"]["id"], "3AE2IMG02");
    let db = srv.app.tenant_db(&c.empresa).expect("db");
    for (id, bytes, mime) in [("3AE2IMG01", &foto, "image/jpeg"), ("3AE2IMG02", &figurinha, "image/webp")] {
        let m = db.mensagem_por_wa_id(id).expect("q").expect("msg");
        let midia = db.midia_da_mensagem(m.id).expect("q").expect("row");
        assert_eq!(
            (midia.estado.as_str(), midia.origem.as_str(), midia.mime.as_deref()),
            ("pronta", "evolution", Some(mime))
        );
        assert_eq!(midia.sha256.as_deref(), Some(sha256_hex(bytes).as_str()));
        assert_eq!(m.texto.as_deref(), Some("[imagem] Esse modelo tem em azul?"));
    }
    assert_eq!(arquivos_em(&pasta_midia(&srv.app, &c.empresa)).len(), 2);
}

#[test]
fn an_attendants_photo_goes_out_through_send_media() {
    let fake = FakeEvolution::start();
    let srv = TestServer::start_with(config());
    let c = conectar(&srv, &fake, "loja-anexo");
    srv.usuario("ana@loja.com", Papel::Atendente, Some(&c.empresa));
    assert_eq!(fake.emitir(&c.instancia, "messages.upsert", upsert_texto("3AE2T1", JID, "Tem foto do carro?")), 200);
    rodar_ate_assentar(&srv.app, &c.empresa);
    let db = srv.app.tenant_db(&c.empresa).expect("db");
    let conversa = db.mensagem_por_wa_id("3AE2T1").expect("q").expect("msg").conversa_id;
    let foto = arquivo("foto.jpg");
    let mut ana = srv.login("ana@loja.com");
    let cookie = format!("helixai_sessao={}", ana.cookie.take().expect("cookie"));
    let r = crate::support::http::request(
        srv.addr,
        "POST",
        &format!("/api/conversas/{conversa}/anexos?nome=civic.jpg&legenda=Olha%20ele%20a%C3%AD"),
        &[("Cookie", &cookie), ("X-HelixAI-CSRF", "1"), ("Content-Type", "image/jpeg")],
        &foto,
    );
    assert_eq!(r.status, 202, "{}", r.text());
    assert_eq!(r.json()["midia"]["mime"], "image/jpeg");
    rodar_ate_assentar(&srv.app, &c.empresa);
    let envios = fake.envios_midia();
    assert_eq!(envios.len(), 1);
    let b = &envios[0].body;
    assert_eq!(envios[0].header("apikey"), Some(c.token.as_str()));
    assert_eq!(
        (b["number"].as_str(), b["mediatype"].as_str(), b["mimetype"].as_str()),
        (Some(JID), Some("image"), Some("image/jpeg"))
    );
    assert_eq!(B64.decode(b["media"].as_str().expect("media")).expect("base64"), foto);
    assert_eq!(b["caption"], "Olha ele aí");
    let saida = db.mensagens_da_conversa(conversa).expect("q").into_iter().find(|m| m.tipo == "image").expect("image");
    assert_eq!((saida.autor.as_str(), saida.status.as_str()), ("humano", "enviada"));
    assert!(saida.wa_message_id.as_deref().is_some_and(|id| id.starts_with("BAE5MIDIA")), "Evolution's id stored");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}
