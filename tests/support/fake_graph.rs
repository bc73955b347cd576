//! A fake WhatsApp Graph API on 127.0.0.1:0, for tests of the send path over real HTTP.
//!
//! It records every request, checks the bearer token it was started with (a wrong one gets
//! Meta's real "token expired" error, code 190, with 401), answers queued responses first
//! ([`FakeGraph::script`]) and otherwise behaves like a healthy Graph API: a send gets
//! `wamid.FAKE<n>`, a mark-as-read gets `{"success":true}`. Media as Meta serves it: files
//! added with [`FakeGraph::add_midia`] answer `GET /{media-id}` with a download URL on this
//! server, which gives the bytes to the same token (or 404 while
//! [`FakeGraph::falhar_downloads`] lasts); `POST /{phone-number-id}/media` is read as
//! multipart and checked ([`FakeGraph::uploads`], [`FakeGraph::violations`]). It stops when
//! dropped.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::{json, Value};

use super::multipart::{self, Parte};

/// Meta's error object for an expired token (pywa's test data), without the `error` wrapper.
const EXPIRED_TOKEN: &str = include_str!("../fixtures/whatsapp/error_object_190_expired_token_pywa.json");

/// The Graph version path the fake serves under, so tests see the client keep the prefix.
pub const VERSION_PREFIX: &str = "/v25.0";

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query, e.g. `/v25.0/106540352242922/messages`.
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// The body parsed as JSON (`Null` if it was not JSON).
    pub body: Value,
    pub raw_body: String,
    /// The body's bytes as received (binary uploads).
    pub bytes: Vec<u8>,
}

impl Recorded {
    /// Reads a request of a fake server (method, path, headers, body).
    pub fn read(request: &mut tiny_http::Request) -> Recorded {
        let mut bytes = Vec::new();
        let _ = request.as_reader().read_to_end(&mut bytes);
        let raw_body = String::from_utf8_lossy(&bytes).into_owned();
        Recorded {
            method: request.method().as_str().to_string(),
            path: request.url().to_string(),
            headers: request
                .headers()
                .iter()
                .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_string()))
                .collect(),
            body: serde_json::from_str(&raw_body).unwrap_or(Value::Null),
            raw_body,
            bytes,
        }
    }

    /// A header's value, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    requests: Vec<Recorded>,
    scripted: VecDeque<(u16, String)>,
    sends: u64,
    /// media id → (MIME, bytes).
    midias: HashMap<String, (String, Vec<u8>)>,
    /// Downloads still to answer 404 (an expired URL).
    downloads_falhar: u32,
    uploads: Vec<Vec<Parte>>,
    violations: Vec<String>,
}

/// The running fake. `base_url` is what to give `GraphClient::new`.
pub struct FakeGraph {
    pub base_url: String,
    server: Arc<tiny_http::Server>,
    state: Arc<Mutex<State>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeGraph {
    /// Starts serving on a free port; requests must carry `Authorization: Bearer <expected_token>`.
    pub fn start(expected_token: &str) -> FakeGraph {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind the fake Graph API"));
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let state = Arc::new(Mutex::new(State::default()));
        let expected = format!("Bearer {expected_token}");
        let base = format!("http://127.0.0.1:{port}");
        let thread = {
            let (server, state) = (Arc::clone(&server), Arc::clone(&state));
            std::thread::Builder::new()
                .name("fake-graph".into())
                .spawn(move || {
                    for request in server.incoming_requests() {
                        handle(request, &state, &expected, &base);
                    }
                })
                .expect("spawn the fake Graph API thread")
        };
        FakeGraph { base_url: format!("http://127.0.0.1:{port}{VERSION_PREFIX}"), server, state, thread: Some(thread) }
    }

    /// Everything received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().expect("fake graph state").requests.clone()
    }

    /// Queues a response for the next request with a valid token (FIFO).
    pub fn script(&self, status: u16, body: &str) {
        self.state.lock().expect("fake graph state").scripted.push_back((status, body.to_string()));
    }

    /// Serves a media file under `id` (what a customer sent).
    pub fn add_midia(&self, id: &str, mime: &str, bytes: &[u8]) {
        self.state.lock().expect("fake graph state").midias.insert(id.into(), (mime.into(), bytes.to_vec()));
    }

    /// The next `n` downloads answer 404, as an expired media URL does.
    pub fn falhar_downloads(&self, n: u32) {
        self.state.lock().expect("fake graph state").downloads_falhar = n;
    }

    /// The multipart uploads received, each as its parts.
    pub fn uploads(&self) -> Vec<Vec<Parte>> {
        self.state.lock().expect("fake graph state").uploads.clone()
    }

    /// Requests that broke the Graph API's contract.
    pub fn violations(&self) -> Vec<String> {
        self.state.lock().expect("fake graph state").violations.clone()
    }

    /// The `GET /{media-id}` lookups and the downloads received, in order (paths).
    pub fn midia_gets(&self) -> Vec<String> {
        self.requests().into_iter().filter(|r| r.method == "GET").map(|r| r.path).collect()
    }
}

impl Drop for FakeGraph {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn handle(mut request: tiny_http::Request, state: &Mutex<State>, expected_auth: &str, base: &str) {
    let recorded = Recorded::read(&mut request);
    let (status, body, tipo) = {
        let mut state = state.lock().expect("fake graph state");
        let answer = match midia(&mut state, &recorded, expected_auth, base) {
            Some(a) => a,
            None => {
                let (status, body) = answer(&mut state, &recorded, expected_auth);
                (status, body.into_bytes(), "application/json".to_owned())
            }
        };
        state.requests.push(recorded);
        answer
    };
    let content_type = tiny_http::Header::from_bytes("Content-Type", tipo.as_bytes()).expect("header");
    let _ = request.respond(tiny_http::Response::from_data(body).with_status_code(status).with_header(content_type));
}

/// The media routes: `GET /v25.0/{id}`, `GET /baixar/{id}`, `POST /v25.0/{pid}/media`.
fn midia(state: &mut State, r: &Recorded, expected_auth: &str, base: &str) -> Option<(u16, Vec<u8>, String)> {
    let path = r.path.split('?').next().unwrap_or("");
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let json = |status: u16, v: Value| Some((status, v.to_string().into_bytes(), "application/json".to_owned()));
    let rota = match (r.method.as_str(), segs.as_slice()) {
        ("GET", ["v25.0", id]) if id.bytes().all(|b| b.is_ascii_digit()) => 1,
        ("GET", ["baixar", _]) => 2,
        ("POST", ["v25.0", _, "media"]) => 3,
        _ => return None,
    };
    if r.header("Authorization") != Some(expected_auth) {
        return json(401, serde_json::from_str(&format!(r#"{{"error":{EXPIRED_TOKEN}}}"#)).unwrap_or(Value::Null));
    }
    match rota {
        1 => {
            let id = segs[1];
            if !r.path.contains("phone_number_id=") {
                state.violations.push(format!("GET /{id} sem phone_number_id"));
            }
            let Some((mime, bytes)) = state.midias.get(id) else {
                return json(
                    400,
                    json!({"error": {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100}}),
                );
            };
            json(
                200,
                json!({"messaging_product": "whatsapp", "url": format!("{base}/baixar/{id}?ext=1"), "mime_type": mime,
                       "sha256": "ignorado", "file_size": bytes.len().to_string(), "id": id}),
            )
        }
        2 => {
            if state.downloads_falhar > 0 {
                state.downloads_falhar -= 1;
                return Some((404, b"Not Found".to_vec(), "text/plain".into()));
            }
            let (mime, bytes) = state.midias.get(segs[1])?.clone();
            Some((200, bytes, mime))
        }
        _ => {
            let tipo = r.header("Content-Type").unwrap_or("").to_owned();
            let partes = match multipart::ler(&tipo, &r.bytes) {
                Ok(p) => p,
                Err(e) => {
                    state.violations.push(format!("upload: {e}"));
                    return json(400, json!({"error": {"message": "(#100) Invalid parameter", "code": 100}}));
                }
            };
            let campo = |n: &str| partes.iter().find(|p| p.nome == n);
            let arquivo = campo("file");
            if campo("messaging_product").map(Parte::texto).as_deref() != Some("whatsapp")
                || arquivo.is_none_or(|f| f.arquivo.is_none() || f.tipo.is_none() || f.dados.is_empty())
            {
                state.violations.push(format!("upload sem messaging_product=whatsapp ou sem file: {partes:?}"));
                return json(400, json!({"error": {"message": "(#100) Invalid parameter", "code": 100}}));
            }
            state.uploads.push(partes);
            json(200, json!({"id": format!("770000{}", state.uploads.len())}))
        }
    }
}

fn answer(state: &mut State, request: &Recorded, expected_auth: &str) -> (u16, String) {
    if request.header("Authorization") != Some(expected_auth) {
        return (401, format!(r#"{{"error":{EXPIRED_TOKEN}}}"#));
    }
    if let Some(scripted) = state.scripted.pop_front() {
        return scripted;
    }
    let is_messages = request.method == "POST" && request.path.ends_with("/messages");
    if is_messages && request.body["status"] == "read" {
        return (200, json!({"success": true}).to_string());
    }
    // Meta's rules for the recipient: a phone number in `to` (digits, optionally after `+`),
    // or a business-scoped user id in `recipient`; `to` wins when both are given. An empty or
    // malformed one is refused, as the real API does.
    let telefone = |v: &Value| {
        v.as_str()
            .map(|s| s.trim_start_matches('+'))
            .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
    };
    let bsuid = |v: &Value| v.as_str().is_some_and(|s| s.contains('.') && !s.starts_with('.'));
    let (to, recipient) = (&request.body["to"], &request.body["recipient"]);
    if is_messages && (telefone(to) || (to.is_null() && bsuid(recipient))) {
        state.sends += 1;
        let contato = if telefone(to) {
            json!({"input": to, "wa_id": to.as_str().map(|s| s.trim_start_matches('+'))})
        } else {
            json!({"input": recipient, "wa_id": "", "user_id": recipient})
        };
        let response = json!({
            "messaging_product": "whatsapp",
            "contacts": [contato],
            "messages": [{"id": format!("wamid.FAKE{}", state.sends)}]
        });
        return (200, response.to_string());
    }
    let error = json!({"error": {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100}});
    (400, error.to_string())
}
