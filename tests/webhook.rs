//! `GET/POST /webhook/whatsapp` over real HTTP: Meta's reference payloads stored once,
//! signatures, malformed and oversized bodies, routing (unknown, suspended, changed by the CLI).

use helixai::domain::Setor;
use helixai::whatsapp::{parse, WebhookEvent};
use serde_json::Value;

use crate::support::fake_graph::FakeGraph;
use crate::support::http::{get, request};
use crate::support::run_bin;
use crate::support::server::TestServer;
use crate::support::whatsapp::*;

#[test]
fn every_reference_payload_is_stored_once_and_redelivery_changes_nothing() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    let db = srv.app.tenant_db(&e).expect("db");
    let mut names: Vec<String> = std::fs::read_dir(reference_dir())
        .expect("reference dir")
        .filter_map(|f| f.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    let mut envelopes = 0;
    for name in &names {
        let v = fixture(name);
        if v["object"] != "whatsapp_business_account" {
            continue; // a send request/response or a bare error object, not a webhook
        }
        envelopes += 1;
        let v = with_pid(v, PID);
        let body = serde_json::to_vec(&v).expect("json");
        let inbound: Vec<(String, String)> = parse(&body)
            .expect("parse")
            .into_iter()
            .filter_map(|ev| match ev {
                WebhookEvent::Inbound(m) => Some((m.wa_message_id.clone(), m.kind_name().to_owned())),
                _ => None,
            })
            .collect();
        let before = db.contagens().expect("counts");
        // Meta's pages reuse example wamids across types; an id seen before is a re-delivery.
        let novos: Vec<&(String, String)> =
            inbound.iter().filter(|(id, _)| db.mensagem_por_wa_id(id).expect("q").is_none()).collect();
        post_ok(srv.addr, &v);
        let after = db.contagens().expect("counts");
        assert_eq!(after.2 - before.2, novos.len() as i64, "{name}: one mensagem per new inbound message");
        for (id, kind) in novos {
            let m = db.mensagem_por_wa_id(id).expect("q").unwrap_or_else(|| panic!("{name}: {id} stored"));
            assert_eq!(&m.tipo, kind, "{name}");
            assert_eq!(m.direcao, "entrada");
        }
        helixai::jobs::run_once(&srv.app).expect("run jobs");
        let sent = sends(&graph).len();
        let stored = db.contagens().expect("counts");
        post_ok(srv.addr, &v);
        helixai::jobs::run_once(&srv.app).expect("run jobs");
        assert_eq!(db.contagens().expect("counts"), stored, "{name}: re-delivery adds no rows");
        assert_eq!(sends(&graph).len(), sent, "{name}: re-delivery sends nothing");
    }
    assert!(envelopes >= 20, "only {envelopes} webhook payloads found");
    // Text-like messages got answers (all from one customer: one conversa, answered in order).
    let sent = sends(&graph);
    assert!(!sent.is_empty(), "the text messages were answered");
    assert!(sent.iter().all(|r| r.path.ends_with(&format!("/{PID}/messages"))));
}

#[test]
fn bad_signature_malformed_json_and_huge_body_store_nothing() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    let db = srv.app.tenant_db(&e).expect("db");
    let before = db.contagens().expect("counts");
    let body = serde_json::to_vec(&text_envelope(PID, "wamid.SIG1", "5511988887777", "oi")).expect("json");
    for (secret, what) in [(None, "missing"), (Some("outro-segredo"), "wrong")] {
        let r = post_signed(srv.addr, &body, secret);
        assert_eq!(r.status, 401, "{what} signature: {}", r.text());
        assert_eq!(r.json()["erro"]["codigo"], "assinatura_invalida");
    }
    let mut tampered = body.clone();
    tampered.push(b' ');
    let sig = helixai::whatsapp::sign(APP_SECRET.as_bytes(), &body);
    let r = request(srv.addr, "POST", "/webhook/whatsapp", &[("X-Hub-Signature-256", &sig)], &tampered);
    assert_eq!(r.status, 401, "a signature over other bytes");
    let bad = b"{\"object\": \"whatsapp_business_account\", \"entry\": [";
    assert_eq!(post_signed(srv.addr, bad, Some(APP_SECRET)).status, 400, "malformed JSON");
    assert_eq!(post_signed(srv.addr, bad, None).status, 401, "malformed and unsigned");
    let mut huge = text_envelope(PID, "wamid.HUGE", "5511988887777", "x");
    let acima = srv.app.config.max_webhook_bytes + 1;
    huge["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = Value::String("a".repeat(acima));
    let huge = serde_json::to_vec(&huge).expect("json");
    assert_eq!(post_signed(srv.addr, &huge, Some(APP_SECRET)).status, 413, "oversized body");
    assert_eq!(db.contagens().expect("counts"), before, "nothing stored");
    assert!(srv.app.central.trabalho_listar().expect("pending").is_empty());
}

#[test]
fn unknown_number_is_acknowledged_and_counted() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    for n in 0..2 {
        post_ok(srv.addr, &text_envelope("999000111", &format!("wamid.UNK{n}"), "5511988887777", "oi"));
    }
    let unrouted = srv.app.central.numeros_nao_roteados(100).expect("list");
    assert_eq!(unrouted.len(), 1);
    assert_eq!((unrouted[0].phone_number_id.as_str(), unrouted[0].total), ("999000111", 2));
    assert_eq!(srv.app.tenant_db(&e).expect("db").contagens().expect("counts").2, 0);
}

#[test]
fn suspended_empresa_keeps_messages_without_reply() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    srv.app.central.empresa_definir_ativo(e.id, false).expect("suspend");
    post_ok(srv.addr, &text_envelope(PID, "wamid.SUSP", "5511988887777", "tem camiseta?"));
    helixai::jobs::run_once(&srv.app).expect("run");
    let db = srv.app.tenant_db(&e).expect("db");
    assert!(db.mensagem_por_wa_id("wamid.SUSP").expect("q").is_some(), "stored");
    assert_eq!(db.contagens().expect("counts").3, 0, "no job");
    assert!(sends(&graph).is_empty(), "no reply");
}

#[test]
fn verification_echoes_the_challenge_only_for_the_right_token() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let ok = get(
        srv.addr,
        "/webhook/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=token-de-verificacao",
    );
    assert_eq!(ok.status, 200);
    assert_eq!(ok.text(), "1158201444");
    assert!(ok.header("content-type").is_some_and(|c| c.starts_with("text/plain")));
    for q in [
        "hub.mode=subscribe&hub.challenge=1&hub.verify_token=errado",
        "hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=token-de-verificacao",
        "hub.mode=subscribe&hub.challenge=1",
    ] {
        let r = get(srv.addr, &format!("/webhook/whatsapp?{q}"));
        assert_eq!(r.status, 403, "{q}");
        assert_eq!(r.json()["erro"]["codigo"], "proibido");
    }
}

#[test]
fn empresa_secret_overrides_the_global_one_and_cli_changes_route_at_once() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    let db = srv.app.tenant_db(&e).expect("db");
    // A first webhook fills the routing cache, read under the central db's commit mark.
    post_ok(srv.addr, &text_envelope(PID, "wamid.ANTES", "5511988887777", "oi"));
    assert!(db.mensagem_por_wa_id("wamid.ANTES").expect("q").is_some());
    let marca = srv.app.central.marca_de_commit().expect("the commit mark is read once the generation was");
    assert!(srv.app.central.empresa(e.id).expect("read").is_some());
    assert_eq!(srv.app.central.marca_de_commit(), Some(marca), "a read commits nothing");
    // The CLI, in another process, gives the empresa its own app secret and a new number.
    let (code, out, err) = run_bin(
        &srv.dir.data(),
        &["tenant", "set", "loja", "--whatsapp-phone-number-id", "5550001", "--app-secret-stdin"],
        Some("segredo-proprio-da-loja\n"),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("segredo-proprio-da-loja"), "secrets are never printed: {out}");
    assert_ne!(srv.app.central.marca_de_commit(), Some(marca), "the other process's commit moved the mark");
    let body = serde_json::to_vec(&text_envelope("5550001", "wamid.OWN", "5511988887777", "oi")).expect("json");
    assert_eq!(post_signed(srv.addr, &body, Some(APP_SECRET)).status, 401, "global secret no longer valid");
    assert_eq!(post_signed(srv.addr, &body, Some("segredo-proprio-da-loja")).status, 200);
    assert!(db.mensagem_por_wa_id("wamid.OWN").expect("q").is_some(), "routed by the new number");
    // The old number is no longer this empresa's.
    post_ok(srv.addr, &text_envelope(PID, "wamid.OLD", "5511988887777", "oi"));
    assert!(db.mensagem_por_wa_id("wamid.OLD").expect("q").is_none());
    assert_eq!(srv.app.central.numeros_nao_roteados(100).expect("list")[0].phone_number_id, PID);
    // The router keeps the decrypted secret between webhooks; a new one still counts at once.
    let (code, _, err) =
        run_bin(&srv.dir.data(), &["tenant", "set", "loja", "--app-secret-stdin"], Some("segredo-novo\n"), &[]);
    assert_eq!(code, 0, "{err}");
    let body = serde_json::to_vec(&text_envelope("5550001", "wamid.NOVO", "5511988887777", "oi")).expect("json");
    assert_eq!(post_signed(srv.addr, &body, Some("segredo-proprio-da-loja")).status, 401, "the old secret is gone");
    assert_eq!(post_signed(srv.addr, &body, Some("segredo-novo")).status, 200);
}

#[test]
fn a_tenant_that_cannot_store_keeps_its_events_journaled_until_it_can() {
    use helixai::domain::Papel;
    use helixai::pipeline::journal::JournalStats;
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    let outra = empresa_com_canal(&srv.app, "outra", Setor::Varejo, "200300400", None);
    srv.usuario("root@revenda.com", Papel::Superadmin, None);
    srv.app.tenants.close(e.id);
    let path = srv.app.tenants.path_of(&e.database_name);
    let good = std::fs::read(&path).expect("tenant file");
    std::fs::write(&path, b"not a sqlite file, just garbage bytes to simulate a corrupt tenant....").expect("corrupt");
    // Acknowledged: the event is durably journaled (post_signed waits until the journal has
    // tried the tenant and held it back).
    let body = serde_json::to_vec(&text_envelope(PID, "wamid.DISK", "5511988887777", "oi")).expect("json");
    let r = post_signed(srv.addr, &body, Some(APP_SECRET));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(srv.app.journal.stats(), JournalStats { pendentes: 1, retidas: 1 });
    // The other tenant is not held up.
    post_ok(srv.addr, &text_envelope("200300400", "wamid.OUTRA", "5511977776666", "oi"));
    let db_outra = srv.app.tenant_db(&outra).expect("db");
    assert!(db_outra.mensagem_por_wa_id("wamid.OUTRA").expect("q").is_some(), "the healthy tenant got its message");
    // The superadmin sees which tenant holds events back, and why.
    let sistema = srv.login("root@revenda.com").get("/api/admin/sistema").json();
    let retidas = sistema["entradas_retidas"].as_array().cloned().unwrap_or_default();
    assert_eq!(retidas.len(), 1, "{sistema}");
    assert_eq!((retidas[0]["empresa_id"].as_i64(), retidas[0]["pendentes"].as_u64()), (Some(e.id.0), Some(1)));
    assert!(!retidas[0]["erro"].as_str().unwrap_or_default().is_empty(), "{sistema}");
    assert_eq!(sistema["journal"]["retidas"], 1);
    // The file comes back: the journal applies the event on its next try, without Meta
    // having to deliver it again.
    std::fs::write(&path, good).expect("restore");
    srv.app.tenants.close(e.id);
    let limite = std::time::Instant::now() + std::time::Duration::from_secs(40);
    while srv.app.journal.stats().pendentes > 0 {
        assert!(std::time::Instant::now() < limite, "journal never applied the held event");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let db = srv.app.tenant_db(&e).expect("db");
    assert!(db.mensagem_por_wa_id("wamid.DISK").expect("q").is_some());
    assert!(srv.app.journal.retidos().is_empty());
    assert_eq!(db.jobs_ativos_total().expect("jobs"), 1, "its bot job was queued with it");
    assert!(srv.app.central.trabalho_listar().expect("pending").contains(&e.id), "and the tenant marked");
    // A re-delivery by Meta meanwhile changes nothing.
    let antes = db.contagens().expect("counts");
    assert_eq!(post_signed(srv.addr, &body, Some(APP_SECRET)).status, 200);
    assert_eq!(db.contagens().expect("counts"), antes);
}

/// Meta's documented maximum webhook payload is 3 MB (up to 1,000 updates): such a batch
/// must be taken whole (a 413 makes Meta retry it for days, then drop it), while the JSON
/// API keeps its own small cap.
#[test]
fn a_3_mb_batch_of_1000_messages_is_stored_whole_and_the_api_keeps_its_cap() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    assert!(srv.app.config.max_body_bytes < 1024 * 1024, "the API cap of the test server is small");
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    let mut v = text_envelope(PID, "wamid.LOTE0", "5511988880000", "x");
    let modelo = v["entry"][0]["changes"][0]["value"]["messages"][0].clone();
    let mensagens: Vec<Value> = (0..1000)
        .map(|i| {
            let mut m = modelo.clone();
            m["id"] = Value::String(format!("wamid.LOTE{i}"));
            m["from"] = Value::String(format!("55119888{:05}", i % 50));
            m["text"]["body"] = Value::String(format!("mensagem {i:04} ").repeat(200));
            m
        })
        .collect();
    v["entry"][0]["changes"][0]["value"]["messages"] = Value::Array(mensagens);
    let body = serde_json::to_vec(&v).expect("json");
    assert!((2_900_000..=3_145_728).contains(&body.len()), "a ~3 MB envelope: {} bytes", body.len());
    let r = post_signed(srv.addr, &body, Some(APP_SECRET));
    assert_eq!(r.status, 200, "{}", r.text());
    let db = srv.app.tenant_db(&e).expect("db");
    let (leads, conversas, mensagens, _) = db.contagens().expect("counts");
    assert_eq!((leads, conversas, mensagens), (50, 50, 1000), "every message of the batch stored");
    let ultima = db.mensagem_por_wa_id("wamid.LOTE999").expect("q").expect("the last one too");
    assert_eq!(ultima.texto.as_deref().map(str::len), Some("mensagem 0999 ".len() * 200 - 1), "text kept whole");
    // The JSON API is still capped well below that.
    srv.usuario("admin@loja.com", helixai::domain::Papel::Admin, Some(&e));
    let mut c = srv.login("admin@loja.com");
    let grande = serde_json::json!({"nome": "x", "descricao": "a".repeat(srv.app.config.max_body_bytes)});
    let r = c.post("/api/catalogo", &grande);
    assert_eq!(r.status, 413, "{}", r.text());
}
