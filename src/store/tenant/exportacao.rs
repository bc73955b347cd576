//! Reading rows for the CSV exports (leads, and the messages of conversas), one row at a
//! time into the caller's writer so nothing but the output is held in memory. Formatting
//! (pt-BR headers, `;`, dates) is `atendimento::exportar`'s.

use rusqlite::params;

use super::leads::{row_to_lead, Lead, LEAD_COLS, LEAD_COLS_N};
use super::TenantDb;
use crate::domain::ConversaId;
use crate::error::Result;

/// One message of a conversa, with who the customer is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinhaMensagem {
    pub conversa_id: i64,
    pub lead_nome: Option<String>,
    pub telefone: Option<String>,
    pub canal: String,
    pub direcao: String,
    pub autor: String,
    /// The usuario (central id) who typed a panel reply.
    pub enviado_por: Option<i64>,
    pub tipo: String,
    pub texto: Option<String>,
    pub status: String,
    pub erro_codigo: Option<i64>,
    pub criado_em: String,
}

/// Which messages to export. Times are UTC `YYYY-MM-DD HH:MM:SS`, both ends inclusive.
#[derive(Debug, Clone, Default)]
pub struct FiltroExportacao {
    pub desde: Option<String>,
    pub ate: Option<String>,
    pub conversa: Option<ConversaId>,
}

impl TenantDb {
    /// Every lead (oldest first) with its tags joined by `, `; returns how many.
    pub fn exportar_leads(&self, mut linha: impl FnMut(&Lead, &str) -> Result<()>) -> Result<usize> {
        let sql = format!(
            "SELECT {LEAD_COLS}, (SELECT group_concat(etiqueta, ', ') FROM
                 (SELECT etiqueta FROM lead_etiquetas e WHERE e.lead_id = leads.id ORDER BY etiqueta COLLATE NOCASE))
             FROM leads ORDER BY id"
        );
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            let lead = row_to_lead(r)?;
            let etiquetas: Option<String> = r.get(LEAD_COLS_N)?;
            linha(&lead, etiquetas.as_deref().unwrap_or(""))?;
            n += 1;
        }
        Ok(n)
    }

    /// The messages matching `f`, by conversa and then in order; returns how many.
    pub fn exportar_mensagens(
        &self,
        f: &FiltroExportacao,
        mut linha: impl FnMut(&LinhaMensagem) -> Result<()>,
    ) -> Result<usize> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT m.conversa_id, l.nome, l.telefone, c.canal, m.direcao, m.autor, m.enviado_por, m.tipo, m.texto,
                    m.status, m.erro_codigo, m.criado_em
             FROM mensagens m JOIN conversas c ON c.id = m.conversa_id JOIN leads l ON l.id = c.lead_id
             WHERE (?1 IS NULL OR m.criado_em >= ?1) AND (?2 IS NULL OR m.criado_em <= ?2)
               AND (?3 IS NULL OR m.conversa_id = ?3)
             ORDER BY m.conversa_id, m.id",
        )?;
        let mut rows = stmt.query(params![f.desde, f.ate, f.conversa.map(|c| c.0)])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            linha(&LinhaMensagem {
                conversa_id: r.get(0)?,
                lead_nome: r.get(1)?,
                telefone: r.get(2)?,
                canal: r.get(3)?,
                direcao: r.get(4)?,
                autor: r.get(5)?,
                enviado_por: r.get(6)?,
                tipo: r.get(7)?,
                texto: r.get(8)?,
                status: r.get(9)?,
                erro_codigo: r.get(10)?,
                criado_em: r.get(11)?,
            })?;
            n += 1;
        }
        Ok(n)
    }
}
