//! The catalog tools the model may call: the [`TenantTools`] trait the tenant store
//! implements, and [`execute_tool`], which validates a call's JSON arguments, converts
//! reais to centavos, runs it and renders the compact JSON answer sent back to the model.
//!
//! Nothing here panics on model input: bad JSON, unknown tools, unknown fields and wrong
//! types all become an `{"erro": ...}` tool message so the model can correct itself.

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::bot::fallback::format_brl;
use crate::domain::ItemId;
use crate::error::Result;

/// A catalog search, already converted to centavos.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogQuery {
    /// Free words (the store tokenises them; never raw FTS syntax).
    pub texto: Option<String>,
    /// Lower price bound in centavos.
    pub preco_min_centavos: Option<i64>,
    /// Upper price bound in centavos.
    pub preco_max_centavos: Option<i64>,
    /// Setor filters keyed by the tool's argument names (marca, ano_min, tipo, bairro,
    /// quartos_min, codigo_oem, aplicacao, categoria...).
    pub filtros: Map<String, Value>,
    /// Maximum items to return.
    pub limite: u32,
}

/// One catalog entry as the store returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogItem {
    pub id: ItemId,
    pub nome: String,
    pub descricao: String,
    pub categoria: Option<String>,
    pub preco_centavos: Option<i64>,
    pub disponivel: bool,
    pub atributos: Map<String, Value>,
}

/// A visit / test drive request (pending until the team confirms).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NovoAgendamento {
    pub item_id: Option<ItemId>,
    /// ISO date-time as given, e.g. `2026-03-14T10:00`.
    pub data_hora: String,
    pub observacao: Option<String>,
}

/// What the customer told about themselves.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DadosLead {
    pub nome: Option<String>,
    pub interesse: Option<String>,
    pub orcamento_centavos: Option<i64>,
    pub email: Option<String>,
}

/// The tenant-scoped operations a bot may perform; implemented by the tenant store.
/// Every call is already bound to one empresa and one conversa by the implementor.
pub trait TenantTools {
    fn search_catalog(&self, q: &CatalogQuery) -> Result<Vec<CatalogItem>>;
    fn item_details(&self, id: ItemId) -> Result<Option<CatalogItem>>;
    /// Returns the agendamento id.
    fn schedule(&self, a: &NovoAgendamento) -> Result<i64>;
    fn record_lead(&self, d: &DadosLead) -> Result<()>;
    fn handoff(&self, motivo: &str) -> Result<()>;
}

/// The result of one tool call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolOutcome {
    /// The JSON string to send back as the `tool` message content.
    pub content: String,
    /// Every money amount (centavos) present in `content`, for the price guard.
    pub precos_centavos: Vec<i64>,
    /// Whether the conversation was handed to a person.
    pub handoff: bool,
    /// False when the call was rejected or failed.
    pub ok: bool,
}

/// How many items a search returns to the model.
pub const LIMITE_BUSCA: u32 = 5;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Text,
    Int,
    /// A number in reais, converted to centavos.
    Money,
}

use Kind::{Int, Money, Text};

/// Argument names and kinds of the search tool of each setor.
const SEARCH_TOOLS: &[(&str, &[(&str, Kind)])] = &[
    (
        "buscar_veiculos",
        &[
            ("texto", Text),
            ("marca", Text),
            ("modelo", Text),
            ("ano_min", Int),
            ("ano_max", Int),
            ("preco_max", Money),
            ("km_max", Int),
            ("cambio", Text),
            ("combustivel", Text),
        ],
    ),
    (
        "buscar_imoveis",
        &[
            ("texto", Text),
            ("tipo", Text),
            ("finalidade", Text),
            ("bairro", Text),
            ("quartos_min", Int),
            ("preco_max", Money),
        ],
    ),
    ("buscar_pecas", &[("texto", Text), ("codigo_oem", Text), ("aplicacao", Text), ("marca", Text)]),
    ("buscar_produtos", &[("texto", Text), ("categoria", Text), ("preco_max", Money)]),
];

/// Argument names and kinds of the tools common to every setor.
const COMMON_TOOLS: &[(&str, &[(&str, Kind)])] = &[
    ("detalhes_item", &[("id", Int)]),
    ("agendar_visita", &[("item_id", Int), ("data_hora", Text), ("observacao", Text)]),
    ("registrar_lead", &[("nome", Text), ("interesse", Text), ("orcamento", Money), ("email", Text)]),
    ("transferir_para_humano", &[("motivo", Text)]),
];

/// The argument names `execute_tool` accepts for `name`, with their JSON Schema type
/// (`string` / `integer` / `number`); `None` for an unknown tool. Used to check templates.
pub fn tool_arguments(name: &str) -> Option<Vec<(&'static str, &'static str)>> {
    let (_, spec) = SEARCH_TOOLS.iter().chain(COMMON_TOOLS).find(|(n, _)| *n == name)?;
    Some(
        spec.iter()
            .map(|(arg, kind)| {
                let ty = match kind {
                    Text => "string",
                    Int => "integer",
                    Money => "number",
                };
                (*arg, ty)
            })
            .collect(),
    )
}

#[derive(Debug)]
enum Arg {
    Text(String),
    Int(i64),
}

type Args = Vec<(&'static str, Arg)>;

fn erro(msg: impl Into<String>) -> ToolOutcome {
    ToolOutcome { content: json!({ "erro": msg.into() }).to_string(), ..ToolOutcome::default() }
}

fn parse_args(arguments_json: &str, spec: &[(&'static str, Kind)]) -> std::result::Result<Args, String> {
    let raw = if arguments_json.trim().is_empty() { "{}" } else { arguments_json };
    let value: Value = serde_json::from_str(raw).map_err(|e| format!("argumentos inválidos: JSON malformado ({e})"))?;
    let Value::Object(map) = value else {
        return Err("argumentos inválidos: esperado um objeto JSON".into());
    };
    let mut out = Vec::new();
    for (key, v) in map {
        let Some((name, kind)) = spec.iter().find(|(n, _)| *n == key) else {
            let aceitos: Vec<&str> = spec.iter().map(|(n, _)| *n).collect();
            return Err(format!("argumentos inválidos: campo desconhecido {key:?} (aceitos: {})", aceitos.join(", ")));
        };
        let arg = match (kind, &v) {
            (_, Value::Null) => continue,
            (Text, Value::String(s)) if s.trim().is_empty() => continue,
            (Text, Value::String(s)) => Arg::Text(s.trim().chars().take(500).collect()),
            (Int, Value::Number(n)) => {
                match n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)) {
                    Some(i) if i >= 0 => Arg::Int(i),
                    _ => return Err(format!("argumentos inválidos: {key} deve ser um inteiro não negativo")),
                }
            }
            (Money, Value::Number(n)) => match n.as_f64() {
                Some(reais) if reais.is_finite() && (0.0..1e12).contains(&reais) => {
                    Arg::Int((reais * 100.0).round() as i64)
                }
                _ => return Err(format!("argumentos inválidos: {key} deve ser um valor em reais não negativo")),
            },
            (Text, _) => return Err(format!("argumentos inválidos: {key} deve ser texto")),
            (Int, _) => return Err(format!("argumentos inválidos: {key} deve ser um número inteiro")),
            (Money, _) => return Err(format!("argumentos inválidos: {key} deve ser um número (reais)")),
        };
        out.push((*name, arg));
    }
    Ok(out)
}

fn take_text(args: &mut Args, key: &str) -> Option<String> {
    let pos = args.iter().position(|(k, _)| *k == key)?;
    match args.remove(pos).1 {
        Arg::Text(s) => Some(s),
        Arg::Int(i) => Some(i.to_string()),
    }
}

fn take_int(args: &mut Args, key: &str) -> Option<i64> {
    let pos = args.iter().position(|(k, _)| *k == key)?;
    match args.remove(pos).1 {
        Arg::Int(i) => Some(i),
        Arg::Text(_) => None,
    }
}

fn reais(centavos: i64) -> Value {
    json!(centavos as f64 / 100.0)
}

/// The compact JSON view of an item the model sees (price as reais and pre-formatted).
fn item_json(item: &CatalogItem, descricao_max: usize) -> Value {
    let descricao: String = item.descricao.chars().take(descricao_max).collect();
    let mut v = json!({
        "id": item.id,
        "nome": item.nome,
        "descricao": descricao,
        "disponivel": item.disponivel,
    });
    if let Some(c) = &item.categoria {
        v["categoria"] = json!(c);
    }
    match item.preco_centavos {
        Some(p) => {
            v["preco"] = reais(p);
            v["preco_formatado"] = json!(format_brl(p));
        }
        None => v["preco"] = json!("sob consulta"),
    }
    if !item.atributos.is_empty() {
        v["atributos"] = Value::Object(item.atributos.clone());
    }
    v
}

fn store_failed(e: &crate::error::Error) -> ToolOutcome {
    log::warn!("ferramenta do bot falhou: {e}");
    erro("falha ao consultar o sistema da loja; ofereça um atendente ao cliente")
}

/// Runs one tool call from the model against `tools`. Never panics; every problem becomes
/// an `{"erro": ...}` JSON string for the model.
pub fn execute_tool(name: &str, arguments_json: &str, tools: &dyn TenantTools) -> ToolOutcome {
    let Some((_, spec)) = SEARCH_TOOLS.iter().chain(COMMON_TOOLS).find(|(n, _)| *n == name) else {
        return erro(format!("ferramenta desconhecida: {name:?}"));
    };
    let mut args = match parse_args(arguments_json, spec) {
        Ok(a) => a,
        Err(msg) => return erro(msg),
    };
    match name {
        "detalhes_item" => {
            let Some(id) = take_int(&mut args, "id").filter(|i| *i > 0) else {
                return erro("argumentos inválidos: id é obrigatório");
            };
            match tools.item_details(ItemId(id)) {
                Ok(Some(item)) => {
                    let precos = item.preco_centavos.into_iter().collect();
                    ToolOutcome {
                        content: json!({ "item": item_json(&item, 1500) }).to_string(),
                        precos_centavos: precos,
                        handoff: false,
                        ok: true,
                    }
                }
                Ok(None) => erro(format!("item {id} não encontrado no catálogo")),
                Err(e) => store_failed(&e),
            }
        }
        "agendar_visita" => {
            let item_id = take_int(&mut args, "item_id").filter(|i| *i > 0).map(ItemId);
            let Some(data_hora) = take_text(&mut args, "data_hora").filter(|d| looks_like_iso_datetime(d)) else {
                return erro("argumentos inválidos: data_hora é obrigatória no formato AAAA-MM-DDTHH:MM");
            };
            let a = NovoAgendamento { item_id, data_hora, observacao: take_text(&mut args, "observacao") };
            match tools.schedule(&a) {
                Ok(id) => ok_json(json!({
                    "ok": true, "agendamento_id": id, "status": "pendente", "data_hora": a.data_hora,
                    "aviso": "pedido registrado; a equipe ainda vai confirmar o horário"
                })),
                Err(e) => store_failed(&e),
            }
        }
        "registrar_lead" => {
            let d = DadosLead {
                nome: take_text(&mut args, "nome"),
                interesse: take_text(&mut args, "interesse"),
                orcamento_centavos: take_int(&mut args, "orcamento"),
                email: take_text(&mut args, "email"),
            };
            match tools.record_lead(&d) {
                Ok(()) => {
                    let mut v = json!({ "ok": true });
                    if let Some(o) = d.orcamento_centavos {
                        v["orcamento"] = reais(o);
                        v["orcamento_formatado"] = json!(format_brl(o));
                    }
                    ToolOutcome { precos_centavos: d.orcamento_centavos.into_iter().collect(), ..ok_json(v) }
                }
                Err(e) => store_failed(&e),
            }
        }
        "transferir_para_humano" => {
            let motivo = take_text(&mut args, "motivo").unwrap_or_else(|| "pedido_do_cliente".to_string());
            match tools.handoff(&motivo) {
                Ok(()) => ToolOutcome {
                    handoff: true,
                    ..ok_json(json!({ "ok": true, "aviso": "conversa transferida; um atendente vai continuar" }))
                },
                Err(e) => store_failed(&e),
            }
        }
        _ => search(args, tools),
    }
}

fn ok_json(v: Value) -> ToolOutcome {
    ToolOutcome { content: v.to_string(), precos_centavos: Vec::new(), handoff: false, ok: true }
}

fn search(mut args: Args, tools: &dyn TenantTools) -> ToolOutcome {
    let texto = take_text(&mut args, "texto");
    let preco_max = take_int(&mut args, "preco_max");
    let mut filtros = Map::new();
    for (k, v) in args {
        let v = match v {
            Arg::Text(s) => json!(s),
            Arg::Int(i) => json!(i),
        };
        filtros.insert(k.to_string(), v);
    }
    let q =
        CatalogQuery { texto, preco_min_centavos: None, preco_max_centavos: preco_max, filtros, limite: LIMITE_BUSCA };
    let items = match tools.search_catalog(&q) {
        Ok(items) => items,
        Err(e) => return store_failed(&e),
    };
    let mut precos: Vec<i64> = Vec::new();
    let shown: Vec<Value> = items
        .iter()
        .take(LIMITE_BUSCA as usize)
        .map(|item| {
            precos.extend(item.preco_centavos);
            item_json(item, 200)
        })
        .collect();
    let mut v = json!({ "total_encontrado": items.len(), "itens": shown });
    if let Some(p) = preco_max {
        v["preco_max_pedido"] = json!(format_brl(p));
        precos.push(p);
    }
    if items.is_empty() {
        v["aviso"] = json!("nada encontrado com esses filtros; não invente itens nem preços");
    }
    ToolOutcome { content: v.to_string(), precos_centavos: precos, handoff: false, ok: true }
}

/// `AAAA-MM-DD` followed by `T` or a space and `HH:MM` (seconds/zone allowed after).
fn looks_like_iso_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    b.len() >= 16
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b[10] == b'T' || b[10] == b' ')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
}

#[cfg(test)]
#[path = "tools_tests.rs"]
mod tests;
