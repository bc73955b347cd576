//! The OpenAI-compatible chat-completions client (OpenAI, Ollama, vLLM, OpenRouter, Groq...).
//!
//! Owns the wire types ([`ChatRequest`], [`ChatMessage`], [`ChatResponse`]), the
//! [`ChatModel`] trait the bot talks to, the classification of every failure into
//! [`LlmError`], and bounded retries (429 rate limit, 5xx, timeouts). Also the speech-to-text
//! call for voice notes ([`LlmClient::transcrever`]: `POST {base}/audio/transcriptions`,
//! multipart). The API key is sent only in the `Authorization` header and never logged or
//! printed.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A chat-completions call: the minimum every compatible server accepts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<ChatMessage>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
}

/// One message. `content` is always serialised (as `null` for an assistant turn that only
/// carries `tool_calls`); `tool_calls` / `tool_call_id` only when present.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatMessage {
    pub role: &'static str,
    pub content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    pub fn system(text: impl Into<String>) -> Self {
        ChatMessage { role: "system", content: Some(text.into()), tool_calls: None, tool_call_id: None }
    }
    pub fn user(text: impl Into<String>) -> Self {
        ChatMessage { role: "user", content: Some(text.into()), tool_calls: None, tool_call_id: None }
    }
    pub fn assistant(text: impl Into<String>) -> Self {
        ChatMessage { role: "assistant", content: Some(text.into()), tool_calls: None, tool_call_id: None }
    }
    /// The model's tool-call turn, echoed verbatim with `content: null`.
    pub fn assistant_tool_calls(calls: Vec<ToolCall>) -> Self {
        ChatMessage { role: "assistant", content: None, tool_calls: Some(calls), tool_call_id: None }
    }
    pub fn tool(tool_call_id: impl Into<String>, content: impl Into<String>) -> Self {
        ChatMessage {
            role: "tool",
            content: Some(content.into()),
            tool_calls: None,
            tool_call_id: Some(tool_call_id.into()),
        }
    }
}

/// A tool call as the model sent it (`arguments` is a JSON *string*, kept byte-identical).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    #[serde(rename = "type", default = "function_type")]
    pub kind: String,
    pub function: FunctionCall,
}

fn function_type() -> String {
    "function".to_string()
}

/// The function part of a [`ToolCall`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionCall {
    pub name: String,
    #[serde(default)]
    pub arguments: String,
}

/// Token counts reported by the server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
pub struct Usage {
    #[serde(default)]
    pub prompt_tokens: u64,
    #[serde(default)]
    pub completion_tokens: u64,
    #[serde(default)]
    pub total_tokens: u64,
}

/// The useful part of a completion: `choices[0]` plus usage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatResponse {
    pub content: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    pub refusal: Option<String>,
    pub finish_reason: Option<String>,
    pub usage: Option<Usage>,
}

/// Why a completion failed, classified once for retries and for the panel.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    /// 401/403: bad or revoked key (not retried).
    #[error("chave de API recusada pelo provedor (HTTP {0})")]
    Auth(u16),
    /// 429 rate limit (retried, honouring `Retry-After`).
    #[error("limite de requisições do provedor atingido")]
    RateLimited { retry_after: Option<Duration> },
    /// 429 `insufficient_quota` / 402: no credits (not retried).
    #[error("a chave de API está sem créditos")]
    QuotaExceeded,
    /// 400/404/422...: our request or configuration is wrong (not retried).
    #[error("requisição recusada pelo provedor (HTTP {status}, {code})")]
    BadRequest { status: u16, code: String },
    /// 5xx (or an error object inside a 200): retried.
    #[error("erro no servidor do provedor (HTTP {0})")]
    Server(u16),
    /// No answer in time: retried.
    #[error("o provedor não respondeu a tempo")]
    Timeout,
    /// DNS, connection refused, reset...: retried.
    #[error("falha de rede ao falar com o provedor: {0}")]
    Network(String),
    /// A body we cannot use (not JSON, no choices...): not retried.
    #[error("resposta inválida do provedor: {0}")]
    Invalid(String),
}

impl LlmError {
    /// Whether another attempt may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, LlmError::RateLimited { .. } | LlmError::Server(_) | LlmError::Timeout | LlmError::Network(_))
    }
}

/// Anything that answers chat completions: the real client or a test double.
pub trait ChatModel {
    fn chat(&self, req: &ChatRequest) -> Result<ChatResponse, LlmError>;
}

/// An empresa's LLM connection settings.
#[derive(Clone, PartialEq)]
pub struct LlmSettings {
    /// Including `/v1`, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    pub api_key: String,
    pub modelo: String,
}

impl fmt::Debug for LlmSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = if self.api_key.is_empty() { "" } else { "***" };
        f.debug_struct("LlmSettings")
            .field("base_url", &self.base_url)
            .field("api_key", &key)
            .field("modelo", &self.modelo)
            .finish()
    }
}

/// Bounded retry policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Extra attempts after the first.
    pub max_retries: u32,
    /// First backoff; doubles per attempt.
    pub backoff: Duration,
    /// Cap for backoff and for a server's `Retry-After`.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_retries: 2, backoff: Duration::from_millis(500), max_delay: Duration::from_secs(5) }
    }
}

/// The shared client; [`LlmClient::endpoint`] binds it to one empresa's settings.
#[derive(Clone)]
pub struct LlmClient {
    agent: ureq::Agent,
    retry: RetryPolicy,
}

impl LlmClient {
    /// Wraps the process-wide agent (see `crate::outbound::agent`).
    pub fn new(agent: ureq::Agent) -> Self {
        LlmClient { agent, retry: RetryPolicy::default() }
    }

    /// Replaces the retry policy (tests use tiny delays).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// A [`ChatModel`] that calls `settings.base_url` with `settings.api_key`.
    pub fn endpoint(&self, settings: &LlmSettings) -> LlmEndpoint {
        LlmEndpoint { client: self.clone(), url: chat_url(&settings.base_url), api_key: settings.api_key.clone() }
    }
}

/// `{base_url}/chat/completions`, never doubling a slash or `/v1`.
pub fn chat_url(base_url: &str) -> String {
    format!("{}/chat/completions", base_sem_rota(base_url))
}

/// `{base_url}/audio/transcriptions` (a base URL given with `/chat/completions` works too).
pub fn transcricao_url(base_url: &str) -> String {
    format!("{}/audio/transcriptions", base_sem_rota(base_url))
}

fn base_sem_rota(base_url: &str) -> &str {
    let base = base_url.trim().trim_end_matches('/');
    base.strip_suffix("/chat/completions").unwrap_or(base)
}

impl LlmClient {
    /// Transcribes a voice note with `modelo` (`whisper-1`, `gpt-4o-mini-transcribe`, a
    /// compatible server's own name), in Portuguese; one attempt (the media worker retries).
    /// Returns the text, trimmed.
    pub fn transcrever(
        &self,
        settings: &LlmSettings,
        modelo: &str,
        audio: &[u8],
        mime: &str,
        nome: &str,
    ) -> Result<String, LlmError> {
        let multipart = crate::media::multipart::Multipart::new().map_err(|e| LlmError::Invalid(e.to_string()))?;
        let (tipo, corpo) = multipart
            .arquivo("file", nome, mime, audio)
            .campo("model", modelo)
            .campo("language", "pt")
            .campo("response_format", "json")
            .fechar();
        let mut request = self.agent.post(&transcricao_url(&settings.base_url)).set("Content-Type", &tipo);
        if !settings.api_key.is_empty() {
            request = request.set("Authorization", &format!("Bearer {}", settings.api_key));
        }
        let (status, retry_after, response) = match request.send_bytes(&corpo) {
            Ok(r) => (r.status(), None, r),
            Err(ureq::Error::Status(code, r)) => (code, retry_after(&r), r),
            Err(ureq::Error::Transport(t)) => return Err(transport_error(&t)),
        };
        let text = response.into_string().map_err(|e| LlmError::Network(e.to_string()))?;
        let json: Option<Value> = serde_json::from_str(&text).ok();
        if let Some(e) = erro_http(status, retry_after, json.as_ref()) {
            return Err(e);
        }
        json.as_ref()
            .and_then(|v| v.get("text"))
            .and_then(Value::as_str)
            .map(|t| t.trim().to_owned())
            .ok_or_else(|| LlmError::Invalid("resposta da transcrição sem o campo text".into()))
    }
}

/// One empresa's view of the client.
pub struct LlmEndpoint {
    client: LlmClient,
    url: String,
    api_key: String,
}

impl fmt::Debug for LlmEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmEndpoint").field("url", &self.url).field("api_key", &"***").finish()
    }
}

impl ChatModel for LlmEndpoint {
    fn chat(&self, req: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let body =
            serde_json::to_string(req).map_err(|e| LlmError::Invalid(format!("pedido não serializável: {e}")))?;
        let policy = self.client.retry;
        let mut attempt = 0;
        loop {
            match self.once(&body) {
                Ok(resp) => return Ok(resp),
                Err(e) if e.is_retryable() && attempt < policy.max_retries => {
                    let backoff = policy.backoff.saturating_mul(1 << attempt.min(16));
                    let wait = match &e {
                        LlmError::RateLimited { retry_after: Some(d) } => *d,
                        _ => backoff,
                    }
                    .min(policy.max_delay);
                    log::warn!(
                        "llm: tentativa {} falhou ({e}); nova tentativa em {} ms",
                        attempt + 1,
                        wait.as_millis()
                    );
                    std::thread::sleep(wait);
                    attempt += 1;
                }
                Err(e) => {
                    log::warn!("llm: chamada falhou após {} tentativa(s): {e}", attempt + 1);
                    return Err(e);
                }
            }
        }
    }
}

impl LlmEndpoint {
    fn once(&self, body: &str) -> Result<ChatResponse, LlmError> {
        let mut request = self.client.agent.post(&self.url).set("Content-Type", "application/json");
        if !self.api_key.is_empty() {
            request = request.set("Authorization", &format!("Bearer {}", self.api_key));
        }
        let (status, retry_after, response) = match request.send_string(body) {
            Ok(r) => (r.status(), None, r),
            Err(ureq::Error::Status(code, r)) => (code, retry_after(&r), r),
            Err(ureq::Error::Transport(t)) => return Err(transport_error(&t)),
        };
        let text = response.into_string().map_err(|e| match e.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => LlmError::Timeout,
            _ => LlmError::Network(e.to_string()),
        })?;
        parse_response(status, retry_after, &text)
    }
}

fn retry_after(r: &ureq::Response) -> Option<Duration> {
    if let Some(ms) = r.header("retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok()) {
        return Some(Duration::from_secs_f64((ms / 1000.0).clamp(0.0, 3600.0)));
    }
    let secs = r.header("retry-after")?.trim().parse::<f64>().ok()?;
    Some(Duration::from_secs_f64(secs.clamp(0.0, 3600.0)))
}

fn transport_error(t: &ureq::Transport) -> LlmError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(t);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if matches!(io.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock) {
                return LlmError::Timeout;
            }
        }
        source = e.source();
    }
    let text = t.to_string();
    if text.contains("timed out") {
        return LlmError::Timeout;
    }
    LlmError::Network(format!("{:?}", t.kind()))
}

/// `error.code` as a string whether the server sent a string or an integer.
fn error_code(v: &Value) -> Option<String> {
    let err = v.get("error")?;
    let code = err.get("code").or_else(|| err.get("type"))?;
    match code {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => err.get("type").and_then(Value::as_str).map(String::from),
    }
}

/// The error a non-2xx answer means (`None` for 2xx), from its status and JSON body.
fn erro_http(status: u16, retry_after: Option<Duration>, json: Option<&Value>) -> Option<LlmError> {
    let code = json.and_then(error_code).unwrap_or_default();
    let err_type = json.and_then(|v| v.pointer("/error/type")).and_then(Value::as_str).unwrap_or_default();
    Some(match status {
        200..=299 => return None,
        401 | 403 => LlmError::Auth(status),
        402 => LlmError::QuotaExceeded,
        429 if code == "insufficient_quota"
            || err_type == "insufficient_quota"
            || code == "credit_balance_exhausted" =>
        {
            LlmError::QuotaExceeded
        }
        429 => LlmError::RateLimited { retry_after },
        408 | 409 => LlmError::Server(status),
        500..=599 => LlmError::Server(status),
        _ => LlmError::BadRequest { status, code: if code.is_empty() { "sem_codigo".into() } else { code } },
    })
}

/// Classifies one HTTP answer. Public so its tolerance can be unit-tested without a server.
pub fn parse_response(status: u16, retry_after: Option<Duration>, body: &str) -> Result<ChatResponse, LlmError> {
    let json: Option<Value> = serde_json::from_str(body).ok();
    if let Some(e) = erro_http(status, retry_after, json.as_ref()) {
        return Err(e);
    }
    let code = json.as_ref().and_then(error_code).unwrap_or_default();
    let Some(json) = json else {
        return Err(LlmError::Invalid("corpo não é JSON".into()));
    };
    if json.get("error").is_some_and(|e| !e.is_null()) {
        // OpenRouter-style failure inside a 200: use the numeric code when it is a status.
        let upstream = json.pointer("/error/code").and_then(Value::as_u64).and_then(|c| u16::try_from(c).ok());
        return Err(match upstream {
            Some(401 | 403) => LlmError::Auth(upstream.unwrap_or(401)),
            Some(402) => LlmError::QuotaExceeded,
            Some(429) => LlmError::RateLimited { retry_after },
            Some(c) if (400..500).contains(&c) => LlmError::BadRequest { status: c, code },
            Some(c) => LlmError::Server(c),
            None => LlmError::Invalid("objeto de erro numa resposta 200".into()),
        });
    }
    let Some(choice) = json.get("choices").and_then(Value::as_array).and_then(|c| c.first()) else {
        return Err(LlmError::Invalid("resposta sem choices".into()));
    };
    let message = choice.get("message").ok_or_else(|| LlmError::Invalid("choice sem message".into()))?;
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(String::from);
    let tool_calls = match message.get("tool_calls") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => serde_json::from_value::<Vec<ToolCall>>(v.clone())
            .map_err(|e| LlmError::Invalid(format!("tool_calls malformado: {e}")))?,
    };
    Ok(ChatResponse {
        content: text(message.get("content")),
        tool_calls,
        refusal: text(message.get("refusal")),
        finish_reason: text(choice.get("finish_reason")),
        usage: json.get("usage").and_then(|u| serde_json::from_value(u.clone()).ok()),
    })
}

#[cfg(test)]
#[path = "llm_tests.rs"]
mod tests;
