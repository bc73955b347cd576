//! The one error type of HelixAI.
//!
//! Every fallible function returns [`Result<T>`]. Each variant knows its HTTP status
//! ([`Error::status`]) and its stable machine-readable code ([`Error::code`]); its
//! `Display` is the pt-BR sentence shown to people (CLI stderr, panel, API `mensagem`).
//! Internal variants (storage, I/O, upstream) never reach a client verbatim: the HTTP
//! layer logs them and answers a fixed sentence (see `http::respond`).

use std::path::PathBuf;

/// Shorthand used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, classified once.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input from a person or a program (400).
    #[error("{mensagem}")]
    Invalid { codigo: &'static str, mensagem: String },

    /// The thing asked for does not exist (or belongs to someone else) (404).
    #[error("{0} não encontrado(a)")]
    NotFound(&'static str),

    /// The request clashes with existing state: duplicate slug, limit reached... (409).
    #[error("{mensagem}")]
    Conflict { codigo: &'static str, mensagem: String },

    /// No valid session (401).
    #[error("sessão ausente ou expirada; faça login novamente")]
    Unauthenticated,

    /// Wrong e-mail or password (401); the same answer for both.
    #[error("e-mail ou senha incorretos")]
    LoginFailed,

    /// Authenticated, but the role may not do this (403).
    #[error("você não tem permissão para esta ação")]
    Forbidden,

    /// Webhook signature missing or wrong (401).
    #[error("assinatura do webhook ausente ou inválida")]
    BadSignature,

    /// Throttled (429); the caller may retry after this many seconds.
    #[error("muitas tentativas; tente novamente em {}", crate::clock::duracao(std::time::Duration::from_secs(*retry_after)))]
    TooManyRequests { retry_after: u64 },

    /// Request body above the cap (413).
    #[error("corpo da requisição grande demais (máximo {limit} bytes)")]
    PayloadTooLarge { limit: usize },

    /// A database file carries a schema newer than this binary understands.
    #[error("o banco {} está na versão de esquema {found}, mais nova que a suportada por este binário ({supported}); atualize o HelixAI", path.display())]
    SchemaTooNew { path: PathBuf, found: u32, supported: u32 },

    /// A migration failed to apply.
    #[error("falha ao migrar {}: {reason}", path.display())]
    Migration { path: PathBuf, reason: String },

    /// SQLite or pool failure (500); the text is for the log only.
    #[error("erro no banco de dados: {0}")]
    Store(String),

    /// Filesystem failure, with the path involved (500).
    #[error("erro de arquivo em {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },

    /// An outside service (Graph API, LLM) failed (502).
    #[error("serviço externo falhou: {0}")]
    Upstream(String),

    /// Temporarily unable to serve (503), e.g. shutting down or disk nearly full.
    #[error("{0}")]
    Unavailable(String),

    /// A bug or an impossible state (500); the text is for the log only.
    #[error("erro interno: {0}")]
    Internal(String),
}

impl Error {
    /// A 400 with a stable code and a pt-BR message.
    pub fn invalid(codigo: &'static str, mensagem: impl Into<String>) -> Self {
        Error::Invalid { codigo, mensagem: mensagem.into() }
    }

    /// A 409 with a stable code and a pt-BR message.
    pub fn conflict(codigo: &'static str, mensagem: impl Into<String>) -> Self {
        Error::Conflict { codigo, mensagem: mensagem.into() }
    }

    /// An I/O error tagged with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }

    /// HTTP status for this error.
    pub fn status(&self) -> u16 {
        match self {
            Error::Invalid { .. } => 400,
            Error::NotFound(_) => 404,
            Error::Conflict { .. } => 409,
            Error::Unauthenticated | Error::BadSignature | Error::LoginFailed => 401,
            Error::Forbidden => 403,
            Error::TooManyRequests { .. } => 429,
            Error::PayloadTooLarge { .. } => 413,
            Error::Upstream(_) => 502,
            Error::Unavailable(_) => 503,
            Error::SchemaTooNew { .. }
            | Error::Migration { .. }
            | Error::Store(_)
            | Error::Io { .. }
            | Error::Internal(_) => 500,
        }
    }

    /// Stable machine-readable code (the API's `erro.codigo`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid { codigo, .. } | Error::Conflict { codigo, .. } => codigo,
            Error::NotFound(_) => "nao_encontrado",
            Error::Unauthenticated => "nao_autenticado",
            Error::LoginFailed => "credenciais_invalidas",
            Error::Forbidden => "proibido",
            Error::BadSignature => "assinatura_invalida",
            Error::TooManyRequests { .. } => "muitas_tentativas",
            Error::PayloadTooLarge { .. } => "corpo_grande_demais",
            Error::SchemaTooNew { .. } => "esquema_mais_novo",
            Error::Migration { .. } => "falha_migracao",
            Error::Store(_) => "erro_banco",
            Error::Io { .. } => "erro_arquivo",
            Error::Upstream(_) => "servico_externo",
            Error::Unavailable(_) => "indisponivel",
            Error::Internal(_) => "erro_interno",
        }
    }

    /// Whether the `Display` text is safe to show to an API client. Internal errors
    /// carry paths and driver messages, so clients get a fixed sentence instead. Upstream
    /// texts are built by the outside clients from the service's own answer (never a token)
    /// and tell the user what to fix ("instância não existe", "chave recusada").
    pub fn is_public(&self) -> bool {
        self.status() < 500 || matches!(self, Error::Unavailable(_) | Error::Upstream(_))
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::invalid("json_invalido", format!("JSON inválido: {e}"))
    }
}
