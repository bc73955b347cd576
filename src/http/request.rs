//! Our request type: method, path segments, query, headers and a body read with a cap.
//!
//! Reading the body is bounded: a declared Content-Length over the cap is refused before
//! reading, and a chunked body is cut at cap + 1 bytes. Either way the answer is a 413.

use std::io::Read;
use std::net::IpAddr;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};

/// One HTTP request, fully read.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path without the query string, percent-decoding not applied (routes are ASCII).
    pub path: String,
    pub query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub remote: Option<IpAddr>,
}

impl Request {
    pub(crate) fn read(raw: &mut tiny_http::Request, cap: usize) -> Result<Request> {
        let url = raw.url().to_owned();
        let (path, qs) = url.split_once('?').unwrap_or((url.as_str(), ""));
        let headers: Vec<(String, String)> = raw
            .headers()
            .iter()
            .map(|h| (h.field.as_str().as_str().to_ascii_lowercase(), h.value.to_string()))
            .collect();
        if raw.body_length().is_some_and(|n| n > cap) {
            return Err(Error::PayloadTooLarge { limit: cap });
        }
        let mut body = Vec::new();
        raw.as_reader()
            .take(cap as u64 + 1)
            .read_to_end(&mut body)
            .map_err(|e| Error::invalid("corpo_ilegivel", format!("não foi possível ler o corpo: {e}")))?;
        if body.len() > cap {
            return Err(Error::PayloadTooLarge { limit: cap });
        }
        Ok(Request {
            method: raw.method().as_str().to_owned(),
            path: path.to_owned(),
            query: parse_query(qs),
            headers,
            body,
            remote: raw.remote_addr().map(|a| a.ip()),
        })
    }

    /// Builds a request by hand (unit tests, simulator).
    pub fn synthetic(method: &str, path: &str, headers: Vec<(String, String)>, body: Vec<u8>) -> Request {
        let (p, qs) = path.split_once('?').unwrap_or((path, ""));
        Request {
            method: method.to_owned(),
            path: p.to_owned(),
            query: parse_query(qs),
            headers: headers.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect(),
            body,
            remote: None,
        }
    }

    /// A header value (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    /// A query parameter (first occurrence).
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The path split on `/`, without empty segments.
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }

    /// The body as typed JSON. Every body of the API is a JSON object: an array, a string or
    /// a number is refused (`json_nao_objeto`) — serde would otherwise fill a struct's fields
    /// from an array by position — and so is an object that repeats a key
    /// (`json_chave_repetida`). Unknown fields are refused when the type says so
    /// (`#[serde(deny_unknown_fields)]`) with code `campo_desconhecido` and a message naming
    /// the field; other malformed bodies are `json_invalido`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        if self.body.is_empty() {
            return Err(Error::invalid("corpo_vazio", "o corpo da requisição deve ser um JSON"));
        }
        let valor = crate::json::ler(&self.body).map_err(|p| p.em_erro("o corpo da requisição"))?;
        if !valor.is_object() {
            let tipo = match &valor {
                Value::Array(_) => "uma lista",
                Value::String(_) => "um texto",
                Value::Number(_) => "um número",
                Value::Bool(_) => "um booleano",
                Value::Null | Value::Object(_) => "null",
            };
            return Err(Error::invalid(
                "json_nao_objeto",
                format!("o corpo da requisição deve ser um objeto JSON ({{...}}), não {tipo}"),
            ));
        }
        tipado(valor)
    }
}

/// A JSON value already read (see [`Request::json`]) as a typed body, with the same error
/// codes: `campo_desconhecido` naming the field, else `json_invalido`.
pub fn tipado<T: DeserializeOwned>(valor: Value) -> Result<T> {
    T::deserialize(valor).map_err(|e| {
        let codigo = if e.to_string().starts_with("unknown field ") { "campo_desconhecido" } else { "json_invalido" };
        Error::invalid(codigo, json_error_pt(&e))
    })
}

/// A pt-BR rendering of serde_json's error that keeps the field name it mentions.
fn json_error_pt(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let field = rest.split(',').next().unwrap_or(rest);
        return format!("campo desconhecido: {field}");
    }
    if let Some(rest) = msg.strip_prefix("missing field ") {
        let field = rest.split(' ').next().unwrap_or(rest);
        return format!("campo obrigatório ausente: {field}");
    }
    if msg.starts_with("invalid type") {
        return format!("tipo inválido no JSON ({msg})");
    }
    format!("JSON inválido ({msg})")
}

fn parse_query(qs: &str) -> Vec<(String, String)> {
    qs.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Decodes `%XX` and `+` in a query component; invalid escapes are kept as they are.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decoding() {
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("%C3%A9"), "é");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        let r = Request::synthetic("GET", "/x?q=ol%C3%A1&limite=5", vec![], vec![]);
        assert_eq!(r.query("q"), Some("olá"));
        assert_eq!(r.query("limite"), Some("5"));
    }
}
