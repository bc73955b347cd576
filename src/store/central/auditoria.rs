//! SQL for the audit log: who did what, to which empresa, from which IP.

use rusqlite::params;
use serde::Serialize;

use super::CentralDb;
use crate::domain::{EmpresaId, UsuarioId};
use crate::error::Result;

/// One audit entry to record.
#[derive(Debug, Clone, Default)]
pub struct NovaAuditoria {
    pub usuario_id: Option<UsuarioId>,
    pub empresa_id: Option<EmpresaId>,
    pub acao: String,
    pub alvo: Option<String>,
    pub detalhes: Option<String>,
    pub ip: Option<String>,
}

/// One audit entry as listed.
#[derive(Debug, Clone, Serialize)]
pub struct Auditoria {
    pub id: i64,
    pub usuario_id: Option<UsuarioId>,
    pub usuario_email: Option<String>,
    pub empresa_id: Option<EmpresaId>,
    pub acao: String,
    pub alvo: Option<String>,
    pub detalhes: Option<String>,
    pub ip: Option<String>,
    pub criado_em: String,
}

/// Filters for listing the audit log (newest first, keyset on id).
#[derive(Debug, Clone, Default)]
pub struct FiltroAuditoria {
    pub empresa_id: Option<EmpresaId>,
    pub usuario_id: Option<UsuarioId>,
    /// Prefix match on the action, e.g. `empresa.` or `usuario.criar`.
    pub acao: Option<String>,
    pub desde: Option<String>,
    pub ate: Option<String>,
    pub antes_de: Option<i64>,
    pub limite: u32,
}

impl CentralDb {
    /// Appends an audit entry.
    pub fn auditar(&self, a: &NovaAuditoria) -> Result<()> {
        self.conn()?.execute(
            "INSERT INTO auditoria (usuario_id, empresa_id, acao, alvo, detalhes, ip) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![a.usuario_id.map(|u| u.0), a.empresa_id.map(|e| e.0), a.acao, a.alvo, a.detalhes, a.ip],
        )?;
        Ok(())
    }

    /// Lists audit entries.
    pub fn auditoria(&self, f: &FiltroAuditoria) -> Result<Vec<Auditoria>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT a.id, a.usuario_id, u.email, a.empresa_id, a.acao, a.alvo, a.detalhes, a.ip, a.criado_em
             FROM auditoria a LEFT JOIN usuarios u ON u.id = a.usuario_id
             WHERE (?1 IS NULL OR a.empresa_id = ?1) AND (?2 IS NULL OR a.usuario_id = ?2)
               AND (?3 IS NULL OR a.acao LIKE ?3 || '%') AND (?4 IS NULL OR a.criado_em >= ?4)
               AND (?5 IS NULL OR a.criado_em <= ?5) AND (?6 IS NULL OR a.id < ?6)
             ORDER BY a.id DESC LIMIT ?7",
        )?;
        let rows = stmt.query_map(
            params![
                f.empresa_id.map(|e| e.0),
                f.usuario_id.map(|u| u.0),
                f.acao,
                f.desde,
                f.ate,
                f.antes_de,
                f.limite.clamp(1, 500)
            ],
            |r| {
                Ok(Auditoria {
                    id: r.get(0)?,
                    usuario_id: r.get::<_, Option<i64>>(1)?.map(UsuarioId),
                    usuario_email: r.get(2)?,
                    empresa_id: r.get::<_, Option<i64>>(3)?.map(EmpresaId),
                    acao: r.get(4)?,
                    alvo: r.get(5)?,
                    detalhes: r.get(6)?,
                    ip: r.get(7)?,
                    criado_em: r.get(8)?,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
