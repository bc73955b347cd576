//! Running the model's tool calls: [`execute_tool`] validates a call's JSON arguments,
//! converts reais to centavos, runs it against [`TenantTools`] and renders the compact JSON
//! answer sent back to the model, with every money amount it carries (for the price guard).
//! The agenda tools (`consultar_horarios`, `agendar_visita`) apply the same rules as the
//! rule engine: opening hours, minimum notice, no double booking.
//!
//! Nothing here panics on model input: bad JSON, unknown tools, unknown fields and wrong
//! types all become an `{"erro": ...}` tool message so the model can correct itself.

use serde_json::{json, Map, Value};

use crate::bot::agenda::{horarios_livres, Agenda, DataHora, Periodo, Preferencia};
use crate::bot::entender::dinheiro::format_brl;
use crate::bot::tools::{CatalogItem, CatalogQuery, DadosLead, NovoAgendamento, TenantTools};
use crate::domain::{ItemId, Setor};

/// What the agenda tools need besides the tenant: the rules and the local time.
#[derive(Debug, Clone, Copy)]
pub struct ContextoFerramentas {
    pub setor: Setor,
    pub agenda: Agenda,
    pub agora: DataHora,
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
    /// The id of an appointment this call booked.
    pub agendamento: Option<i64>,
    /// Items this call returned (id, name, price), for the dialog state and the simulator.
    pub itens: Vec<(ItemId, String, Option<i64>)>,
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
    ("consultar_horarios", &[("data", Text), ("periodo", Text)]),
    (
        "agendar_visita",
        &[("data_hora", Text), ("item_id", Int), ("tipo", Text), ("nome_cliente", Text), ("observacao", Text)],
    ),
    (
        "registrar_lead",
        &[("nome", Text), ("interesse", Text), ("orcamento", Money), ("email", Text), ("horario_preferido", Text)],
    ),
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

/// The compact JSON view of an item the model sees (money as reais and pre-formatted), and
/// every amount it shows.
fn item_json(item: &CatalogItem, descricao_max: usize) -> (Value, Vec<i64>) {
    let descricao: String = item.descricao.chars().take(descricao_max).collect();
    let mut precos = Vec::new();
    let mut v = json!({
        "id": item.id,
        "nome": item.nome,
        "descricao": descricao,
        "disponivel": item.em_estoque(),
    });
    if let Some(c) = &item.categoria {
        v["categoria"] = json!(c);
    }
    match item.preco_centavos {
        Some(p) => {
            v["preco"] = reais(p);
            v["preco_formatado"] = json!(format_brl(p));
            precos.push(p);
        }
        None => v["preco"] = json!("sob consulta"),
    }
    let mut atributos = Map::new();
    for (k, val) in &item.atributos {
        if val.is_null() {
            continue;
        }
        match (k.strip_suffix("_centavos"), val.as_i64()) {
            (Some(nome), Some(c)) => {
                atributos.insert(nome.to_string(), reais(c));
                atributos.insert(format!("{nome}_formatado"), json!(format_brl(c)));
                precos.push(c);
            }
            _ => {
                atributos.insert(k.clone(), val.clone());
            }
        }
    }
    if !atributos.is_empty() {
        v["atributos"] = Value::Object(atributos);
    }
    (v, precos)
}

fn store_failed(e: &crate::error::Error) -> ToolOutcome {
    log::warn!("ferramenta do bot falhou: {e}");
    erro("falha ao consultar o sistema da loja; ofereça um atendente ao cliente")
}

fn ok_json(v: Value) -> ToolOutcome {
    ToolOutcome { content: v.to_string(), ok: true, ..ToolOutcome::default() }
}

/// Runs one tool call from the model against `tools`. Never panics; every problem becomes
/// an `{"erro": ...}` JSON string for the model.
pub fn execute_tool(
    name: &str,
    arguments_json: &str,
    tools: &dyn TenantTools,
    ctx: &ContextoFerramentas,
) -> ToolOutcome {
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
                    let (v, precos) = item_json(&item, 1500);
                    ToolOutcome {
                        content: json!({ "item": v }).to_string(),
                        precos_centavos: precos,
                        ok: true,
                        itens: vec![(item.id, item.nome.clone(), item.preco_centavos)],
                        ..ToolOutcome::default()
                    }
                }
                Ok(None) => erro(format!("item {id} não encontrado no catálogo")),
                Err(e) => store_failed(&e),
            }
        }
        "consultar_horarios" => consultar_horarios(args, tools, ctx),
        "agendar_visita" => agendar(args, tools, ctx),
        "registrar_lead" => {
            let d = DadosLead {
                nome: take_text(&mut args, "nome"),
                interesse: take_text(&mut args, "interesse"),
                orcamento_centavos: take_int(&mut args, "orcamento"),
                email: take_text(&mut args, "email"),
                horario_preferido: take_text(&mut args, "horario_preferido"),
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
        CatalogQuery { texto, preco_max_centavos: preco_max, filtros, limite: LIMITE_BUSCA, ..CatalogQuery::default() };
    let items = match tools.search_catalog(&q) {
        Ok(items) => items,
        Err(e) => return store_failed(&e),
    };
    let mut precos: Vec<i64> = Vec::new();
    let mut itens = Vec::new();
    let shown: Vec<Value> = items
        .iter()
        .take(LIMITE_BUSCA as usize)
        .map(|item| {
            let (v, p) = item_json(item, 200);
            precos.extend(p);
            itens.push((item.id, item.nome.clone(), item.preco_centavos));
            v
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
    ToolOutcome { content: v.to_string(), precos_centavos: precos, ok: true, itens, ..ToolOutcome::default() }
}

fn periodo(s: &str) -> Option<Periodo> {
    match crate::bot::entender::texto::normalize(s).as_str() {
        "manha" => Some(Periodo::Manha),
        "tarde" => Some(Periodo::Tarde),
        "noite" => Some(Periodo::Noite),
        _ => None,
    }
}

fn ocupados(
    tools: &dyn TenantTools,
    ctx: &ContextoFerramentas,
) -> crate::error::Result<Vec<crate::bot::agenda::Ocupado>> {
    tools.agenda_ocupada(ctx.agora.data, ctx.agora.data.mais(crate::bot::agenda::HORIZONTE_DIAS))
}

fn consultar_horarios(mut args: Args, tools: &dyn TenantTools, ctx: &ContextoFerramentas) -> ToolOutcome {
    let mut pref = Preferencia::default();
    if let Some(d) = take_text(&mut args, "data") {
        match crate::bot::agenda::Data::de_iso(&d) {
            Some(data) => pref.data = Some(data),
            None => return erro("argumentos inválidos: data deve ser AAAA-MM-DD"),
        }
    }
    if let Some(p) = take_text(&mut args, "periodo") {
        pref.periodo = periodo(&p);
    }
    let ocupados = match ocupados(tools, ctx) {
        Ok(o) => o,
        Err(e) => return store_failed(&e),
    };
    let livres = horarios_livres(&ctx.agenda, ctx.agora, &ocupados, &pref, 6);
    let mut v = json!({
        "horarios": livres.iter().map(|d| d.iso()).collect::<Vec<_>>(),
        "por_extenso": livres.iter().map(|d| d.por_extenso()).collect::<Vec<_>>(),
        "duracao_min": ctx.agenda.duracao_min,
        "horario_de_atendimento": ctx.agenda.expediente.texto(),
        "agora": ctx.agora.iso(),
    });
    if livres.is_empty() {
        v["aviso"] = json!("nenhum horário livre com esse filtro; ofereça outro dia ou um atendente");
    }
    ok_json(v)
}

fn agendar(mut args: Args, tools: &dyn TenantTools, ctx: &ContextoFerramentas) -> ToolOutcome {
    let Some(inicio) = take_text(&mut args, "data_hora").and_then(|d| DataHora::de_iso(&d)) else {
        return erro("argumentos inválidos: data_hora é obrigatória no formato AAAA-MM-DD HH:MM (horário de Brasília)");
    };
    let item_id = take_int(&mut args, "item_id").filter(|i| *i > 0).map(ItemId);
    let tipo = match take_text(&mut args, "tipo").as_deref() {
        Some("test_drive") => "test_drive",
        Some("servico") => "servico",
        Some("visita") | None => {
            if ctx.setor == Setor::Servicos {
                "servico"
            } else {
                "visita"
            }
        }
        Some(outro) => {
            return erro(format!("argumentos inválidos: tipo {outro:?} (use visita, test_drive ou servico)"))
        }
    };
    let nome = take_text(&mut args, "nome_cliente");
    let observacao = take_text(&mut args, "observacao");
    let ocupados = match ocupados(tools, ctx) {
        Ok(o) => o,
        Err(e) => return store_failed(&e),
    };
    if let Err(recusa) = ctx.agenda.cabe(inicio, ctx.agora, &ocupados) {
        let livres = horarios_livres(
            &ctx.agenda,
            ctx.agora,
            &ocupados,
            &Preferencia { data: Some(inicio.data), ..Preferencia::default() },
            4,
        );
        let livres = if livres.is_empty() {
            horarios_livres(&ctx.agenda, ctx.agora, &ocupados, &Preferencia::default(), 4)
        } else {
            livres
        };
        return ToolOutcome {
            content: json!({
                "erro": format!("não agendado: {}", recusa.motivo()),
                "horarios_livres": livres.iter().map(|d| d.iso()).collect::<Vec<_>>(),
            })
            .to_string(),
            ..ToolOutcome::default()
        };
    }
    if nome.is_some() {
        if let Err(e) = tools.record_lead(&DadosLead { nome: nome.clone(), ..DadosLead::default() }) {
            log::warn!("agendar_visita: nome do cliente não registrado: {e}");
        }
    }
    let novo = NovoAgendamento {
        item_id,
        data_hora: inicio.iso(),
        duracao_min: ctx.agenda.duracao_min,
        tipo: tipo.to_string(),
        observacao,
        simultaneas: ctx.agenda.simultaneas,
    };
    match tools.schedule(&novo) {
        Ok(id) => ToolOutcome {
            agendamento: Some(id),
            ..ok_json(json!({
                "ok": true, "agendamento_id": id, "status": "agendado", "data_hora": novo.data_hora,
                "por_extenso": inicio.por_extenso(), "tipo": tipo,
            }))
        },
        Err(crate::error::Error::Conflict { .. }) => {
            erro("não agendado: esse horário acabou de ser ocupado; consulte os horários de novo")
        }
        Err(e) => store_failed(&e),
    }
}

#[cfg(test)]
#[path = "tools_tests.rs"]
mod tests;
