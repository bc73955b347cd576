//! Unit tests of the LLM wire types and response classification.

use super::*;
use serde_json::json;

#[test]
fn url_never_doubles() {
    assert_eq!(chat_url("https://api.openai.com/v1"), "https://api.openai.com/v1/chat/completions");
    assert_eq!(chat_url("https://api.openai.com/v1/"), "https://api.openai.com/v1/chat/completions");
    assert_eq!(chat_url("http://x/v1/chat/completions"), "http://x/v1/chat/completions");
}

#[test]
fn messages_serialise_like_openai_expects() {
    let call = ToolCall {
        id: "call_1".into(),
        kind: "function".into(),
        function: FunctionCall { name: "buscar_veiculos".into(), arguments: "{\"texto\": \"hilux\"}".into() },
    };
    let req = ChatRequest {
        model: "gpt-4o-mini".into(),
        messages: vec![
            ChatMessage::user("oi"),
            ChatMessage::assistant_tool_calls(vec![call]),
            ChatMessage::tool("call_1", "{}"),
        ],
        tools: vec![],
        temperature: None,
    };
    let v = serde_json::to_value(&req).unwrap();
    assert_eq!(
        v,
        json!({"model":"gpt-4o-mini","messages":[
            {"role":"user","content":"oi"},
            {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"buscar_veiculos","arguments":"{\"texto\": \"hilux\"}"}}]},
            {"role":"tool","content":"{}","tool_call_id":"call_1"}]})
    );
}

#[test]
fn settings_debug_masks_the_key() {
    let s = LlmSettings { base_url: "u".into(), api_key: "sk-secret".into(), modelo: "m".into() };
    assert!(!format!("{s:?}").contains("sk-secret"));
}

#[test]
fn classification_is_tolerant() {
    let ok = r#"{"choices":[{"message":{"role":"assistant","content":"oi","refusal":null},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}"#;
    let r = parse_response(200, None, ok).unwrap();
    assert_eq!(r.content.as_deref(), Some("oi"));
    assert_eq!(r.usage.map(|u| u.total_tokens), Some(4));
    assert_eq!(parse_response(200, None, r#"{"choices":[]}"#), Err(LlmError::Invalid("resposta sem choices".into())));
    assert_eq!(parse_response(200, None, r#"{"error":{"code":502,"message":"upstream"}}"#), Err(LlmError::Server(502)));
    assert!(matches!(parse_response(200, None, "<html>oops</html>"), Err(LlmError::Invalid(_))));
    assert_eq!(parse_response(502, None, "<html>Bad gateway</html>"), Err(LlmError::Server(502)));
    assert_eq!(parse_response(401, None, "{}"), Err(LlmError::Auth(401)));
    assert_eq!(
        parse_response(400, None, r#"{"error":{"code":400,"message":"bad"}}"#),
        Err(LlmError::BadRequest { status: 400, code: "400".into() })
    );
    assert_eq!(
        parse_response(429, None, r#"{"error":{"type":"insufficient_quota","code":"insufficient_quota"}}"#),
        Err(LlmError::QuotaExceeded)
    );
    let d = Some(Duration::from_secs(1));
    assert_eq!(
        parse_response(429, d, r#"{"error":{"code":"rate_limit_exceeded"}}"#),
        Err(LlmError::RateLimited { retry_after: d })
    );
    assert!(LlmError::Timeout.is_retryable() && !LlmError::QuotaExceeded.is_retryable());
}
