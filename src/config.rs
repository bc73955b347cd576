//! Configuration: the data directory layout and the validated server settings.
//!
//! Flags and environment are parsed by `cli`; this module turns them into values the rest
//! of the program trusts. Secrets inside are [`Secret`]s and never print.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::crypto::Secret;

/// The data directory and the one place its layout is spelled out.
#[derive(Debug, Clone)]
pub struct DataDir(PathBuf);

impl DataDir {
    /// A data dir rooted at `root` (not created until [`crate::app::App::open`]).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir(root.into())
    }
    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.0
    }
    /// `helixai.db`.
    pub fn central_db(&self) -> PathBuf {
        self.0.join("helixai.db")
    }
    /// `secret.key`.
    pub fn secret_key(&self) -> PathBuf {
        self.0.join("secret.key")
    }
    /// `tenants/`.
    pub fn tenants(&self) -> PathBuf {
        self.0.join("tenants")
    }
    /// `backups/`.
    pub fn backups(&self) -> PathBuf {
        self.0.join("backups")
    }
}

/// Settings for the running server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on (default 127.0.0.1:8080).
    pub bind: SocketAddr,
    /// Number of HTTP worker threads.
    pub http_workers: usize,
    /// Capacity of the open-tenant LRU.
    pub max_open_tenants: usize,
    /// Whether cookies get the `Secure` attribute (behind TLS).
    pub secure_cookies: bool,
    /// Global WhatsApp app secret for webhook signatures (overridable per empresa).
    pub whatsapp_app_secret: Option<Secret>,
    /// Token Meta sends back when verifying the webhook URL.
    pub whatsapp_verify_token: Option<Secret>,
    /// Base URL of the Graph API (tests point it at a fake).
    pub graph_api_url: String,
    /// Number of bot worker threads.
    pub bot_workers: usize,
    /// How long to wait for more messages from one contact before answering, in ms.
    pub debounce_ms: u64,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Session lifetime in seconds, renewed while in use (sliding).
    pub session_ttl_s: i64,
    /// Trust `X-Forwarded-For` from a loopback peer (running behind Caddy/nginx).
    pub trust_proxy: bool,
    /// Login throttle: failures allowed per (IP, e-mail), per IP, and per e-mail in the window.
    pub login_throttle: LoginThrottle,
    /// Days past an assinatura's vencimento before its empresa is suspended.
    pub carencia_dias: u32,
}

/// Limits on failed logins inside a sliding window.
#[derive(Debug, Clone, Copy)]
pub struct LoginThrottle {
    pub window_s: u64,
    pub per_ip_email: u32,
    pub per_ip: u32,
    pub per_email: u32,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle { window_s: 15 * 60, per_ip_email: 5, per_ip: 30, per_email: 100 }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            http_workers: 8,
            max_open_tenants: 256,
            secure_cookies: false,
            whatsapp_app_secret: None,
            whatsapp_verify_token: None,
            graph_api_url: "https://graph.facebook.com/v21.0".to_owned(),
            bot_workers: 2,
            debounce_ms: 2000,
            max_body_bytes: 1024 * 1024,
            session_ttl_s: 12 * 3600,
            trust_proxy: false,
            login_throttle: LoginThrottle::default(),
            carencia_dias: 7,
        }
    }
}
