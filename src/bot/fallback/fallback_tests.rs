//! Unit tests of the rule engine: single questions and multi-turn conversations over the
//! in-memory tools.

use serde_json::json;

use super::*;
use crate::bot::agenda::Expediente;
use crate::bot::dialogo::EstadoDialogo;
use crate::bot::fake_tools::{item, FakeTools};

fn engine(setor: Setor) -> Fallback {
    Fallback {
        empresa: "Auto Center Sul".into(),
        setor,
        horario: "seg-sex 8h-18h".into(),
        agenda: Agenda { expediente: Expediente::default(), ..Agenda::default() },
        saudacao: "Olá! Aqui é a assistente virtual da Auto Center Sul.".into(),
        endereco: Some("Av. Brasil, 100 — Centro".into()),
        troca: Some("Aceitamos seu usado na troca, com avaliação na loja.".into()),
        pagamento: Some("Pix, cartão em até 12x e financiamento.".into()),
        palavras_transferencia: vec!["atendente".into(), "vendedor".into(), "falar com alguem".into()].into(),
    }
}

fn carros() -> FakeTools {
    let mut hilux = item(1, "Toyota Hilux SRV 2020", 18_990_000);
    let mut onix = item(2, "Chevrolet Onix LT 2021", 6_590_000);
    let mut mobi = item(3, "Fiat Mobi Like 2020", 4_990_000);
    for (i, km, cambio, cor) in [
        (&mut hilux, 78_000, "Automático", "branca"),
        (&mut onix, 33_000, "Manual", "prata"),
        (&mut mobi, 41_000, "Manual", "preto"),
    ] {
        i.atributos.insert("km".into(), json!(km));
        i.atributos.insert("cambio".into(), json!(cambio));
        i.atributos.insert("cor".into(), json!(cor));
    }
    FakeTools { items: vec![hilux, onix, mobi], ..FakeTools::default() }
}

/// A conversation: the engine, its tools and its dialog state, at Tuesday 2026-03-10 09:00.
struct Conversa {
    fb: Fallback,
    tools: FakeTools,
    estado: EstadoDialogo,
}

impl Conversa {
    fn new(setor: Setor, tools: FakeTools) -> Self {
        Conversa { fb: engine(setor), tools, estado: EstadoDialogo::default() }
    }
    fn diz(&mut self, texto: &str) -> FallbackAnswer {
        let mut expl = Explicacao::default();
        let agora = DataHora::de_iso("2026-03-10 09:00").unwrap();
        let mut t = Turno::new(&self.tools, &mut self.estado, agora, &mut expl);
        self.fb.answer(texto, &mut t)
    }
}

#[test]
fn prices_come_from_the_catalog_only() {
    let mut c = Conversa::new(Setor::Veiculos, carros());
    let a = c.diz("Quanto custa a Hilux?");
    assert!(a.texto.contains("Toyota Hilux SRV 2020") && a.texto.contains("R$ 189.900,00"), "{}", a.texto);
    assert!(!a.texto.contains("Onix"));
    for q in ["quanto custa o Corolla?", "preço da Ferrari"] {
        let a = c.diz(q);
        assert!(brl_amounts(&a.texto).is_empty(), "{q}: {}", a.texto);
        assert!(a.texto.contains("atendente"), "{q}: {}", a.texto);
    }
    let a = c.diz("vocês têm Civic 2019?");
    assert!(a.texto.starts_with("Não encontrei \"civic\""), "{}", a.texto);
    let catalogo = [18_990_000, 6_590_000, 4_990_000];
    assert!(brl_amounts(&a.texto).iter().all(|p| catalogo.contains(p)), "{}", a.texto);
    for q in ["tem Hílux?", "HILUX preço", "quanto tá a hîlux", "tem hillux?"] {
        assert!(c.diz(q).texto.contains("R$ 189.900,00"), "{q}");
    }
}

#[test]
fn price_limits_and_category_words() {
    let mut c = Conversa::new(Setor::Veiculos, carros());
    let a = c.diz("tem carro até 70 mil?");
    assert!(a.texto.contains("Onix") && a.texto.contains("Mobi") && !a.texto.contains("Hilux"), "{}", a.texto);
    let a = c.diz("tem mais barato?");
    assert!(a.texto.contains("mais em conta"), "nothing below the Mobi: {}", a.texto);
    c.diz("quanto custa o onix?");
    let a = c.diz("tem mais barato?");
    assert!(a.texto.contains("Mobi") && !a.texto.contains("Onix LT"), "{}", a.texto);
}

#[test]
fn attribute_questions_about_what_was_shown() {
    let mut c = Conversa::new(Setor::Veiculos, carros());
    c.diz("quanto ta a hilux");
    let a = c.diz("qual a km dela?");
    assert!(a.texto.contains("78.000 km"), "{}", a.texto);
    let a = c.diz("é automática?");
    assert!(a.texto.starts_with("Sim"), "{}", a.texto);
    c.diz("tem carro até 70 mil?");
    let a = c.diz("e o preto?");
    assert!(a.texto.contains("Mobi") && !a.texto.contains("Onix"), "{}", a.texto);
}

#[test]
fn book_a_test_drive_end_to_end() {
    let mut c = Conversa::new(Setor::Veiculos, carros());
    let a = c.diz("quanto custa a hilux?");
    assert!(a.texto.contains("com quem eu falo"), "{}", a.texto);
    let a = c.diz("João Pedro");
    assert!(a.texto.starts_with("Prazer, João Pedro!") && a.texto.contains("Hilux"), "{}", a.texto);
    let a = c.diz("quero agendar um test drive sábado de manhã");
    assert!(a.texto.contains("sábado, 14/03, às 8h"), "{}", a.texto);
    let a = c.diz("o segundo");
    assert!(a.texto.contains("Pronto, João Pedro!") && a.texto.contains("test drive"), "{}", a.texto);
    assert!(a.agendamento.is_some());
    let feito = c.tools.agendamentos.borrow()[0].clone();
    assert_eq!(
        (feito.data_hora.as_str(), feito.tipo.as_str(), feito.item_id),
        ("2026-03-14 09:00", "test_drive", Some(crate::domain::ItemId(1)))
    );
    assert!(c.tools.leads.borrow().iter().any(|l| l.nome.as_deref() == Some("João Pedro")));
    // The name is never asked again.
    let a = c.diz("quero agendar outra visita amanhã às 10h");
    assert!(a.texto.contains("Pronto, João Pedro!") && a.texto.contains("quarta, 11/03, às 10h"), "{}", a.texto);
}

#[test]
fn the_name_is_asked_once_when_booking() {
    let mut c = Conversa::new(
        Setor::Servicos,
        FakeTools { items: vec![item(1, "Corte de cabelo masculino", 4_500)], ..FakeTools::default() },
    );
    let a = c.diz("quero marcar um corte amanhã às 10h");
    assert!(a.texto.contains("qual é o seu nome"), "{}", a.texto);
    let a = c.diz("Ana");
    assert!(a.texto.contains("Pronto, Ana!") && a.texto.contains("quarta, 11/03, às 10h"), "{}", a.texto);
    assert_eq!(c.tools.agendamentos.borrow()[0].tipo, "servico");
}

#[test]
fn yes_to_the_bots_offer_and_names() {
    let mut c = Conversa::new(Setor::Veiculos, carros());
    let a = c.diz("meu nome é ana, tem onix?");
    assert!(a.texto.starts_with("Prazer, Ana!") && a.texto.contains("R$ 65.900,00"), "{}", a.texto);
    assert!(!a.texto.contains("com quem eu falo"));
    let a = c.diz("sim");
    assert!(a.texto.contains("tenho estes horários"), "{}", a.texto);
}

#[test]
fn negotiation_trade_in_and_complaints_go_to_a_person() {
    let mut c = Conversa::new(Setor::Veiculos, carros());
    c.diz("quanto custa a hilux?");
    let a = c.diz("faz por 150 mil?");
    assert!(a.handoff && brl_amounts(&a.texto).is_empty(), "{}", a.texto);
    let mut c = Conversa::new(Setor::Veiculos, carros());
    let a = c.diz("aceita troca no meu gol 2012?");
    assert!(a.handoff && a.texto.contains("Aceitamos seu usado"), "{}", a.texto);
    assert_eq!(c.tools.handoffs.borrow().as_slice(), ["troca".to_string()]);
}

#[test]
fn out_of_stock_is_said_and_offered() {
    let mut tools = FakeTools::default();
    let mut p = item(1, "Pastilha de freio Bosch", 7_990);
    p.atributos.insert("estoque".into(), json!(0));
    p.atributos.insert("codigo_oem".into(), json!("5U0-698-151"));
    tools.items = vec![p];
    let mut c = Conversa::new(Setor::Autopecas, tools);
    let a = c.diz("tem a peça 5u0698151?");
    assert!(a.texto.contains("sem estoque") && a.texto.contains("encomenda"), "{}", a.texto);
    let a = c.diz("quero sim");
    assert!(a.handoff, "{}", a.texto);
}

#[test]
fn greeting_hours_address_and_help() {
    let mut c = Conversa::new(Setor::Veiculos, carros());
    let a = c.diz("Bom dia!");
    assert!(a.texto.starts_with("Olá! Aqui é a assistente"), "{}", a.texto);
    assert!(c.diz("qual o horário de vcs?").texto.contains("seg-sex 8h-18h"));
    assert!(c.diz("vcs abrem domingo?").texto.contains("não abrimos"));
    assert!(c.diz("onde fica a loja?").texto.contains("Av. Brasil, 100"));
    assert!(c.diz("aceita pix?").texto.contains("Pix"));
    let h = c.diz("quero falar com um ATENDENTE");
    assert!(h.handoff);
    let mut c = Conversa::new(Setor::Veiculos, carros());
    let help = c.diz("???");
    assert!(help.texto.contains("não entendi") && !help.texto.contains("R$ "));
}
