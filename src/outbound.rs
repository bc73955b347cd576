//! The one outbound HTTP agent (ureq) shared by the WhatsApp, Evolution and LLM clients.
//!
//! Built once per process with connect/read timeouts so a slow outside service can never
//! hold a worker forever. Only `whatsapp/`, `llm.rs` and this file name ureq; the Evolution
//! client calls through [`chamar_json`], which hands back a status and body or a
//! classified network failure. The off-site replica (`replica/`) sends its signed object
//! requests through [`chamar_bytes`] on an agent from [`agent_transferencia`].

use std::time::Duration;

/// Timeouts for outbound calls.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// TCP connect timeout.
    pub connect: Duration,
    /// Whole-request timeout (connect + send + receive).
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { connect: Duration::from_secs(5), total: Duration::from_secs(30) }
    }
}

/// The shared outbound HTTP agent.
pub type Agent = ureq::Agent;

/// The logger module whose debug lines carry every request header (it masks `Authorization`
/// but not other credentials such as Evolution's `apikey`): `main` caps it at info.
pub const MODULO_LOG_CABECALHOS: &str = "ureq::unit";

/// Builds the shared agent. Cheap to clone (it is an `Arc` inside).
pub fn agent(timeouts: Timeouts) -> Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(timeouts.connect)
        .timeout(timeouts.total)
        .user_agent(concat!("helixai/", env!("CARGO_PKG_VERSION")))
        .redirects(0)
        .build()
}

/// An agent for bulk transfers (the off-site replica's objects): no cap on the whole request
/// (a large snapshot on a slow link takes as long as it takes), but a connection that stalls
/// for `parado` in a read or a write fails.
pub fn agent_transferencia(connect: Duration, parado: Duration) -> Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(connect)
        .timeout_read(parado)
        .timeout_write(parado)
        .user_agent(concat!("helixai/", env!("CARGO_PKG_VERSION")))
        .redirects(0)
        .build()
}

/// Why an outbound call got no HTTP answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TipoFalha {
    /// The URL itself is unusable (bad syntax, scheme or proxy).
    UrlInvalida,
    /// Could not connect (DNS, refused): nothing left this side.
    Conexao,
    /// Anything after connecting (timeout, reset): the request may have arrived.
    Outra,
}

/// A call that got no HTTP answer: its class and a cause for people (kind, the client's
/// note, the OS error), never the URL.
#[derive(Debug, Clone)]
pub struct FalhaDeRede {
    pub tipo: TipoFalha,
    pub causa: String,
}

/// Largest answer body read as text: a media file fetched as base64 (16 MB of file is ~22 MB
/// of JSON). ureq's own `into_string` stops at 10 MB.
pub const MAX_CORPO_TEXTO: u64 = 32 * 1024 * 1024;

/// An answer's body as text, read up to [`MAX_CORPO_TEXTO`] (empty if unreadable).
fn corpo_texto(response: ureq::Response) -> String {
    use std::io::Read;
    let mut bytes = Vec::new();
    let _ = response.into_reader().take(MAX_CORPO_TEXTO).read_to_end(&mut bytes);
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// One request with optional JSON body; any HTTP answer (2xx or not) is `(status, body)`.
pub fn chamar_json(
    agent: &Agent,
    metodo: &str,
    url: &str,
    cabecalhos: &[(&str, &str)],
    corpo: Option<&serde_json::Value>,
) -> Result<(u16, String), FalhaDeRede> {
    let mut request = agent.request(metodo, url);
    for (nome, valor) in cabecalhos {
        request = request.set(nome, valor);
    }
    let result = match corpo {
        Some(corpo) => request.send_json(corpo),
        None => request.call(),
    };
    match result {
        Ok(response) => {
            let status = response.status();
            Ok((status, corpo_texto(response)))
        }
        Err(ureq::Error::Status(status, response)) => Ok((status, corpo_texto(response))),
        Err(ureq::Error::Transport(t)) => Err(falha_de_rede(&t)),
    }
}

/// One request with an optional raw body; any HTTP answer is `(status, body bytes)`.
pub fn chamar_bytes(
    agent: &Agent,
    metodo: &str,
    url: &str,
    cabecalhos: &[(&str, &str)],
    corpo: Option<&[u8]>,
) -> Result<(u16, Vec<u8>), FalhaDeRede> {
    let mut request = agent.request(metodo, url);
    for (nome, valor) in cabecalhos {
        request = request.set(nome, valor);
    }
    let result = match corpo {
        Some(corpo) => request.send_bytes(corpo),
        None => request.call(),
    };
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(ureq::Error::Transport(t)) => return Err(falha_de_rede(&t)),
    };
    let status = response.status();
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut response.into_reader(), &mut body)
        .map_err(|e| FalhaDeRede { tipo: TipoFalha::Outra, causa: format!("leitura da resposta: {e}") })?;
    Ok((status, body))
}

/// Classifies a transport failure, with a cause for people (never the URL).
fn falha_de_rede(t: &ureq::Transport) -> FalhaDeRede {
    use ureq::ErrorKind;
    let mut causa = t.kind().to_string();
    for parte in [t.message().map(str::to_string), std::error::Error::source(t).map(|s| s.to_string())] {
        causa.extend(parte.map(|p| format!(": {p}")));
    }
    let tipo = match t.kind() {
        ErrorKind::InvalidUrl | ErrorKind::UnknownScheme | ErrorKind::InvalidProxyUrl => TipoFalha::UrlInvalida,
        ErrorKind::Dns | ErrorKind::ConnectionFailed => TipoFalha::Conexao,
        _ => TipoFalha::Outra,
    };
    FalhaDeRede { tipo, causa }
}
