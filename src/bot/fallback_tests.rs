//! Unit tests of the fallback engine and its text helpers.

use super::*;
use crate::bot::fake_tools::FakeTools;

fn engine() -> Fallback {
    Fallback {
        empresa: "Auto Center Sul".into(),
        horario: "seg-sex 8h-18h".into(),
        saudacao: "Olá! Aqui é a assistente virtual da Auto Center Sul.".into(),
        palavras_transferencia: vec!["atendente".into(), "humano".into(), "falar com alguem".into()],
    }
}

#[test]
fn normalize_folds_accents_case_and_punctuation() {
    assert_eq!(normalize("Ônibus Câmbio"), "onibus cambio");
    assert_eq!(normalize("  Quanto  custa a HÍLUX?? "), "quanto custa a hilux");
    assert_eq!(normalize("vc tem óleo 5w-30 por R$ 1.234,50?"), "voce tem oleo 5w 30 por r 1.234,50");
    assert_eq!(normalize("AÇÃO, pão; Ñ"), "acao pao n");
}

#[test]
fn format_brl_groups_thousands() {
    assert_eq!(format_brl(8_990_000), "R$ 89.900,00");
    assert_eq!(format_brl(5), "R$ 0,05");
    assert_eq!(format_brl(123_456_789), "R$ 1.234.567,89");
    assert_eq!(format_brl(100_000), "R$ 1.000,00");
    assert_eq!(format_brl(-150), "-R$ 1,50");
}

#[test]
fn brl_amounts_parse_common_forms() {
    assert_eq!(brl_amounts("Sai por R$ 89.900,00 à vista"), vec![8_990_000]);
    assert_eq!(brl_amounts("R$89900 ou r$ 1,5"), vec![8_990_000, 150]);
    assert_eq!(brl_amounts("R$ 89.900 e R$ 89900.50"), vec![8_990_000, 8_990_050]);
    assert_eq!(brl_amounts("até R$ 90 mil."), vec![9_000_000]);
    assert!(brl_amounts("sem preço, só R$").is_empty());
}

#[test]
fn price_question_answers_the_real_price() {
    let tools = FakeTools::veiculos();
    let a = engine().answer("Quanto custa a Hilux?", &tools);
    assert!(a.texto.contains("Toyota Hilux SRV 2020"), "{}", a.texto);
    assert!(a.texto.contains("R$ 189.900,00"), "{}", a.texto);
    assert!(!a.texto.contains("Onix"));
    assert!(!a.handoff);
    assert_eq!(tools.queries.borrow()[0].texto.as_deref(), Some("hilux"));
}

#[test]
fn unknown_item_never_gets_a_price() {
    let tools = FakeTools::veiculos();
    for q in ["quanto custa o Corolla?", "vocês têm Civic 2019?", "qual o valor do Fusca", "preço da Ferrari"] {
        let a = engine().answer(q, &tools);
        assert!(!a.texto.contains("R$"), "{q}: {}", a.texto);
        assert!(a.texto.contains("Não encontrei"), "{q}: {}", a.texto);
        assert!(a.texto.contains("atendente"), "{q}: {}", a.texto);
    }
}

#[test]
fn accents_and_case_match_the_catalog() {
    let tools = FakeTools::veiculos();
    for q in ["tem Hílux?", "HILUX preço", "hilux", "quanto tá a hîlux"] {
        let a = engine().answer(q, &tools);
        assert!(a.texto.contains("R$ 189.900,00"), "{q}: {}", a.texto);
    }
}

#[test]
fn greeting_hours_handoff_and_help() {
    let tools = FakeTools::veiculos();
    let e = engine();
    assert_eq!(e.answer("Bom dia!", &tools).texto, e.saudacao);
    assert!(e.answer("qual o horário de vcs?", &tools).texto.contains("seg-sex 8h-18h"));
    let h = e.answer("quero falar com um ATENDENTE", &tools);
    assert!(h.handoff);
    assert_eq!(tools.handoffs.borrow().len(), 1);
    assert!(e.wants_human("posso falar com alguém?"));
    assert!(!e.wants_human("quanto custa a hilux"));
    let help = e.answer("???", &tools);
    assert!(help.texto.contains("não entendi") && !help.texto.contains("R$ "));
}
