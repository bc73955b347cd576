//! Size questions of clothes and shoes (`tem tamanho G?`, `tem no 42?`, `quais tamanhos?`,
//! `calço 38, serve?`), answered from what the item's own text says about sizes
//! (`numeração 38 ao 44`, `tamanhos P, M, G e GG`): inside a range or in a list, or the
//! sentence itself. Stock per size is never claimed: the team confirms it.

use serde_json::Value;

use super::texto::normalize;
use crate::bot::tools::CatalogItem;

/// Words that ask about size.
const GATILHOS: &[&str] = &["tamanho", "tamanhos", "tam", "numero", "numeracao", "calco", "visto", "veste", "no"];

/// Letter sizes.
const LETRAS: &[&str] = &["pp", "p", "m", "g", "gg", "xg", "xgg", "eg", "egg", "exg", "u", "unico"];

fn tamanho_valido(w: &str) -> bool {
    LETRAS.contains(&w) || w.parse::<u32>().is_ok_and(|n| (1..=60).contains(&n))
}

/// A size question in a normalised message: `Some(Some("42"))` for a given size,
/// `Some(None)` for "which sizes?", `None` when it is not about size. Also the words it
/// used (not search terms).
pub fn pergunta(norm: &str) -> Option<(Option<String>, Vec<String>)> {
    let ws: Vec<&str> = norm.split(' ').collect();
    for (i, w) in ws.iter().enumerate() {
        if !GATILHOS.contains(w) {
            continue;
        }
        // "tem no 42?" needs the number; "no" alone is everywhere.
        // The normaliser reads a final "P" as "para" ("tem tamanho P?").
        let valor = match ws.get(i + 1) {
            Some(&"para") if i + 2 == ws.len() => Some("p".to_string()),
            v => v.filter(|v| tamanho_valido(v)).map(|v| v.to_string()),
        };
        if *w == "no" && valor.as_deref().is_none_or(|v| v.parse::<u32>().is_err()) {
            continue;
        }
        // "calço 40", "visto M": only with the size.
        if matches!(*w, "calco" | "visto" | "veste") && valor.is_none() {
            continue;
        }
        let mut usadas = vec![w.to_string()];
        usadas.extend(valor.clone());
        return Some((valor, usadas));
    }
    // "tem 44?", "tênis 44 masculino": a shoe or clothes size written alone (not money,
    // not another unit).
    const ANTES: &[&str] = &[
        "ate", "por", "r", "rs", "de", "uns", "umas", "cerca", "abaixo", "acima", "menos", "mais", "valor", "preco",
        "custa", "sai", "paguei", "pagar",
    ];
    const DEPOIS: &[&str] = &[
        "reais",
        "real",
        "mil",
        "k",
        "x",
        "vezes",
        "cm",
        "polegadas",
        "pol",
        "anos",
        "ano",
        "ml",
        "l",
        "litros",
        "gb",
        "w",
        "v",
        "kg",
        "g",
        "m",
        "metros",
        "unidades",
        "pecas",
        "pares",
        "dias",
        "horas",
        "min",
        "minutos",
        "por",
    ];
    for (i, w) in ws.iter().enumerate() {
        let tamanho = w.parse::<u32>().is_ok_and(|n| (33..=48).contains(&n));
        let antes = i.checked_sub(1).and_then(|j| ws.get(j)).is_some_and(|a| ANTES.contains(a));
        let depois = ws.get(i + 1).is_some_and(|d| DEPOIS.contains(d));
        if tamanho && !antes && !depois {
            return Some((Some(w.to_string()), vec![w.to_string()]));
        }
    }
    // "tem G?", "tem GG?": a bare letter size after "tem".
    let letra = ws.windows(2).find(|w| w[0] == "tem" && LETRAS.contains(&w[1]) && w[1].len() <= 3 && w[1] != "u");
    letra.map(|w| (Some(w[1].to_string()), vec![w[1].to_string()]))
}

/// The sentence of the item about sizes: a `tamanhos`/`numeracao` field, or a description
/// sentence that mentions them.
fn frase_de_tamanhos(item: &CatalogItem) -> Option<String> {
    for campo in ["tamanhos", "tamanho", "numeracao", "grade"] {
        if let Some(Value::String(s)) = item.atributos.get(campo) {
            if !s.trim().is_empty() {
                return Some(format!("tamanhos {}", s.trim()));
            }
        }
    }
    item.descricao
        .split(['.', ';', '\n'])
        .map(str::trim)
        .find(|f| {
            let n = normalize(f);
            n.contains("tamanho") || n.contains("numeracao") || n.split(' ').any(|w| w == "tam" || w == "n")
        })
        .map(str::to_string)
}

/// Whether `valor` is in the sentence: inside `38 ao 44` / `36 a 46` / `P ao GG`, or listed.
fn contem(frase: &str, valor: &str) -> Option<bool> {
    // Folded words, not normalised: "P" stays a size (the normaliser expands it to "para").
    let ws: Vec<String> = frase
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().flat_map(char::to_lowercase).map(crate::catalogo::fold_char).collect())
        .collect();
    let ordem_letra = |w: &str| ["pp", "p", "m", "g", "gg", "xg", "xgg"].iter().position(|l| *l == w);
    let posicao = |w: &str| w.parse::<i64>().ok().or_else(|| ordem_letra(w).map(|p| p as i64));
    let v = posicao(valor)?;
    for i in 0..ws.len() {
        if let (Some(a), Some(sep), Some(b)) = (ws.get(i), ws.get(i + 1), ws.get(i + 2)) {
            let numerico = a.parse::<i64>().is_ok() == b.parse::<i64>().is_ok();
            if matches!(sep.as_str(), "a" | "ao" | "ate") && numerico {
                if let (Some(x), Some(y)) = (posicao(a), posicao(b)) {
                    return Some(x <= v && v <= y);
                }
            }
        }
    }
    let listados: Vec<&String> = ws.iter().filter(|w| tamanho_valido(w) && *w != "a").collect();
    if listados.is_empty() {
        return None;
    }
    Some(listados.iter().any(|w| *w == valor))
}

/// Whether `item` comes in size `valor`, when its text says (`None`: it does not say).
pub fn serve(item: &CatalogItem, valor: &str) -> Option<bool> {
    frase_de_tamanhos(item).and_then(|f| contem(&f, valor))
}

/// The answer about sizes of `item` (`nome` in bold; `o`/`do` before it, made feminine by
/// the caller when the name is): (text, known).
pub fn responder(item: &CatalogItem, esperado: Option<&str>, nome: &str) -> (String, bool) {
    let o_nome = format!("o {nome}");
    let Some(frase) = frase_de_tamanhos(item) else {
        return (format!("Os tamanhos do {nome} não estão no cadastro."), false);
    };
    let frase = frase.trim_end_matches('.');
    let confirmar = "A disponibilidade de cada tamanho a equipe confirma na hora.";
    match esperado.map(|v| (v, contem(frase, v))) {
        Some((v, Some(true))) => (
            format!("Sim! Pelo cadastro, {o_nome} vem em: {frase} — o {} está incluído. {confirmar}", v.to_uppercase()),
            true,
        ),
        Some((v, Some(false))) => {
            (format!("Pelo cadastro, {o_nome} vem em: {frase} — o {} não aparece. 😕", v.to_uppercase()), true)
        }
        _ => (format!("Pelo cadastro, {o_nome} vem em: {frase}. {confirmar}"), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::fake_tools::item;

    #[test]
    fn size_questions_and_answers() {
        assert_eq!(pergunta("o tenis nike tem numero 42").map(|p| p.0), Some(Some("42".into())));
        assert_eq!(pergunta("tem no 37").map(|p| p.0), Some(Some("37".into())));
        assert_eq!(pergunta("tem tamanho gg").map(|p| p.0), Some(Some("gg".into())));
        assert_eq!(pergunta("tem g").map(|p| p.0), Some(Some("g".into())));
        assert_eq!(pergunta(&normalize("tem tamanho P?")).map(|p| p.0), Some(Some("p".into())));
        assert_eq!(pergunta("quais tamanhos").map(|p| p.0), Some(None));
        assert_eq!(pergunta("tem calca jeans"), None);
        assert_eq!(pergunta("tem no estoque"), None);
        // A bare size: "tem 44?", "tenis 44 masculino" — not money, not another unit.
        assert_eq!(pergunta("tem 44").map(|p| p.0), Some(Some("44".into())));
        assert_eq!(pergunta("tem tenis 44 masculino").map(|p| p.0), Some(Some("44".into())));
        assert_eq!(pergunta("tenis ate 40 reais"), None);
        assert_eq!(pergunta("tv 43 polegadas"), None);
        let mut t = item(1, "Tênis Nike Revolution", 34_990);
        t.descricao = "Tênis de corrida, numeração 38 ao 44, cores preto e branco.".into();
        assert!(responder(&t, Some("42"), "*Tênis*").0.starts_with("Sim!"));
        assert!(responder(&t, Some("37"), "*Tênis*").0.contains("não aparece"));
        let mut c = item(2, "Camiseta", 4_990);
        c.descricao = "Camiseta 100% algodão, tamanhos P, M, G e GG. Cores: branca e preta.".into();
        assert!(responder(&c, Some("gg"), "*Camiseta*").0.starts_with("Sim!"));
        assert!(responder(&c, Some("xg"), "*Camiseta*").0.contains("não aparece"));
        assert!(responder(&c, None, "*Camiseta*").0.contains("tamanhos P, M, G e GG"));
        c.descricao = "Moletom com capuz, tamanhos P ao GG.".into();
        let r = responder(&c, Some("m"), "*Moletom*").0;
        assert!(r.starts_with("Sim!"), "{r}");
        assert!(!responder(&item(3, "Boné", 100), Some("m"), "*Boné*").1);
    }
}
