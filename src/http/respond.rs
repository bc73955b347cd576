//! Our response type and the one mapping of [`Error`] to an HTTP answer.
//!
//! Errors become `{"erro": {"codigo", "mensagem"}}`. Internal errors (5xx) are logged here,
//! once, and the client gets a fixed pt-BR sentence — never a path or a driver message.

use serde::Serialize;

use crate::domain::EmpresaId;
use crate::error::Error;

/// A response ready to send.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The empresa the request acted on, for the access log.
    pub empresa_id: Option<EmpresaId>,
}

#[derive(Serialize)]
struct ErroBody<'a> {
    erro: ErroInner<'a>,
}

#[derive(Serialize)]
struct ErroInner<'a> {
    codigo: &'a str,
    mensagem: String,
}

impl Response {
    /// A JSON body with the given status.
    pub fn json<T: Serialize + ?Sized>(status: u16, value: &T) -> Response {
        match serde_json::to_vec(value) {
            Ok(body) => Response {
                status,
                headers: vec![
                    ("Content-Type".into(), "application/json; charset=utf-8".into()),
                    ("Cache-Control".into(), "no-store".into()),
                ],
                body,
                empresa_id: None,
            },
            Err(e) => Response::error(&Error::Internal(format!("serializar resposta: {e}"))),
        }
    }

    /// 200 with a JSON body.
    pub fn ok<T: Serialize + ?Sized>(value: &T) -> Response {
        Response::json(200, value)
    }

    /// A plain-text body.
    pub fn text(status: u16, body: impl Into<String>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
            body: body.into().into_bytes(),
            empresa_id: None,
        }
    }

    /// Raw bytes with a content type.
    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response { status, headers: vec![("Content-Type".into(), content_type.to_owned())], body, empresa_id: None }
    }

    /// 204 without a body.
    pub fn no_content() -> Response {
        Response { status: 204, headers: vec![], body: vec![], empresa_id: None }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Tags the response with the empresa it concerned (access log).
    pub fn for_empresa(mut self, id: EmpresaId) -> Response {
        self.empresa_id = Some(id);
        self
    }

    /// Tags the response with the empresa it concerned, when there is one.
    pub fn for_empresa_opt(mut self, id: Option<EmpresaId>) -> Response {
        self.empresa_id = id;
        self
    }

    /// The JSON error answer for `e`.
    pub fn error(e: &Error) -> Response {
        let mensagem = if e.is_public() {
            e.to_string()
        } else {
            log::error!("erro interno ({}): {e}", e.code());
            "erro interno do servidor; tente novamente em instantes".to_owned()
        };
        let mut r = Response::json(e.status(), &ErroBody { erro: ErroInner { codigo: e.code(), mensagem } });
        r.status = e.status();
        if let Error::TooManyRequests { retry_after } = e {
            r.headers.push(("Retry-After".into(), retry_after.to_string()));
        }
        r
    }
}
