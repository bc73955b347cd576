//! Storing what a verified Evolution webhook carried, for one empresa: customer messages go
//! through the same tenant transaction as the Cloud path (lead, conversa, mensagem unique on
//! the message id, bot job); `fromMe` messages are recorded as sent by the business; group,
//! broadcast and newsletter chats are ignored; delivery receipts move statuses forward;
//! connection and QR events update the empresa's connection in the central db.

use crate::app::App;
use crate::clock::unix_now_ms;
use crate::conexao::estado_nosso;
use crate::error::Result;
use crate::evolution::{ConexaoEvolution, Envelope, EventoEvolution, MensagemEvolution, QrEvolution};
use crate::pipeline::ingestao::indisponivel;
use crate::store::central::evolution::RECUSADO;
use crate::store::central::{Empresa, MudancaEstado};
use crate::store::tenant::conversas::NovaEntrada;
use crate::telefone;
use crate::whatsapp::MessageKind;

/// Messages older than this when they arrive (history sync, bulk re-deliveries) are stored
/// but not answered by the bot.
pub const ANTIGA_S: i64 = 60 * 60;

/// Baileys message types that carry no content of their own.
const SEM_CONTEUDO: &[&str] = &["protocolMessage", "senderKeyDistributionMessage", "messageContextInfo"];

/// What one webhook POST did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Resumo {
    pub mensagens_novas: usize,
    pub repetidas: usize,
    pub ignoradas: usize,
    pub status_aplicados: usize,
}

/// Stores every event of the envelope for `empresa`.
pub fn registrar(app: &App, empresa: &Empresa, envelope: &Envelope) -> Result<Resumo> {
    let mut resumo = Resumo::default();
    let mut trabalho = false;
    for evento in &envelope.eventos {
        match evento {
            EventoEvolution::Mensagem(m) => match mensagem(app, empresa, m).map_err(indisponivel)? {
                None => resumo.ignoradas += 1,
                Some((true, job)) => {
                    resumo.mensagens_novas += 1;
                    if job {
                        app.metrics.job_enfileirado();
                        trabalho = true;
                    }
                }
                Some((false, _)) => {
                    resumo.repetidas += 1;
                    // Re-mark in case the first delivery stored its job and then failed to mark.
                    trabalho |= empresa.ativo && !m.from_me;
                }
            },
            EventoEvolution::Status(s) => {
                let Some(nosso) = s.status_nosso() else { continue };
                let db = app.tenant_db(empresa).map_err(indisponivel)?;
                if db.aplicar_status(&s.id, nosso, None).map_err(indisponivel)? {
                    resumo.status_aplicados += 1;
                }
            }
            EventoEvolution::Conexao(c) => conexao(app, empresa, c).map_err(indisponivel)?,
            EventoEvolution::Qr(q) => qr(app, empresa, q).map_err(indisponivel)?,
        }
    }
    if trabalho {
        app.central.trabalho_marcar(empresa.id).map_err(indisponivel)?;
        app.trabalho.avisar();
    }
    Ok(resumo)
}

/// Stores one message; `None` when it is not for us (groups, no usable sender).
fn mensagem(app: &App, empresa: &Empresa, m: &MensagemEvolution) -> Result<Option<(bool, bool)>> {
    if m.em_grupo() {
        log::debug!("Evolution: mensagem de grupo/transmissão ignorada");
        return Ok(None);
    }
    // Protocol traffic (a message revoked, ephemeral settings, key distribution) is not
    // something the customer said: no row, no unread badge.
    if matches!(m.kind, MessageKind::Other { .. }) && SEM_CONTEUDO.contains(&m.kind_name()) {
        log::debug!("Evolution: {} ignorada", m.kind_name());
        return Ok(None);
    }
    // The lead key: the phone number in canonical form when there is one, else the JID
    // itself (privacy `@lid` addressing without a phone).
    let (chave, variantes) = match m.telefone() {
        Some(fone) => (telefone::canonico(&fone), telefone::variantes(&fone)),
        None if !m.remote_jid.is_empty() => (m.remote_jid.clone(), Vec::new()),
        None => {
            log::warn!("Evolution: mensagem {} sem remetente ignorada", m.id);
            return Ok(None);
        }
    };
    let db = app.tenant_db(empresa)?;
    let texto = m.text_for_bot();
    let midia = m.media();
    let bruto = m.raw.to_string();
    let agora = unix_now_ms();
    let recente = m.timestamp <= 0 || m.timestamp >= agora / 1000 - ANTIGA_S;
    let entrada = NovaEntrada {
        wa_message_id: &m.id,
        wa_id: &chave,
        wa_id_variantes: &variantes,
        destino: Some(m.responder_para()),
        nome_perfil: m.push_name.as_deref(),
        canal: "whatsapp",
        tipo: m.kind_name(),
        texto: texto.as_deref(),
        midia_id: midia.map(|x| x.id.as_str()),
        midia_mime: midia.and_then(|x| x.mime_type.as_deref()),
        bruto_json: Some(&bruto),
        // A suspended empresa keeps its messages but gets no bot reply; nor does history.
        criar_job: empresa.ativo && texto.is_some() && recente,
        agora_ms: agora,
    };
    let r = if m.from_me { db.registrar_saida_externa(&entrada)? } else { db.registrar_entrada(&entrada)? };
    Ok(Some((r.nova, r.job)))
}

fn conexao(app: &App, empresa: &Empresa, c: &ConexaoEvolution) -> Result<()> {
    let estado = estado_nosso(&c.estado);
    if estado == RECUSADO || c.motivo.is_some_and(|m| m != 200) {
        log::warn!(
            "empresa {}: WhatsApp (QR Code) {} — {}",
            empresa.id,
            estado,
            c.descricao_motivo().unwrap_or("sem motivo informado")
        );
    } else {
        log::info!("empresa {}: WhatsApp (QR Code) {estado}", empresa.id);
    }
    app.central.evolution_registrar_estado(
        empresa.id,
        &MudancaEstado {
            estado,
            motivo_codigo: c.motivo.filter(|m| *m != 200),
            motivo: c.descricao_motivo(),
            numero: c.numero.as_deref(),
            nome_perfil: c.nome_perfil.as_deref(),
        },
    )
}

fn qr(app: &App, empresa: &Empresa, q: &QrEvolution) -> Result<()> {
    if let Some(erro) = &q.erro {
        log::warn!("empresa {}: Evolution parou de gerar QR: {erro}", empresa.id);
        let motivo = "o QR Code expirou sem leitura; clique em Conectar para gerar outro";
        return app.central.evolution_registrar_estado(
            empresa.id,
            &MudancaEstado { estado: RECUSADO, motivo: Some(motivo), ..Default::default() },
        );
    }
    match &q.qr {
        Some(qr) if qr.code.is_some() || qr.pairing_code.is_some() => {
            app.central.evolution_registrar_qr(empresa.id, qr.code.as_deref(), qr.pairing_code.as_deref())
        }
        _ => Ok(()),
    }
}
