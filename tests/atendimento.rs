//! The attendants' tools over HTTP: assignment ("Minhas" / "Não atribuídas"), "resolvida"
//! reopened by the customer's next message, quick replies, tags on leads, the CSV exports,
//! one "mensagens do mês" everywhere, the Agendamentos figure, and Meta's error codes
//! explained in pt-BR.

use helixai::domain::{Papel, Setor};
use helixai::jobs::run_once;
use helixai::store::tenant::inbox::MensagemFixture;
use serde_json::json;

use crate::support::fake_graph::FakeGraph;
use crate::support::server::TestServer;
use crate::support::whatsapp::*;

fn ids(v: &serde_json::Value) -> Vec<i64> {
    v["itens"].as_array().expect("itens").iter().map(|i| i["id"].as_i64().expect("id")).collect()
}

#[test]
fn assignment_filters_and_resolution_reopened_by_the_customer() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    let outra = srv.empresa("outra", Setor::Varejo);
    srv.usuario("ana@loja.com", Papel::Admin, Some(&e));
    srv.usuario("beto@loja.com", Papel::Atendente, Some(&e));
    srv.usuario("zeca@outra.com", Papel::Atendente, Some(&outra));
    let id_de = |email: &str| srv.app.central.usuario_por_email(email).expect("q").expect("u").id.0;
    post_ok(srv.addr, &text_envelope(PID, "wamid.S1", "5511911111111", "oi"));
    post_ok(srv.addr, &text_envelope(PID, "wamid.S2", "5511922222222", "bom dia"));
    run_once(&srv.app).expect("run");
    let mut ana = srv.login("ana@loja.com");
    let mut beto = srv.login("beto@loja.com");
    let todas = ids(&ana.get("/api/conversas").json());
    let (c1, c2) = (todas[1], todas[0]);
    let equipe = beto.get("/api/equipe").json();
    let nomes: Vec<&str> = equipe.as_array().expect("equipe").iter().filter_map(|u| u["nome"].as_str()).collect();
    assert_eq!(nomes, ["ana@loja.com", "beto@loja.com"], "the empresa's own team only");

    let r = ana.post(&format!("/api/conversas/{c1}/atribuir"), &json!({"usuario_id": id_de("beto@loja.com")}));
    assert_eq!((r.status, r.json()["atribuida_a"].as_i64()), (200, Some(id_de("beto@loja.com"))));
    assert_eq!(ids(&beto.get("/api/conversas?atribuicao=minhas").json()), [c1]);
    assert_eq!(ids(&ana.get("/api/conversas?atribuicao=minhas").json()), Vec::<i64>::new());
    assert_eq!(ids(&ana.get("/api/conversas?atribuicao=nao_atribuidas").json()), [c2]);
    // Taking over makes it yours.
    assert_eq!(
        ana.post(&format!("/api/conversas/{c2}/assumir"), &json!({})).json()["atribuida_a"],
        id_de("ana@loja.com")
    );
    assert_eq!(ids(&ana.get("/api/conversas?atribuicao=minhas").json()), [c2]);
    let r = ana.post(&format!("/api/conversas/{c1}/atribuir"), &json!({"usuario_id": id_de("zeca@outra.com")}));
    assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (400, Some("responsavel_invalido")));
    assert_eq!(ana.post(&format!("/api/conversas/{c1}/atribuir"), &json!({})).status, 400);
    assert!(ana.post(&format!("/api/conversas/{c1}/atribuir"), &json!({"usuario_id": null})).json()["atribuida_a"]
        .is_null());
    assert_eq!(ana.get("/api/conversas?atribuicao=todas").status, 400);

    // Resolved: out of "abertas", back with the bot; the customer's next message reopens it.
    let r = beto.post(&format!("/api/conversas/{c2}/resolver"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["resolvida_em"].is_string());
    assert_eq!(r.json()["modo"], "bot");
    assert_eq!(ids(&beto.get("/api/conversas?situacao=abertas").json()), [c1]);
    assert_eq!(ids(&beto.get("/api/conversas?situacao=resolvidas").json()), [c2]);
    let antes = sends(&graph).len();
    post_ok(srv.addr, &text_envelope(PID, "wamid.S3", "5511922222222", "mais uma dúvida"));
    run_once(&srv.app).expect("run");
    let c = beto.get(&format!("/api/conversas/{c2}")).json();
    assert!(c["resolvida_em"].is_null(), "reopened: {c}");
    assert_eq!((c["nova"].as_bool(), c["nao_lidas"].as_i64()), (Some(true), Some(1)), "{c}");
    assert_eq!(sends(&graph).len(), antes + 1, "the bot answers a reopened conversa");
    assert_eq!(beto.post(&format!("/api/conversas/{c2}/resolver"), &json!({})).status, 200);
    assert!(beto.post(&format!("/api/conversas/{c2}/reabrir"), &json!({})).json()["resolvida_em"].is_null());
    assert_eq!(beto.get("/api/conversas?situacao=talvez").status, 400);
    assert_eq!(beto.post("/api/conversas/9999/resolver", &json!({})).status, 404);
}

#[test]
fn quick_replies_per_empresa() {
    let s = TestServer::start();
    let e = s.empresa("loja", Setor::Varejo);
    let b = s.empresa("outra", Setor::Varejo);
    s.usuario("ana@loja.com", Papel::Admin, Some(&e));
    s.usuario("beto@loja.com", Papel::Atendente, Some(&e));
    s.usuario("ze@outra.com", Papel::Admin, Some(&b));
    let mut ana = s.login("ana@loja.com");
    let r = ana.post("/api/respostas-rapidas", &json!({"atalho": "/Horario", "texto": "  Seg a sex, 8h às 18h.  "}));
    assert_eq!(r.status, 201, "{}", r.text());
    let h = r.json();
    assert_eq!((h["atalho"].as_str(), h["texto"].as_str()), (Some("horario"), Some("Seg a sex, 8h às 18h.")));
    let r = ana.post("/api/respostas-rapidas", &json!({"atalho": "HORARIO", "texto": "x"}));
    assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (409, Some("atalho_em_uso")));
    let r = ana.post("/api/respostas-rapidas", &json!({"atalho": "com espaço", "texto": "x"}));
    assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (400, Some("atalho_invalido")));
    let r = ana.post("/api/respostas-rapidas", &json!({"atalho": "pix", "texto": "   "}));
    assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (400, Some("texto_invalido")));
    let pix =
        ana.post("/api/respostas-rapidas", &json!({"atalho": "pix", "texto": "Chave Pix: 12.345.678/0001-90"})).json();
    let mut beto = s.login("beto@loja.com");
    let lista = beto.get("/api/respostas-rapidas").json();
    let atalhos: Vec<&str> = lista.as_array().expect("lista").iter().filter_map(|r| r["atalho"].as_str()).collect();
    assert_eq!(atalhos, ["horario", "pix"]);
    assert_eq!(beto.post("/api/respostas-rapidas", &json!({"atalho": "x", "texto": "y"})).status, 403);
    let id = pix["id"].as_i64().expect("id");
    let r = ana.put(
        &format!("/api/respostas-rapidas/{id}"),
        &json!({"atalho": "pix", "texto": "Chave Pix: CNPJ 12.345.678/0001-90"}),
    );
    assert_eq!(r.json()["texto"], "Chave Pix: CNPJ 12.345.678/0001-90");
    // Another empresa sees none of them and cannot touch them.
    let mut ze = s.login("ze@outra.com");
    assert_eq!(ze.get("/api/respostas-rapidas").json().as_array().map(Vec::len), Some(0));
    assert_eq!(ze.delete(&format!("/api/respostas-rapidas/{id}")).status, 404);
    assert_eq!(ana.delete(&format!("/api/respostas-rapidas/{id}")).status, 204);
    assert_eq!(ana.delete(&format!("/api/respostas-rapidas/{id}")).status, 404);
}

#[test]
fn tags_on_leads_filter_leads_and_conversas() {
    let s = TestServer::start();
    let e = s.empresa("loja", Setor::Varejo);
    s.usuario("beto@loja.com", Papel::Atendente, Some(&e));
    let db = s.app.tenant_db(&e).expect("db");
    let l1 = db.lead_upsert_wa("5511911110000", Some("João")).expect("lead");
    let l2 = db.lead_upsert_wa("5511922220000", Some("Maria")).expect("lead");
    let m = [MensagemFixture { direcao: "entrada", autor: "cliente", texto: "oi", status: "recebida" }];
    let c1 = db.inbox_inserir_conversa_fixture(l1, &m).expect("c");
    db.inbox_inserir_conversa_fixture(l2, &m).expect("c");
    let mut c = s.login("beto@loja.com");
    let r = c.patch(&format!("/api/leads/{}", l1.0), &json!({"etiquetas": ["VIP", " financiamento ", "vip"]}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["etiquetas"], json!(["financiamento", "VIP"]));
    assert_eq!(c.patch(&format!("/api/leads/{}", l2.0), &json!({"etiquetas": ["financiamento"]})).status, 200);
    let r = c.patch(&format!("/api/leads/{}", l2.0), &json!({"etiquetas": ["a,b"]}));
    assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (400, Some("etiqueta_invalida")));
    assert_eq!(c.get(&format!("/api/leads/{}", l1.0)).json()["etiquetas"], json!(["financiamento", "VIP"]));
    let vip: Vec<i64> = ids(&c.get("/api/leads?etiqueta=vip").json());
    assert_eq!(vip, [l1.0]);
    assert_eq!(ids(&c.get("/api/leads?etiqueta=financiamento").json()).len(), 2);
    let conversas = c.get("/api/conversas?etiqueta=VIP").json();
    assert_eq!(ids(&conversas), [c1.0]);
    assert_eq!(conversas["itens"][0]["etiquetas"], json!(["financiamento", "VIP"]));
    let todas = c.get("/api/etiquetas").json();
    assert_eq!(todas, json!([{"etiqueta": "financiamento", "leads": 2}, {"etiqueta": "VIP", "leads": 1}]));
    // Clearing.
    assert_eq!(c.patch(&format!("/api/leads/{}", l1.0), &json!({"etiquetas": []})).json()["etiquetas"], json!([]));
    assert_eq!(c.patch("/api/leads/9999", &json!({"etiquetas": ["x"]})).status, 404);
}

#[test]
fn csv_exports_open_in_a_brazilian_spreadsheet() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    srv.usuario("ana@loja.com", Papel::Admin, Some(&e));
    srv.usuario("beto@loja.com", Papel::Atendente, Some(&e));
    let db = srv.app.tenant_db(&e).expect("db");
    let joao = db.lead_upsert_wa("5511911110000", Some("João; \"Jota\" Araújo")).expect("lead");
    post_ok(srv.addr, &text_envelope(PID, "wamid.X1", "5511911110000", "=HYPERLINK(\"http://mal.example\")"));
    run_once(&srv.app).expect("run");
    let mut ana = srv.login("ana@loja.com");
    ana.patch(&format!("/api/leads/{}", joao.0), &json!({"status": "visita_agendada", "etiquetas": ["VIP"]}));
    let conversa = ids(&ana.get("/api/conversas").json())[0];
    ana.post(&format!("/api/conversas/{conversa}/responder"), &json!({"texto": "Olá, João!\nTudo bem?"}));

    let r = ana.get("/api/leads/exportar?fuso_min=-180");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(r.header("content-disposition").is_some_and(|d| d.contains("leads-loja.csv")));
    let t = r.text();
    assert!(t.starts_with('\u{feff}'), "UTF-8 BOM for Excel");
    let linhas: Vec<&str> = t.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(
        linhas[0],
        "ID;Nome;Telefone;E-mail;Interesse;Orçamento (R$);Status;Etiquetas;Responsável;Notas;Criado em;Atualizado em"
    );
    assert!(
        linhas[1].starts_with(&format!("{};\"João; \"\"Jota\"\" Araújo\";5511911110000;", joao.0)),
        "{}",
        linhas[1]
    );
    assert!(linhas[1].contains(";Visita agendada;VIP;"), "{}", linhas[1]);
    let data = linhas[1].rsplit(';').next().expect("atualizado em");
    assert!(data.len() == 16 && data.as_bytes()[2] == b'/' && data.as_bytes()[5] == b'/', "dd/mm/aaaa hh:mm: {data}");

    let r = ana.get("/api/conversas/exportar");
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.text();
    let linhas: Vec<&str> = t.trim_start_matches('\u{feff}').split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(linhas[0], "Conversa;Cliente;Telefone;Canal;Data;Direção;Autor;Atendente;Tipo;Mensagem;Status;Erro");
    assert!(t.contains(";\"'=HYPERLINK(\"\"http://mal.example\"\")\";"), "a formula is neutralized: {t}");
    assert!(t.contains(";Enviada;Atendente;ana@loja.com;text;\"Olá, João!\nTudo bem?\";"), "{t}");
    assert!(t.contains(";Recebida;Cliente;;text;"), "{t}");
    assert_eq!(
        ana.get("/api/conversas/exportar?desde=2099-01-01").text().trim_start_matches('\u{feff}').lines().count(),
        1
    );
    assert_eq!(ana.get("/api/conversas/exportar?desde=ontem").status, 400);
    assert_eq!(ana.get("/api/leads/exportar?fuso_min=9999").status, 400);
    // Admin only, and audited.
    let mut beto = srv.login("beto@loja.com");
    assert_eq!(beto.get("/api/leads/exportar").status, 403);
    assert_eq!(beto.get("/api/conversas/exportar").status, 403);
    let audit = srv
        .app
        .central
        .auditoria(&helixai::store::central::FiltroAuditoria { limite: 200, ..Default::default() })
        .expect("audit");
    for acao in ["leads.exportar", "conversas.exportar"] {
        assert!(audit.iter().any(|a| a.acao == acao), "{acao} audited");
    }
}

#[test]
fn one_figure_of_mensagens_do_mes_and_leads_in_visita_agendada_count_as_agendamentos() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    dar_plano(&srv.app, &e, 100);
    srv.usuario("ana@loja.com", Papel::Admin, Some(&e));
    srv.usuario("root@revenda.com", Papel::Superadmin, None);
    for (i, t) in ["oi", "tem entrega?"].iter().enumerate() {
        post_ok(srv.addr, &text_envelope(PID, &format!("wamid.U{i}"), "5511911110000", t));
        run_once(&srv.app).expect("run");
    }
    let mut ana = srv.login("ana@loja.com");
    let conversa = ids(&ana.get("/api/conversas").json())[0];
    ana.post(&format!("/api/conversas/{conversa}/responder"), &json!({"texto": "Olá!"}));
    run_once(&srv.app).expect("run");
    ana.post("/api/bot/simular", &json!({"telefone": "5511900000000", "texto": "oi"}));
    // 2 customer messages, 2 bot replies, 1 human reply, 2 simulator messages: 2 count.
    let rel = ana.get("/api/relatorios").json();
    assert_eq!(rel["mensagens_mes"], 2, "{rel}");
    assert_eq!(rel["plano"]["usadas_mes"], rel["mensagens_mes"]);
    let mut root = srv.login("root@revenda.com");
    assert_eq!(root.get(&format!("/api/admin/empresas/{}", e.id.0)).json()["uso"]["mensagens_mes"], 2);
    assert_eq!(rel["hoje"]["agendamentos"], 0);
    let lead = ana.get("/api/leads").json()["itens"][0]["id"].as_i64().expect("lead");
    ana.patch(&format!("/api/leads/{lead}"), &json!({"status": "visita_agendada"}));
    assert_eq!(ana.get("/api/relatorios").json()["hoje"]["agendamentos"], 1, "a lead moved to visita agendada");
    let db = srv.app.tenant_db(&e).expect("db");
    db.inbox_inserir_agendamento_fixture(helixai::domain::LeadId(lead), None, "2030-01-01 10:00:00", "visita")
        .expect("agendamento");
    assert_eq!(ana.get("/api/relatorios").json()["dias_7"]["agendamentos"], 1, "the same lead counts once");
    let passos = &ana.get("/api/relatorios").json()["primeiros_passos"];
    assert_eq!(*passos, json!({"catalogo": false, "whatsapp": true, "bot_testado": true, "primeira_conversa": true}));
}

#[test]
fn meta_error_codes_are_explained_in_portuguese() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    srv.usuario("ana@loja.com", Papel::Admin, Some(&e));
    // Meta's 131047 as its webhook/error object carries it (title "Re-engagement message").
    let erro = json!({"error": {"message": "(#131047) Re-engagement message", "type": "OAuthException", "code": 131047,
        "error_data": {"messaging_product": "whatsapp", "details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number."},
        "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam"}});
    graph.script(400, &erro.to_string());
    post_ok(srv.addr, &text_envelope(PID, "wamid.E1", "5511911110000", "oi"));
    run_once(&srv.app).expect("run");
    let mut ana = srv.login("ana@loja.com");
    let conversa = ids(&ana.get("/api/conversas").json())[0];
    let msgs = ana.get(&format!("/api/conversas/{conversa}/mensagens")).json();
    let falhou =
        msgs["itens"].as_array().expect("itens").iter().find(|m| m["status"] == "falhou").cloned().expect("failed");
    assert_eq!(falhou["erro_codigo"], 131047);
    assert!(falhou["erro_explicacao"].as_str().is_some_and(|t| t.contains("24 h")), "{falhou}");
    assert!(falhou["erro_acao"].as_str().is_some_and(|t| t.contains("modelo de mensagem")), "{falhou}");
    let ok = msgs["itens"].as_array().expect("itens").iter().find(|m| m["autor"] == "cliente").cloned().expect("in");
    assert!(ok["erro_explicacao"].is_null());
}
