//! Money in pt-BR text, one parser for the understanding (price limits the customer asks for)
//! and for the price guard (every amount an answer quotes): `R$ 12.345`, `R$12.345,67`,
//! `12.345 reais`, `12 mil`, `60k`, `R$ 1,2 milhão`, `meio milhão`, `cinquenta mil`,
//! `2.500 por mês`, `R$ 3.800/mês`, `60 conto`. Kilometres, areas, counts, years, codes,
//! phone numbers and times are told apart from money by their units and cues.

/// How surely a number is money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Forca {
    /// A bare number (`por 65900`): money only after a price cue.
    Nua,
    /// Thousands separators or centavos (`65.900`, `1.234,50`).
    Formatada,
    /// A multiplier word (`60 mil`, `60k`, `1,2 milhão`).
    Multiplicador,
    /// `R$`, `reais`, `conto`, `pila`.
    Explicita,
}

/// One amount found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantia {
    pub centavos: i64,
    pub forca: Forca,
    /// Followed by `/mês`, `por mês`, `mensal`.
    pub mensal: bool,
    /// Followed by a unit that is not money (`km`, `m²`, `quartos`, `x`, `%`, `h`...).
    pub unidade: Option<String>,
    /// Had no multiplier or currency word of its own (`40` in `entre 40 e 70 mil`).
    pub sem_multiplicador: bool,
    /// The multiplier word's factor (`mil` 1,000, `milhão` 1,000,000), 1 without one.
    pub multiplicador: i64,
    /// The number as written (`60`, `1.250.000`, `cinquenta`).
    pub texto: String,
    /// The (up to three) words right before it, nearest first (`ate`, `de`, `abaixo`...).
    pub antes: Vec<String>,
    /// Its first token and the token after it: `entre 40 e 70 mil` has one token between.
    pub ini: usize,
    pub fim: usize,
}

impl Quantia {
    /// Whether this is certainly money when read in an answer (the price guard's reading).
    pub fn e_dinheiro(&self) -> bool {
        if self.unidade.is_some() {
            return false;
        }
        let antes = self.antes.first().map_or("", String::as_str);
        if CUES_CODIGO.contains(&antes) && self.forca < Forca::Explicita {
            return false;
        }
        match self.forca {
            Forca::Explicita | Forca::Multiplicador => true,
            Forca::Formatada => self.centavos >= 10_000 || self.mensal,
            Forca::Nua => {
                let ano = (190_000..=210_000).contains(&self.centavos) && self.centavos % 100 == 0;
                (CUES_PRECO.contains(&antes) || self.mensal) && self.centavos >= 10_000 && !ano
            }
        }
    }
}

/// Words that precede a price (`por 65.900`, `sai 65900`, `valor 65900`).
const CUES_PRECO: &[&str] =
    &["por", "valor", "preco", "custa", "custam", "sai", "fica", "apenas", "so", "ate", "de", "aluguel", "total"];
/// Words that precede a code or a contact number, never money.
#[rustfmt::skip]
const CUES_CODIGO: &[&str] = &[
    "codigo", "cod", "ref", "referencia", "oem", "numero", "n", "no", "tel", "telefone", "fone", "cep", "placa",
    "pedido", "protocolo", "whatsapp", "celular", "id", "item", "nota",
];
/// Words after a number that make it something other than money.
#[rustfmt::skip]
const UNIDADES: &[&str] = &[
    "km", "kms", "quilometros", "quilometro", "kilometros", "rodados", "rodado", "m", "m2", "mts", "metros", "metro",
    "quartos", "quarto", "dormitorios", "suites", "banheiros", "vagas", "anos", "ano", "cv", "cc", "cilindradas",
    "litros", "l", "kg", "x", "vezes", "parcelas", "unidades", "un", "unid", "pecas", "dias", "dia", "horas", "hora",
    "h", "hs", "min", "minutos", "porcento", "portas", "lugares", "v", "w", "pes", "polegadas", "pol", "gb", "tb",
    "mah", "ml", "g", "gramas", "meses", "semanas", "pessoas", "andares", "andar",
];
const MOEDA: &[&str] = &["reais", "real", "conto", "contos", "pila", "pilas", "pau", "paus", "mangos"];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(String),
    Palavra(String),
    Simbolo(char),
}

/// Splits folded lowercase text into numbers, words and the symbols money needs.
fn tokens(texto: &str) -> Vec<Tok> {
    let chars = super::texto::dobrar(texto);
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || (matches!(chars[i], '.' | ',')
                        && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit())
                        && chars[i - 1].is_ascii_digit()))
            {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            push_run(&mut out, &run);
            continue;
        }
        if matches!(c, '$' | '/' | '%' | '#' | 'º' | '°' | ':') {
            out.push(Tok::Simbolo(c));
        }
        i += 1;
    }
    out
}

fn push_run(out: &mut Vec<Tok>, run: &str) {
    let first_digit = run.starts_with(|c: char| c.is_ascii_digit());
    if !first_digit {
        // A word; `r$` arrives as `r` followed by the `$` symbol.
        out.push(Tok::Palavra(run.to_string()));
        return;
    }
    let num_len = run.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',')).unwrap_or(run.len());
    let (num, suf) = run.split_at(num_len);
    if suf.is_empty() {
        out.push(Tok::Num(num.to_string()));
    } else if suf.chars().all(|c| c.is_alphabetic()) || UNIDADES.contains(&suf) {
        out.push(Tok::Num(num.to_string()));
        out.push(Tok::Palavra(suf.to_string()));
    } else {
        // A code (`5u0698151`, `5w30`): neither number nor word for money.
        out.push(Tok::Palavra(run.to_string()));
    }
}

/// pt-BR number to centavos: `.` thousands, `,` decimals; with `decimal_ponto` a lone `.`
/// followed by one to three digits is a decimal point (`1.5 mil`).
fn numero(s: &str, decimal_ponto: bool) -> Option<i64> {
    let s = s.trim_end_matches(['.', ',']);
    if s.is_empty() {
        return None;
    }
    let (int_part, dec_part) = match s.rfind(',') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => match s.rfind('.') {
            Some(i)
                if s.matches('.').count() == 1
                    && (s.len() - i - 1 <= 2 || (decimal_ponto && s.len() - i - 1 <= 3 && i <= 3)) =>
            {
                (&s[..i], &s[i + 1..])
            }
            _ => (s, ""),
        },
    };
    let digits: String = int_part.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 13 || !dec_part.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let reais: i64 = digits.parse().ok()?;
    // Fractions of a multiplier keep their digits (`1,25 mil`); money decimals are centavos.
    let frac: String = dec_part.chars().take(3).collect();
    let frac_val = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        2 => frac.parse::<i64>().ok()?,
        _ => frac.parse::<i64>().ok()? / 10,
    };
    Some(reais * 100 + frac_val)
}

fn formatada(s: &str) -> bool {
    let s = s.trim_end_matches(['.', ',']);
    let centavos = s.rfind(',').is_some_and(|i| s.len() - i - 1 == 2);
    let grupos = {
        let int = s.split(',').next().unwrap_or("");
        let partes: Vec<&str> = int.split('.').collect();
        partes.len() > 1 && partes[1..].iter().all(|p| p.len() == 3) && (1..=3).contains(&partes[0].len())
    };
    centavos || grupos
}

/// Number words for amounts written out (`cinquenta mil`, `cem mil`, `meio milhão`).
/// Whether `w` is a number written out (`sessenta`, `cem`) or a multiplier word (`milhao`):
/// part of an amount, never a product word.
pub fn palavra_de_numero(w: &str) -> bool {
    numero_por_extenso(w).is_some() || matches!(w, "mil" | "milhao" | "milhoes" | "mi" | "meio")
}

fn numero_por_extenso(w: &str) -> Option<i64> {
    Some(match w {
        "um" | "uma" => 1,
        "dois" | "duas" => 2,
        "tres" => 3,
        "quatro" => 4,
        "cinco" => 5,
        "seis" => 6,
        "sete" => 7,
        "oito" => 8,
        "nove" => 9,
        "dez" => 10,
        "onze" => 11,
        "doze" => 12,
        "treze" => 13,
        "quatorze" | "catorze" => 14,
        "quinze" => 15,
        "dezesseis" => 16,
        "dezessete" => 17,
        "dezoito" => 18,
        "dezenove" => 19,
        "vinte" => 20,
        "trinta" => 30,
        "quarenta" => 40,
        "cinquenta" => 50,
        "sessenta" => 60,
        "setenta" => 70,
        "oitenta" => 80,
        "noventa" => 90,
        "cem" | "cento" => 100,
        "duzentos" => 200,
        "trezentos" => 300,
        "quatrocentos" => 400,
        "quinhentos" => 500,
        "seiscentos" => 600,
        "setecentos" => 700,
        "oitocentos" => 800,
        "novecentos" => 900,
        _ => return None,
    })
}

fn palavra(t: Option<&Tok>) -> Option<&str> {
    match t {
        Some(Tok::Palavra(w)) => Some(w.as_str()),
        _ => None,
    }
}

/// The words before token `i`, nearest first (up to three), skipping symbols.
fn antes_de(toks: &[Tok], i: usize) -> Vec<String> {
    toks[..i]
        .iter()
        .rev()
        .filter(|t| !matches!(t, Tok::Simbolo(_)))
        .take(3)
        .map_while(|t| match t {
            Tok::Palavra(w) => Some(w.clone()),
            _ => None,
        })
        .collect()
}

/// A time (`10:30`) or a date (`15/03`): a number glued to `:` or `/` and another number.
fn hora_ou_data(toks: &[Tok], i: usize) -> bool {
    let sep = |t: Option<&Tok>| matches!(t, Some(Tok::Simbolo(':' | '/')));
    let num = |t: Option<&Tok>| matches!(t, Some(Tok::Num(_)));
    (sep(toks.get(i + 1)) && num(toks.get(i + 2))) || (i >= 2 && sep(toks.get(i - 1)) && num(toks.get(i - 2)))
}

/// A written-out amount starting at token `i` (`cinquenta`, `duzentos e cinquenta`, `meio`
/// before `milhao`): its value in reais and the token after it.
fn por_extenso(toks: &[Tok], i: usize) -> Option<(String, usize)> {
    if palavra(toks.get(i)) == Some("meio") && palavra(toks.get(i + 1)) == Some("milhao") {
        return Some(("0,5".to_string(), i + 1));
    }
    let mut total = 0;
    let mut j = i;
    while let Some(v) = palavra(toks.get(j)).and_then(numero_por_extenso) {
        total += v;
        j += 1;
        if palavra(toks.get(j)) == Some("e") && palavra(toks.get(j + 1)).and_then(numero_por_extenso).is_some() {
            j += 1;
        }
    }
    (total > 0).then(|| (total.to_string(), j))
}

/// Every amount in `texto`, money or not (see [`Quantia::e_dinheiro`] and `unidade`).
pub fn quantias(texto: &str) -> Vec<Quantia> {
    let toks = tokens(texto);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let (base, mut j, mut forca, digitos) = match &toks[i] {
            Tok::Num(n) if !hora_ou_data(&toks, i) => {
                (n.clone(), i + 1, if formatada(n) { Forca::Formatada } else { Forca::Nua }, true)
            }
            Tok::Palavra(_) => match por_extenso(&toks, i) {
                Some((valor, j)) => (valor, j, Forca::Nua, false),
                None => {
                    i += 1;
                    continue;
                }
            },
            _ => {
                i += 1;
                continue;
            }
        };
        let antes = antes_de(&toks, i);
        let moeda_antes = (i >= 2 && toks[i - 1] == Tok::Simbolo('$') && palavra(toks.get(i - 2)) == Some("r"))
            || antes.first().is_some_and(|w| w == "rs");
        let mut multiplicador: i64 = 1;
        match palavra(toks.get(j)) {
            Some("mil" | "k") => {
                multiplicador = 1000;
                j += 1;
            }
            Some("milhao" | "milhoes" | "mi" | "mio") => {
                multiplicador = 1_000_000;
                j += 1;
                if palavra(toks.get(j)) == Some("e") && palavra(toks.get(j + 1)) == Some("meio") {
                    j += 2;
                    multiplicador = 1_500_000;
                }
            }
            _ => {}
        }
        let mut sem_multiplicador = multiplicador == 1;
        // "4K" and "8K" are screens; "60k" is money.
        let tela = multiplicador == 1000
            && palavra(toks.get(j - 1)) == Some("k")
            && numero(&base, false).is_some_and(|v| v < 1000);
        if multiplicador > 1 && !tela {
            forca = forca.max(Forca::Multiplicador);
        }
        let mut unidade = None;
        match palavra(toks.get(j)) {
            Some(w) if MOEDA.contains(&w) => {
                forca = Forca::Explicita;
                sem_multiplicador = false;
                j += 1;
            }
            Some(w) if UNIDADES.contains(&w) => unidade = Some(w.to_string()),
            _ => {}
        }
        if !digitos && forca < Forca::Multiplicador && !moeda_antes {
            // "dois quartos", "um carro": a number word alone is not an amount.
            i = j.max(i + 1);
            continue;
        }
        if matches!(toks.get(j), Some(Tok::Simbolo('%'))) {
            unidade = Some("%".into());
        }
        if moeda_antes {
            forca = Forca::Explicita;
            sem_multiplicador = false;
        }
        // "/mês", "por mês", "ao mês", "mensal", "mensais".
        let k = match (toks.get(j), palavra(toks.get(j))) {
            (Some(Tok::Simbolo('/')), _) | (_, Some("por" | "ao" | "p" | "para" | "o")) => j + 1,
            _ => j,
        };
        let mensal = matches!(palavra(toks.get(k)), Some("mes" | "mensal" | "mensais" | "mensalidade"));
        if let Some(v) = numero(&base, multiplicador > 1) {
            out.push(Quantia {
                centavos: v.saturating_mul(multiplicador),
                forca,
                mensal,
                unidade,
                sem_multiplicador,
                multiplicador,
                texto: base.clone(),
                antes,
                ini: i,
                fim: j,
            });
        }
        i = j.max(i + 1);
    }
    out
}

/// Every amount of money in `text`, in centavos (the price guard's reading).
pub fn brl_amounts(text: &str) -> Vec<i64> {
    quantias(text).into_iter().filter(Quantia::e_dinheiro).map(|q| q.centavos).collect()
}

/// `R$ 89.900,00` for 8_990_000 centavos.
pub fn format_brl(centavos: i64) -> String {
    let sign = if centavos < 0 { "-" } else { "" };
    let abs = centavos.unsigned_abs();
    format!("{sign}R$ {},{:02}", agrupar(abs / 100), abs % 100)
}

/// `42.000` for 42000: thousands grouped the Brazilian way.
pub fn agrupar(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
#[path = "dinheiro_tests.rs"]
mod tests;
