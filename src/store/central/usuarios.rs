//! SQL for usuarios in the central db. Password hashes go in and come out only through
//! [`CentralDb::usuario_hash_por_email`]; the [`Usuario`] view never carries one.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::CentralDb;
use crate::domain::{EmpresaId, Papel, UsuarioId};
use crate::error::{Error, Result};
use crate::store::is_unique_violation;

/// A usuario as shown by the API (no hash).
#[derive(Debug, Clone, Serialize)]
pub struct Usuario {
    pub id: UsuarioId,
    pub email: String,
    pub nome: String,
    pub papel: Papel,
    pub empresa_id: Option<EmpresaId>,
    pub ativo: bool,
    pub criado_em: String,
}

/// Input for creating a usuario; `senha_hash` is an argon2id PHC string.
#[derive(Clone)]
pub struct NovoUsuario {
    pub email: String,
    pub nome: String,
    pub papel: Papel,
    pub empresa_id: Option<EmpresaId>,
    pub senha_hash: String,
}

pub(super) const COLS: &str = "id, email, nome, papel, empresa_id, ativo, criado_em";

pub(super) fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Usuario>> {
    let papel = match r.get::<_, String>(3)?.parse::<Papel>() {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(Usuario {
        id: UsuarioId(r.get(0)?),
        email: r.get(1)?,
        nome: r.get(2)?,
        papel,
        empresa_id: r.get::<_, Option<i64>>(4)?.map(EmpresaId),
        ativo: r.get(5)?,
        criado_em: r.get(6)?,
    }))
}

impl CentralDb {
    /// Creates a usuario; a duplicate email is a 409.
    pub fn usuario_criar(&self, novo: &NovoUsuario) -> Result<Usuario> {
        if (novo.papel == Papel::Superadmin) != novo.empresa_id.is_none() {
            return Err(Error::invalid(
                "empresa_obrigatoria",
                "superadmin não pertence a uma empresa; admin e atendente precisam de uma",
            ));
        }
        let conn = self.conn()?;
        let res = conn.execute(
            "INSERT INTO usuarios (email, nome, papel, empresa_id, senha_hash) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![novo.email.trim(), novo.nome, novo.papel.as_str(), novo.empresa_id.map(|e| e.0), novo.senha_hash],
        );
        match res {
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::conflict(
                    "email_em_uso",
                    format!("já existe um usuário com o e-mail {}", novo.email),
                ))
            }
            other => other?,
        };
        let id = UsuarioId(conn.last_insert_rowid());
        drop(conn);
        self.usuario(id)?.ok_or(Error::NotFound("usuário"))
    }

    /// One usuario by id.
    pub fn usuario(&self, id: UsuarioId) -> Result<Option<Usuario>> {
        let sql = format!("SELECT {COLS} FROM usuarios WHERE id = ?1");
        self.conn()?.query_row(&sql, [id.0], row).optional()?.transpose()
    }

    /// One usuario by email (case-insensitive).
    pub fn usuario_por_email(&self, email: &str) -> Result<Option<Usuario>> {
        let sql = format!("SELECT {COLS} FROM usuarios WHERE email = ?1");
        self.conn()?.query_row(&sql, [email.trim()], row).optional()?.transpose()
    }

    /// The usuario and its password hash, for login only.
    pub fn usuario_hash_por_email(&self, email: &str) -> Result<Option<(Usuario, String)>> {
        let sql = format!("SELECT {COLS}, senha_hash FROM usuarios WHERE email = ?1");
        let found =
            self.conn()?.query_row(&sql, [email.trim()], |r| Ok((row(r)?, r.get::<_, String>(7)?))).optional()?;
        match found {
            Some((u, h)) => Ok(Some((u?, h))),
            None => Ok(None),
        }
    }

    /// Replaces a usuario's password hash.
    pub fn usuario_definir_senha(&self, id: UsuarioId, senha_hash: &str) -> Result<()> {
        let n = self.conn()?.execute(
            "UPDATE usuarios SET senha_hash = ?2, atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
            params![id.0, senha_hash],
        )?;
        if n == 0 {
            return Err(Error::NotFound("usuário"));
        }
        Ok(())
    }

    /// Number of superadmins (first start creates one when zero).
    pub fn superadmins_total(&self) -> Result<i64> {
        Ok(self.conn()?.query_row("SELECT COUNT(*) FROM usuarios WHERE papel = 'superadmin'", [], |r| r.get(0))?)
    }

    /// Usuarios of one empresa, or every usuario when `empresa` is None.
    pub fn usuarios(&self, empresa: Option<EmpresaId>) -> Result<Vec<Usuario>> {
        let sql = format!("SELECT {COLS} FROM usuarios WHERE (?1 IS NULL OR empresa_id = ?1) ORDER BY id");
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([empresa.map(|e| e.0)], row)?;
        rows.map(|r| r?).collect()
    }

    /// Activates or deactivates a usuario; deactivating also ends their sessions.
    pub fn usuario_definir_ativo(&self, id: UsuarioId, ativo: bool) -> Result<()> {
        let conn = self.conn()?;
        let n = conn.execute(
            "UPDATE usuarios SET ativo = ?2, atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
            params![id.0, ativo],
        )?;
        if n == 0 {
            return Err(Error::NotFound("usuário"));
        }
        if !ativo {
            conn.execute("DELETE FROM sessoes WHERE usuario_id = ?1", [id.0])?;
        }
        Ok(())
    }
}

/// Filters for the superadmin's list of usuarios (ascending id, keyset).
#[derive(Debug, Clone, Default)]
pub struct FiltroUsuarios {
    pub empresa_id: Option<EmpresaId>,
    pub papel: Option<Papel>,
    pub ativo: Option<bool>,
    /// Case-insensitive substring of the e-mail or the nome.
    pub q: Option<String>,
    pub depois_de: Option<i64>,
    pub limite: u32,
}

impl CentralDb {
    /// Usuarios by filter, ascending id.
    pub fn usuarios_listar(&self, f: &FiltroUsuarios) -> Result<Vec<Usuario>> {
        let sql = format!(
            "SELECT {COLS} FROM usuarios
             WHERE (?1 IS NULL OR empresa_id = ?1) AND (?2 IS NULL OR papel = ?2) AND (?3 IS NULL OR ativo = ?3)
               AND (?4 IS NULL OR instr(lower(email), lower(?4)) > 0 OR instr(lower(nome), lower(?4)) > 0)
               AND (?5 IS NULL OR id > ?5)
             ORDER BY id LIMIT ?6"
        );
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(
            params![
                f.empresa_id.map(|e| e.0),
                f.papel.map(Papel::as_str),
                f.ativo,
                f.q,
                f.depois_de,
                f.limite.clamp(1, 500)
            ],
            row,
        )?;
        rows.map(|r| r?).collect()
    }

    /// Sets a usuario's nome, papel and empresa together (the papel/empresa rule is checked:
    /// superadmin has none, admin and atendente need an existing one).
    pub fn usuario_atualizar(
        &self,
        id: UsuarioId,
        nome: &str,
        papel: Papel,
        empresa_id: Option<EmpresaId>,
    ) -> Result<Usuario> {
        if (papel == Papel::Superadmin) != empresa_id.is_none() {
            return Err(Error::invalid(
                "empresa_obrigatoria",
                "superadmin não pertence a uma empresa; admin e atendente precisam de uma",
            ));
        }
        let conn = self.conn()?;
        if let Some(e) = empresa_id {
            let ok: bool =
                conn.query_row("SELECT EXISTS(SELECT 1 FROM empresas WHERE id = ?1)", [e.0], |r| r.get(0))?;
            if !ok {
                return Err(Error::invalid("empresa_invalida", format!("a empresa {e} não existe")));
            }
        }
        let n = conn.execute(
            "UPDATE usuarios SET nome = ?2, papel = ?3, empresa_id = ?4, atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
            params![id.0, nome, papel.as_str(), empresa_id.map(|e| e.0)],
        )?;
        if n == 0 {
            return Err(Error::NotFound("usuário"));
        }
        drop(conn);
        self.usuario(id)?.ok_or(Error::NotFound("usuário"))
    }

    /// Number of active superadmins (the last one may not be demoted or deactivated).
    pub fn superadmins_ativos_total(&self) -> Result<i64> {
        Ok(self.conn()?.query_row(
            "SELECT COUNT(*) FROM usuarios WHERE papel = 'superadmin' AND ativo = 1",
            [],
            |r| r.get(0),
        )?)
    }

    /// Number of usuarios of one empresa (usage figures).
    pub fn usuarios_total_empresa(&self, empresa: EmpresaId) -> Result<i64> {
        Ok(self.conn()?.query_row("SELECT COUNT(*) FROM usuarios WHERE empresa_id = ?1", [empresa.0], |r| r.get(0))?)
    }
}
