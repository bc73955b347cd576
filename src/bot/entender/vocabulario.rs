//! What the empresa's own catalog says, as the understanding needs it: every word with the
//! number of items that contain it (to rank rare words such as a model above common ones such
//! as a colour), the values of each setor field (marcas, bairros, tipos...), and every money
//! amount of the catalog (prices, condomínio, IPTU) for the price guard. Built once per
//! catalog version by the caller and shared.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::texto::{normalize, stem};
use crate::bot::tools::CatalogItem;

/// The catalog's words and values.
#[derive(Debug, Clone, Default)]
pub struct Vocabulario {
    df: HashMap<String, u32>,
    stems: HashMap<String, u32>,
    /// Words by first letter, for typo correction.
    por_inicial: HashMap<char, Vec<String>>,
    total_itens: u32,
    precos: Vec<i64>,
    valores: HashMap<String, Vec<String>>,
    /// Field → normalised value → the values as written in the catalog.
    brutos: HashMap<String, HashMap<String, Vec<String>>>,
    /// Words (and stems) that appear in item names.
    nomes: HashSet<String>,
}

/// Setor fields whose values name things the customer may write (`moema`, `automatico`).
const CAMPOS_NOMEADOS: &[&str] =
    &["marca", "modelo", "cor", "cambio", "combustivel", "tipo", "finalidade", "bairro", "cidade", "categoria"];

/// The searchable words of an item: its normalised name, description, category and setor
/// fields, plus the compact form of every code written with separators (`5U0-698-151` also
/// gives `5u0698151`, `T-Cross` gives `tcross`).
pub fn palavras_do_item(item: &CatalogItem) -> Vec<String> {
    let mut texto =
        format!("{} {} {}", item.nome, sem_negados(&item.descricao), item.categoria.as_deref().unwrap_or(""));
    for (k, v) in &item.atributos {
        match v {
            Value::String(s) => {
                texto.push(' ');
                texto.push_str(s);
                // A part code written with spaces (`0 258 006 537`) is also one word.
                if k == "codigo_oem" {
                    texto.push(' ');
                    texto.extend(s.chars().filter(|c| c.is_alphanumeric()));
                }
            }
            Value::Number(n) => {
                texto.push(' ');
                texto.push_str(&n.to_string());
            }
            _ => {}
        }
    }
    let mut out: Vec<String> = normalize(&texto).split(' ').filter(|w| !w.is_empty()).map(String::from).collect();
    out.extend(compactos(&texto));
    out
}

/// Words that negate what follows them in a description (`não aceita pet`, `sem garagem`).
pub const NEGACOES: &[&str] = &["nao", "sem", "nem", "nenhum", "nenhuma", "proibido", "proibida", "exceto"];

/// A description without what it denies: `Não aceita pet. Com piscina` → `Com piscina`, so
/// "aceita pet?" does not find it. Up to three words after a negation, within its clause
/// and before `mas`/`e`/`com`.
pub fn sem_negados(descricao: &str) -> String {
    let mut out = String::with_capacity(descricao.len());
    for clausula in descricao.split(['.', ';', ':', '!', '?', '\n', ',']) {
        let mut pular = 0;
        for w in clausula.split_whitespace() {
            let n = normalize(w);
            if NEGACOES.contains(&n.as_str()) {
                pular = 3;
                continue;
            }
            if pular > 0 && !matches!(n.as_str(), "mas" | "e" | "com" | "porem") {
                pular -= 1;
                continue;
            }
            pular = 0;
            out.push_str(w);
            out.push(' ');
        }
        out.push_str(". ");
    }
    out
}

/// `5U0-698-151` → `5u0698151`; `T-Cross` → `tcross`; `HB 20`? no (spaces separate words).
pub fn compactos(texto: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in texto.split_whitespace() {
        let low: String = raw.chars().flat_map(char::to_lowercase).map(crate::catalogo::fold_char).collect();
        let pieces: Vec<&str> = low.split(|c: char| !c.is_alphanumeric()).filter(|p| !p.is_empty()).collect();
        if pieces.len() > 1 {
            let joined = pieces.concat();
            if joined.len() >= 3 {
                out.push(joined);
            }
        }
    }
    out
}

impl Vocabulario {
    /// Builds the vocabulary of a catalog.
    pub fn construir<'a>(itens: impl IntoIterator<Item = &'a CatalogItem>) -> Vocabulario {
        let mut v = Vocabulario::default();
        let mut precos = HashSet::new();
        let mut valores: HashMap<String, HashSet<String>> = HashMap::new();
        for item in itens {
            for w in normalize(&item.nome).split(' ').filter(|w| !w.is_empty()) {
                v.nomes.insert(stem(w));
                v.nomes.insert(w.to_string());
            }
            v.nomes.extend(compactos(&item.nome));
            v.total_itens += 1;
            let unique: HashSet<String> = palavras_do_item(item).into_iter().collect();
            let stems: HashSet<String> = unique.iter().map(|w| stem(w)).collect();
            for w in unique {
                *v.df.entry(w).or_default() += 1;
            }
            for s in stems {
                *v.stems.entry(s).or_default() += 1;
            }
            precos.extend(item.preco_centavos);
            for (campo, valor) in &item.atributos {
                if campo.ends_with("_centavos") {
                    precos.extend(valor.as_i64());
                } else if CAMPOS_NOMEADOS.contains(&campo.as_str()) {
                    if let Some(raw) = valor.as_str().filter(|s| !s.trim().is_empty()) {
                        let s = normalize(raw);
                        let brutos = v.brutos.entry(campo.clone()).or_default().entry(s.clone()).or_default();
                        if !brutos.iter().any(|b| b == raw) {
                            brutos.push(raw.to_string());
                        }
                        valores.entry(campo.clone()).or_default().insert(s);
                    }
                }
            }
            if let Some(raw) = item.categoria.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                let c = normalize(raw);
                let brutos = v.brutos.entry("categoria".into()).or_default().entry(c.clone()).or_default();
                if !brutos.iter().any(|b| b == raw) {
                    brutos.push(raw.to_string());
                }
                valores.entry("categoria".into()).or_default().insert(c);
            }
        }
        for w in v.df.keys() {
            if w.len() >= 3 && w.chars().all(|c| c.is_ascii_lowercase()) {
                if let Some(c) = w.chars().next() {
                    v.por_inicial.entry(c).or_default().push(w.clone());
                }
            }
        }
        let mut precos: Vec<i64> = precos.into_iter().collect();
        precos.sort_unstable();
        v.precos = precos;
        v.valores = valores
            .into_iter()
            .map(|(k, set)| {
                let mut list: Vec<String> = set.into_iter().collect();
                // Longest first, so "vila mariana" is found before "vila".
                list.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
                (k, list)
            })
            .collect();
        v
    }

    /// Items in the catalog.
    pub fn total_itens(&self) -> u32 {
        self.total_itens
    }

    /// How many items contain the word `w` (exactly).
    pub fn df(&self, w: &str) -> u32 {
        self.df.get(w).copied().unwrap_or(0)
    }

    /// Whether the catalog knows `w` as a word, a stem, or a word prefix of 4+ letters.
    pub fn conhece(&self, w: &str) -> bool {
        self.df.contains_key(w) || self.stems.contains_key(&stem(w))
    }

    /// Whether some catalog word starts with `prefixo` (5+ letters): a verb's root finds its
    /// noun (`higieniz` → `higienizacao`).
    pub fn conhece_prefixo(&self, prefixo: &str) -> bool {
        prefixo.len() >= 5
            && prefixo
                .chars()
                .next()
                .and_then(|c| self.por_inicial.get(&c))
                .is_some_and(|ws| ws.iter().any(|w| w.starts_with(prefixo)))
    }

    /// Inverse document frequency of a word (rare words weigh more); unknown words weigh like
    /// the rarest.
    pub fn peso(&self, w: &str) -> f32 {
        let n = self.total_itens.max(1) as f32;
        let df = self.df.get(w).or_else(|| self.stems.get(&stem(w))).copied().unwrap_or(1).max(1) as f32;
        1.0 + (n / df).ln()
    }

    /// Whether `centavos` is an amount of the catalog (a price, a condomínio, an IPTU).
    pub fn preco_existe(&self, centavos: i64) -> bool {
        self.precos.binary_search(&centavos).is_ok()
    }

    /// The lowest and highest catalog price.
    pub fn faixa_de_precos(&self) -> Option<(i64, i64)> {
        Some((*self.precos.first()?, *self.precos.last()?))
    }

    /// The distinct normalised values of a setor field (`bairro`, `marca`...), longest first.
    pub fn valores(&self, campo: &str) -> &[String] {
        self.valores.get(campo).map_or(&[], Vec::as_slice)
    }

    /// The values of `campo` as written in the catalog whose normalised form is `norm`.
    pub fn brutos(&self, campo: &str, norm: &str) -> Vec<String> {
        self.brutos.get(campo).and_then(|m| m.get(norm)).cloned().unwrap_or_default()
    }

    /// Whether `w` (or its stem) appears in some item's name.
    pub fn em_nome(&self, w: &str) -> bool {
        self.nomes.contains(w) || self.nomes.contains(&stem(w))
    }

    /// The catalog word closest to a misspelt `w`, if one is close enough: one edit for
    /// words up to seven letters, two from eight; same first letter (or a dropped initial
    /// `h`); ties go to the more frequent word. `extra` adds domain words to the candidates.
    pub fn corrigir(&self, w: &str, extra: &[&str]) -> Option<String> {
        let len = w.chars().count();
        if len < 4 || !w.chars().all(|c| c.is_ascii_lowercase()) {
            return None;
        }
        let max = if len >= 8 { 2 } else { 1 };
        let first = w.chars().next()?;
        let mut best: Option<(usize, u32, String)> = None;
        let mut consider = |cand: &str, df: u32| {
            if cand.len().abs_diff(len) > max || cand == w {
                return;
            }
            let d = distancia(w, cand, max);
            if d > max {
                return;
            }
            let better = match &best {
                None => true,
                Some((bd, bdf, bw)) => d < *bd || (d == *bd && (df > *bdf || (df == *bdf && cand < bw.as_str()))),
            };
            if better {
                best = Some((d, df, cand.to_string()));
            }
        };
        for inicial in [first, 'h'] {
            if let Some(list) = self.por_inicial.get(&inicial) {
                for cand in list {
                    if inicial == first || cand.get(1..).is_some_and(|rest| rest.starts_with(first)) {
                        consider(cand, self.df(cand));
                    }
                }
            }
        }
        for cand in extra {
            if cand.starts_with(first) || (cand.starts_with('h') && cand[1..].starts_with(first)) {
                consider(cand, 0);
            }
        }
        best.map(|(_, _, w)| w)
    }
}

/// Optimal-string-alignment distance (Damerau-Levenshtein with adjacent transpositions),
/// giving up past `max`.
pub fn distancia(a: &str, b: &str, max: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return max + 1;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::fake_tools::item;

    fn vocab() -> Vocabulario {
        let mut civic = item(1, "Honda Civic EXL 2019", 11_250_000);
        civic.atributos.insert("cor".into(), "Prata".into());
        let mut corolla = item(2, "Toyota Corolla XEi 2021", 11_890_000);
        corolla.atributos.insert("condominio_centavos".into(), 45_000.into());
        let tcross = item(3, "Volkswagen T-Cross 2021 prata", 11_790_000);
        Vocabulario::construir([&civic, &corolla, &tcross])
    }

    #[test]
    fn words_counts_and_prices() {
        let v = vocab();
        assert_eq!(v.total_itens(), 3);
        assert_eq!(v.df("civic"), 1);
        assert_eq!(v.df("prata"), 2);
        assert!(v.peso("civic") > v.peso("prata"));
        assert!(v.conhece("tcross") && v.conhece("civics"));
        assert!(v.preco_existe(11_250_000) && v.preco_existe(45_000) && !v.preco_existe(100));
        assert_eq!(v.faixa_de_precos(), Some((45_000, 11_890_000)));
        assert_eq!(v.valores("cor"), ["prata".to_string()]);
    }

    #[test]
    fn typos_are_corrected_to_catalog_words() {
        let v = vocab();
        assert_eq!(v.corrigir("ciivic", &[]).as_deref(), Some("civic"));
        assert_eq!(v.corrigir("corola", &[]).as_deref(), Some("corolla"));
        assert_eq!(v.corrigir("toyta", &[]).as_deref(), Some("toyota"));
        assert_eq!(v.corrigir("orario", &["horario"]).as_deref(), Some("horario"));
        assert_eq!(v.corrigir("carro", &[]), None);
        assert_eq!(v.corrigir("gol", &[]), None, "short words are never corrected");
        assert_eq!(distancia("ab", "ba", 2), 1);
        assert_eq!(distancia("kitten", "sitting", 5), 3);
    }
}
