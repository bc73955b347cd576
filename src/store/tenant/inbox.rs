//! SQL for the panel's inbox: reading conversas and their mensagens, marking them read and
//! switching a conversa between the bot and a human. The webhook ingest (writing inbound
//! messages) lives elsewhere; this file only reads and flips the inbox's own flags.

use rusqlite::{params, OptionalExtension, Row};
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
    /// The lead's WhatsApp username, when the customer has one (shown when there is no phone).
    pub username: Option<String>,
    /// False when the sender had neither phone nor BSUID: the conversa cannot be answered.
    pub identificado: bool,
    /// Sort key of the list (last message time, else creation time); used for the cursor.
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
}

/// Filters of the inbox list. The list is ordered by last activity, newest first.
#[derive(Debug, Clone, Default)]
pub struct FiltroConversas {
    /// Matches the lead's name or phone (case-insensitive substring).
    pub texto: Option<String>,
    /// `bot` or `humano`.
    pub modo: Option<String>,
    /// Only conversas with unread messages.
    pub so_nao_lidas: bool,
    pub limite: u32,
    /// Continue after this (ordem, id) position.
    pub apos: Option<(String, i64)>,
}

/// Bot or human in charge of a conversa.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modo {
    Bot,
    Humano,
}

impl Modo {
    fn as_str(self) -> &'static str {
        match self {
            Modo::Bot => "bot",
            Modo::Humano => "humano",
        }
    }
}

/// A message to insert directly (fixtures, tests, demo data): not the webhook path.
#[derive(Debug, Clone)]
pub struct MensagemFixture<'a> {
    pub direcao: &'a str,
    pub autor: &'a str,
    pub texto: &'a str,
    pub status: &'a str,
}

const RESUMO_SQL: &str = "SELECT c.id, c.lead_id, l.nome, l.telefone, c.modo, c.aberta, c.nao_lidas,
        c.ultima_mensagem_em, COALESCE(c.ultima_mensagem_em, c.criado_em) AS ordem,
        m.texto, m.direcao, m.autor, m.criado_em, l.username, (l.wa_id IS NOT NULL OR l.user_id IS NOT NULL)
     FROM conversas c
     JOIN leads l ON l.id = c.lead_id
     LEFT JOIN mensagens m ON m.id = (SELECT MAX(id) FROM mensagens WHERE conversa_id = c.id)";

fn row_resumo(r: &Row<'_>) -> rusqlite::Result<ConversaResumo> {
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
        username: r.get(13)?,
        identificado: r.get(14)?,
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
    })
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
fn like_pattern(texto: &str) -> String {
    let mut out = String::from("%");
    for c in texto.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

impl TenantDb {
    /// The inbox list: newest activity first, keyset-paginated on (ordem, id).
    pub fn inbox_conversas(&self, f: &FiltroConversas) -> Result<Vec<ConversaResumo>> {
        let sql = format!(
            "SELECT * FROM ({RESUMO_SQL}
               WHERE (?1 IS NULL OR lower(COALESCE(l.nome, '')) LIKE ?1 ESCAPE '\\'
                                 OR lower(COALESCE(l.telefone, '')) LIKE ?1 ESCAPE '\\')
                 AND (?2 IS NULL OR c.modo = ?2)
                 AND (?3 = 0 OR c.nao_lidas > 0))
             WHERE (?4 IS NULL OR ordem < ?4 OR (ordem = ?4 AND id < ?5))
             ORDER BY ordem DESC, id DESC LIMIT ?6"
        );
        let texto = f.texto.as_deref().filter(|t| !t.trim().is_empty()).map(like_pattern);
        let (ordem, id) = match &f.apos {
            Some((o, i)) => (Some(o.as_str()), Some(*i)),
            None => (None, None),
        };
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows =
            stmt.query_map(params![texto, f.modo, f.so_nao_lidas, ordem, id, f.limite.clamp(1, 200)], row_resumo)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// One conversa with its last message.
    pub fn inbox_conversa(&self, id: ConversaId) -> Result<Option<ConversaResumo>> {
        let sql = format!("{RESUMO_SQL} WHERE c.id = ?1");
        Ok(self.conn()?.query_row(&sql, [id.0], row_resumo).optional()?)
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
            "SELECT id, direcao, autor, tipo, texto, status, erro_codigo, erro_texto, criado_em
             FROM mensagens WHERE conversa_id = ?1 AND (?2 IS NULL OR id < ?2)
             ORDER BY id DESC LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![conversa.0, antes_de.map(|m| m.0), limite.clamp(1, 200)], row_mensagem)?;
        let mut out = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        out.reverse();
        Ok(out)
    }

    /// Marks a conversa read (nao_lidas = 0).
    pub fn inbox_marcar_lida(&self, id: ConversaId) -> Result<()> {
        let n = self.conn()?.execute("UPDATE conversas SET nao_lidas = 0 WHERE id = ?1", [id.0])?;
        if n == 0 {
            return Err(Error::NotFound("conversa"));
        }
        Ok(())
    }

    /// Puts the bot or a human in charge of a conversa.
    pub fn inbox_definir_modo(&self, id: ConversaId, modo: Modo) -> Result<()> {
        let n = self.conn()?.execute(
            "UPDATE conversas SET modo = ?2, atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
            params![id.0, modo.as_str()],
        )?;
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
