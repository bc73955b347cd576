//! The media download jobs, run by the bot workers before their replies (`jobs.rs`):
//!
//! ```text
//! claim ─▶ bytes: Cloud  GET /{media-id} (fresh URL every try) ─▶ GET url (token, ≤ 16 MB)
//!                 Evolution  base64 from the webhook, else /chat/getBase64FromMediaMessage
//!       ─▶ sniff the type ─▶ quota ─▶ file + row (`pronta`)
//!       ─▶ a customer's audio: /audio/transcriptions with the empresa's key ─▶ the message's text
//!       ─▶ concluido          (a retryable failure: pendente again after a backoff;
//!                              a definitive one or the last try: `falhou` with a pt-BR reason)
//! ```
//!
//! Each step is recorded as it ends, so a retry (or a crash) resumes where it stopped: a file
//! already stored is read back for the transcription instead of downloaded again. A voice
//! note's job gives up sooner, because the bot's reply waits for it.

use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine;

use crate::app::App;
use crate::clock::unix_now_ms;
use crate::conexao;
use crate::error::{Error, Result};
use crate::evolution::EvolutionClient;
use crate::llm::LlmClient;
use crate::media::{mime, tamanho_br, Acervo, MAX_BYTES};
use crate::outbound::{agent, Agent, Timeouts};
use crate::pipeline::envio::token_cloud;
use crate::pipeline::resposta::{config_text, llm_settings};
use crate::pipeline::{Motor, LEASE_MS};
use crate::store::central::Empresa;
use crate::store::tenant::midias::{JobMidia, Midia};
use crate::store::tenant::TenantDb;
use crate::whatsapp::{GraphClient, SendError};

/// Tries of a download (1, 2, 4 … 60 s between them, scaled like sends: about 6 minutes in
/// all, within the 7 days Meta keeps a media id). After them the panel offers "Tentar de novo".
pub const MAX_TENTATIVAS: u32 = 10;
/// Tries of a customer's audio (download and transcription): the bot's reply waits for it.
pub const MAX_TENTATIVAS_AUDIO: u32 = 4;
/// The speech-to-text model when the empresa chose none (`transcricao_modelo` in its settings).
pub const MODELO_TRANSCRICAO: &str = "whisper-1";

/// The agent for media transfers: a 16 MB file on a slow link needs more than the 30 s a
/// send gets.
pub fn agente() -> Agent {
    static AGENTE: OnceLock<Agent> = OnceLock::new();
    AGENTE.get_or_init(|| agent(Timeouts { connect: Duration::from_secs(5), total: Duration::from_secs(180) })).clone()
}

/// Why a step failed.
enum Falha {
    /// May work later (network, 5xx, an expired URL).
    Repetir(String),
    /// Will not (too big, wrong token, over quota): recorded for the panel.
    Definitiva(String),
}

/// What the panel says about a failed Graph media call (Meta's own text stays in the log).
fn de_graph(e: SendError) -> Falha {
    log::info!("mídia: a API do WhatsApp recusou o download: {e}");
    let texto = match (e.code, e.http_status) {
        (Some(0 | 190), _) | (None, Some(401)) => {
            "o token do WhatsApp desta empresa foi recusado (expirado?); atualize-o na tela WhatsApp".to_owned()
        }
        (Some(100), _) | (None, Some(404)) => {
            "o WhatsApp não encontrou esta mídia (ele a guarda por 7 dias)".to_owned()
        }
        (Some(131052), _) => "o WhatsApp não conseguiu entregar esta mídia (código 131052)".to_owned(),
        (Some(c), _) => format!("o WhatsApp recusou o download da mídia (código {c})"),
        (None, _) => format!("não foi possível baixar a mídia do WhatsApp: {}", e.title),
    };
    if e.retryable {
        Falha::Repetir(texto)
    } else {
        Falha::Definitiva(texto)
    }
}

/// Runs every due download job of one tenant; returns how many ran.
pub fn trabalhar(app: &App, motor: &Motor, empresa: &Empresa, db: &TenantDb) -> Result<usize> {
    let acervo = Acervo::de(app, empresa, db);
    let mut feitos = 0;
    while let Some(job) = db.midia_job_reivindicar(unix_now_ms(), LEASE_MS)? {
        if let Err(e) = processar(app, motor, &acervo, &job) {
            log::error!("mídia: job {} da empresa {} falhou: {e}", job.id, empresa.id);
            // Not left `executando` for a whole lease: a voice note's reply waits on it.
            let _ = db.midia_job_reagendar(&job, unix_now_ms() + motor.espera_ms(job.tentativas), &e.to_string());
        }
        feitos += 1;
    }
    Ok(feitos)
}

fn processar(app: &App, motor: &Motor, acervo: &Acervo<'_>, job: &JobMidia) -> Result<()> {
    let db = acervo.db();
    let Some(midia) = db.midia(job.midia_id)? else {
        // The message went away (our own send echoed back and then merged): nothing to fetch.
        return db.midia_job_finalizar(job, "concluido", None);
    };
    let max = if midia.transcricao_estado.is_some() { MAX_TENTATIVAS_AUDIO } else { MAX_TENTATIVAS };
    let bytes = match midia.estado.as_str() {
        "pendente" => {
            match baixar(app, motor, acervo.empresa(), &midia, job).and_then(|b| guardar(acervo, &midia, b)) {
                Ok(b) => {
                    app.metrics.midia_baixada(true);
                    b
                }
                Err(Falha::Repetir(motivo)) if job.tentativas < max => {
                    log::warn!("mídia {} (tentativa {}): {motivo}", midia.id, job.tentativas);
                    return db.midia_job_reagendar(job, unix_now_ms() + motor.espera_ms(job.tentativas), &motivo);
                }
                Err(Falha::Repetir(motivo) | Falha::Definitiva(motivo)) => {
                    log::warn!("mídia {} da empresa {} não guardada: {motivo}", midia.id, acervo.empresa().id);
                    app.metrics.midia_baixada(false);
                    db.midia_falhou(midia.id, &motivo)?;
                    return db.midia_job_finalizar(job, "falhou", Some(&motivo));
                }
            }
        }
        "pronta" if midia.transcricao_estado.as_deref() == Some("pendente") => {
            acervo.ler(midia.sha256.as_deref().unwrap_or_default())?
        }
        _ => return db.midia_job_finalizar(job, "concluido", None),
    };
    if midia.transcricao_estado.as_deref() == Some("pendente") {
        let mime_tipo = db.midia(midia.id)?.and_then(|m| m.mime).unwrap_or_else(|| "audio/ogg".into());
        if !transcrever(app, motor, acervo, &midia, &bytes, &mime_tipo, job, max)? {
            return Ok(());
        }
    }
    db.midia_job_finalizar(job, "concluido", None)
}

/// The bytes from the channel the message came through.
fn baixar(app: &App, motor: &Motor, empresa: &Empresa, midia: &Midia, job: &JobMidia) -> Result<Vec<u8>, Falha> {
    let referencia = midia.ref_externa.as_deref().unwrap_or_default();
    let interna = |e: Error| Falha::Repetir(format!("erro interno ao preparar o download: {e}"));
    match midia.origem.as_str() {
        "cloud" => {
            let pid = empresa.whatsapp_phone_number_id.as_deref().unwrap_or_default();
            let token = match token_cloud(app, empresa) {
                Ok(Some(t)) if !pid.is_empty() => t,
                Ok(_) => return Err(Falha::Definitiva("a empresa não tem o token do WhatsApp configurado".into())),
                Err(e) => return Err(Falha::Definitiva(format!("token do WhatsApp ilegível: {e}"))),
            };
            let graph = GraphClient::new(agente(), motor.graph.base_url());
            let info = graph.midia_info(token.expose(), referencia, pid).map_err(de_graph)?;
            if let Some(n) = info.file_size.filter(|n| *n > MAX_BYTES as u64) {
                return Err(Falha::Definitiva(grande_demais(n as i64)));
            }
            graph.midia_baixar(token.expose(), &info.url, MAX_BYTES).map_err(de_graph)
        }
        "evolution" => {
            let b64 = match &job.base64 {
                Some(b) => b.clone(),
                None => {
                    let inst = app.central.evolution_instancia(empresa.id).map_err(interna)?.ok_or_else(|| {
                        Falha::Definitiva("a empresa não tem WhatsApp por QR Code configurado".into())
                    })?;
                    let token = conexao::token(app, &inst)
                        .map_err(interna)?
                        .ok_or_else(|| Falha::Definitiva("a instância do WhatsApp (QR Code) não tem token".into()))?;
                    let ajustes = conexao::ajustes(app).map_err(|e| Falha::Definitiva(e.to_string()))?;
                    let cliente = EvolutionClient::new(agente(), ajustes.url);
                    let m = cliente.midia_base64(token.expose(), &inst.instancia, referencia).map_err(|e| {
                        let texto = format!("não foi possível baixar a mídia pela Evolution: {}", e.mensagem);
                        if e.retryable {
                            Falha::Repetir(texto)
                        } else {
                            Falha::Definitiva(texto)
                        }
                    })?;
                    m.base64
                }
            };
            decodificar(&b64)
        }
        outra => Err(Falha::Definitiva(format!("origem de mídia desconhecida: {outra}"))),
    }
}

/// Base64 (with or without a `data:` prefix) → bytes, refusing more than [`MAX_BYTES`].
fn decodificar(b64: &str) -> Result<Vec<u8>, Falha> {
    let b64 = crate::evolution::sem_prefixo_data(b64.trim());
    if b64.len() / 4 * 3 > MAX_BYTES + 3 {
        return Err(Falha::Definitiva(grande_demais((b64.len() / 4 * 3) as i64)));
    }
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| Falha::Definitiva(format!("a Evolution enviou a mídia em base64 inválido: {e}")))
}

fn grande_demais(n: i64) -> String {
    format!(
        "o arquivo tem {}, acima do limite de {} por arquivo; peça ao cliente um arquivo menor ou um link",
        tamanho_br(n),
        tamanho_br(MAX_BYTES as i64)
    )
}

/// Sniffs, checks the quota and stores the file; the row becomes `pronta`.
fn guardar(acervo: &Acervo<'_>, midia: &Midia, bytes: Vec<u8>) -> Result<Vec<u8>, Falha> {
    let db = acervo.db();
    let interna = |e: Error| Falha::Repetir(format!("erro ao guardar a mídia: {e}"));
    if bytes.is_empty() {
        return Err(Falha::Definitiva("o WhatsApp entregou um arquivo vazio".into()));
    }
    let tipo = mime::do_arquivo(&bytes, midia.mime_declarado.as_deref(), midia.nome_arquivo.as_deref());
    if let Some(declarado) = midia.mime_declarado.as_deref().map(mime::base) {
        if mime::classe(declarado) != mime::classe(&tipo) {
            log::info!("mídia {}: declarada {declarado}, o conteúdo é {tipo}", midia.id);
        }
    }
    let arquivo = match acervo.guardar(&bytes, &tipo) {
        Ok(a) => a,
        Err(e @ (Error::Conflict { .. } | Error::Invalid { .. })) => return Err(Falha::Definitiva(e.to_string())),
        Err(e) => return Err(interna(e)),
    };
    db.midia_guardada(midia.id, &arquivo).map_err(interna)?;
    acervo.conferir(&arquivo, &bytes).map_err(interna)?;
    Ok(bytes)
}

/// Transcribes a customer's audio into its message's text. Returns `false` when the job was
/// put back for a retry (nothing more to do now).
#[allow(clippy::too_many_arguments)]
fn transcrever(
    app: &App,
    motor: &Motor,
    acervo: &Acervo<'_>,
    midia: &Midia,
    bytes: &[u8],
    mime_tipo: &str,
    job: &JobMidia,
    max: u32,
) -> Result<bool> {
    let db = acervo.db();
    let empresa = acervo.empresa();
    let Some(settings) = llm_settings(app, motor, empresa)? else {
        db.midia_transcricao_estado(midia.id, "sem_chave")?;
        return Ok(true);
    };
    let modelo = config_text(empresa, "transcricao_modelo")
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| MODELO_TRANSCRICAO.to_owned());
    let nome = format!("audio.{}", mime::extensao(mime_tipo));
    let resultado = LlmClient::new(agente()).transcrever(&settings, &modelo, bytes, mime::base(mime_tipo), &nome);
    app.metrics.transcricao(resultado.is_ok());
    match resultado {
        Ok(texto) if !texto.is_empty() => db.midia_transcrita(midia.id, &texto)?,
        Ok(_) => {
            log::info!("mídia {}: transcrição vazia (áudio sem fala?)", midia.id);
            db.midia_transcricao_estado(midia.id, "falhou")?;
        }
        Err(e) if e.is_retryable() && job.tentativas < max => {
            log::warn!("mídia {} (tentativa {}): transcrição falhou: {e}", midia.id, job.tentativas);
            db.midia_job_reagendar(job, unix_now_ms() + motor.espera_ms(job.tentativas), &e.to_string())?;
            return Ok(false);
        }
        Err(e) => {
            log::warn!("mídia {} da empresa {}: transcrição falhou: {e}", midia.id, empresa.id);
            db.midia_transcricao_estado(midia.id, "falhou")?;
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_refusals_become_pt_br_reasons_for_the_panel() {
        let motivo = |status: u16, body: &str| match de_graph(SendError::from_graph_body(status, body)) {
            Falha::Repetir(m) => format!("repetir: {m}"),
            Falha::Definitiva(m) => format!("definitiva: {m}"),
        };
        let token = r#"{"error":{"message":"Error validating access token","type":"OAuthException","code":190}}"#;
        assert!(motivo(401, token).starts_with("definitiva: o token do WhatsApp"), "{}", motivo(401, token));
        let id = r#"{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100}}"#;
        assert_eq!(motivo(400, id), "definitiva: o WhatsApp não encontrou esta mídia (ele a guarda por 7 dias)");
        let limite = r#"{"error":{"message":"(#130429) Rate limit hit","code":130429}}"#;
        assert_eq!(motivo(400, limite), "repetir: o WhatsApp recusou o download da mídia (código 130429)");
    }

    #[test]
    fn base64_from_evolution_with_or_without_a_data_prefix() {
        let Ok(b) = decodificar("data:audio/ogg;base64,T2dnUw==") else { panic!("valid base64") };
        assert_eq!(b, b"OggS");
        assert!(matches!(decodificar("não é base64"), Err(Falha::Definitiva(_))));
        let enorme = "A".repeat((MAX_BYTES / 3 + 8) * 4);
        assert!(matches!(decodificar(&enorme), Err(Falha::Definitiva(m)) if m.contains("16 MB")));
    }
}
