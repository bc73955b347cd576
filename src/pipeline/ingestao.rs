//! Taking in what a verified Cloud API webhook carried: inbound messages and delivery
//! statuses become journal events (`pipeline::journal`, one journal transaction for the whole
//! POST), system errors are logged, unrouted numbers counted. No tenant file is opened here,
//! and nothing calls the LLM or the Graph API.

use crate::app::App;
use crate::clock::unix_now_ms;
use crate::domain::EmpresaId;
use crate::error::{Error, Result};
use crate::pipeline::evento::{Evento, MensagemAnotada, MidiaAnotada, TrocaAnotada};
use crate::store::central::Empresa;
use crate::store::tenant::conversas::status_de_meta;
use crate::whatsapp::{InboundMessage, NumberChange, StatusUpdate, WebhookEvent};

/// What one webhook POST did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Resumo {
    /// Messages and statuses journaled for their tenants.
    pub anotados: usize,
    pub nao_roteados: usize,
}

/// A store failure on the webhook path: 503 so the sender (Meta, Evolution) delivers again
/// (a re-delivery of what was stored is a no-op); the cause goes to the log only.
pub(super) fn indisponivel(e: Error) -> Error {
    log::error!("webhook: falha ao gravar ({}): {e}", e.code());
    Error::Unavailable("não foi possível gravar o webhook agora; tente novamente".into())
}

/// Journals every event, each already routed (`None` = no empresa owns its number).
pub fn registrar(app: &App, eventos: &[(WebhookEvent, Option<std::sync::Arc<Empresa>>)]) -> Result<Resumo> {
    let mut resumo = Resumo::default();
    let mut anotar: Vec<(EmpresaId, Evento)> = Vec::new();
    let mut sem_rota: Vec<&str> = Vec::new();
    for (evento, empresa) in eventos {
        let Some(empresa) = empresa else {
            sem_rota.push(evento.phone_number_id());
            continue;
        };
        match evento {
            WebhookEvent::Inbound(m) => anotar.push((empresa.id, entrada(m))),
            WebhookEvent::Status(s) => {
                if let Some(ev) = status(empresa, s) {
                    anotar.push((empresa.id, ev));
                }
            }
            WebhookEvent::Error(e) => log::warn!(
                "webhook: erro do WhatsApp para a empresa {}: código {} ({})",
                empresa.id,
                e.error.code,
                e.error.title
            ),
        }
    }
    app.journal.anotar(&anotar).map_err(indisponivel)?;
    resumo.anotados = anotar.len();
    for pid in sem_rota {
        app.central.nao_roteado_contar(pid, None).map_err(indisponivel)?;
        resumo.nao_roteados += 1;
    }
    Ok(resumo)
}

/// The journal event for one inbound message.
fn entrada(m: &InboundMessage) -> Evento {
    let from = m.from.trim().trim_start_matches('+');
    // The phone in canonical form (a Brazilian mobile always with its 9th digit) and its
    // other forms; the BSUID beside it. The store looks the lead up by BSUID first, then by
    // any form of the number. A username user may come with the BSUID alone.
    let (wa_id, wa_id_variantes) = if from.is_empty() {
        (String::new(), Vec::new())
    } else {
        (crate::telefone::canonico(from), crate::telefone::variantes(from))
    };
    let user_id = m.user_id.clone().filter(|u| !u.trim().is_empty());
    // With neither, nothing says who wrote: stored on a lead of its own, never answered.
    let identificado = !wa_id.is_empty() || user_id.is_some();
    if !identificado {
        log::warn!(
            "webhook: mensagem {} sem telefone nem BSUID: guardada sem remetente, sem resposta",
            m.wa_message_id
        );
    }
    let midia = m.media();
    let texto = m.text_for_bot();
    Evento::Mensagem(MensagemAnotada {
        wa_message_id: m.wa_message_id.clone(),
        wa_id,
        wa_id_variantes,
        user_id,
        username: m.username.clone(),
        troca: m.number_change.as_deref().map(troca).map(Box::new),
        // Replies go to the number exactly as Meta gave it; without one, to the lead's number
        // if known, else its BSUID (see `conversa_para_bot`).
        destino: (!from.is_empty()).then(|| from.to_owned()),
        nome_perfil: m.profile_name.clone(),
        canal: "whatsapp".into(),
        tipo: m.kind_name().to_owned(),
        responder: texto.is_some() && identificado,
        texto,
        midia_id: midia.map(|x| x.id.clone()),
        midia_mime: midia.and_then(|x| x.mime_type.clone()),
        midia: midia.map(|x| {
            Box::new(MidiaAnotada {
                provedor: "cloud".into(),
                voz: x.voice,
                nome_arquivo: x.filename.clone(),
                base64: None,
            })
        }),
        bruto_json: Some(m.raw_json()),
        da_empresa: false,
        recebida_ms: unix_now_ms(),
    })
}

/// The new keys of a number-change notice, normalised like a sender's.
fn troca(c: &NumberChange) -> TrocaAnotada {
    let novo = c.new_wa_id.as_deref().map(|n| n.trim().trim_start_matches('+')).filter(|n| !n.is_empty());
    TrocaAnotada {
        wa_id: novo.map(crate::telefone::canonico),
        wa_id_variantes: novo.map(crate::telefone::variantes).unwrap_or_default(),
        user_id: c.new_user_id.clone(),
        destino: novo.map(str::to_owned),
    }
}

/// The journal event for a delivery status we track (others are ignored).
fn status(empresa: &Empresa, s: &StatusUpdate) -> Option<Evento> {
    let Some(nosso) = status_de_meta(&s.status) else {
        log::debug!("webhook: status {:?} ignorado", s.status);
        return None;
    };
    if nosso == "falhou" {
        log::warn!(
            "WhatsApp: envio falhou para a empresa {} (código {:?})",
            empresa.id,
            s.error.as_ref().map(|e| e.code)
        );
    }
    Some(Evento::Status {
        wa_message_id: s.wa_message_id.clone(),
        status: nosso.to_owned(),
        erro_codigo: s.error.as_ref().map(|e| e.code),
        erro_titulo: s.error.as_ref().map(|e| e.title.clone()),
    })
}
