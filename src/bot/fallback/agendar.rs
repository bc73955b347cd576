//! Booking a visit, a test drive or a service through the rule engine: offer free times near
//! what the customer asked (`sábado de manhã`, `amanhã às 10h`), take their pick (`o
//! segundo`, `pode ser às 10`, `1`), ask the name once if it is unknown, book it (the store
//! refuses a time that filled up meanwhile) and confirm; cancel or move an appointment.

use serde_json::json;

use super::{respostas, Fallback, Resposta, Turno};
use crate::bot::agenda::{horarios_livres, DataHora, Ocupado, Preferencia, HORIZONTE_DIAS};
use crate::bot::dialogo::{AgendamentoEmCurso, ItemMostrado, TipoAgendamento};
use crate::bot::entender::datas::preferencia;
use crate::bot::entender::intencao::nome_solto;
use crate::bot::entender::{Entendimento, Referencia};
use crate::bot::tools::NovoAgendamento;
use crate::domain::Setor;

fn agenda_ocupada(t: &Turno<'_>) -> Vec<Ocupado> {
    match t.tools.agenda_ocupada(t.agora.data, t.agora.data.mais(HORIZONTE_DIAS)) {
        Ok(o) => o,
        Err(e) => {
            log::warn!("fallback: agenda ilegível: {e}");
            Vec::new()
        }
    }
}

fn do_item(item: &Option<ItemMostrado>) -> String {
    item.as_ref().map(|i| format!(" {}", respostas::do_nome(&i.nome))).unwrap_or_default()
}

fn lista(opcoes: &[DataHora]) -> String {
    opcoes.iter().enumerate().map(|(i, d)| format!("{}) {}", i + 1, d.por_extenso())).collect::<Vec<_>>().join("\n")
}

fn tipo_de(fb: &Fallback, e: &Entendimento) -> TipoAgendamento {
    if fb.setor == Setor::Servicos {
        TipoAgendamento::Servico
    } else if e.sinais.test_drive {
        TipoAgendamento::TestDrive
    } else {
        TipoAgendamento::Visita
    }
}

fn artigo(tipo: TipoAgendamento) -> &'static str {
    match tipo {
        TipoAgendamento::Visita => "a visita",
        TipoAgendamento::TestDrive => "o test drive",
        TipoAgendamento::Servico => "o atendimento",
    }
}

fn seu(tipo: TipoAgendamento) -> &'static str {
    match tipo {
        TipoAgendamento::Visita => "sua visita",
        TipoAgendamento::TestDrive => "seu test drive",
        TipoAgendamento::Servico => "seu atendimento",
    }
}

/// "sexta de manhã" said on a Friday afternoon means next week's Friday morning ("hoje"
/// keeps today).
fn semana_que_vem_se_passou(mut pref: Preferencia, e: &Entendimento, agora: DataHora) -> Preferencia {
    let fim = match (pref.hora, pref.antes_de, pref.periodo) {
        (Some(h), ..) => Some(h),
        (None, Some(a), _) => Some(a),
        (None, None, Some(crate::bot::agenda::Periodo::Manha)) => Some(12 * 60),
        (None, None, Some(crate::bot::agenda::Periodo::Tarde)) => Some(18 * 60),
        _ => None,
    };
    let hoje_dito = e.norm.split(' ').any(|w| w == "hoje" || w == "agora");
    if pref.data == Some(agora.data) && !hoje_dito && fim.is_some_and(|f| f <= agora.minuto) {
        pref.data = Some(agora.data.mais(7));
    }
    pref
}

/// Offers free times (or books the exact time asked for, when free).
pub(super) fn iniciar(fb: &Fallback, e: &Entendimento, t: &mut Turno<'_>, item: Option<ItemMostrado>) -> Resposta {
    let tipo = tipo_de(fb, e);
    let pref = semana_que_vem_se_passou(preferencia(&e.norm, t.agora.data, &fb.agenda.expediente), e, t.agora);
    let ag = AgendamentoEmCurso { tipo, item, opcoes: Vec::new(), escolhido: None, preferencia: pref };
    oferecer(fb, t, ag, &pref, "agendar")
}

fn oferecer(
    fb: &Fallback,
    t: &mut Turno<'_>,
    mut ag: AgendamentoEmCurso,
    pref: &Preferencia,
    intencao: &str,
) -> Resposta {
    t.explicacao.intencao = intencao.into();
    let ocupados = agenda_ocupada(t);
    if let (Some(data), Some(hora)) = (pref.data, pref.hora) {
        let inicio = DataHora { data, minuto: hora };
        match fb.agenda.cabe(inicio, t.agora, &ocupados) {
            Ok(()) => return escolher(fb, t, ag, inicio),
            Err(r) => {
                let livres = horarios_livres(
                    &fb.agenda,
                    t.agora,
                    &ocupados,
                    &Preferencia { data: Some(data), ..Preferencia::default() },
                    3,
                );
                let livres = if livres.is_empty() {
                    horarios_livres(&fb.agenda, t.agora, &ocupados, &Preferencia::default(), 3)
                } else {
                    livres
                };
                return propor(t, ag, livres, &format!("{} não dá: {}. 😕", inicio.por_extenso(), r.motivo()));
            }
        }
    }
    let mut livres = horarios_livres(&fb.agenda, t.agora, &ocupados, pref, 3);
    let mut aviso = String::new();
    if livres.is_empty() && !pref.vazia() {
        aviso = "Nesse dia e horário não tenho vaga. 😕 ".into();
        livres = horarios_livres(&fb.agenda, t.agora, &ocupados, &Preferencia::default(), 3);
    }
    ag.preferencia = *pref;
    propor(t, ag, livres, &aviso)
}

fn propor(t: &mut Turno<'_>, mut ag: AgendamentoEmCurso, livres: Vec<DataHora>, aviso: &str) -> Resposta {
    if livres.is_empty() {
        t.estado.agendamento = None;
        t.estado.oferta = Some(crate::bot::dialogo::Oferta::Atendente { motivo: "agenda_cheia".into() });
        return Resposta::texto(format!(
            "{aviso}No momento não encontrei horários livres na agenda nas próximas semanas. Quer que eu chame um atendente para combinar um horário com você?"
        ));
    }
    ag.opcoes = livres.iter().map(|d| d.iso()).collect();
    ag.escolhido = None;
    let texto = format!(
        "{aviso}{} Para {}{}, tenho estes horários:\n{}\nQual fica melhor para você? Se preferir outro dia ou horário, é só me dizer.",
        if aviso.is_empty() { "Ótimo!" } else { "" },
        artigo(ag.tipo),
        do_item(&ag.item),
        lista(&livres)
    );
    t.estado.agendamento = Some(ag);
    t.estado.oferta = None;
    Resposta::texto(texto.trim_start().to_string())
}

/// The customer picked `inicio`: book it, or ask the name first (once).
fn escolher(fb: &Fallback, t: &mut Turno<'_>, mut ag: AgendamentoEmCurso, inicio: DataHora) -> Resposta {
    // The name the customer told us; asked once (the WhatsApp profile name only when they
    // did not answer that question).
    if t.estado.nome.is_none() && !t.estado.nome_perguntado {
        t.estado.nome_perguntado = true;
        ag.escolhido = Some(inicio.iso());
        let texto = format!("Perfeito, {}. Para confirmar, qual é o seu nome?", inicio.por_extenso());
        t.estado.agendamento = Some(ag);
        return Resposta::texto(texto);
    }
    let nome = t.estado.nome.clone().or_else(|| t.tools.lead_nome().ok().flatten());
    reservar(fb, t, ag, inicio, nome)
}

fn reservar(
    fb: &Fallback,
    t: &mut Turno<'_>,
    ag: AgendamentoEmCurso,
    inicio: DataHora,
    nome: Option<String>,
) -> Resposta {
    let ocupados = agenda_ocupada(t);
    if let Err(r) = fb.agenda.cabe(inicio, t.agora, &ocupados) {
        let livres = horarios_livres(&fb.agenda, t.agora, &ocupados, &ag.preferencia.clone(), 3);
        return propor(t, ag, livres, &format!("Ops, {} não dá mais: {}. ", inicio.por_extenso(), r.motivo()));
    }
    let novo = NovoAgendamento {
        item_id: ag.item.as_ref().map(|i| i.id),
        data_hora: inicio.iso(),
        duracao_min: fb.agenda.duracao_min,
        tipo: ag.tipo.as_str().to_string(),
        observacao: nome.as_ref().map(|n| format!("Agendado pelo bot para {n}")),
        simultaneas: fb.agenda.simultaneas,
    };
    let args = json!({"data_hora": novo.data_hora, "tipo": novo.tipo, "item_id": novo.item_id, "duracao_min": novo.duracao_min});
    match t.tools.schedule(&novo) {
        Ok(id) => {
            t.explicacao.ferramenta("agendar_visita", args, format!("agendamento {id} criado"));
            t.estado.agendamento = None;
            t.estado.oferta = None;
            let endereco = fb.endereco.as_deref().map(|e| format!("\n📍 {e}")).unwrap_or_default();
            let quem = nome.map(|n| format!(", {n}")).unwrap_or_default();
            Resposta {
                texto: format!(
                    "Pronto{quem}! ✅ Agendei {}{} para {}.{endereco}\nSe precisar remarcar ou cancelar, é só me avisar por aqui.",
                    seu(ag.tipo),
                    do_item(&ag.item),
                    inicio.por_extenso()
                ),
                agendamento: Some(id),
                ..Resposta::default()
            }
        }
        Err(crate::error::Error::Conflict { .. }) => {
            t.explicacao.ferramenta("agendar_visita", args, "horário ocupado");
            let agora_ocupados = agenda_ocupada(t);
            let livres = horarios_livres(&fb.agenda, t.agora, &agora_ocupados, &ag.preferencia.clone(), 3);
            propor(t, ag, livres, "Esse horário acabou de ser ocupado. 😕 ")
        }
        Err(e) => {
            log::warn!("fallback: agendamento não registrado: {e}");
            t.explicacao.ferramenta("agendar_visita", args, format!("erro: {e}"));
            t.estado.agendamento = None;
            super::transferir(fb, t, "agendamento_falhou", "Não consegui registrar o agendamento agora. 😕 Vou chamar um atendente para confirmar o horário com você.")
        }
    }
}

/// The next message while a booking is open: a pick, a name, another day, or a no.
/// `None` when the message is about something else (the booking stays open).
pub(super) fn continuar(fb: &Fallback, e: &Entendimento, texto: &str, t: &mut Turno<'_>) -> Option<Resposta> {
    let ag = t.estado.agendamento.clone()?;
    if let Some(escolhido) = ag.escolhido.as_deref().and_then(DataHora::de_iso) {
        let nome = e.nome.clone().or_else(|| nome_solto(texto).filter(|n| !super::parece_catalogo(n, t)));
        if let Some(n) = &nome {
            t.estado.nome = Some(n.clone());
            super::registrar_nome(t, n);
        }
        if nome.is_some() || e.sinais.afirmacao {
            t.explicacao.intencao = "agendar_confirmar".into();
            let nome = nome.or_else(|| t.tools.lead_nome().ok().flatten());
            return Some(reservar(fb, t, ag, escolhido, nome));
        }
        if e.sinais.negacao || e.sinais.cancelar {
            t.estado.agendamento = None;
            t.explicacao.intencao = "agendar_desistiu".into();
            return Some(Resposta::texto(
                "Tudo bem, não agendei. Se quiser marcar outro dia, é só me falar. 😊".into(),
            ));
        }
        return None;
    }
    let opcoes: Vec<DataHora> = ag.opcoes.iter().filter_map(|o| DataHora::de_iso(o)).collect();
    let ws: Vec<&str> = e.norm.split(' ').collect();
    let indice = match e.referencia {
        Some(Referencia::Ordinal(n)) => Some(n),
        Some(Referencia::Ultimo) => opcoes.len().checked_sub(1),
        _ => match ws.as_slice() {
            [n] | ["o", n] | ["a", n] | ["opcao", n] | [n, "opcao"] => {
                n.parse::<usize>().ok().filter(|n| *n >= 1).map(|n| n - 1)
            }
            _ => None,
        },
    };
    if let Some(i) = indice {
        if let Some(inicio) = opcoes.get(i).copied() {
            t.explicacao.intencao = "agendar_escolha".into();
            return Some(escolher(fb, t, ag, inicio));
        }
    }
    let pref = preferencia(&e.norm, t.agora.data, &fb.agenda.expediente);
    if let Some(inicio) = opcoes.iter().copied().find(|o| {
        pref.hora.is_some_and(|h| h == o.minuto) && pref.data.is_none_or(|d| d == o.data)
            || pref.hora.is_none()
                && pref.data == Some(o.data)
                && opcoes.iter().filter(|x| x.data == o.data).count() == 1
    }) {
        t.explicacao.intencao = "agendar_escolha".into();
        return Some(escolher(fb, t, ag, inicio));
    }
    if !pref.vazia() {
        let mut pref = pref;
        if pref.data.is_none() && pref.dia_semana.is_none() && pref.hora.is_some() {
            pref.data = ag.preferencia.data.or(opcoes.first().map(|o| o.data));
        }
        return Some(oferecer(fb, t, ag, &pref, "agendar_outro_horario"));
    }
    if e.sinais.afirmacao && !opcoes.is_empty() && e.termos.is_empty() {
        t.explicacao.intencao = "agendar_escolha".into();
        return Some(escolher(fb, t, ag, opcoes[0]));
    }
    if e.sinais.remarcar
        || crate::bot::entender::texto::has_any(&e.norm, &["nenhum", "nenhuma", "nao posso", "nao consigo", "nao da"])
    {
        t.explicacao.intencao = "agendar_outro_horario".into();
        return Some(Resposta::texto("Sem problema! Qual dia e horário ficam melhor para você?".into()));
    }
    if e.sinais.negacao || e.sinais.cancelar {
        t.estado.agendamento = None;
        t.explicacao.intencao = "agendar_desistiu".into();
        return Some(Resposta::texto("Tudo bem! Se quiser agendar depois, é só me chamar. 😊".into()));
    }
    None
}

/// Cancels (or moves, with `remarcar`) the customer's next appointment.
pub(super) fn cancelar(fb: &Fallback, e: &Entendimento, t: &mut Turno<'_>) -> Resposta {
    t.explicacao.intencao = if e.sinais.remarcar { "remarcar" } else { "cancelar_agendamento" }.into();
    let proximos = match t.tools.agendamentos_do_cliente() {
        Ok(a) => a,
        Err(err) => {
            log::warn!("fallback: agendamentos do cliente ilegíveis: {err}");
            Vec::new()
        }
    };
    let Some(a) = proximos.first().cloned() else {
        if e.sinais.remarcar {
            return iniciar(fb, e, t, t.estado.foco.clone());
        }
        return Resposta::texto("Não encontrei nenhum agendamento seu em aberto. Quer marcar um horário?".into());
    };
    t.explicacao.ferramenta("cancelar_agendamento", json!({"agendamento_id": a.id}), "cancelado");
    let quando = DataHora::de_iso(&a.data_hora).map_or(a.data_hora.clone(), |d| d.por_extenso());
    match t.tools.cancel_agendamento(a.id) {
        Ok(true) => {}
        Ok(false) | Err(_) => {
            return super::transferir(
                fb,
                t,
                "cancelamento",
                "Não consegui cancelar por aqui. Vou chamar um atendente para te ajudar com isso.",
            );
        }
    }
    if e.sinais.remarcar {
        let item = t.estado.foco.clone();
        let pref = preferencia(&e.norm, t.agora.data, &fb.agenda.expediente);
        let ag =
            AgendamentoEmCurso { tipo: tipo_de(fb, e), item, opcoes: Vec::new(), escolhido: None, preferencia: pref };
        let mut r = oferecer(fb, t, ag, &pref, "remarcar");
        r.texto = format!("Cancelei o horário de {quando}. {}", r.texto);
        return r;
    }
    Resposta::texto(format!("Pronto, cancelei seu horário de {quando}. Se quiser marcar outro dia, é só me avisar. 😊"))
}
