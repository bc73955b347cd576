//! SQL for appliance-wide settings (`ajustes`): plain values and encrypted ones (the
//! Evolution API global key). Ciphertexts arrive here already encrypted.

use rusqlite::{params, OptionalExtension};

use super::CentralDb;
use crate::error::Result;

/// The Evolution server's base URL.
pub const EVOLUTION_URL: &str = "evolution_url";
/// The Evolution server's global API key (stored encrypted).
pub const EVOLUTION_CHAVE: &str = "evolution_chave";
/// The URL Evolution uses to reach this appliance (`https://painel.exemplo.com.br`).
pub const URL_PUBLICA: &str = "url_publica";

impl CentralDb {
    /// A plain setting.
    pub fn ajuste(&self, chave: &str) -> Result<Option<String>> {
        let v: Option<Option<String>> =
            self.conn()?.query_row("SELECT valor FROM ajustes WHERE chave = ?1", [chave], |r| r.get(0)).optional()?;
        Ok(v.flatten())
    }

    /// An encrypted setting, as stored (ciphertext).
    pub fn ajuste_cifrado(&self, chave: &str) -> Result<Option<Vec<u8>>> {
        let v: Option<Option<Vec<u8>>> = self
            .conn()?
            .query_row("SELECT valor_cifrado FROM ajustes WHERE chave = ?1", [chave], |r| r.get(0))
            .optional()?;
        Ok(v.flatten())
    }

    /// Sets (or, with `None`, removes) a plain setting.
    pub fn ajuste_definir(&self, chave: &str, valor: Option<&str>) -> Result<()> {
        let conn = self.conn()?;
        match valor {
            Some(v) => conn.execute(
                "INSERT INTO ajustes (chave, valor) VALUES (?1, ?2)
                 ON CONFLICT(chave) DO UPDATE SET valor = excluded.valor, valor_cifrado = NULL,
                     atualizado_em = CURRENT_TIMESTAMP",
                params![chave, v],
            )?,
            None => conn.execute("DELETE FROM ajustes WHERE chave = ?1", [chave])?,
        };
        Ok(())
    }

    /// Sets (or, with `None`, removes) an encrypted setting.
    pub fn ajuste_definir_cifrado(&self, chave: &str, cifrado: Option<&[u8]>) -> Result<()> {
        let conn = self.conn()?;
        match cifrado {
            Some(v) => conn.execute(
                "INSERT INTO ajustes (chave, valor_cifrado) VALUES (?1, ?2)
                 ON CONFLICT(chave) DO UPDATE SET valor_cifrado = excluded.valor_cifrado, valor = NULL,
                     atualizado_em = CURRENT_TIMESTAMP",
                params![chave, v],
            )?,
            None => conn.execute("DELETE FROM ajustes WHERE chave = ?1", [chave])?,
        };
        Ok(())
    }
}
