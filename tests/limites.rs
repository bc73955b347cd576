//! Input limits over real HTTP (issue #17): search and filter terms are capped and taken
//! literally, API bodies must be JSON objects with unique keys, and a webhook body that
//! repeats a key is refused instead of acknowledged with nothing stored.

use helixai::domain::{Papel, Setor};
use helixai::store::tenant::inbox::MensagemFixture;
use serde_json::{json, Value};

use crate::support::evolution::{conectar, upsert_texto};
use crate::support::fake_evolution::FakeEvolution;
use crate::support::fake_graph::FakeGraph;
use crate::support::http::{request, Resp};
use crate::support::server::{Client, TestServer};
use crate::support::whatsapp::*;

/// Sends raw bytes as an API call of `c` (session cookie, CSRF header).
fn bruto(c: &Client, method: &str, path: &str, corpo: &[u8]) -> Resp {
    let cookie = c.cookie.clone().map(|v| format!("helixai_sessao={v}"));
    let mut headers = vec![("X-HelixAI-CSRF", "1"), ("Content-Type", "application/json")];
    if let Some(v) = &cookie {
        headers.push(("Cookie", v));
    }
    request(c.addr, method, path, &headers, corpo)
}

fn codigo(r: &Resp) -> String {
    r.json()["erro"]["codigo"].as_str().unwrap_or_default().to_owned()
}

fn nomes(r: Resp) -> Vec<String> {
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let itens = v["itens"].as_array().cloned().unwrap_or_default();
    itens.iter().map(|i| i["nome"].as_str().or(i["lead_nome"].as_str()).unwrap_or_default().to_owned()).collect()
}

#[test]
fn long_terms_are_400_and_percent_and_underscore_are_literal() {
    let s = TestServer::start();
    let carros = s.empresa("carros", Setor::Veiculos);
    let casas = s.empresa("casas", Setor::Imoveis);
    let pecas = s.empresa("pecas", Setor::Autopecas);
    for (email, e) in [("a@carros.com", &carros), ("a@casas.com", &casas), ("a@pecas.com", &pecas)] {
        s.usuario(email, Papel::Admin, Some(e));
    }
    s.usuario("root@revenda.com", Papel::Superadmin, None);
    let mut c_carros = s.login("a@carros.com");
    let mut c_casas = s.login("a@casas.com");
    let mut c_pecas = s.login("a@pecas.com");
    let mut root = s.login("root@revenda.com");
    for (nome, modelo) in [("Gol 50% revisado", "Gol_G5"), ("Gol 5000 km", "GolXG5")] {
        let item = json!({"nome": nome, "preco_centavos": 100,
            "atributos": {"marca": "VW", "modelo": modelo, "ano": 2015}});
        assert_eq!(c_carros.post("/api/catalogo", &item).status, 201);
    }
    for (nome, bairro) in [("Casa", "Vila_Nova"), ("Sobrado", "VilaXNova")] {
        let casa = json!({"nome": nome, "atributos": {"tipo": "Casa", "finalidade": "venda", "bairro": bairro}});
        assert_eq!(c_casas.post("/api/catalogo", &casa).status, 201);
    }
    for (nome, codigo) in [("Filtro", "5U0_698"), ("Vela", "5U0X698")] {
        let peca = json!({"nome": nome, "atributos": {"codigo_oem": codigo, "aplicacao": "Gol"}});
        assert_eq!(c_pecas.post("/api/catalogo", &peca).status, 201);
    }
    let db = s.app.tenant_db(&carros).expect("db");
    for (fone, nome) in [("5511900000001", "Ana 100%"), ("5511900000002", "Ana 1000")] {
        let lead = db.lead_upsert_wa(fone, Some(nome)).expect("lead");
        let m = MensagemFixture { direcao: "entrada", autor: "cliente", texto: "oi", status: "recebida" };
        db.inbox_inserir_conversa_fixture(lead, &[m]).expect("conversa");
    }

    // Over 50,000 bytes SQLite refuses the LIKE pattern: that was a 500. Now every search
    // and setor filter, in the empresa's own area and the superadmin's, is capped at 200.
    let longo = "a".repeat(50_001);
    let admin = |caminho: &str, e: &helixai::store::central::Empresa| format!("/api/admin/empresas/{}{caminho}", e.id);
    let casos = [
        (c_carros.clone(), "/api/catalogo?q="),
        (c_carros.clone(), "/api/catalogo?marca="),
        (c_carros.clone(), "/api/catalogo?modelo="),
        (c_carros.clone(), "/api/conversas?q="),
        (c_casas.clone(), "/api/catalogo?bairro="),
        (c_pecas.clone(), "/api/catalogo?codigo_oem="),
        (c_pecas.clone(), "/api/catalogo?aplicacao="),
    ];
    for (mut c, caminho) in casos {
        let r = c.get(&format!("{caminho}{longo}"));
        assert_eq!((r.status, codigo(&r)), (400, "termo_muito_longo".into()), "{caminho}: {}", r.text());
        assert!(r.json()["erro"]["mensagem"].as_str().unwrap_or_default().contains("200 caracteres"));
        assert_eq!(
            c.get(&format!("{caminho}{}", "%C3%A1".repeat(200))).status,
            200,
            "{caminho}: 200 characters are fine"
        );
    }
    for caminho in
        [admin("/catalogo?q=", &carros), admin("/catalogo?modelo=", &carros), admin("/conversas?q=", &carros)]
    {
        let r = root.get(&format!("{caminho}{longo}"));
        assert_eq!((r.status, codigo(&r)), (400, "termo_muito_longo".into()), "{caminho}");
    }
    let r = root.get(&format!("{}{}", admin("/catalogo?bairro=", &casas), "b".repeat(201)));
    assert_eq!((r.status, codigo(&r)), (400, "termo_muito_longo".into()));

    // `%` and `_` are what the person typed, not wildcards.
    assert_eq!(nomes(c_carros.get("/api/catalogo?q=50%25")), ["Gol 50% revisado"]);
    assert_eq!(nomes(c_carros.get("/api/catalogo?modelo=Gol_G5")), ["Gol 50% revisado"]);
    assert!(nomes(c_carros.get("/api/catalogo?q=%25")).len() == 1, "a lone % matches only a literal %");
    // (The inbox's `q` is a full-text search of words since issue #21: `%` is punctuation there,
    // never a wildcard.)
    assert_eq!(nomes(c_carros.get("/api/conversas?q=%25")), Vec::<String>::new(), "a lone % finds no one");
    assert_eq!(nomes(c_casas.get("/api/catalogo?bairro=a_N")), ["Casa"]);
    assert_eq!(nomes(c_pecas.get("/api/catalogo?codigo_oem=0_6")), ["Filtro"]);
}

#[test]
fn api_bodies_must_be_objects_with_unique_keys() {
    let s = TestServer::start();
    let e = s.empresa("loja", Setor::Veiculos);
    s.usuario("ana@loja.com", Papel::Admin, Some(&e));
    let db = s.app.tenant_db(&e).expect("db");
    let lead = db.lead_upsert_wa("5511999990000", Some("Cliente")).expect("lead");
    let mut c = s.login("ana@loja.com");
    let caminho = format!("/api/leads/{}", lead.0);

    // serde fills a struct's fields by position from an array: this changed the lead.
    let r = bruto(&c, "PATCH", &caminho, br#"["perdido", "x", null]"#);
    assert_eq!((r.status, codigo(&r)), (400, "json_nao_objeto".into()), "{}", r.text());
    assert!(r.json()["erro"]["mensagem"].as_str().unwrap_or_default().contains("uma lista"), "{}", r.text());
    assert_eq!(c.get(&caminho).json()["status"], "novo", "the lead did not change");
    for (metodo, rota, corpo) in [
        ("PUT", "/api/bot", &b"[]"[..]),
        ("PUT", "/api/whatsapp", b"[]"),
        ("POST", "/api/catalogo", b"\"Gol\""),
        ("PATCH", caminho.as_str(), b"42"),
        ("PATCH", caminho.as_str(), b"null"),
    ] {
        let r = bruto(&c, metodo, rota, corpo);
        assert_eq!((r.status, codigo(&r)), (400, "json_nao_objeto".into()), "{metodo} {rota}: {}", r.text());
    }
    // A key given twice, at the top or deep inside, is refused and named.
    let r = bruto(&c, "PATCH", &caminho, br#"{"status": "perdido", "status": "novo"}"#);
    assert_eq!((r.status, codigo(&r)), (400, "json_chave_repetida".into()), "{}", r.text());
    assert!(r.text().contains("status"), "{}", r.text());
    let item = br#"{"nome": "Gol", "atributos": {"marca": "VW", "modelo": "Gol", "ano": 2015, "ano": 2016}}"#;
    let r = bruto(&c, "POST", "/api/catalogo", item);
    assert_eq!((r.status, codigo(&r)), (400, "json_chave_repetida".into()), "{}", r.text());
    assert_eq!(db.catalogo_total().expect("total"), 0);
    // Objects still work.
    assert_eq!(c.patch(&caminho, &json!({"status": "perdido"})).json()["status"], "perdido");

    // Logging in with [email, senha] used to work.
    let mut anonimo = s.client();
    let r = bruto(&anonimo, "POST", "/api/login", br#"["ana@loja.com", "senha-de-teste"]"#);
    assert_eq!((r.status, codigo(&r)), (400, "json_nao_objeto".into()), "{}", r.text());
    assert!(r.header("set-cookie").is_none(), "no session");
    assert_eq!(anonimo.get("/api/me").status, 401);
}

/// A Cloud API envelope whose top-level `entry` appears twice, each with one message.
fn envelope_com_entry_duplicado(a: &Value, b: &Value) -> Vec<u8> {
    let entry_b = serde_json::to_string(&b["entry"]).expect("json");
    let mut corpo = serde_json::to_string(a).expect("json");
    assert_eq!(corpo.pop(), Some('}'));
    corpo.push_str(&format!(",\"entry\":{entry_b}}}"));
    corpo.into_bytes()
}

#[test]
fn a_webhook_body_with_a_repeated_key_is_refused_not_acknowledged() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    let db = srv.app.tenant_db(&e).expect("db");
    let a = text_envelope(PID, "wamid.DUP1", "5511988887777", "oi");
    let b = text_envelope(PID, "wamid.DUP2", "5511977776666", "olá");
    let corpo = envelope_com_entry_duplicado(&a, &b);
    let antes = db.contagens().expect("counts");
    let r = post_signed(srv.addr, &corpo, Some(APP_SECRET));
    assert_eq!((r.status, codigo(&r)), (400, "json_chave_repetida".into()), "{}", r.text());
    assert!(r.text().contains("entry"), "the reason names the key: {}", r.text());
    assert_eq!(db.contagens().expect("counts"), antes, "nothing stored");
    // Unsigned, it is a 401 as any other body.
    assert_eq!(post_signed(srv.addr, &corpo, None).status, 401);
    // A key repeated deep inside (`text.body` of a message) is refused too.
    let mut fundo = serde_json::to_string(&a).expect("json");
    fundo = fundo.replacen("\"body\":\"oi\"", "\"body\":\"oi\",\"body\":\"tchau\"", 1);
    let r = post_signed(srv.addr, fundo.as_bytes(), Some(APP_SECRET));
    assert_eq!((r.status, codigo(&r)), (400, "json_chave_repetida".into()), "{}", r.text());
    // Meta's retry of the real thing goes through.
    post_ok(srv.addr, &a);
    assert!(db.mensagem_por_wa_id("wamid.DUP1").expect("q").is_some());
    assert!(db.mensagem_por_wa_id("wamid.DUP2").expect("q").is_none());

    // The Evolution webhook: `data` twice.
    let fake = FakeEvolution::start();
    let c = conectar(&srv, &fake, "loja-qr");
    let dbq = srv.app.tenant_db(&c.empresa).expect("db");
    let um = json!({"event": "messages.upsert", "instance": c.instancia, "apikey": c.token,
        "data": upsert_texto("3ADUP1", "5511988887777@s.whatsapp.net", "oi")});
    let outro = serde_json::to_string(&upsert_texto("3ADUP2", "5511977776666@s.whatsapp.net", "olá")).expect("json");
    let mut corpo = serde_json::to_string(&um).expect("json");
    assert_eq!(corpo.pop(), Some('}'));
    corpo.push_str(&format!(",\"data\":{outro}}}"));
    let r = crate::support::http::request(
        srv.addr,
        "POST",
        &format!("/{}", c.webhook_url.splitn(4, '/').nth(3).expect("path")),
        &[("content-type", "application/json")],
        corpo.as_bytes(),
    );
    assert_eq!((r.status, codigo(&r)), (400, "json_chave_repetida".into()), "{}", r.text());
    assert_eq!(dbq.contagens().expect("counts").2, 0, "nothing stored");
}
