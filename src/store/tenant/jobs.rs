//! SQL for bot jobs: claiming with a lease (debounced, one conversa at a time, in order),
//! and the state machine that makes a reply go out once in effect across crashes:
//!
//! ```text
//! pendente ──claim──▶ executando ──compose──▶ (saida_id set, outbound mensagem 'pendente')
//!    ▲                    │                         │ send ok      → mensagem wamid + 'enviada', job concluido
//!    └── retryable ◀──────┴─────────────────────────┤ retryable    → pendente again, executar_apos_ms = backoff
//!                                                   └ permanent    → mensagem 'falhou' (code, text), job falhou
//! ```
//!
//! A job re-run after a crash with `saida_id` set skips the bot and only sends — unless the
//! mensagem already has a wamid, which means it went out: then the job just finishes. Every
//! update checks the claim's `lease_token`, so a worker whose lease expired writes nothing.
//! Finishing a job re-queues the conversa when inbound messages arrived meanwhile. A bot job
//! is not claimed while a voice note of its conversa waits for its transcript (`midias.rs`).

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use super::TenantDb;
use crate::domain::{ConversaId, JobId, MensagemId};
use crate::error::{Error, Result};

/// A claimed bot job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobBot {
    pub id: JobId,
    pub conversa_id: ConversaId,
    /// How many times this job was claimed (this claim included).
    pub tentativas: u32,
    /// The reply already composed for it, if any.
    pub saida_id: Option<MensagemId>,
    pub lease_token: i64,
}

/// The conversa is with a person: the bot's reply is not stored (nor sent).
pub fn em_modo_humano() -> Error {
    Error::conflict("conversa_em_modo_humano", "esta conversa está com um atendente humano; o bot não responde")
}

fn lease_perdido() -> Error {
    Error::conflict("lease_perdido", "o job foi retomado por outro worker")
}

/// Fails unless the job is still executing under this claim.
fn ainda_meu(tx: &Transaction<'_>, job: &JobBot) -> Result<()> {
    let ok: bool = tx
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM jobs WHERE id = ?1 AND status = 'executando' AND lease_token = ?2)",
        )?
        .query_row(params![job.id.0, job.lease_token], |r| r.get(0))?;
    if ok {
        Ok(())
    } else {
        Err(lease_perdido())
    }
}

/// Queues a new job for the conversa if the customer's text arrived after what was answered —
/// only where the bot can read the conversa (`conversa_para_bot`'s join), and only the
/// customer's own lines: text the bot can never answer (a 'sistema' line such as a number
/// change is inbound too) would otherwise queue job after job, each at once.
fn requeue_se_preciso(tx: &Transaction<'_>, conversa: ConversaId, agora_ms: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO jobs (tipo, conversa_id, executar_apos_ms)
         SELECT 'bot', c.id, ?2 FROM conversas c JOIN leads l ON l.id = c.lead_id
         WHERE c.id = ?1 AND c.modo = 'bot' AND EXISTS (
             SELECT 1 FROM mensagens m WHERE m.conversa_id = c.id AND m.direcao = 'entrada' AND m.autor = 'cliente'
               AND m.id > c.respondida_ate AND m.texto IS NOT NULL)
         ON CONFLICT(conversa_id) WHERE tipo = 'bot' AND status = 'pendente' DO NOTHING",
        params![conversa.0, agora_ms],
    )?;
    Ok(())
}

/// Takes a found job under a fresh lease token until `lease_ate_ms`.
fn tomar(
    tx: &Transaction<'_>,
    id: i64,
    conversa: ConversaId,
    tentativas: u32,
    saida: Option<i64>,
    lease_ate_ms: i64,
) -> Result<JobBot> {
    let token = i64::from_le_bytes(crate::crypto::random_bytes::<8>()?);
    tx.execute(
        "UPDATE jobs SET status = 'executando', lease_ate_ms = ?2, lease_token = ?3, tentativas = tentativas + 1,
             atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
        params![id, lease_ate_ms, token],
    )?;
    Ok(JobBot {
        id: JobId(id),
        conversa_id: conversa,
        tentativas: tentativas + 1,
        saida_id: saida.map(MensagemId),
        lease_token: token,
    })
}

impl TenantDb {
    /// Claims the oldest due bot job: pending, past its retry time, whose conversa's last
    /// inbound message is older than `debounce_ms`, and whose conversa has no other job
    /// executing under a live lease — or an executing job whose lease expired (a crash).
    pub fn job_reivindicar(&self, agora_ms: i64, debounce_ms: i64, lease_ms: i64) -> Result<Option<JobBot>> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: Option<(i64, i64, u32, Option<i64>)> = tx
            .query_row(
                "SELECT j.id, j.conversa_id, j.tentativas, j.saida_id FROM jobs j
                 JOIN conversas c ON c.id = j.conversa_id
                 WHERE j.tipo IN ('bot', 'envio') AND (
                     (j.status = 'executando' AND j.lease_ate_ms <= ?1)
                  OR (j.status = 'pendente' AND j.executar_apos_ms <= ?1
                      AND (j.tipo = 'envio' OR c.ultima_entrada_ms <= ?1 - ?2)
                      AND c.canal != 'simulador'
                      AND NOT EXISTS (SELECT 1 FROM jobs k WHERE k.conversa_id = j.conversa_id
                                      AND k.status = 'executando' AND k.lease_ate_ms > ?1)
                      -- A reply waits for the transcript of a voice note it must answer (the
                      -- literals let the partial index jobs_audio_ativos serve this).
                      AND (j.tipo = 'envio' OR NOT EXISTS (SELECT 1 FROM jobs a WHERE a.conversa_id = j.conversa_id
                                      AND a.tipo = 'midia_audio' AND a.status IN ('pendente', 'executando')))))
                 ORDER BY j.id LIMIT 1",
                params![agora_ms, debounce_ms],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((id, conversa, tentativas, saida)) = found else { return Ok(None) };
        let job = tomar(&tx, id, ConversaId(conversa), tentativas, saida, agora_ms + lease_ms)?;
        tx.commit()?;
        Ok(Some(job))
    }

    /// Claims the pending job of one conversa now, without debounce (the simulator answers
    /// inline); `None` when it has none or another job of it is executing.
    pub fn job_reivindicar_conversa(
        &self,
        conversa: ConversaId,
        agora_ms: i64,
        lease_ms: i64,
    ) -> Result<Option<JobBot>> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: Option<(i64, u32, Option<i64>)> = tx
            .query_row(
                "SELECT id, tentativas, saida_id FROM jobs
                 WHERE conversa_id = ?1 AND tipo = 'bot' AND status = 'pendente'
                   AND NOT EXISTS (SELECT 1 FROM jobs k WHERE k.conversa_id = ?1 AND k.status = 'executando'
                                   AND k.lease_ate_ms > ?2)",
                params![conversa.0, agora_ms],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((id, tentativas, saida)) = found else { return Ok(None) };
        let job = tomar(&tx, id, conversa, tentativas, saida, agora_ms + lease_ms)?;
        tx.commit()?;
        Ok(Some(job))
    }

    /// After a restart: every executing job belonged to the dead process, so it is pending
    /// again (its composed reply, if any, is kept). Returns how many were reset.
    pub fn jobs_recuperar(&self) -> Result<usize> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // A conversa may also have a newer pending job; keep the older one (it owns the reply).
        tx.execute(
            "DELETE FROM jobs WHERE status = 'pendente' AND tipo = 'bot' AND conversa_id IN
                 (SELECT conversa_id FROM jobs WHERE status = 'executando' AND tipo = 'bot')",
            [],
        )?;
        let n = tx.execute(
            "UPDATE jobs SET status = 'pendente', lease_ate_ms = NULL, lease_token = NULL,
                 atualizado_em = CURRENT_TIMESTAMP WHERE status = 'executando'",
            [],
        )?;
        tx.commit()?;
        Ok(n)
    }

    /// Stores the composed reply as an outbound mensagem (status `status`: `pendente` before
    /// the send, `simulada` for the simulator), marks the inbound messages up to
    /// `respondida_ate` as answered, and ties the reply to the job — all at once. A bot reply
    /// to a conversa a person took over meanwhile is refused ([`em_modo_humano`]).
    pub fn job_preparar_resposta(
        &self,
        job: &JobBot,
        texto: &str,
        autor: &str,
        respondida_ate: MensagemId,
        status: &str,
    ) -> Result<MensagemId> {
        self.job_preparar_resposta_com_dialogo(job, texto, autor, respondida_ate, status, None)
    }

    /// [`Self::job_preparar_resposta`], storing the bot's dialog state of the conversa (JSON)
    /// in the same transaction: the reply and what the bot remembers of it land together.
    pub fn job_preparar_resposta_com_dialogo(
        &self,
        job: &JobBot,
        texto: &str,
        autor: &str,
        respondida_ate: MensagemId,
        status: &str,
        dialogo: Option<&str>,
    ) -> Result<MensagemId> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ainda_meu(&tx, job)?;
        if autor == "bot" {
            // A person may have taken over while the bot was composing: never talk over them.
            // (The bot's own handoff notice passes: the bot set modo humano itself, and the
            // customer's request for a person stays pending until someone takes it.)
            let com_bot: bool = tx.query_row(
                "SELECT modo = 'bot' OR pediu_humano_em IS NOT NULL FROM conversas WHERE id = ?1",
                [job.conversa_id.0],
                |r| r.get(0),
            )?;
            if !com_bot {
                return Err(em_modo_humano());
            }
        }
        if let Some(estado) = dialogo {
            super::dialogo::gravar(&tx, job.conversa_id, estado)?;
        }
        // Cached statements: every bot reply runs these (the INSERT compiles the triggers).
        let id: i64 = tx
            .prepare_cached(
                "INSERT INTO mensagens (conversa_id, direcao, autor, tipo, texto, status)
                 VALUES (?1, 'saida', ?2, 'text', ?3, ?4) RETURNING id",
            )?
            .query_row(params![job.conversa_id.0, autor, texto, status], |r| r.get(0))?;
        tx.prepare_cached(
            "UPDATE conversas SET respondida_ate = MAX(respondida_ate, ?2), ultima_mensagem_em = CURRENT_TIMESTAMP,
                 atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
        )?
        .execute(params![job.conversa_id.0, respondida_ate.0])?;
        tx.prepare_cached("UPDATE jobs SET saida_id = ?2 WHERE id = ?1")?.execute(params![job.id.0, id])?;
        tx.commit()?;
        Ok(MensagemId(id))
    }

    /// Right before the Graph call: the reply becomes `enviando`. A crash between here and
    /// [`Self::job_enviado`] leaves it so, and recovery never sends an `enviando` reply again
    /// (the Graph API has no idempotency key: "maybe sent" must not become "sent twice").
    pub fn job_marcar_enviando(&self, job: &JobBot, saida: MensagemId) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ainda_meu(&tx, job)?;
        tx.execute(
            "UPDATE mensagens SET status = 'enviando', atualizado_em = CURRENT_TIMESTAMP
             WHERE id = ?1 AND status = 'pendente' AND wa_message_id IS NULL",
            [saida.0],
        )?;
        tx.commit().map_err(Into::into)
    }

    /// The reply went out: stores its wamid and finishes the job.
    pub fn job_enviado(&self, job: &JobBot, saida: MensagemId, wamid: &str, agora_ms: i64) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ainda_meu(&tx, job)?;
        // Evolution echoes our own sends as `fromMe` upserts; one that arrived before this
        // point was stored as a separate row with this id: the reply itself wins.
        tx.execute(
            "DELETE FROM mensagens WHERE wa_message_id = ?2 AND id != ?1 AND direcao = 'saida'",
            params![saida.0, wamid],
        )?;
        // A `sent`/`delivered` webhook cannot have arrived yet (it needs the wamid), so the
        // status is simply moved to `enviada` unless something already moved it further.
        tx.execute(
            "UPDATE mensagens SET wa_message_id = ?2,
                 status = CASE WHEN status IN ('pendente', 'enviando', 'recebida') THEN 'enviada' ELSE status END,
                 atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
            params![saida.0, wamid],
        )?;
        finish(&tx, job, "concluido", None, agora_ms)?;
        tx.commit().map_err(Into::into)
    }

    /// The send failed for good: the mensagem shows Meta's code and text; the job failed.
    pub fn job_falhou_envio(
        &self,
        job: &JobBot,
        saida: MensagemId,
        codigo: Option<i64>,
        texto: &str,
        agora_ms: i64,
    ) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ainda_meu(&tx, job)?;
        tx.execute(
            "UPDATE mensagens SET status = 'falhou', erro_codigo = ?2, erro_texto = ?3,
                 atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
            params![saida.0, codigo, texto],
        )?;
        finish(&tx, job, "falhou", Some(texto), agora_ms)?;
        tx.commit().map_err(Into::into)
    }

    /// Queues a reply typed by a person in the panel: the outbound mensagem (autor `humano`,
    /// status `pendente`, `enviado_por` the usuario) and an `envio` job that already owns it, so
    /// a worker sends it through the same path (retries, failure codes, exactly once) as the
    /// bot's replies. Not debounced. The reply takes the conversa over (modo humano: the bot
    /// stays silent) and reopens it if it was resolved; `atribuir` assigns it when unassigned.
    pub fn responder_humano(
        &self,
        conversa: ConversaId,
        texto: &str,
        usuario_id: i64,
        atribuir: Option<i64>,
        agora_ms: i64,
    ) -> Result<MensagemId> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = saida_tx(&tx, conversa, "text", texto, "humano", Some(usuario_id), agora_ms)?;
        if atribuir.is_some() {
            tx.execute(
                "UPDATE conversas SET atribuida_a = COALESCE(atribuida_a, ?2) WHERE id = ?1",
                params![conversa.0, atribuir],
            )?;
        }
        tx.commit()?;
        Ok(MensagemId(id))
    }

    /// Finishes a job that sends nothing (conversa in modo humano, nothing to answer, a reply
    /// already sent before a crash). `respondida_ate` marks inbound messages as handled.
    pub fn job_concluir(&self, job: &JobBot, respondida_ate: Option<MensagemId>, agora_ms: i64) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ainda_meu(&tx, job)?;
        if let Some(ate) = respondida_ate {
            tx.execute(
                "UPDATE conversas SET respondida_ate = MAX(respondida_ate, ?2) WHERE id = ?1",
                params![job.conversa_id.0, ate.0],
            )?;
        }
        finish(&tx, job, "concluido", None, agora_ms)?;
        tx.commit().map_err(Into::into)
    }

    /// A retryable failure: the job waits until `executar_apos_ms` and runs again (keeping
    /// its composed reply). A newer pending job of the same conversa is folded into this one.
    pub fn job_reagendar(&self, job: &JobBot, executar_apos_ms: i64, erro: &str) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ainda_meu(&tx, job)?;
        tx.execute(
            "DELETE FROM jobs WHERE conversa_id = ?1 AND tipo = 'bot' AND status = 'pendente' AND id != ?2
                 AND (SELECT tipo FROM jobs WHERE id = ?2) = 'bot'",
            params![job.conversa_id.0, job.id.0],
        )?;
        // The send certainly failed (Meta answered an error), so the reply is plainly pending again.
        tx.execute(
            "UPDATE mensagens SET status = 'pendente' WHERE status = 'enviando'
                 AND id = (SELECT saida_id FROM jobs WHERE id = ?1)",
            [job.id.0],
        )?;
        tx.execute(
            "UPDATE jobs SET status = 'pendente', executar_apos_ms = ?2, erro = ?3, lease_ate_ms = NULL,
                 lease_token = NULL, atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
            params![job.id.0, executar_apos_ms, erro],
        )?;
        tx.commit().map_err(Into::into)
    }

    /// Jobs still pending or executing (a tenant with none leaves the pending-work index).
    pub fn jobs_ativos_total(&self) -> Result<i64> {
        Ok(self
            .conn()?
            .query_row("SELECT COUNT(*) FROM jobs WHERE status IN ('pendente', 'executando')", [], |r| r.get(0))?)
    }

    /// (status, tentativas, erro) of every job, oldest first (tests, panel).
    pub fn jobs_resumo(&self) -> Result<Vec<(String, u32, Option<String>)>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare("SELECT status, tentativas, erro FROM jobs ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

/// Inside a transaction: an outbound mensagem (`tipo`, `autor` `humano` or `bot`) queued for a
/// worker to send, owned by a new `envio` job, and the conversa's last activity moved (a
/// person's reply also clears its unread count). 404 for an unknown conversa, 409 for one of
/// the simulator. Returns the mensagem id.
pub(super) fn saida_tx(
    tx: &Transaction<'_>,
    conversa: ConversaId,
    tipo: &str,
    texto: &str,
    autor: &str,
    usuario_id: Option<i64>,
    agora_ms: i64,
) -> Result<i64> {
    let canal: Option<String> =
        tx.query_row("SELECT canal FROM conversas WHERE id = ?1", [conversa.0], |r| r.get(0)).optional()?;
    match canal.as_deref() {
        None => return Err(Error::NotFound("conversa")),
        Some("simulador") => {
            return Err(Error::conflict("conversa_simulada", "conversas do simulador não vão para o WhatsApp"))
        }
        Some(_) => {}
    }
    let id: i64 = tx.query_row(
        "INSERT INTO mensagens (conversa_id, direcao, autor, tipo, texto, status, enviado_por)
         VALUES (?1, 'saida', ?2, ?3, ?4, 'pendente', ?5) RETURNING id",
        params![conversa.0, autor, tipo, texto, usuario_id],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO jobs (tipo, conversa_id, saida_id, executar_apos_ms) VALUES ('envio', ?1, ?2, ?3)",
        params![conversa.0, id, agora_ms],
    )?;
    tx.execute(
        "UPDATE conversas SET ultima_mensagem_em = CURRENT_TIMESTAMP,
             nao_lidas = CASE WHEN ?2 = 'humano' THEN 0 ELSE nao_lidas END,
             atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
        params![conversa.0, autor],
    )?;
    if autor == "humano" {
        // A person's message (text or attachment) takes the conversa over: the bot stays
        // silent, the customer's request for a person is answered, a resolved one reopens.
        tx.execute(
            "UPDATE conversas SET vista = 1, modo = 'humano', humano_desde_ms = ?2, pediu_humano_em = NULL,
                 resolvida_em = NULL WHERE id = ?1",
            params![conversa.0, agora_ms],
        )?;
    }
    Ok(id)
}

fn finish(tx: &Transaction<'_>, job: &JobBot, status: &str, erro: Option<&str>, agora_ms: i64) -> Result<()> {
    let n = tx.execute(
        "UPDATE jobs SET status = ?2, erro = ?3, lease_ate_ms = NULL, lease_token = NULL,
             atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1 AND lease_token = ?4",
        params![job.id.0, status, erro, job.lease_token],
    )?;
    if n == 0 {
        return Err(lease_perdido());
    }
    requeue_se_preciso(tx, job.conversa_id, agora_ms)
}
