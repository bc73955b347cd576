//! Replies on the QR-code channel end to end: a `messages.upsert` from the fake Evolution →
//! bot job → `sendText` on the empresa's instance with its token → id stored → receipts;
//! our own echo is not stored twice; failures marked with the reason and retried only when
//! retryable; human replies and handoff behave as on the Cloud API.

use std::time::Duration;

use serde_json::json;

use crate::support::evolution::{conectar, config, upsert_texto};
use crate::support::fake_evolution::FakeEvolution;
use crate::support::server::TestServer;

const NAO_ESTA: &str = include_str!("fixtures/evolution/send_text_error_400_number_not_on_whatsapp_issue2111.json");

fn rodar(srv: &TestServer) -> usize {
    helixai::jobs::run_once(&srv.app).expect("run jobs")
}

#[test]
fn an_upsert_becomes_a_send_text_on_the_instance() {
    let fake = FakeEvolution::start();
    let srv = TestServer::start_with(config());
    let c = conectar(&srv, &fake, "loja-envio");
    let db = srv.app.tenant_db(&c.empresa).expect("tenant db");
    let jid = "553191819932@s.whatsapp.net";
    assert_eq!(
        fake.emitir(&c.instancia, "messages.upsert", upsert_texto("3AE2E0001", jid, "Oi, vocês abrem sábado?")),
        200
    );
    assert_eq!(rodar(&srv), 1);
    let sends = fake.sends();
    assert_eq!(sends.len(), 1, "{sends:?}");
    let s = &sends[0];
    assert_eq!(s.path, format!("/message/sendText/{}", c.instancia));
    assert_eq!(s.header("apikey"), Some(c.token.as_str()), "the instance token, not the global key");
    assert_eq!(s.body["number"], jid, "the reply goes to the JID the customer wrote from");
    let texto = s.body["text"].as_str().expect("text");
    assert!(!texto.trim().is_empty());
    let saida = db.mensagem_por_wa_id("BAE5FAKE00000001").expect("q").expect("reply stored with Evolution's id");
    assert_eq!((saida.direcao.as_str(), saida.autor.as_str(), saida.status.as_str()), ("saida", "bot", "enviada"));
    assert_eq!(saida.texto.as_deref(), Some(texto));
    // Evolution echoes our own send as a fromMe upsert: no second row.
    let mut eco = upsert_texto("BAE5FAKE00000001", jid, texto);
    eco["key"]["fromMe"] = json!(true);
    assert_eq!(fake.emitir(&c.instancia, "messages.upsert", eco), 200);
    let saidas: Vec<_> =
        db.mensagens_da_conversa(saida.conversa_id).expect("q").into_iter().filter(|m| m.direcao == "saida").collect();
    assert_eq!(saidas.len(), 1, "{saidas:?}");
    // Receipts: SERVER_ACK keeps enviada, DELIVERY_ACK → entregue, READ → lida.
    for (st, esperado) in [("SERVER_ACK", "enviada"), ("DELIVERY_ACK", "entregue"), ("READ", "lida")] {
        let upd = json!({"keyId": "BAE5FAKE00000001", "remoteJid": jid, "fromMe": true, "status": st});
        assert_eq!(fake.emitir(&c.instancia, "messages.update", upd), 200);
        assert_eq!(db.mensagem_por_wa_id("BAE5FAKE00000001").expect("q").expect("row").status, esperado, "{st}");
    }
    assert_eq!(rodar(&srv), 0, "nothing left to do");
    assert_eq!(fake.sends().len(), 1, "sent exactly once");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[test]
fn an_echo_arriving_before_the_send_returns_is_merged_into_the_reply() {
    let fake = FakeEvolution::start();
    let srv = TestServer::start_with(config());
    let c = conectar(&srv, &fake, "loja-eco");
    let db = srv.app.tenant_db(&c.empresa).expect("tenant db");
    let jid = "5511987654321@s.whatsapp.net";
    assert_eq!(fake.emitir(&c.instancia, "messages.upsert", upsert_texto("3AECO1", jid, "bom dia")), 200);
    fake.segurar_envios();
    std::thread::scope(|s| {
        let job = s.spawn(|| rodar(&srv));
        esperar(|| fake.envios_segurados() == 1, "the bot's sendText reaches Evolution");
        // Evolution posts the echo of our send (the id the fake will answer) before answering.
        let mut eco = upsert_texto("BAE5FAKE00000001", jid, "eco");
        eco["key"]["fromMe"] = json!(true);
        assert_eq!(fake.emitir(&c.instancia, "messages.upsert", eco), 200);
        helixai::pipeline::journal::aplicar_pendentes(&srv.app);
        let eco = db.mensagem_por_wa_id("BAE5FAKE00000001").expect("q").expect("the echo is stored meanwhile");
        assert_eq!(eco.autor, "humano");
        // Our own reply in flight is not a person answering from the phone: the bot keeps it.
        assert_eq!(db.conversa_modo(eco.conversa_id).expect("q").as_deref(), Some("bot"));
        fake.soltar_envios();
        assert_eq!(job.join().expect("job thread"), 1);
    });
    let m = db.mensagem_por_wa_id("BAE5FAKE00000001").expect("q").expect("row");
    assert_eq!(
        (m.autor.as_str(), m.status.as_str()),
        ("bot", "enviada"),
        "the reply keeps the id; the echo row is gone"
    );
    let saidas = db.mensagens_todas(100).expect("q").into_iter().filter(|m| m.direcao == "saida").count();
    assert_eq!(saidas, 1);
    assert_eq!(db.conversa_modo(m.conversa_id).expect("q").as_deref(), Some("bot"));
}

#[test]
fn a_message_typed_on_the_phone_silences_the_bot() {
    let fake = FakeEvolution::start();
    let srv = TestServer::start_with(config());
    let c = conectar(&srv, &fake, "loja-celular");
    let db = srv.app.tenant_db(&c.empresa).expect("tenant db");
    let jid = "5511987654322@s.whatsapp.net";
    assert_eq!(fake.emitir(&c.instancia, "messages.upsert", upsert_texto("3ACEL1", jid, "oi, tem Onix?")), 200);
    assert_eq!(rodar(&srv), 1);
    assert_eq!(fake.sends().len(), 1, "the bot answered the first message");
    // The owner answers from the phone (a fromMe that is none of our sends).
    let mut dono = upsert_texto("3ADONO1", jid, "Oi! Aqui é o João, dono da loja. Temos sim.");
    dono["key"]["fromMe"] = json!(true);
    assert_eq!(fake.emitir(&c.instancia, "messages.upsert", dono), 200);
    assert_eq!(fake.emitir(&c.instancia, "messages.upsert", upsert_texto("3ACEL2", jid, "qual o preço?")), 200);
    rodar(&srv);
    assert_eq!(fake.sends().len(), 1, "the bot does not talk over the owner");
    let conversa = db.mensagem_por_wa_id("3ACEL2").expect("q").expect("row").conversa_id;
    assert_eq!(db.conversa_modo(conversa).expect("q").as_deref(), Some("humano"));
}

fn esperar(ok: impl Fn() -> bool, o_que: &str) {
    let fim = std::time::Instant::now() + Duration::from_secs(10);
    while !ok() {
        assert!(std::time::Instant::now() < fim, "timeout: {o_que}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn failures_are_marked_with_the_reason_and_retried_only_when_retryable() {
    let fake = FakeEvolution::start();
    let srv = TestServer::start_with(config());
    let c = conectar(&srv, &fake, "loja-falhas");
    let db = srv.app.tenant_db(&c.empresa).expect("tenant db");
    // Not on WhatsApp: one attempt, failed with the reason.
    fake.script_send(400, NAO_ESTA);
    assert_eq!(
        fake.emitir(&c.instancia, "messages.upsert", upsert_texto("3AF1", "5511900000001@s.whatsapp.net", "oi")),
        200
    );
    assert_eq!(rodar(&srv), 1);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(rodar(&srv), 0, "a permanent failure is not retried");
    assert_eq!(fake.sends().len(), 1);
    let falha = db.mensagens_todas(100).expect("q").into_iter().find(|m| m.direcao == "saida").expect("reply row");
    assert_eq!(falha.status, "falhou");
    assert!(falha.erro_texto.as_deref().is_some_and(|t| t.contains("não está no WhatsApp")), "{:?}", falha.erro_texto);
    // The instance reconnecting: 500 Connection Closed, then it goes out on the retry.
    fake.script_send(
        500,
        r#"{"status":500,"error":"Internal Server Error","response":{"message":["Connection Closed"]}}"#,
    );
    assert_eq!(
        fake.emitir(&c.instancia, "messages.upsert", upsert_texto("3AF2", "5511900000002@s.whatsapp.net", "oi")),
        200
    );
    assert_eq!(rodar(&srv), 1);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(rodar(&srv), 1, "retried after the backoff");
    assert_eq!(fake.sends().len(), 3);
    let ok = db.mensagem_por_wa_id("BAE5FAKE00000001").expect("q").expect("sent on the retry");
    assert_eq!(ok.status, "enviada");
    // Logged out on the phone: no call at all, failed with a pt-BR reason.
    let close = json!({"instance": c.instancia, "state": "close", "statusReason": 401});
    assert_eq!(fake.emitir(&c.instancia, "connection.update", close), 200);
    assert_eq!(
        fake.emitir(&c.instancia, "messages.upsert", upsert_texto("3AF3", "5511900000003@s.whatsapp.net", "oi")),
        200
    );
    assert_eq!(rodar(&srv), 1);
    assert_eq!(fake.sends().len(), 3, "no send while logged out");
    let m = db.mensagem_por_wa_id("3AF3").expect("q").expect("inbound");
    let resp =
        db.mensagens_da_conversa(m.conversa_id).expect("q").into_iter().find(|x| x.direcao == "saida").expect("reply");
    assert_eq!(resp.status, "falhou");
    assert!(resp.erro_texto.as_deref().is_some_and(|t| t.contains("não está conectado")), "{:?}", resp.erro_texto);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[test]
fn human_replies_and_handoff_work_as_on_the_cloud_api() {
    let fake = FakeEvolution::start();
    let srv = TestServer::start_with(config());
    let c = conectar(&srv, &fake, "loja-humano");
    srv.usuario("vendedor@loja.com", helixai::domain::Papel::Atendente, Some(&c.empresa));
    let mut api = srv.login("vendedor@loja.com");
    let jid = "5511912345678@s.whatsapp.net";
    assert_eq!(fake.emitir(&c.instancia, "messages.upsert", upsert_texto("3AH1", jid, "quero falar com alguém")), 200);
    let db = srv.app.tenant_db(&c.empresa).expect("tenant db");
    let conversa = db.mensagem_por_wa_id("3AH1").expect("q").expect("row").conversa_id;
    // The attendant takes over before the bot runs: the bot stays quiet.
    assert_eq!(api.post(&format!("/api/conversas/{}/assumir", conversa.0), &json!({})).status, 200);
    rodar(&srv);
    assert_eq!(fake.sends().len(), 0, "no bot reply in modo humano");
    let r = api.post(&format!("/api/conversas/{}/responder", conversa.0), &json!({"texto": "Oi! Sou o Carlos."}));
    assert_eq!(r.status, 202, "{}", r.text());
    assert_eq!(rodar(&srv), 1);
    let sends = fake.sends();
    assert_eq!(sends.len(), 1);
    assert_eq!(sends[0].body["text"], "Oi! Sou o Carlos.");
    assert_eq!(sends[0].body["number"], jid);
    let m = db.mensagem_por_wa_id("BAE5FAKE00000001").expect("q").expect("stored with the id");
    assert_eq!(m.autor, "humano");
    // The simulator never reaches Evolution.
    let r = api.post("/api/bot/simular", &json!({"telefone": "5511900001111", "texto": "oi"}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(fake.sends().len(), 1);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[test]
fn the_plan_quota_applies_on_the_qr_code_channel_too() {
    use helixai::pipeline::resposta::AVISO_COTA;
    use helixai::store::central::{AlteraEmpresa, NovoPlano};
    let fake = FakeEvolution::start();
    let srv = TestServer::start_with(config());
    let c = conectar(&srv, &fake, "loja-cota");
    let plano = srv
        .app
        .central
        .plano_criar(&NovoPlano {
            nome: "Mini".into(),
            preco_centavos: 1000,
            limite_mensagens_mes: Some(1),
            limite_usuarios: None,
            limite_itens_catalogo: None,
            limite_midia_mb: None,
            ativo: true,
        })
        .expect("plano");
    let altera = AlteraEmpresa { plano_id: Some(Some(plano.id)), ..AlteraEmpresa::default() };
    srv.app.central.empresa_atualizar(c.empresa.id, &altera).expect("assign plano");
    let jid = "5511977778888@s.whatsapp.net";
    assert_eq!(fake.emitir(&c.instancia, "messages.upsert", upsert_texto("3AQ1", jid, "bom dia")), 200);
    rodar(&srv);
    assert_eq!(fake.emitir(&c.instancia, "messages.upsert", upsert_texto("3AQ2", jid, "qual o horário?")), 200);
    rodar(&srv);
    let sends = fake.sends();
    assert_eq!(sends.len(), 2);
    assert_ne!(sends[0].body["text"], AVISO_COTA, "within the quota the bot answers");
    assert_eq!(sends[1].body["text"], AVISO_COTA, "past the quota: the notice");
}
