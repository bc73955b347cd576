//! Search in the inbox (`GET /api/conversas?q=`) over what was said, the customer's name and
//! phone: accent- and case-insensitive (SQLite FTS5 per tenant), written in the same
//! transaction as the message by the webhook's journal batch, literal whatever the user types,
//! paged without repeats, and built for files from before the index (migration backfill).

use helixai::domain::{EmpresaId, Papel, Setor};
use helixai::store::migrate;
use helixai::store::tenant::inbox::MensagemFixture;
use helixai::store::tenant::{create_file_at_version, migrate_file};
use helixai::store::tenants::{DatabaseName, TenantKey, TenantManager};
use serde_json::{json, Value};

use crate::support::fake_graph::FakeGraph;
use crate::support::server::{Client, TestServer};
use crate::support::whatsapp::*;
use crate::support::TestDir;

fn envelope(wamid: &str, de: &str, nome: &str, texto: &str) -> Value {
    let mut v = text_envelope(PID, wamid, de, texto);
    v["entry"][0]["changes"][0]["value"]["contacts"][0]["profile"]["name"] = json!(nome);
    v
}

/// `(conversa ids, lead names, trecho texts)` of a search.
fn buscar(c: &mut Client, q: &str) -> (Vec<i64>, Vec<String>, Vec<String>) {
    let r = c.get(&format!("/api/conversas?q={}", urlencode(q)));
    assert_eq!(r.status, 200, "q={q}: {}", r.text());
    let v = r.json();
    let itens = v["itens"].as_array().cloned().unwrap_or_default();
    (
        itens.iter().map(|i| i["id"].as_i64().expect("id")).collect(),
        itens.iter().map(|i| i["lead_nome"].as_str().unwrap_or("").to_owned()).collect(),
        itens.iter().map(|i| i["trecho"]["texto"].as_str().unwrap_or("").to_owned()).collect(),
    )
}

#[test]
fn words_names_and_phones_are_found_accent_insensitively() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "carros", Setor::Veiculos, PID, None);
    srv.usuario("bia@carros.com", Papel::Atendente, Some(&e));
    post_ok(srv.addr, &envelope("wamid.B1", "5511911110000", "João Silva", "Vocês têm o Ônix 2020 à venda?"));
    post_ok(
        srv.addr,
        &envelope("wamid.B2", "5521922220000", "Maria Souza", "Quero um Corolla automático, aceita troca?"),
    );
    post_ok(srv.addr, &envelope("wamid.B3", "5531933330000", "Zé", "bom dia"));
    let mut c = srv.login("bia@carros.com");
    // The journal applied each message in its batch transaction: searchable at once.
    let (ids, nomes, trechos) = buscar(&mut c, "onix");
    assert_eq!(nomes, ["João Silva"]);
    assert_eq!(trechos, ["Vocês têm o Ônix 2020 à venda?"], "the matching message is shown");
    let joao = ids[0];
    for q in ["ÔNIX", "Onix 2020", "voces tem", "venda onix", "ôni"] {
        assert_eq!(buscar(&mut c, q).0, [joao], "q={q}");
    }
    let (ids, nomes, _) = buscar(&mut c, "automatico corolla");
    assert_eq!(nomes, ["Maria Souza"]);
    let maria = ids[0];
    assert_eq!(buscar(&mut c, "cor").0, [maria], "a prefix");
    // Names, without accents or case; phones by any run of their digits.
    assert_eq!(buscar(&mut c, "joao").0, [joao]);
    assert_eq!(buscar(&mut c, "SOUZA").0, [maria]);
    assert_eq!(buscar(&mut c, "2192222").0, [maria]);
    assert_eq!(buscar(&mut c, "(21) 92222-0000").0, [maria]);
    assert_eq!(buscar(&mut c, "55").0.len(), 0, "two digits are not a phone search");
    // Whatever the user types is literal: FTS5 syntax, LIKE wildcards.
    for q in [r#"""#, "*", "NEAR", "%", "_", "onix OR maria", "(", "-", "AND", "\\", "'"] {
        let r = c.get(&format!("/api/conversas?q={}", urlencode(q)));
        assert_eq!(r.status, 200, "q={q}: {}", r.text());
        assert_eq!(r.json()["itens"].as_array().map(Vec::len), Some(0), "q={q}");
    }
    assert_eq!(buscar(&mut c, r#"corolla""#).0, [maria], "a stray quote is ignored");
    assert_eq!(buscar(&mut c, "onix*").0, [joao]);
    // The other filters apply to the results too.
    assert_eq!(c.get("/api/conversas?q=onix&modo=humano").json()["itens"].as_array().map(Vec::len), Some(0));
    let r = c.get(&format!("/api/conversas?q={}", "a".repeat(201)));
    assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (400, Some("termo_muito_longo")));
    assert_eq!(c.get(&format!("/api/conversas?q={}", "a".repeat(200))).status, 200);
    // The index matches the rows exactly.
    srv.app.tenant_db(&e).expect("db").busca_verificar().expect("FTS5 integrity-check");
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[test]
fn pages_of_results_never_repeat_a_conversa() {
    let s = TestServer::start();
    let e = s.empresa("pecas", Setor::Autopecas);
    s.usuario("bia@pecas.com", Papel::Atendente, Some(&e));
    let db = s.app.tenant_db(&e).expect("db");
    let textos: Vec<String> = (0..4).map(|i| format!("pneu aro {i} para o carro")).collect();
    let mut esperadas = Vec::new();
    for i in 0..23 {
        let lead = db.lead_upsert_wa(&format!("55119{i:08}"), Some(&format!("Cliente {i}"))).expect("lead");
        let mut ms: Vec<MensagemFixture<'_>> = textos
            .iter()
            .map(|t| MensagemFixture { direcao: "entrada", autor: "cliente", texto: t, status: "recebida" })
            .collect();
        ms.push(MensagemFixture { direcao: "saida", autor: "bot", texto: "temos sim", status: "enviada" });
        esperadas.push(db.inbox_inserir_conversa_fixture(lead, &ms).expect("conversa").0);
    }
    // One whose lead's name matches too: listed once, by its newest message.
    let pneu = db.lead_upsert_wa("5511900000999", Some("Pneu Center")).expect("lead");
    let so_nome = db
        .inbox_inserir_conversa_fixture(
            pneu,
            &[MensagemFixture { direcao: "entrada", autor: "cliente", texto: "oi", status: "recebida" }],
        )
        .expect("c")
        .0;
    let mut c = s.login("bia@pecas.com");
    let mut vistos = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(k) => format!("/api/conversas?q=pneu&limite=5&cursor={k}"),
            None => "/api/conversas?q=pneu&limite=5".to_owned(),
        };
        let v = c.get(&url).json();
        let itens = v["itens"].as_array().cloned().unwrap_or_default();
        assert!(itens.len() <= 5);
        vistos.extend(itens.iter().map(|i| i["id"].as_i64().expect("id")));
        match v["proximo_cursor"].as_str() {
            Some(k) => cursor = Some(k.to_owned()),
            None => break,
        }
        assert!(vistos.len() < 100, "never ends");
    }
    let mut unicos = vistos.clone();
    unicos.sort_unstable();
    unicos.dedup();
    assert_eq!(unicos.len(), vistos.len(), "no repeats: {vistos:?}");
    assert_eq!(vistos.len(), 24, "{vistos:?}");
    assert_eq!(vistos[0], so_nome, "newest activity first (its name matched)");
    esperadas.reverse();
    assert_eq!(&vistos[1..], esperadas.as_slice(), "then by newest matching message");
    assert_eq!(c.get("/api/conversas?q=pneu&cursor=7a7a").status, 400);
}

#[test]
fn a_file_from_before_the_index_is_indexed_by_the_migration() {
    let dir = TestDir::new();
    let tenants = dir.path().join("tenants");
    std::fs::create_dir_all(&tenants).expect("mkdir");
    let name = DatabaseName::parse("empresa_5_antiga").expect("name");
    let mgr = TenantManager::new(&tenants, 4);
    let path = mgr.path_of(&name);
    let antes = migrate::TENANT.iter().position(|m| m.name == "0009_inbox.sql").expect("the search migration");
    create_file_at_version(&path, EmpresaId(5), "antiga", Setor::Varejo, antes as u32).expect("old file");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch(
            "INSERT INTO leads (id, wa_id, nome, telefone) VALUES (1, '5511988887777', 'Joaquim Araújo', '5511988887777');
             INSERT INTO conversas (id, lead_id) VALUES (1, 1);
             INSERT INTO mensagens (conversa_id, direcao, autor, texto) VALUES (1, 'entrada', 'cliente', 'Preciso de uma geladeira inox');",
        )
        .expect("old rows");
    }
    assert!(migrate_file(&path, Setor::Varejo).expect("migrate") >= 1);
    let db = mgr.get(&TenantKey { id: EmpresaId(5), database_name: name, setor: Setor::Varejo }).expect("open");
    db.busca_verificar().expect("index built from the old rows");
    let f = |q: &str| helixai::store::tenant::inbox::FiltroConversas {
        texto: Some(q.into()),
        limite: 10,
        ..Default::default()
    };
    assert_eq!(db.inbox_conversas(&f("geladeira")).expect("q").len(), 1);
    assert_eq!(db.inbox_conversas(&f("araujo")).expect("q").len(), 1);
    let old = db.inbox_conversa(helixai::domain::ConversaId(1)).expect("q").expect("c");
    assert!(!old.nova, "conversas from before the upgrade do not alert");
}

#[test]
fn the_bundled_sqlite_has_fts5() {
    let conn = rusqlite::Connection::open_in_memory().expect("open");
    let ok: bool =
        conn.query_row("SELECT sqlite_compileoption_used('ENABLE_FTS5')", [], |r| r.get(0)).expect("compile options");
    assert!(ok, "rusqlite's `bundled` feature compiles SQLite with FTS5 (libsqlite3-sys build.rs)");
}
