//! Helpers for partial-update bodies and write-only secrets, shared by the resource files:
//! telling an absent field from a `null` one, trimming and checking optional texts, and
//! turning secrets into ciphertexts, masks and audit words — never into logs.

use serde::{Deserialize, Deserializer};

use crate::crypto::{mask, SecretKey};
use crate::error::{Error, Result};

/// Reads a present field as `Some(value)` (so `null` becomes `Some(None)`).
pub(crate) fn presente<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The masked form of a stored ciphertext: `••••` + last 4 of the plaintext, or `••••` when
/// it does not decrypt (e.g. after `secret.key` was replaced).
pub(crate) fn mascarado(key: &SecretKey, cifrado: Option<&[u8]>) -> Option<String> {
    cifrado.map(|c| match key.decrypt(c) {
        Ok(s) => mask(s.expose()),
        Err(_) => {
            log::warn!("um segredo da empresa não decifra com o secret.key atual");
            "••••".to_owned()
        }
    })
}

/// `""` or `null` clears; anything else is trimmed and checked.
pub(crate) fn texto_opcional(
    v: Option<Option<String>>,
    campo: &str,
    max: usize,
    ok: impl Fn(&str) -> bool,
) -> Result<Option<Option<String>>> {
    match v {
        None => Ok(None),
        Some(None) => Ok(Some(None)),
        Some(Some(s)) => {
            let s = s.trim();
            if s.is_empty() {
                Ok(Some(None))
            } else if s.chars().count() > max || !ok(s) {
                Err(Error::invalid("campo_invalido", format!("{campo}: valor inválido (até {max} caracteres)")))
            } else {
                Ok(Some(Some(s.to_owned())))
            }
        }
    }
}

/// Encrypts a secret change (`Some(None)` clears).
pub(crate) fn cifrar(key: &SecretKey, v: Option<Option<String>>) -> Result<Option<Option<Vec<u8>>>> {
    v.map(|o| o.map(|s| key.encrypt(&s)).transpose()).transpose()
}

/// Describes a secret change for the audit log, without the value.
pub(crate) fn descrever_segredo(campo: &str, v: &Option<Option<String>>) -> Option<String> {
    v.as_ref().map(|o| format!("{campo}={}", if o.is_some() { "definido" } else { "removido" }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "presente")]
        x: Option<Option<String>>,
    }

    #[test]
    fn absent_null_and_values() {
        let t = |j: &str| serde_json::from_str::<T>(j).unwrap().x;
        assert_eq!(t("{}"), None);
        assert_eq!(t(r#"{"x": null}"#), Some(None));
        assert_eq!(t(r#"{"x": "a"}"#), Some(Some("a".into())));
        let ok = |_: &str| true;
        assert_eq!(texto_opcional(Some(Some("  ".into())), "x", 5, ok).unwrap(), Some(None));
        assert_eq!(texto_opcional(Some(Some(" ab ".into())), "x", 5, ok).unwrap(), Some(Some("ab".into())));
        assert!(texto_opcional(Some(Some("abcdef".into())), "x", 5, ok).is_err());
        assert_eq!(descrever_segredo("token", &Some(None)).as_deref(), Some("token=removido"));
    }

    #[test]
    fn secrets_round_trip_to_a_mask() {
        let dir = tempfile::tempdir().unwrap();
        let (k, _) = SecretKey::load_or_create(&dir.path().join("k")).unwrap();
        let c = cifrar(&k, Some(Some("segredo-longo-1234".into()))).unwrap().flatten().unwrap();
        assert_eq!(mascarado(&k, Some(&c)).as_deref(), Some("••••1234"));
        assert_eq!(mascarado(&k, Some(b"lixo-que-nao-decifra-de-jeito-nenhum")).as_deref(), Some("••••"));
        assert_eq!(mascarado(&k, None), None);
    }
}
