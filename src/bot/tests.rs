//! Unit tests of `Bot::reply` with a scripted in-process chat model.

use std::cell::RefCell;

use super::*;
use crate::bot::dialogo::EstadoDialogo;
use crate::bot::fake_tools::FakeTools;
use crate::llm::{ChatResponse, FunctionCall, LlmError, ToolCall};

struct Scripted {
    replies: RefCell<Vec<Result<ChatResponse, LlmError>>>,
    seen: RefCell<Vec<ChatRequest>>,
}

impl Scripted {
    fn new(mut replies: Vec<Result<ChatResponse, LlmError>>) -> Self {
        replies.reverse();
        Scripted { replies: RefCell::new(replies), seen: RefCell::new(Vec::new()) }
    }
}

impl ChatModel for Scripted {
    fn chat(&self, req: &ChatRequest) -> std::result::Result<ChatResponse, LlmError> {
        self.seen.borrow_mut().push(req.clone());
        self.replies.borrow_mut().pop().unwrap_or(Err(LlmError::Server(500)))
    }
}

fn text(t: &str) -> Result<ChatResponse, LlmError> {
    Ok(ChatResponse { content: Some(t.into()), finish_reason: Some("stop".into()), ..ChatResponse::default() })
}

fn calls(list: &[(&str, &str, &str)]) -> Result<ChatResponse, LlmError> {
    let tool_calls = list
        .iter()
        .map(|(id, name, args)| ToolCall {
            id: (*id).into(),
            kind: "function".into(),
            function: FunctionCall { name: (*name).into(), arguments: (*args).into() },
        })
        .collect();
    Ok(ChatResponse { tool_calls, finish_reason: Some("tool_calls".into()), ..ChatResponse::default() })
}

fn bot(with_key: bool) -> Bot {
    let llm = with_key.then(|| LlmSettings {
        base_url: "http://x/v1".into(),
        api_key: "sk-t".into(),
        modelo: "gpt-4o-mini".into(),
    });
    let e = EmpresaBot {
        prompt_customizado: Some("Aceitamos troca.".into()),
        llm,
        ..EmpresaBot::novo("Auto Center Sul", Setor::Veiculos)
    };
    // Saturday 2026-03-14, 10:00 in Brasília.
    BotFactory::new().unwrap().build(&e).unwrap().with_agora(20_526 * 86_400 + 13 * 3600)
}

fn s(t: &str) -> Vec<String> {
    vec![t.to_string()]
}

#[test]
fn messages_window_and_single_final_user_message() {
    let history: Vec<Turn> = (0..20)
        .map(|i| Turn { role: if i % 2 == 0 { Role::Cliente } else { Role::Bot }, texto: format!("m{i}") })
        .collect();
    let model = Scripted::new(vec![text("Olá!")]);
    let r = bot(true).reply(
        &history,
        &["oi".into(), "tudo bem?".into()],
        &FakeTools::veiculos(),
        Some(&model),
        &mut EstadoDialogo::default(),
    );
    assert_eq!(r.origem, Origem::Llm);
    let req = &model.seen.borrow()[0];
    assert_eq!(req.messages.len(), 1 + 12 + 1);
    assert_eq!(req.messages[0].role, "system");
    assert!(req.messages[0].content.as_deref().unwrap().contains("Auto Center Sul"));
    assert_eq!(req.messages[1].content.as_deref(), Some("m8"));
    assert_eq!(req.messages.last().unwrap().content.as_deref(), Some("oi\ntudo bem?"));
    assert_eq!(req.tools.len(), 6);
    let system = req.messages[0].content.as_deref().unwrap();
    assert!(system.contains("sábado, 14/03, às 10h"), "{system}");
    assert_eq!(req.temperature, None);
}

#[test]
fn tool_round_then_answer_with_a_real_price() {
    let model = Scripted::new(vec![
        calls(&[("c1", "buscar_veiculos", r#"{"texto":"hilux"}"#), ("c2", "nao_existe", "{}")]),
        text("A **Hilux SRV 2020** está por R$ 189.900,00. Quer agendar um test drive?"),
    ]);
    let mut estado = EstadoDialogo::default();
    let r = bot(true).reply(&[], &s("quanto custa a hilux?"), &FakeTools::veiculos(), Some(&model), &mut estado);
    assert_eq!(r.origem, Origem::Llm, "{r:?}");
    assert_eq!(estado.precos_citados, [18_990_000], "the tool's prices stay allowed");
    assert_eq!(r.explicacao.ferramentas[0].nome, "buscar_veiculos");
    assert!(r.explicacao.guarda.iter().all(|d| d.permitido));
    assert!(r.texto.starts_with("A *Hilux SRV 2020*"));
    let seen = model.seen.borrow();
    let second = &seen[1].messages;
    let n = second.len();
    assert_eq!(second[n - 3].role, "assistant");
    assert!(second[n - 3].content.is_none());
    assert_eq!(second[n - 2].tool_call_id.as_deref(), Some("c1"));
    assert_eq!(second[n - 1].tool_call_id.as_deref(), Some("c2"));
    assert!(second[n - 1].content.as_deref().unwrap().contains("erro"));
}

#[test]
fn price_guard_replaces_invented_prices() {
    let model = Scripted::new(vec![text("A Hilux sai por R$ 1,00!")]);
    let r = bot(true).reply(
        &[],
        &s("quanto custa a hilux?"),
        &FakeTools::veiculos(),
        Some(&model),
        &mut EstadoDialogo::default(),
    );
    assert_eq!(r.origem, Origem::Fallback);
    assert!(r.texto.contains("R$ 189.900,00") && !r.texto.contains("R$ 1,00"));
    assert!(r.llm_error.unwrap().contains("R$ 1,00"));
    assert!(r.explicacao.guarda.iter().any(|d| !d.permitido && d.centavos == 100));
    let model = Scripted::new(vec![text("Faço a Hilux por 12.345 reais pra você")]);
    let r = bot(true).reply(
        &[],
        &s("faz mais barato?"),
        &FakeTools::veiculos(),
        Some(&model),
        &mut EstadoDialogo::default(),
    );
    assert_eq!(r.origem, Origem::Fallback, "{r:?}");
    assert!(r.llm_error.unwrap().contains("R$ 12.345,00"));
}

#[test]
fn an_earlier_turns_price_and_catalog_prices_pass_the_guard() {
    let mut estado = EstadoDialogo::default();
    estado.lembrar_precos(&[4_250_000]);
    let model = Scripted::new(vec![text("Como te falei, aquele sai por R$ 42.500,00 e a Hilux por 189,9 mil.")]);
    let r = bot(true).reply(&[], &s("e aquele que você falou?"), &FakeTools::veiculos(), Some(&model), &mut estado);
    assert_eq!(r.origem, Origem::Llm, "{r:?}");
    let motivos: Vec<&str> = r.explicacao.guarda.iter().map(|d| d.motivo.as_str()).collect();
    assert_eq!(
        motivos,
        ["veio de uma ferramenta em uma mensagem anterior desta conversa", "é um valor atual do catálogo"]
    );
}

#[test]
fn a_booking_claimed_without_the_tool_is_refused() {
    let model = Scripted::new(vec![text("Pronto! Agendei seu test drive para sábado às 10h.")]);
    let tools = FakeTools::veiculos();
    let r = bot(true).reply(
        &[],
        &s("quero um test drive sábado às 10h"),
        &tools,
        Some(&model),
        &mut EstadoDialogo::default(),
    );
    assert_eq!(r.origem, Origem::Fallback);
    assert!(r.llm_error.unwrap().contains("agendamento"));
}

#[test]
fn loop_cap_errors_and_empty_answers_fall_back() {
    let many: Vec<_> = (0..10).map(|i| calls(&[(&format!("c{i}"), "buscar_veiculos", "{}")])).collect();
    let model = Scripted::new(many);
    let r = bot(true).reply(&[], &s("tem hilux?"), &FakeTools::veiculos(), Some(&model), &mut EstadoDialogo::default());
    assert_eq!(r.origem, Origem::Fallback);
    assert_eq!(model.seen.borrow().len(), 5, "max_passos_ferramentas = 4 → 5 requests");
    for bad in [
        Err(LlmError::Auth(401)),
        text("   "),
        Ok(ChatResponse { refusal: Some("não".into()), ..ChatResponse::default() }),
    ] {
        let model = Scripted::new(vec![bad]);
        let r =
            bot(true).reply(&[], &s("tem hilux?"), &FakeTools::veiculos(), Some(&model), &mut EstadoDialogo::default());
        assert_eq!(r.origem, Origem::Fallback);
        assert!(r.llm_error.is_some());
    }
}

#[test]
fn handoff_and_no_key_skip_the_model() {
    let model = Scripted::new(vec![text("não deveria")]);
    let tools = FakeTools::veiculos();
    let r =
        bot(true).reply(&[], &s("quero falar com um atendente"), &tools, Some(&model), &mut EstadoDialogo::default());
    assert!(r.handoff && r.origem == Origem::Aviso);
    assert_eq!(tools.handoffs.borrow().len(), 1);
    let r = bot(false).reply(&[], &s("quanto custa a hilux"), &tools, Some(&model), &mut EstadoDialogo::default());
    assert_eq!(r.origem, Origem::Fallback);
    assert!(r.llm_error.is_none() && r.texto.contains("R$ 189.900,00"));
    assert!(model.seen.borrow().is_empty());
}

#[test]
fn handoff_tool_is_reported() {
    let model = Scripted::new(vec![
        calls(&[("h1", "transferir_para_humano", r#"{"motivo":"negociacao"}"#)]),
        text("Um consultor vai continuar por aqui."),
    ]);
    let r =
        bot(true).reply(&[], &s("faz por menos?"), &FakeTools::veiculos(), Some(&model), &mut EstadoDialogo::default());
    assert!(r.handoff && r.origem == Origem::Llm);
}

#[test]
fn civil_dates() {
    assert_eq!(crate::clock::data_br(0), "01/01/1970");
    assert_eq!(crate::clock::data_br(20_526 * 86_400), "14/03/2026");
    assert_eq!(crate::clock::data_br(11_016 * 86_400), "29/02/2000");
}
