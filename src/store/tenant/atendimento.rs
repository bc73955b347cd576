//! SQL for the handoff between the bot and people, and the inbox's own states: taking a
//! conversa over and handing it back, the bot's own transfer when a customer asks for a
//! person, the bot resuming after the empresa's idle time, assignment to an atendente,
//! "resolvida" (reopened by the customer's next message, in `conversas.rs`), and the counts
//! the panel's alerts show.
//!
//! Handoff rules: a conversa in modo `humano` gets nothing from the bot — no answer, no
//! notice. It goes back to the bot when a person hands it back ("Devolver ao bot",
//! "Resolver") or when no one acted in it for the empresa's idle time
//! ([`TenantDb::atendimento_retomar_se_ociosa`], called by the bot job before answering).

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::TenantDb;
use crate::clock::unix_now_ms;
use crate::domain::ConversaId;
use crate::error::{Error, Result};

/// One event the panel alerts about (newest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventoAlerta {
    pub conversa_id: ConversaId,
    pub lead_nome: Option<String>,
    pub telefone: Option<String>,
    /// `pediu_atendente` or `nova`.
    pub motivo: &'static str,
    /// When it happened (UTC `YYYY-MM-DD HH:MM:SS`).
    pub em: String,
}

/// What the panel's alerts count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alertas {
    /// Open conversas whose customer asked for a person and no one took over yet.
    pub aguardando_humano: i64,
    /// Conversas no one opened in the panel since they arrived (or reopened), last 7 days.
    pub novas: i64,
    /// Conversas in either state (each counted once): the number in the tab title and menu.
    pub total: i64,
    /// The ten most recent of them.
    pub recentes: Vec<EventoAlerta>,
}

/// Which conversas need attention: the same condition for the count and the list.
const PRECISA_ATENCAO: &str = "c.resolvida_em IS NULL AND c.canal != 'simulador' AND (c.pediu_humano_em IS NOT NULL
     OR (c.vista = 0 AND c.ultima_mensagem_em >= datetime('now', '-7 days')))";

fn conversa_existe(n: usize) -> Result<()> {
    if n == 0 {
        Err(Error::NotFound("conversa"))
    } else {
        Ok(())
    }
}

impl TenantDb {
    /// A person takes the conversa over: modo humano, seen, the customer's request for a
    /// person answered, and assigned to `usuario` when given (an empresa user, not the
    /// superadmin visiting).
    pub fn atendimento_assumir(&self, id: ConversaId, usuario: Option<i64>, agora_ms: i64) -> Result<()> {
        conversa_existe(self.conn()?.execute(
            "UPDATE conversas SET modo = 'humano', humano_desde_ms = ?2, pediu_humano_em = NULL, vista = 1,
                 atribuida_a = COALESCE(?3, atribuida_a), atualizado_em = CURRENT_TIMESTAMP
             WHERE id = ?1",
            params![id.0, agora_ms, usuario],
        )?)
    }

    /// Hands the conversa back to the bot (it answers the customer's next message).
    pub fn atendimento_devolver(&self, id: ConversaId) -> Result<()> {
        conversa_existe(self.conn()?.execute(
            "UPDATE conversas SET modo = 'bot', humano_desde_ms = NULL, pediu_humano_em = NULL,
                 atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
            [id.0],
        )?)
    }

    /// The bot hands the conversa to a person because the customer asked for one: modo
    /// humano, and the panel alerts until someone takes it.
    pub fn atendimento_transferir(&self, id: ConversaId) -> Result<()> {
        conversa_existe(self.conn()?.execute(
            "UPDATE conversas SET modo = 'humano', humano_desde_ms = ?2,
                 pediu_humano_em = COALESCE(pediu_humano_em, CURRENT_TIMESTAMP), atualizado_em = CURRENT_TIMESTAMP
             WHERE id = ?1",
            params![id.0, unix_now_ms()],
        )?)
    }

    /// Gives the conversa back to the bot when it is in modo humano and no one acted in it
    /// since `ociosa_desde_ms` (now minus the empresa's idle time). True when it did.
    pub fn atendimento_retomar_se_ociosa(&self, id: ConversaId, ociosa_desde_ms: i64) -> Result<bool> {
        let n = self.conn()?.execute(
            "UPDATE conversas SET modo = 'bot', humano_desde_ms = NULL, pediu_humano_em = NULL,
                 atualizado_em = CURRENT_TIMESTAMP
             WHERE id = ?1 AND modo = 'humano' AND COALESCE(humano_desde_ms, 0) <= ?2",
            params![id.0, ociosa_desde_ms],
        )?;
        Ok(n > 0)
    }

    /// Whether a bot reply may still go out in this conversa: it is with the bot, or the bot
    /// itself just handed it over (its notice) and no person has taken it yet.
    pub fn atendimento_bot_pode_falar(&self, id: ConversaId) -> Result<bool> {
        Ok(self
            .conn()?
            .query_row("SELECT modo = 'bot' OR pediu_humano_em IS NOT NULL FROM conversas WHERE id = ?1", [id.0], |r| {
                r.get(0)
            })
            .optional()?
            .unwrap_or(false))
    }

    /// Assigns the conversa to a usuario (the caller checked they belong to the empresa),
    /// or to no one.
    pub fn atendimento_atribuir(&self, id: ConversaId, usuario: Option<i64>) -> Result<()> {
        conversa_existe(self.conn()?.execute(
            "UPDATE conversas SET atribuida_a = ?2, atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
            params![id.0, usuario],
        )?)
    }

    /// Marks the conversa resolved: read, seen, back with the bot. The customer's next
    /// message reopens it.
    pub fn atendimento_resolver(&self, id: ConversaId) -> Result<()> {
        conversa_existe(self.conn()?.execute(
            "UPDATE conversas SET resolvida_em = CURRENT_TIMESTAMP, modo = 'bot', humano_desde_ms = NULL,
                 pediu_humano_em = NULL, nao_lidas = 0, vista = 1, atualizado_em = CURRENT_TIMESTAMP
             WHERE id = ?1",
            [id.0],
        )?)
    }

    /// Reopens a resolved conversa.
    pub fn atendimento_reabrir(&self, id: ConversaId) -> Result<()> {
        conversa_existe(self.conn()?.execute(
            "UPDATE conversas SET resolvida_em = NULL, atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
            [id.0],
        )?)
    }

    /// The counts and latest events of the panel's alerts.
    pub fn atendimento_alertas(&self) -> Result<Alertas> {
        let conn = self.conn()?;
        let (aguardando_humano, novas, total) = conn.query_row(
            &format!(
                "SELECT COALESCE(SUM(c.pediu_humano_em IS NOT NULL), 0),
                        COALESCE(SUM(c.vista = 0 AND c.ultima_mensagem_em >= datetime('now', '-7 days')), 0),
                        COUNT(*)
                 FROM conversas c WHERE {PRECISA_ATENCAO}"
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let mut stmt = conn.prepare(&format!(
            "SELECT c.id, l.nome, l.telefone, c.pediu_humano_em IS NOT NULL,
                    COALESCE(c.pediu_humano_em, c.criado_em) AS em
             FROM conversas c JOIN leads l ON l.id = c.lead_id
             WHERE {PRECISA_ATENCAO} ORDER BY em DESC, c.id DESC LIMIT 10"
        ))?;
        let recentes = stmt
            .query_map([], |r| {
                Ok(EventoAlerta {
                    conversa_id: ConversaId(r.get(0)?),
                    lead_nome: r.get(1)?,
                    telefone: r.get(2)?,
                    motivo: if r.get::<_, bool>(3)? { "pediu_atendente" } else { "nova" },
                    em: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Alertas { aguardando_humano, novas, total, recentes })
    }

    /// Moves a conversa's last human activity `ms` into the past (tests of the idle time
    /// without waiting hours). `None` when the conversa has no human activity.
    pub fn atendimento_envelhecer_fixture(&self, id: ConversaId, ms: i64) -> Result<Option<i64>> {
        Ok(self
            .conn()?
            .query_row(
                "UPDATE conversas SET humano_desde_ms = humano_desde_ms - ?2
                 WHERE id = ?1 AND humano_desde_ms IS NOT NULL RETURNING humano_desde_ms",
                params![id.0, ms],
                |r| r.get(0),
            )
            .optional()?)
    }
}
