//! The durable message pipeline (ARCHITECTURE.md §2), between the webhook and the workers:
//!
//! - [`roteamento`]: phone_number_id → empresa cache, invalidated by the central generation;
//! - [`ingestao`]: turning verified webhook events into journal [`evento`]s;
//! - [`ingestao_evolution`]: the same for Evolution API events (QR-code channel), plus its
//!   connection and QR updates;
//! - [`journal`]: the webhook's durable inbox and the worker that applies it to the tenant
//!   files in batches, marks pending work and wakes the bot workers;
//! - [`resposta`]: one claimed job → bot → stored reply → send (`envio`: Cloud API or
//!   Evolution, by the empresa's channel) → recorded outcome;
//! - [`ferramentas`]: the bot's `TenantTools` over a tenant db;
//! - [`foto`]: the photo of the catalog item a reply presents, sent after it;
//! - [`simulador`]: the panel's "Testar bot": the same bot in a sandbox conversation that
//!   never creates leads or conversas nor counts against the plan, answering with why.
//!
//! The worker threads that drive [`resposta`] live in `crate::jobs`.

pub(crate) mod envio;
pub mod evento;
pub mod ferramentas;
pub mod foto;
pub mod ingestao;
pub mod ingestao_evolution;
pub mod journal;
pub mod resposta;
pub mod roteamento;
pub mod simulador;

use std::time::Duration;

use crate::app::App;
use crate::bot::BotFactory;
use crate::clock::unix_now_ms;
use crate::domain::{ConversaId, UsuarioId};
use crate::error::{Error, Result};
use crate::llm::{LlmClient, RetryPolicy};
use crate::outbound::{agent, Timeouts};
use crate::store::central::Empresa;
use crate::store::tenant::conversas::Mensagem;
use crate::whatsapp::GraphClient;

/// How long a claimed job is owned before another worker may take it over: well above the
/// worst bot turn (tool rounds × LLM retries × 30 s timeouts) plus a send. A crash does not
/// wait for it: `jobs::start` makes a dead process's jobs pending again at once.
pub const LEASE_MS: i64 = 15 * 60 * 1000;

/// What a worker needs to run jobs: templates, the Graph and LLM clients, retry pacing.
pub struct Motor {
    pub bots: BotFactory,
    pub graph: GraphClient,
    pub llm: LlmClient,
    /// The shared outbound agent (the Evolution client is built per send: its URL is a
    /// setting that may change while the server runs).
    pub agent: crate::outbound::Agent,
    retry_base_ms: u64,
}

impl Motor {
    /// Builds the clients over one shared outbound agent.
    pub fn new(app: &App) -> Result<Motor> {
        let agent = agent(Timeouts::default());
        let base = app.config.retry_base_ms;
        let llm = LlmClient::new(agent.clone()).with_retry(RetryPolicy {
            backoff: Duration::from_millis(base / 2),
            max_delay: Duration::from_millis(base.saturating_mul(5)),
            ..RetryPolicy::default()
        });
        Ok(Motor {
            bots: BotFactory::new()?,
            graph: GraphClient::new(agent.clone(), app.config.graph_api_url.clone()),
            llm,
            agent,
            retry_base_ms: base,
        })
    }

    /// The wait after the `tentativa`-th failed send: `whatsapp::backoff` scaled so that
    /// its 1 s step is `retry_base_ms` (tests use a few ms).
    pub fn espera_ms(&self, tentativa: u32) -> i64 {
        let ms = crate::whatsapp::backoff(tentativa).as_millis() as u64;
        (ms.saturating_mul(self.retry_base_ms) / 1000) as i64
    }
}

/// Refuses a reply (typed or attached) to a conversa whose customer has neither phone nor
/// BSUID: there is no one to send it to (409 `cliente_nao_identificado`).
pub fn exigir_destinatario(db: &crate::store::tenant::TenantDb, conversa: ConversaId) -> Result<()> {
    if db.conversa_para_bot(conversa, 0)?.is_some_and(|c| c.wa_id.is_empty() && c.canal != "simulador") {
        return Err(Error::conflict("cliente_nao_identificado", resposta::SEM_DESTINATARIO));
    }
    Ok(())
}

/// Queues a reply typed by a person in the panel; a worker sends it through the same path as
/// the bot's replies. The reply takes the conversa over (modo humano) and, when `atribuir`
/// is an empresa user, assigns it to them if no one has it. Returns the stored (still
/// `pendente`) mensagem.
pub fn responder(
    app: &App,
    empresa: &Empresa,
    conversa: ConversaId,
    texto: &str,
    usuario: UsuarioId,
    atribuir: Option<UsuarioId>,
) -> Result<Mensagem> {
    let texto = texto.trim();
    if texto.is_empty() || texto.len() > 4096 {
        return Err(Error::invalid("texto_invalido", "o texto deve ter entre 1 e 4096 caracteres"));
    }
    let db = app.tenant_db(empresa)?;
    exigir_destinatario(&db, conversa)?;
    let id = db.responder_humano(conversa, texto, usuario.0, atribuir.map(|u| u.0), unix_now_ms())?;
    app.central.trabalho_marcar(empresa.id)?;
    app.trabalho.avisar();
    db.mensagem(id)?.ok_or(Error::NotFound("mensagem"))
}
