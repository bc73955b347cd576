//! SQL for the superadmin's system page: webhook numbers that matched no empresa.

use serde::Serialize;

use super::CentralDb;
use crate::error::Result;

/// A WhatsApp phone_number_id that sent webhooks but belongs to no empresa.
#[derive(Debug, Clone, Serialize)]
pub struct NumeroNaoRoteado {
    pub phone_number_id: String,
    pub display_phone_number: Option<String>,
    pub total: i64,
    pub ultimo_em: String,
}

impl CentralDb {
    /// Unrouted numbers, most recent first (at most `limite`).
    pub fn numeros_nao_roteados(&self, limite: u32) -> Result<Vec<NumeroNaoRoteado>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT phone_number_id, display_phone_number, total, ultimo_em FROM numeros_nao_roteados
             ORDER BY ultimo_em DESC, phone_number_id LIMIT ?1",
        )?;
        let rows = stmt.query_map([limite.clamp(1, 1000)], |r| {
            Ok(NumeroNaoRoteado {
                phone_number_id: r.get(0)?,
                display_phone_number: r.get(1)?,
                total: r.get(2)?,
                ultimo_em: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
