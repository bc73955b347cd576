//! `/api/catalogo`: the empresa's catalog, with the setor's own fields validated per setor;
//! each item lists its photo ids (the photos themselves: `midias.rs`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{exigir_termo_curto, Pagina, Paginacao};
use crate::auth::TenantCtx;
use crate::catalogo::{Item, NovoItem};
use crate::catalogo_csv;
use crate::domain::{ItemId, MidiaId};
use crate::error::{Error, Result};
use crate::http::request::tipado;
use crate::http::{Request, Response};
use crate::store::tenant::catalogo::FiltroCatalogo;

/// Query keys that are not setor filters.
const CHAVES_GERAIS: &[&str] = &["q", "preco_min", "preco_max", "disponivel", "limite", "cursor", "empresa_id"];

fn centavos(req: &Request, k: &str) -> Result<Option<i64>> {
    req.query(k)
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| Error::invalid("filtro_invalido", format!("{k} deve ser um valor em centavos")))
        })
        .transpose()
}

/// `GET /api/catalogo?q=&preco_min=&preco_max=&disponivel=&<filtro do setor>=&limite=&cursor=`
/// (admin, atendente). `empresa_id` in the query is ignored: the session decides the empresa.
pub fn listar(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let pag = Paginacao::from(req)?;
    let mut filtros = Map::new();
    for (k, v) in &req.query {
        exigir_termo_curto(k, v)?;
        if !CHAVES_GERAIS.contains(&k.as_str()) {
            filtros.insert(k.clone(), Value::String(v.clone()));
        }
    }
    let disponivel = match req.query("disponivel") {
        None | Some("") => None,
        Some("true" | "1" | "sim") => Some(true),
        Some("false" | "0" | "nao" | "não") => Some(false),
        Some(_) => return Err(Error::invalid("filtro_invalido", "disponivel deve ser true ou false")),
    };
    let f = FiltroCatalogo {
        texto: req.query("q").filter(|q| !q.trim().is_empty()).map(str::to_owned),
        preco_min_centavos: centavos(req, "preco_min")?,
        preco_max_centavos: centavos(req, "preco_max")?,
        disponivel,
        filtros,
        limite: pag.limite,
        cursor: pag.cursor.map(ItemId),
        ..FiltroCatalogo::default()
    };
    let itens = ctx.db().catalogo_listar(&f)?;
    let pagina = Pagina::de(itens, pag.limite, |i| i.id.0);
    Ok(Response::ok(&Pagina { itens: com_fotos(ctx, pagina.itens)?, proximo_cursor: pagina.proximo_cursor }))
}

/// An item with the ids of its photos (`GET /api/midias/{id}` serves each).
#[derive(Serialize)]
struct ComFotos {
    #[serde(flatten)]
    item: Item,
    fotos: Vec<MidiaId>,
}

fn com_fotos(ctx: &TenantCtx, itens: Vec<Item>) -> Result<Vec<ComFotos>> {
    let ids: Vec<ItemId> = itens.iter().map(|i| i.id).collect();
    let mut fotos = ctx.db().catalogo_fotos_de(&ids)?;
    Ok(itens.into_iter().map(|i| ComFotos { fotos: fotos.remove(&i.id).unwrap_or_default(), item: i }).collect())
}

/// `GET /api/catalogo/{id}` (admin, atendente).
pub fn obter(ctx: &TenantCtx, id: &str) -> Result<Response> {
    let item = ctx.db().catalogo_item(id.parse()?)?.ok_or(Error::NotFound("item"))?;
    Ok(Response::ok(&com_fotos(ctx, vec![item])?.pop()))
}

/// `POST /api/catalogo` (admin).
pub fn criar(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let novo: NovoItem = req.json()?;
    let valido = novo.validar(ctx.empresa().setor)?;
    crate::planos::exigir_cabe_item(ctx)?;
    let item = ctx.db().catalogo_criar(&valido)?;
    Ok(Response::json(201, &item))
}

/// Fields of an item as `GET` shows it that a `PUT` cannot change.
const SO_LEITURA: &[&str] = &["criado_em", "atualizado_em", "fotos"];

/// `PUT /api/catalogo/{id}` (admin): replaces the item's fields. The body may be the item as
/// `GET` returned it: `id` (if present, this item's), `criado_em`, `atualizado_em` and `fotos`
/// (managed through `/fotos`) are not fields to change and are ignored.
pub fn atualizar(ctx: &TenantCtx, req: &Request, id: &str) -> Result<Response> {
    let id: ItemId = id.parse()?;
    let mut corpo: Map<String, Value> = req.json()?;
    if let Some(outro) = corpo.remove("id") {
        if outro.as_i64() != Some(id.0) {
            return Err(Error::invalid("id_divergente", "o id no corpo não é o deste item"));
        }
    }
    for campo in SO_LEITURA {
        corpo.remove(*campo);
    }
    let novo: NovoItem = tipado(Value::Object(corpo))?;
    let item = ctx.db().catalogo_atualizar(id, &novo.validar(ctx.empresa().setor)?)?;
    Ok(Response::ok(&item))
}

/// `DELETE /api/catalogo/{id}` (admin): the item and its photos.
pub fn excluir(ctx: &TenantCtx, id: &str) -> Result<Response> {
    ctx.acervo().item_excluir(id.parse()?)?;
    Ok(Response::no_content())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Importacao {
    csv: String,
    #[serde(default)]
    confirmar: bool,
}

#[derive(Serialize)]
struct LinhaImportada {
    linha: usize,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    erro: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    item: Option<NovoItem>,
}

#[derive(Serialize)]
struct ResultadoImportacao {
    linhas: Vec<LinhaImportada>,
    validas: usize,
    invalidas: usize,
    importadas: usize,
}

/// `POST /api/catalogo/importar` (admin): `{csv, confirmar}`. `confirmar:false` validates every
/// row and writes nothing; `confirmar:true` imports the valid rows in one transaction (409
/// `limite_plano_itens` when they do not fit in the plano).
pub fn importar(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let body: Importacao = req.json()?;
    let linhas = catalogo_csv::ler(&body.csv, ctx.empresa().setor)?;
    let mut validos = Vec::new();
    let mut saida = Vec::with_capacity(linhas.len());
    for l in linhas {
        match l.resultado {
            Ok((novo, valido)) => {
                validos.push(valido);
                saida.push(LinhaImportada { linha: l.linha, ok: true, erro: None, item: Some(novo) });
            }
            Err(e) => saida.push(LinhaImportada { linha: l.linha, ok: false, erro: Some(e.to_string()), item: None }),
        }
    }
    let validas = validos.len();
    let mut importadas = 0;
    if body.confirmar && validas > 0 {
        if let Some(limite) = crate::planos::plano_da_empresa(ctx)?.and_then(|p| p.limite_itens_catalogo) {
            let total = ctx.db().catalogo_total()?;
            if total + validas as i64 > limite {
                return Err(Error::conflict(
                    "limite_plano_itens",
                    format!(
                        "o plano permite até {limite} itens; o catálogo tem {total} e a importação traria {validas}"
                    ),
                ));
            }
        }
        importadas = ctx.db().catalogo_criar_varios(&validos)?;
        ctx.auditar("catalogo.importar", None, Some(format!("{importadas} itens importados de CSV")))?;
    }
    Ok(Response::ok(&ResultadoImportacao { invalidas: saida.len() - validas, linhas: saida, validas, importadas }))
}
