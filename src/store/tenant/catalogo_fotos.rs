//! SQL for catalog photos: `midias` rows tied to a catalog item (`item_id`), in the order they
//! were added. Deleting the item deletes its rows (`ON DELETE CASCADE`); the files are then
//! removed by `crate::media` when no other row uses them.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::midias::{row, ArquivoGuardado, Midia, COLS, MAX_FOTOS_ITEM};
use super::TenantDb;
use crate::domain::{ItemId, MidiaId};
use crate::error::{Error, Result};

impl TenantDb {
    /// Adds a photo (a stored file) to an item, after its other photos. 404 for an unknown
    /// item, 409 when it already has [`MAX_FOTOS_ITEM`].
    pub fn catalogo_foto_adicionar(
        &self,
        item: ItemId,
        arquivo: &ArquivoGuardado,
        nome_arquivo: Option<&str>,
    ) -> Result<Midia> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existe: bool =
            tx.query_row("SELECT EXISTS(SELECT 1 FROM produtos_catalogo WHERE id = ?1)", [item.0], |r| r.get(0))?;
        if !existe {
            return Err(Error::NotFound("item"));
        }
        let (total, ordem): (i64, i64) = tx.query_row(
            "SELECT COUNT(*), COALESCE(MAX(ordem), 0) + 1 FROM midias WHERE item_id = ?1",
            [item.0],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if total >= MAX_FOTOS_ITEM {
            return Err(Error::conflict(
                "limite_fotos_item",
                format!("cada item pode ter até {MAX_FOTOS_ITEM} fotos; remova uma antes de adicionar outra"),
            ));
        }
        let id: i64 = tx.query_row(
            "INSERT INTO midias (item_id, ordem, tipo, origem, nome_arquivo, estado, sha256, mime, tamanho)
             VALUES (?1, ?2, 'image', 'painel', ?3, 'pronta', ?4, ?5, ?6) RETURNING id",
            params![item.0, ordem, nome_arquivo, arquivo.sha256, arquivo.mime, arquivo.tamanho],
            |r| r.get(0),
        )?;
        let sql = format!("SELECT {COLS} FROM midias WHERE id = ?1");
        let foto = tx.query_row(&sql, [id], row)?;
        tx.commit()?;
        Ok(foto)
    }

    /// An item's photos, first one first.
    pub fn catalogo_fotos(&self, item: ItemId) -> Result<Vec<Midia>> {
        let sql = format!("SELECT {COLS} FROM midias WHERE item_id = ?1 ORDER BY ordem, id");
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([item.0], row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The photo ids of each of these items (items without photos are absent).
    pub fn catalogo_fotos_de(&self, itens: &[ItemId]) -> Result<HashMap<ItemId, Vec<MidiaId>>> {
        let mut out: HashMap<ItemId, Vec<MidiaId>> = HashMap::new();
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached("SELECT id FROM midias WHERE item_id = ?1 ORDER BY ordem, id")?;
        for item in itens {
            let ids = stmt.query_map([item.0], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i64>>>()?;
            if !ids.is_empty() {
                out.insert(*item, ids.into_iter().map(MidiaId).collect());
            }
        }
        Ok(out)
    }

    /// Removes one photo of an item; returns its file's content address (for the caller to
    /// remove the file if nothing else uses it). 404 when the item has no such photo.
    pub fn catalogo_foto_remover(&self, item: ItemId, foto: MidiaId) -> Result<Option<String>> {
        let conn = self.conn()?;
        let sha: Option<Option<String>> = conn
            .query_row(
                "DELETE FROM midias WHERE id = ?1 AND item_id = ?2 RETURNING sha256",
                params![foto.0, item.0],
                |r| r.get(0),
            )
            .optional()?;
        sha.ok_or(Error::NotFound("foto"))
    }

    /// The content addresses of an item's photos (read before deleting the item).
    pub fn catalogo_fotos_shas(&self, item: ItemId) -> Result<Vec<String>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached("SELECT sha256 FROM midias WHERE item_id = ?1 AND sha256 IS NOT NULL")?;
        let rows = stmt.query_map([item.0], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    }
}
