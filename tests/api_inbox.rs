//! Leads, conversas and mensagens through the real server: filters, pagination, modes.

use helixai::domain::{Papel, Setor};
use helixai::store::tenant::inbox::MensagemFixture;
use serde_json::json;

use crate::support::server::TestServer;

fn msg<'a>(direcao: &'a str, autor: &'a str, texto: &'a str) -> MensagemFixture<'a> {
    MensagemFixture { direcao, autor, texto, status: if direcao == "entrada" { "recebida" } else { "enviada" } }
}

#[test]
fn leads_list_get_patch() {
    let s = TestServer::start();
    let e = s.empresa("loja", Setor::Varejo);
    s.usuario("ana@loja.com", Papel::Admin, Some(&e));
    s.usuario("bia@loja.com", Papel::Atendente, Some(&e));
    let db = s.app.tenant_db(&e).expect("db");
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(db.lead_upsert_wa(&format!("55119999900{i}"), Some(&format!("Cliente {i}"))).expect("lead"));
    }
    let conversa = db.inbox_inserir_conversa_fixture(ids[0], &[msg("entrada", "cliente", "oi")]).expect("c");
    let mut c = s.login("bia@loja.com");

    let p1 = c.get("/api/leads?limite=2").json();
    assert_eq!(p1["itens"].as_array().expect("itens").len(), 2);
    assert_eq!(p1["itens"][0]["nome"], "Cliente 4", "newest first");
    let cur = p1["proximo_cursor"].as_str().expect("cursor").to_owned();
    let p2 = c.get(&format!("/api/leads?limite=2&cursor={cur}")).json();
    assert_eq!(p2["itens"][0]["nome"], "Cliente 2");
    let p3 = c.get(&format!("/api/leads?limite=2&cursor={}", p2["proximo_cursor"].as_str().expect("c"))).json();
    assert_eq!(p3["itens"].as_array().expect("itens").len(), 1);
    assert!(p3["proximo_cursor"].is_null());

    let one = c.get(&format!("/api/leads/{}", ids[0].0)).json();
    assert_eq!(one["conversa_id"], conversa.0);
    assert_eq!(one["status"], "novo");

    let bia = s.app.central.usuario_por_email("bia@loja.com").expect("q").expect("bia");
    let r = c.patch(
        &format!("/api/leads/{}", ids[0].0),
        &json!({"status": "qualificado", "notas": "quer financiar", "responsavel_id": bia.id.0}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!((v["status"].as_str(), v["notas"].as_str()), (Some("qualificado"), Some("quer financiar")));
    assert_eq!(v["responsavel_id"], bia.id.0);
    // Partial: notes cleared, status kept.
    let v = c.patch(&format!("/api/leads/{}", ids[0].0), &json!({"notas": null})).json();
    assert_eq!(v["status"], "qualificado");
    assert!(v["notas"].is_null());
    assert_eq!(v["responsavel_id"], bia.id.0);

    let f = c.get("/api/leads?status=qualificado").json();
    assert_eq!(f["itens"].as_array().expect("itens").len(), 1);
    assert_eq!(c.get("/api/leads?status=inventado").status, 400);
    let r = c.patch(&format!("/api/leads/{}", ids[1].0), &json!({"status": "ganho"}));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["erro"]["codigo"], "status_invalido");
    assert_eq!(c.patch("/api/leads/999", &json!({"status": "vendido"})).status, 404);
    assert_eq!(c.get("/api/leads/abc").status, 400);
}

#[test]
fn conversas_inbox_search_modes_and_messages() {
    let s = TestServer::start();
    let e = s.empresa("loja", Setor::Varejo);
    s.usuario("bia@loja.com", Papel::Atendente, Some(&e));
    let db = s.app.tenant_db(&e).expect("db");
    let joao = db.lead_upsert_wa("5511911110000", Some("João Silva")).expect("lead");
    let maria = db.lead_upsert_wa("5521922220000", Some("Maria Souza")).expect("lead");
    let c1 = db.inbox_inserir_conversa_fixture(joao, &[msg("entrada", "cliente", "tem civic?")]).expect("c");
    let textos: Vec<String> = (0..7).map(|i| format!("mensagem {i}")).collect();
    let mut ms: Vec<MensagemFixture<'_>> = textos.iter().map(|t| msg("entrada", "cliente", t)).collect();
    ms.push(msg("saida", "bot", "resposta final"));
    let c2 = db.inbox_inserir_conversa_fixture(maria, &ms).expect("c");
    let mut c = s.login("bia@loja.com");

    let l = c.get("/api/conversas").json();
    let itens = l["itens"].as_array().expect("itens");
    assert_eq!(itens.len(), 2);
    assert_eq!(itens[0]["id"], c2.0, "most recent first");
    assert_eq!(itens[0]["ultima_mensagem"]["texto"], "resposta final");
    assert_eq!(itens[0]["ultima_mensagem"]["autor"], "bot");
    assert_eq!(itens[0]["nao_lidas"], 7);
    assert_eq!(itens[0]["modo"], "bot");
    assert_eq!(itens[0]["lead_nome"], "Maria Souza");

    // Pagination with the opaque cursor.
    let p1 = c.get("/api/conversas?limite=1").json();
    assert_eq!(p1["itens"][0]["id"], c2.0);
    let p2 = c.get(&format!("/api/conversas?limite=1&cursor={}", p1["proximo_cursor"].as_str().expect("c"))).json();
    assert_eq!(p2["itens"][0]["id"], c1.0);
    assert_eq!(c.get("/api/conversas?cursor=zz").status, 400);

    // Search on name and phone.
    let q = c.get("/api/conversas?q=jo%C3%A3o").json();
    assert_eq!(q["itens"].as_array().expect("i").len(), 1);
    assert_eq!(q["itens"][0]["id"], c1.0);
    let q = c.get("/api/conversas?q=552192").json();
    assert_eq!(q["itens"][0]["id"], c2.0);
    assert_eq!(c.get("/api/conversas?q=%25").json()["itens"].as_array().expect("i").len(), 0, "% is literal");

    // Read, assume, give back.
    assert_eq!(c.post(&format!("/api/conversas/{}/lida", c2.0), &json!({})).status, 204);
    let u = c.get("/api/conversas?nao_lidas=true").json();
    assert_eq!(u["itens"].as_array().expect("i").len(), 1);
    assert_eq!(u["itens"][0]["id"], c1.0);
    let r = c.post(&format!("/api/conversas/{}/assumir", c1.0), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["modo"], "humano");
    assert_eq!(c.get("/api/conversas?modo=humano").json()["itens"][0]["id"], c1.0);
    assert_eq!(c.post(&format!("/api/conversas/{}/devolver", c1.0), &json!({})).json()["modo"], "bot");
    assert_eq!(c.get(&format!("/api/conversas/{}", c1.0)).json()["modo"], "bot");
    assert_eq!(c.get("/api/conversas?modo=robo").status, 400);
    assert_eq!(c.post("/api/conversas/999/assumir", &json!({})).status, 404);

    // Messages: newest page first, oldest → newest inside; cursor goes to older ones.
    let p = c.get(&format!("/api/conversas/{}/mensagens?limite=3", c2.0)).json();
    let t: Vec<&str> = p["itens"].as_array().expect("i").iter().map(|m| m["texto"].as_str().expect("t")).collect();
    assert_eq!(t, ["mensagem 5", "mensagem 6", "resposta final"]);
    let mut cursor = p["proximo_cursor"].as_str().expect("c").to_owned();
    let mut todas = t.len();
    loop {
        let p = c.get(&format!("/api/conversas/{}/mensagens?limite=3&cursor={cursor}", c2.0)).json();
        todas += p["itens"].as_array().expect("i").len();
        match p["proximo_cursor"].as_str() {
            Some(n) => cursor = n.to_owned(),
            None => break,
        }
    }
    assert_eq!(todas, 8);
    let m = c.get(&format!("/api/conversas/{}/mensagens", c1.0)).json();
    assert_eq!(m["itens"][0]["direcao"], "entrada");
    assert_eq!(m["itens"][0]["status"], "recebida");
    assert_eq!(c.get("/api/conversas/999/mensagens").status, 404);
}
