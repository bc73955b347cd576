//! Running one claimed bot job: compose the reply with the empresa's bot (unless one was
//! composed before a crash), store it, send it through the empresa's channel (`envio`), and
//! record the outcome. See `store::tenant::jobs` for the state machine.

use crate::app::App;
use crate::bot::agenda::Expediente;
use crate::bot::dialogo::EstadoDialogo;
use crate::bot::{EmpresaBot, Role, Turn};
use crate::clock::unix_now_ms;
use crate::error::Result;
use crate::llm::{ChatModel, LlmSettings};
use crate::pipeline::envio;
use crate::pipeline::ferramentas::FerramentasTenant;
use crate::pipeline::Motor;
use crate::store::central::Empresa;
use crate::store::tenant::conversas::ConversaParaBot;
use crate::store::tenant::jobs::JobBot;
use crate::store::tenant::TenantDb;

/// What the panel shows for a reply whose send was cut by a crash.
pub const ENVIO_INCERTO: &str =
    "o envio foi interrompido por uma queda do servidor; confira no WhatsApp se a mensagem chegou";
/// Past turns loaded for the bot (it trims to its template's own window).
const HISTORICO: u32 = 40;
/// Default base URL when an empresa has a key but no base URL.
const OPENAI_URL: &str = "https://api.openai.com/v1";

/// Runs one claimed job to its next resting state.
pub fn processar(app: &App, motor: &Motor, empresa: &Empresa, db: &TenantDb, job: &JobBot) -> Result<()> {
    let agora = unix_now_ms();
    let Some(conversa) = db.conversa_para_bot(job.conversa_id, HISTORICO)? else {
        return db.job_concluir(job, None, agora);
    };
    if let Some(saida) = job.saida_id {
        // Composed before a crash or a retryable failure: send it, unless it already went out.
        return match db.mensagem(saida)? {
            Some(m) if m.wa_message_id.is_none() && m.status == "pendente" => envio::enviar(
                app,
                motor,
                empresa,
                db,
                job,
                saida,
                &conversa.wa_id,
                m.texto.as_deref().unwrap_or(""),
                None,
            ),
            // The process died during the Graph call: it may have gone out. Never risk a
            // second copy; show the doubt in the panel instead.
            Some(m) if m.wa_message_id.is_none() && m.status == "enviando" => {
                db.job_falhou_envio(job, saida, None, ENVIO_INCERTO, agora)
            }
            _ => db.job_concluir(job, None, agora),
        };
    }
    let ultima = conversa.novas.last().map(|(id, _, _)| *id);
    let Some(ultima) = ultima else { return db.job_concluir(job, None, agora) };
    // Old simulator conversas (before the sandbox) are never answered through a channel.
    if conversa.modo != "bot" || !empresa.ativo || conversa.canal == "simulador" {
        return db.job_concluir(job, Some(ultima), agora);
    }
    let (texto, dialogo) = compor(app, motor, empresa, db, &conversa)?;
    let saida = db.job_preparar_resposta_com_dialogo(job, &texto, "bot", ultima, "pendente", dialogo.as_deref())?;
    let ler = conversa.novas.last().and_then(|(_, _, wamid)| wamid.clone());
    envio::enviar(app, motor, empresa, db, job, saida, &conversa.wa_id, &texto, ler.as_deref())
}

/// The short pt-BR notice sent instead of a bot answer when the plano's monthly message
/// quota is spent (unless the empresa chose `"cota_esgotada": "fallback"`).
pub const AVISO_COTA: &str = "Recebemos sua mensagem! Nosso atendimento automático está indisponível no momento; \
    um atendente vai responder você em breve.";

/// What the bot may do this month under the empresa's plano.
enum Cota {
    Livre,
    /// Spent: answer with the deterministic fallback only (no LLM call).
    SoFallback,
    /// Spent: answer with [`AVISO_COTA`].
    Aviso,
}

fn cota(app: &App, empresa: &Empresa, db: &TenantDb) -> Result<Cota> {
    let limite = match empresa.plano_id {
        Some(id) => app.central.plano(id)?.and_then(|p| p.limite_mensagens_mes),
        None => None,
    };
    let Some(limite) = limite else { return Ok(Cota::Livre) };
    if db.relatorio_enviadas_pelo_bot_no_mes()? < limite {
        return Ok(Cota::Livre);
    }
    log::info!("empresa {}: cota mensal de {limite} mensagens do plano esgotada", empresa.id);
    Ok(match config_text(empresa, "cota_esgotada").as_deref() {
        Some("fallback") => Cota::SoFallback,
        _ => Cota::Aviso,
    })
}

/// The bot settings of an empresa: its row plus the keys of `configuracoes_json` the panel
/// sets (hours as text and as slots, greeting, address, trade-in and payment answers, visit
/// length and how many at once).
pub fn empresa_bot(empresa: &Empresa, llm: Option<LlmSettings>) -> EmpresaBot {
    let config: serde_json::Value = serde_json::from_str(&empresa.configuracoes_json).unwrap_or_default();
    let texto = |k: &str| config.get(k).and_then(serde_json::Value::as_str).map(str::to_owned);
    let numero = |k: &str| config.get(k).and_then(serde_json::Value::as_u64).and_then(|n| u32::try_from(n).ok());
    EmpresaBot {
        prompt_customizado: empresa.prompt_customizado.clone(),
        horario: texto("horario"),
        expediente: config.get("expediente").and_then(Expediente::de_json),
        saudacao: texto("saudacao"),
        endereco: texto("endereco"),
        troca: texto("troca"),
        pagamento: texto("pagamento"),
        duracao_visita_min: numero("duracao_visita_min"),
        visitas_simultaneas: numero("visitas_simultaneas"),
        llm,
        ..EmpresaBot::novo(empresa.nome.clone(), empresa.setor)
    }
}

/// Text turns of a conversa for the bot.
fn turnos(historico: &[(String, String)]) -> Vec<Turn> {
    historico
        .iter()
        .filter_map(|(autor, texto)| {
            let role = match autor.as_str() {
                "cliente" => Role::Cliente,
                "bot" => Role::Bot,
                "humano" => Role::Humano,
                _ => return None,
            };
            Some(Turn { role, texto: texto.clone() })
        })
        .collect()
}

/// Runs the empresa's bot over the unanswered messages, with the conversa's dialog state:
/// the reply and the state to store with it (none for the quota notice).
fn compor(
    app: &App,
    motor: &Motor,
    empresa: &Empresa,
    db: &TenantDb,
    c: &ConversaParaBot,
) -> Result<(String, Option<String>)> {
    let settings = match cota(app, empresa, db)? {
        Cota::Livre => llm_settings(app, motor, empresa)?,
        Cota::SoFallback => None,
        Cota::Aviso => return Ok((AVISO_COTA.to_owned(), None)),
    };
    let bot = motor.bots.build(&empresa_bot(empresa, settings.clone()))?;
    let historico = turnos(&c.historico);
    let novas: Vec<String> = c.novas.iter().map(|(_, t, _)| t.clone()).collect();
    let tools = FerramentasTenant::new(db.clone(), c.conversa_id, c.lead_id);
    let mut estado = EstadoDialogo::de_json(db.dialogo_ler(c.conversa_id)?.as_deref());
    let endpoint = settings.as_ref().map(|s| motor.llm.endpoint(s));
    let inicio = std::time::Instant::now();
    let reply = bot.reply(&historico, &novas, &tools, endpoint.as_ref().map(|e| e as &dyn ChatModel), &mut estado);
    if endpoint.is_some() {
        app.metrics.llm_chamada(inicio.elapsed(), reply.llm_error.is_none());
    }
    if let Some(why) = &reply.llm_error {
        log::warn!("bot da empresa {} usou o fallback: {why}", empresa.id);
    }
    Ok((reply.texto, Some(estado.para_json())))
}

/// The empresa's LLM settings with its key decrypted; `None` without a key.
pub(super) fn llm_settings(app: &App, motor: &Motor, empresa: &Empresa) -> Result<Option<LlmSettings>> {
    if !empresa.tem_openai_api_key {
        return Ok(None);
    }
    let Some(cifrada) = app.central.empresa_segredos(empresa.id)?.openai_api_key else { return Ok(None) };
    let chave = match app.key.decrypt(&cifrada) {
        Ok(k) => k,
        Err(e) => {
            log::error!("empresa {}: chave do LLM ilegível ({e}); usando o fallback", empresa.id);
            return Ok(None);
        }
    };
    let modelo = match &empresa.llm_modelo {
        Some(m) if !m.trim().is_empty() => m.clone(),
        _ => motor.bots.template(empresa.setor)?.config.modelo.clone(),
    };
    Ok(Some(LlmSettings {
        base_url: empresa.llm_base_url.clone().filter(|u| !u.trim().is_empty()).unwrap_or_else(|| OPENAI_URL.into()),
        api_key: chave.expose().to_owned(),
        modelo,
    }))
}

/// A text setting from the empresa's `configuracoes_json`.
fn config_text(empresa: &Empresa, chave: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(&empresa.configuracoes_json).ok()?;
    v.get(chave)?.as_str().map(str::to_owned)
}
