//! The webhook journal (`data/journal.db`): what one process acknowledged and did not apply is
//! applied by the next one, in order, with its bot job; an undecodable row is set aside (kept,
//! counted, never applied) without holding back the rest; events of an empresa that no longer
//! exists are dropped; a clean stop applies what the last webhooks journaled; webhooks racing a
//! running batch of their empresa all land and the journal drains.

use helixai::app::App;
use helixai::config::DataDir;
use helixai::domain::{EmpresaId, Papel, Setor};
use helixai::pipeline::evento::{Evento, MensagemAnotada};
use helixai::pipeline::journal::JournalStats;
use helixai::store::journal::JournalDb;

use crate::support::fake_graph::FakeGraph;
use crate::support::server::TestServer;
use crate::support::whatsapp::*;
use crate::support::TestDir;

fn mensagem(wamid: &str, from: &str, texto: &str) -> Evento {
    Evento::Mensagem(MensagemAnotada {
        wa_message_id: wamid.into(),
        wa_id: from.into(),
        destino: Some(from.into()),
        canal: "whatsapp".into(),
        tipo: "text".into(),
        texto: Some(texto.into()),
        responder: true,
        recebida_ms: 1,
        ..MensagemAnotada::default()
    })
}

#[test]
fn what_a_stopped_process_journaled_is_applied_by_the_next_in_order() {
    let graph = FakeGraph::start(TOKEN);
    let dir = TestDir::new();
    let e = {
        let (app, _) = App::open(DataDir::new(dir.data()), pipeline_config(&graph)).expect("open");
        let e = empresa_com_canal(&app, "loja", Setor::Varejo, PID, None);
        // Journaled (as a webhook would), never applied: no server ran.
        let eventos: Vec<_> = (0..5).map(|i| (e.id, mensagem(&format!("wamid.J{i}"), "5511911112222", "oi"))).collect();
        app.journal.anotar(&eventos).expect("anotar");
        app.journal.anotar(&[(EmpresaId(9_999), mensagem("wamid.X", "5511933334444", "oi"))]).expect("anotar");
        assert_eq!(app.journal.stats(), JournalStats { pendentes: 6, retidas: 0 });
        e
    };
    // Garbage written into the file by hand (a row this binary cannot read).
    let db = JournalDb::open(&DataDir::new(dir.data()).journal_db()).expect("journal");
    db.anotar(&[(e.id, "{\"evento\": \"desconhecido\"}".into())], 2).expect("garbage");
    drop(db);

    let srv = TestServer::start_in(dir, pipeline_config(&graph));
    crate::support::http::esperar_journal(srv.addr);
    let app = &srv.app;
    let db = app.tenant_db(&e).expect("db");
    let ids: Vec<i64> =
        (0..5).map(|i| db.mensagem_por_wa_id(&format!("wamid.J{i}")).expect("q").expect("applied").id.0).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in arrival order: {ids:?}");
    assert_eq!(db.jobs_ativos_total().expect("jobs"), 1, "one bot job for the conversa");
    assert!(app.central.trabalho_listar().expect("pending").contains(&e.id));
    assert_eq!(app.journal.stats(), JournalStats { pendentes: 0, retidas: 0 }, "the unknown empresa's event dropped");
    // The unreadable row is kept aside, and the superadmin sees it.
    assert_eq!(app.journal.invalidas().expect("invalidas"), 1);
    srv.usuario("root@revenda.com", Papel::Superadmin, None);
    let sistema = srv.login("root@revenda.com").get("/api/admin/sistema").json();
    assert_eq!(sistema["entradas_invalidas"], 1, "{sistema}");
    assert_eq!(sistema["journal"]["pendentes"], 0, "{sistema}");
}

/// A data dir with one empresa on the Cloud API channel, its App not serving yet.
fn uma_loja() -> (FakeGraph, TestDir, std::sync::Arc<App>, helixai::store::central::Empresa) {
    let graph = FakeGraph::start(TOKEN);
    let dir = TestDir::new();
    let (app, _) = App::open(DataDir::new(dir.data()), pipeline_config(&graph)).expect("open");
    let e = empresa_com_canal(&app, "loja", Setor::Varejo, PID, None);
    (graph, dir, app, e)
}

#[test]
fn a_clean_stop_applies_what_the_last_webhooks_journaled() {
    let (_graph, _dir, app, e) = uma_loja();
    // Three batches' worth, then a stop right away: the worker finishes its batch and the
    // stop applies the rest.
    let n = 3 * helixai::pipeline::journal::LOTE_MAX - 100;
    let eventos: Vec<_> = (0..n).map(|i| (e.id, mensagem(&format!("wamid.S{i}"), "5511955556666", "oi"))).collect();
    app.journal.anotar(&eventos).expect("anotar");
    let server = helixai::server::start(app.clone()).expect("start");
    server.shutdown();
    assert_eq!(app.journal.stats().pendentes, 0, "the stop applied what was waiting");
    assert_eq!(app.tenant_db(&e).expect("db").contagens().expect("counts").2, n as i64);
}

#[test]
fn webhooks_racing_a_running_batch_of_their_empresa_all_land_and_the_journal_drains() {
    // Rows committed while a batch of the same empresa runs were once applied before their
    // webhook counted them, leaving a phantom count the worker spun on forever; a batch now
    // takes only ids already counted (the unit test in pipeline::journal replays that
    // interleaving). This checks the whole path under that concurrency: every message lands
    // once, nothing stays counted, and the stop deletes every applied row.
    let (_graph, dir, app, e) = uma_loja();
    let server = helixai::server::start(app.clone()).expect("start");
    let (threads, cada) = (4, 300);
    let hs: Vec<_> = (0..threads)
        .map(|t| {
            let app = app.clone();
            std::thread::spawn(move || {
                for i in 0..cada {
                    let ev = mensagem(&format!("wamid.R{t}-{i}"), &format!("55119{t:04}{i:04}"), "oi");
                    app.journal.anotar(&[(e.id, ev)]).expect("anotar");
                }
            })
        })
        .collect();
    for h in hs {
        h.join().expect("thread");
    }
    let limite = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while app.journal.stats().pendentes > 0 && std::time::Instant::now() < limite {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(app.journal.stats(), JournalStats { pendentes: 0, retidas: 0 }, "the journal drained");
    server.shutdown();
    let db = app.tenant_db(&e).expect("db");
    assert_eq!(db.contagens().expect("counts").2, (threads * cada) as i64, "every message landed once");
    let (no_arquivo, invalidas) =
        JournalDb::open(&DataDir::new(dir.data()).journal_db()).expect("journal").totais().expect("totais");
    assert_eq!((no_arquivo, invalidas), (0, 0), "a clean stop deleted every applied row");
}

#[test]
fn a_first_contact_opens_its_conversa_with_the_same_bookkeeping_as_a_reused_one() {
    // The first message of a new customer skips the conversa lookup and update (its INSERT
    // carries them); a reused conversa is updated. Both must leave the same row behind.
    let (_graph, dir, app, e) = uma_loja();
    let empresa_msg = |wamid: &str, texto: &str| match mensagem(wamid, "5511922223333", texto) {
        Evento::Mensagem(m) => Evento::Mensagem(MensagemAnotada { da_empresa: true, responder: false, ..m }),
        outro => outro,
    };
    let em = |wamid: &str, from: &str, destino: &str, ms: i64| match mensagem(wamid, from, "oi") {
        Evento::Mensagem(m) => {
            Evento::Mensagem(MensagemAnotada { destino: Some(destino.into()), recebida_ms: ms, ..m })
        }
        outro => outro,
    };
    let aplicar = |eventos: &[(EmpresaId, Evento)]| {
        app.journal.anotar(eventos).expect("anotar");
        helixai::pipeline::journal::aplicar_pendentes(&app);
        assert_eq!(app.journal.stats().pendentes, 0);
    };
    aplicar(&[
        // A new customer writes twice (the second reuses the conversa).
        (e.id, em("wamid.F1", "5511911110000", "5511911110000", 1_000)),
        (e.id, em("wamid.F2", "5511911110000", "551111110000", 2_000)),
        // Another new customer writes once.
        (e.id, em("wamid.F3", "5511944440000", "5511944440000", 3_000)),
        // The business writes first to a third customer (Evolution fromMe).
        (e.id, empresa_msg("wamid.F4", "olá, temos ofertas")),
    ]);
    let db = app.tenant_db(&e).expect("db");
    let path = dir.data().join("tenants").join(format!("{}.db", e.database_name.as_str()));
    let conn = rusqlite::Connection::open(path).expect("open");
    let linha = |wa_id: &str| -> (i64, i64, Option<String>, bool, i64) {
        conn.query_row(
            "SELECT COUNT(*) OVER (), c.nao_lidas, c.destino, c.ultima_mensagem_em IS NOT NULL, c.ultima_entrada_ms
             FROM conversas c JOIN leads l ON l.id = c.lead_id WHERE l.wa_id = ?1",
            [wa_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .expect("conversa")
    };
    assert_eq!(linha("5511911110000"), (1, 2, Some("551111110000".into()), true, 2_000), "reused: updated");
    assert_eq!(linha("5511944440000"), (1, 1, Some("5511944440000".into()), true, 3_000), "opened by the message");
    assert_eq!(
        linha("5511922223333"),
        (1, 0, Some("5511922223333".into()), true, 0),
        "opened by the business: nothing unread, no inbound time"
    );
    // The customer answers the business: the same conversa, updated as a customer's message.
    aplicar(&[(e.id, em("wamid.F5", "5511922223333", "5511922223333@s.whatsapp.net", 5_000))]);
    assert_eq!(linha("5511922223333"), (1, 1, Some("5511922223333@s.whatsapp.net".into()), true, 5_000));
    assert_eq!(db.leads_total().expect("leads"), 3);
    assert_eq!(db.contagens().expect("counts").2, 5, "every message stored");
}
