//! `EvolutionClient` over real HTTP against a tiny fake Evolution on 127.0.0.1:0 that
//! records each request (method, path, `apikey`, JSON body) and answers scripted bodies,
//! most of them Evolution's own examples from `tests/fixtures/evolution/`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::{json, Value};

use super::*;
use crate::outbound::{agent, Timeouts};

const GLOBAL: &str = "GLOBAL-KEY-0123456789";
const TOKEN: &str = "TOKEN-EMPRESA-7-abcdef";
const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/evolution/");

fn fixture(name: &str) -> String {
    let path = PathBuf::from(DIR).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One request as the fake received it.
#[derive(Debug, Clone)]
struct Recebido {
    metodo: String,
    caminho: String,
    apikey: Option<String>,
    corpo: Value,
}

/// Answers the scripted `(status, body)` pairs in order (then 500), recording requests: a
/// plain HTTP/1.1 server on a std listener, one request per connection.
struct Fake {
    base_url: String,
    addr: std::net::SocketAddr,
    parar: Arc<std::sync::atomic::AtomicBool>,
    recebidos: Arc<Mutex<Vec<Recebido>>>,
    thread: Option<JoinHandle<()>>,
}

/// Reads one request (head + `Content-Length` body) from `stream`.
fn ler_pedido(stream: &mut std::net::TcpStream) -> Option<(String, String, Option<String>, String)> {
    use std::io::{BufRead, BufReader, Read};
    let mut r = BufReader::new(stream);
    let mut linha = String::new();
    r.read_line(&mut linha).ok()?;
    let mut partes = linha.split_whitespace();
    let (metodo, caminho) = (partes.next()?.to_string(), partes.next()?.to_string());
    let (mut apikey, mut tamanho) = (None, 0usize);
    loop {
        linha.clear();
        r.read_line(&mut linha).ok()?;
        let l = linha.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':')?;
        if k.eq_ignore_ascii_case("apikey") {
            apikey = Some(v.trim().to_string());
        } else if k.eq_ignore_ascii_case("content-length") {
            tamanho = v.trim().parse().ok()?;
        }
    }
    let mut corpo = vec![0; tamanho];
    r.read_exact(&mut corpo).ok()?;
    Some((metodo, caminho, apikey, String::from_utf8_lossy(&corpo).into_owned()))
}

impl Fake {
    fn start(respostas: Vec<(u16, String)>) -> Fake {
        use std::io::Write;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let recebidos = Arc::new(Mutex::new(Vec::new()));
        let parar = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thread = {
            let (recebidos, parar) = (Arc::clone(&recebidos), Arc::clone(&parar));
            std::thread::spawn(move || {
                let mut respostas = respostas.into_iter();
                for stream in listener.incoming() {
                    if parar.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    let Ok(mut stream) = stream else { continue };
                    let Some((metodo, caminho, apikey, corpo)) = ler_pedido(&mut stream) else { continue };
                    recebidos.lock().unwrap().push(Recebido {
                        metodo,
                        caminho,
                        apikey,
                        corpo: serde_json::from_str(&corpo).unwrap_or(Value::Null),
                    });
                    let (status, body) = respostas.next().unwrap_or((500, "{}".to_string()));
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                         Connection: close\r\n\r\n{body}",
                        body.len()
                    );
                }
            })
        };
        Fake { base_url: format!("http://{addr}/"), addr, parar, recebidos, thread: Some(thread) }
    }

    fn client(&self) -> EvolutionClient {
        EvolutionClient::new(agent(Timeouts::default()), self.base_url.clone())
    }

    fn recebidos(&self) -> Vec<Recebido> {
        self.recebidos.lock().unwrap().clone()
    }

    fn unico(&self) -> Recebido {
        let mut r = self.recebidos();
        assert_eq!(r.len(), 1, "{r:?}");
        r.remove(0)
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.parar.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(self.addr); // wakes the accept loop
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn nova<'a>(numero: Option<&'a str>, cabecalhos: &'a [(&'a str, &'a str)]) -> NovaInstancia<'a> {
    NovaInstancia {
        nome: "empresa-7",
        token: TOKEN,
        numero,
        webhook_url: "https://helix.example/evo/empresa-7",
        webhook_cabecalhos: cabecalhos,
    }
}

fn sem_segredos(e: &EvolutionError) {
    let shown = format!("{e} {e:?} {}", crate::Error::from(e.clone()));
    assert!(!shown.contains(TOKEN) && !shown.contains(GLOBAL), "a key leaked into the error: {shown}");
}

#[test]
fn create_sends_our_settings_and_reads_hash_object() {
    let fake = Fake::start(vec![(201, fixture("instance_create_response_v2_docs.json"))]);
    let cabecalhos = [("authorization", "Bearer segredo-webhook")];
    let criada = fake.client().criar_instancia(GLOBAL, &nova(Some("+55 (31) 9 7556-4133"), &cabecalhos)).unwrap();
    assert_eq!(criada.token.as_deref(), Some("REDACTED"));
    assert_eq!(criada.instance_id.as_deref(), Some("af6c5b7c-ee27-4f94-9ea8-192393746ddd"));
    assert_eq!(criada.qr, None);
    let r = fake.unico();
    assert_eq!((r.metodo.as_str(), r.caminho.as_str()), ("POST", "/instance/create"));
    assert_eq!(r.apikey.as_deref(), Some(GLOBAL));
    let expected = json!({
        "instanceName": "empresa-7", "integration": "WHATSAPP-BAILEYS", "qrcode": true,
        "number": "5531975564133", "token": TOKEN, "groupsIgnore": true, "rejectCall": false,
        "alwaysOnline": false, "readMessages": false, "readStatus": false, "syncFullHistory": false,
        "webhook": {
            "url": "https://helix.example/evo/empresa-7", "byEvents": false, "base64": false,
            "headers": {"authorization": "Bearer segredo-webhook"},
            "events": ["MESSAGES_UPSERT", "MESSAGES_UPDATE", "CONNECTION_UPDATE", "QRCODE_UPDATED"]
        }
    });
    assert_eq!(r.corpo, expected);
}

#[test]
fn create_reads_hash_string_and_qr() {
    let fake = Fake::start(vec![
        (201, fixture("instance_create_response_v2_issue1541.json")),
        (
            201,
            json!({"hash": "H2", "qrcode": {"pairingCode": null, "code": "2@abc", "base64": "data:x", "count": 1}})
                .to_string(),
        ),
    ]);
    let client = fake.client();
    let criada = client.criar_instancia(GLOBAL, &nova(None, &[])).unwrap();
    assert_eq!(criada.token.as_deref(), Some("5A793D2C-EF7A-4AC5-86AE-5DE05F1CCC22"));
    assert_eq!(criada.instance_id.as_deref(), Some("aa5485dc-28fc-4c36-b1fd-13fc58e276a0"));
    assert_eq!(criada.qr, None, "count 0 means no QR yet");
    let criada = client.criar_instancia(GLOBAL, &nova(Some(""), &[])).unwrap();
    let qr = criada.qr.unwrap();
    assert_eq!(
        (qr.code.as_deref(), qr.base64.as_deref(), qr.pairing_code, qr.count),
        (Some("2@abc"), Some("data:x"), None, 1)
    );
    for r in fake.recebidos() {
        assert!(r.corpo.get("number").is_none(), "{:?}", r.corpo);
        assert_eq!(r.corpo["webhook"]["headers"], json!({}));
    }
}

#[test]
fn create_name_in_use() {
    let fake = Fake::start(vec![(403, fixture("instance_create_error_403_name_in_use_v2_docs.json"))]);
    let e = fake.client().criar_instancia(GLOBAL, &nova(None, &[])).unwrap_err();
    assert_eq!((e.tipo, e.retryable, e.http_status), (TipoErro::NomeEmUso, false, Some(403)));
    assert!(e.mensagem.contains("already in use"), "{e}");
    sem_segredos(&e);
}

#[test]
fn connect_returns_qr_then_state() {
    let fake = Fake::start(vec![
        (200, fixture("instance_connect_response_v2_docs.json")),
        (200, fixture("connection_state_response_v2_docs.json")),
        (200, r#"{"pairingCode":null,"count":0}"#.to_string()),
        (200, r#"{"something":"else"}"#.to_string()),
    ]);
    let client = fake.client();
    let Conexao::Qr(qr) = client.conectar(TOKEN, "empresa-7", Some("+55 31 97556-4133")).unwrap() else { panic!() };
    assert_eq!(qr.pairing_code.as_deref(), Some("WZYEH1YY"));
    assert_eq!(qr.code.as_deref(), Some("2@y8eK+bjtEjUWy9/FOM..."));
    assert_eq!((qr.base64, qr.count), (None, 1));
    assert_eq!(client.conectar(TOKEN, "empresa-7", None).unwrap(), Conexao::Estado("open".into()));
    assert_eq!(client.conectar(TOKEN, "empresa-7", None).unwrap(), Conexao::Estado("connecting".into()));
    let e = client.conectar(TOKEN, "empresa-7", None).unwrap_err();
    assert_eq!((e.tipo, e.retryable), (TipoErro::Outro, false));
    let r = fake.recebidos();
    assert_eq!(
        (r[0].metodo.as_str(), r[0].caminho.as_str()),
        ("GET", "/instance/connect/empresa-7?number=5531975564133")
    );
    assert_eq!(r[1].caminho, "/instance/connect/empresa-7");
    assert!(r.iter().all(|r| r.apikey.as_deref() == Some(TOKEN)));
}

#[test]
fn connect_unknown_instance() {
    let fake = Fake::start(vec![(404, fixture("instance_connect_error_404_v2_docs.json"))]);
    let e = fake.client().conectar(TOKEN, "empresa-7", None).unwrap_err();
    assert_eq!((e.tipo, e.retryable, e.http_status), (TipoErro::InstanciaInexistente, false, Some(404)));
    assert!(e.mensagem.contains(r#"The "invalid-instance" instance does not exist"#), "{e}");
}

#[test]
fn connection_state() {
    let fake = Fake::start(vec![(200, fixture("connection_state_response_v2_docs.json")), (200, "{}".into())]);
    let client = fake.client();
    assert_eq!(client.estado(TOKEN, "empresa-7").unwrap(), "open");
    assert_eq!(client.estado(TOKEN, "empresa-7").unwrap_err().tipo, TipoErro::Outro);
    let r = fake.recebidos();
    assert_eq!((r[0].metodo.as_str(), r[0].caminho.as_str()), ("GET", "/instance/connectionState/empresa-7"));
    assert_eq!(r[0].apikey.as_deref(), Some(TOKEN));
}

#[test]
fn send_text_returns_key_id() {
    let v23 = json!({"key": {"remoteJid": "553191819932@s.whatsapp.net", "fromMe": true, "id": "3EB0D2B5F1C7"},
                     "pushName": "", "status": "PENDING", "message": {"conversation": "Olá!"}, "contextInfo": null,
                     "messageType": "conversation", "messageTimestamp": 1755920999, "instanceId": "49e8011d",
                     "source": "unknown"});
    let fake = Fake::start(vec![(201, fixture("send_text_response_v2_docs.json")), (200, v23.to_string())]);
    let client = fake.client();
    assert_eq!(client.enviar_texto(TOKEN, "empresa-7", "5531991819932", "Olá!").unwrap(), "BAE594145F4C59B4");
    assert_eq!(client.enviar_texto(TOKEN, "empresa-7", "82030184386636@lid", "Olá!").unwrap(), "3EB0D2B5F1C7");
    let r = fake.recebidos();
    assert_eq!((r[0].metodo.as_str(), r[0].caminho.as_str()), ("POST", "/message/sendText/empresa-7"));
    assert_eq!(r[0].apikey.as_deref(), Some(TOKEN));
    assert_eq!(r[0].corpo, json!({"number": "5531991819932", "text": "Olá!"}));
    assert_eq!(r[1].corpo["number"], "82030184386636@lid");
}

#[test]
fn send_accepted_without_id_is_not_retried() {
    let fake = Fake::start(vec![(201, r#"{"status":"PENDING"}"#.into()), (201, String::new())]);
    for _ in 0..2 {
        let e = fake.client().enviar_texto(TOKEN, "empresa-7", "5531991819932", "oi").unwrap_err();
        assert_eq!((e.tipo, e.retryable), (TipoErro::Outro, false), "{e}");
    }
}

#[test]
fn send_to_number_not_on_whatsapp() {
    let fake = Fake::start(vec![(400, fixture("send_text_error_400_number_not_on_whatsapp_issue2111.json"))]);
    let e = fake.client().enviar_texto(TOKEN, "empresa-7", "274860794187802", "oi").unwrap_err();
    assert_eq!((e.tipo, e.retryable, e.http_status), (TipoErro::NaoEstaNoWhatsapp, false, Some(400)));
    assert_eq!(e.mensagem, "o número 274860794187802 não está no WhatsApp");
    sem_segredos(&e);
}

#[test]
fn send_with_v1_body_shape_error() {
    let fake = Fake::start(vec![(400, fixture("send_text_error_400_validation_issue2570.json"))]);
    let e = fake.client().enviar_texto(TOKEN, "empresa-7", "5531991819932", "oi").unwrap_err();
    assert_eq!((e.tipo, e.retryable), (TipoErro::Invalido, false));
    assert!(e.mensagem.contains(r#"instance requires property "text""#), "{e}");
}

#[test]
fn server_errors_on_send() {
    let closed =
        r#"{"status":500,"error":"Internal Server Error","response":{"message":["Error: Connection Closed"]}}"#;
    let other =
        r#"{"status":500,"error":"Internal Server Error","response":{"message":"PrismaClientKnownRequestError"}}"#;
    let fake = Fake::start(vec![
        (500, closed.into()),
        (500, other.into()),
        (503, "<html>Service Unavailable</html>".into()),
        (401, r#"{"status":401,"error":"Unauthorized","response":{"message":"Unauthorized"}}"#.into()),
    ]);
    let client = fake.client();
    let send = || client.enviar_texto(TOKEN, "empresa-7", "5531991819932", "oi").unwrap_err();
    let e = send();
    assert_eq!((e.tipo, e.retryable), (TipoErro::Desconectado, true), "{e}");
    let e = send();
    assert_eq!((e.tipo, e.retryable), (TipoErro::Outro, false), "a 500 on send may have delivered: {e}");
    let e = send();
    assert_eq!((e.tipo, e.retryable, e.http_status), (TipoErro::Outro, true, Some(503)), "{e}");
    let e = send();
    assert_eq!((e.tipo, e.retryable), (TipoErro::NaoAutorizado, false), "{e}");
    sem_segredos(&e);
}

#[test]
fn connection_refused_is_retryable() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }; // dropped: nothing listens there now
    let client = EvolutionClient::new(agent(Timeouts::default()), format!("http://127.0.0.1:{port}"));
    let e = client.enviar_texto(TOKEN, "empresa-7", "5531991819932", "oi").unwrap_err();
    assert_eq!((e.tipo, e.retryable, e.http_status), (TipoErro::Rede, true, None), "{e}");
    sem_segredos(&e);
}

#[test]
fn webhook_logout_and_delete() {
    let fake = Fake::start(vec![
        (201, fixture("webhook_set_response_v2_docs.json")),
        (200, r#"{"status":"SUCCESS","error":false,"response":{"message":"Instance logged out"}}"#.into()),
        (200, r#"{"status":"SUCCESS","error":false,"response":{"message":"Instance deleted"}}"#.into()),
    ]);
    let client = fake.client();
    client.definir_webhook(TOKEN, "empresa-7", "https://helix.example/evo/empresa-7", &[("x-helix", "s3")]).unwrap();
    client.desconectar(TOKEN, "empresa-7").unwrap();
    client.excluir(GLOBAL, "empresa-7").unwrap();
    let r = fake.recebidos();
    assert_eq!((r[0].metodo.as_str(), r[0].caminho.as_str()), ("POST", "/webhook/set/empresa-7"));
    assert_eq!(
        r[0].corpo,
        json!({"webhook": {"enabled": true, "url": "https://helix.example/evo/empresa-7", "headers": {"x-helix": "s3"},
               "byEvents": false, "base64": false,
               "events": ["MESSAGES_UPSERT", "MESSAGES_UPDATE", "CONNECTION_UPDATE", "QRCODE_UPDATED"]}})
    );
    assert_eq!((r[1].metodo.as_str(), r[1].caminho.as_str()), ("DELETE", "/instance/logout/empresa-7"));
    assert_eq!((r[2].metodo.as_str(), r[2].caminho.as_str()), ("DELETE", "/instance/delete/empresa-7"));
    assert_eq!(r.iter().map(|r| r.apikey.as_deref().unwrap()).collect::<Vec<_>>(), [TOKEN, TOKEN, GLOBAL]);
}

#[test]
fn an_echoed_token_is_scrubbed() {
    let body =
        json!({"status": 403, "error": "Forbidden", "response": {"message": [format!("apikey {TOKEN} invalid")]}});
    let fake = Fake::start(vec![(403, body.to_string())]);
    let e = fake.client().estado(TOKEN, "empresa-7").unwrap_err();
    assert_eq!(e.tipo, TipoErro::NaoAutorizado);
    assert!(e.mensagem.contains("apikey *** invalid"), "{e}");
    sem_segredos(&e);
}

#[test]
fn bad_names_and_keys_never_reach_the_network() {
    let fake = Fake::start(vec![]);
    let client = fake.client();
    let longo = "a".repeat(65);
    for nome in ["", "a/b", "../instance/delete/x", "a?b=1", "a b", "ção", longo.as_str()] {
        let e = client.estado(TOKEN, nome).unwrap_err();
        assert_eq!((e.tipo, e.retryable), (TipoErro::Invalido, false), "{nome:?}");
        let e = client.enviar_texto(TOKEN, nome, "5531991819932", "oi").unwrap_err();
        assert_eq!(e.tipo, TipoErro::Invalido, "{nome:?}");
    }
    assert_eq!(client.estado("  ", "empresa-7").unwrap_err().tipo, TipoErro::Invalido);
    assert_eq!(client.enviar_texto(TOKEN, "empresa-7", " ", "oi").unwrap_err().tipo, TipoErro::Invalido);
    assert!(client.estado(TOKEN, &"a".repeat(64)).is_err()); // valid name: reaches the fake (500)
    assert_eq!(fake.recebidos().len(), 1);
    let bad = EvolutionClient::new(agent(Timeouts::default()), "evo.example.com");
    let e = bad.estado(TOKEN, "empresa-7").unwrap_err();
    assert_eq!((e.tipo, e.retryable), (TipoErro::Invalido, false), "{e}");
}
