//! Sending one stored reply through the empresa's WhatsApp channel and recording the
//! outcome on the job: the Cloud API (Graph, with the empresa's token) or Evolution API
//! (`sendText` on the empresa's instance, with its instance token). Both follow the same
//! state machine (`store::tenant::jobs`): `enviando` before the call, then sent / retry
//! later / failed for good with the reason the panel shows.

use crate::app::App;
use crate::clock::unix_now_ms;
use crate::conexao;
use crate::crypto::Secret;
use crate::domain::{Canal, MensagemId};
use crate::error::Result;
use crate::evolution::EvolutionClient;
use crate::pipeline::Motor;
use crate::store::central::evolution::{CONECTADO, RECUSADO};
use crate::store::central::Empresa;
use crate::store::tenant::jobs::JobBot;
use crate::store::tenant::TenantDb;
use crate::whatsapp::MAX_SEND_ATTEMPTS;

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
    texto: &str,
    ler: Option<&str>,
) -> Result<()> {
    let resultado = match empresa.whatsapp_canal {
        Canal::Cloud => cloud(app, motor, empresa, db, job, saida, to, texto, ler)?,
        Canal::Evolution => evolution(app, motor, empresa, db, job, saida, to, texto)?,
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

fn token_cloud(app: &App, empresa: &Empresa) -> Result<Option<Secret>> {
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
    texto: &str,
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
    db.job_marcar_enviando(job, saida)?;
    Ok(Some(match motor.graph.send_text(pid, token.expose(), to, texto, None) {
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

/// One Evolution `sendText` on the empresa's instance.
#[allow(clippy::too_many_arguments)]
fn evolution(
    app: &App,
    motor: &Motor,
    empresa: &Empresa,
    db: &TenantDb,
    job: &JobBot,
    saida: MensagemId,
    to: &str,
    texto: &str,
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
    db.job_marcar_enviando(job, saida)?;
    let cliente = EvolutionClient::new(motor.agent.clone(), ajustes.url);
    Ok(Some(match cliente.enviar_texto(token.expose(), &inst.instancia, to, texto) {
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
