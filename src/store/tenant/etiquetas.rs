//! SQL for tags on leads ("VIP", "financiamento"): each lead's set, the empresa's tags with
//! how many leads carry each, and the leads of one tag. Tags arrive validated
//! (`atendimento::etiqueta`); case-insensitive uniqueness per lead is the table's.

use std::collections::HashMap;

use rusqlite::{params, TransactionBehavior};
use serde::Serialize;

use super::leads::{row_to_lead, Lead, LEAD_COLS};
use super::TenantDb;
use crate::domain::LeadId;
use crate::error::{Error, Result};

/// A tag and how many leads carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EtiquetaUso {
    pub etiqueta: String,
    pub leads: i64,
}

impl TenantDb {
    /// The tags of each of `leads` (absent = none), alphabetical.
    pub fn etiquetas_dos_leads(&self, leads: &[LeadId]) -> Result<HashMap<LeadId, Vec<String>>> {
        if leads.is_empty() {
            return Ok(HashMap::new());
        }
        let ids = serde_json::to_string(&leads.iter().map(|l| l.0).collect::<Vec<_>>())
            .map_err(|e| Error::Internal(format!("ids: {e}")))?;
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT lead_id, etiqueta FROM lead_etiquetas WHERE lead_id IN (SELECT value FROM json_each(?1))
             ORDER BY etiqueta COLLATE NOCASE",
        )?;
        let mut out: HashMap<LeadId, Vec<String>> = HashMap::new();
        for row in stmt.query_map([ids], |r| Ok((LeadId(r.get(0)?), r.get::<_, String>(1)?)))? {
            let (lead, etiqueta) = row?;
            out.entry(lead).or_default().push(etiqueta);
        }
        Ok(out)
    }

    /// Replaces a lead's tags with `etiquetas` (already validated); 404 for an unknown lead.
    pub fn lead_definir_etiquetas(&self, lead: LeadId, etiquetas: &[String]) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute("UPDATE leads SET atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1", [lead.0])?;
        if n == 0 {
            return Err(Error::NotFound("lead"));
        }
        tx.execute("DELETE FROM lead_etiquetas WHERE lead_id = ?1", [lead.0])?;
        for e in etiquetas {
            tx.execute(
                "INSERT INTO lead_etiquetas (lead_id, etiqueta) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![lead.0, e],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Every tag in use, alphabetical, with its number of leads.
    pub fn etiquetas_todas(&self) -> Result<Vec<EtiquetaUso>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT MIN(etiqueta), COUNT(*) FROM lead_etiquetas GROUP BY etiqueta ORDER BY etiqueta COLLATE NOCASE",
        )?;
        let rows = stmt.query_map([], |r| Ok(EtiquetaUso { etiqueta: r.get(0)?, leads: r.get(1)? }))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Leads with this tag, newest first, optionally by status; keyset pagination on id.
    pub fn leads_da_etiqueta(
        &self,
        etiqueta: &str,
        status: Option<&str>,
        limite: u32,
        antes_de: Option<LeadId>,
    ) -> Result<Vec<Lead>> {
        let sql = format!(
            "SELECT {LEAD_COLS} FROM leads WHERE id IN (SELECT lead_id FROM lead_etiquetas WHERE etiqueta = ?1)
               AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR id < ?3)
             ORDER BY id DESC LIMIT ?4"
        );
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows =
            stmt.query_map(params![etiqueta, status, antes_de.map(|l| l.0), limite.clamp(1, 200)], row_to_lead)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
