//! The replica's state of media files (`data/replica.db`: which files of each database are in
//! the bucket, which left their folder and when, each folder's fingerprint at its last whole
//! shipment), and the media rows a restored tenant file uses.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use super::EstadoReplicaDb;
use crate::error::Result;

/// A media file of a database in the bucket, as the state knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MidiaEnviada {
    /// Its name in the bucket (`ChaveReplica::nome_de_midia` of its SHA-256).
    pub nome: String,
    /// Sealed size.
    pub bytes: u64,
    /// When it was seen gone from the local folder (`None`: still there).
    pub removido_ms: Option<i64>,
}

/// A media file a (restored) tenant file uses: its content address and what uses it first
/// (for people: which message or catalog item lacks it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MidiaUsada {
    pub sha256: String,
    pub tipo: String,
    pub mensagem_id: Option<i64>,
    pub item_id: Option<i64>,
    /// Rows that use it.
    pub usos: u32,
}

/// Every media file the tenant file at `path` uses (only read; none in a file without media).
/// Opened read-write, never created: a live WAL file needs its `-shm`.
pub fn midias_usadas(path: &Path) -> Result<Vec<MidiaUsada>> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    let tem: bool =
        conn.query_row("SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'midias'", [], |r| {
            r.get(0)
        })?;
    if !tem {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare(
        // The bare columns come from the row of min(id) (SQLite's rule): the oldest use.
        "SELECT sha256, tipo, mensagem_id, item_id, min(id), count(*) FROM midias WHERE sha256 IS NOT NULL
         GROUP BY sha256 ORDER BY sha256",
    )?;
    let v = stmt
        .query_map([], |r| {
            Ok(MidiaUsada {
                sha256: r.get(0)?,
                tipo: r.get(1)?,
                mensagem_id: r.get(2)?,
                item_id: r.get(3)?,
                usos: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(v)
}

impl EstadoReplicaDb {
    /// The media files of `banco` in the bucket.
    pub fn midias(&self, banco: &str) -> Result<Vec<MidiaEnviada>> {
        let conn = self.lock();
        let mut stmt =
            conn.prepare_cached("SELECT nome, bytes, removido_ms FROM midias WHERE banco = ?1 ORDER BY nome")?;
        let v = stmt
            .query_map([banco], |r| {
                Ok(MidiaEnviada { nome: r.get(0)?, bytes: r.get::<_, i64>(1)? as u64, removido_ms: r.get(2)? })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(v)
    }

    /// Records media files of `banco` as in the bucket since `enviado_ms` (replacing what was
    /// known of them), in one transaction.
    pub fn midias_gravar(&self, banco: &str, midias: &[MidiaEnviada], enviado_ms: i64) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO midias (banco, nome, bytes, enviado_ms, removido_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for m in midias {
                stmt.execute(params![banco, m.nome, m.bytes as i64, enviado_ms, m.removido_ms])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Sets when these files of `banco` were seen gone (`None`: back in the folder).
    pub fn midias_marcar_removidas(&self, banco: &str, nomes: &[String], removido_ms: Option<i64>) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached("UPDATE midias SET removido_ms = ?3 WHERE banco = ?1 AND nome = ?2")?;
            for nome in nomes {
                stmt.execute(params![banco, nome, removido_ms])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Files of `banco` seen gone before `antes_de_ms`: (name, when).
    pub fn midias_removidas_antes(&self, banco: &str, antes_de_ms: i64) -> Result<Vec<(String, i64)>> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT nome, removido_ms FROM midias WHERE banco = ?1 AND removido_ms < ?2 ORDER BY nome",
        )?;
        let v = stmt
            .query_map(params![banco, antes_de_ms], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(v)
    }

    /// Every file of `banco` not yet seen gone is gone at `removido_ms` (its empresa was purged).
    pub fn midias_todas_removidas(&self, banco: &str, removido_ms: i64) -> Result<()> {
        self.lock().execute(
            "UPDATE midias SET removido_ms = ?2 WHERE banco = ?1 AND removido_ms IS NULL",
            params![banco, removido_ms],
        )?;
        Ok(())
    }

    /// Forgets files of `banco` (they left the bucket); every file with `None`.
    pub fn midias_esquecer(&self, banco: &str, nomes: Option<&[String]>) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        match nomes {
            Some(nomes) => {
                let mut stmt = tx.prepare_cached("DELETE FROM midias WHERE banco = ?1 AND nome = ?2")?;
                for nome in nomes {
                    stmt.execute(params![banco, nome])?;
                }
            }
            None => {
                tx.execute("DELETE FROM midias WHERE banco = ?1", [banco])?;
                tx.execute("DELETE FROM pastas_midia WHERE banco = ?1", [banco])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The media folder's fingerprint of `banco` when it was last wholly shipped.
    pub fn pasta_midia(&self, banco: &str) -> Result<Option<String>> {
        Ok(self
            .lock()
            .query_row("SELECT impressao FROM pastas_midia WHERE banco = ?1", [banco], |r| r.get(0))
            .optional()?)
    }

    /// Records (or forgets, with `None`) that fingerprint.
    pub fn definir_pasta_midia(&self, banco: &str, impressao: Option<&str>) -> Result<()> {
        let conn = self.lock();
        match impressao {
            Some(i) => conn
                .prepare_cached("INSERT OR REPLACE INTO pastas_midia (banco, impressao) VALUES (?1, ?2)")?
                .execute(params![banco, i])?,
            None => conn.execute("DELETE FROM pastas_midia WHERE banco = ?1", [banco])?,
        };
        Ok(())
    }

    /// Every media folder fingerprint (a restart compares them with the folders).
    pub fn pastas_midia(&self) -> Result<HashMap<String, String>> {
        let conn = self.lock();
        let mut stmt = conn.prepare("SELECT banco, impressao FROM pastas_midia")?;
        let v = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        Ok(v)
    }

    /// Databases with media files in the bucket.
    pub fn bancos_com_midias(&self) -> Result<Vec<String>> {
        let conn = self.lock();
        let mut stmt = conn.prepare("SELECT DISTINCT banco FROM midias ORDER BY banco")?;
        let v = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(v)
    }

    /// Media files with a copy (still in their folder) and their sealed bytes.
    pub fn midias_totais(&self) -> Result<(u64, u64)> {
        Ok(self.lock().query_row(
            "SELECT count(*), coalesce(sum(bytes), 0) FROM midias WHERE removido_ms IS NULL",
            [],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_state_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let db = EstadoReplicaDb::open(&dir.path().join("replica.db")).unwrap();
        let m = |nome: &str, bytes, removido_ms| MidiaEnviada { nome: nome.into(), bytes, removido_ms };
        db.midias_gravar("empresa_1_a", &[m("aa", 10, None), m("bb", 20, None)], 5).unwrap();
        db.midias_gravar("empresa_2_b", &[m("cc", 30, None)], 5).unwrap();
        assert_eq!(db.midias("empresa_1_a").unwrap(), vec![m("aa", 10, None), m("bb", 20, None)]);
        assert_eq!(db.midias_totais().unwrap(), (3, 60));
        db.midias_marcar_removidas("empresa_1_a", &["bb".into()], Some(99)).unwrap();
        assert_eq!(db.midias("empresa_1_a").unwrap()[1], m("bb", 20, Some(99)));
        assert_eq!(db.midias_totais().unwrap(), (2, 40), "a removed file no longer counts as copied");
        assert_eq!(db.midias_removidas_antes("empresa_1_a", 100).unwrap(), vec![("bb".to_owned(), 99)]);
        assert!(db.midias_removidas_antes("empresa_1_a", 99).unwrap().is_empty());
        db.midias_marcar_removidas("empresa_1_a", &["bb".into()], None).unwrap();
        assert_eq!(db.midias("empresa_1_a").unwrap()[1].removido_ms, None, "back in the folder");
        db.midias_todas_removidas("empresa_2_b", 50).unwrap();
        assert_eq!(db.midias("empresa_2_b").unwrap(), vec![m("cc", 30, Some(50))]);
        db.midias_todas_removidas("empresa_2_b", 60).unwrap();
        assert_eq!(db.midias("empresa_2_b").unwrap()[0].removido_ms, Some(50), "the first removal is kept");
        db.midias_esquecer("empresa_1_a", Some(&["aa".into()])).unwrap();
        assert_eq!(db.midias("empresa_1_a").unwrap(), vec![m("bb", 20, None)]);
        assert_eq!(db.bancos_com_midias().unwrap(), vec!["empresa_1_a".to_owned(), "empresa_2_b".to_owned()]);
        db.definir_pasta_midia("empresa_2_b", Some("123")).unwrap();
        assert_eq!(db.pasta_midia("empresa_2_b").unwrap().as_deref(), Some("123"));
        assert_eq!(db.pastas_midia().unwrap().len(), 1);
        db.midias_esquecer("empresa_2_b", None).unwrap();
        assert!(db.midias("empresa_2_b").unwrap().is_empty());
        assert_eq!(db.pasta_midia("empresa_2_b").unwrap(), None, "the whole database forgotten");
        db.definir_pasta_midia("empresa_1_a", Some("1")).unwrap();
        db.limpar().unwrap();
        assert!(db.midias("empresa_1_a").unwrap().is_empty() && db.pastas_midia().unwrap().is_empty());
    }
}
