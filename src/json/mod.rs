//! Owns reading JSON that comes from outside (the API's request bodies, the Cloud API and
//! Evolution webhooks) strictly: every object's keys must be unique.
//!
//! serde_json keeps the last of two equal keys when it builds a `Value`, and a derived struct
//! refuses them only at its own level, so a body such as `{"entry": [A], "entry": [B]}`
//! was read as something other than what was sent: one of the two was dropped, or the whole
//! body became "not an envelope", answered 200 with nothing stored (issue #17). [`ler`]
//! builds the `Value` in the same single pass serde_json would, and refuses the body
//! instead, naming the key and where it is.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::error::Error;

/// Why a body could not be read.
#[derive(Debug)]
pub enum Problema {
    /// Not JSON at all (or cut short).
    NaoJson(serde_json::Error),
    /// JSON, but an object repeats a key.
    ChaveRepetida(serde_json::Error),
}

impl Problema {
    /// The 400 for this problem; `onde` names what was read ("o corpo", "o corpo do webhook").
    pub fn em_erro(&self, onde: &str) -> Error {
        match self {
            Problema::NaoJson(e) => Error::invalid("json_invalido", format!("{onde} não é um JSON válido: {e}")),
            Problema::ChaveRepetida(e) => {
                Error::invalid("json_chave_repetida", format!("{onde} repete uma chave num mesmo objeto: {e}"))
            }
        }
    }
}

impl fmt::Display for Problema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problema::NaoJson(e) => write!(f, "JSON inválido: {e}"),
            Problema::ChaveRepetida(e) => write!(f, "chave repetida: {e}"),
        }
    }
}

/// Parses `raw` into a `Value`, refusing any object with a repeated key.
pub fn ler(raw: &[u8]) -> Result<Value, Problema> {
    match serde_json::from_slice::<Unico>(raw) {
        Ok(v) => Ok(v.0),
        // Our visitor's only error is the repeated key; serde_json reports the rest as
        // syntax / end-of-input errors.
        Err(e) if e.is_data() => Err(Problema::ChaveRepetida(e)),
        Err(e) => Err(Problema::NaoJson(e)),
    }
}

/// A `Value` whose objects have unique keys.
struct Unico(Value);

impl<'de> Deserialize<'de> for Unico {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Unico, D::Error> {
        d.deserialize_any(VisitanteUnico).map(Unico)
    }
}

struct VisitanteUnico;

impl<'de> Visitor<'de> for VisitanteUnico {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("um valor JSON")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut itens = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(Unico(v)) = seq.next_element()? {
            itens.push(v);
        }
        Ok(Value::Array(itens))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut obj = Map::new();
        while let Some(chave) = map.next_key::<String>()? {
            if obj.contains_key(&chave) {
                return Err(de::Error::custom(format!("a chave {chave:?} aparece duas vezes")));
            }
            let Unico(v) = map.next_value()?;
            obj.insert(chave, v);
        }
        Ok(Value::Object(obj))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_serde_json_reads() {
        for texto in [
            r#"{"a": [1, -2, 3.5, 1e300, true, null, "x\u00e9\"/"], "b": {"c": {}}, "d": []}"#,
            "[]",
            "\"s\"",
            "18446744073709551615",
            "  {\"a\":1}  ",
        ] {
            let esperado: Value = serde_json::from_str(texto).unwrap();
            assert_eq!(ler(texto.as_bytes()).unwrap(), esperado, "{texto}");
        }
    }

    #[test]
    fn a_repeated_key_at_any_depth_is_refused_and_named() {
        for texto in [
            r#"{"entry": [1], "entry": [2]}"#,
            r#"{"entry": [{"changes": [{"value": {"messages": [], "messages": []}}]}]}"#,
            r#"[{"a": 1, "b": 2, "a": 1}]"#,
        ] {
            match ler(texto.as_bytes()) {
                Err(Problema::ChaveRepetida(e)) => assert!(e.to_string().contains("aparece duas vezes"), "{e}"),
                other => panic!("{texto}: {other:?}"),
            }
        }
        // Equal keys in different objects are fine.
        assert!(ler(br#"{"a": {"x": 1}, "b": {"x": 2}}"#).is_ok());
    }

    #[test]
    fn not_json_is_its_own_problem() {
        for texto in ["", "{", "{\"a\": }", "[1,]", "{} x", "nul"] {
            assert!(matches!(ler(texto.as_bytes()), Err(Problema::NaoJson(_))), "{texto:?}");
        }
        let e = ler(b"{").unwrap_err().em_erro("o corpo");
        assert_eq!(e.code(), "json_invalido");
        let e = ler(br#"{"a":1,"a":2}"#).unwrap_err().em_erro("o corpo");
        assert_eq!(e.code(), "json_chave_repetida");
        assert!(e.to_string().contains("\"a\""), "{e}");
    }
}
