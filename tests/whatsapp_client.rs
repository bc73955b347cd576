//! `whatsapp::GraphClient` over real HTTP against the fake Graph API: request shape, token,
//! and how each kind of failure is classified for the retry logic.

use helixai::outbound::{agent, Timeouts};
use helixai::whatsapp::{GraphClient, SendError};
use serde_json::json;

use crate::support::fake_graph::{FakeGraph, VERSION_PREFIX};

const TOKEN: &str = "EAAG-test-token";
const NUMBER_ID: &str = "106540352242922";
const CUSTOMER: &str = "5511999990000";

fn client(fake: &FakeGraph) -> GraphClient {
    GraphClient::new(agent(Timeouts::default()), fake.base_url.clone())
}

fn send(client: &GraphClient, token: &str) -> Result<String, SendError> {
    client.send_text(NUMBER_ID, token, CUSTOMER, "Olá! Temos sim, em 3 cores.", None)
}

#[test]
fn send_text_returns_the_wamid_and_sends_metas_shape() {
    let fake = FakeGraph::start(TOKEN);
    let client = client(&fake);
    assert_eq!(send(&client, TOKEN).unwrap(), "wamid.FAKE1");
    let reply = client.send_text(NUMBER_ID, TOKEN, CUSTOMER, "Segue o link: https://x.y/", Some("wamid.IN"));
    assert_eq!(reply.unwrap(), "wamid.FAKE2");

    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    let first = &requests[0];
    assert_eq!(first.method, "POST");
    assert_eq!(first.path, format!("{VERSION_PREFIX}/{NUMBER_ID}/messages"));
    assert_eq!(first.header("Authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    assert!(first.header("Content-Type").unwrap().starts_with("application/json"));
    assert_eq!(
        first.body,
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": CUSTOMER,
            "type": "text",
            "text": {"preview_url": false, "body": "Olá! Temos sim, em 3 cores."}
        })
    );
    assert_eq!(requests[1].body["context"], json!({"message_id": "wamid.IN"}));
    assert_eq!(requests[1].body["text"]["body"], "Segue o link: https://x.y/");
}

#[test]
fn rate_limit_is_retryable_and_the_retry_succeeds() {
    let fake = FakeGraph::start(TOKEN);
    fake.script(429, include_str!("fixtures/whatsapp/send_error_130429.json"));
    let client = client(&fake);
    let e = send(&client, TOKEN).unwrap_err();
    assert!(e.retryable, "{e:?}");
    assert_eq!((e.code, e.http_status), (Some(130429), Some(429)));
    assert_eq!(e.title, "(#130429) Rate limit hit");
    assert_eq!(send(&client, TOKEN).unwrap(), "wamid.FAKE1");
}

#[test]
fn server_errors_are_retryable() {
    let fake = FakeGraph::start(TOKEN);
    fake.script(500, "Internal Server Error");
    fake.script(
        503,
        r#"{"error":{"message":"(#2) Service temporarily unavailable","type":"OAuthException","code":2}}"#,
    );
    let client = client(&fake);
    let e = send(&client, TOKEN).unwrap_err();
    assert!(e.retryable, "{e:?}");
    assert_eq!((e.code, e.http_status, e.title.as_str()), (None, Some(500), "HTTP 500"));
    let e = send(&client, TOKEN).unwrap_err();
    assert!(e.retryable, "{e:?}");
    assert_eq!(e.code, Some(2));
}

#[test]
fn closed_window_is_permanent() {
    let fake = FakeGraph::start(TOKEN);
    // Meta's 131047 error object (pywa's test data) in the Graph error envelope.
    let body = json!({"error": {
        "message": "(#131047) Re-engagement message",
        "type": "OAuthException",
        "code": 131047,
        "error_data": {"messaging_product": "whatsapp", "details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number."},
        "fbtrace_id": "AbCdEf"
    }});
    fake.script(400, &body.to_string());
    let e = send(&client(&fake), TOKEN).unwrap_err();
    assert!(!e.retryable, "{e:?}");
    assert_eq!((e.code, e.http_status), (Some(131047), Some(400)));
    assert_eq!(e.title, "(#131047) Re-engagement message");
    assert!(e.details.as_deref().unwrap().contains("24 hours"));
    assert_eq!(e.fbtrace_id.as_deref(), Some("AbCdEf"));
}

#[test]
fn expired_token_is_permanent_and_never_echoed() {
    let fake = FakeGraph::start(TOKEN);
    let wrong = "EAAG-old-secret-token";
    let e = send(&client(&fake), wrong).unwrap_err();
    assert!(!e.retryable, "{e:?}");
    assert_eq!((e.code, e.http_status), (Some(190), Some(401)));
    assert!(e.title.starts_with("Error validating access token"), "{}", e.title);
    let shown = format!("{e} {e:?} {}", helixai::Error::from(e.clone()));
    assert!(!shown.contains(wrong), "the token leaked into the error: {shown}");
    assert_eq!(fake.requests()[0].header("Authorization"), Some(format!("Bearer {wrong}").as_str()));
}

#[test]
fn connection_refused_is_retryable() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }; // dropped: nothing listens there now
    let client = GraphClient::new(agent(Timeouts::default()), format!("http://127.0.0.1:{port}/v25.0"));
    let e = client.send_text(NUMBER_ID, TOKEN, CUSTOMER, "oi", None).unwrap_err();
    assert!(e.retryable, "{e:?}");
    assert_eq!((e.code, e.http_status), (None, None));
    assert!(!e.to_string().contains(TOKEN));
}

#[test]
fn accepted_without_wamid_is_not_retried() {
    // Meta may have taken the message; a retry could deliver it twice.
    let fake = FakeGraph::start(TOKEN);
    fake.script(200, r#"{"messaging_product":"whatsapp","messages":[]}"#);
    let e = send(&client(&fake), TOKEN).unwrap_err();
    assert!(!e.retryable, "{e:?}");
}

#[test]
fn mark_read_sends_metas_shape() {
    let fake = FakeGraph::start(TOKEN);
    let client = client(&fake);
    let wamid = "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA";
    client.mark_read(NUMBER_ID, TOKEN, wamid).unwrap();
    let expected: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/whatsapp/mark_as_read_request.json")).unwrap();
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, format!("{VERSION_PREFIX}/{NUMBER_ID}/messages"));
    assert_eq!(requests[0].header("Authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    assert_eq!(requests[0].body, expected);

    fake.script(200, r#"{"success":false}"#);
    assert!(!client.mark_read(NUMBER_ID, TOKEN, wamid).unwrap_err().retryable);
    let e = client.mark_read(NUMBER_ID, "wrong", wamid).unwrap_err();
    assert_eq!(e.code, Some(190));
}
