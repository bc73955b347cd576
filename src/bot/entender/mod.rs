//! Understanding a customer's message without an LLM, for every setor, from the empresa's
//! own catalog ([`vocabulario`]) and the sales vocabulary ([`lexico`]): normalisation and
//! abbreviations ([`texto`]), typo correction against catalog words, money and price ranges
//! ([`dinheiro`], [`filtros`]), attribute questions ([`atributos`]), intents and names
//! ([`intencao`]), days and times ([`datas`]), and references to what was shown ("o
//! segundo", "esse", "o preto"). [`entender`] puts them together into an [`Entendimento`].
//! Pure: no I/O.

pub mod atributos;
pub mod datas;
pub mod descricao;
pub mod dinheiro;
pub mod filtros;
pub mod intencao;
pub mod lexico;
pub mod tamanho;
pub mod texto;
pub mod vocabulario;

use serde::Serialize;

use self::atributos::Pergunta;
use self::filtros::{Filtros, Ordem};
use self::intencao::Sinais;
use self::texto::{has_any, is_stopword, normalize, stem};
use self::vocabulario::Vocabulario;
use crate::domain::Setor;

/// A search word with the forms that may match it in the catalog.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Termo {
    /// The word as understood (after correction).
    pub palavra: String,
    /// Itself, its synonyms and its stem.
    pub alternativas: Vec<String>,
    /// Whether the catalog has it (a word, a stem or a synonym).
    pub conhecido: bool,
    /// Rarity in the catalog (rare words weigh more).
    pub peso: f32,
    /// A colour, a year-like qualifier: refines a search rather than naming a product.
    pub qualificador: bool,
}

/// A reference to something already shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Referencia {
    /// `o primeiro`, `o 2`, `a terceira opção` (0-based).
    Ordinal(usize),
    /// `o último`.
    Ultimo,
    /// `esse`, `ele`, `dele`, `desse`.
    Demonstrativo,
}

/// Everything understood in one message.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Entendimento {
    /// The normalised text (after typo correction).
    pub norm: String,
    pub sinais: Sinais,
    pub perguntas: Vec<Pergunta>,
    pub filtros: Filtros,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordem: Option<Ordem>,
    pub termos: Vec<Termo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referencia: Option<Referencia>,
    /// The customer's name, when the message says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nome: Option<String>,
    /// Typos fixed: (as written, as understood).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub correcoes: Vec<(String, String)>,
    /// Starts with "e ..." and names no product: refines the last search.
    pub continuacao: bool,
}

impl Entendimento {
    /// Search terms that name something (not only qualifiers such as colours).
    pub fn termos_fortes(&self) -> impl Iterator<Item = &Termo> {
        self.termos.iter().filter(|t| !t.qualificador)
    }

    /// Whether the message asks for something in the catalog (terms, filters or an order).
    pub fn busca_algo(&self) -> bool {
        !self.termos.is_empty() || !self.filtros.vazio() || self.ordem.is_some()
    }
}

const ORDINAIS: &[(&str, usize)] = &[
    ("primeiro", 0),
    ("primeira", 0),
    ("1o", 0),
    ("1a", 0),
    ("segundo", 1),
    ("segunda", 1),
    ("2o", 1),
    ("2a", 1),
    ("terceiro", 2),
    ("terceira", 2),
    ("3o", 2),
    ("3a", 2),
    ("quarto", 3),
    ("quarta", 3),
    ("4o", 3),
    ("quinto", 4),
    ("quinta", 4),
    ("5o", 4),
];
#[rustfmt::skip]
const DEMONSTRATIVOS: &[&str] = &[
    "esse", "essa", "este", "esta", "ele", "ela", "dele", "dela", "desse", "dessa", "deste", "desta", "nesse", "nessa",
    "neste", "nesta", "isso", "aquele", "aquela", "daquele", "daquela", "mesmo", "mesma",
];

/// Reads `texto` for an empresa of `setor` whose catalog is `vocab`.
pub fn entender(setor: Setor, texto: &str, vocab: &Vocabulario) -> Entendimento {
    let bruto = normalize(texto);
    let dominio = lexico::dominio(setor);
    let mut correcoes = Vec::new();
    let corrigidas: Vec<String> = bruto
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let conhecida = is_stopword(w)
                || vocab.conhece(w)
                || dominio.contains(&w)
                || lexico::PALAVRAS_DE_INTENCAO.contains(&w)
                || lexico::palavras_de_categoria(setor).contains(&w)
                || lexico::CORES.contains(&w);
            if conhecida {
                return w.to_string();
            }
            match vocab.corrigir(w, &dominio) {
                Some(c) => {
                    correcoes.push((w.to_string(), c.clone()));
                    c
                }
                None => w.to_string(),
            }
        })
        .collect();
    let norm = juntar_compostos(&corrigidas, vocab);
    let ws: Vec<&str> = norm.split(' ').filter(|w| !w.is_empty()).collect();
    let sinais = intencao::sinais(&norm);
    let perguntas = atributos::perguntas(setor, &norm);
    // Money is read from the raw text with the corrections applied word by word.
    let extraido = filtros::extrair(setor, texto, &norm, vocab);
    let referencia = referencia(&ws);
    let categoria = lexico::palavras_de_categoria(setor);
    // "tem no 42?": the size words are the question, not a search.
    let do_tamanho: Vec<String> =
        if setor == Setor::Varejo { tamanho::pergunta(&norm).map(|p| p.1).unwrap_or_default() } else { Vec::new() };
    let mut termos: Vec<Termo> = Vec::new();
    for (i, w) in ws.iter().enumerate() {
        let consumida = extraido.usadas.contains(&i)
            || is_stopword(w)
            || categoria.contains(w)
            || lexico::PALAVRAS_DE_INTENCAO.contains(w)
            || DEMONSTRATIVOS.contains(w)
            || ORDINAIS.iter().any(|(o, _)| o == w)
            || (w.len() < 2 && !w.chars().all(|c| c.is_ascii_digit()))
            || palavra_de_pergunta(w)
            || do_tamanho.iter().any(|t| t == w)
            || (*w == "casa" && setor != Setor::Imoveis && i > 0 && ws[i - 1] == "em");
        if consumida || termos.iter().any(|t| t.palavra == *w) {
            continue;
        }
        let mut alternativas: Vec<String> = lexico::sinonimos(w).into_iter().map(String::from).collect();
        if setor == Setor::Veiculos {
            // "suv" also finds the SUV models the catalog has (without saying SUV).
            for m in lexico::modelos_do_tipo(w) {
                let m = m.replace(' ', "");
                if vocab.df(&m) > 0 && !alternativas.contains(&m) {
                    alternativas.push(m);
                }
            }
        }
        let s = stem(w);
        if s.len() >= 4 && !alternativas.contains(&s) {
            alternativas.push(s);
        }
        // A verb finds its noun: "encerar" → "enceramento", "alinhar" → "alinhamento".
        let mut raiz_conhecida = false;
        if w.len() >= 6 && (w.ends_with("ar") || w.ends_with("er") || w.ends_with("ir")) {
            let raiz = w[..w.len() - 2].to_string();
            raiz_conhecida = vocab.conhece_prefixo(&raiz);
            if !alternativas.contains(&raiz) {
                alternativas.push(raiz);
            }
        }
        let conhecido = raiz_conhecida || alternativas.iter().any(|a| vocab.conhece(a));
        let qualificador =
            lexico::CORES.contains(w) || (setor == Setor::Veiculos && w.len() == 4 && w.starts_with("20"));
        termos.push(Termo { palavra: w.to_string(), peso: vocab.peso(w), alternativas, conhecido, qualificador });
    }
    termos.truncate(8);
    let continuacao = ws.first() == Some(&"e") && ws.len() <= 6;
    Entendimento {
        nome: intencao::nome_dito(texto),
        sinais,
        perguntas,
        filtros: extraido.filtros,
        ordem: extraido.ordem,
        termos,
        referencia,
        correcoes,
        continuacao,
        norm,
    }
}

/// Attribute and question words that are never search terms.
#[rustfmt::skip]
fn palavra_de_pergunta(w: &str) -> bool {
    [
        "km", "quilometragem", "kilometragem", "rodagem", "rodado", "rodou", "cambio", "cor", "cores", "combustivel", "portas",
        "versao", "motor", "quartos", "quarto", "banheiros", "banheiro", "vagas", "vaga", "garagem", "area",
        "metragem", "tamanho", "condominio", "iptu", "bairro", "regiao", "aplicacao", "serve", "compativel", "marca",
        "fabricante", "ano", "estoque", "unidades", "preco", "valor", "quanto", "custa", "barato", "caro", "novo",
        "nova", "rodados", "metros", "m2", "dormitorios", "dormitorio", "suite", "suites", "sobre", "fala", "conta",
        "informacoes", "disponivel", "entrega", "pronta",
    ]
    .contains(&w)
}

/// `hb 20` → `hb20`, `t cross` → `tcross` when the catalog knows the joined word.
fn juntar_compostos(ws: &[String], vocab: &Vocabulario) -> String {
    let mut out: Vec<String> = Vec::with_capacity(ws.len());
    let mut i = 0;
    'palavras: while i < ws.len() {
        // A code typed in pieces (`5U0-615-301`, `bb 1296`): the pieces joined, when the catalog has it.
        for k in (2..=4).rev() {
            if i + k <= ws.len() && ws[i..i + k].iter().any(|w| w.chars().any(|c| c.is_ascii_digit())) {
                let junto = ws[i..i + k].concat();
                if vocab.df(&junto) > 0 {
                    out.push(junto);
                    i += k;
                    continue 'palavras;
                }
            }
        }
        if i + 1 < ws.len() && ws[i].len() <= 3 {
            let junto = format!("{}{}", ws[i], ws[i + 1]);
            if vocab.df(&junto) > 0 && !(is_stopword(&ws[i]) && vocab.df(&ws[i + 1]) > 0) {
                out.push(junto);
                i += 2;
                continue;
            }
        }
        out.push(ws[i].clone());
        i += 1;
    }
    out.join(" ")
}

fn referencia(ws: &[&str]) -> Option<Referencia> {
    for (i, w) in ws.iter().enumerate() {
        if let Some((_, n)) = ORDINAIS.iter().find(|(o, _)| o == w) {
            // "segunda"/"quarta"/"quinta" as weekdays ("na segunda") are not ordinals.
            let dia = matches!(*w, "segunda" | "quarta" | "quinta")
                && (i == 0 || matches!(ws[i - 1], "na" | "no" | "dia" | "ate" | "de" | "toda"))
                && ws.get(i + 1).is_none_or(|n| !n.starts_with("opc"));
            // "quarto" is a bedroom in "2 quartos"; only "o quarto" counts.
            let comodo = *w == "quarto" && (i == 0 || ws[i - 1] != "o");
            if !dia && !comodo {
                return Some(Referencia::Ordinal(*n));
            }
        }
        if matches!(*w, "ultimo" | "ultima") {
            return Some(Referencia::Ultimo);
        }
        // "o 2", "opção 3", "numero 1".
        if let Ok(n) = w.parse::<usize>() {
            if (1..=5).contains(&n)
                && i > 0
                && matches!(ws[i - 1], "o" | "a" | "opcao" | "numero" | "item")
                && ws.len() <= 4
            {
                return Some(Referencia::Ordinal(n - 1));
            }
        }
    }
    if ws.iter().any(|w| DEMONSTRATIVOS.contains(w)) {
        return Some(Referencia::Demonstrativo);
    }
    None
}

/// Whether the message is only a reference to the list ("o segundo", "quero esse", "1").
pub fn so_referencia(e: &Entendimento) -> bool {
    e.referencia.is_some() && e.termos.is_empty() && e.filtros.vazio()
}

/// Whether the customer is asking the price in general terms (`quanto custa`, `qual o valor`).
#[rustfmt::skip]
pub fn pergunta_preco(norm: &str) -> bool {
    has_any(
        norm,
        &[
            "quanto custa", "quanto e", "quanto esta", "quanto sai", "quanto fica", "qual o preco", "qual o valor",
            "qual preco", "qual valor", "preco", "valor", "quanto",
        ],
    )
}

#[cfg(test)]
#[path = "entender_tests.rs"]
mod tests;
