//! Unit tests of filter extraction: price limits in every form, years, km, imóveis fields.

use super::*;
use crate::bot::entender::texto::normalize;
use crate::bot::fake_tools::item;

fn carros() -> Vocabulario {
    let mut a = item(1, "Fiat Mobi Like 1.0 2020", 4_990_000);
    a.atributos.insert("cambio".into(), "manual".into());
    let b = item(2, "Peugeot 208 Allure 2021", 7_990_000);
    let c = item(3, "Toyota Hilux SRV 2020", 21_490_000);
    Vocabulario::construir([&a, &b, &c])
}

fn imoveis() -> Vocabulario {
    let mut a = item(1, "Apartamento 2 quartos Vila Mariana", 380_000);
    a.atributos.insert("bairro".into(), "Vila Mariana".into());
    a.atributos.insert("tipo".into(), "Apartamento".into());
    let mut b = item(2, "Casa 3 quartos Moema", 125_000_000);
    b.atributos.insert("bairro".into(), "Moema".into());
    b.atributos.insert("tipo".into(), "Casa".into());
    Vocabulario::construir([&a, &b])
}

fn f(setor: Setor, v: &Vocabulario, t: &str) -> Filtros {
    extrair(setor, t, &normalize(t), v).filtros
}

#[test]
fn price_limits_in_every_form() {
    let v = carros();
    let c = |t: &str| f(Setor::Veiculos, &v, t);
    assert_eq!(c("tem carro até 60 mil?").preco_max, Some(6_000_000));
    let r = c("entre 40 e 70 mil");
    assert_eq!((r.preco_min, r.preco_max), (Some(4_000_000), Some(7_000_000)));
    assert_eq!(c("abaixo de 100k").preco_max, Some(10_000_000));
    assert_eq!(c("a partir de R$ 80 mil").preco_min, Some(8_000_000));
    assert_eq!(c("tem algum até 60?").preco_max, Some(6_000_000), "60 in a car shop is 60 mil");
    let r = c("uns 50 mil");
    assert_eq!((r.preco_max, r.preco_alvo), (Some(5_500_000), Some(5_000_000)));
    assert_eq!(c("no máximo R$ 75.000,00").preco_max, Some(7_500_000));
    assert_eq!(c("de 300 a 500 mil").preco_max, Some(50_000_000));
    assert!(!c("tem o 208?").tem_preco(), "208 is a model here");
    assert!(!c("quero 2").tem_preco());
}

#[test]
fn years_km_gearbox() {
    let v = carros();
    let c = |t: &str| f(Setor::Veiculos, &v, t);
    let r = c("hilux 2020");
    assert_eq!((r.ano_min, r.ano_max), (Some(2020), Some(2020)));
    let r = c("a partir de 2018");
    assert_eq!((r.ano_min, r.ano_max), (Some(2018), None));
    let r = c("2019 pra cima até 90 mil");
    assert_eq!((r.ano_min, r.ano_max, r.preco_max), (Some(2019), None, Some(9_000_000)));
    let r = c("entre 2015 e 2018");
    assert_eq!((r.ano_min, r.ano_max), (Some(2015), Some(2018)));
    assert_eq!(c("com menos de 50 mil km").km_max, Some(50_000));
    assert_eq!(c("até 80.000 km").km_max, Some(80_000));
    assert!(!c("até 80.000 km").tem_preco());
    assert_eq!(c("onix automatico").cambio.as_deref(), Some("automatico"));
    assert_eq!(c("um diesel").combustivel.as_deref(), Some("diesel"));
}

#[test]
fn imoveis_fields() {
    let v = imoveis();
    let i = |t: &str| f(Setor::Imoveis, &v, t);
    let r = i("apto 2 qtos na vila mariana pra alugar até 2.500 por mês");
    assert_eq!(r.tipo.as_deref(), Some("apartamento"));
    assert_eq!(r.quartos_min, Some(2));
    assert_eq!(r.bairros, ["Vila Mariana"]);
    assert_eq!(r.finalidade.as_deref(), Some("aluguel"));
    assert_eq!(r.preco_max, Some(250_000));
    let r = i("quero comprar uma casa com 3 quartos e garagem até R$ 1,3 milhão");
    assert_eq!((r.finalidade.as_deref(), r.tipo.as_deref()), (Some("venda"), Some("casa")));
    assert_eq!((r.quartos_min, r.vagas_min, r.preco_max), (Some(3), Some(1), Some(130_000_000)));
    assert_eq!(i("locação de dois dormitórios").quartos_min, Some(2));
    assert_eq!(i("acima de 100m²").area_min, Some(100));
    assert_eq!(i("aluguel até 3 mil").preco_max, Some(300_000));
}
