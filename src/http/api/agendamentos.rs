//! `/api/agendamentos`: the empresa's appointments (visits, test drives, services) booked by
//! the bot or the staff — list by period, conversa or lead, create, edit, cancel, mark as
//! done; the free times of a day; and the alert of bookings the staff has not seen yet.
//! Times are the empresa's local time (Brasília, UTC−3) as `YYYY-MM-DD HH:MM`.

use serde::{Deserialize, Serialize};

use super::campos::presente;
use crate::auth::TenantCtx;
use crate::bot::agenda::{horarios_livres, Agenda, Data, DataHora, Ocupado, Preferencia};
use crate::domain::{ConversaId, ItemId, LeadId};
use crate::error::{Error, Result};
use crate::http::{Request, Response};
use crate::pipeline::resposta::empresa_bot;
use crate::store::tenant::agendamentos::{
    Agendamento, AgendamentoAlteracao, FiltroAgendamentos, NovoAgendamento, AGENDAMENTO_STATUS, AGENDAMENTO_TIPOS,
};

fn agenda(ctx: &TenantCtx) -> Agenda {
    empresa_bot(ctx.empresa(), None).agenda()
}

fn agora() -> DataHora {
    DataHora::de_unix(crate::clock::unix_now())
}

#[derive(Serialize)]
struct Lista {
    itens: Vec<Agendamento>,
    /// Bookings the staff has not seen yet.
    novos: i64,
    /// Active appointments today.
    hoje: i64,
}

fn data_param(req: &Request, k: &str) -> Result<Option<String>> {
    match req.query(k).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Data::de_iso(s)
            .map(|d| Some(d.iso()))
            .ok_or_else(|| Error::invalid("data_invalida", format!("{k} deve ser uma data AAAA-MM-DD"))),
    }
}

fn id_param<T: std::str::FromStr>(req: &Request, k: &str) -> Result<Option<T>> {
    match req.query(k).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => {
            s.parse().map(Some).map_err(|_| Error::invalid("filtro_invalido", format!("{k} deve ser um número")))
        }
    }
}

/// `GET /api/agendamentos?de=&ate=&status=&conversa_id=&lead_id=&limite=` (admin, atendente).
pub fn listar(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let status = req.query("status").filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(s) = &status {
        status_valido(s)?;
    }
    let limite = match req.query("limite") {
        Some(l) => l.parse().map_err(|_| Error::invalid("limite_invalido", "limite deve ser um número de 1 a 500"))?,
        None => 200,
    };
    let f = FiltroAgendamentos {
        de: data_param(req, "de")?,
        ate: data_param(req, "ate")?,
        status,
        lead_id: id_param::<i64>(req, "lead_id")?.map(LeadId),
        conversa_id: id_param::<i64>(req, "conversa_id")?.map(ConversaId),
        limite,
    };
    let itens = ctx.db().agendamentos_listar(&f)?;
    let (novos, hoje) = ctx.db().agendamentos_resumo(&agora().data.iso())?;
    Ok(Response::ok(&Lista { itens, novos, hoje }))
}

/// `GET /api/agendamentos/resumo` (admin, atendente): `{novos, hoje}` for the menu alert.
pub fn resumo(ctx: &TenantCtx) -> Result<Response> {
    let (novos, hoje) = ctx.db().agendamentos_resumo(&agora().data.iso())?;
    Ok(Response::ok(&serde_json::json!({ "novos": novos, "hoje": hoje })))
}

/// `POST /api/agendamentos/vistos` (admin, atendente): the staff saw the new bookings.
pub fn vistos(ctx: &TenantCtx) -> Result<Response> {
    let n = ctx.db().agendamentos_marcar_vistos()?;
    Ok(Response::ok(&serde_json::json!({ "marcados": n })))
}

/// `GET /api/agendamentos/horarios?data=AAAA-MM-DD` (admin, atendente): free times of a day
/// under the empresa's hours, length and places (`data` absent: the next free times).
pub fn horarios(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let data = data_param(req, "data")?.and_then(|d| Data::de_iso(&d));
    let agenda = agenda(ctx);
    let agora = agora();
    let ocupados: Vec<Ocupado> = ctx
        .db()
        .agendamentos_ocupados(&agora.data.iso(), &agora.data.mais(crate::bot::agenda::HORIZONTE_DIAS).iso())?
        .into_iter()
        .filter_map(|(i, d)| DataHora::de_iso(&i).map(|inicio| Ocupado { inicio, duracao_min: d }))
        .collect();
    let pref = Preferencia { data, ..Preferencia::default() };
    let livres = horarios_livres(&agenda, agora, &ocupados, &pref, if data.is_some() { 48 } else { 6 });
    Ok(Response::ok(&serde_json::json!({
        "horarios": livres.iter().map(|d| d.iso()).collect::<Vec<_>>(),
        "duracao_min": agenda.duracao_min,
        "expediente": agenda.expediente.texto(),
    })))
}

fn status_valido(s: &str) -> Result<()> {
    if AGENDAMENTO_STATUS.contains(&s) {
        Ok(())
    } else {
        Err(Error::invalid(
            "status_invalido",
            format!("status desconhecido: {s:?} (use {})", AGENDAMENTO_STATUS.join(", ")),
        ))
    }
}

fn tipo_valido(s: &str) -> Result<()> {
    if AGENDAMENTO_TIPOS.contains(&s) {
        Ok(())
    } else {
        Err(Error::invalid("tipo_invalido", format!("tipo desconhecido: {s:?} (use {})", AGENDAMENTO_TIPOS.join(", "))))
    }
}

fn data_hora_valida(s: &str) -> Result<String> {
    DataHora::de_iso(s).map(|d| d.iso()).ok_or_else(|| {
        Error::invalid("data_hora_invalida", "data_hora deve ser AAAA-MM-DD HH:MM (horário de Brasília)")
    })
}

fn texto_limite(v: Option<&str>, campo: &str, max: usize) -> Result<Option<String>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) if s.chars().count() > max => {
            Err(Error::invalid("campo_invalido", format!("{campo}: até {max} caracteres")))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

fn duracao_valida(d: u32) -> Result<u32> {
    if (5..=1440).contains(&d) {
        Ok(d)
    } else {
        Err(Error::invalid("campo_invalido", "duracao_min: entre 5 e 1440 minutos"))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Novo {
    data_hora: String,
    #[serde(default)]
    duracao_min: Option<u32>,
    #[serde(default)]
    tipo: Option<String>,
    #[serde(default)]
    item_id: Option<ItemId>,
    #[serde(default)]
    lead_id: Option<LeadId>,
    #[serde(default)]
    cliente_nome: Option<String>,
    #[serde(default)]
    observacao: Option<String>,
}

/// `POST /api/agendamentos` (admin, atendente): 201 with the appointment; 409
/// `horario_ocupado` when that time is full.
pub fn criar(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let b: Novo = req.json()?;
    let data_hora = data_hora_valida(&b.data_hora)?;
    let tipo = b.tipo.unwrap_or_else(|| "visita".into());
    tipo_valido(&tipo)?;
    let agenda = agenda(ctx);
    let duracao = duracao_valida(b.duracao_min.unwrap_or(agenda.duracao_min))?;
    if let Some(l) = b.lead_id {
        ctx.db().lead(l)?.ok_or_else(|| Error::invalid("lead_invalido", "lead_id não é um lead desta empresa"))?;
    }
    if let Some(i) = b.item_id {
        ctx.db()
            .catalogo_item(i)?
            .ok_or_else(|| Error::invalid("item_invalido", "item_id não é um item do catálogo"))?;
    }
    let cliente_nome = texto_limite(b.cliente_nome.as_deref(), "cliente_nome", 120)?;
    if b.lead_id.is_none() && cliente_nome.is_none() {
        return Err(Error::invalid("cliente_obrigatorio", "informe o lead ou o nome do cliente"));
    }
    let observacao = texto_limite(b.observacao.as_deref(), "observacao", 1000)?;
    let conversa = match b.lead_id {
        Some(l) => ctx.db().inbox_conversa_do_lead(l)?,
        None => None,
    };
    let id = ctx.db().agendamento_criar(&NovoAgendamento {
        lead_id: b.lead_id,
        conversa_id: conversa,
        item_id: b.item_id,
        data_hora: &data_hora,
        duracao_min: duracao,
        tipo: &tipo,
        observacao: observacao.as_deref(),
        cliente_nome: cliente_nome.as_deref(),
        origem: "painel",
        simultaneas: agenda.simultaneas,
    })?;
    let a = ctx.db().agendamento(id)?.ok_or(Error::NotFound("agendamento"))?;
    Ok(Response::json(201, &a))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Patch {
    #[serde(default)]
    data_hora: Option<String>,
    #[serde(default)]
    duracao_min: Option<u32>,
    #[serde(default)]
    tipo: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default, deserialize_with = "presente")]
    item_id: Option<Option<ItemId>>,
    #[serde(default, deserialize_with = "presente")]
    observacao: Option<Option<String>>,
    #[serde(default, deserialize_with = "presente")]
    cliente_nome: Option<Option<String>>,
}

/// `PATCH /api/agendamentos/{id}` (admin, atendente): move, change, confirm, cancel or mark
/// as done (`status`); 409 `horario_ocupado` when the new time is full.
pub fn alterar(ctx: &TenantCtx, req: &Request, id: &str) -> Result<Response> {
    let id: i64 = id.parse().map_err(|_| Error::NotFound("agendamento"))?;
    let b: Patch = req.json()?;
    if let Some(s) = &b.status {
        status_valido(s)?;
    }
    if let Some(t) = &b.tipo {
        tipo_valido(t)?;
    }
    if let Some(Some(i)) = b.item_id {
        ctx.db()
            .catalogo_item(i)?
            .ok_or_else(|| Error::invalid("item_invalido", "item_id não é um item do catálogo"))?;
    }
    let alteracao = AgendamentoAlteracao {
        data_hora: b.data_hora.as_deref().map(data_hora_valida).transpose()?,
        duracao_min: b.duracao_min.map(duracao_valida).transpose()?,
        tipo: b.tipo,
        status: b.status,
        item_id: b.item_id,
        observacao: b.observacao.map(|o| texto_limite(o.as_deref(), "observacao", 1000)).transpose()?,
        cliente_nome: b.cliente_nome.map(|o| texto_limite(o.as_deref(), "cliente_nome", 120)).transpose()?,
    };
    let a = ctx.db().agendamento_alterar(id, &alteracao, agenda(ctx).simultaneas)?;
    Ok(Response::ok(&a))
}
