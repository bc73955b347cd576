//! `/api/admin/planos`: list, create and replace planos (limits of messages per month,
//! usuarios and catalog items; price in centavos).

use std::sync::Arc;

use super::auditar;
use crate::app::App;
use crate::auth::Principal;
use crate::domain::PlanoId;
use crate::error::Result;
use crate::http::api::{Pagina, Paginacao};
use crate::http::{Request, Response};
use crate::store::central::NovoPlano;

/// `GET /api/admin/planos?limite=&cursor=` → page of `Plano` (ascending id).
pub fn listar(app: &Arc<App>, req: &Request, _p: &Principal) -> Result<Response> {
    let pag = Paginacao::from(req)?;
    let itens: Vec<_> = app
        .central
        .planos()?
        .into_iter()
        .filter(|p| pag.cursor.is_none_or(|c| p.id.0 > c))
        .take(pag.limite as usize)
        .collect();
    Ok(Response::ok(&Pagina::de(itens, pag.limite, |p| p.id.0)))
}

fn resumo(p: &NovoPlano) -> String {
    let lim = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_else(|| "ilimitado".into());
    format!(
        "preco {} centavos, mensagens/mês {}, usuarios {}, itens {}, ativo {}",
        p.preco_centavos,
        lim(p.limite_mensagens_mes),
        lim(p.limite_usuarios),
        lim(p.limite_itens_catalogo),
        p.ativo
    )
}

/// `POST /api/admin/planos` `NovoPlano` → 201 `Plano` (409 `plano_duplicado`).
pub fn criar(app: &Arc<App>, req: &Request, p: &Principal) -> Result<Response> {
    let novo: NovoPlano = req.json()?;
    let plano = app.central.plano_criar(&novo)?;
    auditar(app, p, None, "plano.criar", format!("plano {} {:?}", plano.id, plano.nome), Some(resumo(&novo)))?;
    Ok(Response::json(201, &plano))
}

/// `PUT /api/admin/planos/{id}` `NovoPlano` → `Plano`.
pub fn atualizar(app: &Arc<App>, req: &Request, p: &Principal, id: &str) -> Result<Response> {
    let id: PlanoId = id.parse()?;
    let novo: NovoPlano = req.json()?;
    let plano = app.central.plano_atualizar(id, &novo)?;
    auditar(app, p, None, "plano.atualizar", format!("plano {} {:?}", plano.id, plano.nome), Some(resumo(&novo)))?;
    Ok(Response::ok(&plano))
}
