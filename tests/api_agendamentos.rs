//! `/api/agendamentos` and the bot's agenda settings over HTTP: staff create, move, confirm,
//! cancel and finish appointments; double booking is refused; free times follow the
//! empresa's hours; another empresa never sees them; and "Testar bot" never spends the
//! plan's monthly messages.

use helixai::bot::agenda::DataHora;
use helixai::domain::{Papel, Setor};
use helixai::jobs::run_once;
use helixai::store::central::{AlteraEmpresa, NovoPlano};
use serde_json::json;

use crate::support::fake_graph::FakeGraph;
use crate::support::server::TestServer;
use crate::support::whatsapp::*;

/// Tomorrow at `hh:mm`, local time, as the API takes it.
fn amanha(hhmm: &str) -> String {
    format!("{} {hhmm}", DataHora::de_unix(helixai::clock::unix_now()).data.mais(1).iso())
}

#[test]
fn staff_manage_the_agenda_and_double_booking_is_refused() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "carros", Setor::Veiculos, PID, None);
    let outra = empresa_com_canal(&srv.app, "outra", Setor::Veiculos, "999000111", None);
    srv.usuario("admin@carros.com", Papel::Admin, Some(&e));
    srv.usuario("ana@carros.com", Papel::Atendente, Some(&e));
    srv.usuario("admin@outra.com", Papel::Admin, Some(&outra));
    let mut admin = srv.login("admin@carros.com");
    // The admin sets hours that include every day, 08:00–20:00, two visits at a time.
    let dia = json!(["08:00", "20:00"]);
    let r = admin.put(
        "/api/bot",
        &json!({"expediente": {"dom": dia, "seg": dia, "ter": dia, "qua": dia, "qui": dia, "sex": dia, "sab": dia},
                "duracao_visita_min": 45, "visitas_simultaneas": 2, "endereco": "Rua A, 1", "troca": "Aceitamos troca.",
                "pagamento": "Pix e cartão."}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let b = r.json();
    assert_eq!((b["duracao_visita_min"].as_i64(), b["visitas_simultaneas"].as_i64()), (Some(45), Some(2)));
    assert_eq!(b["expediente_texto"], "seg a dom, 8h às 20h");
    let r = admin.put("/api/bot", &json!({"expediente": {"seg": ["18:00", "08:00"]}}));
    assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (400, Some("expediente_invalido")));
    let r = admin.put("/api/bot", &json!({"visitas_simultaneas": 0}));
    assert_eq!(r.status, 400);

    let mut ana = srv.login("ana@carros.com");
    let novo = json!({"data_hora": amanha("10:00"), "cliente_nome": "Carlos Lima", "tipo": "test_drive", "observacao": "ligou na loja"});
    let r = ana.post("/api/agendamentos", &novo);
    assert_eq!(r.status, 201, "{}", r.text());
    let a = r.json();
    assert_eq!(
        (a["origem"].as_str(), a["duracao_min"].as_i64(), a["visto"].as_bool()),
        (Some("painel"), Some(45), Some(true))
    );
    let id = a["id"].as_i64().expect("id");
    assert_eq!(ana.post("/api/agendamentos", &novo).status, 201, "two places at once");
    let r = ana.post("/api/agendamentos", &json!({"data_hora": amanha("10:30"), "cliente_nome": "Bia"}));
    assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (409, Some("horario_ocupado")), "overlaps both");
    for (body, codigo) in [
        (json!({"data_hora": "amanhã às 10", "cliente_nome": "X"}), "data_hora_invalida"),
        (json!({"data_hora": amanha("11:00")}), "cliente_obrigatorio"),
        (json!({"data_hora": amanha("11:00"), "cliente_nome": "X", "tipo": "festa"}), "tipo_invalido"),
        (json!({"data_hora": amanha("11:00"), "lead_id": 999, "cliente_nome": "X"}), "lead_invalido"),
    ] {
        let r = ana.post("/api/agendamentos", &body);
        assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (400, Some(codigo)), "{body}");
    }
    // Free times of tomorrow skip 10:00 (both places taken).
    let livres = ana.get(&format!("/api/agendamentos/horarios?data={}", &amanha("00:00")[..10])).json();
    let livres: Vec<String> =
        livres["horarios"].as_array().expect("horarios").iter().filter_map(|h| h.as_str().map(String::from)).collect();
    assert!(livres.contains(&amanha("08:00")) && !livres.contains(&amanha("10:00")), "{livres:?}");
    // Move, confirm, finish; cancelling frees the place.
    let r =
        ana.patch(&format!("/api/agendamentos/{id}"), &json!({"data_hora": amanha("14:00"), "status": "confirmado"}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        (r.json()["data_hora"].as_str(), r.json()["status"].as_str()),
        (Some(amanha("14:00").as_str()), Some("confirmado"))
    );
    let r = ana.patch(&format!("/api/agendamentos/{id}"), &json!({"status": "realizado"}));
    assert_eq!(r.json()["status"], "realizado");
    let r = ana.patch(&format!("/api/agendamentos/{id}"), &json!({"status": "adiado"}));
    assert_eq!(r.status, 400);
    let dia = &amanha("00:00")[..10];
    let lista = ana.get(&format!("/api/agendamentos?de={dia}&ate={dia}")).json();
    assert_eq!(lista["itens"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        ana.get(&format!("/api/agendamentos?de={dia}&ate={dia}&status=realizado")).json()["itens"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(ana.get("/api/agendamentos?de=ontem").status, 400);
    // Another empresa sees nothing and changes nothing; no session, no access.
    let mut outra = srv.login("admin@outra.com");
    assert_eq!(outra.get("/api/agendamentos").json()["itens"].as_array().map(Vec::len), Some(0));
    assert_eq!(outra.patch(&format!("/api/agendamentos/{id}"), &json!({"status": "cancelado"})).status, 404);
    assert_eq!(srv.client().get("/api/agendamentos").status, 401);
}

#[test]
fn testing_the_bot_never_spends_the_plan() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
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
    srv.app
        .central
        .empresa_atualizar(e.id, &AlteraEmpresa { plano_id: Some(Some(plano.id)), ..AlteraEmpresa::default() })
        .expect("plano");
    srv.usuario("ana@loja.com", Papel::Atendente, Some(&e));
    let mut c = srv.login("ana@loja.com");
    for t in ["oi", "qual o horário?", "quero falar com atendente", "e agora?"] {
        assert_eq!(c.post("/api/bot/simular", &json!({"sessao": "teste", "texto": t})).status, 200);
    }
    let db = srv.app.tenant_db(&e).expect("db");
    assert_eq!(db.mensagens_do_mes().expect("quota"), 0);
    assert_eq!(db.contagens().expect("counts"), (0, 0, 0, 0), "no lead, conversa, mensagem or job");
    assert_eq!(c.get("/api/conversas").json()["itens"].as_array().map(Vec::len), Some(0), "nothing in the inbox");
    // The handoff happened only in the sandbox: the next test message says so, a new session starts over.
    let r = c.post("/api/bot/simular", &json!({"sessao": "teste", "texto": "oi"})).json();
    assert!(r["resposta"].as_str().is_some_and(|t| t.contains("passada para um atendente")), "{r}");
    let r = c.post("/api/bot/simular", &json!({"sessao": "outra", "texto": "qual o horário?"})).json();
    assert_eq!(r["explicacao"]["intencao"], "horario");
    // A real customer still gets the plan's one message.
    post_ok(srv.addr, &text_envelope(PID, "wamid.Q1", "5511977776666", "qual o horário?"));
    run_once(&srv.app).expect("run");
    let sent = sends(&graph);
    assert_eq!(sent.len(), 1);
    assert_ne!(sent[0].body["text"]["body"], helixai::pipeline::resposta::AVISO_COTA);
}
