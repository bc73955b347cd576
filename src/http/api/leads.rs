//! `/api/leads`: the people who wrote to the empresa — list by status or tag, read one with
//! its conversa, update status, notes, owner (a usuario of the same empresa) and tags, the
//! empresa's tags (`/api/etiquetas`) and the CSV export.

use serde::{Deserialize, Serialize};

use super::campos::presente;
use super::{conversas, Pagina, Paginacao};
use crate::atendimento;
use crate::auth::TenantCtx;
use crate::domain::{ConversaId, LeadId, UsuarioId};
use crate::error::{Error, Result};
use crate::http::{Request, Response};
use crate::store::tenant::leads::{Lead, LeadAlteracao, LEAD_STATUS};

/// A lead with its tags.
#[derive(Serialize)]
struct LeadComEtiquetas {
    #[serde(flatten)]
    lead: Lead,
    etiquetas: Vec<String>,
}

/// A lead with its tags and most recent conversa.
#[derive(Serialize)]
struct LeadComConversa {
    #[serde(flatten)]
    lead: Lead,
    etiquetas: Vec<String>,
    conversa_id: Option<ConversaId>,
}

fn com_conversa(ctx: &TenantCtx, lead: Lead) -> Result<LeadComConversa> {
    let conversa_id = ctx.db().inbox_conversa_do_lead(lead.id)?;
    let etiquetas = ctx.db().etiquetas_dos_leads(&[lead.id])?.remove(&lead.id).unwrap_or_default();
    Ok(LeadComConversa { lead, etiquetas, conversa_id })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchLead {
    #[serde(default)]
    status: Option<String>,
    #[serde(default, deserialize_with = "presente")]
    notas: Option<Option<String>>,
    #[serde(default, deserialize_with = "presente")]
    responsavel_id: Option<Option<UsuarioId>>,
    /// The whole new set of tags (replaces the old one).
    #[serde(default)]
    etiquetas: Option<Vec<String>>,
}

fn status_valido(s: &str) -> Result<()> {
    if LEAD_STATUS.contains(&s) {
        Ok(())
    } else {
        Err(Error::invalid("status_invalido", format!("status desconhecido: {s:?} (use {})", LEAD_STATUS.join(", "))))
    }
}

/// `GET /api/leads?status=&etiqueta=&limite=&cursor=` (admin, atendente): newest first.
pub fn listar(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let pag = Paginacao::from(req)?;
    let status = req.query("status").filter(|s| !s.is_empty());
    if let Some(s) = status {
        status_valido(s)?;
    }
    let antes = pag.cursor.map(LeadId);
    let leads = match req.query("etiqueta").map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => ctx.db().leads_da_etiqueta(e, status, pag.limite, antes)?,
        None => ctx.db().leads_listar(status, pag.limite, antes)?,
    };
    let mut etiquetas = ctx.db().etiquetas_dos_leads(&leads.iter().map(|l| l.id).collect::<Vec<_>>())?;
    let itens: Vec<LeadComEtiquetas> = leads
        .into_iter()
        .map(|lead| LeadComEtiquetas { etiquetas: etiquetas.remove(&lead.id).unwrap_or_default(), lead })
        .collect();
    Ok(Response::ok(&Pagina::de(itens, pag.limite, |l| l.lead.id.0)))
}

/// `GET /api/leads/{id}` (admin, atendente): the lead, its tags and its most recent conversa.
pub fn obter(ctx: &TenantCtx, id: &str) -> Result<Response> {
    let id: LeadId = id.parse()?;
    let lead = ctx.db().lead(id)?.ok_or(Error::NotFound("lead"))?;
    Ok(Response::ok(&com_conversa(ctx, lead)?))
}

/// `PATCH /api/leads/{id}` (admin, atendente): `{status?, notas?, responsavel_id?, etiquetas?}`.
pub fn alterar(ctx: &TenantCtx, req: &Request, id: &str) -> Result<Response> {
    let id: LeadId = id.parse()?;
    let body: PatchLead = req.json()?;
    if let Some(s) = &body.status {
        status_valido(s)?;
    }
    if let Some(Some(n)) = &body.notas {
        if n.chars().count() > 10_000 {
            return Err(Error::invalid("campo_invalido", "notas: até 10000 caracteres"));
        }
    }
    if let Some(Some(u)) = body.responsavel_id {
        // Only a usuario of this same empresa may own its leads.
        if ctx.central().equipe_usuario(ctx.empresa_id(), u)?.is_none() {
            return Err(Error::invalid("responsavel_invalido", "responsavel_id não é um usuário desta empresa"));
        }
    }
    let etiquetas = body.etiquetas.as_deref().map(atendimento::etiquetas).transpose()?;
    let alteracao = LeadAlteracao {
        status: body.status,
        notas: body.notas.map(|n| n.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())),
        responsavel_id: body.responsavel_id.map(|r| r.map(|u| u.0)),
    };
    if let Some(e) = &etiquetas {
        ctx.db().lead_definir_etiquetas(id, e)?;
    }
    let lead = ctx.db().lead_alterar(id, &alteracao)?;
    Ok(Response::ok(&com_conversa(ctx, lead)?))
}

/// `GET /api/etiquetas` (admin, atendente): every tag in use with its number of leads.
pub fn etiquetas(ctx: &TenantCtx) -> Result<Response> {
    Ok(Response::ok(&ctx.db().etiquetas_todas()?))
}

/// `GET /api/leads/exportar?fuso_min=` (admin) → CSV of every lead. Audited.
pub fn exportar(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let (bytes, n) = crate::atendimento::exportar::leads(ctx.db(), &conversas::nomes(ctx, [])?, conversas::fuso(req)?)?;
    ctx.auditar("leads.exportar", None, Some(format!("{n} leads")))?;
    Ok(conversas::csv(ctx, "leads", bytes))
}
