//! The sales conversation end to end through the real pipeline (signed webhook → journal →
//! bot job → fake Graph receives the reply): a customer without an LLM key asks a price,
//! gives a name, accepts the visit, picks a time and is booked (lead, agendamento, staff
//! alert, dialog memory across jobs); a second customer never gets the taken time; and a
//! five-turn conversation with a scripted fake OpenAI server keeps tool results in context,
//! accepts an earlier turn's price, replaces an invented one and books through the tools.

use helixai::bot::agenda::DataHora;
use helixai::domain::{Papel, Setor};
use helixai::jobs::run_once;
use helixai::store::central::BotAlteracao;
use serde_json::{json, Value};

use crate::support::fake_graph::FakeGraph;
use crate::support::fake_openai::{calls_body, text_body, Expect, FakeOpenAi, Step};
use crate::support::server::TestServer;
use crate::support::whatsapp::*;

const CLIENTE: &str = "5511988887777";
const OUTRO: &str = "5521977776666";

/// Open every day 06:00–23:00, one visit at a time: free times always exist from "now" on.
fn abrir_todo_dia(srv: &TestServer, e: &helixai::store::central::Empresa) {
    let dia = json!(["06:00", "23:00"]);
    let mut c = serde_json::Map::new();
    c.insert(
        "expediente".into(),
        json!({"dom": dia, "seg": dia, "ter": dia, "qua": dia, "qui": dia, "sex": dia, "sab": dia}),
    );
    c.insert("endereco".into(), json!("Av. Brasil, 100"));
    c.insert("visitas_simultaneas".into(), json!(1));
    srv.app
        .central
        .empresa_definir_bot(e.id, &BotAlteracao { configuracoes: c, ..BotAlteracao::default() })
        .expect("bot");
}

/// Sends a customer's message through the webhook and returns the bot's reply as sent.
fn diz(srv: &TestServer, graph: &FakeGraph, de: &str, wamid: &str, texto: &str) -> String {
    let antes = sends(graph).len();
    post_ok(srv.addr, &text_envelope(PID, wamid, de, texto));
    run_once(&srv.app).expect("run");
    let sent = sends(graph);
    assert_eq!(sent.len(), antes + 1, "one reply to {texto:?}");
    assert_eq!(sent[antes].body["to"], de);
    sent[antes].body["text"]["body"].as_str().expect("text").to_owned()
}

#[test]
fn a_customer_books_a_visit_without_an_llm() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "carros", Setor::Veiculos, PID, None);
    abrir_todo_dia(&srv, &e);
    let db = srv.app.tenant_db(&e).expect("db");
    add_veiculo(&db, "Toyota", "Corolla", 2021, 11_890_000);
    add_veiculo(&db, "Honda", "Civic", 2019, 11_250_000);

    let r = diz(&srv, &graph, CLIENTE, "wamid.V1", "quanto ta o corola?");
    assert!(r.contains("Toyota Corolla 2021") && r.contains("R$ 118.900,00") && r.contains("com quem eu falo"), "{r}");
    let r = diz(&srv, &graph, CLIENTE, "wamid.V2", "sou o João");
    assert!(r.starts_with("Prazer, João!") && r.contains("Corolla"), "{r}");
    let r = diz(&srv, &graph, CLIENTE, "wamid.V3", "sim");
    assert!(r.contains("tenho estes horários") && r.contains("1) "), "{r}");
    let primeiro = r.lines().find(|l| l.starts_with("1) ")).expect("first time").trim_start_matches("1) ").to_owned();
    let r = diz(&srv, &graph, CLIENTE, "wamid.V4", "o primeiro");
    assert!(r.starts_with("Pronto, João!") && r.contains(&primeiro) && r.contains("Av. Brasil, 100"), "{r}");

    // The staff sees it: the agenda, the alert, the lead card.
    srv.usuario("ana@carros.com", Papel::Atendente, Some(&e));
    let mut c = srv.login("ana@carros.com");
    let lista = c.get("/api/agendamentos").json();
    let itens = lista["itens"].as_array().expect("itens").clone();
    assert_eq!(itens.len(), 1, "{lista}");
    let a = &itens[0];
    assert_eq!(
        (a["tipo"].as_str(), a["origem"].as_str(), a["status"].as_str()),
        (Some("visita"), Some("bot"), Some("agendado"))
    );
    assert_eq!(a["item_nome"], "Toyota Corolla 2021");
    assert_eq!(a["lead_nome"], "João");
    let quando = DataHora::de_iso(a["data_hora"].as_str().expect("data_hora")).expect("local time");
    assert_eq!(quando.por_extenso(), primeiro);
    assert_eq!(lista["novos"], 1);
    let conversa = a["conversa_id"].as_i64().expect("conversa");
    let da_conversa = c.get(&format!("/api/agendamentos?conversa_id={conversa}")).json();
    assert_eq!(da_conversa["itens"].as_array().map(Vec::len), Some(1));
    let lead = c.get(&format!("/api/leads/{}", a["lead_id"])).json();
    assert_eq!((lead["nome"].as_str(), lead["status"].as_str()), (Some("João"), Some("visita_agendada")), "{lead}");
    assert!(lead["interesse"].as_str().is_some_and(|i| i.contains("Corolla")), "{lead}");
    assert_eq!(c.post("/api/agendamentos/vistos", &json!({})).json()["marcados"], 1);
    assert_eq!(c.get("/api/agendamentos/resumo").json()["novos"], 0);

    // Another customer is never offered the taken time.
    let r = diz(&srv, &graph, OUTRO, "wamid.O1", "quero agendar uma visita");
    assert!(r.contains("tenho estes horários") && !r.contains(&primeiro), "{r}\n(taken: {primeiro})");
    // The dialog memory lives in the tenant file: the name is not asked again.
    let r = diz(&srv, &graph, CLIENTE, "wamid.V5", "e o civic, quanto custa?");
    assert!(r.contains("R$ 112.500,00") && !r.contains("com quem eu falo"), "{r}");
}

#[test]
fn the_customer_cancels_and_the_time_is_free_again() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "servicos", Setor::Servicos, PID, None);
    abrir_todo_dia(&srv, &e);
    let r = diz(&srv, &graph, CLIENTE, "wamid.S1", "quero marcar um horário");
    let primeiro = r.lines().find(|l| l.starts_with("1) ")).expect("first").trim_start_matches("1) ").to_owned();
    let r = diz(&srv, &graph, CLIENTE, "wamid.S2", "1");
    assert!(r.contains("qual é o seu nome"), "{r}");
    let r = diz(&srv, &graph, CLIENTE, "wamid.S3", "Marina");
    assert!(r.starts_with("Pronto, Marina!"), "{r}");
    let r = diz(&srv, &graph, CLIENTE, "wamid.S4", "preciso cancelar");
    assert!(r.contains("cancelei") && r.contains(&primeiro), "{r}");
    let db = srv.app.tenant_db(&e).expect("db");
    let todos = db.agendamentos_listar(&Default::default()).expect("list");
    assert_eq!(todos.iter().map(|a| a.status.as_str()).collect::<Vec<_>>(), ["cancelado"]);
    let r = diz(&srv, &graph, OUTRO, "wamid.S5", "quero marcar um horário");
    assert!(r.contains(&primeiro), "the cancelled time is offered again: {r}");
}

fn chamada(id: &str, name: &str, args: &Value) -> String {
    calls_body(&[(id, name, &args.to_string())])
}

fn system_prompt(req: &Value) -> String {
    req["messages"][0]["content"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn five_llm_turns_keep_context_accept_earlier_prices_and_replace_invented_ones() {
    let graph = FakeGraph::start(TOKEN);
    let amanha = DataHora::de_unix(helixai::clock::unix_now()).data.mais(1);
    let as_dez = format!("{} 10:00", amanha.iso());
    let script = vec![
        // 1: a search, then a price from it.
        Step::ok(chamada("c1", "buscar_veiculos", &json!({"texto": "corolla"}))),
        Step::ok(text_body("Temos sim! O *Toyota Corolla 2021* está por R$ 118.900,00.")),
        // 2: the same price again, without a tool this time.
        Step::ok(text_body("Isso, o Corolla sai por R$ 118.900,00 à vista.")),
        // 3: an invented amount.
        Step::ok(text_body("O IPVA dele fica em R$ 4.321,00 por ano.")),
        // 4: free times.
        Step::ok(chamada("c4", "consultar_horarios", &json!({"data": amanha.iso(), "periodo": "manha"}))),
        Step::ok(text_body("Amanhã tenho horário às 10h. Pode ser?")),
        // 5: the booking, through the tool.
        Step::ok(chamada(
            "c5",
            "agendar_visita",
            &json!({"data_hora": as_dez, "item_id": 1, "tipo": "test_drive", "nome_cliente": "Ana"}),
        )),
        Step::ok(text_body("Pronto, Ana! Agendei seu test drive para amanhã às 10h.")),
    ];
    let llm = FakeOpenAi::start(
        Expect {
            api_key: "sk-loja".into(),
            model: "modelo-loja".into(),
            tool_names: FERRAMENTAS_VEICULOS.map(String::from).to_vec(),
            max_history: 12,
            system_contains: vec!["Loja carros".into(), "Regra de preços".into()],
            current_user: None,
        },
        script,
    );
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(
        &srv.app,
        "carros",
        Setor::Veiculos,
        PID,
        Some(Llm { base_url: &llm.base_url, modelo: "modelo-loja", key: "sk-loja" }),
    );
    abrir_todo_dia(&srv, &e);
    let db = srv.app.tenant_db(&e).expect("db");
    add_veiculo(&db, "Toyota", "Corolla", 2021, 11_890_000);

    let r = diz(&srv, &graph, CLIENTE, "wamid.L1", "Tem Corolla?");
    assert_eq!(r, "Temos sim! O *Toyota Corolla 2021* está por R$ 118.900,00.");
    let r = diz(&srv, &graph, CLIENTE, "wamid.L2", "e quanto era mesmo?");
    assert_eq!(r, "Isso, o Corolla sai por R$ 118.900,00 à vista.", "an earlier turn's tool price is allowed");
    let reqs = llm.requests();
    let prompt = system_prompt(&reqs[2].json);
    assert!(
        prompt.contains("id 1 Toyota Corolla 2021 — R$ 118.900,00"),
        "the last tool results stay in context:\n{prompt}"
    );
    assert!(prompt.contains("R$ 118.900,00"), "{prompt}");
    let r = diz(&srv, &graph, CLIENTE, "wamid.L3", "e o ipva?");
    assert!(!r.contains("4.321"), "the invented amount never reaches the customer: {r}");
    assert!(brl_ok(&r, &[11_890_000]), "{r}");
    let r = diz(&srv, &graph, CLIENTE, "wamid.L4", "quero fazer um test drive amanhã de manhã");
    assert_eq!(r, "Amanhã tenho horário às 10h. Pode ser?");
    let horarios = tool_result(&llm.requests()[5].json, "c4");
    assert!(horarios["horarios"].as_array().is_some_and(|h| h.contains(&json!(as_dez))), "{horarios}");
    let r = diz(&srv, &graph, CLIENTE, "wamid.L5", "pode ser às 10h, meu nome é Ana");
    assert_eq!(r, "Pronto, Ana! Agendei seu test drive para amanhã às 10h.");
    assert_eq!(llm.violations(), Vec::<String>::new());
    assert_eq!(llm.requests().len(), 8);
    let agenda = db.agendamentos_listar(&Default::default()).expect("agenda");
    assert_eq!(agenda.len(), 1);
    assert_eq!((agenda[0].data_hora.as_str(), agenda[0].tipo.as_str()), (as_dez.as_str(), "test_drive"));
    assert_eq!(agenda[0].lead_nome.as_deref(), Some("Ana"));
    let lead = db.lead(agenda[0].lead_id.expect("lead")).expect("q").expect("lead");
    assert_eq!(lead.status, "visita_agendada");
}

fn tool_result(req: &Value, id: &str) -> Value {
    let m =
        req["messages"].as_array().expect("messages").iter().find(|m| m["tool_call_id"] == id).expect("tool message");
    serde_json::from_str(m["content"].as_str().expect("content")).expect("json")
}

/// Every amount in `texto` is one of `permitidos`.
fn brl_ok(texto: &str, permitidos: &[i64]) -> bool {
    helixai::bot::fallback::brl_amounts(texto).iter().all(|v| permitidos.contains(v))
}
