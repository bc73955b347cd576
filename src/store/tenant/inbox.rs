//! SQL for the panel's inbox: reading conversas (filters, and full-text search through
//! `busca.rs`) and their mensagens, and marking them read. The webhook ingest (writing
//! inbound messages) lives in `conversas.rs`; the handoff, assignment and resolution states
//! in `atendimento.rs`.

use rusqlite::types::Value;
use rusqlite::{params, OptionalExtension, Row, ToSql};
use serde::Serialize;

use super::TenantDb;
use crate::domain::{ConversaId, LeadId, MensagemId};
use crate::error::{Error, Result};

/// The last message of a conversa, as shown in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UltimaMensagem {
    pub texto: Option<String>,
    pub direcao: String,
    pub autor: String,
    pub criado_em: String,
}

/// The message a search matched, shown in the list instead of the last one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trecho {
    pub mensagem_id: MensagemId,
    pub texto: Option<String>,
    pub direcao: String,
    pub autor: String,
    pub criado_em: String,
}

/// A conversa as listed in the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConversaResumo {
    pub id: ConversaId,
    pub lead_id: LeadId,
    pub lead_nome: Option<String>,
    pub telefone: Option<String>,
    pub modo: String,
    pub aberta: bool,
    pub nao_lidas: i64,
    pub ultima_mensagem: Option<UltimaMensagem>,
    pub ultima_mensagem_em: Option<String>,
    /// The usuario (central id) in charge; `None` = não atribuída.
    pub atribuida_a: Option<i64>,
    /// When it was marked resolved; `None` while open.
    pub resolvida_em: Option<String>,
    /// When the customer asked for a person, while no one has taken over.
    pub pediu_humano_em: Option<String>,
    /// No one opened it in the panel since it arrived (or reopened).
    pub nova: bool,
    /// The lead's tags.
    pub etiquetas: Vec<String>,
    /// With a text search: the newest matching message (`None` when the name or phone matched).
    pub trecho: Option<Trecho>,
    /// The lead's WhatsApp username, when the customer has one (shown when there is no phone).
    pub username: Option<String>,
    /// False when the sender had neither phone nor BSUID: the conversa cannot be answered.
    pub identificado: bool,
    /// Sort key of the list (last message time, else creation time; with a text search, the
    /// id of the matching message, zero-padded); used for the cursor.
    #[serde(skip)]
    pub ordem: String,
}

/// One mensagem of a conversa.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mensagem {
    pub id: MensagemId,
    pub direcao: String,
    pub autor: String,
    pub tipo: String,
    pub texto: Option<String>,
    pub status: String,
    pub erro_codigo: Option<i64>,
    pub erro_texto: Option<String>,
    pub criado_em: String,
    /// The usuario (central id) who typed a reply in the panel.
    pub enviado_por: Option<i64>,
}

/// Filters of the inbox list. The list is ordered by last activity, newest first; with a
/// text, by the newest match (see `busca.rs`).
#[derive(Debug, Clone, Default)]
pub struct FiltroConversas {
    /// Words of the messages, the lead's name (accent-insensitive) or digits of the phone.
    pub texto: Option<String>,
    /// `bot` or `humano`.
    pub modo: Option<String>,
    /// Only conversas with unread messages.
    pub so_nao_lidas: bool,
    /// Only conversas assigned to this usuario ("Minhas").
    pub atribuida_a: Option<i64>,
    /// Only conversas assigned to no one ("Não atribuídas").
    pub nao_atribuidas: bool,
    /// `Some(false)`: open ones only; `Some(true)`: resolved ones only.
    pub resolvida: Option<bool>,
    /// Only conversas whose lead has this tag.
    pub etiqueta: Option<String>,
    pub limite: u32,
    /// Continue after this (ordem, id) position.
    pub apos: Option<(String, i64)>,
}

/// A message to insert directly (fixtures, tests, demo data): not the webhook path.
#[derive(Debug, Clone)]
pub struct MensagemFixture<'a> {
    pub direcao: &'a str,
    pub autor: &'a str,
    pub texto: &'a str,
    pub status: &'a str,
}

pub(super) const RESUMO_SQL: &str = "SELECT c.id, c.lead_id, l.nome, l.telefone, c.modo, c.aberta, c.nao_lidas,
        c.ultima_mensagem_em, COALESCE(c.ultima_mensagem_em, c.criado_em) AS ordem,
        m.texto, m.direcao, m.autor, m.criado_em,
        c.atribuida_a, c.resolvida_em, c.pediu_humano_em, c.vista,
        l.username, (l.wa_id IS NOT NULL OR l.user_id IS NOT NULL)
     FROM conversas c
     JOIN leads l ON l.id = c.lead_id
     LEFT JOIN mensagens m ON m.id = (SELECT MAX(id) FROM mensagens WHERE conversa_id = c.id)";

/// The filters on `c` (conversas), with named parameters bound by [`filtro_params`].
pub(super) const FILTRO_SQL: &str = "(:modo IS NULL OR c.modo = :modo)
     AND (:nao_lidas = 0 OR c.nao_lidas > 0)
     AND (:atribuida_a IS NULL OR c.atribuida_a = :atribuida_a)
     AND (:nao_atribuidas = 0 OR c.atribuida_a IS NULL)
     AND (:resolvida IS NULL OR (c.resolvida_em IS NOT NULL) = :resolvida)
     AND (:etiqueta IS NULL OR EXISTS (SELECT 1 FROM lead_etiquetas e WHERE e.lead_id = c.lead_id AND e.etiqueta = :etiqueta))";

/// The values of [`FILTRO_SQL`]'s parameters.
pub(super) fn filtro_params(f: &FiltroConversas) -> Vec<(&'static str, Value)> {
    let texto = |t: &Option<String>| t.clone().map_or(Value::Null, Value::Text);
    vec![
        (":modo", texto(&f.modo)),
        (":nao_lidas", Value::Integer(i64::from(f.so_nao_lidas))),
        (":atribuida_a", f.atribuida_a.map_or(Value::Null, Value::Integer)),
        (":nao_atribuidas", Value::Integer(i64::from(f.nao_atribuidas))),
        (":resolvida", f.resolvida.map_or(Value::Null, |r| Value::Integer(i64::from(r)))),
        (":etiqueta", texto(&f.etiqueta.as_ref().map(|e| e.trim().to_owned()).filter(|e| !e.is_empty()))),
    ]
}

/// Named parameters as rusqlite takes them.
pub(super) fn nomeados<'a>(p: &'a [(&'static str, Value)]) -> Vec<(&'static str, &'a dyn ToSql)> {
    p.iter().map(|(k, v)| (*k, v as &dyn ToSql)).collect()
}

pub(super) fn row_resumo(r: &Row<'_>) -> rusqlite::Result<ConversaResumo> {
    let ultima = match r.get::<_, Option<String>>(10)? {
        Some(direcao) => Some(UltimaMensagem { texto: r.get(9)?, direcao, autor: r.get(11)?, criado_em: r.get(12)? }),
        None => None,
    };
    Ok(ConversaResumo {
        id: ConversaId(r.get(0)?),
        lead_id: LeadId(r.get(1)?),
        lead_nome: r.get(2)?,
        telefone: r.get(3)?,
        modo: r.get(4)?,
        aberta: r.get(5)?,
        nao_lidas: r.get(6)?,
        ultima_mensagem_em: r.get(7)?,
        ordem: r.get(8)?,
        ultima_mensagem: ultima,
        atribuida_a: r.get(13)?,
        resolvida_em: r.get(14)?,
        pediu_humano_em: r.get(15)?,
        nova: !r.get::<_, bool>(16)?,
        etiquetas: Vec::new(),
        trecho: None,
        username: r.get(17)?,
        identificado: r.get(18)?,
    })
}

fn row_mensagem(r: &Row<'_>) -> rusqlite::Result<Mensagem> {
    Ok(Mensagem {
        id: MensagemId(r.get(0)?),
        direcao: r.get(1)?,
        autor: r.get(2)?,
        tipo: r.get(3)?,
        texto: r.get(4)?,
        status: r.get(5)?,
        erro_codigo: r.get(6)?,
        erro_texto: r.get(7)?,
        criado_em: r.get(8)?,
        enviado_por: r.get(9)?,
    })
}

/// Fills each conversa's `etiquetas` (one query for the whole page).
pub(super) fn com_etiquetas(conn: &rusqlite::Connection, itens: &mut [ConversaResumo]) -> Result<()> {
    if itens.is_empty() {
        return Ok(());
    }
    let leads = serde_json::to_string(&itens.iter().map(|c| c.lead_id.0).collect::<Vec<_>>())
        .map_err(|e| Error::Internal(format!("ids: {e}")))?;
    let mut stmt = conn.prepare_cached(
        "SELECT lead_id, etiqueta FROM lead_etiquetas WHERE lead_id IN (SELECT value FROM json_each(?1))
         ORDER BY etiqueta COLLATE NOCASE",
    )?;
    let rows = stmt.query_map([leads], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (lead, etiqueta) = row?;
        for c in itens.iter_mut().filter(|c| c.lead_id.0 == lead) {
            c.etiquetas.push(etiqueta.clone());
        }
    }
    Ok(())
}

impl TenantDb {
    /// The inbox list: newest activity first, keyset-paginated on (ordem, id); with a text,
    /// the search in `busca.rs`.
    pub fn inbox_conversas(&self, f: &FiltroConversas) -> Result<Vec<ConversaResumo>> {
        if let Some(texto) = f.texto.as_deref().filter(|t| !t.trim().is_empty()) {
            return self.inbox_buscar(texto, f);
        }
        let sql = format!(
            "SELECT * FROM ({RESUMO_SQL} WHERE {FILTRO_SQL})
             WHERE (:ordem IS NULL OR ordem < :ordem OR (ordem = :ordem AND id < :id))
             ORDER BY ordem DESC, id DESC LIMIT :limite"
        );
        let (ordem, id) = match &f.apos {
            Some((o, i)) => (Value::Text(o.clone()), Value::Integer(*i)),
            None => (Value::Null, Value::Null),
        };
        let mut p = filtro_params(f);
        p.extend([(":ordem", ordem), (":id", id), (":limite", Value::Integer(i64::from(f.limite.clamp(1, 200))))]);
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let mut itens = stmt.query_map(nomeados(&p).as_slice(), row_resumo)?.collect::<rusqlite::Result<Vec<_>>>()?;
        com_etiquetas(&conn, &mut itens)?;
        Ok(itens)
    }

    /// One conversa with its last message.
    pub fn inbox_conversa(&self, id: ConversaId) -> Result<Option<ConversaResumo>> {
        let sql = format!("{RESUMO_SQL} WHERE c.id = ?1");
        let conn = self.conn()?;
        let Some(c) = conn.query_row(&sql, [id.0], row_resumo).optional()? else { return Ok(None) };
        let mut um = [c];
        com_etiquetas(&conn, &mut um)?;
        let [c] = um;
        Ok(Some(c))
    }

    /// A page of a conversa's messages: the `limite` newest ones older than `antes_de`,
    /// returned oldest → newest. 404 when the conversa does not exist.
    pub fn inbox_mensagens(
        &self,
        conversa: ConversaId,
        limite: u32,
        antes_de: Option<MensagemId>,
    ) -> Result<Vec<Mensagem>> {
        let conn = self.conn()?;
        let existe: bool =
            conn.query_row("SELECT EXISTS(SELECT 1 FROM conversas WHERE id = ?1)", [conversa.0], |r| r.get(0))?;
        if !existe {
            return Err(Error::NotFound("conversa"));
        }
        let mut stmt = conn.prepare(
            "SELECT id, direcao, autor, tipo, texto, status, erro_codigo, erro_texto, criado_em, enviado_por
             FROM mensagens WHERE conversa_id = ?1 AND (?2 IS NULL OR id < ?2)
             ORDER BY id DESC LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![conversa.0, antes_de.map(|m| m.0), limite.clamp(1, 200)], row_mensagem)?;
        let mut out = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        out.reverse();
        Ok(out)
    }

    /// Marks a conversa read (nao_lidas = 0) and seen (no longer "nova").
    pub fn inbox_marcar_lida(&self, id: ConversaId) -> Result<()> {
        let n = self.conn()?.execute("UPDATE conversas SET nao_lidas = 0, vista = 1 WHERE id = ?1", [id.0])?;
        if n == 0 {
            return Err(Error::NotFound("conversa"));
        }
        Ok(())
    }

    /// The lead's most recent conversa, if any (for `GET /api/leads/{id}`).
    pub fn inbox_conversa_do_lead(&self, lead: LeadId) -> Result<Option<ConversaId>> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT id FROM conversas WHERE lead_id = ?1
                 ORDER BY COALESCE(ultima_mensagem_em, criado_em) DESC, id DESC LIMIT 1",
                [lead.0],
                |r| r.get(0),
            )
            .optional()?
            .map(ConversaId))
    }

    /// Inserts a conversa with the given messages, bypassing the webhook path (fixtures, tests,
    /// demo data). Inbound messages count as unread; the conversa's last-message time is set.
    pub fn inbox_inserir_conversa_fixture(
        &self,
        lead: LeadId,
        mensagens: &[MensagemFixture<'_>],
    ) -> Result<ConversaId> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        tx.execute("INSERT INTO conversas (lead_id) VALUES (?1)", [lead.0])?;
        let id = tx.last_insert_rowid();
        for m in mensagens {
            tx.execute(
                "INSERT INTO mensagens (conversa_id, direcao, autor, texto, status) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, m.direcao, m.autor, m.texto, m.status],
            )?;
        }
        tx.execute(
            "UPDATE conversas SET
                nao_lidas = (SELECT COUNT(*) FROM mensagens WHERE conversa_id = ?1 AND direcao = 'entrada'),
                ultima_mensagem_em = (SELECT MAX(criado_em) FROM mensagens WHERE conversa_id = ?1)
             WHERE id = ?1",
            [id],
        )?;
        tx.commit()?;
        Ok(ConversaId(id))
    }

    /// Inserts an agendamento directly (fixtures, tests, demo data).
    pub fn inbox_inserir_agendamento_fixture(
        &self,
        lead: LeadId,
        conversa: Option<ConversaId>,
        data_hora: &str,
        observacao: &str,
    ) -> Result<i64> {
        let conn = self.conn()?;
        conn.execute(
            "INSERT INTO agendamentos (lead_id, conversa_id, data_hora, observacao) VALUES (?1, ?2, ?3, ?4)",
            params![lead.0, conversa.map(|c| c.0), data_hora, observacao],
        )?;
        Ok(conn.last_insert_rowid())
    }
}
