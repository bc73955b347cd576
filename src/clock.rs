//! Wall-clock helpers without a date crate: UTC timestamps in SQLite's
//! `YYYY-MM-DD HH:MM:SS` form, a file-name-safe variant for backups, the Brazilian
//! `dd/mm/aaaa hh:mm`, and durations as people say them ("15 min").

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Milliseconds since the Unix epoch, now (debounce, leases, retry times).
pub fn unix_now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// `(year, month, day, hour, minute, second)` in UTC for a Unix timestamp.
fn civil(ts: i64) -> (i64, u32, u32, u32, u32, u32) {
    let secs = ts.rem_euclid(86_400);
    let (y, m, d) = data_de_dias(ts.div_euclid(86_400));
    (y, m, d, (secs / 3600) as u32, (secs % 3600 / 60) as u32, (secs % 60) as u32)
}

/// `(year, month, day)` of the day `days` after 1970-01-01 (Howard Hinnant's
/// days_from_civil inverse).
pub fn data_de_dias(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `YYYY-MM-DD HH:MM:SS` (UTC), the form SQLite's CURRENT_TIMESTAMP uses.
pub fn sqlite_timestamp(ts: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(ts);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// `dd/mm/aaaa` (the Brazilian date form) of a Unix timestamp, in UTC.
pub fn data_br(ts: i64) -> String {
    let (y, mo, d, ..) = civil(ts);
    format!("{d:02}/{mo:02}/{y:04}")
}

/// `dd/mm/aaaa hh:mm` (the Brazilian form) of a Unix timestamp, in UTC (add the offset first).
pub fn data_hora_br(ts: i64) -> String {
    let (y, mo, d, h, mi, _) = civil(ts);
    format!("{d:02}/{mo:02}/{y:04} {h:02}:{mi:02}")
}

/// A duration as people say it, to the nearest minute past one: "45 s", "15 min" (897 s),
/// "1 h 30 min", "12 h", "2 dias" (the panel's `duracao` in ui.js says the same).
pub fn duracao(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        return format!("{s} s");
    }
    let total = (s + 30) / 60;
    let (dias, h, min) = (total / 1440, total % 1440 / 60, total % 60);
    match (dias, h, min) {
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (1, 0, _) => "1 dia".to_owned(),
        (d, 0, _) => format!("{d} dias"),
        (d, h, _) => format!("{d} {} {h} h", if d == 1 { "dia" } else { "dias" }),
    }
}

/// `YYYYMMDDTHHMMSSZ` (UTC), safe in file names and sortable.
pub fn file_timestamp(ts: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(ts);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_as_people_say_them() {
        assert_eq!(duracao(Duration::from_secs(45)), "45 s");
        assert_eq!(duracao(Duration::from_secs(897)), "15 min");
        assert_eq!(duracao(Duration::from_secs(900)), "15 min");
        assert_eq!(duracao(Duration::from_secs(12 * 3600)), "12 h");
        assert_eq!(duracao(Duration::from_secs(5400)), "1 h 30 min");
        assert_eq!(duracao(Duration::from_secs(86_400)), "1 dia");
        assert_eq!(duracao(Duration::from_secs(3 * 86_400 + 7200)), "3 dias 2 h");
    }

    #[test]
    fn known_dates() {
        assert_eq!(sqlite_timestamp(0), "1970-01-01 00:00:00");
        assert_eq!(sqlite_timestamp(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(sqlite_timestamp(1_795_871_045), "2026-11-28 13:04:05");
        assert_eq!(file_timestamp(1_795_871_045), "20261128T130405Z");
        assert_eq!(data_br(1_795_871_045), "28/11/2026");
        assert_eq!(data_hora_br(1_795_871_045), "28/11/2026 13:04");
        for ts in [0, 951_782_400, 1_795_871_045, 1_709_164_800] {
            assert_eq!(unix_de_sqlite(&sqlite_timestamp(ts)), Some(ts), "{ts}");
        }
        assert_eq!(unix_de_sqlite("ontem"), None);
    }
}

/// Validates and normalizes a date (`YYYY-MM-DD`) or a timestamp (`YYYY-MM-DD HH:MM` or
/// `YYYY-MM-DD HH:MM:SS`, a `T` separator also accepted) to `YYYY-MM-DD HH:MM:SS`.
/// `fim_do_dia` fills a date-only input with `23:59:59` instead of `00:00:00` (an "até" bound).
/// Impossible dates (2026-02-30) are refused, not rolled over.
pub fn normalizar_data_hora(texto: &str, fim_do_dia: bool) -> Option<String> {
    let t = texto.trim();
    let (data, hora) = match t.split_once([' ', 'T']) {
        Some((d, h)) => (d, Some(h)),
        None => (t, None),
    };
    let num = |s: &str, len: usize| -> Option<u32> {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
    };
    let mut partes = data.split('-');
    let (y, mo, d) = (num(partes.next()?, 4)?, num(partes.next()?, 2)?, num(partes.next()?, 2)?);
    if partes.next().is_some() || !(1..=12).contains(&mo) || d == 0 || d > dias_no_mes(y, mo) {
        return None;
    }
    let (h, mi, s) = match hora {
        None if fim_do_dia => (23, 59, 59),
        None => (0, 0, 0),
        Some(h) => {
            let mut p = h.split(':');
            let (h, mi) = (num(p.next()?, 2)?, num(p.next()?, 2)?);
            let s = match p.next() {
                Some(s) => num(s, 2)?,
                None => 0,
            };
            if p.next().is_some() || h > 23 || mi > 59 || s > 59 {
                return None;
            }
            (h, mi, s)
        }
    };
    Some(format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"))
}

/// The Unix time (seconds) of a `YYYY-MM-DD HH:MM:SS` UTC timestamp (as
/// [`normalizar_data_hora`] gives), or `None` if it is not one.
pub fn unix_de_sqlite(ts: &str) -> Option<i64> {
    let n = normalizar_data_hora(ts, false)?;
    let num = |a: usize, b: usize| n.get(a..b)?.parse::<i64>().ok();
    let (y, m, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (h, mi, s) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let dias = era * 146_097 + doe - 719_468;
    Some(dias * 86_400 + h * 3600 + mi * 60 + s)
}

fn dias_no_mes(y: u32, m: u32) -> u32 {
    match m {
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod normalizar_tests {
    use super::normalizar_data_hora as n;

    #[test]
    fn dates_and_times() {
        assert_eq!(n("2026-12-05", false).as_deref(), Some("2026-12-05 00:00:00"));
        assert_eq!(n("2026-12-05", true).as_deref(), Some("2026-12-05 23:59:59"));
        assert_eq!(n("2026-12-05 10:30", true).as_deref(), Some("2026-12-05 10:30:00"));
        assert_eq!(n("2024-02-29T01:02:03", false).as_deref(), Some("2024-02-29 01:02:03"));
        for bad in ["", "now", "2026-02-29", "2026-13-01", "2026-1-01", "2026-01-01 24:00", "2026-01-01x", "2461000"] {
            assert_eq!(n(bad, false), None, "{bad}");
        }
        for ts in [0, 951_782_400, 1_795_871_045, 4_102_444_799] {
            assert_eq!(super::unix_de_sqlite(&super::sqlite_timestamp(ts)), Some(ts));
        }
        assert_eq!(super::unix_de_sqlite("2026-02-30 00:00:00"), None);
    }
}
