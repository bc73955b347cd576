//! Messages about what the bot already showed: attribute questions (`qual a km?`, `tem
//! garagem?`), references (`o segundo`, `quero esse`, `e o preto?`), the price of the item in
//! focus, features of it (`tem piscina?`), "outras opções" and "tem mais barato?". Items
//! are resolved from the message (an ordinal, a name, a colour) or the dialog state.

use super::busca::{buscar, Pedido};
use super::lista::listar;
use super::{respostas, Fallback, Resposta, Turno};
use crate::bot::dialogo::{ItemMostrado, Oferta};
use crate::bot::entender::atributos::{responder as responder_atributo, Atributo, Pergunta};
use crate::bot::entender::filtros::Filtros;
use crate::bot::entender::tamanho;
use crate::bot::entender::texto::{has_any, normalize, stem};
use crate::bot::entender::vocabulario::{palavras_do_item, Vocabulario};
use crate::bot::entender::{pergunta_preco, so_referencia, Entendimento, Referencia, Termo};
use crate::bot::tools::CatalogItem;
use crate::domain::Setor;

#[path = "contexto_item.rs"]
mod item;
pub(super) use item::quantidade;

pub(super) fn detalhes(t: &Turno<'_>, id: crate::domain::ItemId) -> Option<CatalogItem> {
    match t.tools.item_details(id) {
        Ok(i) => i,
        Err(e) => {
            log::warn!("fallback: item {id} ilegível: {e}");
            None
        }
    }
}

pub(super) fn casa(item_nome: &str, termo: &Termo) -> bool {
    let mut palavras: Vec<String> =
        crate::bot::entender::texto::normalize(item_nome).split(' ').map(String::from).collect();
    palavras.extend(crate::bot::entender::vocabulario::compactos(item_nome));
    termo
        .alternativas
        .iter()
        .any(|a| palavras.iter().any(|w| w == a || stem(w) == stem(a) || (a.len() >= 3 && w.starts_with(a.as_str()))))
}

/// The items a question is about: an ordinal or a name among those shown, a named catalog
/// item, a colour among those shown, the item in focus, or everything just shown.
fn alvos(fb: &Fallback, e: &Entendimento, vocab: &Vocabulario, t: &mut Turno<'_>) -> Vec<CatalogItem> {
    let mostrados = t.estado.mostrados.clone();
    let escolhido = match e.referencia {
        Some(Referencia::Ordinal(n)) => mostrados.get(n).cloned(),
        Some(Referencia::Ultimo) => mostrados.last().cloned(),
        _ => None,
    };
    if let Some(m) = escolhido {
        return detalhes(t, m.id).into_iter().collect();
    }
    // "serve no gol?": the car named is what the part should fit, not the item asked about.
    let alvo_da_pergunta: Vec<String> = e
        .perguntas
        .iter()
        .filter_map(|p| p.esperado.as_deref())
        .flat_map(|x| x.split(' ').map(String::from).collect::<Vec<_>>())
        .collect();
    let fortes: Vec<&Termo> =
        e.termos.iter().filter(|t| !t.qualificador && t.conhecido && !alvo_da_pergunta.contains(&t.palavra)).collect();
    if !fortes.is_empty() {
        let entre_mostrados: Vec<&ItemMostrado> =
            mostrados.iter().filter(|m| fortes.iter().all(|t| casa(&m.nome, t))).collect();
        if !entre_mostrados.is_empty() {
            return entre_mostrados.iter().filter_map(|m| detalhes(t, m.id)).collect();
        }
        if let Some(f) = t.estado.foco.clone().filter(|f| fortes.iter().all(|t| casa(&f.nome, t))) {
            return detalhes(t, f.id).into_iter().collect();
        }
        let termos = e.termos.iter().filter(|t| !alvo_da_pergunta.contains(&t.palavra)).cloned().collect();
        let pedido = Pedido { termos, ..Pedido::default() };
        let achados = buscar(fb.setor, &pedido, vocab, t.tools, t.explicacao);
        return achados.itens.into_iter().take(3).collect();
    }
    let qualificadores: Vec<&Termo> = e.termos.iter().filter(|t| t.qualificador).collect();
    if !qualificadores.is_empty() && !mostrados.is_empty() {
        let itens: Vec<CatalogItem> = mostrados.iter().filter_map(|m| detalhes(t, m.id)).collect();
        let com: Vec<CatalogItem> = itens
            .into_iter()
            .filter(|i| {
                let ws: Vec<String> = palavras_do_item(i).iter().map(|w| stem(w)).collect();
                qualificadores.iter().all(|q| q.alternativas.iter().any(|a| ws.contains(&stem(a))))
            })
            .collect();
        if !com.is_empty() {
            return com;
        }
    }
    if let Some(f) = t.estado.foco.clone() {
        return detalhes(t, f.id).into_iter().collect();
    }
    if mostrados.is_empty() && e.busca_algo() && alvo_da_pergunta.is_empty() {
        // "qual o IPTU do apartamento de Moema?": the items the message describes.
        let pedido =
            Pedido { termos: e.termos.clone(), filtros: e.filtros.clone(), ordem: e.ordem, excluir: Vec::new() };
        let achados = buscar(fb.setor, &pedido, vocab, t.tools, t.explicacao);
        if achados.relaxado.is_none() {
            return achados.itens.into_iter().take(3).collect();
        }
        return Vec::new();
    }
    mostrados.iter().take(3).filter_map(|m| detalhes(t, m.id)).collect()
}

pub(super) fn focar(t: &mut Turno<'_>, item: &CatalogItem) {
    let m = ItemMostrado { id: item.id, nome: item.nome.trim().to_string(), preco_centavos: item.preco_centavos };
    t.estado.lembrar_precos(&item.preco_centavos.into_iter().collect::<Vec<_>>());
    t.interesse = Some(m.nome.clone());
    t.estado.foco = Some(m);
}

pub(super) fn oferta_do_passo(fb: &Fallback, item: &CatalogItem) -> Oferta {
    if respostas::passo_e_agendar(fb.setor) {
        Oferta::Agendar { item: Some(item.id) }
    } else {
        Oferta::Atendente { motivo: "fechamento".into() }
    }
}

/// The item the customer wants to book: the one referenced, named, or in focus.
pub(super) fn item_do_agendamento(
    fb: &Fallback,
    e: &Entendimento,
    vocab: &Vocabulario,
    t: &mut Turno<'_>,
) -> Option<ItemMostrado> {
    let referido = e.referencia.is_some() || e.termos.iter().any(|t| !t.qualificador && t.conhecido);
    if referido {
        let itens = alvos(fb, e, vocab, t);
        if let [item] = itens.as_slice() {
            focar(t, item);
        }
    } else if !e.filtros.vazio() {
        // "quero ver o apartamento do Buritis": the one item the filters describe.
        let pedido = Pedido { filtros: e.filtros.clone(), ..Pedido::default() };
        let achados = buscar(fb.setor, &pedido, vocab, t.tools, t.explicacao);
        if let ([item], None) = (achados.itens.as_slice(), &achados.relaxado) {
            focar(t, item);
        }
    }
    t.estado.foco.clone().or_else(|| (t.estado.mostrados.len() == 1).then(|| t.estado.mostrados[0].clone()))
}

fn responder_perguntas(fb: &Fallback, perguntas: &[Pergunta], itens: &[CatalogItem], t: &mut Turno<'_>) -> Resposta {
    let mut linhas = Vec::new();
    let mut desconhecido = false;
    for item in itens {
        for p in perguntas {
            let r = responder_atributo(item, p);
            desconhecido |= !r.conhecido;
            linhas.push(if itens.len() > 1 { format!("• {}", r.texto) } else { r.texto });
        }
        let mut precos: Vec<i64> = item.preco_centavos.into_iter().collect();
        precos.extend(item.atributos.iter().filter(|(k, _)| k.ends_with("_centavos")).filter_map(|(_, v)| v.as_i64()));
        t.estado.lembrar_precos(&precos);
    }
    let indisponivel = match itens {
        [item] if !item.em_estoque() && !perguntas.iter().any(|p| matches!(p.atributo, Atributo::Estoque)) => {
            Some(item)
        }
        _ => None,
    };
    if desconhecido {
        t.estado.oferta = Some(Oferta::Atendente { motivo: "duvida_sem_resposta".into() });
        linhas.push("Quer que eu chame um atendente para confirmar essa informação?".into());
    } else if let Some(item) = indisponivel {
        // The answer about an item that cannot be sold now says so.
        focar(t, item);
        t.estado.oferta = Some(Oferta::Encomenda { item: item.id });
        linhas.push(respostas::indisponivel(fb.setor).into());
    } else if let [item] = itens {
        focar(t, item);
        t.estado.oferta = Some(oferta_do_passo(fb, item));
        linhas.push(respostas::proximo_passo(fb.setor).into());
    }
    Resposta::texto(linhas.join("\n"))
}

/// Answers a message about items in context; `None` when it is a new search (or not about
/// items at all).
pub(super) fn responder(fb: &Fallback, e: &Entendimento, vocab: &Vocabulario, t: &mut Turno<'_>) -> Option<Resposta> {
    let s = &e.sinais;
    let tem_contexto = !t.estado.mostrados.is_empty() || t.estado.foco.is_some();
    let fortes_desconhecidos = e.termos.iter().any(|t| !t.qualificador && !t.conhecido);
    if !e.perguntas.is_empty() && !fortes_desconhecidos {
        let novos_filtros = e.filtros.clone();
        let itens = alvos(fb, e, vocab, t);
        // "tem apartamento com garagem?" is a search: its question is already a filter.
        let so_filtros = e.perguntas.iter().all(|p| match p.atributo {
            Atributo::Vagas => novos_filtros.vagas_min.is_some(),
            Atributo::Quartos => novos_filtros.quartos_min.is_some(),
            Atributo::Area => novos_filtros.area_min.is_some() || novos_filtros.area_max.is_some(),
            Atributo::Cambio => novos_filtros.cambio.is_some(),
            Atributo::Combustivel => novos_filtros.combustivel.is_some(),
            _ => false,
        });
        // "o compass é diesel?": a yes/no question about a named item, not a search.
        let sim_nao_do_item = e.perguntas.iter().all(|p| p.esperado.is_some())
            && e.termos.iter().any(|t| !t.qualificador && t.conhecido && vocab.em_nome(&t.palavra));
        if !itens.is_empty() && (!so_filtros || e.referencia.is_some() || tem_contexto || sim_nao_do_item) {
            let mut itens = itens;
            // "tem tênis 44?": of several, those that come in that size (when any does).
            if let Some(v) =
                e.perguntas.iter().find(|p| p.atributo == Atributo::Tamanho).and_then(|p| p.esperado.clone())
            {
                if itens.len() > 1 && itens.iter().any(|i| tamanho::serve(i, &v) == Some(true)) {
                    itens.retain(|i| tamanho::serve(i, &v) == Some(true));
                }
            }
            // An item not shown before is presented with its price before the answer.
            let novo = match itens.as_slice() {
                [i] => {
                    !t.estado.mostrados.iter().any(|m| m.id == i.id)
                        && t.estado.foco.as_ref().is_none_or(|f| f.id != i.id)
                }
                _ => false,
            };
            t.explicacao.intencao = "atributo".into();
            t.explicacao.achou(itens.iter().map(|i| (i.id, i.nome.clone(), i.preco_centavos)));
            let mut r = responder_perguntas(fb, &e.perguntas, &itens, t);
            if novo {
                r.texto = format!("{}\n{}", respostas::linha(fb.setor, &itens[0]), r.texto);
            }
            return Some(r);
        }
        if itens.is_empty() && e.termos.is_empty() && novos_filtros.vazio() && !s.endereco {
            t.explicacao.intencao = "atributo_sem_item".into();
            return Some(Resposta::texto(format!(
                "Sobre qual {} você quer saber? Me diga o nome ou o modelo que eu confiro para você. 🙂",
                respostas::o_item(fb.setor).trim_start_matches("o ").trim_start_matches("a ")
            )));
        }
    }
    let pede_preco = pergunta_preco(&e.norm);
    let sem_busca_nova = e.termos.iter().all(|t| t.qualificador) && e.filtros.vazio();
    if pede_preco && tem_contexto && sem_busca_nova && (e.referencia.is_some() || e.termos.is_empty()) {
        let itens = alvos(fb, e, vocab, t);
        if !itens.is_empty() {
            t.explicacao.intencao = "preco_do_item".into();
            t.explicacao.achou(itens.iter().map(|i| (i.id, i.nome.clone(), i.preco_centavos)));
            return Some(responder_perguntas(fb, &[Pergunta { atributo: Atributo::Preco, esperado: None }], &itens, t));
        }
    }
    if tem_contexto
        && (so_referencia(e) || (e.continuacao && sem_busca_nova && e.termos.iter().any(|t| t.qualificador)))
    {
        let itens = alvos(fb, e, vocab, t);
        if let [item] = itens.as_slice() {
            t.explicacao.intencao = "referencia".into();
            t.explicacao.achou([(item.id, item.nome.clone(), item.preco_centavos)]);
            focar(t, item);
            let abertura = if s.afirmacao || has_any(&e.norm, &["gostei", "quero", "interessei", "interesse"]) {
                "Ótima escolha! 😊\n"
            } else {
                ""
            };
            let mut texto = format!("{abertura}{}", respostas::linha(fb.setor, item));
            let d: String = item.descricao.trim().chars().take(240).collect();
            if !d.is_empty() {
                texto.push_str(&format!("\n{d}"));
            }
            if item.em_estoque() {
                t.estado.oferta = Some(oferta_do_passo(fb, item));
                texto.push_str(&format!("\n{}", respostas::proximo_passo(fb.setor)));
            } else {
                t.estado.oferta = Some(Oferta::Encomenda { item: item.id });
                texto.push_str(&format!("\n{}", respostas::indisponivel(fb.setor)));
            }
            return Some(Resposta::texto(texto));
        }
    }
    if let Some(r) = item::previsao(fb, e, t) {
        return Some(r);
    }
    if let Some(r) = item::caracteristica(fb, e, vocab, t) {
        return Some(r);
    }
    if s.mais_barato && tem_contexto && e.termos.iter().all(|t| t.qualificador) {
        return Some(mais_barato(fb, vocab, t));
    }
    if s.mais_opcoes && e.termos.iter().all(|t| t.qualificador) && e.filtros.vazio() {
        return Some(mais_opcoes(fb, vocab, t));
    }
    None
}

/// More results of the last search (those not shown yet).
pub(super) fn mais_opcoes(fb: &Fallback, vocab: &Vocabulario, t: &mut Turno<'_>) -> Resposta {
    t.explicacao.intencao = "mais_opcoes".into();
    let salva = t.estado.busca.clone().unwrap_or_default();
    let termos: Vec<Termo> = salva
        .termos
        .iter()
        .filter_map(|p| crate::bot::entender::entender(fb.setor, p, vocab).termos.into_iter().next())
        .collect();
    let pedido =
        Pedido { termos, filtros: salva.filtros.clone(), ordem: salva.ordem, excluir: t.estado.ja_mostrados.clone() };
    let achados = buscar(fb.setor, &pedido, vocab, t.tools, t.explicacao);
    if achados.itens.is_empty() {
        t.estado.oferta = Some(Oferta::Atendente { motivo: "sem_resultado".into() });
        return Resposta::texto("Essas eram todas as opções que tenho com esse perfil. Quer que eu procure outra coisa ou chame um atendente?".into());
    }
    let mut r = listar(fb, &pedido, achados, t, Some("Mais opções:"));
    // `listar` saved the search; keep the original words.
    if let Some(b) = t.estado.busca.as_mut() {
        b.termos = salva.termos;
    }
    r.texto = r.texto.replace("\n\n", "\n");
    r
}

/// Cheaper than what was shown, same kind of item when possible.
fn mais_barato(fb: &Fallback, vocab: &Vocabulario, t: &mut Turno<'_>) -> Resposta {
    t.explicacao.intencao = "mais_barato".into();
    let base = t
        .estado
        .foco
        .as_ref()
        .and_then(|f| f.preco_centavos)
        .or_else(|| t.estado.mostrados.iter().filter_map(|m| m.preco_centavos).min());
    let Some(base) = base else {
        return Resposta::texto(respostas::pergunta_o_que(fb.setor).into());
    };
    let salva = t.estado.busca.clone().unwrap_or_default();
    let mut filtros: Filtros = salva.filtros.clone();
    filtros.preco_max = Some(base - 1);
    filtros.preco_min = None;
    filtros.preco_alvo = None;
    let termos: Vec<Termo> = salva
        .termos
        .iter()
        .filter_map(|p| crate::bot::entender::entender(fb.setor, p, vocab).termos.into_iter().next())
        .collect();
    let mut pedido = Pedido { termos, filtros, ordem: None, excluir: Vec::new() };
    let mut achados = buscar(fb.setor, &pedido, vocab, t.tools, t.explicacao);
    // Cars and homes: any cheaper one of the same kind; products and services: the same product.
    let mesmo_produto = !matches!(fb.setor, Setor::Veiculos | Setor::Imoveis) && !pedido.termos.is_empty();
    if (achados.itens.is_empty() || achados.relaxado.is_some()) && !mesmo_produto {
        pedido.termos.clear();
        achados = buscar(fb.setor, &pedido, vocab, t.tools, t.explicacao);
    }
    achados.itens.retain(|i| i.preco_centavos.is_some_and(|p| p < base));
    // Cheaper than an apartment for sale means another apartment for sale, when there is one.
    let referencia = t.estado.foco.clone().or_else(|| t.estado.mostrados.first().cloned());
    if let Some(r) = referencia.and_then(|r| detalhes(t, r.id)) {
        let tipo = |i: &CatalogItem| {
            let attr = |k: &str| i.atributos.get(k).and_then(serde_json::Value::as_str).map(normalize);
            (i.categoria.as_deref().map(normalize), attr("tipo"), attr("finalidade"))
        };
        let alvo = tipo(&r);
        if achados.itens.iter().any(|i| tipo(i) == alvo) {
            achados.itens.retain(|i| tipo(i) == alvo);
        }
    }
    achados.relaxado = None;
    if achados.itens.is_empty() {
        return Resposta::texto(
            "Esse já é o mais em conta que tenho com esse perfil no momento. 😕 Quer que eu procure algo diferente?"
                .into(),
        );
    }
    listar(fb, &pedido, achados, t, Some("Mais em conta, tenho:"))
}

/// The details of the item in focus.
pub(super) fn detalhes_do_foco(fb: &Fallback, t: &mut Turno<'_>) -> Resposta {
    t.explicacao.intencao = "detalhes".into();
    let Some(item) = t.estado.foco.clone().and_then(|f| detalhes(t, f.id)) else {
        return Resposta::texto(respostas::pergunta_o_que(fb.setor).into());
    };
    responder_perguntas(fb, &[Pergunta { atributo: Atributo::Detalhes, esperado: None }], &[item], t)
}
