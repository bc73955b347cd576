//! A fake OpenAI-compatible server for voice notes: `POST /v1/audio/transcriptions`
//! (multipart: `file`, `model`, `language`, `response_format`, checked part by part) answers a
//! scripted transcript, and `POST /v1/chat/completions` answers one fixed assistant text, so a
//! test can see what the bot was asked after the transcription. Every broken expectation is
//! recorded in [`FakeTranscricao::violations`]. It stops when dropped.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::{json, Value};

use super::fake_graph::Recorded;
use super::multipart::{self, Parte};

#[derive(Default)]
struct State {
    transcricoes: Vec<Vec<Parte>>,
    chats: Vec<Value>,
    violations: Vec<String>,
    /// Answers for the next transcriptions (status, body), before the default transcript.
    script: VecDeque<(u16, String)>,
}

/// The running fake. `base_url` ends in `/v1`, like an empresa's LLM base URL.
pub struct FakeTranscricao {
    pub base_url: String,
    server: Arc<tiny_http::Server>,
    state: Arc<Mutex<State>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeTranscricao {
    /// Serves with `chave` as the only accepted key; transcriptions answer `transcricao`,
    /// chats answer `resposta_chat`.
    pub fn start(chave: &str, transcricao: &str, resposta_chat: &str) -> FakeTranscricao {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind the fake transcription server"));
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let state = Arc::new(Mutex::new(State::default()));
        let (auth, texto, chat) = (format!("Bearer {chave}"), transcricao.to_owned(), resposta_chat.to_owned());
        let thread = {
            let (server, state) = (Arc::clone(&server), Arc::clone(&state));
            std::thread::spawn(move || {
                for mut request in server.incoming_requests() {
                    let r = Recorded::read(&mut request);
                    let (status, body) = responder(&mut state.lock().expect("state"), &r, &auth, &texto, &chat);
                    let ct = tiny_http::Header::from_bytes("Content-Type", "application/json").expect("header");
                    let _ = request
                        .respond(tiny_http::Response::from_string(body).with_status_code(status).with_header(ct));
                }
            })
        };
        FakeTranscricao { base_url: format!("http://127.0.0.1:{port}/v1"), server, state, thread: Some(thread) }
    }

    /// The transcription requests received, each as its multipart parts.
    pub fn transcricoes(&self) -> Vec<Vec<Parte>> {
        self.state.lock().expect("state").transcricoes.clone()
    }
    /// The chat-completion bodies received.
    pub fn chats(&self) -> Vec<Value> {
        self.state.lock().expect("state").chats.clone()
    }
    pub fn violations(&self) -> Vec<String> {
        self.state.lock().expect("state").violations.clone()
    }
    /// Queues an answer for the next transcription.
    pub fn script(&self, status: u16, body: &str) {
        self.state.lock().expect("state").script.push_back((status, body.to_owned()));
    }
}

impl Drop for FakeTranscricao {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn responder(st: &mut State, r: &Recorded, auth: &str, texto: &str, chat: &str) -> (u16, String) {
    let erro =
        |msg: &str| json!({"error": {"message": msg, "type": "invalid_request_error", "code": null}}).to_string();
    if r.header("Authorization") != Some(auth) {
        st.violations.push(format!("{} sem a chave da empresa", r.path));
        return (401, erro("Incorrect API key provided"));
    }
    match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/v1/audio/transcriptions") => {
            let partes = match multipart::ler(r.header("Content-Type").unwrap_or(""), &r.bytes) {
                Ok(p) => p,
                Err(e) => {
                    st.violations.push(format!("transcrição: {e}"));
                    return (400, erro("Could not parse multipart form"));
                }
            };
            let campo = |n: &str| partes.iter().find(|p| p.nome == n).map(Parte::texto);
            let arquivo = partes.iter().find(|p| p.nome == "file");
            let nome_ok = arquivo.and_then(|f| f.arquivo.as_deref()).is_some_and(|n| n.contains('.'));
            let tipo_ok = arquivo.and_then(|f| f.tipo.as_deref()).is_some_and(|t| t.starts_with("audio/"));
            if !nome_ok
                || !tipo_ok
                || campo("model").is_none_or(|m| m.is_empty())
                || campo("language").as_deref() != Some("pt")
            {
                st.violations.push(format!("transcrição fora do formato: {partes:?}"));
                return (400, erro("Invalid file format or missing model"));
            }
            st.transcricoes.push(partes);
            st.script.pop_front().unwrap_or_else(|| (200, json!({"text": texto}).to_string()))
        }
        ("POST", "/v1/chat/completions") => {
            st.chats.push(r.body.clone());
            let resp = json!({"id": "chatcmpl-fake", "object": "chat.completion", "created": 1, "model": r.body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": chat}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}});
            (200, resp.to_string())
        }
        _ => {
            st.violations.push(format!("rota inesperada: {} {}", r.method, r.path));
            (404, erro("not found"))
        }
    }
}
