//! The empresa admin's own settings through the real server: team (usuarios), WhatsApp and
//! bot settings, reports and the catalog CSV import.

use helixai::domain::{Papel, Setor};
use helixai::provision::{criar_empresa, PedidoEmpresa};
use helixai::store::central::NovoPlano;
use helixai::store::tenant::inbox::MensagemFixture;
use serde_json::json;

use crate::support::server::TestServer;

fn empresa_com_plano(s: &TestServer, slug: &str, setor: Setor, plano: NovoPlano) -> helixai::store::central::Empresa {
    let p = s.app.central.plano_criar(&plano).expect("plano");
    criar_empresa(
        &s.app,
        &PedidoEmpresa {
            nome: format!("Empresa {slug}"),
            slug: slug.into(),
            setor,
            whatsapp_phone_number_id: None,
            plano_id: Some(p.id),
        },
    )
    .expect("empresa")
}

fn plano(nome: &str) -> NovoPlano {
    NovoPlano {
        nome: nome.into(),
        preco_centavos: 9900,
        limite_mensagens_mes: Some(1000),
        limite_usuarios: Some(3),
        limite_itens_catalogo: Some(3),
        limite_midia_mb: None,
        ativo: true,
    }
}

fn acoes(s: &TestServer) -> Vec<String> {
    let f = helixai::store::central::FiltroAuditoria { limite: 200, ..Default::default() };
    s.app.central.auditoria(&f).expect("auditoria").into_iter().map(|a| a.acao).collect()
}

#[test]
fn admin_manages_the_team_within_the_plan() {
    let s = TestServer::start();
    let e = empresa_com_plano(&s, "loja", Setor::Varejo, plano("Básico"));
    s.usuario("ana@loja.com", Papel::Admin, Some(&e));
    let mut a = s.login("ana@loja.com");
    let r = a.post(
        "/api/usuarios",
        &json!({"email": "bia@loja.com", "nome": "Bia", "papel": "atendente", "senha": "senha-da-bia-1"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let bia = r.json();
    assert!(!r.text().contains("argon2"));
    assert_eq!(bia["empresa_id"], e.id.0);
    let r = a.post(
        "/api/usuarios",
        &json!({"email": "x@loja.com", "nome": "X", "papel": "superadmin", "senha": "senha-segura-1"}),
    );
    assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (400, Some("papel_invalido")));
    let r = a.post("/api/usuarios", &json!({"email": "bia@loja.com", "papel": "atendente", "senha": "senha-segura-1"}));
    assert_eq!(r.status, 409, "duplicate e-mail");
    assert_eq!(
        a.post("/api/usuarios", &json!({"email": "c@loja.com", "papel": "admin", "senha": "curta"})).status,
        400
    );
    assert_eq!(
        a.post("/api/usuarios", &json!({"email": "c@loja.com", "papel": "admin", "senha": "senha-segura-1"})).status,
        201
    );
    let r = a.post("/api/usuarios", &json!({"email": "d@loja.com", "papel": "admin", "senha": "senha-segura-1"}));
    assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (409, Some("limite_plano_usuarios")));

    // List with pagination.
    let p = a.get("/api/usuarios?limite=2").json();
    assert_eq!(p["itens"].as_array().expect("i").len(), 2);
    let p2 = a.get(&format!("/api/usuarios?limite=2&cursor={}", p["proximo_cursor"].as_str().expect("c"))).json();
    assert_eq!(p2["itens"].as_array().expect("i").len(), 1);

    // Bia logs in; a reset password revokes her session; deactivation works; audit rows.
    let mut b = s.client();
    assert_eq!(b.post("/api/login", &json!({"email": "bia@loja.com", "senha": "senha-da-bia-1"})).status, 200);
    assert_eq!(b.get("/api/me").status, 200);
    let id = bia["id"].as_i64().expect("id");
    let r = a.patch(&format!("/api/usuarios/{id}"), &json!({"senha": "nova-senha-da-bia", "nome": "Beatriz"}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["nome"], "Beatriz");
    assert_eq!(b.get("/api/me").status, 401, "reset revokes her sessions");
    assert_eq!(b.post("/api/login", &json!({"email": "bia@loja.com", "senha": "nova-senha-da-bia"})).status, 200);
    assert_eq!(a.patch(&format!("/api/usuarios/{id}"), &json!({"ativo": false})).json()["ativo"], false);
    assert_eq!(b.get("/api/me").status, 401, "deactivation ends sessions");
    assert_eq!(a.patch(&format!("/api/usuarios/{id}"), &json!({"papel": "superadmin"})).status, 400);
    let ana = s.app.central.usuario_por_email("ana@loja.com").expect("q").expect("ana");
    let c = s.app.central.usuario_por_email("c@loja.com").expect("q").expect("c");
    assert_eq!(a.patch(&format!("/api/usuarios/{}", c.id), &json!({"ativo": false})).status, 200);
    let r = a.patch(&format!("/api/usuarios/{}", ana.id), &json!({"papel": "atendente"}));
    assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (409, Some("ultimo_admin")));
    let feitas = acoes(&s);
    assert!(feitas.iter().filter(|a| *a == "usuario.alterar").count() >= 3);
    assert!(feitas.iter().any(|a| a == "usuario.criar"));
    let detalhes: String = s
        .app
        .central
        .auditoria(&helixai::store::central::FiltroAuditoria { limite: 200, ..Default::default() })
        .expect("aud")
        .into_iter()
        .filter_map(|a| a.detalhes)
        .collect();
    assert!(!detalhes.contains("nova-senha-da-bia"), "passwords are never audited");
}

#[test]
fn whatsapp_and_bot_settings_are_masked_and_merged() {
    let s = TestServer::start();
    let e = s.empresa("loja", Setor::Varejo);
    let outra = s.empresa("outra", Setor::Varejo);
    s.usuario("ana@loja.com", Papel::Admin, Some(&e));
    s.usuario("zeca@outra.com", Papel::Admin, Some(&outra));
    let mut a = s.login("ana@loja.com");
    let v = a.get("/api/whatsapp").json();
    assert!(v["token"].is_null() && v["app_secret"].is_null() && v["phone_number_id"].is_null());
    assert!(v["verify_token"].is_null(), "no verify token configured");
    assert!(v["webhook_url"].as_str().expect("url").starts_with("https://127.0.0.1:"));
    assert!(v["webhook_url"].as_str().expect("url").ends_with("/webhook/whatsapp"));
    let r = a.put("/api/whatsapp", &json!({"phone_number_id": "1234567890", "numero": "+55 11 3333-4444", "token": "EAAGtokenverysecret9876", "app_secret": "appsecretvalue5555"}));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["token"], "••••9876");
    assert_eq!(v["app_secret"], "••••5555");
    assert_eq!(v["phone_number_id"], "1234567890");
    // Keep fields that are absent; clear with "".
    let v = a.put("/api/whatsapp", &json!({"app_secret": ""})).json();
    assert!(v["app_secret"].is_null());
    assert_eq!(v["token"], "••••9876");
    assert_eq!(a.put("/api/whatsapp", &json!({"phone_number_id": "abc"})).status, 400);
    let mut z = s.login("zeca@outra.com");
    let r = z.put("/api/whatsapp", &json!({"phone_number_id": "1234567890"}));
    assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (409, Some("phone_number_id_em_uso")));

    // Bot: configuracoes_json keeps keys it does not own.
    s.app
        .central
        .empresa_definir_bot(
            e.id,
            &helixai::store::central::BotAlteracao {
                configuracoes: serde_json::from_value(json!({"outra_chave": 42})).expect("map"),
                ..Default::default()
            },
        )
        .expect("seed config");
    let r = a.put("/api/bot", &json!({"prompt_customizado": "Seja cordial", "saudacao": "Olá!", "horario": "seg-sex 8h-18h", "llm_base_url": "https://llm.exemplo.com/v1", "llm_modelo": "gpt-4o-mini", "llm_api_key": "sk-chave-super-secreta-4321"}));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["llm_api_key"], "••••4321");
    assert_eq!(v["saudacao"], "Olá!");
    assert_eq!(v["horario"], "seg-sex 8h-18h");
    let cfg = s.app.central.empresa(e.id).expect("q").expect("e").configuracoes_json;
    let cfg: serde_json::Value = serde_json::from_str(&cfg).expect("json");
    assert_eq!(cfg["outra_chave"], 42);
    assert_eq!(cfg["saudacao"], "Olá!");
    assert_eq!(a.put("/api/bot", &json!({"llm_base_url": "ftp://x"})).status, 400);
    let v = a.put("/api/bot", &json!({"llm_api_key": "", "saudacao": null})).json();
    assert!(v["llm_api_key"].is_null() && v["saudacao"].is_null());
    assert_eq!(v["prompt_customizado"], "Seja cordial");
    assert_eq!(a.get("/api/bot").json()["llm_modelo"], "gpt-4o-mini");
    let r = a.put("/api/bot", &json!({"modelo": "x"}));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("modelo"), "names the unknown field: {}", r.text());
    let acoes = acoes(&s);
    assert!(acoes.iter().any(|a| a == "whatsapp.alterar") && acoes.iter().any(|a| a == "bot.alterar"));
}

#[test]
fn reports_count_windows_days_and_quota() {
    let s = TestServer::start();
    let e = empresa_com_plano(&s, "loja", Setor::Varejo, plano("Pro"));
    s.usuario("bia@loja.com", Papel::Atendente, Some(&e));
    let db = s.app.tenant_db(&e).expect("db");
    let l = db.lead_upsert_wa("5511900000001", Some("Lia")).expect("lead");
    let m = |d, a, t| MensagemFixture { direcao: d, autor: a, texto: t, status: "enviada" };
    let c = db
        .inbox_inserir_conversa_fixture(
            l,
            &[m("entrada", "cliente", "oi"), m("saida", "bot", "olá"), m("saida", "humano", "tudo?")],
        )
        .expect("c");
    db.inbox_inserir_agendamento_fixture(l, Some(c), "2030-01-01 10:00:00", "visita").expect("ag");
    let mut b = s.login("bia@loja.com");
    let r = b.get("/api/relatorios");
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    for janela in ["hoje", "dias_7", "dias_30"] {
        assert_eq!(v[janela]["mensagens_recebidas"], 1, "{janela}");
        assert_eq!(v[janela]["mensagens_enviadas"], 2);
        assert_eq!(v[janela]["leads_novos"], 1);
        assert_eq!(v[janela]["conversas_abertas"], 1);
        assert_eq!(v[janela]["agendamentos"], 1);
    }
    let dias = v["por_dia"].as_array().expect("dias");
    assert_eq!(dias.len(), 30);
    assert_eq!(dias[29]["recebidas"], 1);
    assert_eq!(dias[29]["enviadas"], 2);
    assert_eq!(dias[0]["enviadas"], 0);
    assert_eq!(v["plano"]["nome"], "Pro");
    assert_eq!(v["plano"]["limite_mensagens_mes"], 1000);
    assert_eq!(v["plano"]["usadas_mes"], 1, "only the bot's messages count");
}

#[test]
fn catalog_csv_import_preview_then_confirm() {
    let s = TestServer::start();
    let e = empresa_com_plano(&s, "carros", Setor::Veiculos, plano("Mini"));
    s.usuario("ana@carros.com", Papel::Admin, Some(&e));
    s.usuario("bia@carros.com", Papel::Atendente, Some(&e));
    let mut a = s.login("ana@carros.com");
    let csv = "nome;descricao;preco;marca;modelo;ano;km;disponivel\n\
               \"Civic \"\"Touring\"\"\";\"Completo; revisado\";89.900,00;Honda;Civic;2020;30000;sim\n\
               Corolla;;92000.50;Toyota;Corolla;2021;;não\n\
               Sem marca;;10;;Uno;2010;;\n";
    let r = a.post("/api/catalogo/importar", &json!({"csv": csv, "confirmar": false}));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!((v["validas"].as_i64(), v["invalidas"].as_i64(), v["importadas"].as_i64()), (Some(2), Some(1), Some(0)));
    assert_eq!(v["linhas"][0]["item"]["nome"], "Civic \"Touring\"");
    assert_eq!(v["linhas"][0]["item"]["preco_centavos"], 8_990_000);
    assert_eq!(v["linhas"][1]["item"]["preco_centavos"], 9_200_050);
    assert_eq!(v["linhas"][1]["item"]["disponivel"], false);
    assert_eq!(v["linhas"][2]["ok"], false);
    assert_eq!(v["linhas"][2]["linha"], 4);
    assert!(v["linhas"][2]["erro"].as_str().expect("erro").contains("marca"));
    assert_eq!(a.get("/api/catalogo").json()["itens"].as_array().expect("i").len(), 0, "preview writes nothing");

    let mut b = s.login("bia@carros.com");
    assert_eq!(b.post("/api/catalogo/importar", &json!({"csv": csv, "confirmar": true})).status, 403);
    let v = a.post("/api/catalogo/importar", &json!({"csv": csv, "confirmar": true})).json();
    assert_eq!(v["importadas"], 2);
    let itens = a.get("/api/catalogo?marca=Honda").json();
    assert_eq!(itens["itens"][0]["atributos"]["km"], 30000);
    // Plan allows 3 items: importing 2 more is refused, all or nothing.
    let r = a.post("/api/catalogo/importar", &json!({"csv": csv, "confirmar": true}));
    assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (409, Some("limite_plano_itens")));
    assert_eq!(a.get("/api/catalogo").json()["itens"].as_array().expect("i").len(), 2);
    let r = a.post("/api/catalogo/importar", &json!({"csv": "nome,quartos\nx,2", "confirmar": false}));
    assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (400, Some("campo_desconhecido")));
    assert_eq!(a.post("/api/catalogo/importar", &json!({"csv": "nome\n\"x", "confirmar": false})).status, 400);
}
