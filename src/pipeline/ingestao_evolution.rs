//! Taking in what a verified Evolution webhook carried, for one empresa: customer messages
//! become the same journal events as the Cloud path (applied later as lead, conversa,
//! mensagem unique on the message id, bot job); `fromMe` messages are journaled as sent by
//! the business; group, broadcast and newsletter chats are ignored; delivery receipts
//! become status events; connection and QR events update the empresa's connection in the
//! central db at once.

use crate::app::App;
use crate::clock::unix_now_ms;
use crate::conexao::estado_nosso;
use crate::error::Result;
use crate::evolution::{ConexaoEvolution, Envelope, EventoEvolution, MensagemEvolution, QrEvolution};
use crate::pipeline::evento::{Evento, MensagemAnotada, MidiaAnotada};
use crate::pipeline::ingestao::indisponivel;
use crate::store::central::evolution::RECUSADO;
use crate::store::central::{Empresa, MudancaEstado};
use crate::telefone;
use crate::whatsapp::MessageKind;

/// Messages older than this when they arrive (history sync, bulk re-deliveries) are stored
/// but not answered by the bot.
pub const ANTIGA_S: i64 = 60 * 60;

/// Media bytes a webhook carried (`base64: true`) travel through the journal up to this many
/// base64 characters (~1.1 MB of file: a typical photo or voice note); larger ones are
/// fetched again by the media worker (`/chat/getBase64FromMediaMessage`), so the journal's
/// rows stay small.
pub const BASE64_NO_JOURNAL: usize = 1536 * 1024;

/// Baileys message types that carry no content of their own.
const SEM_CONTEUDO: &[&str] = &["protocolMessage", "senderKeyDistributionMessage", "messageContextInfo"];

/// What one webhook POST did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Resumo {
    /// Messages and statuses journaled.
    pub anotados: usize,
    pub ignoradas: usize,
}

/// Journals the envelope's messages and statuses for `empresa`; applies connection and QR
/// events to the central db.
pub fn registrar(app: &App, empresa: &Empresa, envelope: &Envelope) -> Result<Resumo> {
    let mut resumo = Resumo::default();
    let mut anotar = Vec::new();
    for evento in &envelope.eventos {
        match evento {
            EventoEvolution::Mensagem(m) => match mensagem(m) {
                None => resumo.ignoradas += 1,
                Some(ev) => anotar.push((empresa.id, ev)),
            },
            EventoEvolution::Status(s) => {
                let Some(nosso) = s.status_nosso() else { continue };
                anotar.push((
                    empresa.id,
                    Evento::Status {
                        wa_message_id: s.id.clone(),
                        status: nosso.to_owned(),
                        erro_codigo: None,
                        erro_titulo: None,
                    },
                ));
            }
            EventoEvolution::Conexao(c) => conexao(app, empresa, c).map_err(indisponivel)?,
            EventoEvolution::Qr(q) => qr(app, empresa, q).map_err(indisponivel)?,
        }
    }
    app.journal.anotar(&anotar).map_err(indisponivel)?;
    resumo.anotados = anotar.len();
    Ok(resumo)
}

/// The journal event for one message; `None` when it is not for us (groups, no usable sender).
fn mensagem(m: &MensagemEvolution) -> Option<Evento> {
    if m.em_grupo() {
        log::debug!("Evolution: mensagem de grupo/transmissão ignorada");
        return None;
    }
    // Protocol traffic (a message revoked, ephemeral settings, key distribution) is not
    // something the customer said: no row, no unread badge.
    if matches!(m.kind, MessageKind::Other { .. }) && SEM_CONTEUDO.contains(&m.kind_name()) {
        log::debug!("Evolution: {} ignorada", m.kind_name());
        return None;
    }
    // The lead keys, looked up like the Cloud API's: the privacy JID (`…@lid`) first, as the
    // BSUID, then the phone in canonical form with its 9th-digit variants. A chat with
    // neither (an odd JID) is keyed by its JID, which is where replies go.
    let fone = m.telefone();
    let lid = m.lid().or_else(|| fone.is_none().then(|| m.remote_jid.clone()).filter(|j| !j.is_empty()));
    let (chave, variantes) = match &fone {
        Some(fone) => (telefone::canonico(fone), telefone::variantes(fone)),
        None if lid.is_some() => (String::new(), Vec::new()),
        None => {
            log::warn!("Evolution: mensagem {} sem remetente ignorada", m.id);
            return None;
        }
    };
    let texto = m.text_for_bot();
    let midia = m.media();
    let agora = unix_now_ms();
    // History sync and bulk re-deliveries are stored but not answered.
    let recente = m.timestamp <= 0 || m.timestamp >= agora / 1000 - ANTIGA_S;
    Some(Evento::Mensagem(MensagemAnotada {
        wa_message_id: m.id.clone(),
        wa_id: chave,
        wa_id_variantes: variantes,
        user_id: lid,
        username: None,
        troca: None,
        destino: Some(m.responder_para().to_owned()),
        nome_perfil: m.push_name.clone(),
        canal: "whatsapp".into(),
        tipo: m.kind_name().to_owned(),
        responder: texto.is_some() && recente,
        texto,
        midia_id: midia.map(|x| x.id.clone()),
        midia_mime: midia.and_then(|x| x.mime_type.clone()),
        midia: midia.map(|x| {
            Box::new(MidiaAnotada {
                provedor: "evolution".into(),
                voz: x.voice,
                nome_arquivo: x.filename.clone(),
                base64: m.base64.clone().filter(|b| b.len() <= BASE64_NO_JOURNAL),
            })
        }),
        bruto_json: Some(m.raw.to_string()),
        da_empresa: m.from_me,
        recebida_ms: agora,
    }))
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
