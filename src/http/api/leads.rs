//! `/api/leads`: the people who wrote to the empresa — list by status, read one with its
//! conversa, and update status, notes and owner (a usuario of the same empresa).

use serde::{Deserialize, Serialize};

use super::campos::presente;
use super::{Pagina, Paginacao};
use crate::auth::TenantCtx;
use crate::domain::{ConversaId, LeadId, UsuarioId};
use crate::error::{Error, Result};
use crate::http::{Request, Response};
use crate::store::tenant::leads::{Lead, LeadAlteracao, LEAD_STATUS};

/// A lead with its most recent conversa.
#[derive(Serialize)]
struct LeadComConversa {
    #[serde(flatten)]
    lead: Lead,
    conversa_id: Option<ConversaId>,
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
}

fn status_valido(s: &str) -> Result<()> {
    if LEAD_STATUS.contains(&s) {
        Ok(())
    } else {
        Err(Error::invalid("status_invalido", format!("status desconhecido: {s:?} (use {})", LEAD_STATUS.join(", "))))
    }
}

/// `GET /api/leads?status=&limite=&cursor=` (admin, atendente): newest first.
pub fn listar(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let pag = Paginacao::from(req)?;
    let status = req.query("status").filter(|s| !s.is_empty());
    if let Some(s) = status {
        status_valido(s)?;
    }
    let leads = ctx.db().leads_listar(status, pag.limite, pag.cursor.map(LeadId))?;
    Ok(Response::ok(&Pagina::de(leads, pag.limite, |l| l.id.0)))
}

/// `GET /api/leads/{id}` (admin, atendente): the lead and its most recent conversa.
pub fn obter(ctx: &TenantCtx, id: &str) -> Result<Response> {
    let id: LeadId = id.parse()?;
    let lead = ctx.db().lead(id)?.ok_or(Error::NotFound("lead"))?;
    let conversa_id = ctx.db().inbox_conversa_do_lead(id)?;
    Ok(Response::ok(&LeadComConversa { lead, conversa_id }))
}

/// `PATCH /api/leads/{id}` (admin, atendente): `{status?, notas?, responsavel_id?}`.
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
    let alteracao = LeadAlteracao {
        status: body.status,
        notas: body.notas.map(|n| n.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())),
        responsavel_id: body.responsavel_id.map(|r| r.map(|u| u.0)),
    };
    let lead = ctx.db().lead_alterar(id, &alteracao)?;
    let conversa_id = ctx.db().inbox_conversa_do_lead(id)?;
    Ok(Response::ok(&LeadComConversa { lead, conversa_id }))
}
