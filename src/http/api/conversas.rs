//! `/api/conversas`: the panel's inbox — the list (most recent first, filters, full-text
//! search), one conversa, its messages (paged towards older ones, each with its media, who
//! sent each reply and Meta's error codes explained), marking read, replying, and the CSV
//! export. Handoff, assignment and resolution are in `atendimento.rs`.

use std::collections::HashMap;

use serde::Serialize;

use super::{Pagina, Paginacao};
use crate::atendimento::exportar::{self, FUSO_PADRAO_MIN};
use crate::auth::TenantCtx;
use crate::clock::normalizar_data_hora;
use crate::domain::{ConversaId, MensagemId, UsuarioId};
use crate::error::{Error, Result};
use crate::http::api::midias::ComMidia;
use crate::http::{Request, Response};
use crate::store::tenant::exportacao::FiltroExportacao;
use crate::store::tenant::inbox::{FiltroConversas, Mensagem};

/// The longest search text, in characters (longer: 400 `termo_muito_longo`): the API's one cap
/// on search and filter terms.
pub const TERMO_MAX: usize = super::MAX_TERMO;

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

/// `q` from the query string: trimmed, at most [`TERMO_MAX`] characters.
pub fn termo_busca(req: &Request) -> Result<Option<String>> {
    match req.query("q").map(str::trim).filter(|q| !q.is_empty()) {
        None => Ok(None),
        Some(q) => {
            super::exigir_termo_curto("q", q)?;
            Ok(Some(q.to_owned()))
        }
    }
}

fn filtro(ctx: &TenantCtx, req: &Request, limite: u32) -> Result<FiltroConversas> {
    let invalido = |m: &str| Error::invalid("filtro_invalido", m.to_owned());
    let modo = match req.query("modo") {
        None | Some("") => None,
        Some(m @ ("bot" | "humano")) => Some(m.to_owned()),
        Some(_) => return Err(invalido("modo deve ser bot ou humano")),
    };
    let so_nao_lidas = match req.query("nao_lidas") {
        None | Some("" | "false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => return Err(invalido("nao_lidas deve ser true ou false")),
    };
    let (atribuida_a, nao_atribuidas) = match req.query("atribuicao") {
        None | Some("") => (None, false),
        Some("minhas") => (Some(ctx.usuario_id().0), false),
        Some("nao_atribuidas") => (None, true),
        Some(_) => return Err(invalido("atribuicao deve ser minhas ou nao_atribuidas")),
    };
    let resolvida = match req.query("situacao") {
        None | Some("" | "todas") => None,
        Some("abertas") => Some(false),
        Some("resolvidas") => Some(true),
        Some(_) => return Err(invalido("situacao deve ser abertas, resolvidas ou todas")),
    };
    Ok(FiltroConversas {
        texto: termo_busca(req)?,
        modo,
        so_nao_lidas,
        atribuida_a,
        nao_atribuidas,
        resolvida,
        etiqueta: req.query("etiqueta").map(str::trim).filter(|e| !e.is_empty()).map(str::to_owned),
        limite,
        apos: req.query("cursor").filter(|c| !c.is_empty()).map(cursor_ler).transpose()?,
    })
}

/// `GET /api/conversas?q=&modo=bot|humano&nao_lidas=true&atribuicao=minhas|nao_atribuidas&situacao=abertas|resolvidas|todas&etiqueta=&limite=&cursor=`
/// (admin, atendente).
pub fn listar(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let limite = Paginacao::limite(req)?;
    let f = filtro(ctx, req, limite)?;
    let itens = ctx.db().inbox_conversas(&f)?;
    let proximo_cursor =
        (itens.len() as u32 >= limite).then(|| itens.last().map(|c| cursor_de(&c.ordem, c.id.0))).flatten();
    Ok(Response::ok(&Pagina { itens, proximo_cursor }))
}

pub(super) fn uma(ctx: &TenantCtx, id: ConversaId) -> Result<Response> {
    let c = ctx.db().inbox_conversa(id)?.ok_or(Error::NotFound("conversa"))?;
    Ok(Response::ok(&c))
}

/// `GET /api/conversas/{id}` (admin, atendente).
pub fn obter(ctx: &TenantCtx, id: &str) -> Result<Response> {
    uma(ctx, id.parse()?)
}

/// The names of the usuarios who may appear as senders or owners in this empresa: its own
/// team, plus (looked up one by one) anyone else who replied — a superadmin visiting.
pub(super) fn nomes(ctx: &TenantCtx, outros: impl IntoIterator<Item = i64>) -> Result<HashMap<i64, String>> {
    let mut nomes: HashMap<i64, String> = ctx
        .central()
        .usuarios(Some(ctx.empresa_id()))?
        .into_iter()
        .map(|u| (u.id.0, if u.nome.trim().is_empty() { u.email } else { u.nome }))
        .collect();
    for id in outros {
        if let std::collections::hash_map::Entry::Vacant(v) = nomes.entry(id) {
            if let Some(u) = ctx.central().usuario(UsuarioId(id))? {
                v.insert(format!("{} (revenda)", if u.nome.trim().is_empty() { u.email } else { u.nome }));
            }
        }
    }
    Ok(nomes)
}

/// A message as the panel shows it: who sent a person's reply, and a failure explained.
#[derive(Serialize)]
struct MensagemPainel {
    #[serde(flatten)]
    m: Mensagem,
    enviado_por_nome: Option<String>,
    erro_explicacao: Option<&'static str>,
    erro_acao: Option<&'static str>,
}

/// `GET /api/conversas/{id}/mensagens?limite=&cursor=` (admin, atendente): the newest page
/// first, each page oldest → newest; `proximo_cursor` leads to older messages.
pub fn mensagens(ctx: &TenantCtx, req: &Request, id: &str) -> Result<Response> {
    let id: ConversaId = id.parse()?;
    let pag = Paginacao::from(req)?;
    let lista = ctx.db().inbox_mensagens(id, pag.limite, pag.cursor.map(MensagemId))?;
    // The oldest of the page is first; the next page continues below it.
    let proximo_cursor =
        (lista.len() as u32 >= pag.limite).then(|| lista.first().map(|m| m.id.0.to_string())).flatten();
    let nomes = nomes(ctx, lista.iter().filter_map(|m| m.enviado_por))?;
    let mut midias = match (lista.first().map(|m| m.id), lista.last().map(|m| m.id)) {
        (Some(desde), Some(ate)) => ctx.db().midias_da_pagina(id, desde, ate)?,
        _ => HashMap::new(),
    };
    let itens: Vec<ComMidia<MensagemPainel>> = lista
        .into_iter()
        .map(|m| {
            let explicada = m.erro_codigo.and_then(crate::whatsapp::explicar_erro);
            ComMidia {
                midia: midias.remove(&m.id),
                mensagem: MensagemPainel {
                    enviado_por_nome: m.enviado_por.and_then(|u| nomes.get(&u).cloned()),
                    erro_explicacao: explicada.map(|x| x.explicacao),
                    erro_acao: explicada.map(|x| x.acao),
                    m,
                },
            }
        })
        .collect();
    Ok(Response::ok(&Pagina { itens, proximo_cursor }))
}

/// `POST /api/conversas/{id}/lida` (admin, atendente) → 204: read and seen.
pub fn lida(ctx: &TenantCtx, id: &str) -> Result<Response> {
    ctx.db().inbox_marcar_lida(id.parse()?)?;
    Ok(Response::no_content())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Resposta {
    texto: String,
}

/// `POST /api/conversas/{id}/responder {texto}` (admin, atendente) → 202 the queued
/// mensagem: a worker sends it through the WhatsApp path; its status follows in the thread.
/// The reply takes the conversa over (modo humano: the bot stays silent).
pub fn responder(ctx: &TenantCtx, req: &Request, id: &str) -> Result<Response> {
    let id: ConversaId = id.parse()?;
    let body: Resposta = req.json()?;
    let m = ctx.responder(id, &body.texto)?;
    ctx.auditar("conversa.responder", Some(format!("conversa {id}")), None)?;
    Ok(Response::json(202, &m))
}

/// The `fuso_min` query parameter (minutes east of UTC), Brasília by default.
pub(super) fn fuso(req: &Request) -> Result<i32> {
    match req.query("fuso_min").filter(|f| !f.is_empty()) {
        None => Ok(FUSO_PADRAO_MIN),
        Some(f) => exportar::validar_fuso(
            f.parse().map_err(|_| Error::invalid("fuso_invalido", "fuso_min deve ser um número de minutos"))?,
        ),
    }
}

/// A CSV download named `<prefixo>-<slug>.csv`.
pub(super) fn csv(ctx: &TenantCtx, prefixo: &str, bytes: Vec<u8>) -> Response {
    Response::bytes(200, "text/csv; charset=utf-8", bytes)
        .with_header("Content-Disposition", format!("attachment; filename=\"{prefixo}-{}.csv\"", ctx.empresa().slug))
        .with_header("Cache-Control", "no-store")
}

/// `GET /api/conversas/exportar?desde=&ate=&conversa_id=&fuso_min=` (admin) → CSV, one row per
/// message (`desde`/`ate`: dates or timestamps in UTC, inclusive). Audited.
pub fn exportar(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let data = |nome: &str, fim: bool| -> Result<Option<String>> {
        match req.query(nome).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => normalizar_data_hora(v, fim).map(Some).ok_or_else(|| {
                Error::invalid("data_invalida", format!("{nome}: use AAAA-MM-DD ou AAAA-MM-DD HH:MM:SS"))
            }),
        }
    };
    let conversa = match req.query("conversa_id").filter(|v| !v.is_empty()) {
        None => None,
        Some(c) => Some(c.parse::<ConversaId>()?),
    };
    let f = FiltroExportacao { desde: data("desde", false)?, ate: data("ate", true)?, conversa };
    let (bytes, n) = exportar::conversas(ctx.db(), &f, &nomes(ctx, [])?, fuso(req)?)?;
    ctx.auditar("conversas.exportar", None, Some(format!("{n} mensagens")))?;
    Ok(csv(ctx, "conversas", bytes))
}
