//! Catalog search for the rule engine: understood terms and filters become a ranked store
//! query; results are re-ranked by how well they match (rare words such as a model weigh
//! more than a colour; whole words more than prefixes); when nothing matches, filters are
//! relaxed in order (qualifiers, price +25%, other filters) and the answer says so. Words
//! the catalog does not know never block a search of the words it knows.

use std::collections::HashSet;

use serde_json::{json, Map, Value};

use super::{respostas, Fallback, Resposta, Turno};
use crate::bot::dialogo::{BuscaSalva, ItemMostrado, Oferta};
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
                } else if a.len() >= 3 && palavras.iter().any(|w| w.starts_with(a.as_str())) {
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
    itens.sort_by(|(a, sa, _), (b, sb, _)| {
        let relevancia = sb.partial_cmp(sa).unwrap_or(std::cmp::Ordering::Equal);
        let estoque = b.em_estoque().cmp(&a.em_estoque());
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
        estoque.then(relevancia).then(por_ordem)
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
    let mut pontuados: Vec<(CatalogItem, f32, usize)> = itens
        .into_iter()
        .map(|i| {
            let (s, f) = pontuar(&i, termos);
            (i, s, f)
        })
        .collect();
    let fortes_max = pontuados.iter().map(|(_, _, f)| *f).max().unwrap_or(0);
    let tem_fortes = termos.iter().any(|t| !t.qualificador);
    if tem_fortes {
        pontuados.retain(|(_, _, f)| *f == fortes_max && fortes_max > 0);
        let melhor = pontuados.iter().map(|(_, s, _)| *s).fold(0.0_f32, f32::max);
        pontuados.retain(|(_, s, _)| *s >= melhor * 0.75);
    } else if !termos.is_empty() {
        pontuados.retain(|(_, s, _)| *s > 0.0);
    }
    // Out of stock only when the customer named it: browsing shows what can be sold.
    if !tem_fortes {
        pontuados.retain(|(i, _, _)| i.em_estoque());
    }
    ordenar(&mut pontuados, filtros, p.ordem);
    pontuados.into_iter().map(|(i, _, _)| i).collect()
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
    if itens.is_empty() && p.filtros.preco_max.is_some() {
        let mut f = p.filtros.clone();
        f.preco_max = f.preco_max.map(|v| v + v / 4);
        f.preco_min = f.preco_min.map(|v| v - v / 5);
        f.preco_alvo = None;
        let mais = rodada(setor, p, &f, &conhecidos, vocab, tools, expl);
        if !mais.is_empty() {
            itens = mais;
            achados.relaxado = Some("Dentro desse valor não encontrei, mas um pouco acima tenho:".into());
        }
    }
    if itens.is_empty() {
        let mut f = Filtros {
            preco_min: p.filtros.preco_min,
            preco_max: p.filtros.preco_max,
            finalidade: p.filtros.finalidade.clone(),
            ..Filtros::default()
        };
        if f != p.filtros {
            let soltos = rodada(setor, p, &f, &conhecidos, vocab, tools, expl);
            if soltos.is_empty() && f.tem_preco() && fortes_conhecidos {
                f.preco_min = None;
                f.preco_max = None;
                itens = rodada(setor, p, &f, &conhecidos, vocab, tools, expl);
            } else {
                itens = soltos;
            }
            if !itens.is_empty() {
                achados.relaxado =
                    Some("Com todas essas características não encontrei, mas tenho estas opções parecidas:".into());
            }
        } else if f.tem_preco() && fortes_conhecidos {
            f.preco_min = None;
            f.preco_max = None;
            itens = rodada(setor, p, &f, &conhecidos, vocab, tools, expl);
            if !itens.is_empty() {
                achados.relaxado = Some("Nessa faixa de valor não encontrei; veja as opções que tenho:".into());
            }
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
    let achados = buscar(fb.setor, &pedido, vocab, t.tools, t.explicacao);
    listar(fb, &pedido, achados, t, None)
}

fn pedido_tem_algo(p: &Pedido) -> bool {
    !p.termos.is_empty() || !p.filtros.vazio() || p.ordem.is_some()
}

/// The answer for a list of results, with `intro` replacing the default opening line.
pub(crate) fn listar(
    fb: &Fallback,
    pedido: &Pedido,
    achados: Achados,
    t: &mut Turno<'_>,
    intro: Option<&str>,
) -> Resposta {
    let setor = fb.setor;
    let palavras: Vec<String> = pedido.termos.iter().map(|t| t.palavra.clone()).collect();
    if !palavras.is_empty() {
        t.interesse = Some(palavras.join(" "));
    }
    if achados.itens.is_empty() {
        let texto = if achados.faltando.is_empty() {
            "Não encontrei opções com essas características no momento. 😕".to_string()
        } else if setor == Setor::Veiculos
            && achados.faltando.iter().any(|f| lexico::MARCAS_VEICULOS.contains(&f.as_str()))
        {
            let marca = achados
                .faltando
                .iter()
                .find(|f| lexico::MARCAS_VEICULOS.contains(&f.as_str()))
                .cloned()
                .unwrap_or_default();
            format!("No momento não temos {} no estoque. 😕", capitalizar(&marca))
        } else {
            format!("Não encontrei \"{}\" no catálogo da {} no momento. 😕", achados.faltando.join(" "), fb.empresa)
        };
        t.estado.oferta = Some(Oferta::Atendente { motivo: "sem_resultado".into() });
        return Resposta::texto(format!("{texto} Quer que eu chame um atendente para verificar com você?"));
    }
    let total = achados.itens.len();
    let mostrar: Vec<&CatalogItem> = achados.itens.iter().take(3).collect();
    let mut linhas: Vec<String> = Vec::new();
    let abertura = match (intro, &achados.relaxado, achados.faltando.is_empty()) {
        (Some(i), ..) => i.to_string(),
        (None, Some(r), _) => r.clone(),
        (None, None, false) => format!("Não encontrei \"{}\", mas tenho:", achados.faltando.join(" ")),
        (None, None, true) if total == 1 => "Temos sim! 😊".into(),
        (None, None, true) if pedido.filtros.tem_preco() => "Dentro do valor que você falou, tenho:".into(),
        (None, None, true) => "Encontrei estas opções:".into(),
    };
    linhas.push(abertura);
    for item in &mostrar {
        linhas.push(respostas::linha(setor, item));
    }
    let shown: Vec<ItemMostrado> = mostrar
        .iter()
        .map(|i| ItemMostrado { id: i.id, nome: i.nome.trim().to_string(), preco_centavos: i.preco_centavos })
        .collect();
    t.estado.mostrar(shown);
    if total == 1 || mostrar.len() == 1 {
        t.interesse = Some(mostrar[0].nome.trim().to_string());
    }
    t.estado.busca = Some(BuscaSalva { termos: palavras, filtros: pedido.filtros.clone(), ordem: pedido.ordem });
    let unico_sem_estoque = mostrar.len() == 1 && !mostrar[0].em_estoque();
    let mais = total.saturating_sub(mostrar.len());
    if unico_sem_estoque {
        t.estado.oferta = Some(Oferta::Encomenda { item: mostrar[0].id });
        linhas.push(
            "Esse está sem estoque no momento. Quer que eu peça para a equipe verificar a encomenda e te avisar?"
                .into(),
        );
        return Resposta::texto(linhas.join("\n"));
    }
    if mais > 0 {
        linhas.push(format!("Tenho mais {mais} {} com esse perfil.", if mais == 1 { "opção" } else { "opções" }));
    }
    let pergunta_nome = t.estado.nome.is_none() && !t.estado.nome_perguntado;
    if mostrar.len() == 1 {
        t.estado.oferta = Some(if respostas::passo_e_agendar(setor) {
            Oferta::Agendar { item: Some(mostrar[0].id) }
        } else {
            Oferta::Atendente { motivo: "fechamento".into() }
        });
        if !pergunta_nome {
            linhas.push(respostas::proximo_passo(setor).into());
        }
    } else if mais > 0 {
        t.estado.oferta = Some(Oferta::MaisOpcoes);
        if !pergunta_nome {
            linhas.push("Quer ver mais opções ou saber mais de algum deles?".into());
        }
    } else {
        t.estado.oferta = respostas::passo_e_agendar(setor).then_some(Oferta::Agendar { item: None });
        if !pergunta_nome {
            linhas.push("Quer saber mais de algum deles? É só me dizer qual.".into());
        }
    }
    if pergunta_nome {
        t.estado.nome_perguntado = true;
        linhas.push("Aliás, com quem eu falo? 😊".into());
    }
    Resposta::texto(linhas.join("\n"))
}

fn capitalizar(w: &str) -> String {
    let mut c = w.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::entender::entender;
    use crate::bot::fake_tools::{item, FakeTools};

    #[test]
    fn rare_words_outrank_common_ones_and_prefixes() {
        let mut tools = FakeTools::default();
        let mut civic_preto = item(1, "Honda Civic EXL", 11_000_000);
        civic_preto.atributos.insert("cor".into(), json!("preto"));
        let mut onix_prata = item(2, "Chevrolet Onix LT", 7_000_000);
        onix_prata.atributos.insert("cor".into(), json!("prata"));
        let golf = item(3, "Volkswagen Golf", 9_000_000);
        let gol = item(4, "Volkswagen Gol", 5_000_000);
        tools.items = vec![civic_preto, onix_prata, golf, gol];
        let vocab = Vocabulario::construir(&tools.items);
        let run = |t: &str| {
            let e = entender(Setor::Veiculos, t, &vocab);
            let p = Pedido { termos: e.termos, filtros: e.filtros, ordem: e.ordem, excluir: vec![] };
            buscar(Setor::Veiculos, &p, &vocab, &tools, &mut Explicacao::default())
        };
        let a = run("tem civic prata?");
        assert_eq!(a.itens.iter().map(|i| i.id.0).collect::<Vec<_>>(), [1], "the model wins over the colour");
        assert!(a.relaxado.is_some(), "no silver Civic: said so");
        let a = run("tem gol?");
        assert_eq!(a.itens.iter().map(|i| i.id.0).collect::<Vec<_>>(), [4], "Gol, not Golf");
        let a = run("tem ferrari?");
        assert!(a.itens.is_empty() && a.faltando == ["ferrari"]);
        let a = run("tem carro até 80 mil?");
        assert_eq!(
            a.itens.iter().map(|i| i.id.0).collect::<Vec<_>>(),
            [2, 4],
            "the category word does not block; budget first"
        );
    }
}
