//! Owns [`EvolutionError`]: what went wrong in a call to the Evolution API, in pt-BR, and
//! whether the caller may try again. The table of which answers are retried is in the
//! `client` module docs; this file implements it.
//!
//! Evolution's error body is `{"status", "error", "response": {"message": …}}`, where
//! `message` is a string, a list of strings, a list of lists (schema validation), or a list
//! of `{jid, exists, number}` (number not on WhatsApp). All are flattened into one sentence.

use std::fmt;

use serde::Deserialize;
use serde_json::Value;

use super::mensagem::texto;
use crate::outbound::{FalhaDeRede, TipoFalha};

/// Why an Evolution call failed, and whether trying again later can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvolutionError {
    pub retryable: bool,
    pub tipo: TipoErro,
    /// `None` when no HTTP answer came back.
    pub http_status: Option<u16>,
    /// pt-BR, for people and logs; never contains the API key or an instance token.
    pub mensagem: String,
}

/// The failures a caller acts on differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TipoErro {
    /// 400 with `exists: false`: the recipient has no WhatsApp.
    NaoEstaNoWhatsapp,
    /// 404: the instance is gone (deleted in Evolution's manager, or never created).
    InstanciaInexistente,
    /// 403 "already in use" on create.
    NomeEmUso,
    /// 401/403: wrong global key or instance token.
    NaoAutorizado,
    /// The WhatsApp session of the instance is closed: reconnect (QR) before sending.
    Desconectado,
    /// A request Evolution (or we) refused as malformed; retrying the same cannot help.
    Invalido,
    /// No answer: DNS, connection refused, timeout, reset.
    Rede,
    /// Anything else (5xx, unexpected body).
    Outro,
}

impl EvolutionError {
    pub(super) fn new(tipo: TipoErro, retryable: bool, mensagem: impl Into<String>) -> EvolutionError {
        EvolutionError { retryable, tipo, http_status: None, mensagem: mensagem.into() }
    }

    /// Classifies a non-2xx answer from its status and (JSON, maybe) body. `idempotente`
    /// says whether the call can be repeated without effect (GET, DELETE): for those, an
    /// ambiguous 500 is worth retrying; for a send it is not (it may have been delivered).
    pub fn de_resposta(http_status: u16, body: &str, idempotente: bool) -> EvolutionError {
        let wire = serde_json::from_str::<WireErro>(body).unwrap_or_default();
        let message = wire.response.as_ref().and_then(|r| r.get("message")).cloned().or(wire.message);
        let itens = message.map(|m| achatar(&m)).unwrap_or_default();
        let ausentes: Vec<String> = itens.iter().filter_map(Item::numero_ausente).collect();
        let textos: Vec<String> = itens.iter().map(Item::texto).filter(|t| !t.is_empty()).collect();
        let detalhe = if textos.is_empty() {
            let error = wire.error.as_ref().and_then(Value::as_str).filter(|e| !e.is_empty());
            error.map_or_else(|| format!("HTTP {http_status}"), str::to_string)
        } else {
            textos.join("; ")
        };
        let minusculo = detalhe.to_ascii_lowercase();
        let (tipo, retryable, mensagem) = match http_status {
            400 if !ausentes.is_empty() => (
                TipoErro::NaoEstaNoWhatsapp,
                false,
                ausentes.iter().map(|n| format!("o número {n} não está no WhatsApp")).collect::<Vec<_>>().join("; "),
            ),
            403 if minusculo.contains("already in use") => {
                (TipoErro::NomeEmUso, false, format!("o nome da instância já está em uso na Evolution: {detalhe}"))
            }
            401 | 403 => (TipoErro::NaoAutorizado, false, format!("a Evolution recusou a chave de API: {detalhe}")),
            404 => (TipoErro::InstanciaInexistente, false, format!("a instância não existe na Evolution: {detalhe}")),
            500 if desconectado(&minusculo) => {
                (TipoErro::Desconectado, true, format!("o WhatsApp da instância está desconectado: {detalhe}"))
            }
            429 | 502 | 503 | 504 => {
                (TipoErro::Outro, true, format!("a Evolution está indisponível no momento: {detalhe}"))
            }
            500..=599 if idempotente => (TipoErro::Outro, true, format!("erro na Evolution: {detalhe}")),
            500..=599 => (
                TipoErro::Outro,
                false,
                format!("erro na Evolution: {detalhe} (o pedido pode ter sido executado; não será repetido)"),
            ),
            // 400 (validation, …) and every other 4xx.
            400..=499 => (TipoErro::Invalido, false, format!("a Evolution recusou o pedido: {detalhe}")),
            _ => (TipoErro::Outro, false, format!("resposta inesperada da Evolution: {detalhe}")),
        };
        EvolutionError { retryable, tipo, http_status: Some(http_status), mensagem }
    }

    /// Classifies a failure to get an answer. Only a failure to connect (DNS, refused)
    /// proves nothing left our side; a timeout or reset after sending is ambiguous.
    pub(super) fn de_transporte(falha: &FalhaDeRede, idempotente: bool) -> EvolutionError {
        // The cause never carries the URL, which could hold credentials in a misconfigured
        // base URL.
        let causa = &falha.causa;
        match falha.tipo {
            TipoFalha::UrlInvalida => {
                EvolutionError::new(TipoErro::Invalido, false, format!("URL da Evolution inválida ({causa})"))
            }
            TipoFalha::Conexao => EvolutionError::new(
                TipoErro::Rede,
                true,
                format!("não foi possível conectar à Evolution ({causa})"),
            ),
            TipoFalha::Outra if idempotente => {
                EvolutionError::new(TipoErro::Rede, true, format!("falha de rede ao falar com a Evolution ({causa})"))
            }
            TipoFalha::Outra => EvolutionError::new(
                TipoErro::Rede,
                false,
                format!(
                    "falha de rede ao falar com a Evolution ({causa}); o pedido pode ter sido executado, não será repetido"
                ),
            ),
        }
    }

    /// Removes `segredo` from the text, in case a server ever echoes it back.
    pub(super) fn sem_segredo(mut self, segredo: &str) -> EvolutionError {
        if segredo.len() >= 4 && self.mensagem.contains(segredo) {
            self.mensagem = self.mensagem.replace(segredo, "***");
        }
        self
    }
}

fn desconectado(texto: &str) -> bool {
    ["connection closed", "not connected", "connection lost"].iter().any(|s| texto.contains(s))
}

/// One entry of `response.message`, flattened.
enum Item {
    Texto(String),
    /// `{jid, exists, number}`.
    Numero {
        numero: String,
        existe: bool,
    },
}

impl Item {
    fn numero_ausente(&self) -> Option<String> {
        match self {
            Item::Numero { numero, existe: false } => Some(numero.clone()),
            _ => None,
        }
    }

    fn texto(&self) -> String {
        match self {
            Item::Texto(t) => t.trim().to_string(),
            Item::Numero { numero, existe: false } => format!("{numero} não está no WhatsApp"),
            Item::Numero { numero, existe: true } => format!("{numero} está no WhatsApp"),
        }
    }
}

fn achatar(v: &Value) -> Vec<Item> {
    match v {
        Value::String(s) => vec![Item::Texto(s.clone())],
        Value::Array(list) => list.iter().flat_map(achatar).collect(),
        Value::Object(_) if v.get("exists").is_some() => {
            let jid = texto(v, "jid").unwrap_or_default();
            let numero = texto(v, "number").unwrap_or_else(|| jid.split('@').next().unwrap_or_default().to_string());
            let existe = v.get("exists").is_some_and(super::mensagem::booleano);
            vec![Item::Numero { numero, existe }]
        }
        Value::Object(_) => texto(v, "message").map(Item::Texto).into_iter().collect(),
        Value::Null => Vec::new(),
        other => vec![Item::Texto(other.to_string())],
    }
}

impl fmt::Display for EvolutionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.mensagem)?;
        match self.http_status {
            Some(status) => write!(f, " (HTTP {status})"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for EvolutionError {}

impl From<EvolutionError> for crate::Error {
    fn from(e: EvolutionError) -> Self {
        crate::Error::Upstream(e.to_string())
    }
}

// ---- wire types ----

#[derive(Deserialize, Default)]
struct WireErro {
    #[serde(default)]
    error: Option<Value>,
    /// `{"message": …}`; kept loose, as a string here must not sink the rest.
    #[serde(default)]
    response: Option<Value>,
    /// Some routes answer `{"message": …}` without the `response` wrapper.
    #[serde(default)]
    message: Option<Value>,
}

#[cfg(test)]
#[path = "erro_tests.rs"]
mod tests;
