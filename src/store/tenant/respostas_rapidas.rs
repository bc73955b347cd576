//! SQL for an empresa's quick replies: texts an attendant inserts by typing `/atalho` in the
//! reply box. Shortcuts are unique regardless of ASCII case; they arrive validated
//! (`atendimento::atalho`).

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::TenantDb;
use crate::error::{Error, Result};
use crate::store::is_unique_violation;

/// One quick reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RespostaRapida {
    pub id: i64,
    pub atalho: String,
    pub texto: String,
    pub criado_em: String,
    pub atualizado_em: String,
}

const COLS: &str = "id, atalho, texto, criado_em, atualizado_em";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RespostaRapida> {
    Ok(RespostaRapida {
        id: r.get(0)?,
        atalho: r.get(1)?,
        texto: r.get(2)?,
        criado_em: r.get(3)?,
        atualizado_em: r.get(4)?,
    })
}

fn atalho_em_uso(e: rusqlite::Error, atalho: &str) -> Error {
    if is_unique_violation(&e) {
        Error::conflict("atalho_em_uso", format!("já existe uma resposta rápida com o atalho /{atalho}"))
    } else {
        e.into()
    }
}

impl TenantDb {
    /// Every quick reply, by shortcut.
    pub fn respostas_rapidas(&self) -> Result<Vec<RespostaRapida>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!("SELECT {COLS} FROM respostas_rapidas ORDER BY atalho COLLATE NOCASE"))?;
        let rows = stmt.query_map([], row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Creates one (409 `atalho_em_uso` for a shortcut taken).
    pub fn resposta_rapida_criar(&self, atalho: &str, texto: &str) -> Result<RespostaRapida> {
        self.conn()?
            .query_row(
                &format!("INSERT INTO respostas_rapidas (atalho, texto) VALUES (?1, ?2) RETURNING {COLS}"),
                params![atalho, texto],
                row,
            )
            .map_err(|e| atalho_em_uso(e, atalho))
    }

    /// Changes one (404 when absent, 409 `atalho_em_uso`).
    pub fn resposta_rapida_alterar(&self, id: i64, atalho: &str, texto: &str) -> Result<RespostaRapida> {
        self.conn()?
            .query_row(
                &format!(
                    "UPDATE respostas_rapidas SET atalho = ?2, texto = ?3, atualizado_em = CURRENT_TIMESTAMP
                     WHERE id = ?1 RETURNING {COLS}"
                ),
                params![id, atalho, texto],
                row,
            )
            .optional()
            .map_err(|e| atalho_em_uso(e, atalho))?
            .ok_or(Error::NotFound("resposta rápida"))
    }

    /// Deletes one (404 when absent).
    pub fn resposta_rapida_excluir(&self, id: i64) -> Result<()> {
        match self.conn()?.execute("DELETE FROM respostas_rapidas WHERE id = ?1", [id])? {
            0 => Err(Error::NotFound("resposta rápida")),
            _ => Ok(()),
        }
    }
}
