//! The handoff and the attendants' tools: taking a conversa over and handing it back,
//! assigning it, resolving and reopening it, the panel's alerts, the empresa's idle time
//! (`/api/atendimento`), its team (`/api/equipe`, for assignment) and its quick replies
//! (`/api/respostas-rapidas`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::campos::presente;
use super::conversas::uma;
use crate::atendimento::{self, CHAVE_INATIVIDADE};
use crate::auth::TenantCtx;
use crate::clock::unix_now_ms;
use crate::domain::{ConversaId, UsuarioId};
use crate::error::{Error, Result};
use crate::http::{Request, Response};
use crate::store::central::BotAlteracao;

/// `POST /api/conversas/{id}/assumir` (admin, atendente): a person takes over (the bot stops),
/// and it is theirs.
pub fn assumir(ctx: &TenantCtx, id: &str) -> Result<Response> {
    let id: ConversaId = id.parse()?;
    ctx.db().atendimento_assumir(id, ctx.usuario_da_empresa().map(|u| u.0), unix_now_ms())?;
    ctx.auditar("conversa.assumir", Some(format!("conversa {id}")), None)?;
    uma(ctx, id)
}

/// `POST /api/conversas/{id}/devolver` (admin, atendente): the bot answers again.
pub fn devolver(ctx: &TenantCtx, id: &str) -> Result<Response> {
    let id: ConversaId = id.parse()?;
    ctx.db().atendimento_devolver(id)?;
    ctx.auditar("conversa.devolver", Some(format!("conversa {id}")), None)?;
    uma(ctx, id)
}

/// `POST /api/conversas/{id}/resolver` (admin, atendente): resolved, back with the bot; the
/// customer's next message reopens it.
pub fn resolver(ctx: &TenantCtx, id: &str) -> Result<Response> {
    let id: ConversaId = id.parse()?;
    ctx.db().atendimento_resolver(id)?;
    ctx.auditar("conversa.resolver", Some(format!("conversa {id}")), None)?;
    uma(ctx, id)
}

/// `POST /api/conversas/{id}/reabrir` (admin, atendente).
pub fn reabrir(ctx: &TenantCtx, id: &str) -> Result<Response> {
    let id: ConversaId = id.parse()?;
    ctx.db().atendimento_reabrir(id)?;
    ctx.auditar("conversa.reabrir", Some(format!("conversa {id}")), None)?;
    uma(ctx, id)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Atribuir {
    #[serde(default, deserialize_with = "presente")]
    usuario_id: Option<Option<UsuarioId>>,
}

/// `POST /api/conversas/{id}/atribuir {usuario_id}` (admin, atendente): to an active usuario
/// of this empresa, or `null` for no one (400 `responsavel_invalido` otherwise).
pub fn atribuir(ctx: &TenantCtx, req: &Request, id: &str) -> Result<Response> {
    let id: ConversaId = id.parse()?;
    let body: Atribuir = req.json()?;
    let Some(usuario) = body.usuario_id else {
        return Err(Error::invalid("campo_invalido", "usuario_id: obrigatório (um id ou null)"));
    };
    if let Some(u) = usuario {
        match ctx.central().equipe_usuario(ctx.empresa_id(), u)? {
            Some(x) if x.ativo => {}
            _ => return Err(Error::invalid("responsavel_invalido", "usuario_id não é um usuário ativo desta empresa")),
        }
    }
    ctx.db().atendimento_atribuir(id, usuario.map(|u| u.0))?;
    let alvo = Some(format!("conversa {id}"));
    ctx.auditar("conversa.atribuir", alvo, Some(usuario.map_or("ninguém".into(), |u| format!("usuário {u}"))))?;
    uma(ctx, id)
}

/// `GET /api/conversas/alertas` (admin, atendente): what needs a person now.
pub fn alertas(ctx: &TenantCtx) -> Result<Response> {
    Ok(Response::ok(&ctx.db().atendimento_alertas()?))
}

#[derive(Serialize)]
struct Membro {
    id: UsuarioId,
    nome: String,
    papel: crate::domain::Papel,
}

/// `GET /api/equipe` (admin, atendente): the empresa's active usuarios (to assign conversas).
pub fn equipe(ctx: &TenantCtx) -> Result<Response> {
    let membros: Vec<Membro> = ctx
        .central()
        .usuarios(Some(ctx.empresa_id()))?
        .into_iter()
        .filter(|u| u.ativo)
        .map(|u| Membro { id: u.id, nome: if u.nome.trim().is_empty() { u.email } else { u.nome }, papel: u.papel })
        .collect();
    Ok(Response::ok(&membros))
}

#[derive(Serialize)]
struct Ajustes {
    /// Minutes without human activity after which the bot answers a conversa in modo
    /// humano again; 0 = never.
    humano_inativo_min: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PutAjustes {
    humano_inativo_min: u64,
}

/// `GET /api/atendimento` (admin, atendente).
pub fn ajustes(ctx: &TenantCtx) -> Result<Response> {
    Ok(Response::ok(&Ajustes { humano_inativo_min: atendimento::inatividade_min(ctx.empresa()) }))
}

/// `PUT /api/atendimento {humano_inativo_min}` (admin): 0 or 5..=43200 minutes. Audited.
pub fn definir_ajustes(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let body: PutAjustes = req.json()?;
    atendimento::validar_inatividade(body.humano_inativo_min)?;
    let mut configuracoes = Map::new();
    configuracoes.insert(CHAVE_INATIVIDADE.into(), Value::from(body.humano_inativo_min));
    ctx.central().empresa_definir_bot(ctx.empresa_id(), &BotAlteracao { configuracoes, ..BotAlteracao::default() })?;
    ctx.auditar("atendimento.configurar", None, Some(format!("{CHAVE_INATIVIDADE} = {}", body.humano_inativo_min)))?;
    Ok(Response::ok(&Ajustes { humano_inativo_min: body.humano_inativo_min }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NovaResposta {
    atalho: String,
    texto: String,
}

fn resposta_id(id: &str) -> Result<i64> {
    id.parse().map_err(|_| Error::invalid("id_invalido", "id inválido"))
}

/// `GET /api/respostas-rapidas` (admin, atendente): every quick reply, by shortcut.
pub fn respostas_rapidas(ctx: &TenantCtx) -> Result<Response> {
    Ok(Response::ok(&ctx.db().respostas_rapidas()?))
}

/// `POST /api/respostas-rapidas {atalho, texto}` (admin) → 201.
pub fn resposta_criar(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let body: NovaResposta = req.json()?;
    let r = ctx
        .db()
        .resposta_rapida_criar(&atendimento::atalho(&body.atalho)?, &atendimento::texto_resposta(&body.texto)?)?;
    ctx.auditar("resposta_rapida.criar", Some(format!("/{}", r.atalho)), None)?;
    Ok(Response::json(201, &r))
}

/// `PUT /api/respostas-rapidas/{id} {atalho, texto}` (admin).
pub fn resposta_alterar(ctx: &TenantCtx, req: &Request, id: &str) -> Result<Response> {
    let id = resposta_id(id)?;
    let body: NovaResposta = req.json()?;
    let r = ctx.db().resposta_rapida_alterar(
        id,
        &atendimento::atalho(&body.atalho)?,
        &atendimento::texto_resposta(&body.texto)?,
    )?;
    ctx.auditar("resposta_rapida.alterar", Some(format!("/{}", r.atalho)), None)?;
    Ok(Response::ok(&r))
}

/// `DELETE /api/respostas-rapidas/{id}` (admin) → 204.
pub fn resposta_excluir(ctx: &TenantCtx, id: &str) -> Result<Response> {
    let id = resposta_id(id)?;
    ctx.db().resposta_rapida_excluir(id)?;
    ctx.auditar("resposta_rapida.excluir", Some(format!("resposta rápida {id}")), None)?;
    Ok(Response::no_content())
}
