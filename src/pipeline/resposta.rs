//! Running one claimed bot job: compose the reply with the empresa's bot (unless one was
//! composed before a crash), store it, send it through the empresa's channel (`envio`), and
//! record the outcome. See `store::tenant::jobs` for the state machine. A voice note the bot
//! could not hear (no transcript) gets a fixed notice; the photo of a catalog item the reply
//! presents follows it (`foto`). Queued sends (an attendant's reply, text or media) go
//! through the same `envio`.

use crate::app::App;
use crate::atendimento;
use crate::bot::agenda::Expediente;
use crate::bot::dialogo::EstadoDialogo;
use crate::bot::{EmpresaBot, Role, Turn};
use crate::clock::unix_now_ms;
use crate::domain::{ItemId, MensagemId};
use crate::error::Result;
use crate::llm::{ChatModel, LlmSettings};
use crate::pipeline::envio;
use crate::pipeline::ferramentas::FerramentasTenant;
use crate::pipeline::Motor;
use crate::store::central::Empresa;
use crate::store::tenant::conversas::ConversaParaBot;
use crate::store::tenant::jobs::{em_modo_humano, JobBot};
use crate::store::tenant::TenantDb;

/// What the panel shows for a reply whose send was cut by a crash.
pub const ENVIO_INCERTO: &str =
    "o envio foi interrompido por uma queda do servidor; confira no WhatsApp se a mensagem chegou";
/// Why a reply to a customer with neither phone nor BSUID was not sent.
pub const SEM_DESTINATARIO: &str =
    "este cliente não foi identificado pelo WhatsApp (sem número nem ID de usuário): não há para onde enviar";
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
    if conversa.wa_id.is_empty() && conversa.canal != "simulador" {
        // Neither phone nor BSUID: there is no one to send to. The webhook queues no job for
        // such a conversa; one journaled by an older binary ends here, nothing sent.
        log::warn!("conversa {} sem telefone nem BSUID: nada enviado", conversa.conversa_id);
        return match job.saida_id {
            Some(saida) => db.job_falhou_envio(job, saida, None, SEM_DESTINATARIO, agora),
            None => db.job_concluir(job, conversa.novas.last().map(|(id, _, _)| *id), agora),
        };
    }
    if let Some(saida) = job.saida_id {
        // Composed before a crash or a retryable failure: send it, unless it already went out.
        return match db.mensagem(saida)? {
            // A bot reply waiting for a retry while a person took over: it must not talk over them.
            Some(m)
                if m.autor == "bot"
                    && m.status == "pendente"
                    && m.wa_message_id.is_none()
                    && !db.atendimento_bot_pode_falar(conversa.conversa_id)? =>
            {
                db.job_falhou_envio(job, saida, None, NAO_ENVIADA_HUMANO, agora)
            }
            Some(m) if m.wa_message_id.is_none() && m.status == "pendente" => {
                let midia = db.midia_da_mensagem(saida)?;
                let conteudo = envio::Conteudo { texto: m.texto.as_deref().unwrap_or(""), midia: midia.as_ref() };
                envio::enviar(app, motor, empresa, db, job, saida, &conversa.wa_id, &conteudo, None)
            }
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
    // Modo humano: a person is in charge and the bot says nothing (no answer, no notice) —
    // unless no one acted in the conversa for the empresa's idle time. Old simulator conversas
    // (before the sandbox) are never answered through a channel.
    let com_bot = conversa.modo == "bot" || retomar_se_ociosa(empresa, db, &conversa, agora)?;
    if !com_bot || !empresa.ativo || conversa.canal == "simulador" {
        return db.job_concluir(job, Some(ultima), agora);
    }
    let (texto, dialogo, vistos) = compor_ouvindo(app, motor, empresa, db, conversa.clone())?;
    let saida = match db.job_preparar_resposta_com_dialogo(job, &texto, "bot", ultima, "pendente", dialogo.as_deref()) {
        // Taken over while the bot was composing: the reply (and its dialog state) is dropped.
        Err(e) if e.code() == em_modo_humano().code() => return db.job_concluir(job, Some(ultima), unix_now_ms()),
        r => r?,
    };
    let ler = conversa.novas.last().and_then(|(_, _, wamid)| wamid.clone());
    let conteudo = envio::Conteudo { texto: &texto, midia: None };
    envio::enviar(app, motor, empresa, db, job, saida, &conversa.wa_id, &conteudo, ler.as_deref())?;
    // The photo of the item the reply presents follows the text once the text went out.
    if let Some((item, nome)) = crate::pipeline::foto::item_apresentado(&texto, &vistos) {
        if db.mensagem(saida)?.is_some_and(|m| m.status == "enviada") {
            if let Err(e) = crate::pipeline::foto::enfileirar(app, empresa, db, conversa.conversa_id, item, &nome) {
                log::warn!("empresa {}: foto do item {item} não enfileirada: {e}", empresa.id);
            }
        }
    }
    Ok(())
}

/// What the bot says to a customer's voice note it could not hear: no LLM key to transcribe
/// with, or the transcription failed.
pub const AVISO_AUDIO: &str = "Recebi seu áudio, mas por aqui ainda não consigo ouvir mensagens de voz. 🙏 \
    Pode escrever o que você precisa? Se preferir falar com uma pessoa, é só responder *atendente*.";
/// Added to an answer when some of the customer's new messages were voice notes it could not hear.
pub const AVISO_AUDIO_PARCIAL: &str =
    "(Não consegui ouvir o seu áudio; se ele dizia algo além disso, pode escrever por aqui ou pedir um *atendente*.)";

/// [`compor`] for the messages the bot can read: a voice note without a transcript is not
/// something it can answer, so it gets [`AVISO_AUDIO`] (alone) or [`AVISO_AUDIO_PARCIAL`]
/// (after the answer to the rest). Returns what [`compor`] does.
fn compor_ouvindo(
    app: &App,
    motor: &Motor,
    empresa: &Empresa,
    db: &TenantDb,
    mut c: ConversaParaBot,
) -> Result<Composta> {
    let ids: Vec<MensagemId> = c.novas.iter().map(|(id, _, _)| *id).collect();
    let surdas = db.midias_audio_sem_transcricao(&ids)?;
    if surdas.is_empty() {
        return compor(app, motor, empresa, db, &c);
    }
    c.novas.retain(|(id, _, _)| !surdas.contains(id));
    if c.novas.is_empty() {
        return Ok((AVISO_AUDIO.to_owned(), None, Vec::new()));
    }
    let (texto, dialogo, vistos) = compor(app, motor, empresa, db, &c)?;
    Ok((format!("{texto}\n\n{AVISO_AUDIO_PARCIAL}"), dialogo, vistos))
}

/// A composed reply: its text, the dialog state to store with it (none for a fixed notice)
/// and the catalog items its tools returned (id, name).
type Composta = (String, Option<String>, Vec<(ItemId, String)>);
/// Why a bot reply composed before a person took the conversa over was not sent.
pub const NAO_ENVIADA_HUMANO: &str = "não enviada: um atendente assumiu a conversa antes do envio";

/// Gives a conversa in modo humano back to the bot when no one acted in it for the
/// empresa's idle time (`atendimento::inatividade`); false when it stays with a person.
fn retomar_se_ociosa(empresa: &Empresa, db: &TenantDb, c: &ConversaParaBot, agora: i64) -> Result<bool> {
    let Some(ociosa) = atendimento::inatividade(empresa) else { return Ok(false) };
    let retomou = db.atendimento_retomar_se_ociosa(c.conversa_id, agora - ociosa.as_millis() as i64)?;
    if retomou {
        log::info!(
            "empresa {}: conversa {} voltou ao bot após {} sem atendente",
            empresa.id,
            c.conversa_id,
            atendimento::duracao(ociosa)
        );
    }
    Ok(retomou)
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
    if db.mensagens_do_mes()? < limite {
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
/// the reply, the state to store with it (none for the quota notice) and the items seen.
fn compor(app: &App, motor: &Motor, empresa: &Empresa, db: &TenantDb, c: &ConversaParaBot) -> Result<Composta> {
    let settings = match cota(app, empresa, db)? {
        Cota::Livre => llm_settings(app, motor, empresa)?,
        Cota::SoFallback => None,
        Cota::Aviso => return Ok((AVISO_COTA.to_owned(), None, Vec::new())),
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
    Ok((reply.texto, Some(estado.para_json()), tools.itens_vistos()))
}

/// The empresa's LLM settings with its key decrypted; `None` without a key.
pub(crate) fn llm_settings(app: &App, motor: &Motor, empresa: &Empresa) -> Result<Option<LlmSettings>> {
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
pub(crate) fn config_text(empresa: &Empresa, chave: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(&empresa.configuracoes_json).ok()?;
    v.get(chave)?.as_str().map(str::to_owned)
}
