//! Appointments without I/O: the empresa's opening hours as structured slots
//! ([`Expediente`]), its visit rules ([`Agenda`]: duration, how many at once, minimum notice),
//! and the free times to offer a customer ([`horarios_livres`]): inside opening hours, never
//! in the past, never double-booked, near what the customer asked for.
//! Times are local Brasília time (UTC−3; see [`calendario`]).

pub mod calendario;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use calendario::{Data, DataHora};

/// Opening hours per weekday (0 = domingo), one interval a day, minutes of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expediente {
    pub dias: [Option<(u32, u32)>; 7],
}

const CHAVES_DIAS: [&str; 7] = ["dom", "seg", "ter", "qua", "qui", "sex", "sab"];

impl Default for Expediente {
    /// Mon–Fri 8h–18h, Sat 8h–12h: the templates' default hours.
    fn default() -> Self {
        let semana = Some((8 * 60, 18 * 60));
        Expediente { dias: [None, semana, semana, semana, semana, semana, Some((8 * 60, 12 * 60))] }
    }
}

/// `08:00` → 480.
pub fn minuto_de(hhmm: &str) -> Option<u32> {
    let (h, m) = hhmm.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 1440).then_some(h * 60 + m)
}

/// 480 → `08:00`.
pub fn hhmm(minuto: u32) -> String {
    format!("{:02}:{:02}", minuto / 60, minuto % 60)
}

impl Expediente {
    /// Reads `{"seg": ["08:00", "18:00"], "sab": ["08:00", "12:00"]}` (a missing day is
    /// closed). `None` when the value is not such an object or an interval is invalid.
    pub fn de_json(v: &Value) -> Option<Expediente> {
        let obj = v.as_object()?;
        let mut dias = [None; 7];
        for (k, intervalo) in obj {
            let i = CHAVES_DIAS.iter().position(|d| d == k)?;
            if intervalo.is_null() {
                continue;
            }
            let par = intervalo.as_array()?;
            let (ini, fim) = (minuto_de(par.first()?.as_str()?)?, minuto_de(par.get(1)?.as_str()?)?);
            if ini >= fim {
                return None;
            }
            dias[i] = Some((ini, fim));
        }
        dias.iter().any(Option::is_some).then_some(Expediente { dias })
    }

    /// The JSON form read by [`Expediente::de_json`].
    pub fn para_json(&self) -> Value {
        let mut m = serde_json::Map::new();
        for (i, d) in self.dias.iter().enumerate() {
            if let Some((a, b)) = d {
                m.insert(CHAVES_DIAS[i].into(), serde_json::json!([hhmm(*a), hhmm(*b)]));
            }
        }
        Value::Object(m)
    }

    /// `seg a sex, 8h às 18h; sáb, 8h às 12h` (days with the same hours grouped).
    pub fn texto(&self) -> String {
        let nomes = ["dom", "seg", "ter", "qua", "qui", "sex", "sáb"];
        let ordem = [1, 2, 3, 4, 5, 6, 0];
        let mut grupos: Vec<(usize, usize, (u32, u32))> = Vec::new();
        for (pos, &d) in ordem.iter().enumerate() {
            let Some(h) = self.dias[d] else { continue };
            match grupos.last_mut() {
                Some((_, fim, hh)) if *hh == h && *fim + 1 == pos => *fim = pos,
                _ => grupos.push((pos, pos, h)),
            }
        }
        let partes: Vec<String> = grupos
            .iter()
            .map(|(a, b, (ini, fim))| {
                let (a, b) = (nomes[ordem[*a]], nomes[ordem[*b]]);
                let dias = if a == b { a.to_string() } else { format!("{a} a {b}") };
                format!("{dias}, {} às {}", calendario::hora_texto(*ini), calendario::hora_texto(*fim))
            })
            .collect();
        if partes.is_empty() {
            "sem horário de atendimento cadastrado".to_string()
        } else {
            partes.join("; ")
        }
    }

    /// Whether the empresa is open at `dh`.
    pub fn aberto(&self, dh: DataHora) -> bool {
        self.dias[dh.data.dia_semana()].is_some_and(|(a, b)| dh.minuto >= a && dh.minuto < b)
    }
}

/// The empresa's visit rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agenda {
    pub expediente: Expediente,
    /// How long a visit takes, in minutes.
    pub duracao_min: u32,
    /// Visits that may happen at the same time (salespeople available).
    pub simultaneas: u32,
    /// Minimum notice before a visit, in minutes.
    pub antecedencia_min: u32,
}

impl Default for Agenda {
    fn default() -> Self {
        Agenda { expediente: Expediente::default(), duracao_min: 60, simultaneas: 1, antecedencia_min: 60 }
    }
}

/// A booked visit that takes a place in the agenda.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ocupado {
    pub inicio: DataHora,
    pub duracao_min: u32,
}

/// Part of the day the customer prefers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Periodo {
    Manha,
    Tarde,
    Noite,
}

impl Periodo {
    fn contem(self, minuto: u32) -> bool {
        match self {
            Periodo::Manha => minuto < 12 * 60,
            Periodo::Tarde => (12 * 60..18 * 60).contains(&minuto),
            Periodo::Noite => minuto >= 18 * 60,
        }
    }
}

/// When the customer would like to come (all optional).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferencia {
    pub data: Option<Data>,
    /// 0 = domingo.
    pub dia_semana: Option<usize>,
    pub periodo: Option<Periodo>,
    /// An exact time of day, in minutes.
    pub hora: Option<u32>,
    /// Not before this time of day.
    pub depois_de: Option<u32>,
    /// Not after this time of day.
    pub antes_de: Option<u32>,
}

impl Preferencia {
    /// Whether anything was asked for.
    pub fn vazia(&self) -> bool {
        *self == Preferencia::default()
    }

    fn aceita_dia(&self, d: Data) -> bool {
        self.data.is_none_or(|x| x == d) && self.dia_semana.is_none_or(|w| w == d.dia_semana())
    }

    fn aceita_hora(&self, m: u32) -> bool {
        self.periodo.is_none_or(|p| p.contem(m))
            && self.depois_de.is_none_or(|x| m >= x)
            && self.antes_de.is_none_or(|x| m <= x)
            && self.hora.is_none_or(|h| m == h)
    }
}

/// How many days ahead free times are searched.
pub const HORIZONTE_DIAS: i64 = 21;

impl Agenda {
    fn passo(&self) -> u32 {
        if self.duracao_min <= 30 {
            30
        } else {
            60
        }
    }

    /// Whether a visit at `inicio` fits: open for its whole duration, far enough ahead of
    /// `agora`, and with a free place among `ocupados`.
    pub fn cabe(&self, inicio: DataHora, agora: DataHora, ocupados: &[Ocupado]) -> Result<(), Recusa> {
        let Some((abre, fecha)) = self.expediente.dias[inicio.data.dia_semana()] else {
            return Err(Recusa::Fechado);
        };
        if inicio.minuto < abre || inicio.minuto + self.duracao_min > fecha {
            return Err(Recusa::ForaDoHorario);
        }
        if inicio.minutos() < agora.minutos() + i64::from(self.antecedencia_min) {
            return Err(Recusa::Passado);
        }
        let (a, b) = (inicio.minutos(), inicio.minutos() + i64::from(self.duracao_min));
        let sobrepostos = ocupados
            .iter()
            .filter(|o| o.inicio.minutos() < b && a < o.inicio.minutos() + i64::from(o.duracao_min))
            .count();
        if sobrepostos as u32 >= self.simultaneas.max(1) {
            return Err(Recusa::Ocupado);
        }
        Ok(())
    }
}

/// Why a time cannot be booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recusa {
    Fechado,
    ForaDoHorario,
    Passado,
    Ocupado,
}

impl Recusa {
    /// pt-BR reason.
    pub fn motivo(self) -> &'static str {
        match self {
            Recusa::Fechado => "não abrimos nesse dia",
            Recusa::ForaDoHorario => "fica fora do nosso horário de atendimento",
            Recusa::Passado => "já passou ou está em cima da hora",
            Recusa::Ocupado => "esse horário já está ocupado",
        }
    }
}

/// Up to `max` free times from `agora` on, matching `pref` where possible. With a day asked
/// for, times spread over that day; otherwise the first suitable time of each of the next
/// open days.
pub fn horarios_livres(
    agenda: &Agenda,
    agora: DataHora,
    ocupados: &[Ocupado],
    pref: &Preferencia,
    max: usize,
) -> Vec<DataHora> {
    let mut livres: Vec<Vec<DataHora>> = Vec::new();
    for n in 0..HORIZONTE_DIAS {
        let dia = agora.data.mais(n);
        if !pref.aceita_dia(dia) {
            continue;
        }
        let Some((abre, fecha)) = agenda.expediente.dias[dia.dia_semana()] else { continue };
        let mut do_dia = Vec::new();
        let mut m = abre;
        while m + agenda.duracao_min <= fecha {
            let dh = DataHora { data: dia, minuto: m };
            if pref.aceita_hora(m) && agenda.cabe(dh, agora, ocupados).is_ok() {
                do_dia.push(dh);
            }
            m += agenda.passo();
        }
        if !do_dia.is_empty() {
            livres.push(do_dia);
        }
    }
    let um_dia = pref.data.is_some() || livres.len() == 1;
    let mut out = Vec::new();
    if um_dia {
        if let Some(dia) = livres.first() {
            out = espalhar(dia, max);
        }
    } else {
        for dia in &livres {
            if out.len() >= max {
                break;
            }
            out.push(dia[0]);
        }
    }
    out
}

/// Up to `max` items of `xs` spread over it (first, middle, last...).
fn espalhar(xs: &[DataHora], max: usize) -> Vec<DataHora> {
    if xs.len() <= max || max < 2 {
        return xs.iter().take(max).copied().collect();
    }
    (0..max).map(|i| xs[i * (xs.len() - 1) / (max - 1)]).collect()
}

#[cfg(test)]
#[path = "agenda_tests.rs"]
mod tests;
