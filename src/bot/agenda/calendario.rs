//! Local calendar arithmetic for appointments, without a date crate: civil dates, weekdays
//! and minutes of the day in Brasília time. Brazil has had no daylight saving time since
//! 2019, so America/Sao_Paulo is UTC−3 all year and a fixed offset is exact.

use std::fmt;

/// Brasília's offset from UTC, in seconds (America/Sao_Paulo, no DST since 2019).
pub const FUSO_BRASILIA_S: i64 = -3 * 3600;

/// A civil date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct Data {
    pub ano: i32,
    pub mes: u32,
    pub dia: u32,
}

/// A local date and time (minute precision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DataHora {
    pub data: Data,
    /// Minutes since local midnight.
    pub minuto: u32,
}

const DIAS_SEMANA: [&str; 7] = ["domingo", "segunda", "terça", "quarta", "quinta", "sexta", "sábado"];
const DIAS_SEMANA_CURTO: [&str; 7] = ["dom", "seg", "ter", "qua", "qui", "sex", "sáb"];

impl Data {
    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    pub fn dias(self) -> i64 {
        let y = i64::from(self.ano) - i64::from(self.mes <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.mes);
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(self.dia) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `dias` days after 1970-01-01.
    pub fn de_dias(dias: i64) -> Data {
        let (ano, mes, dia) = crate::clock::data_de_dias(dias);
        Data { ano: ano as i32, mes, dia }
    }

    /// 0 = domingo … 6 = sábado.
    pub fn dia_semana(self) -> usize {
        (self.dias() + 4).rem_euclid(7) as usize
    }

    /// The date `n` days later (earlier when negative).
    pub fn mais(self, n: i64) -> Data {
        Data::de_dias(self.dias() + n)
    }

    /// Whether this is a real date (no 30 February).
    pub fn valida(self) -> bool {
        (1..=12).contains(&self.mes) && self.dia >= 1 && Data::de_dias(self.dias()) == self
    }

    /// `YYYY-MM-DD`.
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.ano, self.mes, self.dia)
    }

    /// Parses `YYYY-MM-DD`.
    pub fn de_iso(s: &str) -> Option<Data> {
        let mut p = s.trim().split('-');
        let ano = p.next()?.parse().ok()?;
        let mes = p.next()?.parse().ok()?;
        let dia = p.next()?.parse().ok()?;
        let d = Data { ano, mes, dia };
        (p.next().is_none() && d.valida()).then_some(d)
    }

    /// `sábado, 15/03`.
    pub fn por_extenso(self) -> String {
        format!("{}, {:02}/{:02}", DIAS_SEMANA[self.dia_semana()], self.dia, self.mes)
    }

    /// `sábado, 15/03/2026`.
    pub fn completa(self) -> String {
        format!("{}, {:02}/{:02}/{}", DIAS_SEMANA[self.dia_semana()], self.dia, self.mes, self.ano)
    }

    /// `sáb 15/03`.
    pub fn curta(self) -> String {
        format!("{} {:02}/{:02}", DIAS_SEMANA_CURTO[self.dia_semana()], self.dia, self.mes)
    }
}

impl DataHora {
    /// Local Brasília time of a Unix timestamp.
    pub fn de_unix(ts: i64) -> DataHora {
        let local = ts + FUSO_BRASILIA_S;
        DataHora { data: Data::de_dias(local.div_euclid(86_400)), minuto: (local.rem_euclid(86_400) / 60) as u32 }
    }

    /// Minutes since 1970-01-01 00:00 local (for overlaps and ordering).
    pub fn minutos(self) -> i64 {
        self.data.dias() * 1440 + i64::from(self.minuto)
    }

    /// `YYYY-MM-DD HH:MM`, the form agendamentos are stored in (local time).
    pub fn iso(self) -> String {
        format!("{} {:02}:{:02}", self.data.iso(), self.minuto / 60, self.minuto % 60)
    }

    /// Parses `YYYY-MM-DD HH:MM` (or with `T`, seconds ignored).
    pub fn de_iso(s: &str) -> Option<DataHora> {
        let (d, h) = s.trim().split_once([' ', 'T'])?;
        let data = Data::de_iso(d)?;
        let mut p = h.split(':');
        let hh: u32 = p.next()?.parse().ok()?;
        let mm: u32 = p.next()?.get(..2)?.parse().ok()?;
        (hh < 24 && mm < 60).then_some(DataHora { data, minuto: hh * 60 + mm })
    }

    /// `sábado, 15/03, às 10h` / `às 10h30`.
    pub fn por_extenso(self) -> String {
        format!("{}, às {}", self.data.por_extenso(), hora_texto(self.minuto))
    }
}

/// `10h`, `10h30`.
pub fn hora_texto(minuto: u32) -> String {
    match minuto % 60 {
        0 => format!("{}h", minuto / 60),
        m => format!("{}h{m:02}", minuto / 60),
    }
}

/// The name of a weekday (0 = domingo).
pub fn nome_dia(dia: usize) -> &'static str {
    DIAS_SEMANA[dia % 7]
}

impl fmt::Display for DataHora {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_and_weekdays() {
        let d = Data { ano: 2026, mes: 3, dia: 14 };
        assert_eq!(Data::de_dias(d.dias()), d);
        assert_eq!(d.dia_semana(), 6, "14/03/2026 is a Saturday");
        assert_eq!(d.mais(2).por_extenso(), "segunda, 16/03");
        assert_eq!(Data { ano: 2024, mes: 2, dia: 28 }.mais(1), Data { ano: 2024, mes: 2, dia: 29 });
        assert!(!Data { ano: 2026, mes: 2, dia: 29 }.valida());
        assert_eq!(Data::de_iso("2026-12-31").map(Data::iso).as_deref(), Some("2026-12-31"));
        assert_eq!(Data::de_iso("2026-02-30"), None);
    }

    #[test]
    fn brasilia_is_utc_minus_three() {
        // 2026-03-14 02:30 UTC is 2026-03-13 23:30 in Brasília.
        let ts = Data { ano: 2026, mes: 3, dia: 14 }.dias() * 86_400 + 2 * 3600 + 30 * 60;
        let local = DataHora::de_unix(ts);
        assert_eq!(local.iso(), "2026-03-13 23:30");
        assert_eq!(DataHora::de_iso("2026-03-13 23:30"), Some(local));
        assert_eq!(
            DataHora::de_iso("2026-03-13T09:05:00").map(|d| d.por_extenso()).as_deref(),
            Some("sexta, 13/03, às 9h05")
        );
        assert_eq!(DataHora::de_iso("2026-03-13 24:00"), None);
    }
}
