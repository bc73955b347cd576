//! The deterministic fallback bot: answers in pt-BR from the catalog alone, with no LLM.
//!
//! Used when the empresa has no key, the LLM fails, or an LLM reply is rejected by the
//! price guard. It only ever quotes prices read through [`TenantTools`], so it can never
//! invent one. Also owns the text helpers shared by the bot: accent folding
//! ([`normalize`]), money formatting ([`format_brl`]) and money extraction
//! ([`brl_amounts`]).

use crate::bot::tools::{CatalogItem, CatalogQuery, TenantTools};

/// Chat abbreviations expanded after folding.
const ABREVIACOES: &[(&str, &str)] = &[
    ("vc", "voce"),
    ("vcs", "voces"),
    ("q", "que"),
    ("tb", "tambem"),
    ("tbm", "tambem"),
    ("qto", "quanto"),
    ("qnto", "quanto"),
    ("vlr", "valor"),
    ("hj", "hoje"),
    ("obg", "obrigado"),
    ("pfv", "por favor"),
    ("pf", "por favor"),
    ("blz", "beleza"),
    ("apto", "apartamento"),
    ("ap", "apartamento"),
];

/// Lowercase, accent-free, punctuation-free text with single spaces; `,` and `.` survive
/// only between digits. `normalize("Ônibus Câmbio") == "onibus cambio"`.
pub fn normalize(text: &str) -> String {
    let chars: Vec<char> = text.chars().flat_map(char::to_lowercase).map(crate::catalogo::fold_char).collect();
    let mut out = String::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate() {
        let between_digits =
            || i > 0 && chars[i - 1].is_ascii_digit() && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if c.is_alphanumeric() || ((c == ',' || c == '.') && between_digits()) {
            out.push(c);
        } else {
            out.push(' ');
        }
    }
    out.split_whitespace()
        .map(|w| ABREVIACOES.iter().find(|(a, _)| *a == w).map_or(w, |(_, full)| full))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `R$ 89.900,00` for 8_990_000 centavos.
pub fn format_brl(centavos: i64) -> String {
    let sign = if centavos < 0 { "-" } else { "" };
    let abs = centavos.unsigned_abs();
    let reais = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in reais.chars().enumerate() {
        if i > 0 && (reais.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{sign}R$ {grouped},{:02}", abs % 100)
}

/// Every `R$` amount in `text`, in centavos: `R$ 89.900,00`, `R$89900`, `R$ 89.900`,
/// `R$ 1.234,5`, `R$ 89900.00`, `R$ 90 mil`.
pub fn brl_amounts(text: &str) -> Vec<i64> {
    let lower = text.to_lowercase();
    let mut out = Vec::new();
    let mut rest = lower.as_str();
    while let Some(pos) = rest.find("r$") {
        rest = &rest[pos + 2..];
        let trimmed = rest.trim_start();
        let num: String = trimmed.chars().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',').collect();
        let num = num.trim_end_matches(['.', ',']);
        let after = trimmed[num.len()..].trim_start();
        let mil = after.starts_with("mil") && !after.starts_with("milh");
        if let Some(mut v) = parse_amount(num) {
            if mil {
                v *= 1000;
            }
            out.push(v);
        }
    }
    out
}

/// pt-BR number (`.` thousands, `,` decimals; a lone `.` followed by 1–2 digits is a
/// decimal point) to centavos.
fn parse_amount(s: &str) -> Option<i64> {
    if s.is_empty() || !s.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let (int_part, dec_part) = match s.rfind(',') {
        Some(i) => (s[..i].to_string(), s[i + 1..].to_string()),
        None => match s.rfind('.') {
            Some(i) if s.len() - i - 1 <= 2 && s.matches('.').count() == 1 => {
                (s[..i].to_string(), s[i + 1..].to_string())
            }
            _ => (s.to_string(), String::new()),
        },
    };
    let int_digits: String = int_part.chars().filter(char::is_ascii_digit).collect();
    if int_digits.len() > 13 || dec_part.len() > 2 || !dec_part.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let reais: i64 = int_digits.parse().ok()?;
    let cents: i64 = match dec_part.len() {
        0 => 0,
        1 => dec_part.parse::<i64>().ok()? * 10,
        _ => dec_part.parse().ok()?,
    };
    Some(reais * 100 + cents)
}

/// Words that carry no catalog meaning in a price/availability question.
const STOPWORDS: &[&str] = &[
    "a",
    "o",
    "as",
    "os",
    "um",
    "uma",
    "uns",
    "umas",
    "de",
    "do",
    "da",
    "dos",
    "das",
    "e",
    "ou",
    "que",
    "qual",
    "quais",
    "quanto",
    "quanta",
    "quantos",
    "custa",
    "custam",
    "custo",
    "preco",
    "precos",
    "valor",
    "valores",
    "tem",
    "tens",
    "teria",
    "tinha",
    "voce",
    "voces",
    "ai",
    "ae",
    "me",
    "por",
    "favor",
    "pra",
    "para",
    "pro",
    "com",
    "sem",
    "no",
    "na",
    "nos",
    "nas",
    "em",
    "esse",
    "essa",
    "este",
    "esta",
    "isso",
    "oi",
    "ola",
    "bom",
    "boa",
    "dia",
    "tarde",
    "noite",
    "ta",
    "sai",
    "fica",
    "queria",
    "quero",
    "gostaria",
    "saber",
    "procuro",
    "procurando",
    "disponivel",
    "disponiveis",
    "estoque",
    "ainda",
    "sobre",
    "ver",
    "mais",
    "algum",
    "alguma",
    "vende",
    "vendem",
    "seria",
    "hoje",
    "eu",
    "meu",
    "minha",
    "vcs",
    "r",
    "tudo",
    "bem",
    "obrigado",
    "obrigada",
    "sim",
    "nao",
    "ok",
    "is",
    "la",
    "aqui",
];

/// What the fallback decided for one customer message.
#[derive(Debug, Clone, PartialEq)]
pub struct FallbackAnswer {
    /// The pt-BR reply.
    pub texto: String,
    /// Whether the conversation was handed to a person.
    pub handoff: bool,
}

/// The rule engine for one empresa.
#[derive(Debug, Clone)]
pub struct Fallback {
    pub(crate) empresa: String,
    pub(crate) horario: String,
    /// Greeting with `{empresa}` already filled.
    pub(crate) saudacao: String,
    /// Handoff keywords, normalised.
    pub(crate) palavras_transferencia: Vec<String>,
}

/// Whether `phrase` (normalised, one or more words) appears as whole words in `norm`.
fn has_phrase(norm: &str, phrase: &str) -> bool {
    format!(" {norm} ").contains(&format!(" {phrase} "))
}

fn has_any(norm: &str, phrases: &[&str]) -> bool {
    phrases.iter().any(|p| has_phrase(norm, p))
}

fn has_stem(norm: &str, stems: &[&str]) -> bool {
    norm.split(' ').any(|w| stems.iter().any(|s| w.starts_with(s)))
}

const SAUDACOES: &[&str] =
    &["oi", "ola", "bom dia", "boa tarde", "boa noite", "e ai", "opa", "tudo bem", "hello", "oii", "oie", "salve"];
const PRECO: &[&str] = &[
    "quanto custa",
    "quanto custam",
    "quanto e",
    "quanto ta",
    "quanto sai",
    "quanto fica",
    "preco",
    "precos",
    "valor",
    "tem",
    "voces tem",
    "tem ai",
    "procuro",
    "procurando",
    "quero",
    "queria",
    "disponivel",
    "estoque",
    "vende",
    "vendem",
];
const HORARIO: &[&str] =
    &["horario", "que horas", "abre", "abrem", "fecha", "fecham", "aberto", "aberta", "funciona", "funcionamento"];
const AGRADECIMENTO: &[&str] = &["obrigad", "valeu", "tchau", "agradec"];

impl Fallback {
    /// Whether the customer asked for a person (any handoff keyword, accent-insensitive).
    pub fn wants_human(&self, text: &str) -> bool {
        let norm = normalize(text);
        self.palavras_transferencia.iter().any(|p| !p.is_empty() && has_phrase(&norm, p))
    }

    /// The pt-BR message sent when the conversation goes to a person.
    pub fn handoff_text(&self) -> String {
        format!(
            "Certo! Vou chamar um atendente da {} para continuar a conversa com você. Nosso horário de atendimento: {}.",
            self.empresa, self.horario
        )
    }

    /// Answers `text` with the rules, reading the catalog through `tools`.
    pub fn answer(&self, text: &str, tools: &dyn TenantTools) -> FallbackAnswer {
        let norm = normalize(text);
        let reply = |texto: String| FallbackAnswer { texto, handoff: false };
        if self.wants_human(text) {
            let handoff = match tools.handoff("pedido_do_cliente") {
                Ok(()) => true,
                Err(e) => {
                    log::warn!("fallback: transferência falhou: {e}");
                    false
                }
            };
            return FallbackAnswer { texto: self.handoff_text(), handoff };
        }
        if has_any(&norm, HORARIO) {
            return reply(format!("Nosso horário de atendimento é {}. Posso ajudar em algo mais? 🙂", self.horario));
        }
        let words = search_words(&norm);
        if has_any(&norm, PRECO) || norm.contains("r$") {
            if words.is_empty() {
                return reply("Claro! Qual produto ou modelo você procura? Assim eu consulto o preço e a disponibilidade para você. 🙂".to_string());
            }
            return reply(self.search_answer(&words, tools).unwrap_or_else(|| self.not_found(&words)));
        }
        if has_any(&norm, SAUDACOES) && words.is_empty() {
            return reply(self.saudacao.clone());
        }
        if has_stem(&norm, AGRADECIMENTO) && words.is_empty() {
            return reply("Por nada! Qualquer coisa é só chamar por aqui. 😊".to_string());
        }
        if !words.is_empty() {
            if let Some(found) = self.search_answer(&words, tools) {
                return reply(found);
            }
        }
        reply(self.help())
    }

    fn help(&self) -> String {
        format!(
            "Desculpe, não entendi bem. 🙂 Posso consultar preços e disponibilidade no nosso catálogo, informar nosso horário ({}) ou chamar um atendente. O que você procura?",
            self.horario
        )
    }

    fn not_found(&self, words: &[String]) -> String {
        format!(
            "Não encontrei \"{}\" no catálogo da {} no momento. 😕 Quer que eu chame um atendente para verificar com você?",
            words.join(" "),
            self.empresa
        )
    }

    /// The items found for `words`, listed with their real prices; `None` when nothing matched.
    fn search_answer(&self, words: &[String], tools: &dyn TenantTools) -> Option<String> {
        let q = CatalogQuery { texto: Some(words.join(" ")), limite: 3, ..CatalogQuery::default() };
        let items = match tools.search_catalog(&q) {
            Ok(items) => items,
            Err(e) => {
                log::warn!("fallback: busca no catálogo falhou: {e}");
                return None;
            }
        };
        if items.is_empty() {
            return None;
        }
        let mut out = String::from("Encontrei no nosso catálogo:\n");
        for item in items.iter().take(3) {
            out.push_str(&item_line(item));
            out.push('\n');
        }
        out.push_str("Quer agendar uma visita ou falar com um atendente?");
        Some(out)
    }
}

fn item_line(item: &CatalogItem) -> String {
    let preco = item.preco_centavos.map_or_else(|| "preço sob consulta".to_string(), format_brl);
    let disponivel = if item.disponivel { "" } else { " (indisponível no momento)" };
    format!("• *{}* — {preco}{disponivel}", item.nome.trim())
}

/// The meaningful words of a normalised message (stopwords and 1-letter words dropped).
fn search_words(norm: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for w in norm.split(' ') {
        let keep = (w.len() >= 2 || w.chars().all(|c| c.is_ascii_digit())) && !STOPWORDS.contains(&w) && !w.is_empty();
        if keep && !words.iter().any(|x| x == w) {
            words.push(w.to_string());
        }
    }
    words.truncate(8);
    words
}

#[cfg(test)]
#[path = "fallback_tests.rs"]
mod tests;
