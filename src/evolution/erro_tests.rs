//! Tests of the error classification table (module docs of `client.rs`) on bodies alone.

use super::*;

fn e(status: u16, body: &str) -> EvolutionError {
    EvolutionError::de_resposta(status, body, false)
}

#[test]
fn message_shapes_are_flattened() {
    let s = e(400, r#"{"status":400,"error":"Bad Request","response":{"message":"texto simples"}}"#);
    assert_eq!(s.mensagem, "a Evolution recusou o pedido: texto simples");
    let s = e(400, r#"{"response":{"message":[["a requires b", "c"], "d"]}}"#);
    assert_eq!(s.mensagem, "a Evolution recusou o pedido: a requires b; c; d");
    let s = e(400, r#"{"message":"sem wrapper"}"#);
    assert!(s.mensagem.ends_with("sem wrapper"), "{s}");
    let s = e(400, r#"{"error":"Bad Request","response":"estranho"}"#);
    assert!(s.mensagem.ends_with("Bad Request"), "{s}");
    let s = e(400, "<html>nginx</html>");
    assert_eq!((s.tipo, s.mensagem.as_str()), (TipoErro::Invalido, "a Evolution recusou o pedido: HTTP 400"));
    assert_eq!(s.to_string(), "a Evolution recusou o pedido: HTTP 400 (HTTP 400)");
}

#[test]
fn numbers_not_on_whatsapp() {
    let body = r#"{"response":{"message":[{"jid":"5531900000000@s.whatsapp.net","exists":false},
                  {"jid":"5531911111111@s.whatsapp.net","exists":true,"number":"5531911111111"}]}}"#;
    let s = e(400, body);
    assert_eq!((s.tipo, s.retryable), (TipoErro::NaoEstaNoWhatsapp, false));
    assert_eq!(s.mensagem, "o número 5531900000000 não está no WhatsApp");
    // Every number exists: a plain 400.
    let s = e(400, r#"{"response":{"message":[{"jid":"x@s.whatsapp.net","exists":true,"number":"1"}]}}"#);
    assert_eq!(s.tipo, TipoErro::Invalido);
}

#[test]
fn status_table() {
    let closed = |m: &str| format!(r#"{{"response":{{"message":["{m}"]}}}}"#);
    for m in ["Connection Closed", "Error: connection closed", "instance not connected", "Connection Lost"] {
        let s = e(500, &closed(m));
        assert_eq!((s.tipo, s.retryable), (TipoErro::Desconectado, true), "{m}");
    }
    assert_eq!((e(500, "{}").tipo, e(500, "{}").retryable), (TipoErro::Outro, false));
    assert!(EvolutionError::de_resposta(500, "{}", true).retryable);
    for status in [429, 502, 503, 504] {
        let s = e(status, "");
        assert_eq!((s.tipo, s.retryable), (TipoErro::Outro, true), "{status}");
    }
    assert_eq!((e(501, "").tipo, e(501, "").retryable), (TipoErro::Outro, false));
    assert_eq!((e(401, "").tipo, e(401, "").retryable), (TipoErro::NaoAutorizado, false));
    assert_eq!(e(403, r#"{"response":{"message":["Forbidden"]}}"#).tipo, TipoErro::NaoAutorizado);
    assert_eq!((e(404, "").tipo, e(404, "").retryable), (TipoErro::InstanciaInexistente, false));
    assert_eq!((e(422, "").tipo, e(422, "").retryable), (TipoErro::Invalido, false));
    assert_eq!((e(302, "").tipo, e(302, "").retryable), (TipoErro::Outro, false));
}

#[test]
fn into_crate_error() {
    let err = crate::Error::from(e(404, r#"{"response":{"message":["x"]}}"#));
    assert_eq!(err.status(), 502);
    assert_eq!(err.to_string(), "serviço externo falhou: a instância não existe na Evolution: x (HTTP 404)");
}

#[test]
fn scrubbing() {
    let s = EvolutionError::new(TipoErro::Outro, false, "chave SEGREDO123 aqui, SEGREDO123").sem_segredo("SEGREDO123");
    assert_eq!(s.mensagem, "chave *** aqui, ***");
}
