//! A fake Evolution API server on 127.0.0.1:0 that checks what it receives against the
//! documented shapes (apikey header, instance names, request bodies) and, like the real one,
//! posts webhook events back to the URL and headers given at instance creation.
//!
//! Every check that fails is recorded in [`FakeEvolution::violations`] (and answered with the
//! error Evolution itself would give), so a test can assert "no violations" at the end.
//! Media: `/chat/getBase64FromMediaMessage` serves what [`FakeEvolution::add_midia`] kept, and
//! `/message/sendMedia` checks its body (a decodable base64 file, a known mediatype).
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::{json, Value};

use super::fake_graph::Recorded;

/// The global key the fake accepts (AUTHENTICATION_API_KEY).
pub const CHAVE_GLOBAL: &str = "chave-global-do-evolution-429871";

/// One instance as the fake keeps it.
#[derive(Debug, Clone)]
pub struct Instancia {
    pub token: String,
    pub webhook_url: String,
    pub webhook_headers: Vec<(String, String)>,
    /// `open`, `connecting` or `close`.
    pub state: String,
    pub qr_count: u64,
    pub number: Option<String>,
}

#[derive(Default)]
struct State {
    requests: Vec<Recorded>,
    violations: Vec<String>,
    instancias: HashMap<String, Instancia>,
    /// Scripted answers for sendText (FIFO), before the default success.
    send_script: VecDeque<(u16, String)>,
    sends: u64,
    /// Answer create with the docs' older shape (`hash: {apikey}`).
    hash_objeto: bool,
    /// Connect calls after which a `connecting` instance becomes `open` (the phone scanned).
    abrir_apos_connects: Option<u64>,
    /// Hold every sendText before answering (a send "in flight"), and how many wait now.
    segurar_envios: bool,
    envios_segurados: u64,
    /// message id → (mimetype, bytes): what getBase64FromMediaMessage serves.
    midias: HashMap<String, (String, Vec<u8>)>,
}

/// The running fake; stops when dropped.
pub struct FakeEvolution {
    pub base_url: String,
    server: Arc<tiny_http::Server>,
    state: Arc<Mutex<State>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeEvolution {
    pub fn start() -> FakeEvolution {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind the fake Evolution"));
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let state = Arc::new(Mutex::new(State::default()));
        let thread = {
            let (server, state) = (Arc::clone(&server), Arc::clone(&state));
            std::thread::Builder::new()
                .name("fake-evolution".into())
                .spawn(move || {
                    for request in server.incoming_requests() {
                        handle(request, &state);
                    }
                })
                .expect("spawn the fake Evolution thread")
        };
        FakeEvolution { base_url: format!("http://127.0.0.1:{port}"), server, state, thread: Some(thread) }
    }

    fn st(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("fake evolution state")
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.st().requests.clone()
    }
    pub fn violations(&self) -> Vec<String> {
        self.st().violations.clone()
    }
    pub fn instancia(&self, nome: &str) -> Option<Instancia> {
        self.st().instancias.get(nome).cloned()
    }
    pub fn instancias(&self) -> Vec<String> {
        self.st().instancias.keys().cloned().collect()
    }
    /// Queues an answer for the next sendText.
    pub fn script_send(&self, status: u16, body: &str) {
        self.st().send_script.push_back((status, body.to_owned()));
    }
    pub fn hash_como_objeto(&self) {
        self.st().hash_objeto = true;
    }
    /// After `n` more connect calls the instance counts as paired (`open`).
    pub fn abrir_apos(&self, n: u64) {
        self.st().abrir_apos_connects = Some(n);
    }
    pub fn definir_estado(&self, nome: &str, state: &str) {
        if let Some(i) = self.st().instancias.get_mut(nome) {
            i.state = state.to_owned();
        }
    }
    /// From now on every sendText waits, unanswered, until [`Self::soltar_envios`]: what
    /// Evolution does meanwhile (echo webhooks) can be played while our send is in flight.
    pub fn segurar_envios(&self) {
        self.st().segurar_envios = true;
    }
    pub fn soltar_envios(&self) {
        self.st().segurar_envios = false;
    }
    /// How many sendText requests are being held now.
    pub fn envios_segurados(&self) -> u64 {
        self.st().envios_segurados
    }
    /// Keeps the media of message `id` (what `/chat/getBase64FromMediaMessage` returns).
    pub fn add_midia(&self, id: &str, mimetype: &str, bytes: &[u8]) {
        self.st().midias.insert(id.to_owned(), (mimetype.to_owned(), bytes.to_vec()));
    }
    /// The sendMedia requests received, in order.
    pub fn envios_midia(&self) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| r.path.starts_with("/message/sendMedia/")).collect()
    }
    /// The getBase64FromMediaMessage requests received, in order.
    pub fn pedidos_midia(&self) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| r.path.starts_with("/chat/getBase64FromMediaMessage/")).collect()
    }
    /// The sendText requests received, in order.
    pub fn sends(&self) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| r.path.starts_with("/message/sendText/")).collect()
    }

    /// Posts an event to the instance's webhook like Evolution does (envelope, headers,
    /// `apikey` = the instance token) and returns the HTTP status.
    pub fn emitir(&self, nome: &str, event: &str, data: Value) -> u16 {
        let inst = self.instancia(nome).expect("instance exists in the fake");
        let envelope = json!({
            "event": event,
            "instance": nome,
            "data": data,
            "destination": inst.webhook_url,
            "date_time": "2026-11-28T12:00:00.000Z",
            "sender": "5511988887777@s.whatsapp.net",
            "server_url": self.base_url,
            "apikey": inst.token,
        });
        let headers: Vec<(&str, &str)> = inst.webhook_headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        post_json(&inst.webhook_url, &headers, &envelope)
    }
}

impl Drop for FakeEvolution {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// POSTs JSON to an absolute http:// URL on 127.0.0.1 (the appliance's webhook); after a 200
/// from a webhook, waits until the server applied what it journaled.
pub fn post_json(url: &str, headers: &[(&str, &str)], body: &Value) -> u16 {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_once('/').expect("URL with a path");
    let addr: std::net::SocketAddr = host.parse().expect("ip:port host");
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    let status = super::http::request(addr, "POST", &format!("/{path}"), &all, body.to_string().as_bytes()).status;
    if status == 200 && path.starts_with("webhook/") {
        super::http::esperar_journal(addr);
    }
    status
}

fn erro(status: u16, error: &str, msg: Value) -> (u16, String) {
    (status, json!({"status": status, "error": error, "response": {"message": msg}}).to_string())
}

fn handle(mut request: tiny_http::Request, state: &Mutex<State>) {
    let recorded = Recorded::read(&mut request);
    if recorded.path.starts_with("/message/sendText/") {
        segurar(state);
    }
    let (status, body) = {
        let mut st = state.lock().expect("fake evolution state");
        let answer = answer(&mut st, &recorded);
        st.requests.push(recorded);
        answer
    };
    let content_type = tiny_http::Header::from_bytes("Content-Type", "application/json").expect("static header");
    let _ = request.respond(tiny_http::Response::from_string(body).with_status_code(status).with_header(content_type));
}

/// Waits (without holding the lock) while sends are being held.
fn segurar(state: &Mutex<State>) {
    let mut contado = false;
    loop {
        {
            let mut st = state.lock().expect("fake evolution state");
            if !st.segurar_envios {
                if contado {
                    st.envios_segurados -= 1;
                }
                return;
            }
            if !contado {
                st.envios_segurados += 1;
                contado = true;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

fn answer(st: &mut State, r: &Recorded) -> (u16, String) {
    let path = r.path.split('?').next().unwrap_or("").to_owned();
    let query = r.path.split_once('?').map(|(_, q)| q.to_owned()).unwrap_or_default();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let apikey = r.header("apikey").unwrap_or("").to_owned();
    if apikey.is_empty() {
        st.violations.push(format!("{} {path}: sem cabeçalho apikey", r.method));
        return erro(401, "Unauthorized", json!("Unauthorized"));
    }
    let global = apikey == CHAVE_GLOBAL;
    // Routes with an instance name accept the global key or that instance's token.
    let autorizado = |st: &State, nome: &str| global || st.instancias.get(nome).is_some_and(|i| i.token == apikey);
    match (r.method.as_str(), segs.as_slice()) {
        ("POST", ["instance", "create"]) => {
            if !global {
                st.violations.push("create sem a chave global".into());
                return erro(401, "Unauthorized", json!("Unauthorized"));
            }
            criar(st, &r.body)
        }
        ("GET", ["instance", "connect", nome]) => {
            let nome = (*nome).to_owned();
            if !st.instancias.contains_key(&nome) {
                return erro(404, "Not Found", json!([format!("The \"{nome}\" instance does not exist")]));
            }
            if !autorizado(st, &nome) {
                st.violations.push(format!("connect {nome} com apikey errada"));
                return erro(401, "Unauthorized", json!("Unauthorized"));
            }
            let abrir = st.abrir_apos_connects.map(|n| n.saturating_sub(1));
            st.abrir_apos_connects = abrir;
            let Some(inst) = st.instancias.get_mut(&nome) else { return erro(500, "x", json!("x")) };
            if abrir == Some(0) {
                inst.state = "open".into();
            }
            if inst.state == "open" {
                return (200, json!({"instance": {"instanceName": nome, "state": "open"}}).to_string());
            }
            inst.state = "connecting".into();
            inst.qr_count += 1;
            let number = query.strip_prefix("number=").map(str::to_owned);
            let mut qr = json!({"code": format!("2@FAKEQR{}", inst.qr_count), "count": inst.qr_count});
            if number.is_some() {
                qr["pairingCode"] = json!(format!("PAIR{:04}", inst.qr_count));
            }
            (200, qr.to_string())
        }
        ("GET", ["instance", "connectionState", nome]) => {
            if !autorizado(st, nome) {
                return erro(404, "Not Found", json!([format!("The \"{nome}\" instance does not exist")]));
            }
            let state = st.instancias.get(*nome).map_or("close".to_owned(), |i| i.state.clone());
            (200, json!({"instance": {"instanceName": nome, "state": state}}).to_string())
        }
        ("POST", ["webhook", "set", nome]) => {
            if !autorizado(st, nome) {
                st.violations.push(format!("webhook/set {nome} com apikey errada"));
                return erro(401, "Unauthorized", json!("Unauthorized"));
            }
            let w = &r.body["webhook"];
            if w["enabled"] != true || !w["url"].is_string() {
                st.violations.push(format!("webhook/set sem o corpo aninhado da 2.3: {}", r.body));
                return erro(400, "Bad Request", json!([["instance requires property \"webhook\""]]));
            }
            let headers = headers_de(&w["headers"]);
            if let Some(i) = st.instancias.get_mut(*nome) {
                i.webhook_url = w["url"].as_str().unwrap_or_default().to_owned();
                i.webhook_headers = headers;
            }
            (201, json!({"webhook": {"instanceName": nome, "webhook": w}}).to_string())
        }
        ("DELETE", ["instance", "logout", nome]) => {
            if !autorizado(st, nome) {
                return erro(404, "Not Found", json!([format!("The \"{nome}\" instance does not exist")]));
            }
            if let Some(i) = st.instancias.get_mut(*nome) {
                i.state = "close".into();
            }
            (
                200,
                json!({"status": "SUCCESS", "error": false, "response": {"message": "Instance logged out"}})
                    .to_string(),
            )
        }
        ("DELETE", ["instance", "delete", nome]) => {
            if !global {
                st.violations.push("delete sem a chave global".into());
            }
            if st.instancias.remove(*nome).is_none() {
                return erro(404, "Not Found", json!([format!("The \"{nome}\" instance does not exist")]));
            }
            (200, json!({"status": "SUCCESS", "error": false, "response": {"message": "Instance deleted"}}).to_string())
        }
        ("POST", ["message", "sendText", nome]) => {
            let ok_token = st.instancias.get(*nome).is_some_and(|i| i.token == apikey);
            if !ok_token {
                st.violations.push(format!("sendText {nome} sem o token da instância"));
                return erro(401, "Unauthorized", json!("Unauthorized"));
            }
            let b = &r.body;
            if !b["number"].is_string() || !b["text"].is_string() || b.get("textMessage").is_some() {
                st.violations.push(format!("sendText com corpo fora do formato v2: {b}"));
                return erro(400, "Bad Request", json!([["instance requires property \"text\""]]));
            }
            if let Some(s) = st.send_script.pop_front() {
                return s;
            }
            st.sends += 1;
            let number = b["number"].as_str().unwrap_or_default();
            let jid = if number.contains('@') { number.to_owned() } else { format!("{number}@s.whatsapp.net") };
            let resp = json!({
                "key": {"remoteJid": jid, "fromMe": true, "id": format!("BAE5FAKE{:08}", st.sends)},
                "pushName": "Você",
                "status": "PENDING",
                "message": {"conversation": b["text"]},
                "messageType": "conversation",
                "messageTimestamp": 1_790_000_000,
                "instanceId": "00000000-0000-0000-0000-000000000000",
                "source": "unknown"
            });
            (201, resp.to_string())
        }
        ("POST", ["chat", "getBase64FromMediaMessage", nome]) => {
            if st.instancias.get(*nome).is_none_or(|i| i.token != apikey) {
                st.violations.push(format!("getBase64FromMediaMessage {nome} sem o token da instância"));
                return erro(401, "Unauthorized", json!("Unauthorized"));
            }
            let id = r.body["message"]["key"]["id"].as_str().unwrap_or_default().to_owned();
            let Some((mimetype, bytes)) = st.midias.get(&id).cloned() else {
                return erro(400, "Bad Request", json!(["Message not found"]));
            };
            let resp = json!({"mediaType": "imageMessage", "fileName": null, "size": {"fileLength": bytes.len().to_string()},
                              "mimetype": mimetype, "base64": B64.encode(&bytes)});
            (201, resp.to_string())
        }
        ("POST", ["message", "sendMedia", nome]) => {
            if st.instancias.get(*nome).is_none_or(|i| i.token != apikey) {
                st.violations.push(format!("sendMedia {nome} sem o token da instância"));
                return erro(401, "Unauthorized", json!("Unauthorized"));
            }
            let b = &r.body;
            let tipo_ok = matches!(b["mediatype"].as_str(), Some("image" | "document" | "video" | "audio"));
            let bytes = b["media"].as_str().and_then(|m| B64.decode(m).ok());
            if !b["number"].is_string() || !tipo_ok || !b["mimetype"].is_string() || bytes.is_none_or(|x| x.is_empty())
            {
                st.violations.push(format!(
                    "sendMedia com corpo fora do formato: {}",
                    r.raw_body.chars().take(300).collect::<String>()
                ));
                return erro(400, "Bad Request", json!([["instance requires property \"mediatype\""]]));
            }
            st.sends += 1;
            let number = b["number"].as_str().unwrap_or_default();
            let jid = if number.contains('@') { number.to_owned() } else { format!("{number}@s.whatsapp.net") };
            let resp = json!({
                "key": {"remoteJid": jid, "fromMe": true, "id": format!("BAE5MIDIA{:06}", st.sends)},
                "status": "PENDING", "messageType": "imageMessage", "messageTimestamp": 1_790_000_000
            });
            (201, resp.to_string())
        }
        _ => {
            st.violations.push(format!("rota inesperada: {} {path}", r.method));
            erro(404, "Not Found", json!(["Cannot find route"]))
        }
    }
}

fn headers_de(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned()))).collect())
        .unwrap_or_default()
}

fn criar(st: &mut State, b: &Value) -> (u16, String) {
    let nome = b["instanceName"].as_str().unwrap_or_default().to_owned();
    let mut problemas = Vec::new();
    if nome.is_empty() {
        problemas.push("instanceName ausente");
    }
    if b["integration"] != "WHATSAPP-BAILEYS" {
        problemas.push("integration deve ser WHATSAPP-BAILEYS");
    }
    if b["qrcode"] != true {
        problemas.push("qrcode deve ser true");
    }
    if b["token"].as_str().is_none_or(|t| t.len() < 32) {
        problemas.push("token ausente ou curto");
    }
    let w = &b["webhook"];
    if !w["url"].as_str().is_some_and(|u| u.starts_with("http")) || !w["events"].is_array() {
        problemas.push("webhook.url/events ausentes");
    }
    if w["byEvents"] != false {
        problemas.push("webhook.byEvents deve ser false");
    }
    if let Some(n) = b.get("number") {
        if !n.as_str().is_some_and(|n| n.bytes().all(|c| c.is_ascii_digit())) {
            problemas.push("number deve ter só dígitos");
        }
    }
    if !problemas.is_empty() {
        st.violations.push(format!("create: {}", problemas.join("; ")));
        return erro(400, "Bad Request", json!(problemas));
    }
    if st.instancias.contains_key(&nome) {
        return erro(403, "Forbidden", json!([format!("This name \"{nome}\" is already in use.")]));
    }
    let token = b["token"].as_str().unwrap_or_default().to_owned();
    let number = b["number"].as_str().map(str::to_owned);
    st.instancias.insert(
        nome.clone(),
        Instancia {
            token: token.clone(),
            webhook_url: w["url"].as_str().unwrap_or_default().to_owned(),
            webhook_headers: headers_de(&w["headers"]),
            state: "connecting".into(),
            qr_count: 1,
            number: number.clone(),
        },
    );
    let hash = if st.hash_objeto { json!({"apikey": token}) } else { json!(token) };
    let mut qr = json!({"code": "2@FAKEQR1", "base64": "data:image/png;base64,iVBORw0KGgo=", "count": 1});
    if number.is_some() {
        qr["pairingCode"] = json!("PAIR0001");
    }
    let resp = json!({
        "instance": {"instanceName": nome, "instanceId": "aa5485dc-28fc-4c36-b1fd-13fc58e276a0",
                     "integration": "WHATSAPP-BAILEYS", "webhookWaBusiness": null, "accessTokenWaBusiness": "",
                     "status": "connecting"},
        "hash": hash,
        "webhook": {"webhookUrl": w["url"], "webhookHeaders": w["headers"], "webhookByEvents": false, "webhookBase64": false},
        "settings": {"rejectCall": false, "msgCall": "", "groupsIgnore": true, "alwaysOnline": false,
                     "readMessages": false, "readStatus": false, "syncFullHistory": false, "wavoipToken": ""},
        "qrcode": qr
    });
    (201, resp.to_string())
}
