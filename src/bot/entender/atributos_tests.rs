//! Unit tests of attribute questions and answers.

use serde_json::json;

use super::*;
use crate::bot::fake_tools::item;

fn q(setor: Setor, t: &str) -> Vec<Atributo> {
    perguntas(setor, &normalize(t)).into_iter().map(|p| p.atributo).collect()
}

fn corolla() -> CatalogItem {
    let mut c = item(1, "Toyota Corolla XEi 2021", 11_890_000);
    for (k, v) in [
        ("km", json!(42_000)),
        ("ano", json!(2021)),
        ("cambio", json!("Automático")),
        ("cor", json!("prata")),
        ("combustivel", json!("flex")),
    ] {
        c.atributos.insert(k.into(), v);
    }
    c
}

#[test]
fn questions_per_setor() {
    assert_eq!(q(Setor::Veiculos, "qual a km dele?"), [Atributo::Km]);
    assert_eq!(q(Setor::Veiculos, "quantos km rodou?"), [Atributo::Km]);
    assert!(q(Setor::Veiculos, "até 50 mil km").is_empty());
    assert!(q(Setor::Veiculos, "com pouco km").is_empty());
    assert_eq!(q(Setor::Veiculos, "é automático?"), [Atributo::Cambio]);
    assert_eq!(q(Setor::Veiculos, "de que ano é?"), [Atributo::Ano]);
    assert_eq!(q(Setor::Veiculos, "qual a cor?"), [Atributo::Cor]);
    assert_eq!(q(Setor::Imoveis, "quantos quartos tem?"), [Atributo::Quartos]);
    assert_eq!(q(Setor::Imoveis, "tem garagem?"), [Atributo::Vagas]);
    assert_eq!(q(Setor::Imoveis, "qual o valor do condomínio e do IPTU?"), [Atributo::Condominio, Atributo::Iptu]);
    assert_eq!(q(Setor::Imoveis, "qual a metragem?"), [Atributo::Area]);
    assert!(q(Setor::Imoveis, "apartamento 2 quartos").is_empty());
    assert!(q(Setor::Imoveis, "casa em condomínio").is_empty());
    assert_eq!(q(Setor::Autopecas, "serve no palio 2010?"), [Atributo::Aplicacao]);
    assert_eq!(q(Setor::Autopecas, "tem em estoque?"), [Atributo::Estoque]);
    assert_eq!(q(Setor::Autopecas, "qual a marca?"), [Atributo::Marca]);
}

#[test]
fn answers_come_from_the_item() {
    let c = corolla();
    let r =
        |a: Atributo, e: Option<&str>| responder(&c, &Pergunta { atributo: a, esperado: e.map(String::from) }).texto;
    assert_eq!(r(Atributo::Km, None), "O *Toyota Corolla XEi 2021* tem 42.000 km rodados.");
    assert_eq!(r(Atributo::Cambio, Some("automatico")), "Sim, o *Toyota Corolla XEi 2021* é Automático.");
    assert!(r(Atributo::Cambio, Some("manual")).starts_with("Não"));
    assert_eq!(r(Atributo::Preco, None), "O *Toyota Corolla XEi 2021* está por R$ 118.900,00.");
    let sem = responder(&c, &Pergunta { atributo: Atributo::Portas, esperado: None });
    assert!(!sem.conhecido && sem.texto.contains("não está no cadastro"));
    let mut ape = item(2, "Apartamento Moema", 125_000_000);
    ape.atributos.insert("condominio_centavos".into(), json!(98_000));
    ape.atributos.insert("vagas".into(), json!(0));
    assert!(responder(&ape, &Pergunta { atributo: Atributo::Condominio, esperado: None }).texto.contains("R$ 980,00"));
    assert!(responder(&ape, &Pergunta { atributo: Atributo::Vagas, esperado: None }).texto.contains("não tem vaga"));
    let mut pastilha = item(3, "Pastilha de freio Bosch", 7_990);
    pastilha.atributos.insert("aplicacao".into(), json!("Fiat Palio/Uno/Strada"));
    pastilha.atributos.insert("estoque".into(), json!(0));
    let serve = responder(&pastilha, &Pergunta { atributo: Atributo::Aplicacao, esperado: Some("palio 2010".into()) });
    assert!(serve.texto.contains("serve em Fiat Palio"), "{}", serve.texto);
    let nao = responder(&pastilha, &Pergunta { atributo: Atributo::Aplicacao, esperado: Some("gol".into()) });
    assert!(nao.texto.contains("não consta gol"), "{}", nao.texto);
    assert!(responder(&pastilha, &Pergunta { atributo: Atributo::Estoque, esperado: None })
        .texto
        .contains("sem estoque"));
    assert!(menciona(&c, &["prata".into()]) && !menciona(&c, &["piscina".into()]));
}

#[test]
fn description_sentences_and_what_they_deny() {
    let mut ape = item(4, "Apartamento 2 quartos no Castelo", 220_000);
    ape.descricao = "Apartamento reformado, perto do shopping. Não aceita pet. Sem vaga de garagem.".into();
    let f = |ws: &[&str]| -> Vec<Vec<String>> { ws.iter().map(|w| vec![w.to_string()]).collect() };
    assert_eq!(trecho(&ape, &f(&["pet"])), Some(("Não aceita pet".into(), true)));
    assert_eq!(trecho(&ape, &f(&["shopping"])), Some(("Apartamento reformado, perto do shopping".into(), false)));
    assert_eq!(trecho(&ape, &f(&["piscina"])), None);
    assert_eq!(
        trecho(&ape, &[vec!["proximo".into(), "perto".into()], vec!["shopping".into()]]).map(|t| t.1),
        Some(false)
    );
    assert!(
        !menciona(&ape, &["pet".into()])
            && !menciona(&ape, &["garagem".into()])
            && menciona(&ape, &["shopping".into()])
    );
    let v = crate::bot::entender::vocabulario::sem_negados("Aceita pet, não aceita fumantes. Sem fiador e com caução");
    assert!(v.contains("pet") && !v.contains("fumantes") && !v.contains("fiador") && v.contains("caução"), "{v}");
}
