//! `/api/admin/empresas/{id}/backups`: list a tenant's backups, take one now, download one,
//! restore one. Thin handlers over `backup` (which does the consistent copy, the checks and
//! the swap while only that tenant pauses); every action is audited.

use std::sync::Arc;

use serde::Serialize;

use super::auditar;
use crate::app::App;
use crate::auth::Principal;
use crate::backup::{self, BackupInfo};
use crate::domain::EmpresaId;
use crate::error::{Error, Result};
use crate::http::Response;

#[derive(Serialize)]
struct Lista {
    itens: Vec<BackupInfo>,
}

/// `GET /api/admin/empresas/{id}/backups` → newest first.
pub fn listar(app: &Arc<App>, id: &str) -> Result<Response> {
    let e = app.empresa(id.parse()?)?;
    Ok(Response::ok(&Lista { itens: backup::listar_backups(app, &e)? }).for_empresa(e.id))
}

/// `POST /api/admin/empresas/{id}/backups` → 201 the new backup (verified with integrity_check).
pub fn criar(app: &Arc<App>, p: &Principal, id: &str) -> Result<Response> {
    let e = app.empresa(id.parse()?)?;
    let info = backup::fazer_backup(app, &e)?;
    auditar(app, p, Some(e.id), "backup.criar", info.arquivo.clone(), None)?;
    Ok(Response::json(201, &info).for_empresa(e.id))
}

/// `GET /api/admin/empresas/{id}/backups/{arquivo}` → the file (application/vnd.sqlite3).
pub fn baixar(app: &Arc<App>, p: &Principal, id: &str, arquivo: &str) -> Result<Response> {
    let e = app.empresa(id.parse()?)?;
    let caminho = backup::caminho_backup(app, &e, arquivo)?;
    let bytes = std::fs::read(&caminho).map_err(|err| Error::io(&caminho, err))?;
    auditar(app, p, Some(e.id), "backup.baixar", arquivo.to_owned(), None)?;
    Ok(Response::bytes(200, "application/vnd.sqlite3", bytes)
        .with_header("Content-Disposition", format!("attachment; filename=\"{}-{arquivo}\"", e.slug))
        .for_empresa(e.id))
}

/// `POST /api/admin/empresas/{id}/backups/{arquivo}/restaurar` → what was done. A corrupt or
/// foreign file is refused (400) and the tenant keeps serving its current data.
pub fn restaurar(app: &Arc<App>, p: &Principal, id: &str, arquivo: &str) -> Result<Response> {
    let id: EmpresaId = id.parse()?;
    let e = app.empresa(id)?;
    let r = backup::restaurar_backup(app, &e, arquivo)?;
    auditar(app, p, Some(id), "backup.restaurar", arquivo.to_owned(), r.arquivo_anterior.clone())?;
    Ok(Response::ok(&r).for_empresa(id))
}
