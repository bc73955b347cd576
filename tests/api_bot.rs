//! The panel's bot endpoints over HTTP: "Testar bot" (/api/bot/simular), human replies
//! through the sending path (/api/conversas/{id}/responder), the plano's monthly quota,
//! and the pipeline's metrics.

use helixai::domain::{Papel, Setor};
use helixai::jobs::run_once;
use helixai::pipeline::resposta::AVISO_COTA;
use serde_json::json;

use crate::support::fake_graph::FakeGraph;
use crate::support::http::get;
use crate::support::server::TestServer;
use crate::support::whatsapp::*;

const CLIENTE: &str = "5511977776666";

#[test]
fn simulator_answers_with_the_catalog_price_and_why() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "carros", Setor::Veiculos, PID, None);
    add_veiculo(&srv.app.tenant_db(&e).expect("db"), "Toyota", "Corolla", 2021, 11_890_000);
    srv.usuario("atende@carros.com", Papel::Atendente, Some(&e));
    let mut c = srv.login("atende@carros.com");
    let r = c.post("/api/bot/simular", &json!({"sessao": "s1", "texto": "quanto custa o corola?"}));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let resposta = v["resposta"].as_str().expect("resposta").to_owned();
    assert!(resposta.contains("118.900,00"), "the catalog price: {resposta} {}", v["explicacao"]);
    assert_eq!(v["origem"], "fallback");
    assert_eq!(v["explicacao"]["intencao"], "busca");
    assert_eq!(v["explicacao"]["entendimento"]["correcoes"][0], json!(["corola", "corolla"]));
    assert_eq!(v["explicacao"]["ferramentas"][0]["nome"], "buscar_catalogo");
    assert!(v["explicacao"]["itens"][0]["nome"].as_str().is_some_and(|n| n.contains("Corolla")));
    assert!(sends(&graph).is_empty(), "the simulator never calls the Graph API");
    let r = c.post("/api/bot/simular", &json!({"sessao": "../x", "texto": "oi"}));
    assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (400, Some("sessao_invalida")));
    assert_eq!(srv.client().post("/api/bot/simular", &json!({"sessao": "s1", "texto": "oi"})).status, 401);
    assert_eq!(c.post("/api/bot/simular/reiniciar", &json!({"sessao": "s1"})).status, 200);
}

#[test]
fn a_human_reply_goes_out_through_the_whatsapp_path() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    srv.usuario("ana@loja.com", Papel::Atendente, Some(&e));
    post_ok(srv.addr, &text_envelope(PID, "wamid.R1", CLIENTE, "oi, alguém aí?"));
    let mut c = srv.login("ana@loja.com");
    let conversa = c.get("/api/conversas").json()["itens"][0]["id"].as_i64().expect("conversa");
    assert_eq!(c.post(&format!("/api/conversas/{conversa}/assumir"), &json!({})).status, 200);
    let r = c.post(&format!("/api/conversas/{conversa}/responder"), &json!({"texto": "Olá! Sou a Ana, posso ajudar?"}));
    assert_eq!(r.status, 202, "{}", r.text());
    assert_eq!(r.json()["status"], "pendente");
    assert_eq!(r.json()["autor"], "humano");
    run_once(&srv.app).expect("run");
    let sent = sends(&graph);
    assert_eq!(sent.len(), 1, "only the human reply: the conversa is in modo humano");
    assert_eq!(sent[0].body["to"], CLIENTE);
    assert_eq!(sent[0].body["text"]["body"], "Olá! Sou a Ana, posso ajudar?");
    let msgs = c.get(&format!("/api/conversas/{conversa}/mensagens")).json();
    let ultima = msgs["itens"].as_array().and_then(|v| v.last()).cloned().expect("mensagem");
    assert_eq!((ultima["autor"].as_str(), ultima["status"].as_str()), (Some("humano"), Some("enviada")));
    run_once(&srv.app).expect("run again");
    assert_eq!(sends(&graph).len(), 1, "sent once");
    let r = c.post("/api/conversas/999999/responder", &json!({"texto": "x"}));
    assert_eq!(r.status, 404);
    let r = c.post(&format!("/api/conversas/{conversa}/responder"), &json!({"texto": "  "}));
    assert_eq!(r.status, 400);
}

#[test]
fn quota_spent_keeps_messages_and_sends_the_notice() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    dar_plano(&srv.app, &e, 1);
    post_ok(srv.addr, &text_envelope(PID, "wamid.Q1", CLIENTE, "bom dia"));
    run_once(&srv.app).expect("run");
    post_ok(srv.addr, &text_envelope(PID, "wamid.Q2", CLIENTE, "qual o horário?"));
    run_once(&srv.app).expect("run");
    let sent = sends(&graph);
    assert_eq!(sent.len(), 2);
    assert_ne!(sent[0].body["text"]["body"], AVISO_COTA, "within the quota the bot answers");
    assert_eq!(sent[1].body["text"]["body"], AVISO_COTA, "past the quota: the notice");
    let db = srv.app.tenant_db(&e).expect("db");
    let entradas = db.mensagens_todas(50).expect("rows").into_iter().filter(|m| m.direcao == "entrada").count();
    assert_eq!(entradas, 2, "every message is still stored");
}

#[test]
fn webhook_and_sending_move_the_metrics() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    let env = text_envelope(PID, "wamid.M1", CLIENTE, "oi");
    post_ok(srv.addr, &env);
    post_ok(srv.addr, &env);
    post_ok(srv.addr, &text_envelope("99999", "wamid.M2", CLIENTE, "oi"));
    let bad = post_signed(srv.addr, &serde_json::to_vec(&env).expect("json"), Some("segredo-errado"));
    assert_eq!(bad.status, 401);
    run_once(&srv.app).expect("run");
    let t = get(srv.addr, "/metrics").text();
    for linha in [
        "helixai_webhook_messages_received_total 1",
        "helixai_webhook_messages_duplicate_total 1",
        "helixai_webhook_messages_unrouted_total 1",
        "helixai_webhook_bad_signature_total 1",
        "helixai_jobs_enqueued_total 1",
        "helixai_jobs_done_total 1",
        "helixai_graph_sent_total 1",
    ] {
        assert!(t.lines().any(|l| l == linha), "{linha} in:\n{t}");
    }
}
