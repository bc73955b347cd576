//! Configuration: the data directory layout and the validated server settings.
//!
//! Flags and environment are parsed by `cli`; this module turns them into values the rest
//! of the program trusts. Secrets inside are [`Secret`]s and never print.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    /// `journal.db`: webhook events acknowledged and not yet applied to their tenant.
    pub fn journal_db(&self) -> PathBuf {
        self.0.join("journal.db")
    }

    /// `journal-2.db`: the journal's second file (the two are written in turn).
    pub fn journal_2_db(&self) -> PathBuf {
        crate::store::journal::segundo_arquivo(&self.journal_db())
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
    /// `replica.key`: the off-site replica's key (never uploaded; kept like `secret.key`).
    pub fn replica_key(&self) -> PathBuf {
        self.0.join("replica.key")
    }
    /// `replica.db`: what the off-site replica has shipped (local only).
    pub fn replica_db(&self) -> PathBuf {
        self.0.join("replica.db")
    }
    /// `serve.lock`: held (flock) by a running `helixai serve` on this data dir.
    pub fn serve_lock(&self) -> PathBuf {
        self.0.join("serve.lock")
    }
}

/// Parses a duration such as `24h`, `30m`, `90s`, `7d` or `0` (off → `None`).
pub fn parse_duration(text: &str) -> Result<Option<Duration>, String> {
    let t = text.trim();
    if t == "0" {
        return Ok(None);
    }
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits.parse().map_err(|_| format!("duração inválida: {text:?} (ex.: 24h, 30m, 90s, 0)"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("duração inválida: {text:?} (use s, m, h ou d; ex.: 24h, 30m, 0)")),
    };
    Ok((secs > 0).then(|| Duration::from_secs(secs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("24h"), Ok(Some(Duration::from_secs(86_400))));
        assert_eq!(parse_duration("30m"), Ok(Some(Duration::from_secs(1800))));
        assert_eq!(parse_duration("2d"), Ok(Some(Duration::from_secs(172_800))));
        assert_eq!(parse_duration("15s"), Ok(Some(Duration::from_secs(15))));
        assert_eq!(parse_duration("0"), Ok(None));
        for bad in ["", "h", "10", "1w", "-1h", "1.5h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
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
    /// Largest request body accepted by the JSON API and the panel, in bytes.
    pub max_body_bytes: usize,
    /// Largest body accepted by the webhooks (`/webhook/whatsapp`, `/webhook/evolution/...`):
    /// Meta documents up to 3 MB per delivery, and a 413 makes it retry for days, then drop.
    pub max_webhook_bytes: usize,
    /// WAL frames after which the journal's group commits move to its other file.
    pub journal_wal_quadros: u32,
    /// Session lifetime in seconds, renewed while in use (sliding).
    pub session_ttl_s: i64,
    /// Trust `X-Forwarded-For` from a loopback peer (running behind Caddy/nginx).
    pub trust_proxy: bool,
    /// Login throttle: failures allowed per (IP, e-mail), per IP, and per e-mail in the window.
    pub login_throttle: LoginThrottle,
    /// The 1-second step of the send/LLM retry backoff, in ms (tests use a few ms).
    pub retry_base_ms: u64,
    /// Days past an assinatura's vencimento before its empresa is suspended.
    pub carencia_dias: u32,
    /// How often the server backs up every tenant and the central db (`None` = off).
    pub backup_every: Option<Duration>,
    /// Backups kept per database (the newest N; 0 = keep all).
    pub backup_keep: usize,
    /// When set, `/metrics` answers anyone presenting `Authorization: Bearer <token>`;
    /// when unset, only direct loopback requests.
    pub metrics_token: Option<Secret>,
    /// `/healthz` fails when the data dir's filesystem has less free space than this.
    pub disk_min_free_bytes: u64,
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

/// Default of `--max-webhook-bytes`: 4 MiB, above Meta's documented 3 MB maximum.
pub const MAX_WEBHOOK_BYTES: usize = 4 * 1024 * 1024;

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            http_workers: 8,
            max_open_tenants: 256,
            secure_cookies: false,
            whatsapp_app_secret: None,
            whatsapp_verify_token: None,
            graph_api_url: crate::whatsapp::DEFAULT_GRAPH_URL.to_owned(),
            bot_workers: 2,
            debounce_ms: 2000,
            max_body_bytes: 1024 * 1024,
            max_webhook_bytes: MAX_WEBHOOK_BYTES,
            journal_wal_quadros: crate::store::journal::LIMITE_QUADROS,
            retry_base_ms: 1000,
            session_ttl_s: 12 * 3600,
            trust_proxy: false,
            login_throttle: LoginThrottle::default(),
            carencia_dias: 7,
            backup_every: Some(Duration::from_secs(24 * 3600)),
            backup_keep: 7,
            metrics_token: None,
            disk_min_free_bytes: 100 * 1024 * 1024,
        }
    }
}
