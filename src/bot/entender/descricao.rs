//! What an item's own text says beyond its fields: whether its name reads as feminine (for
//! `o`/`a` in answers), whether it mentions a feature, and the description sentence about a
//! feature with whether that sentence denies it (`Não aceita pet`).

use super::texto::{normalize, stem};
use crate::bot::tools::CatalogItem;

/// Whether an item's name reads as feminine (`a *Pastilha de freio*`, `a *Kitnet*`): its
/// first word ends in `a` (not a car brand nor a masculine word in `a`) or is a feminine
/// word that does not.
pub fn feminino(nome: &str) -> bool {
    let primeira = normalize(nome).split(' ').next().unwrap_or_default().to_string();
    const MASCULINAS: &[&str] = &[
        "sofa", "dia", "mapa", "sistema", "programa", "pijama", "guarda", "problema", "tema", "clima", "aroma", "kit",
        "jogo", "par", "conjunto", "pacote", "combo",
    ];
    const FEMININAS: &[&str] = &[
        "kitnet",
        "tv",
        "televisao",
        "embreagem",
        "garagem",
        "lavagem",
        "massagem",
        "chave",
        "corrente",
        "moto",
        "suite",
        "escova",
        "sessao",
        "limpeza",
        "depilacao",
        "hidratacao",
        "coloracao",
        "progressiva",
        "manutencao",
        "revisao",
        "troca",
        "higienizacao",
        "lente",
        "bateria",
        "luz",
        "cruz",
        "mao",
        "ponte",
    ];
    if FEMININAS.contains(&primeira.as_str()) {
        return true;
    }
    primeira.len() > 1
        && primeira.ends_with('a')
        && !MASCULINAS.contains(&primeira.as_str())
        && !super::lexico::MARCAS_VEICULOS.contains(&primeira.as_str())
}

/// Whether the item's own text mentions every word of `caracteristica` (`piscina`, `ar
/// condicionado`), by stem.
pub fn menciona(item: &CatalogItem, caracteristica: &[String]) -> bool {
    let texto: Vec<String> = super::vocabulario::palavras_do_item(item).iter().map(|w| stem(w)).collect();
    !caracteristica.is_empty() && caracteristica.iter().all(|c| texto.contains(&stem(c)))
}

/// The sentence of the item's description that mentions every feature (each by any of its
/// forms: `["perto", "proximo"]`), and whether it denies it (`Não aceita pet`).
pub fn trecho(item: &CatalogItem, formas: &[Vec<String>]) -> Option<(String, bool)> {
    if formas.is_empty() {
        return None;
    }
    for frase in item.descricao.split(['.', ';', '!', '?', '\n']) {
        let frase = frase.trim();
        let ws: Vec<String> = normalize(frase).split(' ').map(String::from).collect();
        let stems: Vec<String> = ws.iter().map(|w| stem(w)).collect();
        let posicoes: Option<Vec<usize>> =
            formas.iter().map(|alts| stems.iter().position(|w| alts.iter().any(|a| stem(a) == *w))).collect();
        let Some(posicoes) = posicoes else { continue };
        // A negation up to three words before a feature denies it.
        let negado = posicoes
            .iter()
            .any(|&p| ws[p.saturating_sub(3)..p].iter().any(|w| super::vocabulario::NEGACOES.contains(&w.as_str())));
        return Some((frase.to_string(), negado));
    }
    None
}
