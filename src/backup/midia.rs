//! Media files in backups, restores, exports and imports.
//!
//! - **Backups**: `backups/<database_name>/midia/<sha256>` is one content-addressed store
//!   shared by all of an empresa's backups (a file is immutable, so each is kept once and
//!   hard-linked from the live folder when the filesystem allows). After a backup, every file
//!   its copy uses is there; files no kept backup uses any more are removed with the backups
//!   the retention removed. Copying `backups/` off-site copies the media with the databases.
//! - **Restore**: the files the restored database uses and the live folder lacks come back
//!   from that store.
//! - **Export/import**: the export file carries its files in a table
//!   (`store::backup::TABELA_MIDIAS_EXPORTADAS`); the import writes them into the new
//!   empresa's folder, and the live file loses the table.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::media::{arquivo_em, escrever_em, sha_valido};
use crate::store::backup::{embutir_midias, extrair_midias, midia_shas_do_arquivo};

/// The media store of an empresa's backup folder.
pub fn pasta_backup(pasta_empresa: &Path) -> PathBuf {
    pasta_empresa.join("midia")
}

/// Links (or copies) `origem/<sha>` to `destino/<sha>` unless it is there already.
fn levar(origem: &Path, destino: &Path, sha: &str) -> Result<bool> {
    let de = arquivo_em(origem, sha)?;
    let para = arquivo_em(destino, sha)?;
    if para.exists() {
        return Ok(true);
    }
    if !de.is_file() {
        return Ok(false);
    }
    std::fs::create_dir_all(destino).map_err(|e| Error::io(destino, e))?;
    if std::fs::hard_link(&de, &para).is_err() {
        let bytes = std::fs::read(&de).map_err(|e| Error::io(&de, e))?;
        escrever_em(destino, sha, &bytes)?;
    }
    Ok(true)
}

/// After a backup `copia` of an empresa whose live media folder is `viva`: every file the
/// copy uses goes into the backup store, then files no remaining backup (`backups`) uses
/// leave it. Returns how many files the copy uses that the live folder lacked (logged).
pub fn guardar_no_backup(copia: &Path, viva: &Path, pasta_empresa: &Path, backups: &[PathBuf]) -> Result<usize> {
    let loja = pasta_backup(pasta_empresa);
    let mut faltando = 0;
    for sha in midia_shas_do_arquivo(copia)? {
        if !levar(viva, &loja, &sha)? {
            faltando += 1;
        }
    }
    if faltando > 0 {
        log::warn!("backup {}: {faltando} arquivo(s) de mídia ausente(s) na pasta viva", copia.display());
    }
    let mut em_uso: HashSet<String> = HashSet::new();
    for b in backups {
        match midia_shas_do_arquivo(b) {
            Ok(shas) => em_uso.extend(shas),
            // An unreadable backup keeps every file: never delete what it might need.
            Err(e) => {
                log::warn!("backup {}: não foi possível ler as mídias ({e}); nada removido", b.display());
                return Ok(faltando);
            }
        }
    }
    let Ok(entradas) = std::fs::read_dir(&loja) else { return Ok(faltando) };
    for entrada in entradas.flatten() {
        let nome = entrada.file_name().to_string_lossy().into_owned();
        if sha_valido(&nome) && !em_uso.contains(&nome) {
            let _ = std::fs::remove_file(entrada.path());
        }
    }
    Ok(faltando)
}

/// After a restore: the files the restored rows use (`shas`) that the live folder lacks come
/// back from the empresa's backup store. Returns how many are still missing.
pub fn restaurar_do_backup(shas: &[String], viva: &Path, pasta_empresa: &Path) -> Result<usize> {
    let loja = pasta_backup(pasta_empresa);
    let mut faltando = 0;
    for sha in shas {
        if !levar(&loja, viva, sha)? {
            faltando += 1;
        }
    }
    if faltando > 0 {
        log::warn!("restauração: {faltando} arquivo(s) de mídia não encontrado(s) nos backups");
    }
    Ok(faltando)
}

/// Puts the files the export `copia` uses (read from the live folder) into it.
pub fn embutir_na_exportacao(copia: &Path, viva: &Path) -> Result<usize> {
    let shas = midia_shas_do_arquivo(copia)?;
    embutir_midias(copia, &shas, |sha| {
        let path = arquivo_em(viva, sha)?;
        std::fs::read(&path).map_err(|e| Error::io(path, e))
    })
}

/// Writes the files an export carries into a new empresa's media folder, checking each
/// against its address.
pub fn extrair_da_exportacao(exportacao: &Path, viva: &Path) -> Result<usize> {
    extrair_midias(exportacao, |sha, bytes| {
        if crate::crypto::sha256_hex(bytes) != sha {
            return Err(Error::invalid("arquivo_invalido", format!("a exportação traz uma mídia corrompida ({sha})")));
        }
        escrever_em(viva, sha, bytes)
    })
}
