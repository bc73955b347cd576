//! LLM failure scenarios over real HTTP: every error class is retried or not as the
//! contract says, and the customer always gets the catalog-only fallback answer.

use std::time::{Duration, Instant};

use helixai::bot::Origem;
use serde_json::{json, Value};

use super::{assert_clean, catalog, expect, fixture, fixture_json, text_body, turn, turn_with, KEY};
use crate::support::fake_openai::{FakeOpenAi, Step};

#[test]
fn unauthorized_is_not_retried() {
    let q = "quanto custa a hilux?";
    let fake = FakeOpenAi::start(expect(q), vec![Step::new(401, fixture("error-401-invalid-api-key.response.json"))]);
    let r = turn(&fake, &[], q, &catalog());
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(r.origem, Origem::Fallback);
    assert!(r.texto.contains("R$ 189.900,00"));
    let err = r.llm_error.unwrap();
    assert!(err.contains("chave") && !err.contains(KEY), "{err}");
    assert_clean(&fake);
}

#[test]
fn insufficient_quota_is_not_retried() {
    let q = "quanto custa a hilux?";
    let fake =
        FakeOpenAi::start(expect(q), vec![Step::new(429, fixture("error-429-insufficient-quota.response.json"))]);
    let r = turn(&fake, &[], q, &catalog());
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(r.origem, Origem::Fallback);
    assert!(r.llm_error.unwrap().contains("créditos"));
    assert_clean(&fake);
}

#[test]
fn bad_request_is_not_retried() {
    let q = "oi";
    let body = fixture("error-400-unsupported-parameter-max-tokens.response.json");
    let fake = FakeOpenAi::start(expect(q), vec![Step::new(400, body)]);
    let r = turn(&fake, &[], q, &catalog());
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(r.origem, Origem::Fallback);
    assert_clean(&fake);
}

#[test]
fn rate_limit_honours_retry_after() {
    let q = "oi";
    let fake = FakeOpenAi::start(
        expect(q),
        vec![
            Step::new(429, fixture("error-429-rate-limit-exceeded.response.json")).header("Retry-After", "1"),
            Step::ok(text_body("Olá! Em que posso ajudar?")),
        ],
    );
    let r = turn(&fake, &[], q, &catalog());
    assert_eq!(r.origem, Origem::Llm, "{r:?}");
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs[1].at.duration_since(reqs[0].at) >= Duration::from_millis(950));
    assert_clean(&fake);
}

#[test]
fn server_errors_are_retried_then_answered() {
    let q = "oi";
    let fake = FakeOpenAi::start(
        expect(q),
        vec![
            Step::new(500, r#"{"error":{"message":"boom","type":"server_error","param":null,"code":null}}"#),
            Step::new(503, "<html><body>503 Service Unavailable</body></html>"),
            Step::ok(text_body("Olá! Em que posso ajudar?")),
        ],
    );
    let r = turn(&fake, &[], q, &catalog());
    assert_eq!(r.origem, Origem::Llm, "{r:?}");
    assert_eq!(fake.requests().len(), 3);
    assert_clean(&fake);
}

#[test]
fn server_errors_forever_fall_back() {
    let q = "quanto custa a hilux?";
    let fake = FakeOpenAi::start(expect(q), (0..3).map(|_| Step::new(503, "overloaded")).collect());
    let r = turn(&fake, &[], q, &catalog());
    assert_eq!(r.origem, Origem::Fallback);
    assert!(r.texto.contains("R$ 189.900,00"));
    assert_eq!(fake.requests().len(), 3);
    assert_clean(&fake);
}

#[test]
fn timeout_falls_back_within_budget() {
    let q = "quanto custa a hilux?";
    let slow = || Step::ok(text_body("tarde demais")).after(Duration::from_millis(600));
    let fake = FakeOpenAi::start(expect(q), vec![slow(), slow(), slow()]);
    let start = Instant::now();
    let r = turn_with(&fake, &[], q, &catalog(), Duration::from_millis(200));
    assert!(start.elapsed() < Duration::from_secs(3), "{:?}", start.elapsed());
    assert_eq!(r.origem, Origem::Fallback);
    assert!(r.llm_error.unwrap().contains("tempo"));
    fake.wait_answered(3, Duration::from_secs(5));
    assert_eq!(fake.requests().len(), 3);
    assert_clean(&fake);
}

#[test]
fn garbage_bodies_fall_back() {
    let q = "quanto custa a hilux?";
    let refusal = {
        let mut v = fixture_json("dotnet-system-user.response.json");
        v["choices"][0]["message"]["content"] = Value::Null;
        v["choices"][0]["message"]["refusal"] = json!("I can't help with that.");
        v.to_string()
    };
    let filtered = {
        let mut v = fixture_json("dotnet-system-user.response.json");
        v["choices"][0]["finish_reason"] = json!("content_filter");
        v.to_string()
    };
    let cases: Vec<Vec<Step>> = vec![
        (0..3).map(|_| Step::new(502, "<html><body>Bad Gateway</body></html>")).collect(),
        vec![Step::ok(r#"{"id":"x","object":"chat.completion","choices":[]}"#)],
        (0..3)
            .map(|_| Step::ok(r#"{"error":{"code":502,"message":"Provider returned error","metadata":{}}}"#))
            .collect(),
        vec![Step::new(400, r#"{"error":{"code":400,"message":"bad","type":"BadRequestError","param":null}}"#)],
        vec![Step::ok("<html>not json</html>")],
        vec![Step::ok(r#"{"error":"a plain string"}"#)],
        vec![Step::ok(refusal)],
        vec![Step::ok(filtered)],
        vec![Step::ok(text_body(""))],
    ];
    for steps in cases {
        let n = steps.len();
        let fake = FakeOpenAi::start(expect(q), steps);
        let r = turn(&fake, &[], q, &catalog());
        assert_eq!(r.origem, Origem::Fallback, "{r:?}");
        assert!(r.texto.contains("R$ 189.900,00"));
        assert_eq!(fake.requests().len(), n);
        assert_clean(&fake);
    }
}
