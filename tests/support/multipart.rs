//! Reading a `multipart/form-data` body as the fake servers receive it, so a test can check
//! each part (name, file name, type, bytes) the appliance sent.

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parte {
    pub nome: String,
    pub arquivo: Option<String>,
    pub tipo: Option<String>,
    pub dados: Vec<u8>,
}

impl Parte {
    pub fn texto(&self) -> String {
        String::from_utf8_lossy(&self.dados).into_owned()
    }
}

fn achar(hay: &[u8], needle: &[u8], desde: usize) -> Option<usize> {
    hay.get(desde..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + desde)
}

fn parametro(linha: &str, nome: &str) -> Option<String> {
    let chave = format!("{nome}=\"");
    let i = linha.find(&chave)? + chave.len();
    let fim = linha[i..].find('"')? + i;
    Some(linha[i..fim].to_owned())
}

/// Parses a body given its `Content-Type` header; `Err` says what is malformed.
pub fn ler(content_type: &str, corpo: &[u8]) -> Result<Vec<Parte>, String> {
    let fronteira = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .ok_or_else(|| format!("Content-Type sem boundary: {content_type}"))?;
    if !content_type.trim_start().starts_with("multipart/form-data") {
        return Err(format!("não é multipart/form-data: {content_type}"));
    }
    let inicio = format!("--{fronteira}\r\n");
    let meio = format!("\r\n--{fronteira}");
    if !corpo.starts_with(inicio.as_bytes()) {
        return Err("o corpo não começa pela fronteira".into());
    }
    let mut partes = Vec::new();
    let mut pos = inicio.len();
    loop {
        let fim_cabeca = achar(corpo, b"\r\n\r\n", pos).ok_or("parte sem fim de cabeçalho")?;
        let cabeca = String::from_utf8_lossy(&corpo[pos..fim_cabeca]).into_owned();
        let fim_dados = achar(corpo, meio.as_bytes(), fim_cabeca + 4).ok_or("parte sem fronteira final")?;
        let mut parte =
            Parte { nome: String::new(), arquivo: None, tipo: None, dados: corpo[fim_cabeca + 4..fim_dados].to_vec() };
        for linha in cabeca.split("\r\n") {
            let baixa = linha.to_ascii_lowercase();
            if baixa.starts_with("content-disposition: form-data") {
                parte.nome = parametro(linha, "name").ok_or("parte sem name")?;
                parte.arquivo = parametro(linha, "filename");
            } else if let Some(t) = baixa.strip_prefix("content-type:") {
                parte.tipo = Some(t.trim().to_owned());
            }
        }
        partes.push(parte);
        pos = fim_dados + meio.len();
        match corpo.get(pos..pos + 2) {
            Some(b"--") => return Ok(partes),
            Some(b"\r\n") => pos += 2,
            _ => return Err("fronteira sem \\r\\n ou --".into()),
        }
    }
}
