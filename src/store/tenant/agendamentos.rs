//! SQL for agendamentos: visits, test drives and services booked by the bot or the staff.
//! `data_hora` is the empresa's local time (Brasília) as `YYYY-MM-DD HH:MM`; an appointment
//! is active while `agendado` or `confirmado`, and a new or moved one is refused when the
//! overlapping active ones already fill the empresa's places (checked inside one write
//! transaction, so two bookings can never take the last place together).

use rusqlite::{params, OptionalExtension, Row, Transaction, TransactionBehavior};
use serde::Serialize;

use super::TenantDb;
use crate::domain::{ConversaId, ItemId, LeadId};
use crate::error::{Error, Result};

/// The statuses of an appointment.
pub const AGENDAMENTO_STATUS: &[&str] = &["agendado", "confirmado", "realizado", "cancelado"];
/// The kinds of appointment.
pub const AGENDAMENTO_TIPOS: &[&str] = &["visita", "test_drive", "servico"];

/// An appointment as the panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agendamento {
    pub id: i64,
    pub lead_id: Option<LeadId>,
    pub conversa_id: Option<ConversaId>,
    pub item_id: Option<ItemId>,
    pub item_nome: Option<String>,
    pub lead_nome: Option<String>,
    pub telefone: Option<String>,
    pub cliente_nome: Option<String>,
    /// Local `YYYY-MM-DD HH:MM`.
    pub data_hora: String,
    pub duracao_min: i64,
    pub tipo: String,
    pub status: String,
    pub observacao: Option<String>,
    /// `bot` or `painel`.
    pub origem: String,
    /// Whether the staff already saw it (new bot bookings are an alert until then).
    pub visto: bool,
    pub criado_em: String,
    pub atualizado_em: Option<String>,
}

const COLS: &str = "a.id, a.lead_id, a.conversa_id, a.item_id, p.nome, l.nome, l.telefone, a.cliente_nome, a.data_hora,
    a.duracao_min, a.tipo, a.status, a.observacao, a.origem, a.visto, a.criado_em, a.atualizado_em";
const FROM: &str =
    "FROM agendamentos a LEFT JOIN leads l ON l.id = a.lead_id LEFT JOIN produtos_catalogo p ON p.id = a.item_id";

fn row(r: &Row<'_>) -> rusqlite::Result<Agendamento> {
    Ok(Agendamento {
        id: r.get(0)?,
        lead_id: r.get::<_, Option<i64>>(1)?.map(LeadId),
        conversa_id: r.get::<_, Option<i64>>(2)?.map(ConversaId),
        item_id: r.get::<_, Option<i64>>(3)?.map(ItemId),
        item_nome: r.get(4)?,
        lead_nome: r.get(5)?,
        telefone: r.get(6)?,
        cliente_nome: r.get(7)?,
        data_hora: r.get(8)?,
        duracao_min: r.get(9)?,
        tipo: r.get(10)?,
        status: r.get(11)?,
        observacao: r.get(12)?,
        origem: r.get(13)?,
        visto: r.get(14)?,
        criado_em: r.get(15)?,
        atualizado_em: r.get(16)?,
    })
}

/// A new appointment.
#[derive(Debug, Clone)]
pub struct NovoAgendamento<'a> {
    pub lead_id: Option<LeadId>,
    pub conversa_id: Option<ConversaId>,
    pub item_id: Option<ItemId>,
    pub data_hora: &'a str,
    pub duracao_min: u32,
    pub tipo: &'a str,
    pub observacao: Option<&'a str>,
    pub cliente_nome: Option<&'a str>,
    /// `bot` or `painel`.
    pub origem: &'a str,
    /// Places at the same time; a booking beyond them is refused.
    pub simultaneas: u32,
}

/// A change to an appointment; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct AgendamentoAlteracao {
    pub data_hora: Option<String>,
    pub duracao_min: Option<u32>,
    pub tipo: Option<String>,
    pub status: Option<String>,
    pub item_id: Option<Option<ItemId>>,
    pub observacao: Option<Option<String>>,
    pub cliente_nome: Option<Option<String>>,
}

/// Which appointments to list.
#[derive(Debug, Clone, Default)]
pub struct FiltroAgendamentos {
    /// From this local date (`YYYY-MM-DD`), inclusive.
    pub de: Option<String>,
    /// Up to this local date, inclusive.
    pub ate: Option<String>,
    pub status: Option<String>,
    pub lead_id: Option<LeadId>,
    pub conversa_id: Option<ConversaId>,
    pub limite: u32,
}

/// Active appointments overlapping `[inicio, inicio + duracao)`, other than `excluir`.
fn sobrepostos(tx: &Transaction<'_>, inicio: &str, duracao: u32, excluir: i64) -> Result<i64> {
    Ok(tx.query_row(
        "SELECT COUNT(*) FROM agendamentos
         WHERE status IN ('agendado', 'confirmado') AND id != ?3
           AND data_hora >= date(?1, '-2 days') AND data_hora < date(?1, '+2 days')
           AND datetime(data_hora) < datetime(?1, '+' || ?2 || ' minutes')
           AND datetime(?1) < datetime(data_hora, '+' || duracao_min || ' minutes')",
        params![inicio, duracao, excluir],
        |r| r.get(0),
    )?)
}

fn ocupado() -> Error {
    Error::conflict("horario_ocupado", "esse horário já está ocupado por outro agendamento")
}

impl TenantDb {
    /// Books an appointment in one write transaction: refused (409 `horario_ocupado`) when
    /// the overlapping ones fill the places; the lead (if any) moves to `visita_agendada`.
    pub fn agendamento_criar(&self, n: &NovoAgendamento<'_>) -> Result<i64> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if sobrepostos(&tx, n.data_hora, n.duracao_min, 0)? >= i64::from(n.simultaneas.max(1)) {
            return Err(ocupado());
        }
        let id: i64 = tx.query_row(
            "INSERT INTO agendamentos (lead_id, conversa_id, item_id, data_hora, duracao_min, tipo, observacao,
                 cliente_nome, origem, visto, atualizado_em)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9 = 'painel', CURRENT_TIMESTAMP) RETURNING id",
            params![
                n.lead_id.map(|l| l.0),
                n.conversa_id.map(|c| c.0),
                n.item_id.map(|i| i.0),
                n.data_hora,
                n.duracao_min,
                n.tipo,
                n.observacao,
                n.cliente_nome,
                n.origem
            ],
            |r| r.get(0),
        )?;
        if let Some(lead) = n.lead_id {
            tx.execute(
                "UPDATE leads SET status = 'visita_agendada', atualizado_em = CURRENT_TIMESTAMP
                 WHERE id = ?1 AND status IN ('novo', 'em_atendimento', 'qualificado')",
                [lead.0],
            )?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// One appointment.
    pub fn agendamento(&self, id: i64) -> Result<Option<Agendamento>> {
        let sql = format!("SELECT {COLS} {FROM} WHERE a.id = ?1");
        Ok(self.conn()?.query_row(&sql, [id], row).optional()?)
    }

    /// Appointments in time order.
    pub fn agendamentos_listar(&self, f: &FiltroAgendamentos) -> Result<Vec<Agendamento>> {
        let sql = format!(
            "SELECT {COLS} {FROM}
             WHERE (?1 IS NULL OR a.data_hora >= ?1) AND (?2 IS NULL OR a.data_hora <= ?2 || ' 23:59')
               AND (?3 IS NULL OR a.status = ?3) AND (?4 IS NULL OR a.lead_id = ?4) AND (?5 IS NULL OR a.conversa_id = ?5)
             ORDER BY a.data_hora, a.id LIMIT ?6"
        );
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(
            params![f.de, f.ate, f.status, f.lead_id.map(|l| l.0), f.conversa_id.map(|c| c.0), f.limite.clamp(1, 500)],
            row,
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Active appointments starting between two local dates (inclusive): (start, minutes).
    pub fn agendamentos_ocupados(&self, de: &str, ate: &str) -> Result<Vec<(String, u32)>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT data_hora, duracao_min FROM agendamentos
             WHERE status IN ('agendado', 'confirmado') AND data_hora >= ?1 AND data_hora <= ?2 || ' 23:59'
             ORDER BY data_hora",
        )?;
        let rows = stmt.query_map(params![de, ate], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Applies a change; a moved or re-activated appointment is checked for room again.
    pub fn agendamento_alterar(&self, id: i64, a: &AgendamentoAlteracao, simultaneas: u32) -> Result<Agendamento> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let atual: Option<(String, u32, String)> = tx
            .query_row("SELECT data_hora, duracao_min, status FROM agendamentos WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let Some((data_hora, duracao, status)) = atual else { return Err(Error::NotFound("agendamento")) };
        let nova_data = a.data_hora.clone().unwrap_or(data_hora.clone());
        let nova_duracao = a.duracao_min.unwrap_or(duracao);
        let novo_status = a.status.clone().unwrap_or(status.clone());
        let ativo = |s: &str| s == "agendado" || s == "confirmado";
        let mudou = nova_data != data_hora || nova_duracao != duracao || (ativo(&novo_status) && !ativo(&status));
        if ativo(&novo_status)
            && mudou
            && sobrepostos(&tx, &nova_data, nova_duracao, id)? >= i64::from(simultaneas.max(1))
        {
            return Err(ocupado());
        }
        tx.execute(
            "UPDATE agendamentos SET data_hora = ?2, duracao_min = ?3, status = ?4, tipo = COALESCE(?5, tipo),
                 item_id = CASE WHEN ?6 THEN ?7 ELSE item_id END,
                 observacao = CASE WHEN ?8 THEN ?9 ELSE observacao END,
                 cliente_nome = CASE WHEN ?10 THEN ?11 ELSE cliente_nome END,
                 visto = 1, atualizado_em = CURRENT_TIMESTAMP
             WHERE id = ?1",
            params![
                id,
                nova_data,
                nova_duracao,
                novo_status,
                a.tipo,
                a.item_id.is_some(),
                a.item_id.flatten().map(|i| i.0),
                a.observacao.is_some(),
                a.observacao.clone().flatten(),
                a.cliente_nome.is_some(),
                a.cliente_nome.clone().flatten()
            ],
        )?;
        tx.commit()?;
        drop(conn);
        self.agendamento(id)?.ok_or(Error::NotFound("agendamento"))
    }

    /// Marks every appointment as seen by the staff; returns how many were new.
    pub fn agendamentos_marcar_vistos(&self) -> Result<usize> {
        Ok(self.conn()?.execute("UPDATE agendamentos SET visto = 1 WHERE visto = 0", [])?)
    }

    /// (appointments not seen yet, active appointments on local day `hoje`).
    pub fn agendamentos_resumo(&self, hoje: &str) -> Result<(i64, i64)> {
        Ok(self.conn()?.query_row(
            "SELECT (SELECT COUNT(*) FROM agendamentos WHERE visto = 0),
                    (SELECT COUNT(*) FROM agendamentos WHERE status IN ('agendado', 'confirmado')
                        AND data_hora >= ?1 AND data_hora <= ?1 || ' 23:59')",
            [hoje],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// A lead's active appointments from local time `desde` on, soonest first.
    pub fn agendamentos_do_lead(&self, lead: LeadId, desde: &str) -> Result<Vec<Agendamento>> {
        let sql = format!(
            "SELECT {COLS} {FROM} WHERE a.lead_id = ?1 AND a.status IN ('agendado', 'confirmado') AND a.data_hora >= ?2
             ORDER BY a.data_hora LIMIT 10"
        );
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params![lead.0, desde], row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Cancels one of a lead's appointments; false when it is not that lead's or not active.
    pub fn agendamento_cancelar_do_lead(&self, id: i64, lead: LeadId) -> Result<bool> {
        let n = self.conn()?.execute(
            "UPDATE agendamentos SET status = 'cancelado', visto = 0, atualizado_em = CURRENT_TIMESTAMP
             WHERE id = ?1 AND lead_id = ?2 AND status IN ('agendado', 'confirmado')",
            params![id, lead.0],
        )?;
        Ok(n > 0)
    }
}
