//! The message pipeline end to end: webhook → job → bot (fake LLM or fallback) → fake Graph
//! → stored reply → statuses; debounce, modo humano, Graph errors and retries, simulator.

use std::time::Duration;

use helixai::bot::fallback::brl_amounts;
use helixai::domain::Setor;
use helixai::jobs::run_once;
use helixai::pipeline::simulador;
use serde_json::json;

use crate::support::fake_graph::FakeGraph;
use crate::support::fake_openai::{calls_body, text_body, Expect, FakeOpenAi, Step};
use crate::support::server::TestServer;
use crate::support::whatsapp::*;

const CLIENTE: &str = "5511988887777";

#[test]
fn text_in_llm_tool_call_reply_out_then_statuses_update_it() {
    let graph = FakeGraph::start(TOKEN);
    let pergunta = "Vocês têm algum Honda?";
    let expect = Expect {
        api_key: "sk-chave-da-loja".into(),
        model: "modelo-da-loja".into(),
        tool_names: FERRAMENTAS_VEICULOS.map(String::from).to_vec(),
        max_history: 12,
        system_contains: vec!["Loja carros".into()],
        current_user: Some(pergunta.into()),
    };
    let llm = FakeOpenAi::start(
        expect,
        vec![
            Step::ok(calls_body(&[("call_1", "buscar_veiculos", r#"{"marca":"Honda"}"#)])),
            Step::ok(text_body("Temos sim! Honda Civic 2020 por R$ 98.900,00. Quer agendar um test drive?")),
        ],
    );
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(
        &srv.app,
        "carros",
        Setor::Veiculos,
        PID,
        Some(Llm { base_url: &llm.base_url, modelo: "modelo-da-loja", key: "sk-chave-da-loja" }),
    );
    let db = srv.app.tenant_db(&e).expect("db");
    add_veiculo(&db, "Honda", "Civic", 2020, 9_890_000);
    add_veiculo(&db, "Fiat", "Uno", 2015, 3_290_000);
    post_ok(srv.addr, &text_envelope(PID, "wamid.IN1", CLIENTE, pergunta));
    assert_eq!(run_once(&srv.app).expect("run"), 1);
    assert_eq!(llm.violations(), Vec::<String>::new());
    let reqs = llm.requests();
    assert_eq!(reqs.len(), 2);
    let tool_msg = reqs[1].json["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["role"] == "tool")
        .cloned()
        .expect("tool message");
    let content = tool_msg["content"].as_str().expect("content");
    assert!(content.contains("Civic") && !content.contains("Uno"), "the tenant's filtered catalog: {content}");
    let sent = sends(&graph);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].path, format!("/v25.0/{PID}/messages"));
    assert_eq!(sent[0].header("Authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    assert_eq!(sent[0].body["to"], CLIENTE);
    assert!(sent[0].body["text"]["body"].as_str().expect("text").contains("R$ 98.900,00"));
    let out = db.mensagem_por_wa_id("wamid.FAKE1").expect("q").expect("outbound row with the wamid");
    assert_eq!((out.direcao.as_str(), out.autor.as_str(), out.status.as_str()), ("saida", "bot", "enviada"));
    // The inbound message was marked as read (best effort, after the send).
    assert!(graph.requests().iter().any(|r| r.body["status"] == "read" && r.body["message_id"] == "wamid.IN1"));
    // Statuses move forward only.
    post_ok(srv.addr, &status_envelope(PID, "wamid.FAKE1", "delivered"));
    assert_eq!(db.mensagem_por_wa_id("wamid.FAKE1").expect("q").expect("row").status, "entregue");
    post_ok(srv.addr, &status_envelope(PID, "wamid.FAKE1", "sent"));
    assert_eq!(db.mensagem_por_wa_id("wamid.FAKE1").expect("q").expect("row").status, "entregue");
    post_ok(srv.addr, &status_envelope(PID, "wamid.FAKE1", "read"));
    post_ok(srv.addr, &status_envelope(PID, "wamid.FAKE1", "delivered"));
    assert_eq!(db.mensagem_por_wa_id("wamid.FAKE1").expect("q").expect("row").status, "lida", "never backwards");
}

#[test]
fn fallback_without_key_quotes_real_prices_only() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "carros", Setor::Veiculos, PID, None);
    let db = srv.app.tenant_db(&e).expect("db");
    add_veiculo(&db, "Honda", "Civic", 2020, 9_890_000);
    post_ok(srv.addr, &text_envelope(PID, "wamid.P1", CLIENTE, "Quanto custa o civic?"));
    run_once(&srv.app).expect("run");
    let sent = sends(&graph);
    assert_eq!(sent.len(), 1);
    let texto = sent[0].body["text"]["body"].as_str().expect("text").to_owned();
    assert!(texto.contains("98.900,00"), "the real price: {texto}");
    post_ok(srv.addr, &text_envelope(PID, "wamid.P2", CLIENTE, "Quanto custa a Ferrari Testarossa?"));
    run_once(&srv.app).expect("run");
    let sent = sends(&graph);
    assert_eq!(sent.len(), 2);
    let texto = sent[1].body["text"]["body"].as_str().expect("text");
    assert!(brl_amounts(texto).iter().all(|p| *p == 9_890_000), "no invented price: {texto}");
}

#[test]
fn a_burst_within_the_debounce_window_gets_one_reply() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(helixai::config::ServerConfig {
        bot_workers: 2,
        debounce_ms: 400,
        ..pipeline_config(&graph)
    });
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    for (n, t) in ["oi", "tudo bem?", "qual o horário de vocês?"].iter().enumerate() {
        post_ok(srv.addr, &text_envelope(PID, &format!("wamid.B{n}"), CLIENTE, t));
        std::thread::sleep(Duration::from_millis(50));
    }
    let sent = wait_sends(&graph, 1, Duration::from_secs(10));
    assert_eq!(sent.len(), 1, "one reply arrives");
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(sends(&graph).len(), 1, "and only one");
    let db = srv.app.tenant_db(&e).expect("db");
    let all = db.mensagens_todas(100).expect("rows");
    assert_eq!(all.iter().filter(|m| m.direcao == "entrada").count(), 3);
    assert_eq!(all.iter().filter(|m| m.direcao == "saida").count(), 1);
    assert!(all.iter().all(|m| m.conversa_id == all[0].conversa_id), "one conversa");
    assert!(srv.app.central.trabalho_listar().expect("pending").is_empty(), "no pending work left");
}

#[test]
fn modo_humano_conversa_gets_no_bot_reply() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    post_ok(srv.addr, &text_envelope(PID, "wamid.H1", CLIENTE, "oi"));
    run_once(&srv.app).expect("run");
    assert_eq!(sends(&graph).len(), 1);
    let db = srv.app.tenant_db(&e).expect("db");
    let conversa = db.mensagem_por_wa_id("wamid.H1").expect("q").expect("row").conversa_id;
    db.conversa_definir_modo(conversa, "humano").expect("humano");
    post_ok(srv.addr, &text_envelope(PID, "wamid.H2", CLIENTE, "quero falar de preço"));
    run_once(&srv.app).expect("run");
    assert_eq!(sends(&graph).len(), 1, "the bot stays quiet");
}

#[test]
fn graph_131047_marks_the_reply_failed_with_meta_code() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    let err = fixture("error_object_131047_pywa.json");
    graph.script(400, &json!({"error": err}).to_string());
    post_ok(srv.addr, &text_envelope(PID, "wamid.F1", CLIENTE, "oi"));
    run_once(&srv.app).expect("run");
    let db = srv.app.tenant_db(&e).expect("db");
    let out: Vec<_> = db.mensagens_todas(10).expect("rows").into_iter().filter(|m| m.direcao == "saida").collect();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].status, "falhou");
    assert_eq!(out[0].erro_codigo, Some(131047));
    assert!(out[0].erro_texto.as_deref().is_some_and(|t| t.contains("Re-engagement")), "{:?}", out[0].erro_texto);
    run_once(&srv.app).expect("run");
    assert_eq!(sends(&graph).len(), 1, "no retry of a permanent error");
}

#[test]
fn graph_500_then_200_sends_once_after_backoff() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    graph.script(500, r#"{"error":{"message":"Service temporarily unavailable","code":2}}"#);
    post_ok(srv.addr, &text_envelope(PID, "wamid.R1", CLIENTE, "oi"));
    run_once(&srv.app).expect("run");
    let db = srv.app.tenant_db(&e).expect("db");
    assert_eq!(db.jobs_resumo().expect("jobs")[0].0, "pendente", "rescheduled");
    for _ in 0..50 {
        if run_once(&srv.app).expect("run") > 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let sent = sends(&graph);
    assert_eq!(sent.len(), 2, "the failed try and the good one");
    assert_eq!(sent[0].body, sent[1].body, "the same reply, not a new one");
    let out: Vec<_> = db.mensagens_todas(10).expect("rows").into_iter().filter(|m| m.direcao == "saida").collect();
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].status.as_str(), out[0].wa_message_id.as_deref()), ("enviada", Some("wamid.FAKE1")));
    assert_eq!(db.jobs_resumo().expect("jobs")[0].0, "concluido");
}

#[test]
fn simulator_is_a_sandbox_that_sends_and_stores_nothing() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "carros", Setor::Veiculos, PID, None);
    let db = srv.app.tenant_db(&e).expect("db");
    add_veiculo(&db, "Honda", "Civic", 2020, 9_890_000);
    let antes = db.contagens().expect("counts");
    let usuario = helixai::domain::UsuarioId(1);
    let s = simulador::simular(&srv.app, &e, usuario, "teste-1", "quanto custa o civic?").expect("sim");
    assert!(s.resposta.contains("98.900,00"), "{}", s.resposta);
    assert_eq!(s.explicacao.caminho, "fallback");
    assert!(s.explicacao.itens.iter().any(|i| i.nome.contains("Civic")));
    // A second message of the same test conversation understands the first.
    let s = simulador::simular(&srv.app, &e, usuario, "teste-1", "qual a km dele?").expect("sim");
    assert_eq!(s.explicacao.intencao, "atributo", "{}", s.resposta);
    assert!(graph.requests().is_empty(), "nothing sent to the Graph API");
    assert_eq!(db.contagens().expect("counts"), antes, "no lead, conversa, mensagem or job");
    assert_eq!(db.mensagens_do_mes().expect("quota"), 0, "nothing counts against the plan");
    run_once(&srv.app).expect("run");
    assert!(graph.requests().is_empty(), "workers have nothing to do");
    let err = simulador::simular(&srv.app, &e, usuario, "não vale!", "oi").expect_err("bad session");
    assert_eq!(err.code(), "sessao_invalida");
}

#[test]
fn a_conversa_the_bot_cannot_answer_does_not_queue_job_after_job() {
    // A finished job queues another when unanswered text is left; if the bot cannot read the
    // conversa at all (here: its lead is gone), that text stays unanswered forever, and every
    // job queued the next at once (1.9 million jobs and a core burnt in one leftover test
    // server). The requeue now asks what the bot asks.
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    post_ok(srv.addr, &text_envelope(PID, "wamid.ORFA", CLIENTE, "oi"));
    helixai::pipeline::journal::aplicar_pendentes(&srv.app);
    let path = srv.app.tenants.path_of(&e.database_name);
    let raw = rusqlite::Connection::open(&path).expect("raw");
    raw.execute_batch("PRAGMA foreign_keys = OFF; UPDATE conversas SET lead_id = 999;").expect("orphan");
    let jobs = || -> i64 { raw.query_row("SELECT COUNT(*) FROM jobs", [], |r| r.get(0)).expect("count") };
    assert_eq!(jobs(), 1);
    for _ in 0..3 {
        run_once(&srv.app).expect("run");
    }
    assert_eq!(jobs(), 1, "the job ended without queueing another");
    let pendentes: i64 = raw
        .query_row("SELECT COUNT(*) FROM jobs WHERE status IN ('pendente', 'executando')", [], |r| r.get(0))
        .expect("q");
    assert_eq!(pendentes, 0);
    assert!(graph.requests().is_empty(), "nothing sent to a conversa without its customer");
}
