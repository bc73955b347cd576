//! Crash safety of the pipeline with the real binary: `kill -9` between the webhook's 200 and
//! the reply, and between composing the reply and sending it; after restart the fake Graph
//! receives each reply exactly once.

use std::process::Child;
use std::time::Duration;

use helixai::clock::unix_now_ms;
use helixai::config::{DataDir, ServerConfig};
use helixai::store::tenant::conversas::NovaEntrada;

use crate::cli::spawn_serve;
use crate::support::fake_graph::FakeGraph;
use crate::support::whatsapp::*;
use crate::support::{run_bin, TestDir};

fn setup(data: &std::path::Path) {
    let (code, _, err) =
        run_bin(data, &["tenant", "create", "--nome", "Loja", "--slug", "loja", "--setor", "varejo"], None, &[]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run_bin(
        data,
        &["tenant", "set", "loja", "--whatsapp-phone-number-id", PID, "--whatsapp-token-stdin"],
        Some(&format!("{TOKEN}\n")),
        &[],
    );
    assert_eq!(code, 0, "{err}");
}

fn serve(data: &std::path::Path, graph: &FakeGraph, debounce_ms: &str) -> (Child, std::net::SocketAddr) {
    let (child, addr, _) = spawn_serve(
        data,
        &[
            "--whatsapp-app-secret",
            APP_SECRET,
            "--graph-api-url",
            &graph.base_url,
            "--bot-workers",
            "2",
            "--debounce-ms",
            debounce_ms,
        ],
    );
    (child, addr)
}

fn kill9(mut child: Child) {
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
}

#[test]
fn kill_9_after_the_ack_and_before_the_reply_sends_it_once_after_restart() {
    let graph = FakeGraph::start(TOKEN);
    let dir = TestDir::new();
    let data = dir.data();
    setup(&data);
    let (child, addr) = serve(&data, &graph, "600000");
    post_ok(addr, &text_envelope(PID, "wamid.CRASH1", "5511988887777", "oi, tudo bem?"));
    std::thread::sleep(Duration::from_millis(300));
    assert!(sends(&graph).is_empty(), "still inside the long debounce");
    kill9(child);
    let (child, _) = serve(&data, &graph, "50");
    let sent = wait_sends(&graph, 1, Duration::from_secs(20));
    assert_eq!(sent.len(), 1, "the acknowledged message is answered after restart");
    assert_eq!(sent[0].body["to"], "5511988887777");
    std::thread::sleep(Duration::from_millis(800));
    kill9(child);
    let (child, _) = serve(&data, &graph, "50");
    std::thread::sleep(Duration::from_millis(1500));
    kill9(child);
    assert_eq!(sends(&graph).len(), 1, "never sent twice");
}

#[test]
fn a_reply_composed_before_a_crash_is_sent_once_not_recomposed() {
    let graph = FakeGraph::start(TOKEN);
    let dir = TestDir::new();
    let data = dir.data();
    setup(&data);
    {
        // Play the dead process: store the message, claim its job and compose the reply, then
        // vanish without sending (the job stays `executando` under a live lease).
        let (app, _) = helixai::app::App::open(DataDir::new(&data), ServerConfig::default()).expect("open");
        let e = app.central.empresa_por_slug("loja").expect("q").expect("empresa");
        let db = app.tenant_db(&e).expect("db");
        let r = db
            .registrar_entrada(&NovaEntrada {
                wa_message_id: "wamid.CRASH2",
                wa_id: "5511977776666",
                canal: "whatsapp",
                tipo: "text",
                texto: Some("oi"),
                criar_job: true,
                agora_ms: unix_now_ms() - 10_000,
                ..NovaEntrada::default()
            })
            .expect("store");
        app.central.trabalho_marcar(e.id).expect("mark");
        let job = db.job_reivindicar(unix_now_ms(), 0, 600_000).expect("claim").expect("a job");
        db.job_preparar_resposta(&job, "resposta composta antes da queda", "bot", r.mensagem_id, "pendente")
            .expect("compose");
    }
    let (child, _) = serve(&data, &graph, "50");
    let sent = wait_sends(&graph, 1, Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(800));
    kill9(child);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].body["text"]["body"], "resposta composta antes da queda", "sent as composed");
    assert_eq!(sends(&graph).len(), 1, "exactly once");
}
