//! `/api/admin/assinaturas`: list (filters), create, change. See
//! `store::central::assinaturas` for the life cycle (ativa → atrasada → suspensa).

use std::sync::Arc;

use serde::Deserialize;

use super::{auditar, query_valor, talvez};
use crate::app::App;
use crate::auth::Principal;
use crate::clock::normalizar_data_hora;
use crate::domain::{AssinaturaId, EmpresaId, PlanoId};
use crate::error::{Error, Result};
use crate::http::api::{Pagina, Paginacao};
use crate::http::{Request, Response};
use crate::store::central::{AlteraAssinatura, FiltroAssinaturas, NovaAssinatura, StatusAssinatura};

/// `GET /api/admin/assinaturas?empresa_id=&plano_id=&status=&limite=&cursor=` (ascending id).
pub fn listar(app: &Arc<App>, req: &Request, _p: &Principal) -> Result<Response> {
    let pag = Paginacao::from(req)?;
    let f = FiltroAssinaturas {
        empresa_id: query_valor(req, "empresa_id")?,
        plano_id: query_valor(req, "plano_id")?,
        status: query_valor::<StatusAssinatura>(req, "status")?,
        depois_de: pag.cursor,
        limite: pag.limite,
    };
    let itens = app.central.assinaturas(&f)?;
    Ok(Response::ok(&Pagina::de(itens, pag.limite, |a| a.id.0)))
}

fn vencimento(v: Option<String>) -> Result<Option<String>> {
    v.filter(|s| !s.trim().is_empty())
        .map(|s| {
            normalizar_data_hora(&s, false).ok_or_else(|| {
                Error::invalid("data_invalida", "proximo_vencimento deve ser YYYY-MM-DD ou YYYY-MM-DD HH:MM:SS (UTC)")
            })
        })
        .transpose()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NovaAssinaturaApi {
    empresa_id: EmpresaId,
    plano_id: PlanoId,
    #[serde(default)]
    proximo_vencimento: Option<String>,
}

/// `POST /api/admin/assinaturas` `{empresa_id, plano_id, proximo_vencimento?}` → 201
/// `Assinatura` (status ativa; its plano becomes the empresa's plano).
pub fn criar(app: &Arc<App>, req: &Request, p: &Principal) -> Result<Response> {
    let body: NovaAssinaturaApi = req.json()?;
    let nova = NovaAssinatura {
        empresa_id: body.empresa_id,
        plano_id: body.plano_id,
        proximo_vencimento: vencimento(body.proximo_vencimento)?,
    };
    let a = app.central.assinatura_criar(&nova)?;
    let venc = a.proximo_vencimento.as_deref().and_then(crate::clock::unix_de_sqlite).map(crate::clock::data_br);
    let detalhes = format!("plano {}, vencimento {}", a.plano_id, venc.as_deref().unwrap_or("-"));
    auditar(app, p, Some(a.empresa_id), "assinatura.criar", format!("assinatura {}", a.id), Some(detalhes))?;
    Ok(Response::json(201, &a).for_empresa(a.empresa_id))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlteraAssinaturaApi {
    #[serde(default)]
    plano_id: Option<PlanoId>,
    #[serde(default, deserialize_with = "talvez")]
    proximo_vencimento: Option<Option<String>>,
    #[serde(default)]
    status: Option<StatusAssinatura>,
}

/// `PATCH /api/admin/assinaturas/{id}` `{plano_id?, proximo_vencimento?, status?}` →
/// `Assinatura`. Status `suspensa` suspends the empresa; leaving it for ativa/atrasada
/// reactivates it; `cancelada` leaves the empresa as it is.
pub fn atualizar(app: &Arc<App>, req: &Request, p: &Principal, id: &str) -> Result<Response> {
    let id: AssinaturaId = id.parse()?;
    let body: AlteraAssinaturaApi = req.json()?;
    let altera = AlteraAssinatura {
        plano_id: body.plano_id,
        proximo_vencimento: body.proximo_vencimento.map(vencimento).transpose()?,
        status: body.status,
    };
    let (a, efeito) = app.central.assinatura_atualizar(id, &altera)?;
    let detalhes = format!(
        "plano {}, status {}, vencimento {}",
        a.plano_id,
        a.status.as_str(),
        a.proximo_vencimento.as_deref().unwrap_or("-")
    );
    auditar(app, p, Some(a.empresa_id), "assinatura.atualizar", format!("assinatura {}", a.id), Some(detalhes))?;
    if let Some(ativo) = efeito {
        let acao = if ativo { "empresa.reativar" } else { "empresa.suspender" };
        let motivo = format!("assinatura {} passou a {}", a.id, a.status.as_str());
        auditar(app, p, Some(a.empresa_id), acao, format!("empresa {}", a.empresa_id), Some(motivo))?;
    }
    Ok(Response::ok(&a).for_empresa(a.empresa_id))
}
