//! `/api/conversas`: the panel's inbox — the list (most recent first, with the last message),
//! one conversa, its messages (paged towards older ones, each with its media), marking read, and handing a
//! conversa to a human (`assumir`) or back to the bot (`devolver`).

use super::{Pagina, Paginacao};
use crate::auth::TenantCtx;
use crate::domain::{ConversaId, MensagemId};
use crate::error::{Error, Result};
use crate::http::api::midias::ComMidia;
use crate::http::{Request, Response};
use crate::store::tenant::inbox::{FiltroConversas, Mensagem, Modo};

/// The list's cursor: `hex("<ordem>|<id>")` of the last conversa of a page (opaque to clients).
fn cursor_de(ordem: &str, id: i64) -> String {
    hex::encode(format!("{ordem}|{id}"))
}

fn cursor_ler(c: &str) -> Result<(String, i64)> {
    let bad = || Error::invalid("cursor_invalido", "cursor inválido");
    let bytes = hex::decode(c).map_err(|_| bad())?;
    let texto = String::from_utf8(bytes).map_err(|_| bad())?;
    let (ordem, id) = texto.rsplit_once('|').ok_or_else(bad)?;
    Ok((ordem.to_owned(), id.parse().map_err(|_| bad())?))
}

/// `GET /api/conversas?q=&modo=bot|humano&nao_lidas=true&limite=&cursor=` (admin, atendente).
pub fn listar(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let limite = Paginacao::limite(req)?;
    let modo = match req.query("modo") {
        None | Some("") => None,
        Some(m @ ("bot" | "humano")) => Some(m.to_owned()),
        Some(_) => return Err(Error::invalid("filtro_invalido", "modo deve ser bot ou humano")),
    };
    let so_nao_lidas = match req.query("nao_lidas") {
        None | Some("" | "false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => return Err(Error::invalid("filtro_invalido", "nao_lidas deve ser true ou false")),
    };
    let apos = req.query("cursor").filter(|c| !c.is_empty()).map(cursor_ler).transpose()?;
    let f = FiltroConversas { texto: req.query("q").map(str::to_owned), modo, so_nao_lidas, limite, apos };
    let itens = ctx.db().inbox_conversas(&f)?;
    let proximo_cursor =
        (itens.len() as u32 >= limite).then(|| itens.last().map(|c| cursor_de(&c.ordem, c.id.0))).flatten();
    Ok(Response::ok(&Pagina { itens, proximo_cursor }))
}

fn uma(ctx: &TenantCtx, id: ConversaId) -> Result<Response> {
    let c = ctx.db().inbox_conversa(id)?.ok_or(Error::NotFound("conversa"))?;
    Ok(Response::ok(&c))
}

/// `GET /api/conversas/{id}` (admin, atendente).
pub fn obter(ctx: &TenantCtx, id: &str) -> Result<Response> {
    uma(ctx, id.parse()?)
}

/// `GET /api/conversas/{id}/mensagens?limite=&cursor=` (admin, atendente): the newest page
/// first, each page oldest → newest; `proximo_cursor` leads to older messages.
pub fn mensagens(ctx: &TenantCtx, req: &Request, id: &str) -> Result<Response> {
    let id: ConversaId = id.parse()?;
    let pag = Paginacao::from(req)?;
    let itens = ctx.db().inbox_mensagens(id, pag.limite, pag.cursor.map(MensagemId))?;
    // The oldest of the page is first; the next page continues below it.
    let proximo_cursor =
        (itens.len() as u32 >= pag.limite).then(|| itens.first().map(|m| m.id.0.to_string())).flatten();
    let itens = com_midias(ctx, id, itens)?;
    Ok(Response::ok(&Pagina { itens, proximo_cursor }))
}

/// Each message with its media (photo, voice note, document...), if it has one.
fn com_midias(ctx: &TenantCtx, conversa: ConversaId, itens: Vec<Mensagem>) -> Result<Vec<ComMidia<Mensagem>>> {
    let (Some(desde), Some(ate)) = (itens.first().map(|m| m.id), itens.last().map(|m| m.id)) else {
        return Ok(Vec::new());
    };
    let mut midias = ctx.db().midias_da_pagina(conversa, desde, ate)?;
    Ok(itens.into_iter().map(|m| ComMidia { midia: midias.remove(&m.id), mensagem: m }).collect())
}

/// `POST /api/conversas/{id}/lida` (admin, atendente) → 204.
pub fn lida(ctx: &TenantCtx, id: &str) -> Result<Response> {
    ctx.db().inbox_marcar_lida(id.parse()?)?;
    Ok(Response::no_content())
}

/// `POST /api/conversas/{id}/assumir` (admin, atendente): a human takes over; the bot stops.
pub fn assumir(ctx: &TenantCtx, id: &str) -> Result<Response> {
    mudar_modo(ctx, id, Modo::Humano, "conversa.assumir")
}

/// `POST /api/conversas/{id}/devolver` (admin, atendente): the bot answers again.
pub fn devolver(ctx: &TenantCtx, id: &str) -> Result<Response> {
    mudar_modo(ctx, id, Modo::Bot, "conversa.devolver")
}

fn mudar_modo(ctx: &TenantCtx, id: &str, modo: Modo, acao: &str) -> Result<Response> {
    let id: ConversaId = id.parse()?;
    ctx.db().inbox_definir_modo(id, modo)?;
    ctx.auditar(acao, Some(format!("conversa {id}")), None)?;
    uma(ctx, id)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Resposta {
    texto: String,
}

/// `POST /api/conversas/{id}/responder {texto}` (admin, atendente) → 202 the queued
/// mensagem: a worker sends it through the WhatsApp path; its status follows in the thread.
pub fn responder(ctx: &TenantCtx, req: &Request, id: &str) -> Result<Response> {
    let id: ConversaId = id.parse()?;
    let body: Resposta = req.json()?;
    let m = ctx.responder(id, &body.texto)?;
    ctx.auditar("conversa.responder", Some(format!("conversa {id}")), None)?;
    Ok(Response::json(202, &m))
}
