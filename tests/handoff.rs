//! The handoff never talks over a person, through the real webhook and a fake Graph API: an
//! attendant's reply takes the conversa over and the bot stays silent (no answer, no notice)
//! until handed back or until the empresa's idle time passes (aged with a store knob, not by
//! sleeping); a customer asking for a person alerts the panel; a reply the bot composed while
//! someone took over is dropped; who sent each human reply is shown.

use std::time::Duration;

use helixai::domain::{ConversaId, Papel, Setor};
use helixai::jobs::run_once;
use serde_json::{json, Value};

use crate::support::fake_graph::FakeGraph;
use crate::support::fake_openai::{Expect, FakeOpenAi, Step};
use crate::support::server::{Client, TestServer};
use crate::support::whatsapp::*;

const CLIENTE: &str = "5511966665555";
const HORA_MS: i64 = 3_600_000;

fn conversa_de(c: &mut Client) -> i64 {
    c.get("/api/conversas").json()["itens"][0]["id"].as_i64().expect("a conversa")
}

fn textos(graph: &FakeGraph) -> Vec<String> {
    sends(graph).iter().map(|s| s.body["text"]["body"].as_str().unwrap_or_default().to_owned()).collect()
}

#[test]
fn an_attendants_reply_takes_over_until_the_idle_time_passes() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    srv.usuario("beto@loja.com", Papel::Atendente, Some(&e));
    srv.usuario("ana@loja.com", Papel::Admin, Some(&e));
    let db = srv.app.tenant_db(&e).expect("db");
    post_ok(srv.addr, &text_envelope(PID, "wamid.T1", CLIENTE, "oi, boa tarde"));
    run_once(&srv.app).expect("run");
    assert_eq!(sends(&graph).len(), 1, "the bot answers while no one is in charge");

    // Beto answers without pressing "Assumir": his reply alone takes the conversa over.
    let mut beto = srv.login("beto@loja.com");
    let conversa = conversa_de(&mut beto);
    let r = beto.post(&format!("/api/conversas/{conversa}/responder"), &json!({"texto": "Oi! Aqui é o Beto."}));
    assert_eq!(r.status, 202, "{}", r.text());
    run_once(&srv.app).expect("run");
    assert_eq!(textos(&graph).last().map(String::as_str), Some("Oi! Aqui é o Beto."));
    let c = beto.get(&format!("/api/conversas/{conversa}")).json();
    let beto_id = srv.app.central.usuario_por_email("beto@loja.com").expect("q").expect("beto").id.0;
    assert_eq!((c["modo"].as_str(), c["atribuida_a"].as_i64()), (Some("humano"), Some(beto_id)));

    // The customer writes again: nothing from the bot, not even an "aguarde".
    post_ok(srv.addr, &text_envelope(PID, "wamid.T2", CLIENTE, "qual o preço da entrega?"));
    run_once(&srv.app).expect("run");
    assert_eq!(sends(&graph).len(), 2, "the bot stays silent in modo humano: {:?}", textos(&graph));
    // Who sent each reply.
    let msgs = beto.get(&format!("/api/conversas/{conversa}/mensagens")).json();
    let humano =
        msgs["itens"].as_array().expect("itens").iter().find(|m| m["autor"] == "humano").cloned().expect("reply");
    assert_eq!(
        (humano["enviado_por"].as_i64(), humano["enviado_por_nome"].as_str()),
        (Some(beto_id), Some("beto@loja.com"))
    );

    // The default idle time is 12 h: after 11 h the bot still waits, after 13 h it answers.
    assert_eq!(beto.get("/api/atendimento").json()["humano_inativo_min"], 720);
    db.atendimento_envelhecer_fixture(ConversaId(conversa), 11 * HORA_MS).expect("age").expect("human activity");
    post_ok(srv.addr, &text_envelope(PID, "wamid.T3", CLIENTE, "alguém?"));
    run_once(&srv.app).expect("run");
    assert_eq!(sends(&graph).len(), 2, "11 h without a person is not 12 h");
    db.atendimento_envelhecer_fixture(ConversaId(conversa), 2 * HORA_MS).expect("age").expect("human activity");
    post_ok(srv.addr, &text_envelope(PID, "wamid.T4", CLIENTE, "vocês abrem sábado?"));
    run_once(&srv.app).expect("run");
    assert_eq!(sends(&graph).len(), 3, "after the idle time the bot answers again");
    assert_eq!(beto.get(&format!("/api/conversas/{conversa}")).json()["modo"], "bot");

    // Per empresa: 0 = never on its own. Only an admin changes it, within bounds.
    assert_eq!(beto.put("/api/atendimento", &json!({"humano_inativo_min": 0})).status, 403);
    let mut ana = srv.login("ana@loja.com");
    let r = ana.put("/api/atendimento", &json!({"humano_inativo_min": 3}));
    assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (400, Some("inatividade_invalida")));
    assert_eq!(ana.put("/api/atendimento", &json!({"humano_inativo_min": 0})).json()["humano_inativo_min"], 0);
    assert_eq!(beto.get("/api/atendimento").json()["humano_inativo_min"], 0);
    assert_eq!(beto.post(&format!("/api/conversas/{conversa}/assumir"), &json!({})).status, 200);
    db.atendimento_envelhecer_fixture(ConversaId(conversa), 40 * 24 * HORA_MS).expect("age").expect("activity");
    post_ok(srv.addr, &text_envelope(PID, "wamid.T5", CLIENTE, "oi de novo"));
    run_once(&srv.app).expect("run");
    assert_eq!(sends(&graph).len(), 3, "with 0 the bot waits for \"Devolver ao bot\"");
    assert_eq!(beto.post(&format!("/api/conversas/{conversa}/devolver"), &json!({})).status, 200);
    post_ok(srv.addr, &text_envelope(PID, "wamid.T6", CLIENTE, "e o horário?"));
    run_once(&srv.app).expect("run");
    assert_eq!(sends(&graph).len(), 4, "handed back: the bot answers the next message");
}

#[test]
fn a_customer_asking_for_a_person_alerts_the_panel_and_the_bot_waits() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    srv.usuario("beto@loja.com", Papel::Atendente, Some(&e));
    let mut beto = srv.login("beto@loja.com");
    assert_eq!(beto.get("/api/conversas/alertas").json()["total"], 0);
    post_ok(srv.addr, &text_envelope(PID, "wamid.A1", CLIENTE, "quero falar com um atendente"));
    run_once(&srv.app).expect("run");
    assert_eq!(sends(&graph).len(), 1, "the bot says it is calling someone, once");
    let a = beto.get("/api/conversas/alertas").json();
    assert_eq!((a["aguardando_humano"].as_i64(), a["total"].as_i64()), (Some(1), Some(1)), "{a}");
    assert_eq!(a["recentes"][0]["motivo"], "pediu_atendente");
    let conversa = a["recentes"][0]["conversa_id"].as_i64().expect("id");
    let c = beto.get(&format!("/api/conversas/{conversa}")).json();
    assert!(c["pediu_humano_em"].is_string() && c["modo"] == "humano", "{c}");

    post_ok(srv.addr, &text_envelope(PID, "wamid.A2", CLIENTE, "alô? tem alguém?"));
    run_once(&srv.app).expect("run");
    assert_eq!(sends(&graph).len(), 1, "waiting for a person: the bot says nothing more");

    // A new conversa arrives: a second alert, of the other kind.
    post_ok(srv.addr, &text_envelope(PID, "wamid.A3", "5511955554444", "bom dia"));
    run_once(&srv.app).expect("run");
    let a = beto.get("/api/conversas/alertas").json();
    assert_eq!((a["novas"].as_i64(), a["total"].as_i64()), (Some(2), Some(2)), "{a}");
    assert_eq!(a["recentes"].as_array().map(Vec::len), Some(2));
    // Taking the first over answers its request; opening the second makes it no longer new.
    assert_eq!(beto.post(&format!("/api/conversas/{conversa}/assumir"), &json!({})).status, 200);
    let a = beto.get("/api/conversas/alertas").json();
    assert_eq!((a["aguardando_humano"].as_i64(), a["total"].as_i64()), (Some(0), Some(1)), "{a}");
    let outra = a["recentes"][0]["conversa_id"].as_i64().expect("id");
    assert_eq!(a["recentes"][0]["motivo"], "nova");
    assert_eq!(beto.post(&format!("/api/conversas/{outra}/lida"), &json!({})).status, 204);
    assert_eq!(beto.get("/api/conversas/alertas").json()["total"], 0);
    assert_eq!(srv.client().get("/api/conversas/alertas").status, 401);
}

fn resposta_llm(texto: &str) -> String {
    json!({
        "id": "chatcmpl-handoff", "object": "chat.completion", "created": 1_764_000_000, "model": "modelo-da-loja",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": texto}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}
    })
    .to_string()
}

#[test]
fn a_reply_the_bot_composed_while_a_person_took_over_is_dropped() {
    let graph = FakeGraph::start(TOKEN);
    let llm = FakeOpenAi::start(
        Expect {
            api_key: "sk-da-loja".into(),
            model: "modelo-da-loja".into(),
            tool_names: FERRAMENTAS_PRODUTOS.map(String::from).to_vec(),
            max_history: 40,
            current_user: Some("preciso de um orçamento".into()),
            ..Expect::default()
        },
        vec![Step::ok(resposta_llm("RESPOSTA ATRASADA DO BOT")).after(Duration::from_millis(700))],
    );
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(
        &srv.app,
        "loja",
        Setor::Servicos,
        PID,
        Some(Llm { base_url: &llm.base_url, modelo: "modelo-da-loja", key: "sk-da-loja" }),
    );
    srv.usuario("beto@loja.com", Papel::Atendente, Some(&e));
    let mut beto = srv.login("beto@loja.com");
    post_ok(srv.addr, &text_envelope(PID, "wamid.L1", CLIENTE, "preciso de um orçamento"));
    std::thread::scope(|s| {
        let job = s.spawn(|| run_once(&srv.app).expect("run"));
        let fim = std::time::Instant::now() + Duration::from_secs(10);
        while llm.requests().is_empty() {
            assert!(std::time::Instant::now() < fim, "the bot never called the LLM");
            std::thread::sleep(Duration::from_millis(5));
        }
        // While the LLM thinks, Beto answers.
        let conversa = conversa_de(&mut beto);
        let r = beto.post(&format!("/api/conversas/{conversa}/responder"), &json!({"texto": "Já te atendo!"}));
        assert_eq!(r.status, 202, "{}", r.text());
        job.join().expect("job thread");
    });
    run_once(&srv.app).expect("send the human reply");
    assert_eq!(llm.violations(), Vec::<String>::new());
    assert_eq!(textos(&graph), ["Já te atendo!"], "the late bot reply never goes out");
    let db = srv.app.tenant_db(&e).expect("db");
    let todas = db.mensagens_todas(50).expect("q");
    assert!(todas.iter().all(|m| m.autor != "bot"), "nor is it stored: {todas:?}");
    let msgs: Value = beto.get(&format!("/api/conversas/{}/mensagens", todas[0].conversa_id.0)).json();
    assert_eq!(msgs["itens"].as_array().map(Vec::len), Some(2));
}
