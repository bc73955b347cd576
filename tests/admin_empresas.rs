//! `/api/admin/empresas` over HTTP: roles, creation exactly like the CLI, list with usage,
//! change, suspend/reactivate/delete, purge.

use helixai::domain::{Papel, Setor};
use helixai::store::migrate;
use serde_json::{json, Value};

use crate::support::http::Resp;
use crate::support::run_bin;
use crate::support::server::{Client, TestServer};

/// A server with a superadmin `root@revenda.com` logged in.
pub fn com_root() -> (TestServer, Client) {
    let s = TestServer::start();
    s.usuario("root@revenda.com", Papel::Superadmin, None);
    let root = s.login("root@revenda.com");
    (s, root)
}

pub fn patch(c: &mut Client, path: &str, body: &Value) -> Resp {
    c.send("PATCH", path, Some(body))
}

fn codigo(r: &Resp) -> String {
    r.json()["erro"]["codigo"].as_str().unwrap_or_default().to_owned()
}

fn arquivos_tenants(s: &TestServer) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(s.dir.data().join("tenants"))
        .map(|rd| rd.filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn tabelas(path: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).expect("open");
    let mut st =
        conn.prepare("SELECT name FROM sqlite_master WHERE type IN ('table','index') ORDER BY name").expect("q");
    let rows = st.query_map([], |r| r.get::<_, String>(0)).expect("rows");
    rows.map(|r| r.expect("row")).collect()
}

#[test]
fn only_a_superadmin_may_call_admin_endpoints() {
    let (s, _) = com_root();
    let e = s.empresa("loja", Setor::Varejo);
    s.usuario("admin@loja.com", Papel::Admin, Some(&e));
    s.usuario("atende@loja.com", Papel::Atendente, Some(&e));
    let id = e.id.0;
    let rotas: Vec<(&str, String)> = vec![
        ("GET", "/api/admin/empresas".into()),
        ("POST", "/api/admin/empresas".into()),
        ("GET", format!("/api/admin/empresas/{id}")),
        ("PATCH", format!("/api/admin/empresas/{id}")),
        ("DELETE", format!("/api/admin/empresas/{id}")),
        ("POST", format!("/api/admin/empresas/{id}/suspender")),
        ("POST", format!("/api/admin/empresas/{id}/reativar")),
        ("POST", format!("/api/admin/empresas/{id}/purgar")),
        ("GET", "/api/admin/planos".into()),
        ("POST", "/api/admin/planos".into()),
        ("PUT", "/api/admin/planos/1".into()),
        ("GET", "/api/admin/assinaturas".into()),
        ("POST", "/api/admin/assinaturas".into()),
        ("PATCH", "/api/admin/assinaturas/1".into()),
        ("GET", "/api/admin/pagamentos".into()),
        ("POST", "/api/admin/pagamentos".into()),
        ("GET", "/api/admin/usuarios".into()),
        ("POST", "/api/admin/usuarios".into()),
        ("PATCH", "/api/admin/usuarios/1".into()),
        ("GET", "/api/admin/auditoria".into()),
        ("GET", "/api/admin/sistema".into()),
        ("GET", format!("/api/admin/empresas/{id}/catalogo")),
    ];
    let mut admin = s.login("admin@loja.com");
    let mut atende = s.login("atende@loja.com");
    let body = json!({});
    for (m, path) in &rotas {
        let b = (*m != "GET").then_some(&body);
        let r = s.client().send(m, path, b);
        assert_eq!((r.status, codigo(&r)), (401, "nao_autenticado".into()), "{m} {path} sem sessão");
        for c in [&mut admin, &mut atende] {
            let r = c.send(m, path, b);
            assert_eq!((r.status, codigo(&r)), (403, "proibido".into()), "{m} {path}: {}", r.text());
        }
    }
    assert!(s.app.central.empresa(e.id).expect("q").expect("row").ativo, "nothing changed");
    let mut root = s.login("root@revenda.com");
    assert_eq!(root.get("/api/admin/nao-existe").status, 404);
}

#[test]
fn creating_through_the_api_makes_the_same_file_as_the_cli() {
    let (s, mut root) = com_root();
    let r = root.post(
        "/api/admin/empresas",
        &json!({"nome": "Feirão ShowCar", "slug": "feirao-showcar", "setor": "veiculos", "whatsapp_phone_number_id": "1065"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    let id = v["id"].as_i64().expect("id");
    assert_eq!(v["database_name"], format!("empresa_{id}_feirao_showcar"));
    assert_eq!(
        (v["slug"].as_str(), v["setor"].as_str(), v["ativo"].as_bool()),
        (Some("feirao-showcar"), Some("veiculos"), Some(true))
    );
    for segredo in ["whatsapp_token", "whatsapp_app_secret", "openai_api_key"] {
        assert!(v.get(segredo).is_none(), "{segredo} never returned");
    }
    let e = s.app.central.empresa_por_slug("feirao-showcar").expect("q").expect("row");
    let meta = s.app.tenant_db(&e).expect("db").meta().expect("meta");
    assert_eq!((meta.empresa_id.0, meta.slug.as_str(), meta.setor), (id, "feirao-showcar", Setor::Veiculos));
    assert_eq!(meta.schema_version, migrate::tenant_version());
    // The CLI on the same data dir: same name pattern, same schema.
    let (code, out, err) = run_bin(
        &s.dir.data(),
        &["tenant", "create", "--nome", "Outra", "--slug", "outra-loja", "--setor", "veiculos", "--json"],
        None,
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let cli: Value = serde_json::from_str(out.lines().last().expect("json line")).expect("json");
    let cli_id = cli["id"].as_i64().expect("id");
    assert_eq!(cli["database_name"], format!("empresa_{cli_id}_outra_loja"));
    let dir = s.dir.data().join("tenants");
    assert_eq!(
        tabelas(&dir.join(format!("empresa_{id}_feirao_showcar.db"))),
        tabelas(&dir.join(format!("empresa_{cli_id}_outra_loja.db")))
    );
    let r = root.get(&format!("/api/admin/empresas/{id}"));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["uso"],
        json!({"mensagens_mes": 0, "usuarios": 0, "itens_catalogo": 0, "midia_bytes": 0, "midia_arquivos": 0,
               "midia_limite_bytes": null})
    );
    let audit = s.app.central.auditoria(&Default::default()).expect("audit");
    assert!(audit.iter().any(|a| a.acao == "empresa.criar" && a.empresa_id.map(|x| x.0) == Some(id)));
}

#[test]
fn bad_input_leaves_no_row_and_no_file() {
    let (s, mut root) = com_root();
    let casos = [
        (json!({"nome": "X", "slug": "../x", "setor": "varejo"}), 400, "slug_invalido"),
        (json!({"nome": "X", "slug": "Loja A", "setor": "varejo"}), 400, "slug_invalido"),
        (json!({"nome": "X", "slug": "loja", "setor": "carros"}), 400, "setor_invalido"),
        (json!({"nome": "", "slug": "loja", "setor": "varejo"}), 400, "nome_invalido"),
        (json!({"nome": "X", "slug": "loja", "setor": "varejo", "plano_id": 99}), 400, "plano_invalido"),
        (
            json!({"nome": "X", "slug": "loja", "setor": "varejo", "whatsapp_phone_number_id": "abc"}),
            400,
            "phone_number_id_invalido",
        ),
        (json!({"nome": "X", "slug": "loja", "setor": "varejo", "ativo": false}), 400, "campo_desconhecido"),
    ];
    for (body, status, cod) in &casos {
        let r = root.post("/api/admin/empresas", body);
        assert_eq!((r.status, codigo(&r).as_str()), (*status, *cod), "{body}: {}", r.text());
    }
    assert_eq!(s.app.central.empresas_total().expect("n"), 0);
    assert!(arquivos_tenants(&s).is_empty(), "{:?}", arquivos_tenants(&s));
    let ok = json!({"nome": "Loja", "slug": "loja", "setor": "varejo", "whatsapp_phone_number_id": "555"});
    assert_eq!(root.post("/api/admin/empresas", &ok).status, 201);
    let r = root.post("/api/admin/empresas", &json!({"nome": "Y", "slug": "loja", "setor": "servicos"}));
    assert_eq!((r.status, codigo(&r).as_str()), (409, "slug_em_uso"));
    let r = root.post(
        "/api/admin/empresas",
        &json!({"nome": "Y", "slug": "y", "setor": "servicos", "whatsapp_phone_number_id": "555"}),
    );
    assert_eq!((r.status, codigo(&r).as_str()), (409, "phone_number_id_em_uso"));
    assert_eq!(s.app.central.empresas_total().expect("n"), 1);
    assert_eq!(arquivos_tenants(&s).iter().filter(|f| f.ends_with(".db")).count(), 1);
}

#[test]
fn list_with_search_filters_pagination_and_usage() {
    let (s, mut root) = com_root();
    let a = s.empresa("auto-pecas", Setor::Autopecas);
    let b = s.empresa("imobiliaria", Setor::Imoveis);
    let c = s.empresa("loja-centro", Setor::Varejo);
    s.usuario("ana@loja.com", Papel::Admin, Some(&c));
    s.usuario("bia@loja.com", Papel::Atendente, Some(&c));
    let r = root
        .post(&format!("/api/admin/empresas/{}/catalogo", c.id), &json!({"nome": "Camiseta", "preco_centavos": 4990}));
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(root.post(&format!("/api/admin/empresas/{}/suspender", b.id), &json!({})).status, 200);

    let v = root.get("/api/admin/empresas").json();
    let ids: Vec<i64> = v["itens"].as_array().expect("itens").iter().map(|e| e["id"].as_i64().expect("id")).collect();
    assert_eq!(ids, vec![a.id.0, b.id.0, c.id.0]);
    let loja = &v["itens"][2];
    assert_eq!(
        loja["uso"],
        json!({"mensagens_mes": 0, "usuarios": 2, "itens_catalogo": 1, "midia_bytes": 0, "midia_arquivos": 0,
               "midia_limite_bytes": null})
    );
    assert!(v["proximo_cursor"].is_null());

    let v = root.get("/api/admin/empresas?q=LOJA").json();
    assert_eq!(v["itens"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["itens"][0]["slug"], "loja-centro");
    let v = root.get("/api/admin/empresas?ativo=false").json();
    assert_eq!(
        v["itens"].as_array().map(|i| i.iter().map(|e| e["slug"].clone()).collect::<Vec<_>>()),
        Some(vec![json!("imobiliaria")])
    );
    let p1 = root.get("/api/admin/empresas?limite=2").json();
    assert_eq!(p1["itens"].as_array().map(Vec::len), Some(2));
    let cursor = p1["proximo_cursor"].as_str().expect("cursor").to_owned();
    let p2 = root.get(&format!("/api/admin/empresas?limite=2&cursor={cursor}")).json();
    assert_eq!(p2["itens"][0]["id"], c.id.0);
    assert_eq!(root.get("/api/admin/empresas?ativo=talvez").status, 400);
    assert_eq!(root.get("/api/admin/empresas?limite=0").status, 400);
    assert_eq!(root.get("/api/admin/empresas/999").status, 404);
    assert_eq!(root.get("/api/admin/empresas/abc").status, 400);
}

#[test]
fn patch_changes_nome_plano_and_prompt() {
    let (s, mut root) = com_root();
    let e = s.empresa("loja", Setor::Varejo);
    let plano = root.post("/api/admin/planos", &json!({"nome": "Básico", "preco_centavos": 9900})).json();
    let path = format!("/api/admin/empresas/{}", e.id);
    let r = patch(
        &mut root,
        &path,
        &json!({"nome": "Loja Nova", "plano_id": plano["id"], "prompt_customizado": "Seja breve."}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(
        (v["nome"].as_str(), v["plano_id"].clone(), v["prompt_customizado"].as_str()),
        (Some("Loja Nova"), plano["id"].clone(), Some("Seja breve."))
    );
    let v = patch(&mut root, &path, &json!({"plano_id": null, "prompt_customizado": ""})).json();
    assert!(v["plano_id"].is_null() && v["prompt_customizado"].is_null(), "{v}");
    assert_eq!(v["nome"], "Loja Nova", "absent fields unchanged");
    let r = patch(&mut root, &path, &json!({"plano_id": 999}));
    assert_eq!((r.status, codigo(&r).as_str()), (400, "plano_invalido"));
    let r = patch(&mut root, &path, &json!({"slug": "outro"}));
    assert_eq!(r.status, 400, "slug never changes");
    assert_eq!(patch(&mut root, "/api/admin/empresas/999", &json!({"nome": "X"})).status, 404);
}

#[test]
fn suspend_stops_logins_and_sessions_reactivate_restores_delete_keeps_the_file() {
    let (s, mut root) = com_root();
    let e = s.empresa("loja", Setor::Varejo);
    s.usuario("ana@loja.com", Papel::Admin, Some(&e));
    let mut ana = s.login("ana@loja.com");
    let r = root.post(&format!("/api/admin/empresas/{}/suspender", e.id), &json!({}));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["ativo"], false);
    assert_eq!(ana.get("/api/catalogo").status, 401, "live session stops");
    let r = s.client().post("/api/login", &json!({"email": "ana@loja.com", "senha": "senha-de-teste"}));
    assert_eq!((r.status, codigo(&r).as_str()), (409, "empresa_suspensa"));
    let r = root.get(&format!("/api/admin/empresas/{}/catalogo", e.id));
    assert_eq!(r.status, 200, "the superadmin still acts inside a suspended empresa");
    let r = root.post(&format!("/api/admin/empresas/{}/reativar", e.id), &json!({}));
    assert_eq!(r.json()["ativo"], true);
    let mut ana = s.login("ana@loja.com");
    assert_eq!(ana.get("/api/catalogo").status, 200);
    let r = root.delete(&format!("/api/admin/empresas/{}", e.id));
    assert_eq!((r.status, r.json()["ativo"].as_bool()), (200, Some(false)));
    assert_eq!(ana.get("/api/catalogo").status, 401);
    assert!(s.app.tenants.path_of(&e.database_name).is_file(), "delete keeps the file");
    assert_eq!(root.get(&format!("/api/admin/empresas/{}", e.id)).status, 200, "row kept");
    assert_eq!(root.post("/api/admin/empresas/999/suspender", &json!({})).status, 404);
}

#[test]
fn purge_only_when_suspended_removes_file_users_and_row_but_keeps_audit() {
    let (s, mut root) = com_root();
    let keep = s.empresa("fica", Setor::Varejo);
    let e = s.empresa("sai", Setor::Veiculos);
    s.usuario("ana@sai.com", Papel::Admin, Some(&e));
    let path = format!("/api/admin/empresas/{}/purgar", e.id);
    let r = root.post(&path, &json!({"confirmar_slug": "sai"}));
    assert_eq!((r.status, codigo(&r).as_str()), (409, "empresa_ativa"));
    root.post(&format!("/api/admin/empresas/{}/catalogo", e.id), &json!({"nome": "Uno", "preco_centavos": 1}));
    let plano = root.post("/api/admin/planos", &json!({"nome": "P"})).json();
    let a = root.post("/api/admin/assinaturas", &json!({"empresa_id": e.id, "plano_id": plano["id"]})).json();
    root.post("/api/admin/pagamentos", &json!({"assinatura_id": a["id"], "valor_centavos": 5000}));
    assert_eq!(root.delete(&format!("/api/admin/empresas/{}", e.id)).status, 200);
    let r = root.post(&path, &json!({"confirmar_slug": "fica"}));
    assert_eq!((r.status, codigo(&r).as_str()), (400, "confirmacao_invalida"));
    let file = s.app.tenants.path_of(&e.database_name);
    assert!(file.is_file());
    let r = root.post(&path, &json!({"confirmar_slug": "sai"}));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(
        (v["usuarios"].as_i64(), v["assinaturas"].as_i64(), v["pagamentos"].as_i64()),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(v["arquivo_removido"], true);
    for suffix in ["", "-wal", "-shm"] {
        let mut p = file.clone().into_os_string();
        p.push(suffix);
        assert!(!std::path::Path::new(&p).exists(), "{p:?} removed");
    }
    assert_eq!(root.get(&format!("/api/admin/empresas/{}", e.id)).status, 404);
    assert!(s.app.central.usuario_por_email("ana@sai.com").expect("q").is_none());
    assert_eq!(root.get(&format!("/api/admin/assinaturas?empresa_id={}", e.id)).json()["itens"], json!([]));
    let audit = root.get(&format!("/api/admin/auditoria?empresa_id={}", e.id)).json();
    let acoes: Vec<&str> =
        audit["itens"].as_array().expect("itens").iter().filter_map(|a| a["acao"].as_str()).collect();
    assert_eq!(acoes.first(), Some(&"empresa.purgar"), "{acoes:?}");
    assert!(acoes.contains(&"empresa.excluir") && acoes.contains(&"superadmin.acesso_tenant"), "{acoes:?}");
    assert!(s.app.tenants.path_of(&keep.database_name).is_file(), "other tenants untouched");
    // The purged id is never handed out again, so its audit rows keep meaning that empresa.
    let novo = root.post("/api/admin/empresas", &json!({"nome": "Sai", "slug": "sai", "setor": "veiculos"})).json();
    assert!(novo["id"].as_i64() > Some(e.id.0), "{novo}");
    assert_eq!(root.post("/api/admin/empresas/999/purgar", &json!({"confirmar_slug": "x"})).status, 404);
}
