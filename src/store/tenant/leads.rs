//! SQL for leads: the people who wrote to the empresa.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::TenantDb;
use crate::domain::LeadId;
use crate::error::{Error, Result};

/// The lead statuses, in funnel order.
pub const LEAD_STATUS: &[&str] = &["novo", "em_atendimento", "qualificado", "visita_agendada", "vendido", "perdido"];

/// A partial update of a lead from the panel; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct LeadAlteracao {
    pub status: Option<String>,
    /// `Some(None)` clears the notes.
    pub notas: Option<Option<String>>,
    /// `Some(None)` clears the owner. The caller checks the usuario belongs to the empresa.
    pub responsavel_id: Option<Option<i64>>,
}

/// A lead as shown in the panel and API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lead {
    pub id: LeadId,
    /// The phone (canonical WhatsApp id); `None` for a username user whose number Meta
    /// did not send, and for an unidentified sender.
    pub wa_id: Option<String>,
    /// The business-scoped user id (BSUID; `…@lid` on the QR-code channel).
    pub user_id: Option<String>,
    /// The WhatsApp username (`@joana`), when the customer has one.
    pub username: Option<String>,
    /// False for a sender with neither phone nor BSUID: shown, never answered.
    pub identificado: bool,
    pub nome: Option<String>,
    pub telefone: Option<String>,
    pub email: Option<String>,
    pub interesse: Option<String>,
    pub orcamento_centavos: Option<i64>,
    /// When the customer prefers to be contacted, in their words.
    pub horario_preferido: Option<String>,
    pub status: String,
    pub notas: Option<String>,
    pub responsavel_id: Option<i64>,
    pub criado_em: String,
    pub atualizado_em: String,
}

pub(super) const LEAD_COLS: &str = "id, wa_id, nome, telefone, email, interesse, orcamento_centavos, status, notas, \
                         responsavel_id, criado_em, atualizado_em, horario_preferido, user_id, username";
/// How many columns [`LEAD_COLS`] selects (a query's extra columns start at this index).
pub(super) const LEAD_COLS_N: usize = 15;

pub(super) fn row_to_lead(r: &rusqlite::Row<'_>) -> rusqlite::Result<Lead> {
    let wa_id: Option<String> = r.get(1)?;
    let user_id: Option<String> = r.get(13)?;
    Ok(Lead {
        id: LeadId(r.get(0)?),
        identificado: wa_id.is_some() || user_id.is_some(),
        wa_id,
        user_id,
        username: r.get(14)?,
        nome: r.get(2)?,
        telefone: r.get(3)?,
        email: r.get(4)?,
        interesse: r.get(5)?,
        orcamento_centavos: r.get(6)?,
        status: r.get(7)?,
        notas: r.get(8)?,
        responsavel_id: r.get(9)?,
        criado_em: r.get(10)?,
        atualizado_em: r.get(11)?,
        horario_preferido: r.get(12)?,
    })
}

impl TenantDb {
    /// Inserts or refreshes the lead for a WhatsApp id; returns its id.
    pub fn lead_upsert_wa(&self, wa_id: &str, nome: Option<&str>) -> Result<LeadId> {
        let conn = self.conn()?;
        let id = conn.query_row(
            "INSERT INTO leads (wa_id, nome, telefone) VALUES (?1, ?2, ?1)
             ON CONFLICT(wa_id) DO UPDATE SET nome = COALESCE(excluded.nome, leads.nome), atualizado_em = CURRENT_TIMESTAMP
             RETURNING id",
            params![wa_id, nome],
            |r| r.get(0),
        )?;
        Ok(LeadId(id))
    }

    /// One lead.
    pub fn lead(&self, id: LeadId) -> Result<Option<Lead>> {
        let sql = format!("SELECT {LEAD_COLS} FROM leads WHERE id = ?1");
        Ok(self.conn()?.query_row(&sql, [id.0], row_to_lead).optional()?)
    }

    /// Applies a partial update; 404 when the lead does not exist.
    pub fn lead_alterar(&self, id: LeadId, a: &LeadAlteracao) -> Result<Lead> {
        let n = self.conn()?.execute(
            "UPDATE leads SET
                status = COALESCE(?2, status),
                notas = CASE WHEN ?3 THEN ?4 ELSE notas END,
                responsavel_id = CASE WHEN ?5 THEN ?6 ELSE responsavel_id END,
                atualizado_em = CURRENT_TIMESTAMP
             WHERE id = ?1",
            params![
                id.0,
                a.status,
                a.notas.is_some(),
                a.notas.clone().flatten(),
                a.responsavel_id.is_some(),
                a.responsavel_id.flatten()
            ],
        )?;
        if n == 0 {
            return Err(Error::NotFound("lead"));
        }
        self.lead(id)?.ok_or(Error::NotFound("lead"))
    }

    /// Leads, newest first, optionally by status; keyset pagination on id.
    pub fn leads_listar(&self, status: Option<&str>, limite: u32, antes_de: Option<LeadId>) -> Result<Vec<Lead>> {
        let sql = format!(
            "SELECT {LEAD_COLS} FROM leads WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR id < ?2)
             ORDER BY id DESC LIMIT ?3"
        );
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params![status, antes_de.map(|l| l.0), limite.clamp(1, 200)], row_to_lead)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Number of leads.
    pub fn leads_total(&self) -> Result<i64> {
        Ok(self.conn()?.query_row("SELECT COUNT(*) FROM leads", [], |r| r.get(0))?)
    }
}

/// What the customer told the bot about themselves; `None` fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DadosDoCliente<'a> {
    pub nome: Option<&'a str>,
    pub interesse: Option<&'a str>,
    pub orcamento_centavos: Option<i64>,
    pub email: Option<&'a str>,
    pub horario_preferido: Option<&'a str>,
}

impl TenantDb {
    /// Saves what the customer told the bot about themselves; absent fields stay as they
    /// are. A new lead moves to `em_atendimento`; one with interest and budget known, to
    /// `qualificado` (never backwards).
    pub fn lead_registrar_dados(&self, id: LeadId, d: &DadosDoCliente<'_>) -> Result<()> {
        // Cached: the bot runs this on most turns.
        self.conn()?
            .prepare_cached(
                "UPDATE leads SET nome = COALESCE(?2, nome), interesse = COALESCE(?3, interesse),
                 orcamento_centavos = COALESCE(?4, orcamento_centavos), email = COALESCE(?5, email),
                 horario_preferido = COALESCE(?6, horario_preferido),
                 status = CASE
                     WHEN status IN ('novo', 'em_atendimento') AND COALESCE(?3, interesse) IS NOT NULL
                          AND COALESCE(?4, orcamento_centavos) IS NOT NULL THEN 'qualificado'
                     WHEN status = 'novo' THEN 'em_atendimento'
                     ELSE status END,
                 atualizado_em = CURRENT_TIMESTAMP
             WHERE id = ?1",
            )?
            .execute(params![id.0, d.nome, d.interesse, d.orcamento_centavos, d.email, d.horario_preferido])?;
        Ok(())
    }

    /// A lead's name, if it has one.
    pub fn lead_nome(&self, id: LeadId) -> Result<Option<String>> {
        Ok(self.conn()?.query_row("SELECT nome FROM leads WHERE id = ?1", [id.0], |r| r.get(0)).optional()?.flatten())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_column_count_matches_the_list() {
        assert_eq!(super::LEAD_COLS.split(',').count(), super::LEAD_COLS_N);
    }
}
