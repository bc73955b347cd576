//! SQL for copies of whole database files: online backups (`VACUUM INTO`), checking a
//! candidate file before a restore or an import, stamping an export's `meta`, the media
//! files an export carries (and which files a copy uses), and reading every row of every
//! table (to verify a copy table by table).
//!
//! Everything here works on paths and plain connections, never on a pool: a copy is taken
//! through its own read connection, so writers on the pool go on (WAL) while it runs.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use crate::domain::{EmpresaId, Setor};
use crate::error::{Error, Result};
use crate::store::{integrity_check, migrate};

/// The `meta` key under which an export carries its empresa row as JSON.
pub const META_EMPRESA_JSON: &str = "empresa_json";
/// The `meta` key with the export's UTC time.
pub const META_EXPORTADO_EM: &str = "exportado_em";

/// What a candidate file (backup, upload, export) says about itself once checked.
#[derive(Debug, Clone)]
pub struct ArquivoVerificado {
    pub empresa_id: EmpresaId,
    pub slug: String,
    pub setor: Setor,
    pub schema_version: u32,
    /// The empresa row of an export (`meta.empresa_json`), when present.
    pub empresa_json: Option<String>,
}

fn open_rw(path: &Path) -> Result<Connection> {
    Ok(Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?)
}

/// Writes a consistent copy of the live database at `src` into `dest` (which must not
/// exist) with `VACUUM INTO`: one read transaction, so concurrent writers are not blocked
/// and the copy holds exactly the transactions committed before it started. The copy is
/// then switched to WAL (like every live file), checked with `PRAGMA integrity_check` and
/// closed, so it is one self-contained file.
pub fn copiar_online(src: &Path, dest: &Path) -> Result<()> {
    if !src.is_file() {
        return Err(Error::Store(format!("arquivo ausente: {}", src.display())));
    }
    let dest_str = dest.to_str().ok_or_else(|| Error::Internal(format!("caminho não UTF-8: {}", dest.display())))?;
    {
        let conn = open_rw(src)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.execute("VACUUM INTO ?1", [dest_str])?;
    }
    finalizar_copia(dest, true)
}

/// Puts a copied file in its final shape: optional WAL mode, integrity checked, WAL
/// folded in and closed (no -wal/-shm left).
fn finalizar_copia(path: &Path, wal: bool) -> Result<()> {
    let conn = open_rw(path)?;
    let mode = if wal { "WAL" } else { "DELETE" };
    let got: String = conn.query_row(&format!("PRAGMA journal_mode = {mode}"), [], |r| r.get(0))?;
    if !got.eq_ignore_ascii_case(mode) {
        return Err(Error::Store(format!("journal_mode {mode} recusado: {got}")));
    }
    integrity_check(&conn)?;
    if wal {
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    conn.close().map_err(|(_, e)| Error::from(e))
}

/// Checks a candidate tenant file that was copied to a private staging path: it is a
/// SQLite database, passes `integrity_check`, has a tenant `meta`, and its schema is not
/// newer than this binary. Refusals are 400s with a pt-BR reason, never a 500.
pub fn verificar_tenant(path: &Path) -> Result<ArquivoVerificado> {
    let invalido = |motivo: String| Error::invalid("arquivo_invalido", motivo);
    let conn = open_rw(path).map_err(|_| invalido("o arquivo não é um banco SQLite legível".into()))?;
    let check: rusqlite::Result<String> = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0));
    match check {
        Ok(v) if v == "ok" => {}
        Ok(v) => return Err(invalido(format!("o arquivo está corrompido (integrity_check: {v})"))),
        Err(_) => return Err(invalido("o arquivo não é um banco SQLite válido ou está corrompido".into())),
    }
    let version = migrate::user_version(&conn)?;
    let get = |k: &str| -> Result<Option<String>> {
        conn.query_row("SELECT valor FROM meta WHERE chave = ?1", [k], |r| r.get(0))
            .optional()
            .map_err(|_| invalido("o arquivo não é um banco de tenant do HelixAI (sem a tabela meta)".into()))
    };
    let need = |k: &str| -> Result<String> {
        get(k)?.ok_or_else(|| invalido(format!("o arquivo não é um banco de tenant do HelixAI (meta sem {k})")))
    };
    let empresa_id = need("empresa_id")?
        .parse::<i64>()
        .map(EmpresaId)
        .map_err(|_| invalido("meta.empresa_id inválido no arquivo".into()))?;
    let slug = need("slug")?;
    let setor: Setor = need("setor")?.parse().map_err(|_| invalido("meta.setor inválido no arquivo".into()))?;
    let supported = migrate::tenant_version();
    if version > supported {
        return Err(invalido(format!(
            "o arquivo está na versão de esquema {version}, mais nova que a suportada por este binário \
             ({supported}); atualize o HelixAI"
        )));
    }
    Ok(ArquivoVerificado { empresa_id, slug, setor, schema_version: version, empresa_json: get(META_EMPRESA_JSON)? })
}

/// Turns a staged copy into the live file of `empresa_id`/`slug`: migrates it to this
/// binary's schema, rewrites its `meta` identity, drops export-only keys, switches it to
/// WAL and folds the WAL in, so a rename moves one complete file.
pub fn preparar_para_tenant(path: &Path, empresa_id: EmpresaId, slug: &str, setor: Setor) -> Result<()> {
    {
        let mut conn = open_rw(path)?;
        crate::store::configure(&conn, 512)?;
        migrate::tenant(&mut conn, path, setor)?;
        let tx = conn.transaction()?;
        for (k, v) in [("empresa_id", empresa_id.to_string()), ("slug", slug.to_owned()), ("setor", setor.to_string())]
        {
            tx.execute("INSERT OR REPLACE INTO meta (chave, valor) VALUES (?1, ?2)", params![k, v])?;
        }
        tx.execute("DELETE FROM meta WHERE chave IN (?1, ?2)", params![META_EMPRESA_JSON, META_EXPORTADO_EM])?;
        let tinha_midias = tem_tabela(&tx, TABELA_MIDIAS_EXPORTADAS)?;
        tx.execute_batch(&format!("DROP TABLE IF EXISTS {TABELA_MIDIAS_EXPORTADAS}"))?;
        tx.commit()?;
        if tinha_midias {
            // The files were extracted by the import; their pages must not stay in the live file.
            conn.execute_batch("VACUUM")?;
        }
    }
    finalizar_copia(path, true)
}

/// The table an export carries its media files in: `(sha256, conteudo)`.
pub const TABELA_MIDIAS_EXPORTADAS: &str = "midia_arquivos_exportados";

fn tem_tabela(conn: &Connection, nome: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
        [nome],
        |r| r.get(0),
    )?)
}

/// The media files (content addresses) a tenant file's rows use; none for a file from before
/// media existed.
/// A closed copy (a backup, an export being written), never a live tenant file: its
/// connection is the only one, so closing it leaves no `-wal`/`-shm` beside the file.
pub fn midia_shas_do_arquivo(path: &Path) -> Result<Vec<String>> {
    let conn = open_rw(path)?;
    let shas = if tem_tabela(&conn, "midias")? {
        let mut stmt = conn.prepare("SELECT DISTINCT sha256 FROM midias WHERE sha256 IS NOT NULL ORDER BY sha256")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<Vec<String>>>()?
    } else {
        Vec::new()
    };
    conn.close().map_err(|(_, e)| Error::from(e))?;
    Ok(shas)
}

/// Puts media files into an export copy (one row per file, `ler` gives each file's bytes),
/// so the export stays one self-describing file. Returns how many went in.
pub fn embutir_midias(path: &Path, shas: &[String], mut ler: impl FnMut(&str) -> Result<Vec<u8>>) -> Result<usize> {
    let mut conn = open_rw(path)?;
    let tx = conn.transaction()?;
    tx.execute_batch(&format!(
        "CREATE TABLE {TABELA_MIDIAS_EXPORTADAS} (sha256 TEXT PRIMARY KEY, conteudo BLOB NOT NULL)"
    ))?;
    {
        let mut stmt =
            tx.prepare(&format!("INSERT INTO {TABELA_MIDIAS_EXPORTADAS} (sha256, conteudo) VALUES (?1, ?2)"))?;
        for sha in shas {
            stmt.execute(params![sha, ler(sha)?])?;
        }
    }
    tx.commit()?;
    Ok(shas.len())
}

/// Hands every media file an export carries to `guardar(sha256, bytes)`; returns how many.
pub fn extrair_midias(path: &Path, mut guardar: impl FnMut(&str, &[u8]) -> Result<()>) -> Result<usize> {
    let conn = open_rw(path)?;
    if !tem_tabela(&conn, TABELA_MIDIAS_EXPORTADAS)? {
        return Ok(0);
    }
    let mut stmt = conn.prepare(&format!("SELECT sha256, conteudo FROM {TABELA_MIDIAS_EXPORTADAS} ORDER BY sha256"))?;
    let mut rows = stmt.query([])?;
    let mut n = 0;
    while let Some(r) = rows.next()? {
        let sha: String = r.get(0)?;
        let bytes = r.get_ref(1)?.as_blob().map_err(|e| Error::Store(format!("mídia exportada ilegível: {e}")))?;
        guardar(&sha, bytes)?;
        n += 1;
    }
    Ok(n)
}

/// Stamps an export: the empresa row (JSON) and the export time go into `meta`; the file is
/// left in rollback-journal mode so it is one portable file.
pub fn carimbar_exportacao(path: &Path, empresa_json: &str, exportado_em: &str) -> Result<()> {
    {
        let conn = open_rw(path)?;
        for (k, v) in [(META_EMPRESA_JSON, empresa_json), (META_EXPORTADO_EM, exportado_em)] {
            conn.execute("INSERT OR REPLACE INTO meta (chave, valor) VALUES (?1, ?2)", params![k, v])?;
        }
    }
    finalizar_copia(path, false)
}

/// Folds a closed database's WAL into its main file (before a rename moves it).
pub fn checkpoint(path: &Path) -> Result<()> {
    let conn = open_rw(path)?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    conn.close().map_err(|(_, e)| Error::from(e))
}

/// Checks a plain database file (e.g. a central backup) with `integrity_check`.
pub fn verificar_integridade(path: &Path) -> Result<()> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    integrity_check(&conn)
}

/// Every row of every table of a database file, rendered as text, table by table (rows in
/// rowid/primary-key order). For verifying copies and round trips.
pub fn conteudo_tabelas(path: &Path) -> Result<BTreeMap<String, Vec<Vec<String>>>> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    let mut names = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")?;
    let tables: Vec<String> = names.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    let mut out = BTreeMap::new();
    for t in tables {
        let quoted = t.replace('"', "\"\"");
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{quoted}\" ORDER BY 1"))?;
        let cols = stmt.column_count();
        let rows = stmt.query_map([], |r| {
            (0..cols)
                .map(|i| {
                    Ok(match r.get_ref(i)? {
                        ValueRef::Null => "NULL".to_owned(),
                        ValueRef::Integer(n) => n.to_string(),
                        ValueRef::Real(f) => f.to_string(),
                        ValueRef::Text(s) => format!("'{}'", String::from_utf8_lossy(s)),
                        ValueRef::Blob(b) => format!("x'{}'", hex::encode(b)),
                    })
                })
                .collect::<rusqlite::Result<Vec<String>>>()
        })?;
        out.insert(t, rows.collect::<rusqlite::Result<_>>()?);
    }
    Ok(out)
}
