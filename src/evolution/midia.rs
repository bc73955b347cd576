//! Owns Evolution's media endpoints, on [`EvolutionClient`]:
//!
//! - `POST /chat/getBase64FromMediaMessage/{instance}` `{"message": {"key": {"id"}}}` → the
//!   bytes of a message's media as base64 (Evolution keeps the messages it received), used
//!   when the webhook did not carry them (`base64: false`, or too big for the journal);
//! - `POST /message/sendMedia/{instance}` `{number, mediatype, mimetype, media (base64),
//!   fileName, caption}` → the sent message's `key.id`. At most once, like `sendText`.

use serde_json::{json, Value};

use super::client::{id_enviada, nome_valido, EvolutionClient};
use super::erro::{EvolutionError, TipoErro};
use super::mensagem::texto as campo;

/// A message's media as Evolution returned it.
#[derive(Clone, PartialEq, Eq)]
pub struct MidiaEvolution {
    /// The file, base64 (standard alphabet; a `data:` prefix already removed).
    pub base64: String,
    pub mimetype: Option<String>,
}

impl std::fmt::Debug for MidiaEvolution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MidiaEvolution")
            .field("base64_len", &self.base64.len())
            .field("mimetype", &self.mimetype)
            .finish()
    }
}

/// `data:image/jpeg;base64,AAAA` → `AAAA`; plain base64 unchanged.
pub fn sem_prefixo_data(b64: &str) -> &str {
    match b64.strip_prefix("data:").and_then(|r| r.split_once(",")) {
        Some((_, dados)) => dados,
        None => b64,
    }
}

impl EvolutionClient {
    /// The media of message `message_id` received on `instancia` (retried on ambiguous
    /// failures: it changes nothing).
    pub fn midia_base64(
        &self,
        token: &str,
        instancia: &str,
        message_id: &str,
    ) -> Result<MidiaEvolution, EvolutionError> {
        nome_valido(instancia)?;
        if message_id.trim().is_empty() {
            return Err(EvolutionError::new(TipoErro::Invalido, false, "id de mensagem vazio"));
        }
        let body = json!({"message": {"key": {"id": message_id}}, "convertToMp4": false});
        let v =
            self.chamar("POST", &format!("/chat/getBase64FromMediaMessage/{instancia}"), token, Some(&body), true)?;
        let base64 = v.get("base64").and_then(Value::as_str).map(sem_prefixo_data).filter(|b| !b.is_empty());
        let Some(base64) = base64 else {
            return Err(EvolutionError::new(TipoErro::Outro, true, "a Evolution não devolveu o conteúdo da mídia"));
        };
        Ok(MidiaEvolution { base64: base64.to_owned(), mimetype: campo(&v, "mimetype") })
    }

    /// Sends a file (`mediatype`: `image`, `document`, `video`, `audio`) and returns the
    /// sent message's id.
    #[allow(clippy::too_many_arguments)]
    pub fn enviar_midia(
        &self,
        token: &str,
        instancia: &str,
        numero: &str,
        mediatype: &str,
        mimetype: &str,
        base64: &str,
        nome: Option<&str>,
        legenda: Option<&str>,
    ) -> Result<String, EvolutionError> {
        nome_valido(instancia)?;
        if numero.trim().is_empty() {
            return Err(EvolutionError::new(TipoErro::Invalido, false, "número de destino vazio"));
        }
        let mut body = json!({"number": numero.trim(), "mediatype": mediatype, "mimetype": mimetype, "media": base64});
        if let Some(n) = nome {
            body["fileName"] = json!(n);
        }
        if let Some(l) = legenda {
            body["caption"] = json!(l);
        }
        let v = self.chamar("POST", &format!("/message/sendMedia/{instancia}"), token, Some(&body), false)?;
        id_enviada(&v)
    }
}

#[cfg(test)]
mod tests {
    use super::sem_prefixo_data;

    #[test]
    fn data_urls_lose_their_prefix() {
        assert_eq!(sem_prefixo_data("data:image/jpeg;base64,/9j/4AAQ"), "/9j/4AAQ");
        assert_eq!(sem_prefixo_data("/9j/4AAQ"), "/9j/4AAQ");
    }
}
