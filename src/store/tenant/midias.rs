//! SQL for an empresa's media (the `midias` table) and its download jobs:
//!
//! - a webhook message with media gets its `midias` row and a download job in the journal's
//!   own transaction ([`registrar_tx`]); nothing is downloaded there;
//! - the media worker claims those jobs (`midia`, or `midia_audio` for a customer's audio,
//!   which the bot's reply waits for), records the stored file and the transcript, or the
//!   pt-BR reason it failed;
//! - the panel reads each message's media, the attendant's attachments and catalog photos
//!   are stored here, and the backup, export and quota code read which files are in use.
//!
//! The bytes are never here: a row names its file by `sha256` (see `crate::media`).

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Row, Transaction, TransactionBehavior};
use serde::Serialize;

use super::conversas::NovaEntrada;
use super::TenantDb;
use crate::domain::{ConversaId, ItemId, JobId, MensagemId, MidiaId};
use crate::error::{Error, Result};

/// Job types of the media worker. The bot's reply to a conversa waits while a
/// [`JOB_AUDIO`] of it is pending (its transcript is what the bot must answer).
pub const JOB_MIDIA: &str = "midia";
pub const JOB_AUDIO: &str = "midia_audio";
/// Most photos one catalog item keeps.
pub const MAX_FOTOS_ITEM: i64 = 10;

/// Media kinds a `midias` row may hold (WhatsApp's message types).
pub fn tipo_de_midia(tipo: &str) -> bool {
    matches!(tipo, "image" | "audio" | "video" | "document" | "sticker")
}

/// One `midias` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Midia {
    pub id: MidiaId,
    pub mensagem_id: Option<MensagemId>,
    pub item_id: Option<ItemId>,
    pub tipo: String,
    pub voz: bool,
    pub origem: String,
    pub ref_externa: Option<String>,
    pub mime_declarado: Option<String>,
    pub nome_arquivo: Option<String>,
    pub estado: String,
    pub erro: Option<String>,
    pub sha256: Option<String>,
    pub mime: Option<String>,
    pub tamanho: Option<i64>,
    pub transcricao_estado: Option<String>,
    pub envio_ref: Option<String>,
    pub envio_ref_ms: Option<i64>,
}

/// What the panel shows of a message's (or an item's) media. The transcript of a voice note is
/// the message's own `texto`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MidiaResumo {
    pub id: MidiaId,
    pub tipo: String,
    pub voz: bool,
    /// `pendente` (downloading), `pronta`, `falhou`.
    pub estado: String,
    pub erro: Option<String>,
    pub mime: Option<String>,
    pub tamanho: Option<i64>,
    pub nome_arquivo: Option<String>,
    pub transcricao_estado: Option<String>,
}

impl From<Midia> for MidiaResumo {
    fn from(m: Midia) -> Self {
        MidiaResumo {
            id: m.id,
            tipo: m.tipo,
            voz: m.voz,
            estado: m.estado,
            erro: m.erro,
            mime: m.mime,
            tamanho: m.tamanho,
            nome_arquivo: m.nome_arquivo,
            transcricao_estado: m.transcricao_estado,
        }
    }
}

/// A file already in the empresa's store, to attach to a new row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArquivoGuardado {
    pub sha256: String,
    pub mime: String,
    pub tamanho: i64,
}

/// A claimed download job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobMidia {
    pub id: JobId,
    pub conversa_id: Option<ConversaId>,
    pub midia_id: MidiaId,
    /// How many times this job was claimed (this claim included).
    pub tentativas: u32,
    pub lease_token: i64,
    /// The bytes as the webhook carried them (Evolution with `base64: true`), if it did.
    pub base64: Option<String>,
}

pub(super) const COLS: &str =
    "id, mensagem_id, item_id, tipo, voz, origem, ref_externa, mime_declarado, nome_arquivo, estado, \
                    erro, sha256, mime, tamanho, transcricao_estado, envio_ref, envio_ref_ms";

pub(super) fn row(r: &Row<'_>) -> rusqlite::Result<Midia> {
    Ok(Midia {
        id: MidiaId(r.get(0)?),
        mensagem_id: r.get::<_, Option<i64>>(1)?.map(MensagemId),
        item_id: r.get::<_, Option<i64>>(2)?.map(ItemId),
        tipo: r.get(3)?,
        voz: r.get(4)?,
        origem: r.get(5)?,
        ref_externa: r.get(6)?,
        mime_declarado: r.get(7)?,
        nome_arquivo: r.get(8)?,
        estado: r.get(9)?,
        erro: r.get(10)?,
        sha256: r.get(11)?,
        mime: r.get(12)?,
        tamanho: r.get(13)?,
        transcricao_estado: r.get(14)?,
        envio_ref: r.get(15)?,
        envio_ref_ms: r.get(16)?,
    })
}

/// Inside the journal's transaction, right after a webhook message's row: its `midias` row
/// and a download job. `cliente` = the customer sent it (their audio is transcribed, and the
/// bot's reply waits for that). Returns whether a job was queued.
pub(super) fn registrar_tx(
    tx: &Transaction<'_>,
    conversa: i64,
    mensagem: i64,
    e: &NovaEntrada<'_>,
    cliente: bool,
) -> Result<bool> {
    let (Some(m), Some(referencia)) = (&e.midia, e.midia_id) else { return Ok(false) };
    if !tipo_de_midia(e.tipo) || referencia.is_empty() {
        return Ok(false);
    }
    let audio = cliente && e.tipo == "audio";
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO midias (mensagem_id, tipo, voz, origem, ref_externa, mime_declarado, nome_arquivo,
                 transcricao_estado)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
        )?
        .query_row(
            params![
                mensagem,
                e.tipo,
                m.voz,
                m.provedor,
                referencia,
                e.midia_mime,
                m.nome_arquivo,
                audio.then_some("pendente")
            ],
            |r| r.get(0),
        )?;
    let payload = serde_json::json!({ "midia_id": id, "base64": m.base64 }).to_string();
    tx.prepare_cached("INSERT INTO jobs (tipo, conversa_id, payload, executar_apos_ms) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![if audio { JOB_AUDIO } else { JOB_MIDIA }, conversa, payload, e.agora_ms])?;
    Ok(true)
}

fn lease_perdido() -> Error {
    Error::conflict("lease_perdido", "o job foi retomado por outro worker")
}

impl TenantDb {
    /// One media row.
    pub fn midia(&self, id: MidiaId) -> Result<Option<Midia>> {
        let sql = format!("SELECT {COLS} FROM midias WHERE id = ?1");
        Ok(self.conn()?.query_row(&sql, [id.0], row).optional()?)
    }

    /// The media of a message, if it has one.
    pub fn midia_da_mensagem(&self, mensagem: MensagemId) -> Result<Option<Midia>> {
        let sql = format!("SELECT {COLS} FROM midias WHERE mensagem_id = ?1");
        Ok(self.conn()?.query_row(&sql, [mensagem.0], row).optional()?)
    }

    /// The media of a page of one conversa's messages (ids `desde..=ate`), for the panel: one
    /// statement over the conversa's index range, each message's media by its unique key.
    pub fn midias_da_pagina(
        &self,
        conversa: ConversaId,
        desde: MensagemId,
        ate: MensagemId,
    ) -> Result<HashMap<MensagemId, MidiaResumo>> {
        let cols = COLS.split(", ").map(|c| format!("d.{c}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {cols} FROM mensagens m JOIN midias d ON d.mensagem_id = m.id
             WHERE m.conversa_id = ?1 AND m.id BETWEEN ?2 AND ?3"
        );
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut out = HashMap::new();
        for m in stmt.query_map(params![conversa.0, desde.0, ate.0], row)? {
            let m = m?;
            if let Some(id) = m.mensagem_id {
                out.insert(id, m.into());
            }
        }
        Ok(out)
    }

    /// Claims the oldest due download job (or one whose lease expired: a crash). Called on
    /// every worker pass over a tenant with work: without an active media job it only reads
    /// the small partial index `jobs_midia_ativos`, and takes no write lock.
    pub fn midia_job_reivindicar(&self, agora_ms: i64, lease_ms: i64) -> Result<Option<JobMidia>> {
        const DEVIDO: &str = "FROM jobs INDEXED BY jobs_midia_ativos
             WHERE tipo IN ('midia', 'midia_audio') AND status IN ('pendente', 'executando')
               AND ((status = 'pendente' AND executar_apos_ms <= ?1) OR (status = 'executando' AND lease_ate_ms <= ?1))";
        let mut conn = self.conn()?;
        let algum: bool =
            conn.prepare_cached(&format!("SELECT EXISTS(SELECT 1 {DEVIDO})"))?.query_row([agora_ms], |r| r.get(0))?;
        if !algum {
            return Ok(None);
        }
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: Option<(i64, Option<i64>, u32, String)> = tx
            .query_row(
                &format!("SELECT id, conversa_id, tentativas, payload {DEVIDO} ORDER BY id LIMIT 1"),
                [agora_ms],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((id, conversa, tentativas, payload)) = found else { return Ok(None) };
        let token = i64::from_le_bytes(crate::crypto::random_bytes::<8>()?);
        tx.execute(
            "UPDATE jobs SET status = 'executando', lease_ate_ms = ?2, lease_token = ?3, tentativas = tentativas + 1,
                 atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
            params![id, agora_ms + lease_ms, token],
        )?;
        tx.commit()?;
        let payload: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
        let midia_id = payload.get("midia_id").and_then(serde_json::Value::as_i64).unwrap_or(0);
        let base64 = payload.get("base64").and_then(serde_json::Value::as_str).map(str::to_owned);
        Ok(Some(JobMidia {
            id: JobId(id),
            conversa_id: conversa.map(ConversaId),
            midia_id: MidiaId(midia_id),
            tentativas: tentativas + 1,
            lease_token: token,
            base64,
        }))
    }

    /// Ends a download job (`concluido` or `falhou`), forgetting any bytes its payload carried.
    pub fn midia_job_finalizar(&self, job: &JobMidia, status: &str, erro: Option<&str>) -> Result<()> {
        let n = self.conn()?.execute(
            "UPDATE jobs SET status = ?2, erro = ?3, payload = '{}', lease_ate_ms = NULL, lease_token = NULL,
                 atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1 AND status = 'executando' AND lease_token = ?4",
            params![job.id.0, status, erro, job.lease_token],
        )?;
        if n == 0 {
            return Err(lease_perdido());
        }
        Ok(())
    }

    /// A retryable failure: the job runs again after `executar_apos_ms`.
    pub fn midia_job_reagendar(&self, job: &JobMidia, executar_apos_ms: i64, erro: &str) -> Result<()> {
        let n = self.conn()?.execute(
            "UPDATE jobs SET status = 'pendente', executar_apos_ms = ?2, erro = ?3, lease_ate_ms = NULL,
                 lease_token = NULL, atualizado_em = CURRENT_TIMESTAMP
             WHERE id = ?1 AND status = 'executando' AND lease_token = ?4",
            params![job.id.0, executar_apos_ms, erro, job.lease_token],
        )?;
        if n == 0 {
            return Err(lease_perdido());
        }
        Ok(())
    }

    /// The file of a media row is stored: it becomes `pronta`.
    pub fn midia_guardada(&self, id: MidiaId, arquivo: &ArquivoGuardado) -> Result<()> {
        self.conn()?.execute(
            "UPDATE midias SET estado = 'pronta', erro = NULL, sha256 = ?2, mime = ?3, tamanho = ?4,
                 atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
            params![id.0, arquivo.sha256, arquivo.mime, arquivo.tamanho],
        )?;
        Ok(())
    }

    /// The media could not be stored (`erro` in pt-BR for the panel); a pending transcription
    /// is given up with it.
    pub fn midia_falhou(&self, id: MidiaId, erro: &str) -> Result<()> {
        self.conn()?.execute(
            "UPDATE midias SET estado = 'falhou', erro = ?2,
                 transcricao_estado = CASE WHEN transcricao_estado = 'pendente' THEN 'falhou'
                                           ELSE transcricao_estado END,
                 atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
            params![id.0, erro],
        )?;
        Ok(())
    }

    /// Queues a failed download again (a network outage that outlasted the retries, or a quota
    /// raised since). 404 for an unknown id, 409 unless it failed and came from a channel.
    pub fn midia_baixar_de_novo(&self, id: MidiaId, agora_ms: i64) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let linha: Option<(String, String, Option<i64>)> = tx
            .query_row(
                "SELECT d.estado, d.origem, m.conversa_id FROM midias d LEFT JOIN mensagens m ON m.id = d.mensagem_id
                 WHERE d.id = ?1",
                [id.0],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((estado, origem, conversa)) = linha else { return Err(Error::NotFound("mídia")) };
        if estado != "falhou" || origem == "painel" {
            return Err(Error::conflict(
                "midia_nao_falhou",
                "só uma mídia que falhou ao baixar pode ser baixada de novo",
            ));
        }
        tx.execute(
            "UPDATE midias SET estado = 'pendente', erro = NULL,
                 transcricao_estado = CASE WHEN transcricao_estado = 'falhou' THEN 'pendente' ELSE transcricao_estado END,
                 atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
            [id.0],
        )?;
        // A plain download job: the conversa's replies do not wait for it any more.
        let payload = serde_json::json!({ "midia_id": id.0 }).to_string();
        tx.execute(
            "INSERT INTO jobs (tipo, conversa_id, payload, executar_apos_ms) VALUES (?1, ?2, ?3, ?4)",
            params![JOB_MIDIA, conversa, payload, agora_ms],
        )?;
        tx.commit().map_err(Into::into)
    }

    /// Sets how a voice note's transcription ended without a transcript (`sem_chave`, `falhou`).
    pub fn midia_transcricao_estado(&self, id: MidiaId, estado: &str) -> Result<()> {
        self.conn()?.execute(
            "UPDATE midias SET transcricao_estado = ?2, atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
            params![id.0, estado],
        )?;
        Ok(())
    }

    /// Stores a voice note's transcript as its message's text (what the bot and the panel
    /// read), in one transaction with the media row.
    pub fn midia_transcrita(&self, id: MidiaId, texto: &str) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE midias SET transcricao_estado = 'pronta', atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
            [id.0],
        )?;
        tx.execute(
            "UPDATE mensagens SET texto = ?2, atualizado_em = CURRENT_TIMESTAMP
             WHERE id = (SELECT mensagem_id FROM midias WHERE id = ?1)",
            params![id.0, texto],
        )?;
        tx.commit().map_err(Into::into)
    }

    /// Of these inbound messages, the audio ones without a transcript: the bot cannot answer
    /// what they said.
    pub fn midias_audio_sem_transcricao(&self, ids: &[MensagemId]) -> Result<Vec<MensagemId>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM midias WHERE mensagem_id = ?1 AND tipo = 'audio'
                             AND COALESCE(transcricao_estado, '') != 'pronta')",
        )?;
        let mut out = Vec::new();
        for id in ids {
            if stmt.query_row([id.0], |r| r.get::<_, bool>(0))? {
                out.push(*id);
            }
        }
        Ok(out)
    }

    /// Stored bytes and distinct files of the empresa (each content counted once).
    pub fn midia_uso(&self) -> Result<(i64, i64)> {
        Ok(self.conn()?.query_row(
            "SELECT COALESCE(SUM(t), 0), COUNT(*) FROM
                 (SELECT MAX(tamanho) AS t FROM midias WHERE sha256 IS NOT NULL GROUP BY sha256)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// Whether some row uses the file with this content address.
    pub fn midia_sha_em_uso(&self, sha256: &str) -> Result<bool> {
        Ok(self.conn()?.query_row("SELECT EXISTS(SELECT 1 FROM midias WHERE sha256 = ?1)", [sha256], |r| r.get(0))?)
    }

    /// Every content address in use (backups and exports copy these files).
    pub fn midia_shas(&self) -> Result<Vec<String>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare("SELECT DISTINCT sha256 FROM midias WHERE sha256 IS NOT NULL ORDER BY sha256")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    }

    /// Whether a file with this content already went (or is going) out in this conversa.
    pub fn midia_sha_na_conversa(&self, conversa: ConversaId, sha256: &str) -> Result<bool> {
        Ok(self.conn()?.query_row(
            "SELECT EXISTS(SELECT 1 FROM midias d JOIN mensagens m ON m.id = d.mensagem_id
                           WHERE d.sha256 = ?2 AND m.conversa_id = ?1 AND m.direcao = 'saida'
                             AND m.status != 'falhou')",
            params![conversa.0, sha256],
            |r| r.get(0),
        )?)
    }

    /// The Cloud API upload id of a file, if one was recorded (and when, epoch ms).
    pub fn midia_envio_ref(&self, sha256: &str) -> Result<Option<(String, i64)>> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT envio_ref, envio_ref_ms FROM midias WHERE sha256 = ?1 AND envio_ref IS NOT NULL
                 ORDER BY envio_ref_ms DESC LIMIT 1",
                [sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Records the Cloud API upload id of a file (on every row with that content).
    pub fn midia_definir_envio_ref(&self, sha256: &str, envio_ref: &str, agora_ms: i64) -> Result<()> {
        self.conn()?.execute(
            "UPDATE midias SET envio_ref = ?2, envio_ref_ms = ?3 WHERE sha256 = ?1",
            params![sha256, envio_ref, agora_ms],
        )?;
        Ok(())
    }

    /// Queues an outbound media message (an attendant's attachment, autor `humano`, or the
    /// photo of an item the bot presented, autor `bot`): the mensagem, its media row on a
    /// stored file, and an `envio` job, all at once. A worker sends it through the same path
    /// (retries, failure codes, at most once) as text replies.
    #[allow(clippy::too_many_arguments)]
    pub fn midia_enfileirar_envio(
        &self,
        conversa: ConversaId,
        tipo: &str,
        texto: &str,
        autor: &str,
        usuario_id: Option<i64>,
        arquivo: &ArquivoGuardado,
        nome_arquivo: Option<&str>,
        atribuir: Option<i64>,
        agora_ms: i64,
    ) -> Result<MensagemId> {
        if !matches!(tipo, "image" | "document" | "video" | "audio") {
            return Err(Error::Internal(format!("tipo de mídia de saída inválido: {tipo}")));
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mensagem = super::jobs::saida_tx(&tx, conversa, tipo, texto, autor, usuario_id, agora_ms)?;
        tx.execute(
            "INSERT INTO midias (mensagem_id, tipo, origem, nome_arquivo, estado, sha256, mime, tamanho)
             VALUES (?1, ?2, 'painel', ?3, 'pronta', ?4, ?5, ?6)",
            params![mensagem, tipo, nome_arquivo, arquivo.sha256, arquivo.mime, arquivo.tamanho],
        )?;
        // Like a typed reply: whoever sends it gets the conversa if no one has it.
        if atribuir.is_some() {
            tx.execute(
                "UPDATE conversas SET atribuida_a = COALESCE(atribuida_a, ?2) WHERE id = ?1",
                params![conversa.0, atribuir],
            )?;
        }
        tx.commit()?;
        Ok(MensagemId(mensagem))
    }
}
