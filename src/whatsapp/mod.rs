//! Owns everything that speaks the WhatsApp Cloud API: the webhook signature check, the
//! webhook payload types and parser, the Graph API send client and its media endpoints
//! (download, upload, send by id), and Meta's error codes explained in pt-BR ([`explicar_erro`]).
//!
//! Pure of storage and of the HTTP server: the webhook handler (`http/`) feeds raw bytes in
//! and gets typed events out; the job worker hands a token and text to [`GraphClient`].
//!
//! ```text
//! POST /webhook/whatsapp ─▶ verify_signature(app_secret, body, header) ─▶ parse(body)
//!                              └ 401 BadSignature                           └ Vec<WebhookEvent>
//! bot job ─▶ GraphClient::send_text(..) ─▶ Ok(wamid) | Err(SendError { retryable, code, .. })
//! media job ─▶ midia_info(id) ─▶ midia_baixar(url)      reply ─▶ midia_enviar_arquivo ─▶ enviar_midia
//! ```

mod erros;
mod message;
mod midia;
mod send;
mod signature;
mod webhook;

pub use erros::{explicar as explicar_erro, Explicacao};
pub use message::{InboundMessage, Media, MessageKind, NumberChange, SharedContact};
pub use midia::MidiaInfo;
pub use send::{backoff, GraphClient, SendError, DEFAULT_GRAPH_URL, MAX_SEND_ATTEMPTS};
pub use signature::{sign, verify_signature, SIGNATURE_HEADER};
pub use webhook::{parse, ErrorInfo, StatusUpdate, SystemError, WebhookEvent, WHATSAPP_OBJECT};
