//! `/api/bot`: how the empresa's bot talks — custom prompt, greeting, opening hours, the
//! LLM endpoint, model and API key, and the speech-to-text model for voice notes. The key is
//! write-only (encrypted, shown masked); `saudacao`, `horario` and `transcricao_modelo` live
//! in `configuracoes_json`, next to keys other features own.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::campos::{cifrar, descrever_segredo, mascarado, presente, texto_opcional};
use crate::auth::TenantCtx;
use crate::error::{Error, Result};
use crate::http::{Request, Response};
use crate::store::central::{BotAlteracao, Empresa};

#[derive(Serialize)]
struct Bot {
    prompt_customizado: Option<String>,
    saudacao: Value,
    horario: Value,
    llm_base_url: Option<String>,
    llm_modelo: Option<String>,
    llm_api_key: Option<String>,
    /// The speech-to-text model for voice notes (`null` = `whisper-1`).
    transcricao_modelo: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PutBot {
    #[serde(default, deserialize_with = "presente")]
    prompt_customizado: Option<Option<String>>,
    #[serde(default, deserialize_with = "presente")]
    saudacao: Option<Option<String>>,
    #[serde(default, deserialize_with = "presente")]
    horario: Option<Option<String>>,
    #[serde(default, deserialize_with = "presente")]
    llm_base_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "presente")]
    llm_modelo: Option<Option<String>>,
    #[serde(default, deserialize_with = "presente")]
    llm_api_key: Option<Option<String>>,
    #[serde(default, deserialize_with = "presente")]
    transcricao_modelo: Option<Option<String>>,
}

/// An absolute http(s) URL with a host and no whitespace.
fn url_valida(s: &str) -> bool {
    let resto = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    let Some(resto) = resto else { return false };
    let host = resto.split(['/', '?', '#']).next().unwrap_or("");
    !host.is_empty()
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']' | '_'))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn resposta(ctx: &TenantCtx, e: &Empresa) -> Result<Response> {
    let seg = ctx.central().empresa_segredos(e.id)?;
    let config = match serde_json::from_str::<Value>(&e.configuracoes_json) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    Ok(Response::ok(&Bot {
        prompt_customizado: e.prompt_customizado.clone(),
        saudacao: config.get("saudacao").cloned().unwrap_or(Value::Null),
        horario: config.get("horario").cloned().unwrap_or(Value::Null),
        llm_base_url: e.llm_base_url.clone(),
        llm_modelo: e.llm_modelo.clone(),
        llm_api_key: mascarado(ctx.key(), seg.openai_api_key.as_deref()),
        transcricao_modelo: config.get("transcricao_modelo").cloned().unwrap_or(Value::Null),
    }))
}

/// `GET /api/bot` (admin).
pub fn obter(ctx: &TenantCtx) -> Result<Response> {
    resposta(ctx, ctx.empresa())
}

/// `PUT /api/bot` (admin): every field optional; absent = kept, `""`/`null` = cleared.
pub fn definir(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let body: PutBot = req.json()?;
    let livre = |_: &str| true;
    let prompt = texto_opcional(body.prompt_customizado, "prompt_customizado", 20_000, livre)?;
    let saudacao = texto_opcional(body.saudacao, "saudacao", 1_000, livre)?;
    let horario = texto_opcional(body.horario, "horario", 500, livre)?;
    let url = texto_opcional(body.llm_base_url, "llm_base_url", 500, url_valida)?;
    let modelo = texto_opcional(body.llm_modelo, "llm_modelo", 100, |s| !s.chars().any(char::is_control))?;
    let transcricao =
        texto_opcional(body.transcricao_modelo, "transcricao_modelo", 100, |s| !s.chars().any(char::is_control))?;
    let chave = texto_opcional(body.llm_api_key, "llm_api_key", 1_024, |s| {
        !s.chars().any(|c| c.is_whitespace() || c.is_control())
    })?;
    let mut detalhes: Vec<String> = Vec::new();
    for (campo, v) in [("prompt_customizado", &prompt), ("saudacao", &saudacao), ("horario", &horario)] {
        if v.is_some() {
            detalhes.push(format!("{campo} alterado"));
        }
    }
    for (campo, v) in [("llm_base_url", &url), ("llm_modelo", &modelo), ("transcricao_modelo", &transcricao)] {
        if let Some(v) = v {
            detalhes.push(format!("{campo}={}", v.as_deref().unwrap_or("(vazio)")));
        }
    }
    detalhes.extend(descrever_segredo("llm_api_key", &chave));
    let mut configuracoes = Map::new();
    for (k, v) in [("saudacao", saudacao), ("horario", horario), ("transcricao_modelo", transcricao)] {
        if let Some(v) = v {
            configuracoes.insert(k.to_owned(), v.map(Value::String).unwrap_or(Value::Null));
        }
    }
    let alteracao = BotAlteracao {
        prompt_customizado: prompt,
        llm_base_url: url,
        llm_modelo: modelo,
        llm_api_key_cifrada: cifrar(ctx.key(), chave)?,
        configuracoes,
    };
    ctx.central().empresa_definir_bot(ctx.empresa_id(), &alteracao)?;
    if !detalhes.is_empty() {
        ctx.auditar("bot.alterar", None, Some(detalhes.join(", ")))?;
    }
    let e = ctx.central().empresa(ctx.empresa_id())?.ok_or(Error::NotFound("empresa"))?;
    resposta(ctx, &e)
}

#[cfg(test)]
mod tests {
    use super::url_valida;

    #[test]
    fn urls() {
        assert!(url_valida("https://api.openai.com/v1"));
        assert!(url_valida("http://127.0.0.1:11434/v1"));
        assert!(!url_valida("ftp://x"));
        assert!(!url_valida("https://"));
        assert!(!url_valida("https://a b"));
        assert!(!url_valida("javascript:alert(1)"));
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Simulacao {
    telefone: String,
    texto: String,
}

#[derive(Serialize)]
struct Simulada {
    resposta: String,
}

/// `POST /api/bot/simular {telefone, texto}` (admin, atendente): the same pipeline as a
/// WhatsApp message — bot, catalog tools, stored conversation — without the Graph send.
pub fn simular(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let body: Simulacao = req.json()?;
    let resposta = ctx.simular(&body.telefone, &body.texto)?;
    Ok(Response::ok(&Simulada { resposta }))
}
