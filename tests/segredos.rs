//! Secrets at rest, end to end with the real binary: after an admin sets the WhatsApp token,
//! the app secret and the LLM API key, the plaintexts appear in no API response, in no log
//! line (the child runs with RUST_LOG=debug and its stderr is captured), and in no byte of
//! the data dir (helixai.db and its -wal included) — also while customers' media is
//! downloaded with the token and a voice note is transcribed with the key.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::fake_graph::FakeGraph;
use crate::support::fake_transcricao::FakeTranscricao;
use crate::support::midia::{arquivo, envelope_midia};
use crate::support::server::Client;
use crate::support::whatsapp::post_signed;
use crate::support::{run_bin, TestDir, BIN};

const TOKEN: &str = "EAAG-plaintext-whatsapp-token-R7Q2";
const APP_SECRET: &str = "plaintext-app-secret-K9M4";
const LLM_KEY: &str = "sk-plaintext-llm-key-W3X8";

fn todos_os_bytes(dir: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            todos_os_bytes(&p, out);
        } else if let Ok(b) = std::fs::read(&p) {
            out.push((p.display().to_string(), b));
        }
    }
}

#[test]
fn secrets_never_leave_in_clear() {
    let dir = TestDir::new();
    let data = dir.data();
    let (code, _, err) =
        run_bin(&data, &["tenant", "create", "--nome", "Loja", "--slug", "loja", "--setor", "varejo"], None, &[]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run_bin(
        &data,
        &["user", "create", "--email", "ana@loja.com", "--papel", "admin", "--empresa", "loja"],
        Some("senha-de-teste\n"),
        &[],
    );
    assert_eq!(code, 0, "{err}");

    let graph = FakeGraph::start(TOKEN);
    graph.add_midia("5001", "image/jpeg", &arquivo("foto.jpg"));
    graph.add_midia("5002", "audio/ogg; codecs=opus", &arquivo("voz.ogg"));
    let ia = FakeTranscricao::start(LLM_KEY, "Quero ver o carro", "Claro! Quando você pode vir?");
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0", "--debounce-ms", "0", "--graph-api-url", &graph.base_url])
        .env("HELIXAI_DATA_DIR", &data)
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let log = Arc::new(Mutex::new(String::new()));
    let mut stderr = child.stderr.take().expect("stderr");
    let log_w = log.clone();
    let coletor = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stderr.read(&mut buf) {
            if n == 0 {
                break;
            }
            log_w.lock().expect("log").push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let deadline = Instant::now() + Duration::from_secs(60);
    let addr = loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).expect("read") > 0 && Instant::now() < deadline, "serve did not start");
        if let Some(a) = line.trim().strip_prefix("HelixAI escutando em http://") {
            break a.parse().expect("addr");
        }
    };
    std::thread::spawn(move || for _ in stdout.lines() {});

    let mut c = Client { addr, cookie: None, forwarded_for: None };
    let mut respostas = Vec::new();
    respostas.push(c.post("/api/login", &json!({"email": "ana@loja.com", "senha": "senha-de-teste"})));
    respostas.push(c.put(
        "/api/whatsapp",
        &json!({"phone_number_id": "123456", "numero": "+55 11 4000-0000", "token": TOKEN, "app_secret": APP_SECRET}),
    ));
    respostas.push(c.put("/api/bot", &json!({"llm_api_key": LLM_KEY, "llm_modelo": "m", "llm_base_url": ia.base_url})));
    respostas.push(c.get("/api/whatsapp"));
    respostas.push(c.get("/api/bot"));
    // A rejected body that carries a secret is not echoed back either.
    respostas.push(c.put("/api/bot", &json!({"llm_api_key": LLM_KEY, "desconhecido": 1})));
    respostas.push(c.put("/api/whatsapp", &json!({"token": format!("{TOKEN} com espaço")})));
    for r in &respostas[..5] {
        assert!(r.status < 300, "{}", r.text());
    }
    assert_eq!(respostas[3].json()["token"], "••••R7Q2");
    assert_eq!(respostas[3].json()["app_secret"], "••••K9M4");
    assert_eq!(respostas[4].json()["llm_api_key"], "••••W3X8");
    // A customer's photo and voice note: downloaded with the token, transcribed with the key.
    for (fixture, wamid, id) in [("image.json", "wamid.S1", "5001"), ("audio_voice.json", "wamid.S2", "5002")] {
        let corpo = serde_json::to_vec(&envelope_midia(fixture, "123456", wamid, "5511988887777", id)).expect("json");
        assert_eq!(post_signed(addr, &corpo, Some(APP_SECRET)).status, 200);
    }
    let limite = Instant::now() + Duration::from_secs(20);
    while ia.chats().is_empty() && Instant::now() < limite {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(ia.transcricoes().len(), 1, "the voice note was transcribed: {:?}", ia.violations());
    assert!(graph.midia_gets().iter().any(|p| p.starts_with("/baixar/5002")), "{:?}", graph.midia_gets());
    let conversa = c.get("/api/conversas").json()["itens"][0]["id"].as_i64().expect("conversa");
    respostas.push(c.get(&format!("/api/conversas/{conversa}/mensagens")));
    for r in &respostas {
        for s in [TOKEN, APP_SECRET, LLM_KEY] {
            assert!(!r.text().contains(s), "{s} in a response: {}", r.text());
        }
    }

    // Each access line is written after its response is sent: give the handler threads a
    // moment to write theirs before the process is killed (on a loaded machine one was
    // descheduled past the last response and its line never reached the pipe).
    let esperadas = ["PUT /api/whatsapp 200", "PUT /api/bot 200", "PUT /api/whatsapp 400", "PUT /api/bot 400"];
    let limite = Instant::now() + Duration::from_secs(10);
    while Instant::now() < limite && !esperadas.iter().all(|l| log.lock().expect("log").contains(l)) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    coletor.join().expect("collector");
    let log = log.lock().expect("log").clone();
    assert!(log.contains("PUT /api/whatsapp 200"), "the log was captured: {log}");
    assert!(log.contains("DEBUG") || log.contains("debug"), "debug level is on: {log}");
    for s in [TOKEN, APP_SECRET, LLM_KEY] {
        assert!(!log.contains(s), "{s} in the log");
    }

    let mut arquivos = Vec::new();
    todos_os_bytes(&data, &mut arquivos);
    assert!(arquivos.iter().any(|(p, _)| p.ends_with("helixai.db")));
    for (p, bytes) in &arquivos {
        for s in [TOKEN, APP_SECRET, LLM_KEY] {
            assert!(!bytes.windows(s.len()).any(|w| w == s.as_bytes()), "{s} in {p}");
        }
    }
}
