//! The inbox's rules that are not SQL: the empresa's idle time after which the bot answers a
//! conversa in modo humano again, what a tag and a quick-reply shortcut may be, and the CSV
//! exports ([`exportar`]). The states themselves are stored by
//! `store::tenant::atendimento`; the bot job applies the idle time (`pipeline::resposta`).

pub mod exportar;

use std::time::Duration;

pub use crate::clock::duracao;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::store::central::Empresa;

/// The key of `configuracoes_json` holding the idle time, in minutes.
pub const CHAVE_INATIVIDADE: &str = "humano_inativo_min";
/// Without a setting: 12 h.
pub const INATIVIDADE_PADRAO_MIN: u64 = 12 * 60;
/// The longest idle time accepted: 30 days.
pub const INATIVIDADE_MAX_MIN: u64 = 30 * 24 * 60;
/// The shortest idle time accepted (0 = never is also accepted).
pub const INATIVIDADE_MIN_MIN: u64 = 5;
/// The most tags one lead may carry.
pub const MAX_ETIQUETAS: usize = 10;

/// The empresa's idle time in minutes, as configured (0 = the bot never resumes on its own).
pub fn inatividade_min(empresa: &Empresa) -> u64 {
    serde_json::from_str::<Value>(&empresa.configuracoes_json)
        .ok()
        .and_then(|v| v.get(CHAVE_INATIVIDADE).and_then(Value::as_u64))
        .unwrap_or(INATIVIDADE_PADRAO_MIN)
}

/// How long a conversa in modo humano waits without human activity before the bot answers
/// again; `None` = never (only "Devolver ao bot" or "Resolver" give it back).
pub fn inatividade(empresa: &Empresa) -> Option<Duration> {
    let min = inatividade_min(empresa);
    (min > 0).then(|| Duration::from_secs(min * 60))
}

/// Fails unless `min` is 0 (never) or between 5 minutes and 30 days.
pub fn validar_inatividade(min: u64) -> Result<()> {
    if min == 0 || (INATIVIDADE_MIN_MIN..=INATIVIDADE_MAX_MIN).contains(&min) {
        Ok(())
    } else {
        Err(Error::invalid(
            "inatividade_invalida",
            format!("o tempo sem atendente deve ser 0 (nunca) ou de {INATIVIDADE_MIN_MIN} a {INATIVIDADE_MAX_MIN} minutos (30 dias)"),
        ))
    }
}

/// A tag as stored: trimmed, inner spaces collapsed, 1 to 30 characters, no comma (the
/// separator in the panel and the CSV) and no control characters.
pub fn etiqueta(texto: &str) -> Result<String> {
    let t = texto.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = t.chars().count();
    if n == 0 || n > 30 || t.contains(',') || t.chars().any(char::is_control) {
        return Err(Error::invalid(
            "etiqueta_invalida",
            format!("etiqueta inválida: {texto:?} (de 1 a 30 caracteres, sem vírgula)"),
        ));
    }
    Ok(t)
}

/// A lead's whole set of tags: each valid, duplicates (ignoring case) dropped, at most ten.
pub fn etiquetas(lista: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for t in lista {
        let t = etiqueta(t)?;
        if !out.iter().any(|x| x.to_lowercase() == t.to_lowercase()) {
            out.push(t);
        }
    }
    if out.len() > MAX_ETIQUETAS {
        return Err(Error::invalid("etiqueta_invalida", format!("no máximo {MAX_ETIQUETAS} etiquetas por lead")));
    }
    Ok(out)
}

/// A quick reply's shortcut as stored: without the leading `/`, lowercase, 1 to 30 letters,
/// digits, `-` or `_`.
pub fn atalho(texto: &str) -> Result<String> {
    let t = texto.trim().trim_start_matches('/').to_lowercase();
    let n = t.chars().count();
    if n == 0 || n > 30 || !t.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
        return Err(Error::invalid(
            "atalho_invalido",
            "o atalho deve ter de 1 a 30 letras, números, - ou _ (sem espaços), ex.: /horario",
        ));
    }
    Ok(t)
}

/// A quick reply's text: 1 to 4096 characters once trimmed.
pub fn texto_resposta(texto: &str) -> Result<String> {
    let t = texto.trim();
    if t.is_empty() || t.chars().count() > 4096 {
        return Err(Error::invalid("texto_invalido", "o texto deve ter entre 1 e 4096 caracteres"));
    }
    Ok(t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_time_bounds() {
        assert!(validar_inatividade(0).is_ok());
        assert!(validar_inatividade(5).is_ok());
        assert!(validar_inatividade(INATIVIDADE_MAX_MIN).is_ok());
        for bad in [1, 4, INATIVIDADE_MAX_MIN + 1] {
            assert_eq!(validar_inatividade(bad).map_err(|e| e.code()), Err("inatividade_invalida"), "{bad}");
        }
    }

    #[test]
    fn tags_and_shortcuts() {
        assert_eq!(etiqueta("  cliente   VIP ").expect("ok"), "cliente VIP");
        for bad in ["", "   ", "a,b", &"x".repeat(31), "sino\u{7}"] {
            assert!(etiqueta(bad).is_err(), "{bad:?}");
        }
        let v = etiquetas(&["VIP".into(), "vip".into(), "Financiamento".into()]).expect("ok");
        assert_eq!(v, ["VIP", "Financiamento"]);
        let muitas: Vec<String> = (0..11).map(|i| format!("e{i}")).collect();
        assert!(etiquetas(&muitas).is_err());
        assert_eq!(atalho("/Horário").expect("ok"), "horário");
        assert_eq!(atalho("pix_chave").expect("ok"), "pix_chave");
        for bad in ["/", "com espaço", "a/b", &"x".repeat(31)] {
            assert!(atalho(bad).is_err(), "{bad:?}");
        }
    }
}
