//! Owns the Cloud API's media endpoints, on [`GraphClient`]:
//!
//! - `GET /{media-id}?phone_number_id=…` → a URL valid for 5 minutes (asked again on every
//!   try, never stored), then `GET <url>` with the same Bearer token → the bytes, read up to
//!   a cap (a bigger file is refused before or while reading);
//! - `POST /{phone-number-id}/media` (multipart: `messaging_product`, `type`, `file`) → an
//!   upload id, then a `messages` send of type `image`/`document`/`video`/`audio` by that id.
//!
//! The empresa's token goes only into the `Authorization` header, and only to the Graph base
//! URL's origin or to an `https` URL the Graph API itself returned.

use std::io::Read;

use serde::{Deserialize, Serialize};

use super::send::{GraphClient, SendError, SendResponse};
use crate::media::multipart::Multipart;

/// What `GET /{media-id}` says about a media file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MidiaInfo {
    pub url: String,
    #[serde(default)]
    pub mime_type: Option<String>,
    /// Meta sends a number or a numeric string.
    #[serde(default, deserialize_with = "tamanho")]
    pub file_size: Option<u64>,
}

fn tamanho<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(match v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

#[derive(Deserialize)]
struct UploadResponse {
    #[serde(default)]
    id: String,
}

#[derive(Serialize)]
struct MidiaRequest<'a> {
    messaging_product: &'static str,
    recipient_type: &'static str,
    to: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(rename = "image", skip_serializing_if = "Option::is_none")]
    image: Option<MidiaRef<'a>>,
    #[serde(rename = "document", skip_serializing_if = "Option::is_none")]
    document: Option<MidiaRef<'a>>,
    #[serde(rename = "video", skip_serializing_if = "Option::is_none")]
    video: Option<MidiaRef<'a>>,
    #[serde(rename = "audio", skip_serializing_if = "Option::is_none")]
    audio: Option<MidiaRef<'a>>,
}

#[derive(Serialize, Clone, Copy)]
struct MidiaRef<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    caption: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filename: Option<&'a str>,
}

/// Meta's ids are digits; anything else could reach another endpoint with the token attached.
fn so_digitos(id: &str, o_que: &str) -> Result<(), SendError> {
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SendError::permanent(format!("{o_que} inválido: {id:?}")));
    }
    Ok(())
}

/// `scheme://host[:port]` of a URL.
fn origem(url: &str) -> &str {
    let depois = url.find("://").map_or(0, |i| i + 3);
    let fim = url[depois..].find('/').map_or(url.len(), |i| depois + i);
    &url[..fim]
}

impl GraphClient {
    /// `GET /{media-id}`: a short-lived download URL (and the declared type and size).
    pub fn midia_info(&self, token: &str, media_id: &str, phone_number_id: &str) -> Result<MidiaInfo, SendError> {
        so_digitos(media_id, "id de mídia")?;
        so_digitos(phone_number_id, "phone_number_id")?;
        let url = format!("{}/{media_id}?phone_number_id={phone_number_id}", self.base_url);
        match self.agent.get(&url).set("Authorization", &format!("Bearer {token}")).call() {
            Ok(r) => {
                let status = r.status();
                r.into_json::<MidiaInfo>().map_err(|e| SendError {
                    http_status: Some(status),
                    ..SendError::permanent(format!("resposta inesperada da API do WhatsApp ao pedir a mídia: {e}"))
                })
            }
            Err(ureq::Error::Status(status, r)) => {
                Err(SendError::from_graph_body(status, &r.into_string().unwrap_or_default()))
            }
            Err(ureq::Error::Transport(t)) => Err(SendError::transport(&t)),
        }
    }

    /// `GET <url>` with the token: the file, at most `limite` bytes. A 404 is retryable (the
    /// URL expired: ask [`GraphClient::midia_info`] again).
    pub fn midia_baixar(&self, token: &str, url: &str, limite: usize) -> Result<Vec<u8>, SendError> {
        if !url.starts_with("https://") && origem(url) != origem(&self.base_url) {
            return Err(SendError::permanent("a API do WhatsApp devolveu um endereço de mídia não seguro (sem https)"));
        }
        let grande = || SendError::permanent(format!("arquivo maior que o limite de {} MB", limite / (1024 * 1024)));
        let r = match self.agent.get(url).set("Authorization", &format!("Bearer {token}")).call() {
            Ok(r) => r,
            Err(ureq::Error::Status(404, _)) => {
                return Err(SendError {
                    retryable: true,
                    http_status: Some(404),
                    ..SendError::permanent("o endereço da mídia expirou (HTTP 404)")
                })
            }
            Err(ureq::Error::Status(status, r)) => {
                return Err(SendError::from_graph_body(status, &r.into_string().unwrap_or_default()))
            }
            // Not `SendError::transport`: its text would carry the media URL.
            Err(ureq::Error::Transport(t)) => {
                return Err(SendError {
                    retryable: true,
                    ..SendError::permanent(format!("falha de rede ao baixar a mídia ({})", t.kind()))
                })
            }
        };
        if r.header("content-length").and_then(|v| v.trim().parse::<u64>().ok()).is_some_and(|n| n > limite as u64) {
            return Err(grande());
        }
        let mut bytes = Vec::new();
        r.into_reader().take(limite as u64 + 1).read_to_end(&mut bytes).map_err(|e| SendError {
            retryable: true,
            ..SendError::permanent(format!("falha de rede ao baixar a mídia: {e}"))
        })?;
        if bytes.len() > limite {
            return Err(grande());
        }
        Ok(bytes)
    }

    /// `POST /{phone-number-id}/media`: uploads a file, returns its media id (kept by Meta
    /// for 30 days).
    pub fn midia_enviar_arquivo(
        &self,
        phone_number_id: &str,
        token: &str,
        bytes: &[u8],
        mime: &str,
        nome: &str,
    ) -> Result<String, SendError> {
        so_digitos(phone_number_id, "phone_number_id")?;
        let multipart = Multipart::new().map_err(|e| SendError::permanent(e.to_string()))?;
        let (tipo, corpo) = multipart
            .campo("messaging_product", "whatsapp")
            .campo("type", mime)
            .arquivo("file", nome, mime, bytes)
            .fechar();
        let url = format!("{}/{phone_number_id}/media", self.base_url);
        let r = self
            .agent
            .post(&url)
            .set("Authorization", &format!("Bearer {token}"))
            .set("Content-Type", &tipo)
            .send_bytes(&corpo);
        let resposta: UploadResponse = match r {
            Ok(r) => {
                let status = r.status();
                r.into_json().map_err(|e| SendError {
                    http_status: Some(status),
                    ..SendError::permanent(format!("resposta inesperada da API do WhatsApp ao enviar a mídia: {e}"))
                })?
            }
            Err(ureq::Error::Status(status, r)) => {
                return Err(SendError::from_graph_body(status, &r.into_string().unwrap_or_default()))
            }
            Err(ureq::Error::Transport(t)) => return Err(SendError::transport(&t)),
        };
        if resposta.id.is_empty() {
            return Err(SendError::permanent("a API do WhatsApp recebeu a mídia, mas não devolveu o id"));
        }
        Ok(resposta.id)
    }

    /// Sends an uploaded file as a `tipo` message (`image`, `document`, `video`, `audio`)
    /// and returns its `wamid`. `legenda` is ignored for audio; `nome` only goes with a document.
    #[allow(clippy::too_many_arguments)]
    pub fn enviar_midia(
        &self,
        phone_number_id: &str,
        token: &str,
        to: &str,
        tipo: &str,
        media_id: &str,
        legenda: Option<&str>,
        nome: Option<&str>,
    ) -> Result<String, SendError> {
        let referencia = MidiaRef {
            id: media_id,
            caption: legenda.filter(|_| tipo != "audio"),
            filename: nome.filter(|_| tipo == "document"),
        };
        let so = |t: &str| (tipo == t).then_some(referencia);
        if !matches!(tipo, "image" | "document" | "video" | "audio") {
            return Err(SendError::permanent(format!("tipo de mídia não enviável: {tipo}")));
        }
        let request = MidiaRequest {
            messaging_product: "whatsapp",
            recipient_type: "individual",
            to,
            kind: tipo,
            image: so("image"),
            document: so("document"),
            video: so("video"),
            audio: so("audio"),
        };
        let response: SendResponse = self.post(phone_number_id, token, &request)?;
        response.wamid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_info_reads_size_as_number_or_string() {
        let a: MidiaInfo = serde_json::from_str(
            r#"{"messaging_product":"whatsapp","url":"https://lookaside.fbsbx.com/x","mime_type":"image/jpeg",
                "sha256":"abc","file_size":"303833","id":"1"}"#,
        )
        .expect("json");
        assert_eq!(a.file_size, Some(303_833));
        let b: MidiaInfo = serde_json::from_str(r#"{"url":"https://x/y","file_size":12}"#).expect("json");
        assert_eq!((b.file_size, b.mime_type), (Some(12), None));
    }

    #[test]
    fn origins_and_ids() {
        assert_eq!(origem("http://127.0.0.1:8080/v25.0/x"), "http://127.0.0.1:8080");
        assert_eq!(origem("https://graph.facebook.com"), "https://graph.facebook.com");
        assert!(so_digitos("1003383421387256", "id").is_ok());
        assert!(so_digitos("../me", "id").is_err());
        assert!(so_digitos("", "id").is_err());
    }
}
