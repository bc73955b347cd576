//! `/api/midias/{id}`, `/api/conversas/{id}/anexos` and `/api/catalogo/{id}/fotos`: an
//! empresa's media files for the panel (only to its own sessions, or the superadmin inside
//! it at `/api/admin/empresas/{id}/...`) and trying a failed download again, an attendant's
//! attachment to a reply, and catalog photos. Uploads are the raw file as the body (`Content-Type` the browser's guess, which
//! is not trusted), with `nome` (and `legenda`) in the query string.
//!
//! Serving: the stored (sniffed) `Content-Type`; images, audio and video the panel plays are
//! `inline`, everything else an `attachment` with its file name; `X-Content-Type-Options:
//! nosniff` (every response); `ETag` = the content address with `Cache-Control: private,
//! no-cache`, so a browser revalidates (a 304 costs one lookup) and a shared browser never
//! shows one empresa's file to another's session from its cache; single byte ranges for
//! seeking in audio and video.

use serde::Serialize;

use crate::auth::TenantCtx;
use crate::domain::{ItemId, MidiaId};
use crate::error::{Error, Result};
use crate::http::{Request, Response};
use crate::media::mime;
use crate::store::tenant::conversas::Mensagem;
use crate::store::tenant::midias::MidiaResumo;

/// `GET /api/midias/{id}` (admin, atendente): the file.
pub fn servir(ctx: &TenantCtx, req: &Request, id: &str) -> Result<Response> {
    let id: MidiaId = id.parse()?;
    let midia = ctx.db().midia(id)?.ok_or(Error::NotFound("mídia"))?;
    let (Some(sha), Some(tipo)) = (midia.sha256.as_deref(), midia.mime.as_deref()) else {
        return Err(match midia.estado.as_str() {
            "pendente" => Error::conflict("midia_pendente", "a mídia ainda está sendo baixada; tente em instantes"),
            _ => Error::conflict(
                "midia_indisponivel",
                midia.erro.clone().unwrap_or_else(|| "a mídia não pôde ser baixada".into()),
            ),
        });
    };
    let etag = format!("\"{sha}\"");
    let cabecalhos = |r: Response| {
        r.with_header("ETag", etag.clone())
            .with_header("Cache-Control", "private, no-cache")
            .with_header("Accept-Ranges", "bytes")
    };
    if req.header("if-none-match").is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*")) {
        return Ok(cabecalhos(Response { status: 304, ..Response::no_content() }));
    }
    let bytes = ctx.acervo().ler(sha)?;
    let content_type = if tipo == "text/plain" { "text/plain; charset=utf-8".to_owned() } else { tipo.to_owned() };
    let nome = midia.nome_arquivo.clone().unwrap_or_else(|| format!("midia-{id}.{}", mime::extensao(tipo)));
    let disposicao = if mime::em_linha(tipo) { "inline" } else { "attachment" };
    let disposicao = format!("{disposicao}; {}", nome_disposicao(&nome));
    let total = bytes.len();
    let resposta = match req.header("range").map(|r| intervalo(r, total)) {
        None => Response::bytes(200, &content_type, bytes),
        Some(Some((a, b))) => Response::bytes(206, &content_type, bytes[a..=b].to_vec())
            .with_header("Content-Range", format!("bytes {a}-{b}/{total}")),
        Some(None) => {
            return Ok(Response::bytes(416, "text/plain; charset=utf-8", Vec::new())
                .with_header("Content-Range", format!("bytes */{total}")))
        }
    };
    Ok(cabecalhos(resposta.with_header("Content-Disposition", disposicao)))
}

/// `POST /api/midias/{id}/baixar` (admin, atendente) → 202 the media, `pendente` again: a
/// download that failed (network, quota since raised) is tried once more.
pub fn baixar_de_novo(ctx: &TenantCtx, id: &str) -> Result<Response> {
    let id: MidiaId = id.parse()?;
    ctx.acervo().baixar_de_novo(id)?;
    let midia = ctx.db().midia(id)?.ok_or(Error::NotFound("mídia"))?;
    Ok(Response::json(202, &MidiaResumo::from(midia)))
}

/// `filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266), safe for any name.
fn nome_disposicao(nome: &str) -> String {
    let ascii: String =
        nome.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let mut codificado = String::new();
    for b in nome.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            codificado.push(b as char);
        } else {
            codificado.push_str(&format!("%{b:02X}"));
        }
    }
    format!("filename=\"{ascii}\"; filename*=UTF-8''{codificado}")
}

/// One `bytes=a-b`, `bytes=a-` or `bytes=-n` range within `total` bytes; `None` when it
/// cannot be satisfied (or is several ranges, which the panel never asks for).
fn intervalo(valor: &str, total: usize) -> Option<(usize, usize)> {
    let spec = valor.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || total == 0 {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: usize = n.parse().ok()?;
            (total.checked_sub(n.min(total))?, total - 1)
        }
        (a, "") => (a.parse().ok()?, total - 1),
        (a, b) => (a.parse().ok()?, b.parse::<usize>().ok()?.min(total - 1)),
    };
    (a <= b && a < total).then_some((a, b))
}

/// A message with its media, as the panel reads the thread.
#[derive(Serialize)]
pub struct ComMidia<T: Serialize> {
    #[serde(flatten)]
    pub mensagem: T,
    pub midia: Option<MidiaResumo>,
}

/// `POST /api/conversas/{id}/anexos?nome=&legenda=` (admin, atendente), body = the file →
/// 202 the queued mensagem with its media; a worker sends it (image or document).
pub fn anexar(ctx: &TenantCtx, req: &Request, conversa: &str) -> Result<Response> {
    let conversa = conversa.parse()?;
    let nome = req.query("nome").filter(|n| !n.trim().is_empty());
    let legenda = req.query("legenda").filter(|l| !l.trim().is_empty());
    let declarado = req.header("content-type");
    let m: Mensagem = ctx.acervo().anexar_resposta(
        conversa,
        &req.body,
        declarado,
        nome,
        legenda,
        ctx.usuario_id(),
        ctx.usuario_da_empresa(),
    )?;
    let midia = ctx.db().midia_da_mensagem(m.id)?.map(MidiaResumo::from);
    let detalhe = midia.as_ref().map(|x| format!("{} {}", x.tipo, x.mime.as_deref().unwrap_or("")));
    ctx.auditar("conversa.anexar", Some(format!("conversa {conversa}")), detalhe)?;
    Ok(Response::json(202, &ComMidia { mensagem: m, midia }))
}

/// `GET /api/catalogo/{id}/fotos` (admin, atendente): the item's photos, first first.
pub fn fotos(ctx: &TenantCtx, item: &str) -> Result<Response> {
    let item: ItemId = item.parse()?;
    ctx.db().catalogo_item(item)?.ok_or(Error::NotFound("item"))?;
    let fotos: Vec<MidiaResumo> = ctx.db().catalogo_fotos(item)?.into_iter().map(MidiaResumo::from).collect();
    Ok(Response::ok(&fotos))
}

/// `POST /api/catalogo/{id}/fotos?nome=` (admin), body = a JPG or PNG → 201 the photo.
pub fn foto_adicionar(ctx: &TenantCtx, req: &Request, item: &str) -> Result<Response> {
    let item: ItemId = item.parse()?;
    let nome = req.query("nome").filter(|n| !n.trim().is_empty());
    let foto = ctx.acervo().foto_adicionar(item, &req.body, req.header("content-type"), nome)?;
    ctx.auditar("catalogo.foto_adicionar", Some(format!("item {item}")), Some(format!("foto {}", foto.id)))?;
    Ok(Response::json(201, &MidiaResumo::from(foto)))
}

/// `DELETE /api/catalogo/{id}/fotos/{foto}` (admin) → 204.
pub fn foto_remover(ctx: &TenantCtx, item: &str, foto: &str) -> Result<Response> {
    let item: ItemId = item.parse()?;
    let foto: MidiaId = foto.parse()?;
    ctx.acervo().foto_remover(item, foto)?;
    ctx.auditar("catalogo.foto_remover", Some(format!("item {item}")), Some(format!("foto {foto}")))?;
    Ok(Response::no_content())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_ranges() {
        assert_eq!(intervalo("bytes=0-99", 1000), Some((0, 99)));
        assert_eq!(intervalo("bytes=900-", 1000), Some((900, 999)));
        assert_eq!(intervalo("bytes=-100", 1000), Some((900, 999)));
        assert_eq!(intervalo("bytes=0-5000", 1000), Some((0, 999)));
        assert_eq!(intervalo("bytes=-5000", 1000), Some((0, 999)));
        for ruim in ["bytes=1000-", "bytes=5-1", "bytes=0-1,3-4", "items=0-1", "bytes=a-b"] {
            assert_eq!(intervalo(ruim, 1000), None, "{ruim}");
        }
        assert_eq!(intervalo("bytes=0-", 0), None);
    }

    #[test]
    fn download_names_survive_any_characters() {
        assert_eq!(
            nome_disposicao("Orçamento \"final\".pdf"),
            "filename=\"Or_amento _final_.pdf\"; filename*=UTF-8''Or%C3%A7amento%20%22final%22.pdf"
        );
    }
}
