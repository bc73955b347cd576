//! Storing what a verified webhook carried: inbound messages (one tenant transaction each),
//! delivery statuses, system errors, and unrouted numbers — then marking the tenants that
//! now have bot work and waking a worker. Nothing here calls the LLM or the Graph API.

use std::collections::BTreeSet;

use crate::app::App;
use crate::clock::unix_now_ms;
use crate::domain::EmpresaId;
use crate::error::{Error, Result};
use crate::store::central::Empresa;
use crate::store::tenant::conversas::{status_de_meta, NovaEntrada};
use crate::whatsapp::{InboundMessage, StatusUpdate, WebhookEvent};

/// What one webhook POST did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Resumo {
    pub mensagens_novas: usize,
    pub repetidas: usize,
    pub status_aplicados: usize,
    pub nao_roteados: usize,
}

/// A store failure on the webhook path: 503 so the sender (Meta, Evolution) delivers again
/// (a re-delivery of what was stored is a no-op); the cause goes to the log only.
pub(super) fn indisponivel(e: Error) -> Error {
    log::error!("webhook: falha ao gravar ({}): {e}", e.code());
    Error::Unavailable("não foi possível gravar o webhook agora; tente novamente".into())
}

/// Stores every event, each already routed (`None` = no empresa owns its number).
pub fn registrar(app: &App, eventos: &[(WebhookEvent, Option<Empresa>)]) -> Result<Resumo> {
    let mut resumo = Resumo::default();
    let mut com_trabalho: BTreeSet<EmpresaId> = BTreeSet::new();
    for (evento, empresa) in eventos {
        let Some(empresa) = empresa else {
            app.central.nao_roteado_contar(evento.phone_number_id(), None).map_err(indisponivel)?;
            resumo.nao_roteados += 1;
            continue;
        };
        match evento {
            WebhookEvent::Inbound(m) => {
                let (nova, job) = entrada(app, empresa, m).map_err(indisponivel)?;
                if nova {
                    resumo.mensagens_novas += 1;
                } else {
                    resumo.repetidas += 1;
                }
                if nova && job {
                    app.metrics.job_enfileirado();
                }
                if job {
                    com_trabalho.insert(empresa.id);
                }
            }
            WebhookEvent::Status(s) => {
                if status(app, empresa, s).map_err(indisponivel)? {
                    resumo.status_aplicados += 1;
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
    for id in &com_trabalho {
        app.central.trabalho_marcar(*id).map_err(indisponivel)?;
    }
    if !com_trabalho.is_empty() {
        app.trabalho.avisar();
    }
    Ok(resumo)
}

/// Stores one inbound message; returns (new, the tenant may have bot work).
fn entrada(app: &App, empresa: &Empresa, m: &InboundMessage) -> Result<(bool, bool)> {
    let db = app.tenant_db(empresa)?;
    let texto = m.text_for_bot();
    let from = m.from.trim_start_matches('+');
    // The lead key: the canonical form of the number (a Brazilian mobile always with its 9th
    // digit), matching a lead stored under any variant; username users have only a user id.
    let (wa_id, variantes) = if from.is_empty() {
        (m.user_id.clone().unwrap_or_default(), Vec::new())
    } else {
        (crate::telefone::canonico(from), crate::telefone::variantes(from))
    };
    let midia = m.media();
    let bruto = m.raw_json();
    let r = db.registrar_entrada(&NovaEntrada {
        wa_message_id: &m.wa_message_id,
        wa_id: &wa_id,
        wa_id_variantes: &variantes,
        // Replies go to the number exactly as Meta gave it.
        destino: (!from.is_empty()).then_some(from),
        nome_perfil: m.profile_name.as_deref(),
        canal: "whatsapp",
        tipo: m.kind_name(),
        texto: texto.as_deref(),
        midia_id: midia.map(|x| x.id.as_str()),
        midia_mime: midia.and_then(|x| x.mime_type.as_deref()),
        bruto_json: Some(&bruto),
        // A suspended empresa keeps its messages but gets no bot reply.
        criar_job: empresa.ativo && texto.is_some(),
        agora_ms: unix_now_ms(),
    })?;
    // A re-delivery queues nothing, but re-marks the tenant (cheap, idempotent) in case the
    // first delivery stored its job and then failed to mark it.
    Ok((r.nova, r.job || (!r.nova && empresa.ativo)))
}

fn status(app: &App, empresa: &Empresa, s: &StatusUpdate) -> Result<bool> {
    let Some(nosso) = status_de_meta(&s.status) else {
        log::debug!("webhook: status {:?} ignorado", s.status);
        return Ok(false);
    };
    let db = app.tenant_db(empresa)?;
    let erro = s.error.as_ref().map(|e| (e.code, e.title.as_str()));
    let aplicado = db.aplicar_status(&s.wa_message_id, nosso, erro)?;
    if nosso == "falhou" {
        log::warn!(
            "WhatsApp: envio falhou para a empresa {} (código {:?})",
            empresa.id,
            s.error.as_ref().map(|e| e.code)
        );
    }
    Ok(aplicado)
}
