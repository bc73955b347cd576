//! `/api/bot`: how the empresa's bot talks and what it knows about the empresa — custom
//! prompt, greeting, opening hours (text and structured slots for appointments), address,
//! trade-in and payment answers, visit length and places — the LLM endpoint, model and API
//! key (write-only: encrypted, shown masked), and the speech-to-text model for voice notes.
//! Everything but the prompt and the LLM settings lives in `configuracoes_json`, next to
//! keys other features own. Also `/api/bot/simular`: the sandbox test chat.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::campos::{cifrar, descrever_segredo, mascarado, presente, texto_opcional};
use crate::auth::TenantCtx;
use crate::bot::agenda::Expediente;
use crate::error::{Error, Result};
use crate::http::{Request, Response};
use crate::store::central::{BotAlteracao, Empresa};

/// The text settings kept in `configuracoes_json`: (key, max length).
const TEXTOS: &[(&str, usize)] =
    &[("saudacao", 1_000), ("horario", 500), ("endereco", 500), ("troca", 1_000), ("pagamento", 1_000)];

#[derive(Serialize)]
struct Bot {
    prompt_customizado: Option<String>,
    saudacao: Value,
    horario: Value,
    endereco: Value,
    troca: Value,
    pagamento: Value,
    /// `{"seg": ["08:00", "18:00"], ...}` or null (the default hours).
    expediente: Value,
    /// The hours the bot uses, as text.
    expediente_texto: String,
    duracao_visita_min: Value,
    visitas_simultaneas: Value,
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
    endereco: Option<Option<String>>,
    #[serde(default, deserialize_with = "presente")]
    troca: Option<Option<String>>,
    #[serde(default, deserialize_with = "presente")]
    pagamento: Option<Option<String>>,
    #[serde(default, deserialize_with = "presente")]
    expediente: Option<Option<Value>>,
    #[serde(default, deserialize_with = "presente")]
    duracao_visita_min: Option<Option<u32>>,
    #[serde(default, deserialize_with = "presente")]
    visitas_simultaneas: Option<Option<u32>>,
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
    let get = |k: &str| config.get(k).cloned().unwrap_or(Value::Null);
    let expediente = config.get("expediente").and_then(Expediente::de_json);
    Ok(Response::ok(&Bot {
        prompt_customizado: e.prompt_customizado.clone(),
        saudacao: get("saudacao"),
        horario: get("horario"),
        endereco: get("endereco"),
        troca: get("troca"),
        pagamento: get("pagamento"),
        expediente: expediente.map_or(Value::Null, |x| x.para_json()),
        expediente_texto: expediente.unwrap_or_default().texto(),
        duracao_visita_min: get("duracao_visita_min"),
        visitas_simultaneas: get("visitas_simultaneas"),
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

fn numero(v: Option<Option<u32>>, campo: &str, min: u32, max: u32) -> Result<Option<Value>> {
    match v {
        None => Ok(None),
        Some(None) => Ok(Some(Value::Null)),
        Some(Some(n)) if (min..=max).contains(&n) => Ok(Some(Value::from(n))),
        Some(Some(_)) => Err(Error::invalid("campo_invalido", format!("{campo}: use um número entre {min} e {max}"))),
    }
}

/// `PUT /api/bot` (admin): every field optional; absent = kept, `""`/`null` = cleared.
pub fn definir(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let body: PutBot = req.json()?;
    let livre = |_: &str| true;
    let prompt = texto_opcional(body.prompt_customizado, "prompt_customizado", 20_000, livre)?;
    let url = texto_opcional(body.llm_base_url, "llm_base_url", 500, url_valida)?;
    let modelo = texto_opcional(body.llm_modelo, "llm_modelo", 100, |s| !s.chars().any(char::is_control))?;
    let transcricao =
        texto_opcional(body.transcricao_modelo, "transcricao_modelo", 100, |s| !s.chars().any(char::is_control))?;
    let chave = texto_opcional(body.llm_api_key, "llm_api_key", 1_024, |s| {
        !s.chars().any(|c| c.is_whitespace() || c.is_control())
    })?;
    let mut configuracoes = Map::new();
    let mut detalhes: Vec<String> = Vec::new();
    let valores = [body.saudacao, body.horario, body.endereco, body.troca, body.pagamento];
    for ((campo, max), v) in TEXTOS.iter().zip(valores) {
        if let Some(v) = texto_opcional(v, campo, *max, livre)? {
            detalhes.push(format!("{campo} alterado"));
            configuracoes.insert((*campo).to_owned(), v.map(Value::String).unwrap_or(Value::Null));
        }
    }
    match body.expediente {
        None => {}
        Some(None) | Some(Some(Value::Null)) => {
            configuracoes.insert("expediente".into(), Value::Null);
            detalhes.push("expediente alterado".into());
        }
        Some(Some(v)) => {
            let e = Expediente::de_json(&v).ok_or_else(|| {
                Error::invalid(
                    "expediente_invalido",
                    "expediente: informe ao menos um dia, como {\"seg\": [\"08:00\", \"18:00\"]}, com a abertura antes do fechamento",
                )
            })?;
            configuracoes.insert("expediente".into(), e.para_json());
            detalhes.push("expediente alterado".into());
        }
    }
    for (campo, v) in [
        ("duracao_visita_min", numero(body.duracao_visita_min, "duracao_visita_min", 15, 480)?),
        ("visitas_simultaneas", numero(body.visitas_simultaneas, "visitas_simultaneas", 1, 50)?),
    ] {
        if let Some(v) = v {
            detalhes.push(format!("{campo}={v}"));
            configuracoes.insert(campo.into(), v);
        }
    }
    if prompt.is_some() {
        detalhes.push("prompt_customizado alterado".into());
    }
    for (campo, v) in [("llm_base_url", &url), ("llm_modelo", &modelo), ("transcricao_modelo", &transcricao)] {
        if let Some(v) = v {
            detalhes.push(format!("{campo}={}", v.as_deref().unwrap_or("(vazio)")));
        }
    }
    detalhes.extend(descrever_segredo("llm_api_key", &chave));
    if let Some(v) = transcricao {
        configuracoes.insert("transcricao_modelo".to_owned(), v.map(Value::String).unwrap_or(Value::Null));
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Simulacao {
    /// The panel's test session (a new one starts a new conversation).
    #[serde(default)]
    sessao: Option<String>,
    texto: String,
    /// Accepted for older panels; ignored (a test conversation has no phone number).
    #[serde(default)]
    #[allow(dead_code)]
    telefone: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reinicio {
    sessao: String,
}

/// `POST /api/bot/simular {sessao?, texto}` (admin, atendente): the empresa's bot answers in
/// a sandbox conversation (no lead, conversa, appointment or plan usage), with why.
pub fn simular(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let body: Simulacao = req.json()?;
    let sessao = body.sessao.unwrap_or_else(|| "padrao".into());
    Ok(Response::ok(&ctx.simular(&sessao, &body.texto)?))
}

/// `POST /api/bot/simular/reiniciar {sessao}` (admin, atendente): forgets that test conversation.
pub fn simular_reiniciar(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let body: Reinicio = req.json()?;
    ctx.simular_reiniciar(&body.sessao)?;
    Ok(Response::ok(&serde_json::json!({ "ok": true })))
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
