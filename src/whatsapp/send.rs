//! Owns the outbound side of the Cloud API: [`GraphClient`] (send text, mark as read),
//! the classification of Graph errors into [`SendError`] (retry or give up), and the
//! retry schedule ([`backoff`], [`MAX_SEND_ATTEMPTS`]) the job worker follows.
//!
//! The access token is a per-empresa secret: it is passed in per call, put only in the
//! `Authorization` header, and never stored, logged or copied into an error (ureq's own
//! debug log of the request prelude masks `Authorization` as a sensitive header).
//!
//! # Which errors are retried
//!
//! Meta says to act on `error.code`, not on the HTTP status, so the code decides first and
//! the status only matters for codes not in this table (or bodies without one).
//!
//! | Code(s) | Meaning | Retry? |
//! |---|---|---|
//! | network failure (DNS, refused, reset, timeout) | no answer from Graph | yes |
//! | 1, 2, 131016, 131000, 133004 | unknown / temporary server error, service unavailable | yes |
//! | 4, 80007, 130429 | app, WABA or number throughput limit | yes |
//! | 131056 | pair rate limit (same recipient too often) | yes |
//! | 131048 | spam rate limit | yes (backoff gives it room) |
//! | 131057 | account in maintenance mode (≤ 1 min) | yes |
//! | 0, 190 | token invalid or expired | no: the empresa must replace it |
//! | 3, 10, 200–299 | permission / capability missing | no |
//! | 100 | invalid parameter (a bug on our side) | no |
//! | 131026 | undeliverable (not on WhatsApp, old app, ToS) | no |
//! | 131047 | 24 h customer-service window closed | no: needs a template |
//! | 131049, 131050 | per-user marketing limit, user opted out | no (waiting 24 h is not a retry) |
//! | 131051, 131052, 131053 | unsupported type, media download/upload failed | no |
//! | 131008, 131009, 131021, 131031, 131042, 131045, 132xxx, 368, 130472 | request, account, billing, template, policy | no |
//! | any other code, or no code | — | only if HTTP 429 or 5xx |
//!
//! A 200 whose body lacks `messages[0].id` is *not* retried: Meta may have accepted the
//! message, and a retry could deliver it twice. A timeout has the same ambiguity; it is
//! retried, accepting a rare duplicate over a lost reply.

use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Graph API base URL, pinned to a version (each is served for about two years).
pub const DEFAULT_GRAPH_URL: &str = "https://graph.facebook.com/v25.0";

/// How many times the worker tries one send before marking it failed
/// (1 + 2 + 4 + 8 + 16 + 32 + 60 s ≈ 2 minutes of waiting in between).
pub const MAX_SEND_ATTEMPTS: u32 = 8;

const MAX_BACKOFF_SECS: u64 = 60;

/// The wait after the `attempt`-th failed try (1-based): 1 s, 2 s, 4 s, … capped at 60 s.
pub fn backoff(attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(32);
    Duration::from_secs(1u64.checked_shl(doublings).unwrap_or(u64::MAX).min(MAX_BACKOFF_SECS))
}

/// Client for `POST {base_url}/{phone_number_id}/messages`. Cheap to clone.
#[derive(Debug, Clone)]
pub struct GraphClient {
    pub(super) agent: ureq::Agent,
    pub(super) base_url: String,
}

/// Why a Graph call failed, and whether trying again later can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub retryable: bool,
    /// Meta's `error.code` (130429, 131047, 190, …); `None` for network failures.
    pub code: Option<i64>,
    /// Meta's `error.message` (e.g. "(#130429) Rate limit hit"), or our pt-BR description.
    pub title: String,
    /// `error.error_data.details`, when Meta gives one.
    pub details: Option<String>,
    /// `fbtrace_id`, for a support ticket with Meta.
    pub fbtrace_id: Option<String>,
    /// `None` when no HTTP answer came back.
    pub http_status: Option<u16>,
}

impl GraphClient {
    /// `base_url` is [`DEFAULT_GRAPH_URL`] in production, a fake server in tests.
    pub fn new(agent: ureq::Agent, base_url: impl Into<String>) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_string();
        GraphClient { agent, base_url }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Sends a free-form text (valid inside the 24 h window) and returns its `wamid`.
    /// `reply_to` quotes one of the customer's messages.
    pub fn send_text(
        &self,
        phone_number_id: &str,
        token: &str,
        to: &str,
        body: &str,
        reply_to: Option<&str>,
    ) -> Result<String, SendError> {
        let (to, recipient) = destinatario(to);
        let request = TextRequest {
            messaging_product: "whatsapp",
            recipient_type: "individual",
            to,
            recipient,
            kind: "text",
            text: TextBody { preview_url: false, body },
            context: reply_to.map(|message_id| ReplyContext { message_id }),
        };
        let response: SendResponse = self.post(phone_number_id, token, &request)?;
        response.wamid()
    }

    /// Marks an inbound message (and the ones before it) as read: blue ticks for the customer.
    pub fn mark_read(&self, phone_number_id: &str, token: &str, wa_message_id: &str) -> Result<(), SendError> {
        let request = ReadRequest { messaging_product: "whatsapp", status: "read", message_id: wa_message_id };
        let response: ReadResponse = self.post(phone_number_id, token, &request)?;
        if response.success {
            Ok(())
        } else {
            Err(SendError::permanent("a API do WhatsApp não confirmou a leitura (success = false)"))
        }
    }

    pub(super) fn post<T: DeserializeOwned>(
        &self,
        phone_number_id: &str,
        token: &str,
        body: &impl Serialize,
    ) -> Result<T, SendError> {
        // The id goes into the URL path; anything but digits could reach another endpoint
        // with the empresa's token attached.
        if phone_number_id.is_empty() || !phone_number_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SendError::permanent(format!("phone_number_id inválido: {phone_number_id:?}")));
        }
        let url = format!("{}/{phone_number_id}/messages", self.base_url);
        let result = self.agent.post(&url).set("Authorization", &format!("Bearer {token}")).send_json(body);
        match result {
            Ok(response) => {
                let status = response.status();
                response.into_json::<T>().map_err(|e| SendError {
                    http_status: Some(status),
                    ..SendError::permanent(format!("resposta inesperada da API do WhatsApp: {e}"))
                })
            }
            Err(ureq::Error::Status(status, response)) => {
                Err(SendError::from_graph_body(status, &response.into_string().unwrap_or_default()))
            }
            Err(ureq::Error::Transport(t)) => Err(SendError::transport(&t)),
        }
    }
}

impl SendError {
    /// Classifies a non-2xx Graph answer from its status and (JSON, maybe) body.
    pub fn from_graph_body(http_status: u16, body: &str) -> SendError {
        let error = serde_json::from_str::<GraphErrorBody>(body).ok().map(|b| b.error);
        let error = error.unwrap_or_default();
        let details = error.error_data.as_ref().and_then(|d| d.get("details")).and_then(Value::as_str);
        SendError {
            retryable: is_retryable(error.code, Some(http_status)),
            code: error.code,
            title: error.message.filter(|m| !m.is_empty()).unwrap_or_else(|| format!("HTTP {http_status}")),
            details: details.map(str::to_string),
            fbtrace_id: error.fbtrace_id,
            http_status: Some(http_status),
        }
    }

    pub(super) fn transport(t: &ureq::Transport) -> SendError {
        use ureq::ErrorKind;
        // A malformed base URL is configuration, not weather: retrying cannot fix it.
        let retryable =
            !matches!(t.kind(), ErrorKind::InvalidUrl | ErrorKind::UnknownScheme | ErrorKind::InvalidProxyUrl);
        SendError { retryable, ..SendError::permanent(format!("falha de rede ao chamar a API do WhatsApp: {t}")) }
    }

    pub(super) fn permanent(title: impl Into<String>) -> SendError {
        SendError {
            retryable: false,
            code: None,
            title: title.into(),
            details: None,
            fbtrace_id: None,
            http_status: None,
        }
    }
}

/// The table in the module docs. `Some(answer)` for codes we know, `None` to let the HTTP
/// status decide.
fn code_is_retryable(code: i64) -> Option<bool> {
    match code {
        1 | 2 | 4 | 80007 | 130429 | 131000 | 131016 | 131048 | 131056 | 131057 | 133004 => Some(true),
        0
        | 3
        | 10
        | 100
        | 190
        | 200..=299
        | 368
        | 130472
        | 131008
        | 131009
        | 131021
        | 131026
        | 131031
        | 131042
        | 131045
        | 131047
        | 131049
        | 131050
        | 131051
        | 131052
        | 131053
        | 132000..=132999 => Some(false),
        _ => None,
    }
}

fn is_retryable(code: Option<i64>, http_status: Option<u16>) -> bool {
    code.and_then(code_is_retryable).unwrap_or(matches!(http_status, Some(429 | 500..=599)))
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)?;
        if let Some(details) = &self.details {
            write!(f, ": {details}")?;
        }
        match (self.code, self.http_status) {
            (Some(code), Some(status)) => write!(f, " (código {code}, HTTP {status})"),
            (None, Some(status)) => write!(f, " (HTTP {status})"),
            (Some(code), None) => write!(f, " (código {code})"),
            (None, None) => Ok(()),
        }
    }
}

impl std::error::Error for SendError {}

impl From<SendError> for crate::Error {
    fn from(e: SendError) -> Self {
        crate::Error::Upstream(e.to_string())
    }
}

// ---- wire types ----

/// Where a send goes: a phone number in `to`; a business-scoped user id (a username user
/// whose number we do not know) in `recipient`, without `to` — Meta's business-scoped user
/// IDs page: "Use `to` to send to a phone number. Use `recipient` to send to a BSUID or
/// parent BSUID. If both are present, `to` takes precedence." A BSUID is `CC.` + letters and
/// digits, never digits alone.
fn destinatario(endereco: &str) -> (Option<&str>, Option<&str>) {
    let digitos = endereco.trim_start_matches('+');
    if !digitos.is_empty() && digitos.bytes().all(|b| b.is_ascii_digit()) {
        (Some(endereco), None)
    } else {
        (None, Some(endereco))
    }
}

#[derive(Serialize)]
struct TextRequest<'a> {
    messaging_product: &'static str,
    recipient_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'static str,
    text: TextBody<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<ReplyContext<'a>>,
}

#[derive(Serialize)]
struct TextBody<'a> {
    preview_url: bool,
    body: &'a str,
}

#[derive(Serialize)]
struct ReplyContext<'a> {
    message_id: &'a str,
}

#[derive(Serialize)]
struct ReadRequest<'a> {
    messaging_product: &'static str,
    status: &'static str,
    message_id: &'a str,
}

#[derive(Deserialize)]
pub(super) struct SendResponse {
    #[serde(default)]
    pub(super) messages: Vec<SentMessage>,
}

#[derive(Deserialize)]
pub(super) struct SentMessage {
    pub(super) id: String,
}

impl SendResponse {
    /// The `wamid` of an accepted send (`messages[0].id`).
    pub(super) fn wamid(self) -> Result<String, SendError> {
        self.messages
            .into_iter()
            .next()
            .map(|m| m.id)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| SendError::permanent("a API do WhatsApp aceitou o envio, mas não devolveu o id da mensagem"))
    }
}

#[derive(Deserialize)]
struct ReadResponse {
    #[serde(default)]
    success: bool,
}

#[derive(Deserialize)]
struct GraphErrorBody {
    error: GraphError,
}

/// `{"error": {message, type, code, error_subcode, error_data{details}, fbtrace_id}}`.
/// `error_data` is kept as JSON: older Graph errors send it as a string.
#[derive(Deserialize, Default)]
struct GraphError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    error_data: Option<Value>,
    #[serde(default)]
    fbtrace_id: Option<String>,
}

#[cfg(test)]
#[path = "send_tests.rs"]
mod tests;
