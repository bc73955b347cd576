//! A fake WhatsApp Graph API on 127.0.0.1:0, for tests of the send path over real HTTP.
//!
//! It records every request, checks the bearer token it was started with (a wrong one gets
//! Meta's real "token expired" error, code 190, with 401), answers queued responses first
//! ([`FakeGraph::script`]) and otherwise behaves like a healthy Graph API: a send gets
//! `wamid.FAKE<n>`, a mark-as-read gets `{"success":true}`. It stops when dropped.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::{json, Value};

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
}

impl Recorded {
    /// Reads a request of a fake server (method, path, headers, body).
    pub fn read(request: &mut tiny_http::Request) -> Recorded {
        let mut raw_body = String::new();
        let _ = request.as_reader().read_to_string(&mut raw_body);
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
        let thread = {
            let (server, state) = (Arc::clone(&server), Arc::clone(&state));
            std::thread::Builder::new()
                .name("fake-graph".into())
                .spawn(move || {
                    for request in server.incoming_requests() {
                        handle(request, &state, &expected);
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
}

impl Drop for FakeGraph {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn handle(mut request: tiny_http::Request, state: &Mutex<State>, expected_auth: &str) {
    let recorded = Recorded::read(&mut request);
    let (status, body) = {
        let mut state = state.lock().expect("fake graph state");
        let answer = answer(&mut state, &recorded, expected_auth);
        state.requests.push(recorded);
        answer
    };
    let content_type = tiny_http::Header::from_bytes("Content-Type", "application/json").expect("static header");
    let _ = request.respond(tiny_http::Response::from_string(body).with_status_code(status).with_header(content_type));
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
