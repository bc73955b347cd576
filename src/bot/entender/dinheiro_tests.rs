//! Unit tests of the money parser: every form the guard and the understanding must read, and
//! the numbers that are not money.

use super::*;

fn money(t: &str) -> Vec<i64> {
    brl_amounts(t)
}

#[test]
fn every_common_money_form() {
    assert_eq!(money("Sai por R$ 89.900,00 à vista"), vec![8_990_000]);
    assert_eq!(money("R$89900 ou r$ 1,5"), vec![8_990_000, 150]);
    assert_eq!(money("R$ 89.900 e R$ 89900.50"), vec![8_990_000, 8_990_050]);
    assert_eq!(money("até R$ 90 mil."), vec![9_000_000]);
    assert_eq!(money("fica 12.345 reais"), vec![1_234_500]);
    assert_eq!(money("uns 12 mil"), vec![1_200_000]);
    assert_eq!(money("R$12k"), vec![1_200_000]);
    assert_eq!(money("60k"), vec![6_000_000]);
    assert_eq!(money("R$ 1,2 milhão"), vec![120_000_000]);
    assert_eq!(money("meio milhão"), vec![50_000_000]);
    assert_eq!(money("cinquenta mil reais"), vec![5_000_000]);
    assert_eq!(money("duzentos e cinquenta mil"), vec![25_000_000]);
    assert_eq!(money("aluguel de 2.500 por mês"), vec![250_000]);
    assert_eq!(money("R$ 3.800/mês"), vec![380_000]);
    assert_eq!(money("60 conto"), vec![6_000]);
    assert_eq!(money("o valor é 65.900"), vec![6_590_000]);
    assert_eq!(money("por 65900"), vec![6_590_000]);
    assert!(money("sem preço, só R$").is_empty());
}

#[test]
fn numbers_that_are_not_money() {
    for t in [
        "rodou 42.000 km",
        "tem 42 mil km",
        "98 m² de área",
        "98m2",
        "3 quartos e 2 vagas",
        "Corolla 2021 prata",
        "motor 1.0 turbo",
        "óleo 5w-30",
        "código 5U0698151",
        "código 55238303",
        "ligue (11) 98888-7777",
        "visita às 10:30 do dia 15/03",
        "em 12x sem juros",
        "cep 01310-100",
        "dois quartos",
        "um carro",
        "Smart TV 50\" 4K UHD",
    ] {
        assert!(money(t).is_empty(), "{t}: {:?}", quantias(t));
    }
}

#[test]
fn quantities_keep_their_context() {
    let q = quantias("entre 40 e 70 mil");
    assert_eq!(q.len(), 2);
    assert_eq!((q[0].centavos, q[0].sem_multiplicador), (4_000, true));
    assert_eq!((q[1].centavos, q[1].sem_multiplicador), (7_000_000, false));
    assert_eq!(q[0].antes.first().map(String::as_str), Some("entre"));
    assert_eq!(q[1].ini, q[0].fim + 1);
    let q = quantias("apartamento até 2.500 por mês");
    assert!(q[0].mensal && q[0].antes[0] == "ate");
    let q = quantias("até 50 mil km");
    assert_eq!(q[0].unidade.as_deref(), Some("km"));
    assert_eq!(q[0].centavos, 5_000_000);
}

#[test]
fn formats() {
    assert_eq!(format_brl(8_990_000), "R$ 89.900,00");
    assert_eq!(format_brl(5), "R$ 0,05");
    assert_eq!(format_brl(123_456_789), "R$ 1.234.567,89");
    assert_eq!(format_brl(100_000), "R$ 1.000,00");
    assert_eq!(format_brl(-150), "-R$ 1,50");
    assert_eq!(agrupar(42_000), "42.000");
    assert_eq!(agrupar(999), "999");
}
