//! Who a customer is, after WhatsApp usernames (issue #17), over real HTTP: a lead carries
//! its phone, BSUID and username; the same BSUID with or without a phone, a known customer
//! who hides the number, a number change, a sender with no key at all, replies to a BSUID,
//! the QR-code channel's `@lid` chats, and the migration that fills the new columns.

use helixai::domain::{Papel, Setor};
use helixai::store::tenant::leads::Lead;
use helixai::store::tenant::TenantDb;
use serde_json::{json, Value};

use crate::support::evolution::{conectar, upsert_texto};
use crate::support::fake_evolution::FakeEvolution;
use crate::support::fake_graph::FakeGraph;
use crate::support::server::TestServer;
use crate::support::whatsapp::*;

/// A text message from `from` (may be "") with, optionally, a BSUID and a username, shaped
/// like Meta's (see `text_bsuid_with_phone.json`).
fn mensagem(wamid: &str, from: &str, user_id: Option<&str>, username: Option<&str>, texto: &str) -> Value {
    let mut v = text_envelope(PID, wamid, from, texto);
    let value = &mut v["entry"][0]["changes"][0]["value"];
    if let Some(u) = user_id {
        value["contacts"][0]["user_id"] = json!(u);
        value["messages"][0]["from_user_id"] = json!(u);
    }
    if let Some(n) = username {
        value["contacts"][0]["profile"]["username"] = json!(n);
    }
    v
}

fn leads(db: &TenantDb) -> Vec<Lead> {
    db.leads_listar(None, 200, None).expect("leads")
}

fn um_lead(db: &TenantDb) -> Lead {
    let todos = leads(db);
    assert_eq!(todos.len(), 1, "one lead: {todos:?}");
    todos.into_iter().next().expect("lead")
}

#[test]
fn the_same_bsuid_with_and_without_a_phone_is_one_lead() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    let db = srv.app.tenant_db(&e).expect("db");
    // Meta's own example: a username user, no phone (`from: ""`, `wa_id: ""`).
    post_ok(srv.addr, &with_pid(fixture("text_bsuid_username_no_phone.json"), PID));
    let lead = um_lead(&db);
    assert_eq!((lead.wa_id.as_deref(), lead.user_id.as_deref()), (None, Some("user.93737...")));
    assert_eq!(lead.username.as_deref(), Some("@realsheenanelson"));
    assert!(lead.identificado);
    // The same person, now with the phone (a Brazilian mobile without its 9th digit).
    post_ok(srv.addr, &mensagem("wamid.B2", "553191819932", Some("user.93737..."), None, "tem azul?"));
    let lead = um_lead(&db);
    assert_eq!(lead.wa_id.as_deref(), Some("5531991819932"), "the phone was filled in, canonical");
    // Then with the phone alone (how messages come before the rollout), in either form.
    post_ok(srv.addr, &mensagem("wamid.B3", "5531991819932", None, None, "e verde?"));
    post_ok(srv.addr, &mensagem("wamid.B4", "553191819932", None, None, "e preta?"));
    // Then the BSUID alone again.
    post_ok(srv.addr, &mensagem("wamid.B5", "", Some("user.93737..."), Some("@sheena"), "obrigada"));
    let lead = um_lead(&db);
    assert_eq!(lead.username.as_deref(), Some("@sheena"), "the latest username is kept");
    let (leads_n, conversas, mensagens, _) = db.contagens().expect("counts");
    assert_eq!((leads_n, conversas, mensagens), (1, 1, 5), "one customer, one conversa");
}

#[test]
fn a_known_customer_who_later_hides_the_number_keeps_the_lead_and_is_answered_at_the_bsuid() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    let db = srv.app.tenant_db(&e).expect("db");
    post_ok(srv.addr, &mensagem("wamid.K1", "5511988887777", Some("US.13491208655302741918"), None, "oi"));
    helixai::jobs::run_once(&srv.app).expect("run");
    let primeira = wait_sends(&graph, 1, std::time::Duration::from_secs(5));
    assert_eq!(primeira[0].body["to"], "5511988887777", "a known phone is where replies go");
    assert!(primeira[0].body.get("recipient").is_none());
    // The customer adopts a username and Meta stops sending the phone.
    post_ok(srv.addr, &mensagem("wamid.K2", "", Some("US.13491208655302741918"), Some("@joana"), "ainda tem?"));
    let lead = um_lead(&db);
    assert_eq!(lead.wa_id.as_deref(), Some("5511988887777"));
    helixai::jobs::run_once(&srv.app).expect("run");
    let envios = wait_sends(&graph, 2, std::time::Duration::from_secs(5));
    assert_eq!(envios.len(), 2);
    assert_eq!(envios[1].body["to"], "5511988887777", "the phone is still known: replies go there");

    // A username user we never knew by phone is answered at the BSUID, in `recipient`.
    post_ok(srv.addr, &mensagem("wamid.K3", "", Some("US.99887766554433221100"), Some("@caio"), "tem camiseta?"));
    assert_eq!(leads(&db).len(), 2);
    helixai::jobs::run_once(&srv.app).expect("run");
    let envios = wait_sends(&graph, 3, std::time::Duration::from_secs(5));
    assert_eq!(envios.len(), 3, "{envios:?}");
    assert_eq!(envios[2].body["recipient"], "US.99887766554433221100");
    assert!(envios[2].body.get("to").is_none(), "no `to` for a BSUID: {}", envios[2].body);
    let m = db.mensagens_todas(100).expect("msgs").into_iter().rev().find(|m| m.direcao == "saida").expect("reply");
    assert_eq!(m.status, "enviada", "Meta accepted the send: {m:?}");
}

#[test]
fn a_number_change_moves_the_lead_and_leaves_a_sistema_line() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    let db = srv.app.tenant_db(&e).expect("db");
    // Meta's examples: Sheena writes from 16505551234, then changes to 12195555358.
    post_ok(srv.addr, &with_pid(fixture("text.json"), PID));
    let antes = um_lead(&db);
    // The notice arrives while the bot job of the first message still waits (its debounce).
    post_ok(srv.addr, &with_pid(fixture("system_user_changed_number.json"), PID));
    helixai::jobs::run_once(&srv.app).expect("run");
    let enviados = sends(&graph).len();
    assert_eq!(enviados, 1, "the first message was answered");
    assert_eq!(db.jobs_ativos_total().expect("jobs"), 0, "the notice queues no job, not even after a reply");
    let lead = um_lead(&db);
    assert_eq!(lead.id, antes.id);
    assert_eq!((lead.wa_id.as_deref(), lead.telefone.as_deref()), (Some("12195555358"), Some("12195555358")));
    let linha = db.mensagem_por_wa_id("wamid.HBgLMTk4MzU1NTE5NzQVAgASGAoxMTgyMDg2MjY3AA==").expect("q").expect("row");
    assert_eq!((linha.autor.as_str(), linha.tipo.as_str()), ("sistema", "system"));
    let texto = linha.texto.clone().unwrap_or_default();
    assert!(texto.contains("+16505551234") && texto.contains("+12195555358"), "{texto}");
    // The next message comes from the new number: the same lead and conversa; the bot
    // answers there, and never sees the notice as something the customer said.
    let env = text_envelope(PID, "wamid.NOVO1", "12195555358", "voltei, agora com outro número");
    post_ok(srv.addr, &env);
    assert_eq!(um_lead(&db).id, antes.id);
    let nova = db.mensagem_por_wa_id("wamid.NOVO1").expect("q").expect("row");
    assert_eq!(nova.conversa_id, linha.conversa_id);
    let para_bot = db.conversa_para_bot(nova.conversa_id, 40).expect("q").expect("c");
    assert_eq!(para_bot.wa_id, "12195555358");
    assert!(para_bot.historico.iter().all(|(autor, _)| autor != "sistema"), "{:?}", para_bot.historico);
    assert_eq!(para_bot.novas.len(), 1, "{:?}", para_bot.novas);
    helixai::jobs::run_once(&srv.app).expect("run");
    let envios = wait_sends(&graph, enviados + 1, std::time::Duration::from_secs(5));
    assert_eq!(envios.last().expect("reply").body["to"], "12195555358");

    // A change to a number another contact already has: nothing moves, and the line says so.
    post_ok(srv.addr, &text_envelope(PID, "wamid.OUTRO", "5511977776666", "oi, sou outra pessoa"));
    let mut aviso = with_pid(fixture("system_user_changed_number.json"), PID);
    let msg = &mut aviso["entry"][0]["changes"][0]["value"]["messages"][0];
    msg["id"] = json!("wamid.AVISO2");
    msg["from"] = json!("12195555358");
    msg["system"]["wa_id"] = json!("5511977776666");
    post_ok(srv.addr, &aviso);
    let todos = leads(&db);
    assert_eq!(todos.len(), 2);
    assert!(todos.iter().any(|l| l.id == antes.id && l.wa_id.as_deref() == Some("12195555358")), "{todos:?}");
    let linha = db.mensagem_por_wa_id("wamid.AVISO2").expect("q").expect("row");
    assert!(linha.texto.unwrap_or_default().contains("já pertence a outro contato"));
}

#[test]
fn senders_with_neither_phone_nor_bsuid_are_kept_apart_shown_and_never_answered() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    let db = srv.app.tenant_db(&e).expect("db");
    for (wamid, nome) in [("wamid.NADA1", "Alguém"), ("wamid.NADA2", "Outra pessoa")] {
        let mut v = text_envelope(PID, wamid, "", "quero comprar");
        v["entry"][0]["changes"][0]["value"]["contacts"] = json!([{"profile": {"name": nome}, "wa_id": ""}]);
        post_ok(srv.addr, &v);
    }
    let mut sem_cartao = text_envelope(PID, "wamid.NADA3", "", "oi?");
    sem_cartao["entry"][0]["changes"][0]["value"].as_object_mut().expect("value").remove("contacts");
    post_ok(srv.addr, &sem_cartao);
    let (leads_n, conversas, mensagens, jobs) = db.contagens().expect("counts");
    assert_eq!((leads_n, conversas, mensagens, jobs), (3, 3, 3, 0), "each on its own lead; no bot job");
    assert!(leads(&db).iter().all(|l| !l.identificado && l.wa_id.is_none() && l.user_id.is_none()));
    helixai::jobs::run_once(&srv.app).expect("run");
    assert!(graph.requests().is_empty(), "nothing was sent: {:?}", graph.requests());
    // The inbox shows them, marked, and refuses a reply it could not deliver.
    srv.usuario("ana@loja.com", Papel::Atendente, Some(&e));
    let mut c = srv.login("ana@loja.com");
    let lista = c.get("/api/conversas").json();
    let itens = lista["itens"].as_array().cloned().unwrap_or_default();
    assert_eq!(itens.len(), 3, "{lista}");
    assert!(itens.iter().all(|i| i["identificado"] == false), "{lista}");
    assert!(itens.iter().any(|i| i["lead_nome"] == "Outra pessoa"), "{lista}");
    let r = c.post(&format!("/api/conversas/{}/responder", itens[0]["id"]), &json!({"texto": "oi"}));
    assert_eq!(
        (r.status, r.json()["erro"]["codigo"].as_str()),
        (409, Some("cliente_nao_identificado")),
        "{}",
        r.text()
    );
    // Nor an attachment: refused before its file is stored.
    let cookie = format!("helixai_sessao={}", c.cookie.clone().unwrap_or_default());
    let r = crate::support::http::request(
        srv.addr,
        "POST",
        &format!("/api/conversas/{}/anexos?nome=foto.jpg", itens[0]["id"]),
        &[("Cookie", &cookie), ("X-HelixAI-CSRF", "1"), ("Content-Type", "image/jpeg")],
        &crate::support::midia::arquivo("foto.jpg"),
    );
    assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (409, Some("cliente_nao_identificado")));
    let pasta = crate::support::midia::pasta_midia(&srv.app, &e);
    assert!(crate::support::midia::arquivos_em(&pasta).is_empty(), "no file kept for a refused attachment");
    assert!(graph.requests().is_empty());
    let lead = c.get(&format!("/api/leads/{}", itens[0]["lead_id"])).json();
    assert_eq!(lead["identificado"], false, "{lead}");
}

#[test]
fn on_the_qr_code_channel_a_lid_chat_is_the_same_lead_as_the_phone() {
    let fake = FakeEvolution::start();
    let srv = TestServer::start_with(crate::support::evolution::config());
    let c = conectar(&srv, &fake, "loja-lid");
    let db = srv.app.tenant_db(&c.empresa).expect("db");
    let emitir = |v: Value| assert_eq!(fake.emitir(&c.instancia, "messages.upsert", v), 200);
    emitir(upsert_texto("3ALID0", "5531991819932@s.whatsapp.net", "oi"));
    // LID addressing with the phone beside it: the same lead learns its LID.
    let mut lid = upsert_texto("3ALID1", "82030184386636@lid", "oi pelo lid");
    lid["key"]["remoteJidAlt"] = json!("553191819932@s.whatsapp.net");
    lid["key"]["addressingMode"] = json!("lid");
    emitir(lid);
    let lead = um_lead(&db);
    assert_eq!((lead.wa_id.as_deref(), lead.user_id.as_deref()), (Some("5531991819932"), Some("82030184386636@lid")));
    // Then the LID alone (the phone hidden): still the same lead, and the reply goes to the LID.
    emitir(upsert_texto("3ALID2", "82030184386636@lid", "e agora?"));
    let lead = um_lead(&db);
    assert_eq!(lead.user_id.as_deref(), Some("82030184386636@lid"));
    let m = db.mensagem_por_wa_id("3ALID2").expect("q").expect("row");
    assert_eq!(db.conversa_para_bot(m.conversa_id, 5).expect("q").expect("c").wa_id, "82030184386636@lid");
    assert_eq!(db.contagens().expect("counts").1, 1, "one conversa");
    // An older build's `senderLid` beside the phone JID is the LID too.
    let mut antigo = upsert_texto("3ALID3", "5511977776666@s.whatsapp.net", "oi");
    antigo["key"]["senderLid"] = json!("11122233344455@lid");
    emitir(antigo);
    emitir(upsert_texto("3ALID4", "11122233344455@lid", "sou eu"));
    assert_eq!(leads(&db).len(), 2, "{:?}", leads(&db));
}

#[test]
fn the_migration_fills_the_new_columns_and_the_lookup_uses_indexes() {
    use helixai::domain::EmpresaId;
    use helixai::store::migrate;
    use helixai::store::tenant::{create_file_at_version, migrate_file};
    let dir = crate::support::TestDir::new();
    let path = dir.path().join("empresa_5_antiga.db");
    let antes = migrate::TENANT.iter().position(|m| m.name == "0011_identidade.sql").expect("0011 is listed") as u32;
    create_file_at_version(&path, EmpresaId(5), "antiga", Setor::Varejo, antes).expect("old file");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        // What older binaries wrote: a phone lead whose messages carry a BSUID, a lead keyed by
        // a BSUID (from ""), one by an `@lid` JID, the empty key, a phone lead from Evolution
        // with a senderLid, and two leads whose messages share one BSUID.
        conn.execute_batch(
            r#"INSERT INTO leads (id, wa_id, nome, telefone) VALUES
                 (1, '5511988887777', 'Ana', '5511988887777'), (2, 'US.22', 'Bia', 'US.22'),
                 (3, '82030184386636@lid', 'Caio', '82030184386636@lid'), (4, '', NULL, ''),
                 (5, '5531991819932', 'Duda', '5531991819932'), (6, '5521911112222', 'Eva', '5521911112222'),
                 (7, '552111112222', 'Eva', '552111112222');
               INSERT INTO conversas (id, lead_id) VALUES (1, 1), (5, 5), (6, 6), (7, 7);
               INSERT INTO mensagens (conversa_id, direcao, autor, texto, wa_message_id, bruto_json) VALUES
                 (1, 'entrada', 'cliente', 'oi', 'w1', '{"from":"5511988887777","id":"w1"}'),
                 (1, 'entrada', 'cliente', 'oi', 'w2', '{"from":"5511988887777","from_user_id":"US.11","id":"w2"}'),
                 (1, 'saida', 'bot', 'olá', 'w3', NULL),
                 (5, 'entrada', 'cliente', 'oi', 'w4', '{"key":{"remoteJid":"5531991819932@s.whatsapp.net","senderLid":"777@lid"}}'),
                 (6, 'entrada', 'cliente', 'oi', 'w5', '{"from_user_id":"US.66"}'),
                 (7, 'entrada', 'cliente', 'oi', 'w6', '{"from_user_id":"US.66"}'),
                 (7, 'entrada', 'cliente', 'não é JSON', 'w7', 'não é JSON');"#,
        )
        .expect("old rows");
    }
    assert!(migrate_file(&path, Setor::Varejo).expect("migrate") >= 1);
    let conn = rusqlite::Connection::open(&path).expect("open");
    type Linha = (i64, Option<String>, Option<String>, Option<String>);
    let linhas: Vec<Linha> = conn
        .prepare("SELECT id, wa_id, user_id, telefone FROM leads ORDER BY id")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect())
        .expect("leads");
    let s = |v: &str| Some(v.to_owned());
    assert_eq!(
        linhas,
        vec![
            (1, s("5511988887777"), s("US.11"), s("5511988887777")),
            (2, None, s("US.22"), None),
            (3, None, s("82030184386636@lid"), None),
            (4, None, None, None),
            (5, s("5531991819932"), s("777@lid"), s("5531991819932")),
            (6, s("5521911112222"), s("US.66"), s("5521911112222")),
            (7, s("552111112222"), None, s("552111112222")),
        ]
    );
    assert_eq!(migrate::user_version(&conn).expect("v"), migrate::tenant_version());
    // The message path's one lookup statement reads both keys through indexes.
    let plano: Vec<String> = conn
        .prepare(
            "EXPLAIN QUERY PLAN SELECT id, wa_id, user_id FROM leads WHERE user_id = ?1 OR wa_id IN (?2, ?3, ?4)
             ORDER BY CASE WHEN user_id = ?1 THEN 0 WHEN wa_id = ?2 THEN 1 WHEN wa_id = ?3 THEN 2 ELSE 3 END LIMIT 2",
        )
        .and_then(|mut s| {
            for i in 1..=s.parameter_count() {
                s.raw_bind_parameter(i, "x")?;
            }
            s.raw_query().mapped(|r| r.get(3)).collect()
        })
        .expect("plan");
    let plano = plano.join(" | ");
    assert!(plano.contains("leads_user_id") && plano.contains("sqlite_autoindex_leads"), "{plano}");
    assert!(!plano.contains("SCAN leads"), "{plano}");
}
