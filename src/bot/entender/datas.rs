//! When the customer wants to come, from pt-BR text: `hoje`, `amanhã`, `depois de amanhã`,
//! weekdays (`sábado`, `segunda que vem`), `dia 15`, `15/03`, periods (`de manhã`, `à tarde`,
//! `à noite`, `meio-dia`), times (`10h`, `10h30`, `às 14:30`, `às 2 da tarde`) and bounds
//! (`depois das 15h`, `antes das 11`). Read from the normalised text.

use super::texto::{has_any, words};
use crate::bot::agenda::{Data, Expediente, Periodo, Preferencia};

const DIAS: &[(&str, usize)] = &[
    ("domingo", 0),
    ("dom", 0),
    ("segunda", 1),
    ("terca", 2),
    ("ter", 2),
    ("quarta", 3),
    ("qua", 3),
    ("quinta", 4),
    ("qui", 4),
    ("sexta", 5),
    ("sex", 5),
    ("sabado", 6),
    ("sab", 6),
];
const MESES: &[&str] = &[
    "janeiro",
    "fevereiro",
    "marco",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
];

/// A time of day written as `10h`, `10h30`, `10:30`, `14hs`, `9hrs`; minutes.
fn hora_token(w: &str) -> Option<u32> {
    let digits: String = w.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 2 {
        return None;
    }
    let h: u32 = digits.parse().ok()?;
    let rest = &w[digits.len()..];
    let m = match rest {
        "h" | "hs" | "hrs" | "hr" | "" => 0,
        _ => {
            let mm = rest.strip_prefix(':').or_else(|| rest.strip_prefix('h'))?;
            let mm = mm.trim_end_matches("min");
            if mm.len() != 2 {
                return None;
            }
            mm.parse().ok()?
        }
    };
    (h <= 23 && m < 60).then_some(h * 60 + m)
}

/// The customer's preference in `norm` (normalised text), relative to `hoje`.
pub fn preferencia(norm: &str, hoje: Data, expediente: &Expediente) -> Preferencia {
    let ws = words(norm);
    let mut p = Preferencia::default();
    if has_any(norm, &["depois de amanha"]) {
        p.data = Some(hoje.mais(2));
    } else if ws.contains(&"amanha") {
        p.data = Some(hoje.mais(1));
    } else if ws.contains(&"hoje") {
        p.data = Some(hoje);
    }
    let que_vem = has_any(norm, &["que vem", "proxima", "proximo", "semana que vem"]);
    for (i, w) in ws.iter().enumerate() {
        if let Some((_, d)) = DIAS.iter().find(|(n, _)| n == w) {
            // "seg"/"qua"... are weekdays only next to day words, not "qua" in other uses.
            let antes = if i > 0 { ws[i - 1] } else { "" };
            if w.len() <= 3 && !(ws.get(i + 1) == Some(&"feira") || matches!(antes, "na" | "no" | "dia" | "ate" | "de"))
            {
                continue;
            }
            // "a segunda (opção)", "quarta opção": ordinals, not weekdays.
            if antes == "a" || ws.get(i + 1).is_some_and(|n| n.starts_with("opc")) {
                continue;
            }
            let mut delta = (*d as i64 - hoje.dia_semana() as i64).rem_euclid(7);
            if has_any(norm, &["semana que vem", "proxima semana"]) && *d > hoje.dia_semana() {
                delta += 7;
            }
            if que_vem && delta == 0 {
                delta = 7;
            }
            p.data = Some(hoje.mais(delta));
            break;
        }
    }
    // "dia 15", "15/03", "15/03/2026", "15 de marco".
    for (i, w) in ws.iter().enumerate() {
        let numero_dia = |s: &str| s.parse::<u32>().ok().filter(|d| (1..=31).contains(d));
        if let Some((d, resto)) = w.split_once('/') {
            let mut partes = resto.split('/');
            let (Some(dia), Some(mes)) = (numero_dia(d), partes.next().and_then(|m| m.parse::<u32>().ok())) else {
                continue;
            };
            let ano = partes.next().and_then(|a| a.parse::<i32>().ok()).map(|a| if a < 100 { 2000 + a } else { a });
            let mut data = Data { ano: ano.unwrap_or(hoje.ano), mes, dia };
            if ano.is_none() && data.valida() && data < hoje {
                data.ano += 1;
            }
            if data.valida() {
                p.data = Some(data);
            }
        } else if let Some(dia) = numero_dia(w) {
            let depois = ws.get(i + 1).copied();
            let mes = match (depois, ws.get(i + 2)) {
                (Some("de"), Some(m)) => MESES.iter().position(|x| x == m).map(|x| x as u32 + 1),
                _ => None,
            };
            if i > 0 && ws[i - 1] == "dia" || mes.is_some() {
                let mut data = Data { ano: hoje.ano, mes: mes.unwrap_or(hoje.mes), dia };
                if data.valida() && data < hoje {
                    data = if mes.is_some() {
                        Data { ano: data.ano + 1, ..data }
                    } else {
                        let m = Data { ano: hoje.ano, mes: hoje.mes, dia: 1 }.mais(32);
                        Data { ano: m.ano, mes: m.mes, dia }
                    };
                }
                if data.valida() {
                    p.data = Some(data);
                }
            }
        }
    }
    let saudacao = |w: &str| has_any(norm, &[&format!("boa {w}"), &format!("bom {w}")]);
    if ws.contains(&"manha") || ws.contains(&"cedo") && !ws.contains(&"mais") {
        p.periodo = Some(Periodo::Manha);
    } else if ws.contains(&"tarde") && !saudacao("tarde") || has_any(norm, &["a tarde", "de tarde", "pela tarde"]) {
        p.periodo = Some(Periodo::Tarde);
    } else if ws.contains(&"noite") && !saudacao("noite") || has_any(norm, &["a noite", "de noite"]) {
        p.periodo = Some(Periodo::Noite);
    }
    if has_any(norm, &["meio dia", "meiodia", "hora do almoco", "horario de almoco"]) {
        p.hora = Some(12 * 60);
    }
    for (i, w) in ws.iter().enumerate() {
        let antes = if i > 0 { ws[i - 1] } else { "" };
        let antes2 = if i > 1 { ws[i - 2] } else { "" };
        let explicito =
            w.ends_with('h') || w.ends_with("hs") || w.ends_with("hrs") || w.contains(':') || w.contains('h');
        let seguido_de_horas = matches!(ws.get(i + 1), Some(&"horas" | &"hora" | &"h"));
        let marcador = matches!(antes, "as" | "das" | "a" | "pelas" | "apos") || explicito || seguido_de_horas;
        let Some(mut m) = hora_token(w).filter(|_| marcador) else { continue };
        if !explicito && !seguido_de_horas && !matches!(antes, "as" | "das" | "pelas" | "apos") {
            continue;
        }
        let da_tarde = matches!((ws.get(i + 1), ws.get(i + 2)), (Some(&"da"), Some(&"tarde" | &"noite")));
        if da_tarde && m < 12 * 60 {
            m += 12 * 60;
        } else if m < 7 * 60 {
            // "às 2" means 14h when the empresa is open then.
            let tarde = m + 12 * 60;
            if expediente.dias.iter().flatten().any(|(a, b)| tarde >= *a && tarde < *b) {
                m = tarde;
            }
        }
        let depois = matches!(antes, "apos")
            || matches!((antes2, antes), ("depois", "das" | "da") | ("partir", "das") | ("de", "das"));
        let antes_de = matches!((antes2, antes), ("antes", "das" | "da") | ("ate", "as" | "a"));
        if depois {
            p.depois_de = Some(m);
        } else if antes_de {
            p.antes_de = Some(m);
        } else {
            p.hora = Some(m);
        }
        break;
    }
    p
}

/// Whether the text says anything about when (a day, a period or a time).
pub fn fala_de_quando(p: &Preferencia) -> bool {
    !p.vazia()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::entender::texto::normalize;

    fn pref(t: &str) -> Preferencia {
        // 2026-03-10 is a Tuesday.
        preferencia(&normalize(t), Data { ano: 2026, mes: 3, dia: 10 }, &Expediente::default())
    }

    fn d(dia: u32, mes: u32) -> Option<Data> {
        Some(Data { ano: 2026, mes, dia })
    }

    #[test]
    fn days() {
        assert_eq!(pref("pode ser amanhã?").data, d(11, 3));
        assert_eq!(pref("hoje à tarde").data, d(10, 3));
        assert_eq!(pref("depois de amanhã").data, d(12, 3));
        assert_eq!(pref("sábado de manhã").data, d(14, 3));
        assert_eq!(pref("na terça").data, d(10, 3));
        assert_eq!(pref("terça que vem, semana que vem").data, d(17, 3));
        assert_eq!(pref("segunda-feira").data, d(16, 3));
        assert_eq!(pref("dia 20").data, d(20, 3));
        assert_eq!(pref("dia 5").data, d(5, 4), "a day already past is next month's");
        assert_eq!(pref("15/04").data, d(15, 4));
        assert_eq!(pref("dia 2 de abril").data, d(2, 4));
        assert_eq!(pref("quero ver o carro").data, None);
    }

    #[test]
    fn times_and_periods() {
        assert_eq!(pref("às 10h").hora, Some(600));
        assert_eq!(pref("as 14:30").hora, Some(870));
        assert_eq!(pref("10h30").hora, Some(630));
        assert_eq!(pref("às 2 da tarde").hora, Some(840));
        assert_eq!(pref("as 3").hora, Some(900), "15h: the empresa is open then");
        assert_eq!(pref("10 horas").hora, Some(600));
        assert_eq!(pref("depois das 15h").depois_de, Some(900));
        assert_eq!(pref("antes das 11").antes_de, Some(660));
        assert_eq!(pref("meio-dia").hora, Some(720));
        assert_eq!(pref("de manhã").periodo, Some(Periodo::Manha));
        assert_eq!(pref("boa tarde, quero agendar").periodo, None);
        assert_eq!(pref("à tarde").periodo, Some(Periodo::Tarde));
        assert_eq!(pref("tenho 2 filhos").hora, None);
        assert_eq!(pref("apartamento 2 quartos").hora, None);
    }
}
