//! A strict fake OpenAI-compatible server on tiny_http at 127.0.0.1:0.
//!
//! It answers from a script (one [`Step`] per request, in order), records every request,
//! and checks each one against the wire contract (path, auth, model, message ordering,
//! tool-message pairing, tool definitions, history window, current user text once and
//! last). Every problem is recorded in [`FakeOpenAi::violations`] and answered with an
//! OpenAI-shaped 400; an unscripted extra call is a violation answered with 500.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{json, Value};

/// What every request must look like.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    pub api_key: String,
    pub model: String,
    /// The exact set of tool names (order-insensitive); empty = no `tools` allowed.
    pub tool_names: Vec<String>,
    /// Maximum history turns (user/assistant text) before the current user message.
    pub max_history: usize,
    /// Substrings the system prompt must contain, in this order.
    pub system_contains: Vec<String>,
    /// The current customer text: must be the last user message and appear once.
    pub current_user: Option<String>,
}

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Step {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Step {
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Step { status, headers: Vec::new(), body: body.into(), delay: Duration::ZERO }
    }
    pub fn ok(body: impl Into<String>) -> Self {
        Step::new(200, body)
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub json: Value,
    pub at: std::time::Instant,
}

#[derive(Default)]
struct State {
    script: Vec<Step>,
    next: usize,
    requests: Vec<Recorded>,
    violations: Vec<String>,
    /// tool_call id → arguments string, for every call the fake has returned.
    returned_calls: HashMap<String, String>,
    answered: usize,
}

/// The running fake; stops on drop.
pub struct FakeOpenAi {
    pub base_url: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

impl FakeOpenAi {
    pub fn start(expect: Expect, script: Vec<Step>) -> FakeOpenAi {
        let server = tiny_http::Server::http("127.0.0.1:0").expect("bind fake openai");
        let addr = server.server_addr().to_ip().expect("ip listener");
        let state = Arc::new(Mutex::new(State { script, ..State::default() }));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut workers = Vec::new();
            while !sp.load(Ordering::SeqCst) {
                let Ok(Some(req)) = server.recv_timeout(Duration::from_millis(20)) else { continue };
                if let Some(w) = handle(req, &expect, &st) {
                    workers.push(w);
                }
            }
            for w in workers {
                let _ = w.join();
            }
        });
        FakeOpenAi { base_url: format!("http://{addr}/v1"), state, stop, thread: Some(thread) }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.state).requests.clone()
    }

    pub fn violations(&self) -> Vec<String> {
        lock(&self.state).violations.clone()
    }

    /// Waits until `n` responses were written (or sent into a closed socket).
    pub fn wait_answered(&self, n: usize, timeout: Duration) {
        let start = std::time::Instant::now();
        while lock(&self.state).answered < n && start.elapsed() < timeout {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for FakeOpenAi {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn respond(req: tiny_http::Request, status: u16, headers: &[(String, String)], body: String) {
    let mut resp = tiny_http::Response::from_string(body).with_status_code(status);
    let mut all = vec![("Content-Type".to_string(), "application/json".to_string())];
    all.extend(headers.iter().cloned());
    for (k, v) in all {
        if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
            resp.add_header(h);
        }
    }
    let _ = req.respond(resp);
}

fn handle(mut req: tiny_http::Request, expect: &Expect, state: &Arc<Mutex<State>>) -> Option<JoinHandle<()>> {
    let mut body = String::new();
    let _ = std::io::Read::read_to_string(req.as_reader(), &mut body);
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|h| (h.field.as_str().as_str().to_ascii_lowercase(), h.value.as_str().to_string()))
        .collect();
    let path = req.url().to_string();
    let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let mut st = lock(state);
    st.requests.push(Recorded {
        path: path.clone(),
        headers: headers.clone(),
        json: json.clone(),
        at: std::time::Instant::now(),
    });
    let n = st.requests.len();
    let mut problems = Vec::new();
    if *req.method() != tiny_http::Method::Post {
        problems.push(format!("method {} (expected POST)", req.method()));
    }
    if path != "/v1/chat/completions" {
        problems.push(format!("path {path:?} (expected /v1/chat/completions)"));
    }
    let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if !header("content-type").is_some_and(|v| v.starts_with("application/json")) {
        problems.push("Content-Type is not application/json".into());
    }
    if header("authorization") != Some(format!("Bearer {}", expect.api_key).as_str()) {
        problems.push("Authorization is not the tenant's Bearer key".into());
    }
    check_body(&json, expect, &st.returned_calls, &mut problems);
    let step = st.script.get(st.next).cloned();
    st.next += 1;
    if !problems.is_empty() {
        let msg = format!("request {n}: {}", problems.join("; "));
        st.violations.push(msg.clone());
        st.answered += 1;
        drop(st);
        let body = json!({"error":{"message": format!("fake: {msg}"),"type":"invalid_request_error","param":null,"code":"fake_validation"}});
        respond(req, 400, &[], body.to_string());
        return None;
    }
    let Some(step) = step else {
        st.violations.push(format!("request {n}: unscripted extra call"));
        st.answered += 1;
        drop(st);
        respond(
            req,
            500,
            &[],
            r#"{"error":{"message":"fake: unscripted","type":"server_error","param":null,"code":null}}"#.into(),
        );
        return None;
    };
    if let Ok(v) = serde_json::from_str::<Value>(&step.body) {
        for call in v.pointer("/choices/0/message/tool_calls").and_then(Value::as_array).into_iter().flatten() {
            if let (Some(id), Some(args)) =
                (call["id"].as_str(), call.pointer("/function/arguments").and_then(Value::as_str))
            {
                st.returned_calls.insert(id.to_string(), args.to_string());
            }
        }
    }
    drop(st);
    let state = state.clone();
    let send = move || {
        std::thread::sleep(step.delay);
        respond(req, step.status, &step.headers, step.body);
        lock(&state).answered += 1;
    };
    if step.delay.is_zero() {
        send();
        None
    } else {
        Some(std::thread::spawn(send))
    }
}

fn valid_name(n: &str) -> bool {
    (1..=64).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn check_body(v: &Value, expect: &Expect, returned: &HashMap<String, String>, p: &mut Vec<String>) {
    let Some(obj) = v.as_object() else {
        p.push("body is not a JSON object".into());
        return;
    };
    if obj.get("model").and_then(Value::as_str) != Some(expect.model.as_str()) {
        p.push(format!("model {:?} (expected {:?})", obj.get("model"), expect.model));
    }
    for forbidden in ["stream", "temperature", "max_tokens", "max_completion_tokens", "user"] {
        if obj.contains_key(forbidden) {
            p.push(format!("unexpected field {forbidden:?}"));
        }
    }
    check_tools(obj.get("tools"), expect, p);
    let Some(messages) = obj.get("messages").and_then(Value::as_array).filter(|m| !m.is_empty()) else {
        p.push("messages missing or empty".into());
        return;
    };
    let role = |m: &Value| m.get("role").and_then(Value::as_str).unwrap_or("").to_string();
    if role(&messages[0]) != "system" || messages.iter().filter(|m| role(m) == "system").count() != 1 {
        p.push("there must be exactly one system message, first".into());
    }
    let system = messages[0].get("content").and_then(Value::as_str).unwrap_or("");
    let mut from = 0;
    for needle in &expect.system_contains {
        match system[from..].find(needle.as_str()) {
            Some(i) => from += i + needle.len(),
            None => p.push(format!("system prompt lacks {needle:?} (or order is wrong)")),
        }
    }
    let mut i = 0;
    while i < messages.len() {
        let m = &messages[i];
        let r = role(m);
        if m.get("name").is_some() {
            p.push(format!("messages[{i}] has a name key"));
        }
        match r.as_str() {
            "system" | "user" => {
                if !m.get("content").is_some_and(Value::is_string) {
                    p.push(format!("messages[{i}] ({r}) content is not a string"));
                }
            }
            "assistant" => {
                if let Some(calls) = m.get("tool_calls").and_then(Value::as_array) {
                    if !m.get("content").is_some_and(Value::is_null) {
                        p.push(format!("messages[{i}] assistant with tool_calls must have content null"));
                    }
                    for (k, call) in calls.iter().enumerate() {
                        let id = call["id"].as_str().unwrap_or("");
                        let args = call.pointer("/function/arguments").and_then(Value::as_str);
                        match returned.get(id) {
                            Some(orig) if Some(orig.as_str()) == args => {}
                            Some(_) => p.push(format!("tool call {id} arguments not echoed byte-identical")),
                            None => p.push(format!("tool call id {id:?} was never returned by the fake")),
                        }
                        let t = messages.get(i + 1 + k);
                        if t.map(role).as_deref() != Some("tool")
                            || t.and_then(|t| t["tool_call_id"].as_str()) != Some(id)
                        {
                            p.push(format!("messages[{}] must be the tool reply to {id}", i + 1 + k));
                        } else if !t.is_some_and(|t| t["content"].is_string()) {
                            p.push(format!("tool reply to {id} content is not a string"));
                        }
                    }
                    i += 1 + calls.len();
                    continue;
                }
                if !m.get("content").is_some_and(Value::is_string) {
                    p.push(format!("messages[{i}] assistant text content must be a string"));
                }
            }
            "tool" => p.push(format!("messages[{i}] tool message without its assistant tool_calls")),
            other => p.push(format!("messages[{i}] unknown role {other:?}")),
        }
        i += 1;
    }
    let last_user = messages.iter().rposition(|m| role(m) == "user");
    if let Some(lu) = last_user {
        if messages[lu + 1..]
            .iter()
            .any(|m| role(m) == "user" || (role(m) == "assistant" && m.get("tool_calls").is_none()))
        {
            p.push("the current user message is not last".into());
        }
        let history = messages[1..lu].iter().filter(|m| matches!(role(m).as_str(), "user" | "assistant")).count();
        if history > expect.max_history {
            p.push(format!("history has {history} turns (max {})", expect.max_history));
        }
        if let Some(cur) = &expect.current_user {
            if messages[lu]["content"].as_str() != Some(cur.as_str()) {
                p.push(format!("last user message is {:?}, expected {cur:?}", messages[lu]["content"]));
            }
            if messages.iter().filter(|m| m["content"].as_str() == Some(cur.as_str())).count() != 1 {
                p.push("current user text appears more than once".into());
            }
        }
    } else {
        p.push("no user message".into());
    }
}

fn check_tools(tools: Option<&Value>, expect: &Expect, p: &mut Vec<String>) {
    let list = tools.and_then(Value::as_array).cloned().unwrap_or_default();
    if tools.is_some() && list.is_empty() {
        p.push("tools present but empty".into());
    }
    let mut names = Vec::new();
    for t in &list {
        let name = t.pointer("/function/name").and_then(Value::as_str).unwrap_or("");
        if t["type"] != "function"
            || !valid_name(name)
            || t.pointer("/function/parameters/type") != Some(&json!("object"))
        {
            p.push(format!("malformed tool definition {name:?}"));
        }
        names.push(name.to_string());
    }
    names.sort();
    let mut want = expect.tool_names.clone();
    want.sort();
    if names != want {
        p.push(format!("tool names {names:?} (expected {want:?})"));
    }
}

/// A payload recorded from the real API (`tests/fixtures/openai/`), as sent.
pub fn fixture_texto(name: &str) -> String {
    let path = format!("{}/tests/fixtures/openai/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The same, parsed.
pub fn fixture(name: &str) -> Value {
    serde_json::from_str(&fixture_texto(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A real recorded completion with its content replaced.
pub fn text_body(content: &str) -> String {
    let mut v = fixture("dotnet-system-user.response.json");
    v["choices"][0]["message"]["content"] = json!(content);
    v.to_string()
}

/// A real recorded tool-call completion with its calls replaced: (id, name, arguments JSON).
pub fn calls_body(calls: &[(&str, &str, &str)]) -> String {
    let mut v = fixture("dotnet-parallel-turn1.response.json");
    let list: Vec<Value> = calls
        .iter()
        .map(|(id, name, args)| json!({"id": id, "type": "function", "function": {"name": name, "arguments": args}}))
        .collect();
    v["choices"][0]["message"]["tool_calls"] = json!(list);
    v.to_string()
}
