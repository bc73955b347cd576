//! Billing over HTTP: planos, assinaturas, pagamentos and the due-date check that suspends
//! an empresa beyond the grace period (and the payment that reactivates it).

use helixai::assinaturas::verificar_vencimentos;
use helixai::clock::{sqlite_timestamp, unix_now};
use helixai::domain::{Papel, Setor};
use serde_json::{json, Value};

use crate::admin_empresas::{com_root, patch};
use crate::support::server::{Client, TestServer};

const DIA: i64 = 86_400;

fn dias_atras(n: i64) -> String {
    sqlite_timestamp(unix_now() - n * DIA)
}

fn codigo(r: &crate::support::http::Resp) -> String {
    r.json()["erro"]["codigo"].as_str().unwrap_or_default().to_owned()
}

/// An empresa with an admin, a plano and an assinatura due `vencimento`.
fn empresa_assinante(s: &TestServer, root: &mut Client, slug: &str, vencimento: &str) -> (i64, Value) {
    let e = s.empresa(slug, Setor::Varejo);
    s.usuario(&format!("admin@{slug}.com"), Papel::Admin, Some(&e));
    let plano =
        root.post("/api/admin/planos", &json!({"nome": format!("Plano {slug}"), "preco_centavos": 9900})).json();
    let r = root.post(
        "/api/admin/assinaturas",
        &json!({"empresa_id": e.id, "plano_id": plano["id"], "proximo_vencimento": vencimento}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    (e.id.0, r.json())
}

fn pode_entrar(s: &TestServer, email: &str) -> bool {
    s.client().post("/api/login", &json!({"email": email, "senha": "senha-de-teste"})).status == 200
}

#[test]
fn planos_list_create_replace() {
    let (_s, mut root) = com_root();
    let novo = json!({"nome": "Pro", "preco_centavos": 19900, "limite_mensagens_mes": 5000, "limite_usuarios": 5, "limite_itens_catalogo": null, "ativo": true});
    let r = root.post("/api/admin/planos", &novo);
    assert_eq!(r.status, 201, "{}", r.text());
    let p = r.json();
    assert_eq!((p["nome"].as_str(), p["limite_usuarios"].as_i64()), (Some("Pro"), Some(5)));
    assert_eq!(codigo(&root.post("/api/admin/planos", &novo)), "plano_duplicado");
    assert_eq!(codigo(&root.post("/api/admin/planos", &json!({"nome": "X", "preco_centavos": -1}))), "preco_invalido");
    assert_eq!(codigo(&root.post("/api/admin/planos", &json!({"nome": "X", "desconto": 1}))), "campo_desconhecido");
    root.post("/api/admin/planos", &json!({"nome": "Básico"}));
    let r = root.put(
        &format!("/api/admin/planos/{}", p["id"]),
        &json!({"nome": "Pro+", "preco_centavos": 24900, "ativo": false}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!((r.json()["nome"].as_str(), r.json()["ativo"].as_bool()), (Some("Pro+"), Some(false)));
    assert_eq!(root.put("/api/admin/planos/999", &json!({"nome": "Z"})).status, 404);
    let v = root.get("/api/admin/planos?limite=1").json();
    assert_eq!(v["itens"][0]["nome"], "Pro+");
    let v = root.get(&format!("/api/admin/planos?cursor={}", v["proximo_cursor"].as_str().expect("cursor"))).json();
    assert_eq!(v["itens"][0]["nome"], "Básico");
}

#[test]
fn assinaturas_create_filter_and_patch() {
    let (s, mut root) = com_root();
    let (eid, a) = empresa_assinante(&s, &mut root, "loja", "2030-01-10");
    assert_eq!((a["status"].as_str(), a["proximo_vencimento"].as_str()), (Some("ativa"), Some("2030-01-10 00:00:00")));
    let empresa = root.get(&format!("/api/admin/empresas/{eid}")).json();
    assert_eq!(empresa["plano_id"], a["plano_id"], "the assinatura's plano is the empresa's plano");
    let r = root.post("/api/admin/assinaturas", &json!({"empresa_id": eid, "plano_id": a["plano_id"]}));
    assert_eq!((r.status, codigo(&r).as_str()), (409, "assinatura_existente"));
    let r = root.post("/api/admin/assinaturas", &json!({"empresa_id": 999, "plano_id": a["plano_id"]}));
    assert_eq!(codigo(&r), "empresa_invalida");
    let r = root.post("/api/admin/assinaturas", &json!({"empresa_id": eid, "plano_id": 999}));
    assert_eq!(codigo(&r), "plano_invalido");
    let outra = s.empresa("outra", Setor::Servicos);
    let r = root.post(
        "/api/admin/assinaturas",
        &json!({"empresa_id": outra.id, "plano_id": a["plano_id"], "proximo_vencimento": "2026-02-30"}),
    );
    assert_eq!((r.status, codigo(&r).as_str()), (400, "data_invalida"));

    let path = format!("/api/admin/assinaturas/{}", a["id"]);
    let r = patch(&mut root, &path, &json!({"proximo_vencimento": "2030-02-01 12:00"}));
    assert_eq!(r.json()["proximo_vencimento"], "2030-02-01 12:00:00");
    let r = patch(&mut root, &path, &json!({"status": "cancelada"}));
    assert_eq!(r.json()["status"], "cancelada");
    assert_eq!(codigo(&patch(&mut root, &path, &json!({"status": "vencida"}))), "json_invalido");
    assert_eq!(patch(&mut root, "/api/admin/assinaturas/999", &json!({"status": "ativa"})).status, 404);
    // A cancelled one no longer blocks a new assinatura.
    let r = root.post("/api/admin/assinaturas", &json!({"empresa_id": eid, "plano_id": a["plano_id"]}));
    assert_eq!(r.status, 201);

    let todas = root.get("/api/admin/assinaturas").json();
    assert_eq!(todas["itens"].as_array().map(Vec::len), Some(2));
    let canceladas = root.get("/api/admin/assinaturas?status=cancelada").json();
    assert_eq!(canceladas["itens"].as_array().map(Vec::len), Some(1));
    assert_eq!(root.get(&format!("/api/admin/assinaturas?empresa_id={}", outra.id)).json()["itens"], json!([]));
    assert_eq!(root.get("/api/admin/assinaturas?status=x").status, 400);
}

#[test]
fn a_payment_makes_the_assinatura_ativa_and_advances_a_month() {
    let (s, mut root) = com_root();
    let (_, a) = empresa_assinante(&s, &mut root, "loja", "2030-01-31");
    let r = root.post(
        "/api/admin/pagamentos",
        &json!({"assinatura_id": a["id"], "valor_centavos": 9900, "referencia": "PIX-123", "metodo": "pix"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    assert_eq!(v["assinatura"]["status"], "ativa");
    assert_eq!(v["assinatura"]["proximo_vencimento"], "2030-03-03 00:00:00", "SQLite's +1 month from Jan 31");
    assert_eq!(
        (v["pagamento"]["referencia"].as_str(), v["empresa_reativada"].as_bool()),
        (Some("PIX-123"), Some(false))
    );
    let r = root.post("/api/admin/pagamentos", &json!({"assinatura_id": a["id"], "valor_centavos": 0}));
    assert_eq!((r.status, codigo(&r).as_str()), (400, "valor_invalido"));
    let r = root.post("/api/admin/pagamentos", &json!({"assinatura_id": 999, "valor_centavos": 10}));
    assert_eq!(codigo(&r), "assinatura_invalida");
    root.post("/api/admin/pagamentos", &json!({"assinatura_id": a["id"], "valor_centavos": 9900}));
    let lista = root.get(&format!("/api/admin/pagamentos?assinatura_id={}", a["id"])).json();
    let itens = lista["itens"].as_array().expect("itens");
    assert_eq!(itens.len(), 2);
    assert!(itens[0]["id"].as_i64() > itens[1]["id"].as_i64(), "newest first");
    assert_eq!(root.get("/api/admin/pagamentos?empresa_id=999").json()["itens"], json!([]));
    patch(&mut root, &format!("/api/admin/assinaturas/{}", a["id"]), &json!({"status": "cancelada"}));
    let r = root.post("/api/admin/pagamentos", &json!({"assinatura_id": a["id"], "valor_centavos": 10}));
    assert_eq!((r.status, codigo(&r).as_str()), (409, "assinatura_cancelada"));
}

#[test]
fn past_due_beyond_grace_suspends_and_a_payment_reactivates() {
    let (s, mut root) = com_root();
    let (dentro, a_dentro) = empresa_assinante(&s, &mut root, "dentro", &dias_atras(3));
    let (fora, a_fora) = empresa_assinante(&s, &mut root, "fora", &dias_atras(10));
    let (_, a_em_dia) = empresa_assinante(&s, &mut root, "emdia", "2099-01-01");
    let mut sessao = s.login("admin@fora.com");

    let v = verificar_vencimentos(&s.app, 7).expect("verificar");
    let ids = |l: &Vec<helixai::store::central::Assinatura>| l.iter().map(|a| a.id.0).collect::<Vec<_>>();
    assert_eq!(ids(&v.atrasadas), vec![a_dentro["id"].as_i64().expect("id"), a_fora["id"].as_i64().expect("id")]);
    assert_eq!(ids(&v.suspensas), vec![a_fora["id"].as_i64().expect("id")]);
    let status = |root: &mut Client, a: &Value| {
        root.get(&format!("/api/admin/assinaturas?empresa_id={}", a["empresa_id"])).json()["itens"][0]["status"].clone()
    };
    assert_eq!(status(&mut root, &a_dentro), "atrasada");
    assert_eq!(status(&mut root, &a_fora), "suspensa");
    assert_eq!(status(&mut root, &a_em_dia), "ativa");
    assert_eq!(root.get(&format!("/api/admin/empresas/{dentro}")).json()["ativo"], true, "inside the grace period");
    assert_eq!(root.get(&format!("/api/admin/empresas/{fora}")).json()["ativo"], false);
    assert_eq!(sessao.get("/api/catalogo").status, 401);
    assert!(!pode_entrar(&s, "admin@fora.com"));
    // Audited with the system as the actor.
    let audit = root.get(&format!("/api/admin/auditoria?empresa_id={fora}&acao=empresa.suspender")).json();
    let row = &audit["itens"][0];
    assert!(row["usuario_id"].is_null() && row["ip"].is_null(), "{row}");
    assert!(
        row["detalhes"].as_str().is_some_and(|d| d.starts_with("ator: sistema") && d.contains("inadimpl")),
        "{row}"
    );
    // A second run changes nothing.
    let v = verificar_vencimentos(&s.app, 7).expect("again");
    assert!(v.atrasadas.is_empty() && v.suspensas.is_empty());

    let r = root.post("/api/admin/pagamentos", &json!({"assinatura_id": a_fora["id"], "valor_centavos": 9900}));
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    assert_eq!((v["assinatura"]["status"].as_str(), v["empresa_reativada"].as_bool()), (Some("ativa"), Some(true)));
    assert_eq!(root.get(&format!("/api/admin/empresas/{fora}")).json()["ativo"], true);
    assert!(pode_entrar(&s, "admin@fora.com"));
    let audit = root.get(&format!("/api/admin/auditoria?empresa_id={fora}&acao=empresa.reativar")).json();
    assert!(audit["itens"][0]["detalhes"].as_str().is_some_and(|d| d.contains("pagamento")));
}

#[test]
fn billing_never_lifts_a_manual_suspension_and_patch_status_follows_the_empresa() {
    let (s, mut root) = com_root();
    let (eid, a) = empresa_assinante(&s, &mut root, "loja", &dias_atras(1));
    root.post(&format!("/api/admin/empresas/{eid}/suspender"), &json!({}));
    let v = root.post("/api/admin/pagamentos", &json!({"assinatura_id": a["id"], "valor_centavos": 100})).json();
    assert_eq!(v["empresa_reativada"], false);
    assert_eq!(root.get(&format!("/api/admin/empresas/{eid}")).json()["ativo"], false, "suspended by hand stays so");
    root.post(&format!("/api/admin/empresas/{eid}/reativar"), &json!({}));
    let path = format!("/api/admin/assinaturas/{}", a["id"]);
    assert_eq!(patch(&mut root, &path, &json!({"status": "suspensa"})).status, 200);
    assert_eq!(root.get(&format!("/api/admin/empresas/{eid}")).json()["ativo"], false);
    assert!(!pode_entrar(&s, "admin@loja.com"));
    assert_eq!(patch(&mut root, &path, &json!({"status": "ativa"})).status, 200);
    assert_eq!(root.get(&format!("/api/admin/empresas/{eid}")).json()["ativo"], true);
    assert!(pode_entrar(&s, "admin@loja.com"));
}

#[test]
fn grace_period_is_configurable() {
    let s =
        TestServer::start_with(helixai::config::ServerConfig { carencia_dias: 30, ..crate::support::test_config() });
    s.usuario("root@revenda.com", Papel::Superadmin, None);
    let mut root = s.login("root@revenda.com");
    let (eid, _) = empresa_assinante(&s, &mut root, "loja", &dias_atras(10));
    let v = verificar_vencimentos(&s.app, s.app.config.carencia_dias).expect("verificar");
    assert_eq!((v.atrasadas.len(), v.suspensas.len()), (1, 0));
    assert_eq!(root.get(&format!("/api/admin/empresas/{eid}")).json()["ativo"], true);
    assert_eq!(helixai::config::ServerConfig::default().carencia_dias, 7);
    let (code, out, _) = crate::support::run_bin(&s.dir.data(), &["serve", "--help"], None, &[]);
    assert_eq!(code, 0);
    assert!(out.contains("--carencia-dias") && out.contains("HELIXAI_CARENCIA_DIAS"), "{out}");
}

#[test]
fn the_background_check_runs_at_start_and_stops_cleanly() {
    let (s, mut root) = com_root();
    let (eid, _) = empresa_assinante(&s, &mut root, "loja", &dias_atras(30));
    let t =
        helixai::assinaturas::iniciar_verificador(s.app.clone(), std::time::Duration::from_secs(3600)).expect("start");
    let ativo = || s.app.central.empresa(helixai::domain::EmpresaId(eid)).expect("q").expect("row").ativo;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while ativo() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    t.parar();
    assert!(!ativo(), "suspended by the background check");
}
