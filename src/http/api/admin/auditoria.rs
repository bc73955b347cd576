//! `/api/admin/auditoria`: the audit log, newest first, filterable.

use std::sync::Arc;

use super::{query_texto, query_valor};
use crate::app::App;
use crate::auth::Principal;
use crate::clock::normalizar_data_hora;
use crate::error::{Error, Result};
use crate::http::api::{Pagina, Paginacao};
use crate::http::{Request, Response};
use crate::store::central::FiltroAuditoria;

fn data(req: &Request, k: &str, fim_do_dia: bool) -> Result<Option<String>> {
    query_texto(req, k)
        .map(|v| {
            normalizar_data_hora(&v, fim_do_dia).ok_or_else(|| {
                Error::invalid("filtro_invalido", format!("{k} deve ser YYYY-MM-DD ou YYYY-MM-DD HH:MM:SS (UTC)"))
            })
        })
        .transpose()
}

/// `GET /api/admin/auditoria?empresa_id=&usuario_id=&acao=&desde=&ate=&limite=&cursor=`:
/// `acao` is a prefix (`empresa.` matches every empresa action); `desde`/`ate` are inclusive
/// UTC bounds, a date alone meaning the whole day.
pub fn listar(app: &Arc<App>, req: &Request, _p: &Principal) -> Result<Response> {
    let pag = Paginacao::from(req)?;
    let acao = query_texto(req, "acao");
    if acao.as_ref().is_some_and(|a| a.len() > 100 || a.contains(['%', '_'])) {
        return Err(Error::invalid("filtro_invalido", "acao deve ser um prefixo como empresa. ou usuario.criar"));
    }
    let f = FiltroAuditoria {
        empresa_id: query_valor(req, "empresa_id")?,
        usuario_id: query_valor(req, "usuario_id")?,
        acao,
        desde: data(req, "desde", false)?,
        ate: data(req, "ate", true)?,
        antes_de: pag.cursor,
        limite: pag.limite,
    };
    let itens = app.central.auditoria(&f)?;
    Ok(Response::ok(&Pagina::de(itens, pag.limite, |a| a.id)))
}
