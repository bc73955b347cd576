//! Unit tests of the whole understanding: typos, abbreviations, category words, references.

use super::*;
use crate::bot::fake_tools::item;

fn vocab() -> Vocabulario {
    let civic = item(1, "Honda Civic EXL 2019", 11_250_000);
    let hb20 = item(2, "Hyundai HB20 Comfort 2021", 6_790_000);
    let tcross = item(3, "Volkswagen T-Cross 2021", 11_790_000);
    Vocabulario::construir([&civic, &hb20, &tcross])
}

fn palavras(e: &Entendimento) -> Vec<&str> {
    e.termos.iter().map(|t| t.palavra.as_str()).collect()
}

#[test]
fn typos_abbreviations_and_all_caps() {
    let v = vocab();
    let e = entender(Setor::Veiculos, "VC TEM CIIVIC AUTOMATICO??", &v);
    assert_eq!(palavras(&e), ["civic"]);
    assert_eq!(e.filtros.cambio.as_deref(), Some("automatico"));
    assert_eq!(e.correcoes, [("ciivic".to_string(), "civic".to_string())]);
    let e = entender(Setor::Veiculos, "qto ta o hb 20?", &v);
    assert_eq!(palavras(&e), ["hb20"]);
    assert!(pergunta_preco(&e.norm));
    let e = entender(Setor::Veiculos, "tem t cross?", &v);
    assert_eq!(palavras(&e), ["tcross"]);
    // A year range is a filter: neither year is left as a word to search.
    let e = entender(Setor::Veiculos, "Quais carros vocês têm de 2019 a 2021?", &v);
    assert!(palavras(&e).is_empty(), "{:?}", palavras(&e));
    assert_eq!((e.filtros.ano_min, e.filtros.ano_max), (Some(2019), Some(2021)));
}

#[test]
fn category_and_filler_words_never_become_terms() {
    let v = vocab();
    let e = entender(Setor::Veiculos, "oi moço, tem algum carro seminovo até 70 mil pra mim?", &v);
    assert!(e.termos.is_empty(), "{:?}", palavras(&e));
    assert_eq!(e.filtros.preco_max, Some(7_000_000));
    let e = entender(Setor::Autopecas, "qual o preço da peça código 5U0-698-151?", &v);
    assert!(!palavras(&e).contains(&"peca") && !palavras(&e).contains(&"codigo"), "{:?}", palavras(&e));
}

#[test]
fn references_and_continuations() {
    let v = vocab();
    assert_eq!(entender(Setor::Veiculos, "o segundo", &v).referencia, Some(Referencia::Ordinal(1)));
    assert_eq!(entender(Setor::Veiculos, "quero esse", &v).referencia, Some(Referencia::Demonstrativo));
    assert_eq!(entender(Setor::Veiculos, "pode ser na segunda", &v).referencia, None);
    assert_eq!(entender(Setor::Imoveis, "apartamento 2 quartos", &v).referencia, None);
    let e = entender(Setor::Veiculos, "e o preto?", &v);
    assert!(e.continuacao && e.termos.iter().all(|t| t.qualificador));
}

#[test]
fn model_numbers_are_terms_and_amounts_are_not() {
    let v =
        Vocabulario::construir([&item(1, "Peugeot 208 Allure 1.6 2021", 7_990_000), &item(2, "Fiat Mobi", 4_990_000)]);
    assert_eq!(palavras(&entender(Setor::Veiculos, "tem o 208?", &v)), ["208"]);
    let e = entender(Setor::Veiculos, "tem algo ate 208 mil?", &v);
    assert!(e.termos.is_empty() && e.filtros.preco_max == Some(20_800_000));
}

#[test]
fn held_out_phrasings() {
    let v = vocab();
    // A written-out budget is a filter, its words no search.
    let e = entender(Setor::Veiculos, "quero um carro ate sessenta mil", &v);
    assert!(e.termos.is_empty(), "{:?}", palavras(&e));
    assert_eq!(e.filtros.preco_max, Some(6_000_000));
    // "pra vender", "em qtas vezes": fillers and abbreviations.
    assert_eq!(palavras(&entender(Setor::Veiculos, "vcs tem hb20 pra vender?", &v)), ["hb20"]);
    assert!(entender(Setor::Veiculos, "financia? em qtas vezes", &v).termos.is_empty());
    // Where the business is, however it is called.
    for q in ["onde fica o salao?", "onde vcs ficam?", "onde fica a loja de voces", "onde é?"] {
        assert!(entender(Setor::Servicos, q, &v).sinais.endereco, "{q}");
    }
    assert!(!entender(Setor::Imoveis, "onde fica o apartamento do batel?", &v).sinais.endereco);
    // Trade-in however it is put; "baratinho" is an order, not a word to find.
    assert!(entender(Setor::Veiculos, "vcs aceitam carro como parte do pagamento?", &v).sinais.troca);
    assert!(!entender(Setor::Veiculos, "quanto de entrada pro carro?", &v).sinais.troca);
    let e = entender(Setor::Veiculos, "to procurando um carro automatico baratinho", &v);
    assert!(e.termos.is_empty() && e.ordem == Some(Ordem::MenorPreco), "{:?}", palavras(&e));
    // A part code stored with spaces is one word of the catalog.
    let mut sonda = item(9, "Sonda lambda Bosch", 29_800);
    sonda.atributos.insert("codigo_oem".into(), "0 258 006 537".into());
    let v = Vocabulario::construir([&sonda]);
    assert_eq!(palavras(&entender(Setor::Autopecas, "0258006537 vcs tem?", &v)), ["0258006537"]);
}
