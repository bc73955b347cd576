//! Tests of JID parsing and of the Brazilian 9th-digit canonical form.

use super::*;

#[test]
fn person_jids_give_digits() {
    assert_eq!(de_jid("5531999999999@s.whatsapp.net").as_deref(), Some("5531999999999"));
    assert_eq!(de_jid("553191819932:12@s.whatsapp.net").as_deref(), Some("553191819932"));
    assert_eq!(de_jid("5511988887777@c.us").as_deref(), Some("5511988887777"));
    assert_eq!(de_jid(" 971582091834@s.whatsapp.net ").as_deref(), Some("971582091834"));
}

#[test]
fn other_jids_give_none() {
    for jid in [
        "120363025246125486@g.us",
        "82030184386636@lid",
        "status@broadcast",
        "1234567890@broadcast",
        "120363198765432100@newsletter",
        "",
        "@s.whatsapp.net",
        ":3@s.whatsapp.net",
        "5531999999999",
        "55119********@s.whatsapp.net",
        "+5531999999999@s.whatsapp.net",
        "abc@s.whatsapp.net",
    ] {
        assert_eq!(de_jid(jid), None, "{jid:?}");
    }
}

#[test]
fn mobile_without_nine_gains_it() {
    assert_eq!(canonico("553191819932"), "5531991819932");
    assert_eq!(canonico("5531991819932"), "5531991819932");
    assert_eq!(canonico("551188887777"), "5511988887777");
    assert_eq!(canonico("556196543210"), "5561996543210");
}

#[test]
fn formatting_is_dropped() {
    assert_eq!(canonico("+55 (31) 9 9181-9932"), "5531991819932");
    assert_eq!(canonico("+55 31 9181-9932"), "5531991819932");
    assert_eq!(canonico(""), "");
    assert_eq!(canonico("sem número"), "");
}

#[test]
fn landlines_and_other_countries_stay() {
    // São Paulo landline: 8 digits starting with 3.
    assert_eq!(canonico("551132345678"), "551132345678");
    assert_eq!(canonico("+55 11 2345-6789"), "551123456789");
    assert_eq!(variantes("551132345678"), ["551132345678"]);
    // Not Brazil, even with 12 digits.
    assert_eq!(canonico("971582091834"), "971582091834");
    assert_eq!(canonico("+1 (650) 555-1234"), "16505551234");
    // DDD with a zero is not a DDD.
    assert_eq!(canonico("551091819932"), "551091819932");
    assert_eq!(canonico("550191819932"), "550191819932");
    // Wrong length: left alone.
    assert_eq!(canonico("55319181993"), "55319181993");
}

#[test]
fn both_forms_share_canonical_and_variants() {
    let com = variantes("5531991819932");
    let sem = variantes("553191819932");
    assert_eq!(com, ["5531991819932", "553191819932"]);
    assert_eq!(com, sem);
    assert_eq!(variantes("+55 (31) 9 9181-9932"), com);
    assert_eq!(variantes(&de_jid("553191819932:7@s.whatsapp.net").unwrap()), com);
}

#[test]
fn variants_of_non_mobiles() {
    assert!(variantes("").is_empty());
    assert!(variantes("---").is_empty());
    assert_eq!(variantes("971582091834"), ["971582091834"]);
    // 13 digits with a 9 but a landline-looking rest: no 12-digit twin (it would not map back).
    assert_eq!(variantes("5511923456789"), ["5511923456789"]);
}
