//! `/api/admin/...`: the superadmin's endpoints, one file per resource. Every handler runs
//! behind [`super::as_superadmin`] (401 without a session, 403 for any other role) and
//! audits each state change with the actor, the empresa, the action, the target and the IP.

pub mod assinaturas;
pub mod auditoria;
pub mod backups;
pub mod empresas;
pub mod evolution;
pub mod pagamentos;
pub mod planos;
pub mod replica;
pub mod sistema;
pub mod usuarios;

use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer};

use crate::app::App;
use crate::auth::Principal;
use crate::domain::EmpresaId;
use crate::error::{Error, Result};
use crate::http::{Request, Response};
use crate::store::central::NovaAuditoria;

/// A superadmin handler, after the route table has matched and before auth ran.
pub type AdminHandler<'r> = Box<dyn FnOnce(&Arc<App>, &Principal) -> Result<Response> + 'r>;

/// Records a superadmin action in the audit log.
pub(crate) fn auditar(
    app: &App,
    p: &Principal,
    empresa_id: Option<EmpresaId>,
    acao: &str,
    alvo: impl Into<String>,
    detalhes: Option<String>,
) -> Result<()> {
    app.central.auditar(&NovaAuditoria {
        usuario_id: Some(p.usuario.id),
        empresa_id,
        acao: acao.to_owned(),
        alvo: Some(alvo.into()),
        detalhes,
        ip: p.ip.clone(),
    })
}

/// For PATCH fields that distinguish absent (`None`) from `null` (`Some(None)`); use with
/// `#[serde(default, deserialize_with = "talvez")]`.
pub(crate) fn talvez<'de, D, T>(d: D) -> std::result::Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Some(Option::deserialize(d)?))
}

/// A non-empty query parameter.
pub(crate) fn query_texto(req: &Request, k: &str) -> Option<String> {
    req.query(k).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// A query parameter parsed with its type's `FromStr` (ids, papel, status...).
pub(crate) fn query_valor<T: FromStr<Err = Error>>(req: &Request, k: &str) -> Result<Option<T>> {
    query_texto(req, k).map(|v| v.parse()).transpose()
}

/// A boolean query parameter (`true`/`false`, `1`/`0`, `sim`/`nao`).
pub(crate) fn query_bool(req: &Request, k: &str) -> Result<Option<bool>> {
    match query_texto(req, k).as_deref() {
        None => Ok(None),
        Some("true" | "1" | "sim") => Ok(Some(true)),
        Some("false" | "0" | "nao" | "não") => Ok(Some(false)),
        Some(_) => Err(Error::invalid("filtro_invalido", format!("{k} deve ser true ou false"))),
    }
}

/// Trims optional free text; empty becomes `None`; longer than `max` characters is a 400.
pub(crate) fn texto_opcional(campo: &str, v: Option<String>, max: usize) -> Result<Option<String>> {
    let v = v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    if v.as_ref().is_some_and(|s| s.chars().count() > max) {
        return Err(Error::invalid("campo_invalido", format!("{campo} pode ter até {max} caracteres")));
    }
    Ok(v)
}
