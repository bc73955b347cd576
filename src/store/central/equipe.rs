//! SQL for one empresa's team: its usuarios, as its admin manages them. Every query here is
//! scoped by `empresa_id`, so an admin can never read or change another empresa's usuario
//! (or a superadmin, whose `empresa_id` is NULL).

use rusqlite::{params, OptionalExtension};

use super::usuarios::{row, COLS};
use super::{CentralDb, Usuario};
use crate::domain::{EmpresaId, Papel, UsuarioId};
use crate::error::{Error, Result};

/// A partial change of a usuario by their empresa's admin; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct EquipeAlteracao {
    pub nome: Option<String>,
    /// Admin or atendente only (the caller validates; the table refuses a superadmin with an empresa).
    pub papel: Option<Papel>,
    /// Deactivating also ends the usuario's sessions.
    pub ativo: Option<bool>,
}

impl CentralDb {
    /// The empresa's usuarios by id, after `apos` (keyset pagination).
    pub fn equipe_listar(&self, empresa: EmpresaId, limite: u32, apos: Option<UsuarioId>) -> Result<Vec<Usuario>> {
        let sql = format!(
            "SELECT {COLS} FROM usuarios WHERE empresa_id = ?1 AND (?2 IS NULL OR id > ?2) ORDER BY id LIMIT ?3"
        );
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params![empresa.0, apos.map(|u| u.0), limite.clamp(1, 200)], row)?;
        rows.map(|r| r?).collect()
    }

    /// One usuario of the empresa; `None` when absent or someone else's.
    pub fn equipe_usuario(&self, empresa: EmpresaId, id: UsuarioId) -> Result<Option<Usuario>> {
        let sql = format!("SELECT {COLS} FROM usuarios WHERE id = ?1 AND empresa_id = ?2");
        self.conn()?.query_row(&sql, params![id.0, empresa.0], row).optional()?.transpose()
    }

    /// Number of active admins of the empresa.
    pub fn equipe_admins_ativos(&self, empresa: EmpresaId) -> Result<i64> {
        Ok(self.conn()?.query_row(
            "SELECT COUNT(*) FROM usuarios WHERE empresa_id = ?1 AND papel = 'admin' AND ativo = 1",
            [empresa.0],
            |r| r.get(0),
        )?)
    }

    /// Applies a change to one of the empresa's usuarios (404 when not theirs).
    pub fn equipe_alterar(&self, empresa: EmpresaId, id: UsuarioId, a: &EquipeAlteracao) -> Result<Usuario> {
        if a.papel == Some(Papel::Superadmin) {
            return Err(Error::invalid("papel_invalido", "use admin ou atendente"));
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let n = tx.execute(
            "UPDATE usuarios SET nome = COALESCE(?3, nome), papel = COALESCE(?4, papel),
                ativo = COALESCE(?5, ativo), atualizado_em = CURRENT_TIMESTAMP
             WHERE id = ?1 AND empresa_id = ?2",
            params![id.0, empresa.0, a.nome, a.papel.map(Papel::as_str), a.ativo],
        )?;
        if n == 0 {
            return Err(Error::NotFound("usuário"));
        }
        if a.ativo == Some(false) {
            tx.execute("DELETE FROM sessoes WHERE usuario_id = ?1", [id.0])?;
        }
        tx.commit()?;
        drop(conn);
        self.equipe_usuario(empresa, id)?.ok_or(Error::NotFound("usuário"))
    }
}
