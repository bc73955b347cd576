//! A `multipart/form-data` body (RFC 7578), for the two uploads the appliance makes: a file
//! to the Cloud API (`/{phone_number_id}/media`) and a voice note to an OpenAI-compatible
//! `/audio/transcriptions`. Pure bytes in, bytes out: the caller sends it.

use crate::error::Result;

/// A body being built.
pub struct Multipart {
    fronteira: String,
    corpo: Vec<u8>,
}

/// Quoted-string content: no quotes, backslashes or line breaks, ASCII only (a non-ASCII file
/// name becomes `_`s; the name is cosmetic on both APIs).
fn aspas(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' { c } else { '_' }).collect()
}

impl Multipart {
    /// An empty body with a random boundary.
    pub fn new() -> Result<Multipart> {
        Ok(Multipart { fronteira: format!("helixai-{}", crate::crypto::random_token()), corpo: Vec::new() })
    }

    fn cabeca(&mut self, nome: &str, arquivo: Option<(&str, &str)>) {
        self.corpo.extend_from_slice(format!("--{}\r\n", self.fronteira).as_bytes());
        let mut disp = format!("Content-Disposition: form-data; name=\"{}\"", aspas(nome));
        if let Some((nome_arquivo, _)) = arquivo {
            disp.push_str(&format!("; filename=\"{}\"", aspas(nome_arquivo)));
        }
        self.corpo.extend_from_slice(disp.as_bytes());
        self.corpo.extend_from_slice(b"\r\n");
        if let Some((_, mime)) = arquivo {
            self.corpo.extend_from_slice(format!("Content-Type: {}\r\n", aspas(mime)).as_bytes());
        }
        self.corpo.extend_from_slice(b"\r\n");
    }

    /// A text field.
    pub fn campo(mut self, nome: &str, valor: &str) -> Multipart {
        self.cabeca(nome, None);
        self.corpo.extend_from_slice(valor.as_bytes());
        self.corpo.extend_from_slice(b"\r\n");
        self
    }

    /// A file field.
    pub fn arquivo(mut self, nome: &str, nome_arquivo: &str, mime: &str, bytes: &[u8]) -> Multipart {
        self.cabeca(nome, Some((nome_arquivo, mime)));
        self.corpo.extend_from_slice(bytes);
        self.corpo.extend_from_slice(b"\r\n");
        self
    }

    /// The `Content-Type` header value and the finished body.
    pub fn fechar(mut self) -> (String, Vec<u8>) {
        self.corpo.extend_from_slice(format!("--{}--\r\n", self.fronteira).as_bytes());
        (format!("multipart/form-data; boundary={}", self.fronteira), self.corpo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_a_binary_file_in_rfc_7578_shape() {
        let bytes = [0u8, 0xFF, b'\r', b'\n', 7];
        let (tipo, corpo) = Multipart::new()
            .expect("boundary")
            .campo("messaging_product", "whatsapp")
            .arquivo("file", "fot\"o\r\nçã.jpg", "image/jpeg", &bytes)
            .fechar();
        let fronteira = tipo.strip_prefix("multipart/form-data; boundary=").expect("boundary in the type");
        let mut esperado = format!(
            "--{fronteira}\r\nContent-Disposition: form-data; name=\"messaging_product\"\r\n\r\nwhatsapp\r\n\
             --{fronteira}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fot_o____.jpg\"\r\n\
             Content-Type: image/jpeg\r\n\r\n"
        )
        .into_bytes();
        esperado.extend_from_slice(&bytes);
        esperado.extend_from_slice(format!("\r\n--{fronteira}--\r\n").as_bytes());
        assert_eq!(corpo, esperado);
    }
}
