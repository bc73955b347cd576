//! SQL for sessions. The cookie token is never stored: only its SHA-256 (hex).

use rusqlite::{params, OptionalExtension};

use super::CentralDb;
use crate::domain::{EmpresaId, UsuarioId};
use crate::error::Result;

/// What a live session resolves to: the usuario and whether it (and its empresa) may act.
#[derive(Debug, Clone)]
pub struct SessaoViva {
    pub usuario_id: UsuarioId,
    pub empresa_id: Option<EmpresaId>,
    /// Seconds until expiry.
    pub restante_s: i64,
}

impl CentralDb {
    /// Stores a new session for `usuario`, valid for `ttl_s` seconds.
    pub fn sessao_criar(&self, token_hash: &str, usuario: UsuarioId, ttl_s: i64, ip: Option<&str>) -> Result<()> {
        let conn = self.conn()?;
        conn.execute(
            "INSERT INTO sessoes (token_hash, usuario_id, expira_em, ip)
             VALUES (?1, ?2, datetime('now', '+' || ?3 || ' seconds'), ?4)",
            params![token_hash, usuario.0, ttl_s, ip],
        )?;
        // Opportunistic cleanup keeps the table small without a timer.
        conn.execute("DELETE FROM sessoes WHERE expira_em < datetime('now', '-1 day')", [])?;
        Ok(())
    }

    /// Resolves a session that is unexpired and whose usuario and empresa are active.
    pub fn sessao_viva(&self, token_hash: &str) -> Result<Option<SessaoViva>> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT u.id, u.empresa_id, CAST(strftime('%s', s.expira_em) - strftime('%s', 'now') AS INTEGER)
                 FROM sessoes s JOIN usuarios u ON u.id = s.usuario_id
                 LEFT JOIN empresas e ON e.id = u.empresa_id
                 WHERE s.token_hash = ?1 AND s.expira_em > datetime('now') AND u.ativo = 1
                   AND (u.empresa_id IS NULL OR e.ativo = 1)",
                [token_hash],
                |r| {
                    Ok(SessaoViva {
                        usuario_id: UsuarioId(r.get(0)?),
                        empresa_id: r.get::<_, Option<i64>>(1)?.map(EmpresaId),
                        restante_s: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Pushes a session's expiry to `ttl_s` seconds from now (sliding renewal).
    pub fn sessao_renovar(&self, token_hash: &str, ttl_s: i64) -> Result<()> {
        self.conn()?.execute(
            "UPDATE sessoes SET expira_em = datetime('now', '+' || ?2 || ' seconds') WHERE token_hash = ?1",
            params![token_hash, ttl_s],
        )?;
        Ok(())
    }

    /// Revokes one session.
    pub fn sessao_revogar(&self, token_hash: &str) -> Result<()> {
        self.conn()?.execute("DELETE FROM sessoes WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }

    /// Revokes every session of a usuario except `manter` (the caller's own, if any).
    pub fn sessoes_revogar_usuario(&self, usuario: UsuarioId, manter: Option<&str>) -> Result<usize> {
        Ok(self.conn()?.execute(
            "DELETE FROM sessoes WHERE usuario_id = ?1 AND (?2 IS NULL OR token_hash <> ?2)",
            params![usuario.0, manter],
        )?)
    }
}
