//! SQL for conversas and mensagens: storing one inbound WhatsApp message (lead, open conversa,
//! mensagem and bot job in ONE transaction, idempotent on `wa_message_id`), applying Meta's
//! delivery statuses monotonically, and reading a conversa for the bot.

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use super::identidade::{self, TrocaDeNumero};
use super::TenantDb;
use crate::domain::{ConversaId, LeadId, MensagemId};
use crate::error::Result;

/// An inbound message to store.
#[derive(Debug, Clone, Default)]
pub struct NovaEntrada<'a> {
    /// Meta's `wamid` (or a synthetic id for the simulator): the idempotency key.
    pub wa_message_id: &'a str,
    /// The customer's phone (WhatsApp id), canonical form; `""` when the message had none
    /// (a username user, an unidentified sender).
    pub wa_id: &'a str,
    /// Other forms of the same number (a Brazilian mobile with and without the 9th digit):
    /// an existing lead stored under any of them is the same customer.
    pub wa_id_variantes: &'a [String],
    /// The customer's business-scoped user id (BSUID; the `@lid` JID of the QR-code channel):
    /// the first key looked up (see `identidade`).
    pub user_id: Option<&'a str>,
    /// The customer's WhatsApp username, for the panel (never a key).
    pub username: Option<&'a str>,
    /// A notice that the customer changed number: the lead moves to these keys and the
    /// message is stored as a 'sistema' line.
    pub troca: Option<TrocaDeNumero<'a>>,
    /// Where replies to this customer go: the address they wrote from (the Cloud API's
    /// `from`, or the Evolution JID). `None` keeps the conversa's last one.
    pub destino: Option<&'a str>,
    pub nome_perfil: Option<&'a str>,
    /// `whatsapp` or `simulador` (kept apart so tests of the bot never mix with real chats).
    pub canal: &'a str,
    pub tipo: &'a str,
    /// What the bot reads; `None` for messages nobody answers (reactions, stickers...).
    pub texto: Option<&'a str>,
    pub midia_id: Option<&'a str>,
    pub midia_mime: Option<&'a str>,
    pub bruto_json: Option<&'a str>,
    /// How to fetch the media (`midia_id`) of a media message; `None` for text.
    pub midia: Option<MidiaEntrada<'a>>,
    /// Queue (or refresh) the conversa's bot job in the same transaction.
    pub criar_job: bool,
    /// Now, epoch ms (debounce reference).
    pub agora_ms: i64,
}

/// Where a webhook message's media comes from (see `store::tenant::midias`).
#[derive(Debug, Clone, Default)]
pub struct MidiaEntrada<'a> {
    /// `cloud` (Graph media id) or `evolution` (message id on the instance).
    pub provedor: &'a str,
    /// Recorded with the WhatsApp microphone.
    pub voz: bool,
    pub nome_arquivo: Option<&'a str>,
    /// The bytes, base64, when the webhook carried them (Evolution `base64: true`).
    pub base64: Option<&'a str>,
}

/// What storing an inbound message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntradaRegistrada {
    /// False for a re-delivery: nothing was written.
    pub nova: bool,
    pub conversa_id: ConversaId,
    pub mensagem_id: MensagemId,
    /// A bot job is now pending for the conversa because of this message.
    pub job: bool,
    /// A media download job was queued for this message.
    pub midia: bool,
}

/// A mensagem as the panel and tests see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mensagem {
    pub id: MensagemId,
    pub conversa_id: ConversaId,
    pub direcao: String,
    pub autor: String,
    pub tipo: String,
    pub texto: Option<String>,
    pub wa_message_id: Option<String>,
    pub midia_id: Option<String>,
    pub midia_mime: Option<String>,
    pub status: String,
    pub erro_codigo: Option<i64>,
    pub erro_texto: Option<String>,
    pub criado_em: String,
}

const MSG_COLS: &str = "id, conversa_id, direcao, autor, tipo, texto, wa_message_id, midia_id, midia_mime, status, \
                        erro_codigo, erro_texto, criado_em";

fn row_to_mensagem(r: &rusqlite::Row<'_>) -> rusqlite::Result<Mensagem> {
    Ok(Mensagem {
        id: MensagemId(r.get(0)?),
        conversa_id: ConversaId(r.get(1)?),
        direcao: r.get(2)?,
        autor: r.get(3)?,
        tipo: r.get(4)?,
        texto: r.get(5)?,
        wa_message_id: r.get(6)?,
        midia_id: r.get(7)?,
        midia_mime: r.get(8)?,
        status: r.get(9)?,
        erro_codigo: r.get(10)?,
        erro_texto: r.get(11)?,
        criado_em: r.get(12)?,
    })
}

/// A conversa as the bot worker needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversaParaBot {
    pub conversa_id: ConversaId,
    pub lead_id: LeadId,
    /// Where replies go: the address the customer last wrote from (`to` of the Graph send,
    /// `number` of the Evolution send), else the lead's wa_id.
    pub wa_id: String,
    pub canal: String,
    /// `bot` or `humano`.
    pub modo: String,
    /// Inbound messages not answered yet, oldest first: (id, text, wamid).
    pub novas: Vec<(MensagemId, String, Option<String>)>,
    /// Earlier text turns, oldest first: (autor, texto).
    pub historico: Vec<(String, String)>,
}

/// Outbound status ranks: a status only ever moves up (read never becomes delivered).
pub fn rank_status(status: &str) -> i64 {
    match status {
        "enviada" => 1,
        "entregue" => 2,
        "lida" => 3,
        "falhou" => 4,
        _ => 0,
    }
}

/// Meta's status name → ours; `None` for statuses we do not track.
pub fn status_de_meta(status: &str) -> Option<&'static str> {
    match status {
        "sent" => Some("enviada"),
        "delivered" => Some("entregue"),
        "read" | "played" => Some("lida"),
        "failed" => Some("falhou"),
        _ => None,
    }
}

const RANK_SQL: &str =
    "CASE status WHEN 'enviada' THEN 1 WHEN 'entregue' THEN 2 WHEN 'lida' THEN 3 WHEN 'falhou' THEN 4 ELSE 0 END";

/// A message already stored under this WhatsApp id (a re-delivery): what it was stored as.
fn ja_registrada(tx: &rusqlite::Transaction<'_>, wa_message_id: &str) -> Result<Option<EntradaRegistrada>> {
    let existing: Option<(i64, i64)> = tx
        .prepare_cached("SELECT id, conversa_id FROM mensagens WHERE wa_message_id = ?1")?
        .query_row([wa_message_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(existing.map(|(id, conversa)| EntradaRegistrada {
        nova: false,
        conversa_id: ConversaId(conversa),
        mensagem_id: MensagemId(id),
        job: false,
        midia: false,
    }))
}

/// The conversa a webhook message goes to, with the message's bookkeeping done: the lead's
/// open conversa on the channel is updated (`ultima_mensagem_em`, `destino`, and for a
/// customer's message one more unread and `ultima_entrada_ms`), or a conversa is opened with
/// those values. A lead created now has no conversa to look for, so a first contact runs six
/// statements instead of nine (issue #7).
fn conversa_da_entrada(tx: &rusqlite::Transaction<'_>, e: &NovaEntrada<'_>, origem: Origem) -> Result<i64> {
    // Only the customer's own message names the lead (a name the customer gave the bot wins
    // over the WhatsApp profile name).
    let nome = match origem {
        Origem::Cliente => e.nome_perfil,
        Origem::Empresa | Origem::Sistema => None,
    };
    let (lead, lead_novo) = identidade::lead_da_entrada(tx, e, nome)?;
    conversa_do_lead(tx, lead, lead_novo, e, origem)
}

/// [`conversa_da_entrada`] once the lead is known (`lead_novo`: created in this transaction).
pub(super) fn conversa_do_lead(
    tx: &rusqlite::Transaction<'_>,
    lead: i64,
    lead_novo: bool,
    e: &NovaEntrada<'_>,
    origem: Origem,
) -> Result<i64> {
    let aberta: Option<i64> = if lead_novo {
        None
    } else {
        tx.prepare_cached(
            "SELECT id FROM conversas WHERE lead_id = ?1 AND canal = ?2 AND aberta = 1 ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![lead, e.canal], |r| r.get(0))
        .optional()?
    };
    let destino = e.destino.filter(|d| !d.is_empty());
    match (aberta, origem) {
        (Some(id), Origem::Cliente) => {
            tx.prepare_cached(
                "UPDATE conversas SET ultima_mensagem_em = CURRENT_TIMESTAMP, nao_lidas = nao_lidas + 1,
                     ultima_entrada_ms = MAX(ultima_entrada_ms, ?2), atualizado_em = CURRENT_TIMESTAMP,
                     destino = COALESCE(?3, destino),
                     vista = CASE WHEN resolvida_em IS NULL THEN vista ELSE 0 END, resolvida_em = NULL
                 WHERE id = ?1",
            )?
            .execute(params![id, e.agora_ms, destino])?;
            Ok(id)
        }
        (Some(id), Origem::Empresa | Origem::Sistema) => {
            tx.prepare_cached(
                "UPDATE conversas SET ultima_mensagem_em = CURRENT_TIMESTAMP, atualizado_em = CURRENT_TIMESTAMP,
                     destino = COALESCE(?2, destino)
                 WHERE id = ?1",
            )?
            .execute(params![id, destino])?;
            Ok(id)
        }
        (None, Origem::Cliente) => Ok(tx
            .prepare_cached(
                "INSERT INTO conversas (lead_id, canal, ultima_mensagem_em, nao_lidas, ultima_entrada_ms, destino)
                 VALUES (?1, ?2, CURRENT_TIMESTAMP, 1, MAX(0, ?3), ?4) RETURNING id",
            )?
            .query_row(params![lead, e.canal, e.agora_ms, destino], |r| r.get(0))?),
        (None, Origem::Empresa | Origem::Sistema) => Ok(tx
            .prepare_cached(
                "INSERT INTO conversas (lead_id, canal, ultima_mensagem_em, destino)
                 VALUES (?1, ?2, CURRENT_TIMESTAMP, ?3) RETURNING id",
            )?
            .query_row(params![lead, e.canal, destino], |r| r.get(0))?),
    }
}

/// Who wrote a message that arrived through a webhook.
#[derive(Clone, Copy)]
pub(super) enum Origem {
    /// The customer: inbound, `recebida`.
    Cliente,
    /// The business from its own phone: outbound by a person, already `enviada`.
    Empresa,
    /// WhatsApp itself (a number change): an inbound 'sistema' line, not unread, never answered.
    Sistema,
}

/// Inserts the mensagem row of a webhook message; returns its id.
pub(super) fn inserir_mensagem(
    tx: &rusqlite::Transaction<'_>,
    conversa: i64,
    e: &NovaEntrada<'_>,
    origem: Origem,
) -> Result<i64> {
    let (direcao, autor, status) = match origem {
        Origem::Cliente => ("entrada", "cliente", "recebida"),
        Origem::Empresa => ("saida", "humano", "enviada"),
        Origem::Sistema => ("entrada", "sistema", "recebida"),
    };
    Ok(tx
        .prepare_cached(
            "INSERT INTO mensagens (conversa_id, direcao, autor, tipo, texto, wa_message_id, midia_id, midia_mime,
                 bruto_json, status)
             VALUES (?1, ?8, ?9, ?2, ?3, ?4, ?5, ?6, ?7, ?10) RETURNING id",
        )?
        .query_row(
            params![
                conversa,
                e.tipo,
                e.texto,
                e.wa_message_id,
                e.midia_id,
                e.midia_mime,
                e.bruto_json,
                direcao,
                autor,
                status
            ],
            |r| r.get(0),
        )?)
}

/// [`TenantDb::registrar_entrada`] inside a caller's transaction.
pub(super) fn entrada_tx(tx: &rusqlite::Transaction<'_>, e: &NovaEntrada<'_>) -> Result<EntradaRegistrada> {
    if let Some(ja) = ja_registrada(tx, e.wa_message_id)? {
        return Ok(ja);
    }
    if let Some(troca) = &e.troca {
        return identidade::troca_tx(tx, e, troca);
    }
    let conversa = conversa_da_entrada(tx, e, Origem::Cliente)?;
    let mensagem = inserir_mensagem(tx, conversa, e, Origem::Cliente)?;
    let midia = super::midias::registrar_tx(tx, conversa, mensagem, e, true)?;
    if e.criar_job {
        tx.prepare_cached(
            "INSERT INTO jobs (tipo, conversa_id, executar_apos_ms) VALUES ('bot', ?1, ?2)
                 ON CONFLICT(conversa_id) WHERE tipo = 'bot' AND status = 'pendente' DO NOTHING",
        )?
        .execute(params![conversa, e.agora_ms])?;
    }
    Ok(EntradaRegistrada {
        nova: true,
        conversa_id: ConversaId(conversa),
        mensagem_id: MensagemId(mensagem),
        job: e.criar_job,
        midia,
    })
}

/// Records a message the business sent from its own phone (Evolution `fromMe`), in the
/// customer's conversa: outbound, autor `humano`, status `enviada`, no bot job, not unread;
/// the conversa goes to modo humano (a person is talking).
/// Idempotent on `wa_message_id` (a copy of one of our own sends is a no-op). Runs inside the
/// caller's transaction (a journal batch).
pub(super) fn saida_externa_tx(tx: &rusqlite::Transaction<'_>, e: &NovaEntrada<'_>) -> Result<EntradaRegistrada> {
    if let Some(ja) = ja_registrada(tx, e.wa_message_id)? {
        return Ok(ja);
    }
    let conversa = conversa_da_entrada(tx, e, Origem::Empresa)?;
    let mensagem = inserir_mensagem(tx, conversa, e, Origem::Empresa)?;
    let midia = super::midias::registrar_tx(tx, conversa, mensagem, e, false)?;
    // A person answered from the phone: the bot steps back (issue #21) — unless this is the
    // echo of our own bot reply arriving while its send is still in flight.
    tx.prepare_cached(
        "UPDATE conversas SET modo = 'humano', humano_desde_ms = ?2, pediu_humano_em = NULL, vista = 1
         WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM mensagens WHERE conversa_id = ?1 AND direcao = 'saida'
             AND autor = 'bot' AND status = 'enviando' AND wa_message_id IS NULL)",
    )?
    .execute(params![conversa, e.agora_ms])?;
    Ok(EntradaRegistrada {
        nova: true,
        conversa_id: ConversaId(conversa),
        mensagem_id: MensagemId(mensagem),
        job: false,
        midia,
    })
}

/// Applies a delivery status (`enviada`/`entregue`/`lida`/`falhou`) to the outbound mensagem
/// with this wamid, only if it moves the status forward. Returns whether a row changed (false
/// for unknown wamids and for late, out-of-order statuses). Runs inside the caller's
/// transaction (a journal batch).
pub(super) fn status_tx(
    conn: &rusqlite::Connection,
    wa_message_id: &str,
    status: &str,
    erro: Option<(i64, &str)>,
) -> Result<bool> {
    let sql = format!(
        "UPDATE mensagens SET status = ?2, erro_codigo = COALESCE(?3, erro_codigo),
             erro_texto = COALESCE(?4, erro_texto), atualizado_em = CURRENT_TIMESTAMP
         WHERE wa_message_id = ?1 AND direcao = 'saida' AND {RANK_SQL} < ?5"
    );
    let (codigo, texto) = erro.map_or((None, None), |(c, t)| (Some(c), Some(t)));
    let n = conn.prepare_cached(&sql)?.execute(params![wa_message_id, status, codigo, texto, rank_status(status)])?;
    Ok(n > 0)
}

impl TenantDb {
    /// Stores one inbound message in ONE transaction: upsert lead, reuse or open the conversa,
    /// insert the mensagem, refresh the conversa and queue its bot job. A `wa_message_id`
    /// already stored changes nothing and queues nothing.
    pub fn registrar_entrada(&self, e: &NovaEntrada<'_>) -> Result<EntradaRegistrada> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let r = entrada_tx(&tx, e)?;
        tx.commit()?;
        Ok(r)
    }

    /// The conversa with its unanswered inbound messages and the last `historico` text turns.
    pub fn conversa_para_bot(&self, id: ConversaId, historico: u32) -> Result<Option<ConversaParaBot>> {
        let conn = self.conn()?;
        let head = conn
            .query_row(
                "SELECT c.lead_id, COALESCE(c.destino, l.wa_id, l.user_id), c.canal, c.modo, c.respondida_ate
                 FROM conversas c JOIN leads l ON l.id = c.lead_id WHERE c.id = ?1",
                [id.0],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, i64>(4)?,
                    ))
                },
            )
            .optional()?;
        let Some((lead, wa_id, canal, modo, respondida_ate)) = head else { return Ok(None) };
        let mut stmt = conn.prepare(
            "SELECT id, texto, wa_message_id FROM mensagens
             WHERE conversa_id = ?1 AND direcao = 'entrada' AND autor = 'cliente' AND id > ?2 AND texto IS NOT NULL
             ORDER BY id",
        )?;
        let novas = stmt
            .query_map(params![id.0, respondida_ate], |r| Ok((MensagemId(r.get(0)?), r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut stmt = conn.prepare(
            "SELECT autor, texto FROM mensagens
             WHERE conversa_id = ?1 AND texto IS NOT NULL AND status != 'falhou' AND autor != 'sistema'
               AND (direcao = 'saida' OR id <= ?2)
             ORDER BY id DESC LIMIT ?3",
        )?;
        let mut turns = stmt
            .query_map(params![id.0, respondida_ate, historico], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        turns.reverse();
        Ok(Some(ConversaParaBot {
            conversa_id: id,
            lead_id: LeadId(lead),
            wa_id: wa_id.unwrap_or_default(),
            canal,
            modo,
            novas,
            historico: turns,
        }))
    }

    /// Sets a conversa's mode (`bot` or `humano`); modo humano starts its idle time now.
    pub fn conversa_definir_modo(&self, id: ConversaId, modo: &str) -> Result<()> {
        self.conn()?.execute(
            "UPDATE conversas SET modo = ?2, atualizado_em = CURRENT_TIMESTAMP,
                 humano_desde_ms = CASE WHEN ?2 = 'humano' THEN ?3 END
             WHERE id = ?1",
            params![id.0, modo, crate::clock::unix_now_ms()],
        )?;
        Ok(())
    }

    /// A conversa's mode, if it exists.
    pub fn conversa_modo(&self, id: ConversaId) -> Result<Option<String>> {
        Ok(self.conn()?.query_row("SELECT modo FROM conversas WHERE id = ?1", [id.0], |r| r.get(0)).optional()?)
    }

    /// Every mensagem of a conversa, oldest first.
    pub fn mensagens_da_conversa(&self, id: ConversaId) -> Result<Vec<Mensagem>> {
        let sql = format!("SELECT {MSG_COLS} FROM mensagens WHERE conversa_id = ?1 ORDER BY id");
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([id.0], row_to_mensagem)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Every mensagem of the tenant, oldest first, up to `limite` (tests, export).
    pub fn mensagens_todas(&self, limite: u32) -> Result<Vec<Mensagem>> {
        let sql = format!("SELECT {MSG_COLS} FROM mensagens ORDER BY id LIMIT ?1");
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([limite], row_to_mensagem)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// One mensagem by id.
    pub fn mensagem(&self, id: MensagemId) -> Result<Option<Mensagem>> {
        let sql = format!("SELECT {MSG_COLS} FROM mensagens WHERE id = ?1");
        Ok(self.conn()?.query_row(&sql, [id.0], row_to_mensagem).optional()?)
    }

    /// One mensagem by its WhatsApp id.
    pub fn mensagem_por_wa_id(&self, wa_message_id: &str) -> Result<Option<Mensagem>> {
        let sql = format!("SELECT {MSG_COLS} FROM mensagens WHERE wa_message_id = ?1");
        Ok(self.conn()?.query_row(&sql, [wa_message_id], row_to_mensagem).optional()?)
    }

    /// Row counts of (leads, conversas, mensagens, jobs): cheap "did anything change" checks.
    pub fn contagens(&self) -> Result<(i64, i64, i64, i64)> {
        Ok(self.conn()?.query_row(
            "SELECT (SELECT COUNT(*) FROM leads), (SELECT COUNT(*) FROM conversas),
                    (SELECT COUNT(*) FROM mensagens), (SELECT COUNT(*) FROM jobs)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?)
    }
}
