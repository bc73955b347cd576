//! SQL for each empresa's stored-media usage: a figure the media code recomputes from the
//! tenant file after every change, kept here so the reseller's list of empresas shows it
//! without opening every tenant, and the plano's media quota (`planos.limite_midia_mb`).

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::CentralDb;
use crate::domain::EmpresaId;
use crate::error::Result;

/// An empresa's stored media, as last recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UsoMidia {
    pub bytes: i64,
    pub arquivos: i64,
}

impl CentralDb {
    /// Records an empresa's usage (replacing what was there).
    pub fn midia_uso_definir(&self, id: EmpresaId, uso: UsoMidia) -> Result<()> {
        self.conn()?.execute(
            "INSERT INTO midia_uso (empresa_id, bytes, arquivos, atualizado_em) VALUES (?1, ?2, ?3, CURRENT_TIMESTAMP)
             ON CONFLICT(empresa_id) DO UPDATE SET bytes = ?2, arquivos = ?3, atualizado_em = CURRENT_TIMESTAMP",
            params![id.0, uso.bytes, uso.arquivos],
        )?;
        Ok(())
    }

    /// An empresa's recorded usage (zero when nothing was recorded yet).
    pub fn midia_uso(&self, id: EmpresaId) -> Result<UsoMidia> {
        let uso = self
            .conn()?
            .query_row("SELECT bytes, arquivos FROM midia_uso WHERE empresa_id = ?1", [id.0], |r| {
                Ok(UsoMidia { bytes: r.get(0)?, arquivos: r.get(1)? })
            })
            .optional()?;
        Ok(uso.unwrap_or_default())
    }

    /// The media quota of an empresa's plano, in bytes (`None` = no plano or no limit).
    pub fn midia_limite_bytes(&self, id: EmpresaId) -> Result<Option<i64>> {
        let mb: Option<Option<i64>> = self
            .conn()?
            .query_row(
                "SELECT p.limite_midia_mb FROM empresas e JOIN planos p ON p.id = e.plano_id WHERE e.id = ?1",
                [id.0],
                |r| r.get(0),
            )
            .optional()?;
        Ok(mb.flatten().map(|mb| mb.saturating_mul(1024 * 1024)))
    }
}
