//! `/api/admin/usuarios`, `/api/admin/auditoria` (filters, IP behind a trusted proxy, the
//! superadmin acting inside a tenant) and `/api/admin/sistema` over HTTP.

use helixai::config::ServerConfig;
use helixai::domain::{Papel, Setor};
use serde_json::{json, Value};

use crate::admin_empresas::{com_root, patch};
use crate::support::http::Resp;
use crate::support::server::{Client, TestServer};
use crate::support::test_config;

fn codigo(r: &Resp) -> String {
    r.json()["erro"]["codigo"].as_str().unwrap_or_default().to_owned()
}

fn entrar(s: &TestServer, email: &str, senha: &str) -> Client {
    let mut c = s.client();
    assert_eq!(c.post("/api/login", &json!({"email": email, "senha": senha})).status, 200, "login {email}");
    c
}

fn login(s: &TestServer, email: &str, senha: &str) -> u16 {
    s.client().post("/api/login", &json!({"email": email, "senha": senha})).status
}

#[test]
fn create_any_role_with_the_empresa_rule() {
    let (s, mut root) = com_root();
    let e = s.empresa("loja", Setor::Varejo);
    let novo = |email: &str, papel: &str, empresa: Value| json!({"email": email, "nome": "N", "papel": papel, "senha": "senha-forte-1", "empresa_id": empresa});
    let r = root.post("/api/admin/usuarios", &novo("ana@loja.com", "admin", json!(e.id)));
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    assert_eq!(
        (v["papel"].as_str(), v["empresa_id"].as_i64(), v["ativo"].as_bool()),
        (Some("admin"), Some(e.id.0), Some(true))
    );
    assert!(!r.text().contains("argon2") && !r.text().contains("senha"), "{}", r.text());
    assert_eq!(root.post("/api/admin/usuarios", &novo("bia@loja.com", "atendente", json!(e.id))).status, 201);
    assert_eq!(root.post("/api/admin/usuarios", &novo("dono@revenda.com", "superadmin", Value::Null)).status, 201);
    for (body, status, cod) in [
        (novo("x@loja.com", "admin", Value::Null), 400, "empresa_obrigatoria"),
        (novo("x@loja.com", "superadmin", json!(e.id)), 400, "empresa_obrigatoria"),
        (novo("x@loja.com", "admin", json!(999)), 400, "empresa_invalida"),
        (novo("ANA@loja.com", "admin", json!(e.id)), 409, "email_em_uso"),
        (novo("sem-arroba", "admin", json!(e.id)), 400, "email_invalido"),
        (novo("x@loja.com", "gerente", json!(e.id)), 400, "json_invalido"),
        (json!({"email": "x@loja.com", "papel": "admin", "senha": "curta", "empresa_id": e.id}), 400, "senha_fraca"),
    ] {
        let r = root.post("/api/admin/usuarios", &body);
        assert_eq!((r.status, codigo(&r).as_str()), (status, cod), "{body}");
    }
    assert_eq!(login(&s, "ana@loja.com", "senha-forte-1"), 200);
    let v = root.get(&format!("/api/admin/usuarios?empresa_id={}", e.id)).json();
    let emails: Vec<&str> = v["itens"].as_array().expect("itens").iter().filter_map(|u| u["email"].as_str()).collect();
    assert_eq!(emails, vec!["ana@loja.com", "bia@loja.com"]);
    let v = root.get("/api/admin/usuarios?papel=superadmin&limite=200").json();
    assert_eq!(v["itens"].as_array().map(Vec::len), Some(3), "admin@localhost, root and dono");
    let v = root.get("/api/admin/usuarios?q=BIA").json();
    assert_eq!(v["itens"][0]["email"], "bia@loja.com");
    let p1 = root.get("/api/admin/usuarios?limite=2").json();
    let c = p1["proximo_cursor"].as_str().expect("cursor").to_owned();
    let p2 = root.get(&format!("/api/admin/usuarios?limite=2&cursor={c}")).json();
    assert!(p2["itens"][0]["id"].as_i64() > p1["itens"][1]["id"].as_i64());
}

#[test]
fn patch_deactivation_and_reset_end_sessions() {
    let (s, mut root) = com_root();
    let e = s.empresa("loja", Setor::Varejo);
    let outra = s.empresa("outra", Setor::Servicos);
    s.usuario("ana@loja.com", Papel::Admin, Some(&e));
    let ana_id = s.app.central.usuario_por_email("ana@loja.com").expect("q").expect("u").id.0;
    let path = format!("/api/admin/usuarios/{ana_id}");
    let mut ana = s.login("ana@loja.com");
    let r = patch(&mut root, &path, &json!({"nome": "Ana Souza"}));
    assert_eq!((r.status, r.json()["nome"].as_str()), (200, Some("Ana Souza")));
    assert_eq!(ana.get("/api/me").status, 200, "a rename keeps sessions");
    assert_eq!(patch(&mut root, &path, &json!({"ativo": false})).json()["ativo"], false);
    assert_eq!(ana.get("/api/me").status, 401, "deactivation ends sessions");
    assert_eq!(patch(&mut root, &path, &json!({"ativo": true})).status, 200);
    let mut ana = s.login("ana@loja.com");
    assert_eq!(patch(&mut root, &path, &json!({"senha": "nova-senha-forte"})).status, 200);
    assert_eq!(ana.get("/api/me").status, 401, "reset ends sessions");
    assert_eq!(login(&s, "ana@loja.com", "nova-senha-forte"), 200);
    assert_eq!(codigo(&patch(&mut root, &path, &json!({"senha": "curta"}))), "senha_fraca");
    let mut ana = entrar(&s, "ana@loja.com", "nova-senha-forte");
    let v = patch(&mut root, &path, &json!({"papel": "atendente", "empresa_id": outra.id})).json();
    assert_eq!((v["papel"].as_str(), v["empresa_id"].as_i64()), (Some("atendente"), Some(outra.id.0)));
    assert_eq!(ana.get("/api/me").status, 401, "a move to another empresa ends sessions");
    let v = patch(&mut root, &path, &json!({"papel": "superadmin"})).json();
    assert!(v["empresa_id"].is_null(), "promotion drops the empresa: {v}");
    let r = patch(&mut root, &path, &json!({"papel": "admin"}));
    assert_eq!((r.status, codigo(&r).as_str()), (400, "empresa_obrigatoria"));
    assert_eq!(codigo(&patch(&mut root, &path, &json!({"email": "x@y.z"}))), "campo_desconhecido");
    assert_eq!(patch(&mut root, "/api/admin/usuarios/999", &json!({"nome": "X"})).status, 404);
}

#[test]
fn the_last_active_superadmin_cannot_be_demoted_or_deactivated() {
    let (s, mut root) = com_root();
    let first = s.app.central.usuario_por_email("admin@localhost").expect("q").expect("first start superadmin");
    assert_eq!(patch(&mut root, &format!("/api/admin/usuarios/{}", first.id), &json!({"ativo": false})).status, 200);
    let me = s.app.central.usuario_por_email("root@revenda.com").expect("q").expect("root");
    let path = format!("/api/admin/usuarios/{}", me.id);
    let e = s.empresa("loja", Setor::Varejo);
    for body in [json!({"ativo": false}), json!({"papel": "admin", "empresa_id": e.id})] {
        let r = patch(&mut root, &path, &body);
        assert_eq!((r.status, codigo(&r).as_str()), (409, "ultimo_superadmin"), "{body}");
    }
    assert_eq!(root.get("/api/me").status, 200);
}

#[test]
fn every_action_is_audited_with_actor_empresa_action_and_ip() {
    let s = TestServer::start_with(ServerConfig { trust_proxy: true, ..test_config() });
    s.usuario("root@revenda.com", Papel::Superadmin, None);
    let mut root = s.client();
    root.forwarded_for = Some("203.0.113.9".into());
    let r = root.post("/api/login", &json!({"email": "root@revenda.com", "senha": "senha-de-teste"}));
    assert_eq!(r.status, 200);
    let root_id = r.json()["usuario_id"].as_i64().expect("id");
    let e = root.post("/api/admin/empresas", &json!({"nome": "Loja", "slug": "loja", "setor": "varejo"})).json();
    let eid = e["id"].as_i64().expect("id");
    patch(&mut root, &format!("/api/admin/empresas/{eid}"), &json!({"nome": "Loja 2"}));
    root.post(&format!("/api/admin/empresas/{eid}/suspender"), &json!({}));
    root.post(&format!("/api/admin/empresas/{eid}/reativar"), &json!({}));
    let plano = root.post("/api/admin/planos", &json!({"nome": "P"})).json();
    root.put(&format!("/api/admin/planos/{}", plano["id"]), &json!({"nome": "P2"}));
    let a = root.post("/api/admin/assinaturas", &json!({"empresa_id": eid, "plano_id": plano["id"]})).json();
    patch(&mut root, &format!("/api/admin/assinaturas/{}", a["id"]), &json!({"proximo_vencimento": "2030-01-01"}));
    root.post("/api/admin/pagamentos", &json!({"assinatura_id": a["id"], "valor_centavos": 100}));
    let u = root
        .post(
            "/api/admin/usuarios",
            &json!({"email": "ana@loja.com", "papel": "admin", "senha": "senha-forte-1", "empresa_id": eid}),
        )
        .json();
    patch(&mut root, &format!("/api/admin/usuarios/{}", u["id"]), &json!({"senha": "outra-senha-forte"}));
    // Acting inside the tenant through /api/admin/empresas/{id}/<tenant path>.
    let r =
        root.post(&format!("/api/admin/empresas/{eid}/catalogo"), &json!({"nome": "Camiseta", "preco_centavos": 4990}));
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(root.get(&format!("/api/admin/empresas/{eid}/catalogo")).status, 200);

    let v = root.get(&format!("/api/admin/auditoria?usuario_id={root_id}&limite=200")).json();
    let itens = v["itens"].as_array().expect("itens");
    for row in itens {
        assert_eq!(row["ip"], "203.0.113.9", "{row}");
        assert_eq!(row["usuario_email"], "root@revenda.com", "{row}");
    }
    let acoes: Vec<&str> = itens.iter().rev().filter_map(|a| a["acao"].as_str()).collect();
    assert_eq!(
        acoes,
        vec![
            "empresa.criar",
            "empresa.atualizar",
            "empresa.suspender",
            "empresa.reativar",
            "plano.criar",
            "plano.atualizar",
            "assinatura.criar",
            "assinatura.atualizar",
            "pagamento.registrar",
            "usuario.criar",
            "usuario.atualizar",
            "superadmin.acesso_tenant",
            "superadmin.acesso_tenant",
        ]
    );
    let tenant: Vec<&Value> = itens.iter().filter(|a| a["acao"] == "superadmin.acesso_tenant").collect();
    assert_eq!(tenant[0]["empresa_id"], eid);
    assert_eq!(tenant[0]["alvo"], format!("GET /api/admin/empresas/{eid}/catalogo"));
    assert_eq!(tenant[1]["alvo"], format!("POST /api/admin/empresas/{eid}/catalogo"));
    for row in itens.iter().filter(|a| !a["acao"].as_str().is_some_and(|x| x.starts_with("plano."))) {
        assert_eq!(row["empresa_id"], eid, "{row}");
    }
    let senha = itens.iter().find(|a| a["acao"] == "usuario.atualizar").expect("row");
    assert_eq!(senha["detalhes"], "senha redefinida");
    assert!(!v.to_string().contains("outra-senha-forte"), "no password in the audit log");
}

#[test]
fn audit_filters_and_pagination() {
    let (s, mut root) = com_root();
    let a = s.empresa("a", Setor::Varejo);
    let b = s.empresa("b", Setor::Varejo);
    for e in [&a, &b, &a] {
        root.post(&format!("/api/admin/empresas/{}/suspender", e.id), &json!({}));
    }
    patch(&mut root, &format!("/api/admin/empresas/{}", b.id), &json!({"nome": "B"}));
    let n = |v: &Value| v["itens"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(n(&root.get(&format!("/api/admin/auditoria?empresa_id={}", a.id)).json()), 2);
    assert_eq!(n(&root.get(&format!("/api/admin/auditoria?empresa_id={}&acao=empresa.atualizar", b.id)).json()), 1);
    assert_eq!(n(&root.get("/api/admin/auditoria?acao=empresa.").json()), 4);
    assert_eq!(n(&root.get("/api/admin/auditoria?acao=usuario.").json()), 0);
    assert_eq!(n(&root.get("/api/admin/auditoria?usuario_id=999").json()), 0);
    let hoje = &helixai::clock::sqlite_timestamp(helixai::clock::unix_now())[..10];
    assert_eq!(n(&root.get(&format!("/api/admin/auditoria?desde={hoje}&ate={hoje}")).json()), 4);
    assert_eq!(n(&root.get("/api/admin/auditoria?ate=2000-01-01").json()), 0);
    assert_eq!(n(&root.get("/api/admin/auditoria?desde=2099-01-01%2000:00:00").json()), 0);
    let p1 = root.get("/api/admin/auditoria?limite=3").json();
    let ids: Vec<i64> = p1["itens"].as_array().expect("i").iter().filter_map(|a| a["id"].as_i64()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let p2 =
        root.get(&format!("/api/admin/auditoria?limite=3&cursor={}", p1["proximo_cursor"].as_str().expect("c"))).json();
    assert_eq!(n(&p2), 1);
    assert!(p2["itens"][0]["id"].as_i64() < ids.last().copied());
    for bad in ["desde=ontem", "ate=2026-02-30", "acao=a%25", "empresa_id=x", "limite=500"] {
        assert_eq!(root.get(&format!("/api/admin/auditoria?{bad}")).status, 400, "{bad}");
    }
}

#[test]
fn sistema_reports_version_size_lru_and_unrouted_numbers() {
    let (s, mut root) = com_root();
    let e = s.empresa("loja", Setor::Varejo);
    root.get(&format!("/api/admin/empresas/{}/catalogo", e.id));
    let conn = rusqlite::Connection::open(s.dir.data().join("helixai.db")).expect("open");
    conn.execute(
        "INSERT INTO numeros_nao_roteados (phone_number_id, display_phone_number, total, ultimo_em)
         VALUES ('111', '+55 11 4000-0000', 3, '2026-01-01 10:00:00'), ('222', NULL, 1, '2026-02-01 10:00:00')",
        [],
    )
    .expect("insert");
    let r = root.get("/api/admin/sistema");
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["versao"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["data_dir"], s.dir.data().display().to_string());
    assert!(v["tamanho_data_dir_bytes"].as_u64().is_some_and(|n| n > 10_000), "{v}");
    assert_eq!(v["tenants_abertos"], 1);
    assert_eq!((v["lru"]["open"].as_u64(), v["lru"]["capacity"].as_u64()), (Some(1), Some(256)));
    assert!(v["uptime_s"].as_u64().is_some());
    let nums = v["numeros_nao_roteados"].as_array().expect("nums");
    assert_eq!(nums.len(), 2);
    assert_eq!((nums[0]["phone_number_id"].as_str(), nums[0]["total"].as_i64()), (Some("222"), Some(1)));
    assert_eq!(nums[1]["display_phone_number"], "+55 11 4000-0000");
}
