//! "Quero um carro", "o que vocês vendem?", "quais serviços vocês fazem?": a customer who
//! wants something of the store but has not said what. The answer shows the range (a few
//! items from the cheapest to the dearest for cars and homes, the categories for products,
//! parts and services) and asks the one question that narrows it down.

use super::busca::{buscar, so_carros_se_pediu_carro, Pedido};
use super::{respostas, Fallback, Resposta, Turno};
use crate::bot::dialogo::{BuscaSalva, ItemMostrado};
use crate::bot::entender::filtros::Ordem;
use crate::bot::entender::texto::{has_any, words};
use crate::bot::entender::vocabulario::Vocabulario;
use crate::bot::entender::Entendimento;
use crate::bot::tools::CatalogItem;
use crate::domain::Setor;

/// The nouns for "what this store sells" in `setor` (not an item: the whole range).
fn nomes_do_setor(setor: Setor) -> &'static [&'static str] {
    match setor {
        Setor::Veiculos => &[
            "carro",
            "carros",
            "carrinho",
            "veiculo",
            "veiculos",
            "automovel",
            "automoveis",
            "seminovo",
            "seminovos",
            "usado",
            "usados",
            "possante",
        ],
        Setor::Imoveis => &["imovel", "imoveis", "moradia", "lugar para morar", "lugar pra morar"],
        Setor::Autopecas => &["peca", "pecas", "autopeca", "autopecas"],
        Setor::Varejo => &["produto", "produtos", "mercadoria", "mercadorias", "artigos"],
        Setor::Servicos => &["servico", "servicos", "procedimento", "procedimentos", "tratamento", "tratamentos"],
    }
}

/// Asking what the store has, with any of its words (`o que vocês têm?`, `tem catálogo?`).
const PEDE_O_CATALOGO: &[&str] = &[
    "o que voces tem",
    "o que tem ai",
    "o que voce tem",
    "o que voces vendem",
    "o que vende",
    "o que voces fazem",
    "o que voces oferecem",
    "quais opcoes",
    "que opcoes",
    "quais as opcoes",
    "tem opcoes",
    "catalogo",
    "cardapio",
    "tabela de precos",
    "tabela de preco",
    "lista de precos",
    "lista de preco",
    "seu estoque",
    "o estoque",
    "do estoque",
    "no estoque",
    "quais voces tem",
    "mostra o que tem",
    "me mostra as opcoes",
    "mostra as opcoes",
    "ver as opcoes",
    "que voces trabalham",
    "voces trabalham com",
    "com o que voces trabalham",
    "quais servicos",
    "que servicos",
    "quais produtos",
    "que produtos",
    "quais carros",
    "que carros",
    "quais imoveis",
    "que imoveis",
    "um presente",
    "de presente",
    "para presente",
    "pra presente",
    "presentear",
];

/// Words that make a message a wish for the store's range when it names none of its items.
const QUER: &[&str] = &[
    "quero",
    "queria",
    "gostaria",
    "procuro",
    "procurando",
    "preciso",
    "precisando",
    "busco",
    "buscando",
    "tem",
    "teria",
    "tenho interesse",
    "interessado",
    "interessada",
    "pensando em",
    "comprar",
    "alugar",
    "ver",
    "mostra",
    "quais",
    "vende",
    "vendem",
    "trabalham",
    "fazem",
    "oferecem",
];

/// Whether the message asks for the store's range without naming anything to search.
pub(super) fn pede_vitrine(setor: Setor, e: &Entendimento) -> bool {
    if e.busca_algo() || e.referencia.is_some() {
        return false;
    }
    let ws = words(&e.norm);
    let nomeia_o_setor =
        nomes_do_setor(setor).iter().any(|n| if n.contains(' ') { has_any(&e.norm, &[n]) } else { ws.contains(n) });
    has_any(&e.norm, PEDE_O_CATALOGO) || (nomeia_o_setor && has_any(&e.norm, QUER))
}

/// The question that narrows the range down, per setor.
fn pergunta(setor: Setor) -> &'static str {
    match setor {
        Setor::Veiculos => "Para eu te indicar o ideal: até quanto você pensa em investir e prefere hatch, sedan, SUV ou picape?",
        Setor::Imoveis => "Para eu filtrar para você: é para comprar ou alugar, em qual bairro e com quantos quartos?",
        Setor::Autopecas => "Qual peça você procura e para qual carro (modelo, ano e motor)? Se tiver o código, pode mandar também.",
        Setor::Varejo => "O que você procura? Me diga o produto (e, se quiser, quanto pretende gastar) que eu confiro preço e estoque.",
        Setor::Servicos => "Qual serviço te interessa? Te passo o valor e, se quiser, já vejo um horário.",
    }
}

/// Up to three items spread over the price range: the cheapest, the middle one, the dearest.
fn espalhados(mut itens: Vec<CatalogItem>) -> Vec<CatalogItem> {
    itens.retain(CatalogItem::em_estoque);
    itens.sort_by_key(|i| i.preco_centavos.unwrap_or(i64::MAX));
    let n = itens.len();
    if n <= 3 {
        return itens;
    }
    [0, n / 2, n - 1].iter().map(|&i| itens[i].clone()).collect()
}

/// The categories of the catalog as written there (`Celulares`, `Cabelo`), at most `max`.
fn categorias(vocab: &Vocabulario, max: usize) -> Vec<String> {
    let mut out: Vec<String> =
        vocab.valores("categoria").iter().filter_map(|c| vocab.brutos("categoria", c).into_iter().next()).collect();
    out.sort();
    out.dedup();
    out.truncate(max);
    out
}

fn juntar(nomes: &[String]) -> String {
    match nomes {
        [] => String::new(),
        [um] => um.clone(),
        [init @ .., ultimo] => format!("{} e {ultimo}", init.join(", ")),
    }
}

/// Shows the range of the store and asks what narrows it.
pub(super) fn responder(fb: &Fallback, e: &Entendimento, vocab: &Vocabulario, t: &mut Turno<'_>) -> Resposta {
    t.explicacao.intencao = "vitrine".into();
    if vocab.total_itens() == 0 {
        return Resposta::texto(respostas::pergunta_o_que(fb.setor).into());
    }
    let por_categoria = matches!(fb.setor, Setor::Autopecas | Setor::Varejo | Setor::Servicos);
    let cats = categorias(vocab, 8);
    if por_categoria && cats.len() >= 2 {
        return Resposta::texto(format!("Trabalhamos com {}. 😊\n{}", juntar(&cats), pergunta(fb.setor)));
    }
    let pedido = Pedido { ordem: Some(Ordem::MenorPreco), ..Pedido::default() };
    let mut achados = buscar(fb.setor, &pedido, vocab, t.tools, t.explicacao);
    so_carros_se_pediu_carro(fb.setor, &e.norm, &mut achados.itens);
    // "bom e barato", "pra Uber": the most affordable ones; otherwise the whole range.
    let economico = has_any(
        &e.norm,
        &["barato", "barata", "baratos", "economico", "economica", "em conta", "popular", "uber", "aplicativo", "99"],
    );
    let itens = if economico {
        achados.itens.into_iter().filter(CatalogItem::em_estoque).take(3).collect()
    } else {
        espalhados(achados.itens)
    };
    if itens.is_empty() {
        return Resposta::texto(respostas::pergunta_o_que(fb.setor).into());
    }
    let mut linhas = vec![if economico {
        "Temos sim! Os mais em conta que tenho agora:".to_string()
    } else if (vocab.total_itens() as usize) > itens.len() {
        "Temos várias opções! Alguns exemplos, do mais em conta ao mais completo:".to_string()
    } else {
        "Estas são as opções que temos no momento:".to_string()
    }];
    linhas.extend(itens.iter().map(|i| respostas::linha(fb.setor, i)));
    linhas.push(pergunta(fb.setor).into());
    let shown: Vec<ItemMostrado> = itens
        .iter()
        .map(|i| ItemMostrado { id: i.id, nome: i.nome.trim().to_string(), preco_centavos: i.preco_centavos })
        .collect();
    t.estado.agendamento = None;
    t.estado.mostrar(shown);
    t.estado.oferta = None;
    t.estado.busca = Some(BuscaSalva::default());
    Resposta::texto(linhas.join("\n"))
}
