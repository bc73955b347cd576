//! Unit tests of opening hours and free appointment times.

use serde_json::json;

use super::*;

fn dh(s: &str) -> DataHora {
    DataHora::de_iso(s).unwrap()
}

#[test]
fn opening_hours_from_json_and_as_text() {
    let e =
        Expediente::de_json(&json!({"seg": ["08:00", "18:00"], "ter": ["08:00", "18:00"], "qua": ["08:00", "18:00"],
        "qui": ["08:00", "18:00"], "sex": ["08:00", "17:30"], "sab": ["09:00", "13:00"]}))
        .unwrap();
    assert_eq!(e.texto(), "seg a qui, 8h às 18h; sex, 8h às 17h30; sáb, 9h às 13h");
    assert_eq!(Expediente::de_json(&e.para_json()), Some(e));
    assert_eq!(Expediente::default().texto(), "seg a sex, 8h às 18h; sáb, 8h às 12h");
    assert!(Expediente::de_json(&json!({"seg": ["18:00", "08:00"]})).is_none());
    assert!(Expediente::de_json(&json!({"xyz": ["08:00", "18:00"]})).is_none());
    assert!(Expediente::de_json(&json!({})).is_none());
    // 2026-03-14 is a Saturday.
    assert!(e.aberto(dh("2026-03-14 12:59")) && !e.aberto(dh("2026-03-14 13:00")));
    assert!(!e.aberto(dh("2026-03-15 10:00")), "closed on Sunday");
}

#[test]
fn free_times_respect_hours_notice_and_bookings() {
    let agenda = Agenda::default();
    let agora = dh("2026-03-13 15:50"); // Friday
    let livres = horarios_livres(&agenda, agora, &[], &Preferencia::default(), 3);
    // Friday 17:00 is the only hour left that ends by 18:00 and is 60 min ahead; then Saturday, Monday.
    assert_eq!(
        livres.iter().map(|d| d.iso()).collect::<Vec<_>>(),
        ["2026-03-13 17:00", "2026-03-14 08:00", "2026-03-16 08:00"]
    );
    let ocupados = [Ocupado { inicio: dh("2026-03-13 17:00"), duracao_min: 60 }];
    let livres = horarios_livres(&agenda, agora, &ocupados, &Preferencia::default(), 1);
    assert_eq!(livres[0].iso(), "2026-03-14 08:00", "never double-booked");
    assert_eq!(agenda.cabe(dh("2026-03-13 17:00"), agora, &ocupados), Err(Recusa::Ocupado));
    assert_eq!(agenda.cabe(dh("2026-03-15 10:00"), agora, &[]), Err(Recusa::Fechado));
    assert_eq!(agenda.cabe(dh("2026-03-14 11:30"), agora, &[]), Err(Recusa::ForaDoHorario));
    assert_eq!(agenda.cabe(dh("2026-03-13 16:30"), agora, &[]), Err(Recusa::Passado));
    let dois = Agenda { simultaneas: 2, ..agenda };
    assert!(dois.cabe(dh("2026-03-13 17:00"), agora, &ocupados).is_ok());
}

#[test]
fn preferences_narrow_the_offer() {
    let agenda = Agenda::default();
    let agora = dh("2026-03-10 09:00"); // Tuesday
    let sabados = Preferencia { dia_semana: Some(6), ..Preferencia::default() };
    let livres = horarios_livres(&agenda, agora, &[], &sabados, 3);
    assert_eq!(
        livres.iter().map(|d| d.iso()).collect::<Vec<_>>(),
        ["2026-03-14 08:00", "2026-03-21 08:00", "2026-03-28 08:00"]
    );
    let sabado = Preferencia { data: Some(Data { ano: 2026, mes: 3, dia: 14 }), ..Preferencia::default() };
    let livres = horarios_livres(&agenda, agora, &[], &sabado, 3);
    assert_eq!(
        livres.iter().map(|d| d.iso()).collect::<Vec<_>>(),
        ["2026-03-14 08:00", "2026-03-14 09:00", "2026-03-14 11:00"]
    );
    let tarde = Preferencia {
        data: Some(Data { ano: 2026, mes: 3, dia: 11 }),
        periodo: Some(Periodo::Tarde),
        ..Preferencia::default()
    };
    let livres = horarios_livres(&agenda, agora, &[], &tarde, 2);
    assert_eq!(livres.iter().map(|d| d.iso()).collect::<Vec<_>>(), ["2026-03-11 12:00", "2026-03-11 17:00"]);
    let domingo = Preferencia { dia_semana: Some(0), ..Preferencia::default() };
    assert!(horarios_livres(&agenda, agora, &[], &domingo, 3).is_empty());
}
