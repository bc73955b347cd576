//! Catalog search for the rule engine: understood terms and filters become a ranked store
//! query; results are re-ranked by how well they match (rare words such as a model weigh
//! more than a colour; whole words more than prefixes); when nothing matches, filters are
//! relaxed in order (qualifiers, price +25%, other filters) and the answer says so. Words
//! the catalog does not know never block a search of the words it knows.

use std::collections::HashSet;

use serde_json::{json, Map, Value};

use super::lista::listar;
use super::{respostas, Fallback, Resposta, Turno};
use crate::bot::entender::atributos::canonico;
use crate::bot::entender::filtros::{Filtros, Ordem};
use crate::bot::entender::lexico::{self, CAMBIOS, COMBUSTIVEIS};
use crate::bot::entender::texto::stem;
use crate::bot::entender::vocabulario::{palavras_do_item, Vocabulario};
use crate::bot::entender::{Entendimento, Termo};
use crate::bot::explicacao::Explicacao;
use crate::bot::tools::{CatalogItem, CatalogQuery, TenantTools};
use crate::domain::{ItemId, Setor};

/// Candidates read from the store per query (re-ranked here).
const CANDIDATOS: u32 = 40;

/// What to search.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pedido {
    pub termos: Vec<Termo>,
    pub filtros: Filtros,
    pub ordem: Option<Ordem>,
    pub excluir: Vec<ItemId>,
}

/// What a search found.
#[derive(Debug, Clone, Default)]
pub(crate) struct Achados {
    /// Ranked, best first.
    pub itens: Vec<CatalogItem>,
    /// Product words the catalog does not have (`ferrari`).
    pub faltando: Vec<String>,
    /// What had to be loosened to find anything (pt-BR, for the answer).
    pub relaxado: Option<String>,
}

fn valores_de(vocab: &Vocabulario, campo: &str, pertence: impl Fn(&str) -> bool) -> Option<Value> {
    let todos = vocab.valores(campo);
    if todos.is_empty() {
        return None;
    }
    let brutos: Vec<Value> =
        todos.iter().filter(|v| pertence(v)).flat_map(|v| vocab.brutos(campo, v)).map(Value::String).collect();
    Some(Value::Array(brutos))
}

/// The store filters of `f` for `setor` (catalog values the customer's words mean).
fn filtros_da_loja(setor: Setor, f: &Filtros, vocab: &Vocabulario) -> Map<String, Value> {
    let mut m = Map::new();
    let mut int = |k: &str, v: Option<i64>| {
        if let Some(v) = v {
            m.insert(k.into(), json!(v));
        }
    };
    match setor {
        Setor::Veiculos => {
            int("ano_min", f.ano_min);
            int("ano_max", f.ano_max);
            int("km_max", f.km_max);
            if let Some(c) = &f.cambio {
                if let Some(v) = valores_de(vocab, "cambio", |v| canonico(CAMBIOS, v) == Some(c.as_str())) {
                    m.insert("cambio".into(), v);
                }
            }
            if let Some(c) = &f.combustivel {
                if let Some(v) = valores_de(vocab, "combustivel", |v| canonico(COMBUSTIVEIS, v) == Some(c.as_str())) {
                    m.insert("combustivel".into(), v);
                }
            }
        }
        Setor::Imoveis => {
            int("quartos_min", f.quartos_min);
            int("vagas_min", f.vagas_min);
            int("banheiros_min", f.banheiros_min);
            int("area_min", f.area_min);
            int("area_max", f.area_max);
            if let Some(fin) = &f.finalidade {
                m.insert("finalidade".into(), json!(fin));
            }
            if let Some(t) = &f.tipo {
                if let Some(v) = valores_de(vocab, "tipo", |v| lexico::tipos_de(v).contains(&t.as_str())) {
                    m.insert("tipo".into(), v);
                }
            }
            if !f.bairros.is_empty() {
                m.insert("bairro".into(), json!(f.bairros));
            }
        }
        Setor::Autopecas | Setor::Varejo | Setor::Servicos => {}
    }
    m
}

fn query(setor: Setor, p: &Pedido, filtros: &Filtros, termos: &[&Termo], vocab: &Vocabulario) -> CatalogQuery {
    let termos = termos
        .iter()
        .map(|t| t.alternativas.iter().filter(|a| a.len() >= 2).cloned().collect::<Vec<_>>())
        .filter(|alts| !alts.is_empty())
        .collect();
    CatalogQuery {
        termos,
        preco_min_centavos: filtros.preco_min,
        preco_max_centavos: filtros.preco_max,
        filtros: filtros_da_loja(setor, filtros, vocab),
        excluir: p.excluir.clone(),
        ordem: p.ordem.unwrap_or(Ordem::Relevancia),
        limite: CANDIDATOS,
        ..CatalogQuery::default()
    }
}

/// Whether `item` has every one of `termos` (whole words or stems).
fn casa_todos(item: &CatalogItem, termos: &[&Termo]) -> bool {
    let stems: HashSet<String> = palavras_do_item(item).iter().map(|w| stem(w)).collect();
    termos.iter().all(|t| t.alternativas.iter().any(|a| stems.contains(&stem(a))))
}

/// How well `item` matches `termos`: (weighted score, strong terms matched).
fn pontuar(item: &CatalogItem, termos: &[&Termo]) -> (f32, usize) {
    pontuar_com(item, termos, &HashSet::new())
}

/// [`pontuar`], where the words in `inteiros` (whole words of a candidate on sale) score no prefix:
/// with "Calça jeans" in the list, "calça" does not also find "Calçados".
fn pontuar_com(item: &CatalogItem, termos: &[&Termo], inteiros: &HashSet<String>) -> (f32, usize) {
    let palavras: HashSet<String> = palavras_do_item(item).into_iter().collect();
    let stems: HashSet<String> = palavras.iter().map(|w| stem(w)).collect();
    let mut score = 0.0;
    let mut fortes = 0;
    for t in termos {
        let m = t
            .alternativas
            .iter()
            .map(|a| {
                if palavras.contains(a) || stems.contains(&stem(a)) {
                    1.0
                } else if (a.len() >= 5 || (a.len() >= 3 && *a == t.palavra))
                    && !inteiros.contains(&t.palavra)
                    && palavras.iter().any(|w| w.starts_with(a.as_str()))
                {
                    // A short stem is no prefix: "calc" (calça) is not "calçados".
                    0.6
                } else {
                    0.0
                }
            })
            .fold(0.0_f32, f32::max);
        if m > 0.0 && !t.qualificador {
            fortes += 1;
        }
        score += m * t.peso * if t.qualificador { 0.5 } else { 1.0 };
    }
    (score, fortes)
}

fn ordenar(itens: &mut [(CatalogItem, f32, usize)], filtros: &Filtros, ordem: Option<Ordem>) {
    let preco = |i: &CatalogItem| i.preco_centavos.unwrap_or(i64::MAX);
    let attr = |i: &CatalogItem, k: &str| i.atributos.get(k).and_then(Value::as_i64);
    // "ap de 2 quartos" filters "at least 2" (a 3-bedroom one may do), but the ones with
    // exactly what was asked come first.
    let exato = |i: &CatalogItem| filtros.quartos_min.is_some_and(|q| attr(i, "quartos") == Some(q));
    itens.sort_by(|(a, sa, _), (b, sb, _)| {
        let relevancia = sb.partial_cmp(sa).unwrap_or(std::cmp::Ordering::Equal);
        let estoque = b.em_estoque().cmp(&a.em_estoque());
        let quartos = exato(b).cmp(&exato(a));
        let por_ordem = match (ordem, filtros.preco_alvo, filtros.preco_max) {
            (Some(Ordem::MenorPreco), ..) => preco(a).cmp(&preco(b)),
            (Some(Ordem::MaiorPreco), ..) => preco(b).cmp(&preco(a)),
            (Some(Ordem::MaisNovo), ..) => attr(b, "ano").cmp(&attr(a, "ano")),
            (Some(Ordem::MenorKm), ..) => attr(a, "km").unwrap_or(i64::MAX).cmp(&attr(b, "km").unwrap_or(i64::MAX)),
            (_, Some(alvo), _) => (preco(a) - alvo).abs().cmp(&(preco(b) - alvo).abs()),
            // With a budget, the best the customer can afford first.
            (_, None, Some(_)) => preco(b).cmp(&preco(a)),
            _ => preco(a).cmp(&preco(b)),
        };
        estoque.then(quartos).then(relevancia).then(por_ordem)
    });
}

/// Runs one store query and keeps the items that match best.
fn rodada(
    setor: Setor,
    p: &Pedido,
    filtros: &Filtros,
    termos: &[&Termo],
    vocab: &Vocabulario,
    tools: &dyn TenantTools,
    expl: &mut Explicacao,
) -> Vec<CatalogItem> {
    let q = query(setor, p, filtros, termos, vocab);
    let args = json!({
        "termos": q.termos, "preco_min": q.preco_min_centavos, "preco_max": q.preco_max_centavos,
        "filtros": q.filtros, "ordem": format!("{:?}", q.ordem), "excluir": q.excluir,
    });
    let itens = match tools.search_catalog(&q) {
        Ok(i) => i,
        Err(e) => {
            log::warn!("fallback: busca no catálogo falhou: {e}");
            expl.ferramenta("buscar_catalogo", args, format!("erro: {e}"));
            return Vec::new();
        }
    };
    expl.ferramenta("buscar_catalogo", args, format!("{} candidatos", itens.len()));
    let inteiros: HashSet<String> = termos
        .iter()
        .filter(|t| {
            // Only what can be sold counts: a sold HB20 leaves "hb20" finding the HB20S.
            itens.iter().filter(|i| i.em_estoque()).any(|i| {
                let ws = palavras_do_item(i);
                t.alternativas.iter().any(|a| ws.iter().any(|w| w == a || stem(w) == stem(a)))
            })
        })
        .map(|t| t.palavra.clone())
        .collect();
    let mut pontuados: Vec<(CatalogItem, f32, usize)> = itens
        .into_iter()
        .map(|i| {
            let (s, f) = pontuar_com(&i, termos, &inteiros);
            (i, s, f)
        })
        .collect();
    let fortes_max = pontuados.iter().map(|(_, _, f)| *f).max().unwrap_or(0);
    let tem_fortes = termos.iter().any(|t| !t.qualificador);
    if tem_fortes {
        pontuados.retain(|(_, _, f)| *f == fortes_max && fortes_max > 0);
        let melhor = pontuados.iter().map(|(_, s, _)| *s).fold(0.0_f32, f32::max);
        // When the best matches cannot be sold now, the close ones that can (`hb20` → the
        // HB20S beside a sold HB20) come along.
        let vendaveis = pontuados.iter().any(|(i, s, _)| *s >= melhor * 0.75 && i.em_estoque());
        let corte = if vendaveis { 0.75 } else { 0.5 };
        pontuados.retain(|(i, s, _)| *s >= melhor * 0.75 || (*s >= melhor * corte && i.em_estoque()));
    } else if !termos.is_empty() {
        pontuados.retain(|(_, s, _)| *s > 0.0);
    }
    // Out of stock only when the customer named it (a product, or the bairro when nothing
    // there is free): browsing shows what can be sold.
    let so_indisponiveis_no_bairro =
        !filtros.bairros.is_empty() && !pontuados.is_empty() && !pontuados.iter().any(|(i, _, _)| i.em_estoque());
    if !tem_fortes && !so_indisponiveis_no_bairro {
        pontuados.retain(|(i, _, _)| i.em_estoque());
    }
    ordenar(&mut pontuados, filtros, p.ordem);
    pontuados.into_iter().map(|(i, _, _)| i).collect()
}

/// The relaxation ladder: each step's filters and what the answer says about it. Price goes
/// up a quarter first; then numbers soften (area, year, km, rooms); then they go, keeping the
/// kind of item, the purpose and the bairro; then the bairro; then the type; with a product
/// named, at last the price.
fn degraus(f: &Filtros, fortes: bool) -> Vec<(Filtros, &'static str)> {
    let mut out = Vec::new();
    if f.preco_max.is_some() {
        let mut g = f.clone();
        g.preco_max = g.preco_max.map(|v| v + v / 4);
        g.preco_min = g.preco_min.map(|v| v - v / 5);
        g.preco_alvo = None;
        out.push((g, "Dentro desse valor não encontrei, mas um pouco acima tenho:"));
    }
    let numeros = f.area_min.is_some()
        || f.area_max.is_some()
        || f.ano_min.is_some()
        || f.ano_max.is_some()
        || f.km_max.is_some()
        || f.quartos_min.is_some()
        || f.vagas_min.is_some()
        || f.banheiros_min.is_some();
    if numeros {
        let mut g = f.clone();
        g.area_min = g.area_min.map(|a| a * 85 / 100);
        g.area_max = g.area_max.map(|a| a * 115 / 100);
        g.ano_min = g.ano_min.map(|a| a - 1);
        g.ano_max = g.ano_max.map(|a| a + 1);
        g.km_max = g.km_max.map(|k| k + k / 4);
        g.quartos_min = g.quartos_min.map(|q| (q - 1).max(1));
        g.vagas_min = g.vagas_min.map(|v| (v - 1).max(0));
        g.banheiros_min = g.banheiros_min.map(|b| (b - 1).max(1));
        out.push((g, "Exatamente assim não encontrei, mas tenho estas opções bem próximas:"));
    }
    let basicos = Filtros {
        preco_min: f.preco_min,
        preco_max: f.preco_max,
        finalidade: f.finalidade.clone(),
        tipo: f.tipo.clone(),
        bairros: f.bairros.clone(),
        ..Filtros::default()
    };
    if basicos != *f {
        out.push((basicos.clone(), "Com todas essas características não encontrei, mas tenho estas opções parecidas:"));
    }
    if !basicos.bairros.is_empty() {
        let g = Filtros { bairros: Vec::new(), ..basicos.clone() };
        out.push((g, "Nesse bairro não encontrei agora, mas tenho em outros bairros:"));
    }
    if basicos.tipo.is_some() && !fortes {
        let g = Filtros { bairros: Vec::new(), tipo: None, ..basicos.clone() };
        out.push((g, "Desse tipo não encontrei agora, mas tenho estas opções:"));
    }
    if fortes && basicos.tem_preco() {
        let g = Filtros { preco_min: None, preco_max: None, preco_alvo: None, ..basicos };
        out.push((g, "Nessa faixa de valor não encontrei; veja as opções que tenho:"));
    }
    out
}

/// Searches, relaxing what the customer asked step by step when nothing matches.
pub(crate) fn buscar(
    setor: Setor,
    p: &Pedido,
    vocab: &Vocabulario,
    tools: &dyn TenantTools,
    expl: &mut Explicacao,
) -> Achados {
    let conhecidos: Vec<&Termo> = p.termos.iter().filter(|t| t.conhecido).collect();
    let faltando: Vec<String> =
        p.termos.iter().filter(|t| !t.conhecido && !t.qualificador).map(|t| t.palavra.clone()).collect();
    let fortes_conhecidos = conhecidos.iter().any(|t| !t.qualificador);
    let mut achados = Achados { faltando: faltando.clone(), ..Achados::default() };
    // Only unknown product words: nothing of that kind here (filters alone may still answer).
    if !faltando.is_empty() && !fortes_conhecidos && p.filtros.vazio() {
        return achados;
    }
    let mut itens = rodada(setor, p, &p.filtros, &conhecidos, vocab, tools, expl);
    // Asked for a product the catalog does not have: only what the other filters match, as asked.
    if !faltando.is_empty() && !fortes_conhecidos {
        expl.achou(itens.iter().take(5).map(|i| (i.id, i.nome.clone(), i.preco_centavos)));
        achados.itens = itens;
        return achados;
    }
    let qualificadores: Vec<&Termo> = conhecidos.iter().copied().filter(|t| t.qualificador).collect();
    if !itens.is_empty() && !qualificadores.is_empty() && !itens.iter().any(|i| casa_todos(i, &qualificadores)) {
        let quais: Vec<String> = qualificadores.iter().map(|t| t.palavra.clone()).collect();
        achados.relaxado = Some(format!("Não encontrei com \"{}\", mas tenho:", quais.join(" ")));
    }
    if itens.is_empty() && conhecidos.iter().any(|t| t.qualificador) && fortes_conhecidos {
        let sem_qualif: Vec<&Termo> = conhecidos.iter().copied().filter(|t| !t.qualificador).collect();
        let quais: Vec<String> = conhecidos.iter().filter(|t| t.qualificador).map(|t| t.palavra.clone()).collect();
        itens = rodada(setor, p, &p.filtros, &sem_qualif, vocab, tools, expl);
        if !itens.is_empty() {
            achados.relaxado = Some(format!("Não encontrei com \"{}\", mas tenho:", quais.join(" ")));
        }
    }
    // Nothing yet: loosen what was asked, the least important first, and say so.
    for (filtros, aviso) in degraus(&p.filtros, fortes_conhecidos) {
        if !itens.is_empty() {
            break;
        }
        itens = rodada(setor, p, &filtros, &conhecidos, vocab, tools, expl);
        if !itens.is_empty() {
            achados.relaxado = Some(aviso.into());
        }
    }
    expl.achou(itens.iter().take(5).map(|i| (i.id, i.nome.clone(), i.preco_centavos)));
    achados.itens = itens;
    achados
}

/// Answers a search message: the items found (at most three), what could not be matched,
/// and one next-step question; remembers the list, the search and the offer.
pub(crate) fn responder(fb: &Fallback, e: &Entendimento, vocab: &Vocabulario, t: &mut Turno<'_>) -> Resposta {
    t.explicacao.intencao = "busca".into();
    let mut pedido =
        Pedido { termos: e.termos.clone(), filtros: e.filtros.clone(), ordem: e.ordem, excluir: Vec::new() };
    // "e automático?", "e o preto?", "tem em Moema?": refine the last search.
    let so_refina = !e.termos.iter().any(|t| !t.qualificador)
        && (e.continuacao || e.norm.split(' ').count() <= 5)
        && !e.norm.split(' ').any(|w| lexico::palavras_de_categoria(fb.setor).contains(&w));
    if let (true, Some(antes)) = (so_refina && (e.busca_algo()), t.estado.busca.clone()) {
        t.explicacao.intencao = "busca_refinada".into();
        let mut filtros = antes.filtros.clone();
        filtros.sobrepor(&e.filtros);
        let mut sem_preco = e.filtros.clone();
        sem_preco.preco_min = None;
        sem_preco.preco_max = None;
        sem_preco.preco_alvo = None;
        // "e até 60 mil?": any item in that range, not only the model shown.
        let so_preco = e.termos.is_empty() && sem_preco.vazio() && e.filtros.tem_preco();
        let mut termos: Vec<Termo> = Vec::new();
        for palavra in antes.termos.iter().filter(|_| !so_preco) {
            if let Some(t) = crate::bot::entender::entender(fb.setor, palavra, vocab).termos.into_iter().next() {
                if !t.qualificador {
                    termos.push(t);
                }
            }
        }
        termos.extend(e.termos.iter().cloned());
        pedido = Pedido { termos, filtros, ordem: e.ordem.or(antes.ordem), excluir: Vec::new() };
    }
    if !pedido_tem_algo(&pedido) {
        t.explicacao.intencao = "pergunta_sem_item".into();
        if let Some(foco) = t.estado.foco.clone() {
            if let Ok(Some(item)) = t.tools.item_details(foco.id) {
                t.estado.lembrar_precos(&item.preco_centavos.into_iter().collect::<Vec<_>>());
                return Resposta::texto(format!(
                    "{}
{}",
                    respostas::linha(fb.setor, &item),
                    respostas::proximo_passo(fb.setor)
                ));
            }
        }
        return Resposta::texto(respostas::pergunta_o_que(fb.setor).into());
    }
    let mut achados = buscar(fb.setor, &pedido, vocab, t.tools, t.explicacao);
    if let Some(juntos) = por_partes(fb, e, &pedido, &achados, vocab, t) {
        achados = juntos;
    }
    so_carros_se_pediu_carro(fb.setor, &e.norm, &mut achados.itens);
    listar(fb, &pedido, achados, t, None)
}

/// Whether an item of a vehicle store is a motorcycle (its category, type or name says so).
pub(crate) fn e_moto(item: &CatalogItem) -> bool {
    let tipo = item.atributos.get("tipo").and_then(Value::as_str).unwrap_or("");
    let texto = crate::bot::entender::texto::normalize(&format!(
        "{} {tipo} {}",
        item.categoria.as_deref().unwrap_or(""),
        item.nome
    ));
    texto.split(' ').any(|w| matches!(w, "moto" | "motos" | "motocicleta" | "motocicletas" | "scooter" | "motoneta"))
}

/// "tem carro vermelho?" in a store that also sells motorcycles: cars only (when any match).
pub(crate) fn so_carros_se_pediu_carro(setor: Setor, norm: &str, itens: &mut Vec<CatalogItem>) {
    let ws: Vec<&str> = norm.split(' ').collect();
    let carro = ws.iter().any(|w| matches!(*w, "carro" | "carros" | "carrinho" | "automovel" | "automoveis"));
    let moto = ws.iter().any(|w| w.starts_with("moto") || *w == "scooter");
    if setor == Setor::Veiculos && carro && !moto && itens.iter().any(|i| !e_moto(i)) {
        itens.retain(|i| !e_moto(i));
    }
}

/// "um pivô e um terminal de direção pro Polo": when no single item has every product word
/// and the message joins products with "e" or commas, each part is searched on its own and
/// the best of each is shown.
fn por_partes(
    fb: &Fallback,
    e: &Entendimento,
    pedido: &Pedido,
    achados: &Achados,
    vocab: &Vocabulario,
    t: &mut Turno<'_>,
) -> Option<Achados> {
    let fortes: Vec<&Termo> = pedido.termos.iter().filter(|t| t.conhecido && !t.qualificador).collect();
    // "manicure ou pedicure?", "a vela; tb preciso do filtro": alternatives and additions are
    // always separate products.
    let alternativas = [" ou ", " tambem "];
    let separadas = alternativas.iter().any(|s| e.norm.contains(s));
    let partes: Vec<&str> = e
        .norm
        .split([','])
        .flat_map(|p| p.split(" e "))
        .flat_map(|p| p.split(" ou "))
        .flat_map(|p| p.split(" tambem "))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    // "2 óleos e um filtro": a list with quantities is always separate products, even when
    // one item ("Filtro de óleo") has every word.
    let contadas = partes.len() >= 2
        && partes.iter().skip(1).all(|p| {
            let w = p.split(' ').next().unwrap_or_default();
            w.chars().all(|c| c.is_ascii_digit())
                || matches!(w, "um" | "uma" | "dois" | "duas" | "tres" | "quatro" | "cinco")
        });
    let um_so = achados.itens.first().is_some_and(|i| pontuar(i, &fortes).1 == fortes.len()) && !contadas && !separadas;
    // "kitnet ou studio": a type and a word, as alternatives, when together they found nothing.
    let alternativas_sem_resultado = separadas && achados.itens.is_empty();
    if (fortes.len() < 2 && !alternativas_sem_resultado)
        || um_so
        || !(e.norm.contains(" e ") || e.norm.contains(',') || separadas)
    {
        return None;
    }
    let mut itens: Vec<CatalogItem> = Vec::new();
    let mut buscadas = 0;
    for parte in partes {
        let da_parte = crate::bot::entender::entender(fb.setor, parte, vocab);
        let termos: Vec<Termo> = da_parte.termos.into_iter().filter(|t| t.conhecido && !t.qualificador).collect();
        let mut filtros = pedido.filtros.clone();
        if separadas {
            // Each alternative keeps its own kind of property.
            filtros.tipo = da_parte.filtros.tipo;
        }
        if termos.is_empty() && !(separadas && filtros.tipo.is_some()) {
            continue;
        }
        buscadas += 1;
        let p = Pedido { termos, filtros, ordem: pedido.ordem, excluir: Vec::new() };
        let a = buscar(fb.setor, &p, vocab, t.tools, t.explicacao);
        for item in a.itens.into_iter().take(1) {
            if !itens.iter().any(|i| i.id == item.id) {
                itens.push(item);
            }
        }
    }
    (buscadas >= 2 && itens.len() >= 2).then(|| Achados {
        itens,
        faltando: Vec::new(),
        relaxado: Some("Encontrei:".into()),
    })
}

fn pedido_tem_algo(p: &Pedido) -> bool {
    !p.termos.is_empty() || !p.filtros.vazio() || p.ordem.is_some()
}

#[cfg(test)]
#[path = "busca_tests.rs"]
mod tests;
