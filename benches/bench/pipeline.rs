//! Bot pipeline throughput: webhooks in → bot workers → zero-latency fake LLM → zero-latency
//! fake Graph API, replies/s until every reply is sent. Baseline: the same run with no LLM key
//! (the deterministic fallback), so the ratio shows what the LLM round trip and tool loop cost.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use helixai::app::App;
use helixai::config::{DataDir, ServerConfig};
use helixai::crypto::Secret;
use helixai::domain::Setor;
use helixai::provision::{criar_empresa, PedidoEmpresa};
use helixai::store::central::{BotAlteracao, WhatsappAlteracao};
use serde_json::json;

use crate::client::Conn;
use crate::report::{line, scale};

const SECRET: &str = "segredo-de-bench";

/// A fake that answers every request at once with `body`, counting requests.
fn fake(body: &'static str) -> (String, Arc<AtomicUsize>) {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("fake");
    let addr = server.server_addr().to_ip().expect("ip");
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    std::thread::spawn(move || {
        for mut rq in server.incoming_requests() {
            let mut sink = Vec::new();
            let _ = std::io::Read::read_to_end(rq.as_reader(), &mut sink);
            if rq.url().ends_with("/messages") && !String::from_utf8_lossy(&sink).contains("\"read\"") {
                c.fetch_add(1, Ordering::Relaxed);
            }
            let h = tiny_http::Header::from_bytes(&b"Content-Type"[..], &b"application/json"[..]).expect("h");
            let _ = rq.respond(tiny_http::Response::from_string(body).with_header(h));
        }
    });
    (format!("http://{addr}"), count)
}

fn run(with_llm: bool, tenants: usize, msgs: usize) -> f64 {
    let (graph_url, sent) = fake(r#"{"messaging_product":"whatsapp","contacts":[],"messages":[{"id":"wamid.BENCH"}]}"#);
    let (llm_url, _) = fake(
        r#"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Temos sim! Posso ajudar em algo mais?"},"finish_reason":"stop"}]}"#,
    );
    let dir = tempfile::Builder::new().prefix("helixai-bench-").tempdir().expect("tmp");
    std::env::set_var("HELIXAI_ADMIN_PASSWORD", "senha-de-bench");
    let config = ServerConfig {
        bind: "127.0.0.1:0".parse().expect("addr"),
        whatsapp_app_secret: Some(Secret::new(SECRET)),
        graph_api_url: graph_url,
        bot_workers: 2,
        debounce_ms: 0,
        ..ServerConfig::default()
    };
    let (app, _) = App::open(DataDir::new(dir.path()), config).expect("open");
    for i in 0..tenants {
        let e = criar_empresa(
            &app,
            &PedidoEmpresa {
                nome: format!("Loja {i}"),
                slug: format!("loja-{i}"),
                setor: Setor::Varejo,
                whatsapp_phone_number_id: Some(format!("{}", 700_000 + i)),
                plano_id: None,
            },
        )
        .expect("empresa");
        let wa = WhatsappAlteracao {
            token_cifrado: Some(Some(app.key.encrypt("EAAG-bench").expect("enc"))),
            ..WhatsappAlteracao::default()
        };
        app.central.empresa_definir_whatsapp(e.id, &wa).expect("wa");
        if with_llm {
            let bot = BotAlteracao {
                llm_base_url: Some(Some(format!("{llm_url}/v1"))),
                llm_modelo: Some(Some("modelo-bench".into())),
                llm_api_key_cifrada: Some(Some(app.key.encrypt("sk-bench").expect("enc"))),
                ..BotAlteracao::default()
            };
            app.central.empresa_definir_bot(e.id, &bot).expect("bot");
        }
    }
    let workers = helixai::jobs::start(app.clone()).expect("workers");
    let running = helixai::server::start(app.clone()).expect("start");
    let mut c = Conn::open(running.addr());
    let t = Instant::now();
    for i in 0..msgs {
        let body = serde_json::to_vec(&json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
            "messaging_product":"whatsapp","metadata":{"display_phone_number":"55","phone_number_id":format!("{}", 700_000 + i % tenants)},
            "contacts":[{"profile":{"name":"Cliente"},"wa_id":format!("55{i:011}")}],
            "messages":[{"from":format!("55{i:011}"),"id":format!("wamid.B{i}"),"timestamp":"1700000000","type":"text","text":{"body":"vocês têm camiseta?"}}]}}]}]}))
        .expect("json");
        let sig = helixai::whatsapp::sign(SECRET.as_bytes(), &body);
        let (s, _) = c.send("POST", "/webhook/whatsapp", &[("X-Hub-Signature-256", &sig)], &body);
        assert_eq!(s, 200);
    }
    let deadline = Instant::now() + Duration::from_secs(600);
    while sent.load(Ordering::Relaxed) < msgs {
        assert!(Instant::now() < deadline, "pipeline stalled at {}", sent.load(Ordering::Relaxed));
        std::thread::sleep(Duration::from_millis(5));
    }
    let rate = msgs as f64 / t.elapsed().as_secs_f64();
    running.shutdown();
    workers.stop();
    rate
}

pub fn bot_pipeline() {
    let tenants = scale(50);
    let msgs = scale(2_000);
    let fallback = run(false, tenants, msgs);
    let llm = run(true, tenants, msgs);
    line(
        "bot_pipeline_throughput",
        llm,
        "replies/s",
        fallback,
        &format!("{msgs} messages over {tenants} tenants, 2 bot workers, zero-latency fake LLM and Graph: {llm:.0} replies/s with the LLM; {fallback:.0} replies/s with the deterministic fallback (baseline)"),
    );
}
