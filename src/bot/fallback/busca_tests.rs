use super::*;
use crate::bot::entender::entender;
use crate::bot::fake_tools::{item, FakeTools};

#[test]
fn rare_words_outrank_common_ones_and_prefixes() {
    let mut tools = FakeTools::default();
    let mut civic_preto = item(1, "Honda Civic EXL", 11_000_000);
    civic_preto.atributos.insert("cor".into(), json!("preto"));
    let mut onix_prata = item(2, "Chevrolet Onix LT", 7_000_000);
    onix_prata.atributos.insert("cor".into(), json!("prata"));
    let golf = item(3, "Volkswagen Golf", 9_000_000);
    let gol = item(4, "Volkswagen Gol", 5_000_000);
    tools.items = vec![civic_preto, onix_prata, golf, gol];
    let vocab = Vocabulario::construir(&tools.items);
    let run = |t: &str| {
        let e = entender(Setor::Veiculos, t, &vocab);
        let p = Pedido { termos: e.termos, filtros: e.filtros, ordem: e.ordem, excluir: vec![] };
        buscar(Setor::Veiculos, &p, &vocab, &tools, &mut Explicacao::default())
    };
    let a = run("tem civic prata?");
    assert_eq!(a.itens.iter().map(|i| i.id.0).collect::<Vec<_>>(), [1], "the model wins over the colour");
    assert!(a.relaxado.is_some(), "no silver Civic: said so");
    let a = run("tem gol?");
    assert_eq!(a.itens.iter().map(|i| i.id.0).collect::<Vec<_>>(), [4], "Gol, not Golf");
    let a = run("tem ferrari?");
    assert!(a.itens.is_empty() && a.faltando == ["ferrari"]);
    let a = run("tem carro até 80 mil?");
    assert_eq!(
        a.itens.iter().map(|i| i.id.0).collect::<Vec<_>>(),
        [2, 4],
        "the category word does not block; budget first"
    );
}

#[test]
fn the_bedrooms_asked_for_come_before_bigger_ones() {
    let mut tools = FakeTools::default();
    let imovel = |id: i64, nome: &str, preco: i64, quartos: i64| {
        let mut i = item(id, nome, preco);
        i.atributos.insert("tipo".into(), json!("apartamento"));
        i.atributos.insert("finalidade".into(), json!("venda"));
        i.atributos.insert("quartos".into(), json!(quartos));
        i
    };
    tools.items = vec![
        imovel(1, "Apartamento no Centro", 30_000_000, 3),
        imovel(2, "Apartamento no Batel", 35_000_000, 2),
        imovel(3, "Apartamento na Água Verde", 25_000_000, 2),
        imovel(4, "Apartamento no Portão", 20_000_000, 1),
    ];
    let vocab = Vocabulario::construir(&tools.items);
    let e = entender(Setor::Imoveis, "tem ap de 2 quartos?", &vocab);
    assert_eq!(e.filtros.quartos_min, Some(2));
    let p = Pedido { termos: e.termos, filtros: e.filtros, ordem: e.ordem, excluir: vec![] };
    let a = buscar(Setor::Imoveis, &p, &vocab, &tools, &mut Explicacao::default());
    // Cheapest first among equals, but the 3-bedroom one after both 2-bedroom ones.
    assert_eq!(a.itens.iter().map(|i| i.id.0).collect::<Vec<_>>(), [3, 2, 1]);
}
