//! Backups and restores of tenant files and of the central db, while the server runs.
//!
//! Layout: `data/backups/<database_name>/<UTC timestamp>.db` (central: `data/backups/helixai/`),
//! and the media files the empresa's backups use in `data/backups/<database_name>/midia/`
//! ([`midia`]).
//! A backup is an online, consistent copy (`VACUUM INTO` on its own read connection, so
//! writers go on), written under a temporary name, checked with `PRAGMA integrity_check`,
//! then linked into place without ever overwriting another backup; the newest
//! `backup_keep` are kept. A restore checks the candidate (integrity, same empresa, schema
//! not newer), keeps the current file as `<name>.db.antes-da-restauracao-<ts>`, and swaps
//! the file while the tenant is closed ([`crate::store::TenantManager::exclusivo`]); other
//! tenants never pause. Export/import live in [`transferencia`], the schedule in [`agenda`].
//!
//! These functions are what the superadmin API calls; the CLI uses them too.

pub mod agenda;
pub mod midia;
pub mod transferencia;

use std::path::{Path, PathBuf};
use std::sync::{RwLock, RwLockReadGuard};
use std::time::Duration;

use serde::Serialize;

use crate::app::App;
use crate::clock;
use crate::error::{Error, Result};
use crate::store::backup::{copiar_online, preparar_para_tenant, verificar_tenant};
use crate::store::central::Empresa;
use crate::store::tenant::remove_db_files;

/// The folder name (under `backups/`) and the metrics label of the central db's backups.
pub const CENTRAL: &str = "helixai";

/// Copies of live tenant files (read) versus a restore's swap (write): a copy's own
/// connection must never be open on a file while it is renamed away, or closing it could
/// delete the new file's WAL by name.
static TROCA: RwLock<()> = RwLock::new(());

/// Holds the copy side of [`TROCA`] while copying a live file.
pub(crate) fn copiando() -> RwLockReadGuard<'static, ()> {
    TROCA.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How long a restore waits for requests still using the tenant before giving up.
const ESPERA_RESTAURACAO: Duration = Duration::from_secs(30);

/// One backup file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupInfo {
    /// The file name, e.g. `20261128T130405Z.db` (what the API names it by).
    pub arquivo: String,
    /// When it was taken, UTC `YYYY-MM-DD HH:MM:SS`.
    pub criado_em: String,
    pub tamanho_bytes: u64,
    /// Full path (not serialized: never shown to API clients).
    #[serde(skip)]
    pub caminho: PathBuf,
}

/// What a restore did.
#[derive(Debug, Clone, Serialize)]
pub struct Restauracao {
    /// The schema version of the restored file (migrated on next access if older).
    pub schema_version: u32,
    /// Where the file that was live before the restore was kept, if there was one.
    #[serde(skip)]
    pub copia_anterior: Option<PathBuf>,
    /// Its file name, for people.
    pub arquivo_anterior: Option<String>,
}

/// The backup folder of an empresa.
pub fn pasta_empresa(app: &App, empresa: &Empresa) -> PathBuf {
    app.data.backups().join(empresa.database_name.as_str())
}

/// Parses a backup file name `YYYYMMDDTHHMMSSZ[-N].db` into its sort key.
fn chave(nome: &str) -> Option<(String, u32)> {
    let stem = nome.strip_suffix(".db")?;
    let (ts, n) = match stem.split_once('-') {
        Some((ts, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => (ts, n.parse().ok()?),
        Some(_) => return None,
        None => (stem, 0),
    };
    let b = ts.as_bytes();
    let ok = b.len() == 16 && b[8] == b'T' && b[15] == b'Z' && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit);
    ok.then(|| (ts.to_owned(), n))
}

/// `20261128T130405Z` → `2026-11-28 13:04:05`.
fn criado_em(ts: &str) -> String {
    format!("{}-{}-{} {}:{}:{}", &ts[0..4], &ts[4..6], &ts[6..8], &ts[9..11], &ts[11..13], &ts[13..15])
}

/// The backups in a folder, newest first. A missing folder is an empty list.
pub fn listar_pasta(dir: &Path) -> Result<Vec<BackupInfo>> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let nome = entry.file_name().to_string_lossy().into_owned();
        let Some((ts, n)) = chave(&nome) else { continue };
        let tamanho_bytes = entry.metadata().map(|m| m.len()).unwrap_or(0);
        out.push((
            (ts.clone(), n),
            BackupInfo { criado_em: criado_em(&ts), arquivo: nome, tamanho_bytes, caminho: entry.path() },
        ));
    }
    out.sort_by(|a, b| b.0.cmp(&a.0));
    Ok(out.into_iter().map(|(_, b)| b).collect())
}

/// An empresa's backups, newest first.
pub fn listar_backups(app: &App, empresa: &Empresa) -> Result<Vec<BackupInfo>> {
    listar_pasta(&pasta_empresa(app, empresa))
}

/// The path of one of an empresa's backups by file name (for download or restore through
/// the API). Only a name from [`listar_backups`] is accepted: no paths, no traversal.
pub fn caminho_backup(app: &App, empresa: &Empresa, arquivo: &str) -> Result<PathBuf> {
    if chave(arquivo).is_none() {
        return Err(Error::invalid("backup_invalido", format!("nome de backup inválido: {arquivo:?}")));
    }
    let path = pasta_empresa(app, empresa).join(arquivo);
    if path.is_file() {
        Ok(path)
    } else {
        Err(Error::NotFound("backup"))
    }
}

/// Deletes all but the newest `keep` backups in a folder (`keep` = 0 keeps all). Returns how
/// many were removed.
pub fn aplicar_retencao(dir: &Path, keep: usize) -> Result<usize> {
    if keep == 0 {
        return Ok(0);
    }
    let mut removed = 0;
    for old in listar_pasta(dir)?.into_iter().skip(keep) {
        std::fs::remove_file(&old.caminho).map_err(|e| Error::io(&old.caminho, e))?;
        removed += 1;
    }
    Ok(removed)
}

/// Takes a verified online copy of the database at `src` into `dir`, then applies the
/// retention. Never overwrites an existing backup (two in the same second get `-1`, `-2`...).
pub fn copiar_para_pasta(src: &Path, dir: &Path, keep: usize) -> Result<BackupInfo> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let ts = clock::file_timestamp(clock::unix_now());
    let tmp =
        dir.join(format!(".{ts}.{}.{}.tmp", std::process::id(), crate::crypto::random_token().get(..8).unwrap_or("x")));
    remove_db_files(&tmp);
    let result = copiar_online(src, &tmp).and_then(|()| {
        // Past every backup of this same second, so names keep sorting in time order.
        let first = listar_pasta(dir)?
            .iter()
            .filter_map(|b| chave(&b.arquivo))
            .filter(|(t, _)| *t == ts)
            .map(|(_, n)| n + 1)
            .max()
            .unwrap_or(0);
        for n in first..first + 1000 {
            let nome = if n == 0 { format!("{ts}.db") } else { format!("{ts}-{n}.db") };
            let dest = dir.join(&nome);
            // hard_link fails if `dest` exists: an atomic no-clobber rename.
            match std::fs::hard_link(&tmp, &dest) {
                Ok(()) => {
                    let tamanho_bytes = std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0);
                    return Ok(BackupInfo { criado_em: criado_em(&ts), arquivo: nome, tamanho_bytes, caminho: dest });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::io(dest, e)),
            }
        }
        Err(Error::Internal(format!("nomes de backup esgotados em {}", dir.display())))
    });
    remove_db_files(&tmp);
    let info = result?;
    aplicar_retencao(dir, keep)?;
    Ok(info)
}

/// Backs up one empresa now (keeping the newest `app.config.backup_keep`), recording the
/// outcome in the metrics.
pub fn fazer_backup(app: &App, empresa: &Empresa) -> Result<BackupInfo> {
    let src = app.tenants.path_of(&empresa.database_name);
    let pasta = pasta_empresa(app, empresa);
    let _copiando = copiando();
    let result = copiar_para_pasta(&src, &pasta, app.config.backup_keep).and_then(|info| {
        // The media files the copy uses, kept once for all of the empresa's backups.
        let viva = crate::store::tenants::midia_dir(&app.data.tenants(), &empresa.database_name);
        let restantes: Vec<PathBuf> = listar_pasta(&pasta)?.into_iter().map(|b| b.caminho).collect();
        midia::guardar_no_backup(&info.caminho, &viva, &pasta, &restantes)?;
        Ok(info)
    });
    registrar(app, &empresa.slug, &result);
    result
}

/// Backs up the central db now, into `backups/helixai/`.
pub fn backup_central(app: &App) -> Result<BackupInfo> {
    let result = copiar_para_pasta(app.central.path(), &app.data.backups().join(CENTRAL), app.config.backup_keep);
    registrar(app, CENTRAL, &result);
    result
}

fn registrar(app: &App, nome: &str, result: &Result<BackupInfo>) {
    match result {
        Ok(_) => app.metrics.backup_sucesso(nome, clock::unix_now()),
        Err(e) => {
            log::error!("backup de {nome} falhou: {e}");
            app.metrics.backup_falha(nome);
        }
    }
}

/// Backs up the central db and every empresa, one after the other, going on past failures.
/// `progresso(feitos, total, nome, resultado)` is called after each one; `parar()` is
/// checked between them (the scheduler's shutdown). Returns every outcome, central first.
pub fn backup_todos(
    app: &App,
    mut progresso: impl FnMut(usize, usize, &str, &Result<BackupInfo>),
    parar: impl Fn() -> bool,
) -> Result<Vec<(String, Result<BackupInfo>)>> {
    let empresas = app.central.empresas()?;
    let total = empresas.len() + 1;
    let mut out = Vec::with_capacity(total);
    let central = backup_central(app);
    progresso(1, total, CENTRAL, &central);
    out.push((CENTRAL.to_owned(), central));
    for e in &empresas {
        if parar() {
            break;
        }
        let r = fazer_backup(app, e);
        progresso(out.len() + 1, total, &e.slug, &r);
        out.push((e.slug.clone(), r));
    }
    Ok(out)
}

/// Restores an empresa from `arquivo` (one of its backups, or an uploaded file). The file
/// is copied to a private name next to the live one and checked there: a corrupt file, a
/// file of another empresa, or a schema newer than this binary is refused with a pt-BR 400
/// and the tenant keeps serving untouched. Otherwise the current file is kept as
/// `<name>.db.antes-da-restauracao-<ts>` and the checked copy takes its place while the
/// tenant is closed; the next access opens (and, if older, migrates) the restored file.
pub fn restaurar(app: &App, empresa: &Empresa, arquivo: &Path) -> Result<Restauracao> {
    if !arquivo.is_file() {
        return Err(Error::invalid("arquivo_invalido", format!("arquivo não encontrado: {}", arquivo.display())));
    }
    let live = app.tenants.path_of(&empresa.database_name);
    let staging = live.with_extension(format!("db.restaurando-{}", std::process::id()));
    remove_db_files(&staging);
    let result = (|| {
        std::fs::copy(arquivo, &staging).map_err(|e| Error::io(&staging, e))?;
        let v = verificar_tenant(&staging)?;
        if v.empresa_id != empresa.id || v.slug != empresa.slug || v.setor != empresa.setor {
            return Err(Error::invalid(
                "backup_de_outra_empresa",
                format!(
                    "o arquivo pertence a outra empresa (id {}, slug {:?}); só é possível restaurar um backup \
                     da própria empresa (id {}, slug {:?})",
                    v.empresa_id, v.slug, empresa.id, empresa.slug
                ),
            ));
        }
        // Migrated (if older) and folded into one WAL-mode file before the tenant pauses.
        preparar_para_tenant(&staging, empresa.id, &empresa.slug, empresa.setor)?;
        let anterior =
            live.with_extension(format!("db.antes-da-restauracao-{}", clock::file_timestamp(clock::unix_now())));
        let _troca = TROCA.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        app.tenants.exclusivo(empresa.id, ESPERA_RESTAURACAO, || trocar(&live, &staging, &anterior))?;
        // The swapped-in file is a change the off-site replica must ship.
        app.tenants.alteracoes().marcar(empresa.id);
        // Media files the restored rows use come back from the backups' media store.
        let viva = crate::store::tenants::midia_dir(&app.data.tenants(), &empresa.database_name);
        let db = app.tenant_db(empresa)?;
        midia::restaurar_do_backup(&db.midia_shas()?, &viva, &pasta_empresa(app, empresa))?;
        app.tenants.alteracoes().marcar_midia(empresa.id);
        crate::media::Acervo::de(app, empresa, &db).atualizar_uso();
        Ok(Restauracao {
            // preparar_para_tenant migrated it to this binary's version.
            schema_version: crate::store::migrate::tenant_version(),
            arquivo_anterior: anterior
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .filter(|_| anterior.exists()),
            copia_anterior: Some(anterior).filter(|p| p.exists()),
        })
    })();
    remove_db_files(&staging);
    if let Err(e) = &result {
        log::info!("restauração de {} recusada: {e}", empresa.slug);
    } else {
        log::info!("empresa {} restaurada de {}", empresa.slug, arquivo.display());
    }
    result
}

/// Restores an empresa from one of its own backups, named as [`listar_backups`] lists it.
pub fn restaurar_backup(app: &App, empresa: &Empresa, arquivo: &str) -> Result<Restauracao> {
    restaurar(app, empresa, &caminho_backup(app, empresa, arquivo)?)
}

/// The swap itself, with the tenant closed: live → anterior, staging → live. Stale -wal/-shm
/// of the live name are removed first (the pool is closed, so they hold nothing committed
/// that the closing checkpoint did not already fold in). If the second rename fails the
/// first is undone.
fn trocar(live: &Path, staging: &Path, anterior: &Path) -> Result<()> {
    let had_live = live.exists();
    if had_live {
        crate::store::backup::checkpoint(live)?;
        std::fs::rename(live, anterior).map_err(|e| Error::io(anterior, e))?;
    }
    remove_db_files(live);
    if let Err(e) = std::fs::rename(staging, live) {
        if had_live {
            let _ = std::fs::rename(anterior, live);
        }
        return Err(Error::io(live, e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_names() {
        assert_eq!(chave("20261128T130405Z.db"), Some(("20261128T130405Z".into(), 0)));
        assert_eq!(chave("20261128T130405Z-12.db"), Some(("20261128T130405Z".into(), 12)));
        for bad in [
            "x.db",
            "20261128T130405Z",
            "20261128T130405Z-.db",
            "20261128T130405Z-a.db",
            "../a.db",
            ".20261128T130405Z.1.tmp",
        ] {
            assert_eq!(chave(bad), None, "{bad}");
        }
        assert_eq!(criado_em("20261128T130405Z"), "2026-11-28 13:04:05");
    }
}
