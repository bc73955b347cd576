//! Unit tests of the send client's pure parts: error classification against Meta's error
//! bodies, the retry schedule, and the request bodies against Meta's examples. The HTTP
//! round trips are in `tests/whatsapp_client.rs`.

use super::*;

#[test]
fn backoff_doubles_then_caps() {
    let secs: Vec<u64> = (0..=9).map(|a| backoff(a).as_secs()).collect();
    assert_eq!(secs, [1, 1, 2, 4, 8, 16, 32, 60, 60, 60]);
    assert_eq!(backoff(u32::MAX), Duration::from_secs(60));
    let total: u64 = (1..MAX_SEND_ATTEMPTS).map(|a| backoff(a).as_secs()).sum();
    assert!(total <= 300, "retries should give up within minutes, not hours: {total}s");
}

#[test]
fn rate_limit_fixture_is_retryable() {
    let body = include_str!("../../tests/fixtures/whatsapp/send_error_130429.json");
    let e = SendError::from_graph_body(400, body);
    assert!(e.retryable);
    assert_eq!(e.code, Some(130429));
    assert_eq!(e.title, "(#130429) Rate limit hit");
    assert_eq!(e.details.as_deref(), Some("Cloud API message throughput has been reached."));
    assert_eq!(e.fbtrace_id.as_deref(), Some("Az8or2yhqkZfEZ-_4Qn_Bam"));
    assert_eq!(e.http_status, Some(400));
    assert!(e.to_string().contains("código 130429"));
}

#[test]
fn expired_token_fixture_is_permanent() {
    let inner = include_str!("../../tests/fixtures/whatsapp/error_object_190_expired_token_pywa.json");
    let e = SendError::from_graph_body(401, &format!(r#"{{"error":{inner}}}"#));
    assert!(!e.retryable);
    assert_eq!(e.code, Some(190));
    assert!(e.title.starts_with("Error validating access token"));
}

#[test]
fn code_beats_http_status() {
    let window = r#"{"error":{"message":"(#131047) Re-engagement message","code":131047}}"#;
    assert!(!SendError::from_graph_body(500, window).retryable);
    let unknown = r#"{"error":{"message":"new","code":999999}}"#;
    assert!(SendError::from_graph_body(503, unknown).retryable);
    assert!(!SendError::from_graph_body(400, unknown).retryable);
}

#[test]
fn table() {
    for code in [1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056, 131057, 133004] {
        assert!(is_retryable(Some(code), Some(400)), "{code}");
    }
    for code in [0, 3, 10, 100, 190, 200, 299, 131026, 131047, 131049, 131050, 131051, 132001, 368] {
        assert!(!is_retryable(Some(code), Some(500)), "{code}");
    }
    assert!(is_retryable(None, Some(429)));
    assert!(is_retryable(None, Some(502)));
    assert!(!is_retryable(None, Some(404)));
}

#[test]
fn non_json_error_body() {
    let e = SendError::from_graph_body(502, "<html>Bad Gateway</html>");
    assert!(e.retryable);
    assert_eq!(e.code, None);
    assert_eq!(e.title, "HTTP 502");
    let e = SendError::from_graph_body(400, r#"{"error":{"message":"x","code":1,"error_data":"texto"}}"#);
    assert_eq!((e.code, e.details), (Some(1), None));
}

#[test]
fn request_bodies_match_meta_examples() {
    let request = TextRequest {
        messaging_product: "whatsapp",
        recipient_type: "individual",
        to: Some("+16505551234"),
        recipient: None,
        kind: "text",
        text: TextBody {
            preview_url: true,
            body: "As requested, here's the link to our latest product: https://www.meta.com/quest/quest-3/",
        },
        context: None,
    };
    let expected: Value =
        serde_json::from_str(include_str!("../../tests/fixtures/whatsapp/send_text_request.json")).unwrap();
    assert_eq!(serde_json::to_value(&request).unwrap(), expected);

    let read = ReadRequest {
        messaging_product: "whatsapp",
        status: "read",
        message_id: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA",
    };
    let expected: Value =
        serde_json::from_str(include_str!("../../tests/fixtures/whatsapp/mark_as_read_request.json")).unwrap();
    assert_eq!(serde_json::to_value(&read).unwrap(), expected);

    let sent: SendResponse =
        serde_json::from_str(include_str!("../../tests/fixtures/whatsapp/send_text_response.json")).unwrap();
    assert_eq!(sent.messages[0].id, "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA");
    let read: ReadResponse =
        serde_json::from_str(include_str!("../../tests/fixtures/whatsapp/mark_as_read_response.json")).unwrap();
    assert!(read.success);
}

#[test]
fn bad_phone_number_id_never_reaches_the_network() {
    // Port 9 (discard) on a TEST-NET address: if the check failed we'd see a network error.
    let client = GraphClient::new(crate::outbound::agent(Default::default()), "http://192.0.2.1:9/");
    assert_eq!(client.base_url(), "http://192.0.2.1:9");
    for id in ["", "123/../../me", "123?x=1", "abc"] {
        let e = client.send_text(id, "tok", "5511999999999", "oi", None).unwrap_err();
        assert!(!e.retryable && e.title.contains("phone_number_id"), "{id}: {e}");
    }
}

#[test]
fn a_phone_goes_in_to_and_a_bsuid_in_recipient() {
    assert_eq!(destinatario("16505551234"), (Some("16505551234"), None));
    assert_eq!(destinatario("+5511988887777"), (Some("+5511988887777"), None));
    assert_eq!(destinatario("US.13491208655302741918"), (None, Some("US.13491208655302741918")));
    assert_eq!(destinatario("user.9373795779eb"), (None, Some("user.9373795779eb")));
    let (to, recipient) = destinatario("US.13491208655302741918");
    let request = TextRequest {
        messaging_product: "whatsapp",
        recipient_type: "individual",
        to,
        recipient,
        kind: "text",
        text: TextBody { preview_url: false, body: "oi" },
        context: None,
    };
    let v = serde_json::to_value(&request).unwrap();
    assert_eq!(v["recipient"], "US.13491208655302741918");
    assert!(v.get("to").is_none(), "no `to` for a BSUID-only send: {v}");
}
