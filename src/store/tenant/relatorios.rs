//! SQL for the empresa's reports: activity counts over a window, messages per day, and what
//! a new empresa's first steps have reached. All times are UTC, like the data. "Mensagens do
//! mês" (the plano's quota) has its one definition in `uso.rs`.

use rusqlite::params;
use serde::Serialize;

use super::TenantDb;
use crate::error::Result;

/// Activity inside one time window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Numeros {
    pub mensagens_recebidas: i64,
    pub mensagens_enviadas: i64,
    pub leads_novos: i64,
    /// Conversas started in the window.
    pub conversas_abertas: i64,
    /// Leads with a visit scheduled in the window: an agendamento created in it, or the lead
    /// moved to `visita_agendada` in it (each lead once).
    pub agendamentos: i64,
}

/// Messages of one UTC day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dia {
    /// `YYYY-MM-DD`.
    pub dia: String,
    pub recebidas: i64,
    pub enviadas: i64,
}

impl TenantDb {
    /// Counts for the window that starts `dias - 1` days before today (UTC) at 00:00:00:
    /// `dias = 1` is today, `7` the last seven days including today.
    pub fn relatorio_numeros(&self, dias: u32) -> Result<Numeros> {
        let desde_mod = format!("-{} days", dias.saturating_sub(1));
        let conn = self.conn()?;
        Ok(conn.query_row(
            "WITH d(desde) AS (SELECT datetime(date('now', ?1)))
             SELECT
               (SELECT COUNT(*) FROM mensagens, d WHERE direcao = 'entrada' AND criado_em >= d.desde),
               (SELECT COUNT(*) FROM mensagens, d WHERE direcao = 'saida' AND criado_em >= d.desde),
               (SELECT COUNT(*) FROM leads, d WHERE criado_em >= d.desde),
               (SELECT COUNT(*) FROM conversas, d WHERE criado_em >= d.desde),
               (SELECT COUNT(*) FROM (
                    SELECT COALESCE(a.lead_id, -a.id) FROM agendamentos a, d WHERE a.criado_em >= d.desde
                    UNION
                    SELECT l.id FROM leads l, d WHERE l.status = 'visita_agendada' AND l.status_em >= d.desde))",
            params![desde_mod],
            |r| {
                Ok(Numeros {
                    mensagens_recebidas: r.get(0)?,
                    mensagens_enviadas: r.get(1)?,
                    leads_novos: r.get(2)?,
                    conversas_abertas: r.get(3)?,
                    agendamentos: r.get(4)?,
                })
            },
        )?)
    }

    /// Received and sent messages per UTC day for the last `dias` days (today last), every
    /// day present even when zero.
    pub fn relatorio_por_dia(&self, dias: u32) -> Result<Vec<Dia>> {
        let desde_mod = format!("-{} days", dias.clamp(1, 366) - 1);
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "WITH RECURSIVE dias(dia) AS (
                 SELECT date('now', ?1)
                 UNION ALL SELECT date(dia, '+1 day') FROM dias WHERE dia < date('now')
             )
             SELECT dias.dia,
                    COALESCE(SUM(m.direcao = 'entrada'), 0),
                    COALESCE(SUM(m.direcao = 'saida'), 0)
             FROM dias
             LEFT JOIN mensagens m ON m.criado_em >= dias.dia AND m.criado_em < date(dias.dia, '+1 day')
             GROUP BY dias.dia ORDER BY dias.dia",
        )?;
        let rows = stmt
            .query_map(params![desde_mod], |r| Ok(Dia { dia: r.get(0)?, recebidas: r.get(1)?, enviadas: r.get(2)? }))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// How far a new empresa got: (catalog items, a simulator conversa exists, a WhatsApp
    /// customer ever wrote).
    pub fn relatorio_primeiros_passos(&self) -> Result<(i64, bool, bool)> {
        Ok(self.conn()?.query_row(
            "SELECT (SELECT COUNT(*) FROM produtos_catalogo),
                    EXISTS(SELECT 1 FROM conversas WHERE canal = 'simulador')
                        OR EXISTS(SELECT 1 FROM meta WHERE chave = 'bot_testado'),
                    EXISTS(SELECT 1 FROM conversas WHERE canal != 'simulador')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?)
    }
}
