//! Structured filters in a customer's message, per setor: price limits and ranges in every
//! common form (`até 60 mil`, `entre 40 e 70 mil`, `abaixo de 100k`, `uns 300 mil`, `até 2.500
//! por mês`, `até 60` in a car shop), years (`2020`, `a partir de 2018`, `20/21`), kilometres
//! (`até 50 mil km`), gearbox and fuel, and for imóveis: buy or rent, property type, bairro,
//! bedrooms, parking spaces, bathrooms and area. The words used up here are not search terms.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::dinheiro::{quantias, Forca, Quantia};
use super::lexico::{self, ALUGUEL, CAMBIOS, COMBUSTIVEIS, TIPOS_IMOVEL, VENDA};
use super::texto::{has_any, words};
use super::vocabulario::Vocabulario;
use crate::domain::Setor;

/// How results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ordem {
    Relevancia,
    MenorPreco,
    MaiorPreco,
    MaisNovo,
    MenorKm,
}

/// Hard filters of a search (all optional). Money in centavos.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filtros {
    pub preco_min: Option<i64>,
    pub preco_max: Option<i64>,
    /// The customer gave an approximate value (`uns 60 mil`): closest prices first.
    pub preco_alvo: Option<i64>,
    pub ano_min: Option<i64>,
    pub ano_max: Option<i64>,
    pub km_max: Option<i64>,
    /// `automatico` / `manual`.
    pub cambio: Option<String>,
    pub combustivel: Option<String>,
    /// `venda` / `aluguel`.
    pub finalidade: Option<String>,
    /// Canonical property type (`apartamento`, `casa`...).
    pub tipo: Option<String>,
    /// Bairros as written in the catalog.
    pub bairros: Vec<String>,
    pub quartos_min: Option<i64>,
    pub vagas_min: Option<i64>,
    pub banheiros_min: Option<i64>,
    pub area_min: Option<i64>,
    pub area_max: Option<i64>,
}

impl Filtros {
    /// Whether no filter is set.
    pub fn vazio(&self) -> bool {
        *self == Filtros::default()
    }

    /// Whether a price limit is set.
    pub fn tem_preco(&self) -> bool {
        self.preco_min.is_some() || self.preco_max.is_some()
    }

    /// `other`'s filters over these (a follow-up such as "e automático?" keeps the rest).
    pub fn sobrepor(&mut self, o: &Filtros) {
        macro_rules! over {
            ($($f:ident),*) => { $( if o.$f.is_some() { self.$f = o.$f.clone(); } )* };
        }
        over!(preco_min, preco_max, preco_alvo, ano_min, ano_max, km_max, cambio, combustivel, finalidade, tipo);
        over!(quartos_min, vagas_min, banheiros_min, area_min, area_max);
        if !o.bairros.is_empty() {
            self.bairros = o.bairros.clone();
        }
    }
}

/// What [`extrair`] found.
#[derive(Debug, Clone, Default)]
pub struct Extraido {
    pub filtros: Filtros,
    pub ordem: Option<Ordem>,
    /// Indices (in the normalised words) used up by the filters.
    pub usadas: HashSet<usize>,
}

/// Words around numbers that belong to price, km and year phrases.
#[rustfmt::skip]
const MARCADORES: &[&str] = &[
    "ate", "entre", "acima", "abaixo", "partir", "menos", "mais", "maximo", "max", "minimo", "min", "inferior",
    "superior", "teto", "limite", "uns", "umas", "cerca", "volta", "torno", "faixa", "aproximadamente", "media",
    "mil", "k", "reais", "real", "milhao", "milhoes", "mi", "conto", "contos", "pila", "pau", "r", "rs", "km", "kms",
    "quilometros", "rodados", "rodado", "mes", "mensal", "mensais", "ano", "anos", "pra", "cima", "diante", "apos",
    "depois", "antes", "orcamento", "gastar", "pagar", "pago", "posso", "valor", "preco", "de", "a", "e", "por", "no",
    "na", "m", "m2", "metros", "mts", "quartos", "quarto", "dormitorios", "dormitorio", "suites", "suite", "vagas",
    "vaga", "garagem", "banheiros", "banheiro", "area", "tamanho", "pelo", "menor", "maior", "que",
];

fn marcador(q: &Quantia, max: &[&str], min: &[&str]) -> Option<bool> {
    let a: Vec<&str> = q.antes.iter().map(String::as_str).collect();
    let hit = |ws: &[&str]| a.iter().take(3).any(|w| ws.contains(w));
    if hit(max) {
        Some(true)
    } else if hit(min) {
        Some(false)
    } else {
        None
    }
}

#[rustfmt::skip]
const MAX_PRECO: &[&str] = &[
    "ate", "maximo", "max", "abaixo", "menos", "inferior", "teto", "limite", "orcamento", "gastar", "pagar", "pago",
    "tenho",
];
const MIN_PRECO: &[&str] = &["acima", "partir", "minimo", "superior", "maior"];
const APROX: &[&str] =
    &["uns", "umas", "cerca", "volta", "torno", "faixa", "aproximadamente", "media", "de", "por", "valor", "preco"];

fn ano(q: &Quantia) -> Option<i64> {
    let reais = q.centavos / 100;
    (q.forca == Forca::Nua && q.multiplicador == 1 && q.centavos % 100 == 0 && (1950..=2035).contains(&reais))
        .then_some(reais)
}

/// The structured filters of one message. `texto` is the raw message (money is read from it),
/// `norm` its normalised form.
#[rustfmt::skip]
pub fn extrair(setor: Setor, texto: &str, norm: &str, vocab: &Vocabulario) -> Extraido {
    let ws = words(norm);
    let mut e = Extraido::default();
    let f = &mut e.filtros;
    let qs = quantias(texto);
    let anos_contam = matches!(setor, Setor::Veiculos | Setor::Autopecas);
    let escala = |centavos: i64, q: &Quantia| -> i64 {
        // "até 60" in a shop whose cheapest item costs thousands means 60 mil.
        if q.forca == Forca::Nua && q.multiplicador == 1 && centavos < 100_000 {
            if let Some((min, max_p)) = vocab.faixa_de_precos() {
                let mil = centavos * 1000;
                if centavos * 20 < min && mil >= min / 2 && mil <= max_p * 2 {
                    return mil;
                }
            }
        }
        centavos
    };
    let mut usados: HashSet<String> = HashSet::new();
    let mut i = 0;
    while i < qs.len() {
        let q = &qs[i];
        i += 1;
        // Every number read as a price, km, area or year is used up (never a search term),
        // except a bare one the catalog names (`208`, `500`), decided below.
        usados.insert(q.texto.clone());
        match q.unidade.as_deref() {
            Some("km" | "kms" | "quilometros" | "quilometro" | "kilometros" | "rodados" | "rodado") => {
                if marcador(q, &["ate", "menos", "maximo", "abaixo", "com", "no"], &["acima", "mais"]) != Some(false) {
                    f.km_max = Some(q.centavos / 100);
                }
                continue;
            }
            Some("m" | "m2" | "mts" | "metros" | "metro") if setor == Setor::Imoveis => {
                let area = q.centavos / 100;
                match marcador(q, &["ate", "menos", "maximo", "abaixo"], &["acima", "mais", "partir", "minimo", "pelo"])
                {
                    Some(true) => f.area_max = Some(area),
                    Some(false) => f.area_min = Some(area),
                    None => f.area_min = Some(area * 85 / 100),
                }
                continue;
            }
            // `50 polegadas`, `256 gb`, `12000 btus`: a feature of the product, searched as such.
            Some(_) => {
                usados.remove(&q.texto);
                continue;
            }
            None => {}
        }
        let antes: Vec<&str> = q.antes.iter().map(String::as_str).collect();
        let proxima = qs.get(i).filter(|n| n.ini == q.fim + 1 && n.unidade.is_none());
        if anos_contam {
            if let Some(a) = ano(q) {
                if let (Some("entre" | "de"), Some(b)) = (antes.first().copied(), proxima.and_then(ano)) {
                    f.ano_min = Some(a.min(b));
                    f.ano_max = Some(a.max(b));
                    // "de 2015 a 2020": both years are the range, neither is a search word.
                    if let Some(n) = proxima {
                        usados.insert(n.texto.clone());
                    }
                    i += 1;
                    continue;
                }
                match marcador(
                    q,
                    &["ate", "antes", "abaixo", "maximo"],
                    &["partir", "acima", "apos", "depois", "superior", "mais", "minimo"],
                ) {
                    Some(true) => f.ano_max = Some(a),
                    Some(false) => f.ano_min = Some(a),
                    None => {
                        let cima = [format!("{a} para cima"), format!("{a} em diante"), format!("{a} acima")];
                        f.ano_min = Some(a);
                        if !cima.iter().any(|c| has_any(norm, &[c.as_str()])) {
                            f.ano_max = Some(a);
                        }
                    }
                }
                continue;
            }
        }
        // "entre 40 e 70 mil", "de 300 a 500 mil": a range; 40 takes 70's multiplier.
        if let (Some("entre" | "de"), Some(n)) = (antes.first().copied(), proxima) {
            let a = if q.sem_multiplicador { q.centavos.saturating_mul(n.multiplicador) } else { q.centavos };
            let (a, b) = (escala(a, q), escala(n.centavos, n));
            f.preco_min = Some(a.min(b));
            f.preco_max = Some(a.max(b));
            if (q.mensal || n.mensal) && setor == Setor::Imoveis {
                f.finalidade = Some("aluguel".into());
            }
            i += 1;
            continue;
        }
        // A bare number the catalog names is a model (`208`, `500`), not a price.
        let bruto = (q.centavos / 100).to_string();
        if q.forca == Forca::Nua
            && q.multiplicador == 1
            && vocab.em_nome(&bruto)
            && antes.first().is_none_or(|w| !MAX_PRECO.contains(w))
        {
            usados.remove(&q.texto);
            continue;
        }
        let max = marcador(q, MAX_PRECO, MIN_PRECO);
        let aprox = antes.iter().take(3).any(|w| APROX.contains(w));
        if q.forca == Forca::Nua && max.is_none() && !aprox && !q.mensal {
            usados.remove(&q.texto);
            continue;
        }
        let v = escala(q.centavos, q);
        if q.mensal && setor == Setor::Imoveis {
            f.finalidade = Some("aluguel".into());
        }
        match max {
            Some(true) => f.preco_max = Some(v),
            Some(false) => f.preco_min = Some(v),
            None => {
                f.preco_max = Some(v + v / 10);
                f.preco_alvo = Some(v);
            }
        }
    }
    // Imóveis: buy or rent, type, bairro, rooms.
    if setor == Setor::Imoveis {
        if ws.iter().any(|w| ALUGUEL.contains(w)) {
            f.finalidade = Some("aluguel".into());
        } else if ws.iter().any(|w| VENDA.contains(w)) {
            f.finalidade = Some("venda".into());
        }
        for (i, w) in ws.iter().enumerate() {
            if let Some(t) = lexico::tipo_pedido(w) {
                if TIPOS_IMOVEL.iter().any(|(c, _)| *c == t) && f.tipo.is_none() {
                    f.tipo = Some(t.to_string());
                    e.usadas.insert(i);
                }
            }
        }
        for bairro in vocab.valores("bairro").iter().chain(vocab.valores("cidade")) {
            if has_any(norm, &[bairro.as_str()]) {
                let campo = if vocab.valores("bairro").contains(bairro) { "bairro" } else { "cidade" };
                if campo == "bairro" {
                    f.bairros.extend(vocab.brutos("bairro", bairro));
                }
                for (i, w) in ws.iter().enumerate() {
                    if bairro.split(' ').any(|b| b == *w) {
                        e.usadas.insert(i);
                    }
                }
                if campo == "bairro" {
                    break;
                }
            }
        }
        contar(
            &ws,
            &["quartos", "quarto", "dormitorios", "dormitorio", "dorms", "suites"],
            &mut f.quartos_min,
            &mut e.usadas,
        );
        contar(&ws, &["vagas", "vaga"], &mut f.vagas_min, &mut e.usadas);
        contar(&ws, &["banheiros", "banheiro"], &mut f.banheiros_min, &mut e.usadas);
        if f.vagas_min.is_none() && (ws.contains(&"garagem") || has_any(norm, &["com vaga", "tenha vaga"])) {
            f.vagas_min = Some(1);
        }
    }
    // A price says buy or rent when the words do not: R$ 100 mil and up is a sale, up to
    // R$ 30 mil a month a rent.
    if setor == Setor::Imoveis && f.finalidade.is_none() {
        match f.preco_max.or(f.preco_min) {
            Some(v) if v >= 10_000_000 => f.finalidade = Some("venda".into()),
            Some(v) if v <= 3_000_000 => f.finalidade = Some("aluguel".into()),
            _ => {}
        }
    }
    if setor == Setor::Veiculos {
        for (i, w) in ws.iter().enumerate() {
            if let Some((v, _)) = CAMBIOS.iter().find(|(_, ws)| ws.contains(w)) {
                f.cambio = Some((*v).to_string());
                e.usadas.insert(i);
            }
            if let Some((v, _)) = COMBUSTIVEIS.iter().find(|(_, ws)| ws.contains(w)) {
                f.combustivel = Some((*v).to_string());
                e.usadas.insert(i);
            }
        }
        if has_any(norm, &["pouco rodado", "pouca km", "baixa km", "baixa quilometragem", "menos rodado", "menor km"]) {
            e.ordem = Some(Ordem::MenorKm);
        }
        if has_any(norm, &["mais novo", "mais novos", "mais nova", "mais recente", "mais recentes"]) {
            e.ordem = Some(Ordem::MaisNovo);
        }
    }
    if has_any(
        norm,
        &[
            "mais barato", "mais baratos", "mais barata", "mais baratas", "menor preco", "menor valor",
            "mais em conta", "mais economico", "baratinho", "baratinha", "baratinhos", "baratinhas", "bem barato",
            "bem barata", "mais acessivel", "precinho",
        ],
    ) {
        e.ordem = Some(Ordem::MenorPreco);
    } else if has_any(norm, &["mais caro", "mais cara", "mais caros", "maior preco", "mais completo", "top de linha"]) {
        e.ordem = Some(Ordem::MaiorPreco);
    }
    for (i, w) in ws.iter().enumerate() {
        let numero = w.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '/'));
        // A number is a search term only when an item's name has it (`208`, `2.0`) or it is a
        // code of the catalog (`3397007488`).
        let codigo = w.len() >= 5 && vocab.df(w) > 0;
        let numero_util = numero && (vocab.em_nome(w) || codigo) && !usados.contains(*w);
        // "até sessenta mil": the written-out amount was read as money above.
        let por_extenso = super::dinheiro::palavra_de_numero(w) && !vocab.em_nome(w);
        if (numero && !numero_util) || (MARCADORES.contains(w) && !vocab.em_nome(w)) || por_extenso {
            e.usadas.insert(i);
        }
        if matches!(setor, Setor::Imoveis) && (ALUGUEL.contains(w) || VENDA.contains(w)) {
            e.usadas.insert(i);
        }
    }
    e
}

/// `2 quartos`, `dois quartos`, `3 ou mais quartos`: the minimum count before `palavras`.
fn contar(ws: &[&str], palavras: &[&str], destino: &mut Option<i64>, usadas: &mut HashSet<usize>) {
    for (i, w) in ws.iter().enumerate() {
        if !palavras.contains(w) || i == 0 {
            continue;
        }
        let mut j = i - 1;
        if matches!(ws[j], "mais" | "ou") && j >= 2 && ws[j - 1] == "ou" {
            j -= 2;
        }
        let n = ws[j].parse::<i64>().ok().or(match ws[j] {
            "um" | "uma" => Some(1),
            "dois" | "duas" => Some(2),
            "tres" => Some(3),
            "quatro" => Some(4),
            "cinco" => Some(5),
            _ => None,
        });
        if let Some(n) = n.filter(|n| (0..=20).contains(n)) {
            *destino = Some(n);
            usadas.insert(i);
            usadas.insert(j);
        }
    }
}

#[cfg(test)]
#[path = "filtros_tests.rs"]
mod tests;
