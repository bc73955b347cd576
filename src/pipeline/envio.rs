//! Sending one stored reply through the empresa's WhatsApp channel and recording the
//! outcome on the job: the Cloud API (Graph, with the empresa's token) or Evolution API
//! (`sendText` on the empresa's instance, with its instance token). Both follow the same
//! state machine (`store::tenant::jobs`): `enviando` before the call, then sent / retry
//! later / failed for good with the reason the panel shows.
//!
//! A reply with media (an attendant's attachment, an item's photo) is read from the
//! empresa's store: on the Cloud API it is uploaded (`/{phone_number_id}/media`, the id kept
//! for 20 days and reused for the same file) and sent by id; on Evolution it goes in
//! `sendMedia` as base64. The caption is the text after the media label.

use base64::Engine;

use crate::app::App;
use crate::clock::unix_now_ms;
use crate::conexao;
use crate::crypto::Secret;
use crate::domain::{Canal, MensagemId};
use crate::error::Result;
use crate::evolution::EvolutionClient;
use crate::media::anexo::legenda_de;
use crate::media::{mime, Acervo};
use crate::pipeline::Motor;
use crate::store::central::evolution::{CONECTADO, RECUSADO};
use crate::store::central::Empresa;
use crate::store::tenant::jobs::JobBot;
use crate::store::tenant::midias::Midia;
use crate::store::tenant::TenantDb;
use crate::whatsapp::{GraphClient, SendError, MAX_SEND_ATTEMPTS};

/// What to send: the stored text, and the media row when the reply carries a file.
pub struct Conteudo<'a> {
    pub texto: &'a str,
    pub midia: Option<&'a Midia>,
}

/// How long an upload id is reused (Meta keeps uploads 30 days).
const ENVIO_REF_VALIDO_MS: i64 = 20 * 24 * 3600 * 1000;

/// What one send attempt produced, whatever the channel.
enum Resultado {
    Enviada(String),
    Repetir(String),
    Falhou(Option<i64>, String),
}

/// Sends a stored reply and records the outcome; `ler` is an inbound message id to mark as
/// read (Cloud API only).
#[allow(clippy::too_many_arguments)]
pub(super) fn enviar(
    app: &App,
    motor: &Motor,
    empresa: &Empresa,
    db: &TenantDb,
    job: &JobBot,
    saida: MensagemId,
    to: &str,
    conteudo: &Conteudo<'_>,
    ler: Option<&str>,
) -> Result<()> {
    let resultado = match empresa.whatsapp_canal {
        Canal::Cloud => cloud(app, motor, empresa, db, job, saida, to, conteudo, ler)?,
        Canal::Evolution => evolution(app, motor, empresa, db, job, saida, to, conteudo)?,
    };
    let Some(resultado) = resultado else { return Ok(()) };
    match resultado {
        Resultado::Enviada(id) => {
            app.metrics.graph_enviada();
            db.job_enviado(job, saida, &id, unix_now_ms())?;
            app.metrics.job_concluido();
            log::info!("resposta enviada: empresa {} conversa {}", empresa.id, job.conversa_id);
            Ok(())
        }
        Resultado::Repetir(motivo) if job.tentativas < MAX_SEND_ATTEMPTS => {
            let espera = motor.espera_ms(job.tentativas);
            log::warn!("envio falhou (tentativa {}), nova tentativa em {espera} ms: {motivo}", job.tentativas);
            db.job_reagendar(job, unix_now_ms() + espera, &motivo)
        }
        Resultado::Repetir(motivo) | Resultado::Falhou(None, motivo) => {
            falhou(app, empresa, db, job, saida, None, &motivo)
        }
        Resultado::Falhou(codigo, motivo) => falhou(app, empresa, db, job, saida, codigo, &motivo),
    }
}

fn falhou(
    app: &App,
    empresa: &Empresa,
    db: &TenantDb,
    job: &JobBot,
    saida: MensagemId,
    codigo: Option<i64>,
    motivo: &str,
) -> Result<()> {
    app.metrics.job_falhou();
    log::warn!("envio falhou de vez (empresa {}): {motivo}", empresa.id);
    db.job_falhou_envio(job, saida, codigo, motivo, unix_now_ms())
}

/// The empresa's Cloud API token, decrypted (`None` when it has none).
pub(crate) fn token_cloud(app: &App, empresa: &Empresa) -> Result<Option<Secret>> {
    let Some(cifrado) = app.central.empresa_segredos(empresa.id)?.whatsapp_token else { return Ok(None) };
    app.key.decrypt(&cifrado).map(Some)
}

/// One Graph API send. `None` when the outcome was already recorded (nothing to send with).
#[allow(clippy::too_many_arguments)]
fn cloud(
    app: &App,
    motor: &Motor,
    empresa: &Empresa,
    db: &TenantDb,
    job: &JobBot,
    saida: MensagemId,
    to: &str,
    conteudo: &Conteudo<'_>,
    ler: Option<&str>,
) -> Result<Option<Resultado>> {
    let pid = empresa.whatsapp_phone_number_id.as_deref().unwrap_or("");
    let token = match token_cloud(app, empresa) {
        Ok(Some(t)) if !pid.is_empty() => t,
        Ok(_) => {
            let msg = "a empresa não tem phone_number_id e token do WhatsApp configurados";
            return Ok(Some(Resultado::Falhou(None, msg.into())));
        }
        Err(e) => {
            log::error!("empresa {}: token do WhatsApp ilegível: {e}", empresa.id);
            return Ok(Some(Resultado::Falhou(None, "token do WhatsApp ilegível".into())));
        }
    };
    let enviado = match conteudo.midia {
        None => {
            db.job_marcar_enviando(job, saida)?;
            motor.graph.send_text(pid, token.expose(), to, conteudo.texto, None)
        }
        Some(midia) => match upload_cloud(app, motor, empresa, db, pid, token.expose(), midia)? {
            Ok(media_id) => {
                db.job_marcar_enviando(job, saida)?;
                let nome = midia.nome_arquivo.as_deref();
                let legenda = legenda_de(Some(conteudo.texto), &midia.tipo, nome);
                motor.graph.enviar_midia(pid, token.expose(), to, &midia.tipo, &media_id, legenda.as_deref(), nome)
            }
            Err(e) => Err(e),
        },
    };
    Ok(Some(match enviado {
        Ok(wamid) => {
            if let Some(inbound) = ler {
                if let Err(e) = motor.graph.mark_read(pid, token.expose(), inbound) {
                    log::debug!("marcar como lida falhou (ignorado): {e}");
                }
            }
            Resultado::Enviada(wamid)
        }
        Err(e) => {
            app.metrics.graph_erro(e.code.unwrap_or(0));
            if e.retryable {
                Resultado::Repetir(e.to_string())
            } else {
                Resultado::Falhou(e.code, e.title.clone())
            }
        }
    }))
}

/// The Cloud API media id of a reply's file: the one uploaded in the last 20 days, else a
/// new upload (through the long-timeout media agent).
fn upload_cloud(
    app: &App,
    motor: &Motor,
    empresa: &Empresa,
    db: &TenantDb,
    pid: &str,
    token: &str,
    midia: &Midia,
) -> Result<Result<String, SendError>> {
    let (Some(sha), Some(mime_tipo)) = (midia.sha256.as_deref(), midia.mime.as_deref()) else {
        return Err(crate::Error::Internal(format!("mídia {} sem arquivo para enviar", midia.id)));
    };
    let agora = unix_now_ms();
    if let Some((id, em)) = db.midia_envio_ref(sha)? {
        if agora - em < ENVIO_REF_VALIDO_MS {
            return Ok(Ok(id));
        }
    }
    let bytes = Acervo::de(app, empresa, db).ler(sha)?;
    let nome = midia.nome_arquivo.clone().unwrap_or_else(|| format!("arquivo.{}", mime::extensao(mime_tipo)));
    let graph = GraphClient::new(crate::media::trabalho::agente(), motor.graph.base_url());
    Ok(match graph.midia_enviar_arquivo(pid, token, &bytes, mime_tipo, &nome) {
        Ok(id) => {
            db.midia_definir_envio_ref(sha, &id, agora)?;
            Ok(id)
        }
        Err(e) => Err(e),
    })
}

/// One Evolution `sendText` (or `sendMedia`) on the empresa's instance.
#[allow(clippy::too_many_arguments)]
fn evolution(
    app: &App,
    motor: &Motor,
    empresa: &Empresa,
    db: &TenantDb,
    job: &JobBot,
    saida: MensagemId,
    to: &str,
    conteudo: &Conteudo<'_>,
) -> Result<Option<Resultado>> {
    let nao_conectado = |motivo: Option<&str>| {
        let mut msg = "o WhatsApp (QR Code) desta empresa não está conectado".to_owned();
        if let Some(m) = motivo {
            msg.push_str(&format!(": {m}"));
        }
        msg.push_str("; conecte de novo em WhatsApp → Conectar");
        Some(Resultado::Falhou(None, msg))
    };
    let Some(inst) = app.central.evolution_instancia(empresa.id)? else { return Ok(nao_conectado(None)) };
    // Logged out on the phone / QR expired: no send can work until someone scans again.
    // Other states (a reconnect in progress) are left to the send and its retries.
    if inst.estado == RECUSADO || (inst.estado != CONECTADO && inst.motivo_codigo == Some(401)) {
        return Ok(nao_conectado(inst.motivo.as_deref()));
    }
    let (token, ajustes) = match (conexao::token(app, &inst), conexao::ajustes(app)) {
        (Ok(Some(t)), Ok(a)) => (t, a),
        (Ok(None), _) => return Ok(nao_conectado(None)),
        (Err(e), _) | (_, Err(e)) => {
            log::error!("empresa {}: não foi possível preparar o envio pelo Evolution: {e}", empresa.id);
            return Ok(Some(Resultado::Falhou(None, e.to_string())));
        }
    };
    let enviado = match conteudo.midia {
        None => {
            db.job_marcar_enviando(job, saida)?;
            EvolutionClient::new(motor.agent.clone(), ajustes.url).enviar_texto(
                token.expose(),
                &inst.instancia,
                to,
                conteudo.texto,
            )
        }
        Some(midia) => {
            let (Some(sha), Some(mime_tipo)) = (midia.sha256.as_deref(), midia.mime.as_deref()) else {
                return Err(crate::Error::Internal(format!("mídia {} sem arquivo para enviar", midia.id)));
            };
            let bytes = Acervo::de(app, empresa, db).ler(sha)?;
            let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
            let nome = midia.nome_arquivo.as_deref();
            let legenda = legenda_de(Some(conteudo.texto), &midia.tipo, nome);
            db.job_marcar_enviando(job, saida)?;
            EvolutionClient::new(crate::media::trabalho::agente(), ajustes.url).enviar_midia(
                token.expose(),
                &inst.instancia,
                to,
                &midia.tipo,
                mime::base(mime_tipo),
                &b64,
                nome,
                legenda.as_deref(),
            )
        }
    };
    Ok(Some(match enviado {
        Ok(id) => Resultado::Enviada(id),
        Err(e) => {
            app.metrics.graph_erro(e.http_status.map_or(0, i64::from));
            if e.retryable {
                // Nothing went out (or the instance is reconnecting): `job_reagendar` puts the
                // reply back to `pendente` for the retry.
                Resultado::Repetir(e.to_string())
            } else {
                Resultado::Falhou(e.http_status.map(i64::from), e.mensagem.clone())
            }
        }
    }))
}
