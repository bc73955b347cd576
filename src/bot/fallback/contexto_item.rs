//! Messages about one item's own text: how many the customer wants (`quero 4 litros`),
//! when it arrives (`quando chega?`), and features (`aceita pet?`, `tem garantia?`, `é perto
//! do metrô?`) read from its description — a sentence that denies it (`Não aceita pet`) is
//! a no.

use super::super::busca::{buscar, Pedido};
use super::super::lista::capitalizar;
use super::super::{respostas, Fallback, Resposta, Turno};
use super::{casa, detalhes, focar, oferta_do_passo};
use crate::bot::dialogo::Oferta;
use crate::bot::entender::atributos::{menciona, trecho};
use crate::bot::entender::texto::has_any;
use crate::bot::entender::vocabulario::Vocabulario;
use crate::bot::entender::{pergunta_preco, Entendimento, Termo};
use crate::domain::Setor;

/// Units a quantity may come with (`4 litros`, `2 jogos`).
const UNIDADES: &[&str] = &[
    "unidade", "unidades", "un", "und", "litro", "litros", "l", "peca", "pecas", "jogo", "jogos", "caixa", "caixas",
    "par", "pares", "kit", "kits", "pacote", "pacotes", "metro", "metros", "kg", "quilo", "quilos", "frasco",
    "frascos", "galao", "galoes", "sessao", "sessoes",
];

/// "quero 4 litros", "vou levar 2", "me vê 3 unidades": how many of the item in focus.
pub(in crate::bot::fallback) fn quantidade(fb: &Fallback, e: &Entendimento, t: &mut Turno<'_>) -> Option<Resposta> {
    let foco = t.estado.foco.clone()?;
    let ws: Vec<&str> = e.norm.split(' ').collect();
    let quer = has_any(
        &e.norm,
        &[
            "quero",
            "vou querer",
            "vou levar",
            "levo",
            "me ve",
            "manda",
            "separa",
            "preciso",
            "pode ser",
            "vou precisar",
        ],
    );
    let n: i64 = ws.iter().find_map(|w| w.parse::<i64>().ok()).filter(|n| (1..=999).contains(n))?;
    // Only the number, units and item words: anything else is another request.
    let outros = e
        .termos
        .iter()
        .any(|t| t.palavra.parse::<i64>().is_err() && !UNIDADES.contains(&t.palavra.as_str()) && !casa(&foco.nome, t));
    if !quer || outros || !e.filtros.vazio() || !matches!(fb.setor, Setor::Autopecas | Setor::Varejo) {
        return None;
    }
    let item = detalhes(t, foco.id)?;
    t.explicacao.intencao = "quantidade".into();
    t.explicacao.achou([(item.id, item.nome.clone(), item.preco_centavos)]);
    t.estado.lembrar_precos(&item.preco_centavos.into_iter().collect::<Vec<_>>());
    t.interesse = Some(format!("{n} × {}", item.nome.trim()));
    let cada = item.preco_centavos.map(|_| format!(" ({} cada)", respostas::preco(&item)));
    let estoque = item.atributos.get("estoque").and_then(serde_json::Value::as_i64);
    let mut texto = format!("Anotado: {n} × *{}*{}.", item.nome.trim(), cada.unwrap_or_default());
    match estoque {
        Some(q) if q < n && q > 0 => {
            texto.push_str(&format!(" No momento tenho {q} em estoque; a equipe confirma o restante."))
        }
        _ if !item.em_estoque() => texto.push_str(" Esse está sem estoque agora; a equipe confirma a encomenda."),
        _ => {}
    }
    texto.push_str(" Quer que eu chame um vendedor para separar e fechar o pedido?");
    t.estado.oferta = Some(Oferta::Atendente { motivo: "fechamento".into() });
    Some(Resposta::texto(texto))
}

/// "quando chega?", "vai ter de novo?": the item in focus is here, or the team tells.
pub(super) fn previsao(fb: &Fallback, e: &Entendimento, t: &mut Turno<'_>) -> Option<Resposta> {
    let pergunta = has_any(
        &e.norm,
        &[
            "quando chega",
            "vai chegar",
            "previsao",
            "reposicao",
            "quando vai ter",
            "quando tem",
            "volta a ter",
            "vai ter de novo",
            "quando volta",
            "chegou",
        ],
    );
    if !pergunta || e.termos.iter().any(|t| t.conhecido && !t.qualificador) {
        return None;
    }
    t.explicacao.intencao = "previsao".into();
    let Some(item) = t.estado.foco.clone().and_then(|f| detalhes(t, f.id)) else {
        t.estado.oferta = Some(Oferta::Atendente { motivo: "previsao".into() });
        return Some(Resposta::texto(
            "Previsão de chegada quem confirma é a nossa equipe. Quer que eu chame um atendente?".into(),
        ));
    };
    if item.em_estoque() {
        t.estado.oferta = Some(oferta_do_passo(fb, &item));
        return Some(Resposta::texto(format!(
            "{} está disponível agora! {}",
            capitalizar(&respostas::o_nome(&item.nome)),
            respostas::proximo_passo(fb.setor)
        )));
    }
    t.estado.oferta = Some(Oferta::Encomenda { item: item.id });
    Some(Resposta::texto(format!(
        "Não tenho a previsão de chegada {} aqui. Quer que eu peça para a equipe verificar e te avisar quando chegar?",
        respostas::do_nome(&item.nome)
    )))
}

/// Whether the message points at one definite item (`o do Castelo`, `a kitnet`, `esse`)
/// rather than asking for any (`tem casa com piscina?`).
fn definido(norm: &str) -> bool {
    let ws: Vec<&str> = norm.split(' ').collect();
    let busca =
        matches!(ws.first(), Some(&("tem" | "teria" | "procuro" | "quero" | "queria" | "existe" | "algum" | "alguma")))
            || ws.windows(2).any(|w| matches!(w[0], "voce" | "voces" | "vcs") && w[1] == "tem");
    let artigo = ws.windows(2).any(|w| {
        matches!(w[0], "o" | "a")
            && (matches!(w[1], "do" | "da" | "de")
                || (!crate::bot::entender::texto::is_stopword(w[1]) && w[1].len() > 1))
    });
    artigo && !busca
}

/// `tem piscina?`, `aceita pet?`, `é perto do metrô a kitnet?`: a feature of the item in
/// focus or of the one item the message names, answered from its own text.
pub(super) fn caracteristica(
    fb: &Fallback,
    e: &Entendimento,
    vocab: &Vocabulario,
    t: &mut Turno<'_>,
) -> Option<Resposta> {
    let pergunta_sim_nao = has_any(
        &e.norm,
        &["tem", "possui", "aceita", "aceitam", "vem com", "e", "inclui", "esta incluso", "pode", "fica", "permite"],
    ) && e.norm.split(' ').count() <= 10;
    if !pergunta_sim_nao || e.termos.is_empty() || pergunta_preco(&e.norm) {
        return None;
    }
    let foco = t.estado.foco.clone().filter(|f| !e.termos.iter().any(|t| casa(&f.nome, t)) && e.filtros.vazio());
    let item = match foco {
        Some(f) => detalhes(t, f.id)?,
        // "aceita pet o do Castelo?": the one item its name words and filters describe.
        None if definido(&e.norm) => {
            let do_nome: Vec<Termo> =
                e.termos.iter().filter(|t| t.conhecido && vocab.em_nome(&t.palavra)).cloned().collect();
            if do_nome.is_empty() && e.filtros.vazio() {
                return None;
            }
            let pedido = Pedido { termos: do_nome, filtros: e.filtros.clone(), ..Pedido::default() };
            let achados = buscar(fb.setor, &pedido, vocab, t.tools, t.explicacao);
            match achados.itens.as_slice() {
                [um] if achados.relaxado.is_none() => um.clone(),
                _ => return None,
            }
        }
        None => return None,
    };
    // The feature: the words that are not the item's own name (a colour counts: "tem preta?").
    let feature: Vec<&Termo> = e
        .termos
        .iter()
        .filter(|t| {
            !casa(&item.nome, t)
                && (!t.qualificador || crate::bot::entender::lexico::CORES.contains(&t.palavra.as_str()))
        })
        .collect();
    let verbos = ["aceita", "aceitam", "aceitar", "possui", "permite", "inclui", "incluso", "vem", "fica"];
    let feature: Vec<&Termo> = feature.into_iter().filter(|t| !verbos.contains(&t.palavra.as_str())).collect();
    if feature.is_empty() {
        return None;
    }
    let palavras: Vec<String> = feature.iter().map(|t| t.palavra.clone()).collect();
    let formas: Vec<Vec<String>> = feature.iter().map(|t| t.alternativas.clone()).collect();
    let achado = trecho(&item, &formas);
    let tem = achado.as_ref().is_some_and(|(_, negado)| !negado) || (achado.is_none() && menciona(&item, &palavras));
    // A word that names other products (and this item lacks) is a new search.
    let de_produto = feature.iter().any(|t| t.conhecido && vocab.em_nome(&t.palavra));
    if achado.is_none() && !tem && de_produto {
        return None;
    }
    t.explicacao.intencao = "caracteristica".into();
    t.explicacao.achou([(item.id, item.nome.clone(), item.preco_centavos)]);
    focar(t, &item);
    let (o_nome, do_nome) = (respostas::o_nome(&item.nome), respostas::do_nome(&item.nome));
    let o_que = palavras.join(" ");
    let texto = match achado {
        Some((frase, true)) => {
            t.estado.oferta = Some(Oferta::Atendente { motivo: "duvida_sem_resposta".into() });
            format!("Pelo cadastro, não: sobre {o_nome} consta \"{frase}\". Quer que eu chame um atendente para ver outras opções com você?")
        }
        Some((frase, false)) => {
            t.estado.oferta = Some(oferta_do_passo(fb, &item));
            format!("Sim! Sobre {o_nome} consta: \"{frase}\". {}", respostas::proximo_passo(fb.setor))
        }
        None if tem => {
            t.estado.oferta = Some(oferta_do_passo(fb, &item));
            format!("Sim! O cadastro {do_nome} menciona {o_que}. {}", respostas::proximo_passo(fb.setor))
        }
        None => {
            t.estado.oferta = Some(Oferta::Atendente { motivo: "duvida_sem_resposta".into() });
            format!("Não consta \"{o_que}\" no cadastro {do_nome}. Quer que eu chame um atendente para confirmar?")
        }
    };
    Some(Resposta::texto(texto))
}
