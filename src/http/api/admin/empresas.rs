//! `/api/admin/empresas`: list (with usage figures), create (the same path as `helixai tenant
//! create`), read, change, suspend/reactivate, delete (= suspend, the file stays) and purge.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{auditar, query_bool, query_texto, talvez};
use crate::app::App;
use crate::auth::Principal;
use crate::domain::{EmpresaId, PlanoId};
use crate::error::{Error, Result};
use crate::http::api::{Pagina, Paginacao};
use crate::http::{Request, Response};
use crate::provision::{criar_empresa, PedidoEmpresa};
use crate::store::central::{AlteraEmpresa, Empresa, FiltroEmpresas};

/// An empresa's usage: its "mensagens do mês" (the bot's replies this month, what the plano
/// counts: `TenantDb::mensagens_do_mes`), its usuarios, its catalog items, and its stored media
/// against the plano's quota.
#[derive(Debug, Serialize)]
pub struct Uso {
    pub mensagens_mes: i64,
    pub usuarios: i64,
    pub itens_catalogo: i64,
    pub midia_bytes: i64,
    pub midia_arquivos: i64,
    /// `null` = no quota (no plano, or a plano without `limite_midia_mb`).
    pub midia_limite_bytes: Option<i64>,
}

#[derive(Serialize)]
struct EmpresaComUso {
    #[serde(flatten)]
    empresa: Empresa,
    /// `null` when the tenant file could not be read (logged).
    uso: Option<Uso>,
}

/// Usage figures of one empresa (opens its tenant through the LRU).
pub fn uso(app: &App, e: &Empresa) -> Result<Uso> {
    let db = app.tenant_db(e)?;
    let (midia, midia_limite_bytes) = crate::media::uso_da_empresa(&app.central, e.id)?;
    Ok(Uso {
        mensagens_mes: db.mensagens_do_mes()?,
        usuarios: app.central.usuarios_total_empresa(e.id)?,
        itens_catalogo: db.catalogo_total()?,
        midia_bytes: midia.bytes,
        midia_arquivos: midia.arquivos,
        midia_limite_bytes,
    })
}

fn com_uso(app: &App, empresa: Empresa) -> EmpresaComUso {
    let uso = uso(app, &empresa).map_err(|e| log::warn!("uso da empresa {} indisponível: {e}", empresa.id)).ok();
    EmpresaComUso { empresa, uso }
}

/// `GET /api/admin/empresas?q=&ativo=&limite=&cursor=`.
pub fn listar(app: &Arc<App>, req: &Request, _p: &Principal) -> Result<Response> {
    let pag = Paginacao::from(req)?;
    let f = FiltroEmpresas {
        q: query_texto(req, "q"),
        ativo: query_bool(req, "ativo")?,
        depois_de: pag.cursor,
        limite: pag.limite,
    };
    let itens: Vec<EmpresaComUso> = app.central.empresas_listar(&f)?.into_iter().map(|e| com_uso(app, e)).collect();
    Ok(Response::ok(&Pagina::de(itens, pag.limite, |e| e.empresa.id.0)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NovaEmpresaApi {
    nome: String,
    slug: String,
    setor: String,
    #[serde(default)]
    whatsapp_phone_number_id: Option<String>,
    #[serde(default)]
    plano_id: Option<PlanoId>,
}

fn exigir_plano(app: &App, id: PlanoId) -> Result<()> {
    match app.central.plano(id)? {
        Some(_) => Ok(()),
        None => Err(Error::invalid("plano_invalido", format!("o plano {id} não existe"))),
    }
}

/// `POST /api/admin/empresas` → 201 `Empresa`; 400 on a bad slug/setor, 409 on a slug or
/// phone_number_id clash.
pub fn criar(app: &Arc<App>, req: &Request, p: &Principal) -> Result<Response> {
    let body: NovaEmpresaApi = req.json()?;
    if let Some(id) = body.plano_id {
        exigir_plano(app, id)?;
    }
    let pedido = PedidoEmpresa {
        nome: body.nome,
        slug: body.slug,
        setor: body.setor.parse()?,
        whatsapp_phone_number_id: body.whatsapp_phone_number_id.filter(|s| !s.trim().is_empty()),
        plano_id: body.plano_id,
    };
    let e = criar_empresa(app, &pedido)?;
    auditar(app, p, Some(e.id), "empresa.criar", e.slug.clone(), Some(format!("setor {}", e.setor)))?;
    Ok(Response::json(201, &e).for_empresa(e.id))
}

/// `GET /api/admin/empresas/{id}` → `Empresa` + `uso`.
pub fn obter(app: &Arc<App>, id: &str) -> Result<Response> {
    let id: EmpresaId = id.parse()?;
    Ok(Response::ok(&com_uso(app, app.empresa(id)?)).for_empresa(id))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlteraEmpresaApi {
    #[serde(default)]
    nome: Option<String>,
    #[serde(default, deserialize_with = "talvez")]
    plano_id: Option<Option<PlanoId>>,
    #[serde(default, deserialize_with = "talvez")]
    prompt_customizado: Option<Option<String>>,
}

/// `PATCH /api/admin/empresas/{id}` `{nome?, plano_id?, prompt_customizado?}`; `null` (or
/// `""` for the prompt) clears.
pub fn atualizar(app: &Arc<App>, req: &Request, p: &Principal, id: &str) -> Result<Response> {
    let id: EmpresaId = id.parse()?;
    let body: AlteraEmpresaApi = req.json()?;
    let altera = AlteraEmpresa {
        nome: body.nome,
        plano_id: body.plano_id,
        prompt_customizado: body.prompt_customizado.map(|v| v.filter(|s| !s.trim().is_empty())),
    };
    let mut campos = Vec::new();
    if let Some(n) = &altera.nome {
        campos.push(format!("nome={n:?}"));
    }
    if let Some(pl) = altera.plano_id {
        campos.push(format!("plano_id={}", pl.map(|x| x.to_string()).unwrap_or_else(|| "null".into())));
    }
    if altera.prompt_customizado.is_some() {
        campos.push("prompt_customizado".into());
    }
    let e = app.central.empresa_atualizar(id, &altera)?;
    auditar(app, p, Some(id), "empresa.atualizar", e.slug.clone(), Some(campos.join(", ")))?;
    Ok(Response::ok(&e).for_empresa(id))
}

fn definir_ativo(app: &Arc<App>, p: &Principal, id: &str, ativo: bool, acao: &str) -> Result<Response> {
    let id: EmpresaId = id.parse()?;
    app.central.empresa_definir_ativo(id, ativo)?;
    let e = app.empresa(id)?;
    auditar(app, p, Some(id), acao, e.slug.clone(), None)?;
    Ok(Response::ok(&e).for_empresa(id))
}

/// `POST /api/admin/empresas/{id}/suspender` → `Empresa`: its users can no longer log in
/// and their live sessions stop working.
pub fn suspender(app: &Arc<App>, p: &Principal, id: &str) -> Result<Response> {
    definir_ativo(app, p, id, false, "empresa.suspender")
}

/// `POST /api/admin/empresas/{id}/reativar` → `Empresa`.
pub fn reativar(app: &Arc<App>, p: &Principal, id: &str) -> Result<Response> {
    definir_ativo(app, p, id, true, "empresa.reativar")
}

/// `DELETE /api/admin/empresas/{id}` → `Empresa`: suspends it and keeps its file (see purgar).
pub fn excluir(app: &Arc<App>, p: &Principal, id: &str) -> Result<Response> {
    definir_ativo(app, p, id, false, "empresa.excluir")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Purgar {
    confirmar_slug: String,
}

/// `POST /api/admin/empresas/{id}/purgar` `{confirmar_slug}` → what was removed. Only for a
/// suspended empresa (409 `empresa_ativa`); the slug must be typed back (400
/// `confirmacao_invalida`).
pub fn purgar(app: &Arc<App>, req: &Request, p: &Principal, id: &str) -> Result<Response> {
    let id: EmpresaId = id.parse()?;
    let body: Purgar = req.json()?;
    let nome = app.empresa(id)?.nome;
    let r = crate::purga::purgar_empresa(app, id, &body.confirmar_slug)?;
    let c = &r.central;
    let detalhes = format!(
        "nome {nome:?}, arquivo {} ({}), usuarios {}, sessoes {}, assinaturas {}, pagamentos {} (total {} centavos)",
        r.database_name,
        if r.arquivo_removido { "removido" } else { "NÃO removido" },
        c.usuarios,
        c.sessoes,
        c.assinaturas,
        c.pagamentos,
        c.pagamentos_total_centavos
    );
    auditar(app, p, Some(id), "empresa.purgar", r.slug.clone(), Some(detalhes))?;
    Ok(Response::ok(&r).for_empresa(id))
}
