//! Unit tests of `Bot::reply` with a scripted in-process chat model.

use std::cell::RefCell;

use super::*;
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
        nome: "Auto Center Sul".into(),
        setor: Setor::Veiculos,
        prompt_customizado: Some("Aceitamos troca.".into()),
        horario: None,
        saudacao: None,
        llm,
    };
    BotFactory::new().unwrap().build(&e).unwrap().with_data_hoje("14/03/2026")
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
    let r = bot(true).reply(&history, &["oi".into(), "tudo bem?".into()], &FakeTools::veiculos(), Some(&model));
    assert_eq!(r.origem, Origem::Llm);
    let req = &model.seen.borrow()[0];
    assert_eq!(req.messages.len(), 1 + 12 + 1);
    assert_eq!(req.messages[0].role, "system");
    assert!(req.messages[0].content.as_deref().unwrap().contains("Auto Center Sul"));
    assert_eq!(req.messages[1].content.as_deref(), Some("m8"));
    assert_eq!(req.messages.last().unwrap().content.as_deref(), Some("oi\ntudo bem?"));
    assert_eq!(req.tools.len(), 5);
    assert_eq!(req.temperature, None);
}

#[test]
fn tool_round_then_answer_with_a_real_price() {
    let model = Scripted::new(vec![
        calls(&[("c1", "buscar_veiculos", r#"{"texto":"hilux"}"#), ("c2", "nao_existe", "{}")]),
        text("A **Hilux SRV 2020** está por R$ 189.900,00. Quer agendar um test drive?"),
    ]);
    let r = bot(true).reply(&[], &s("quanto custa a hilux?"), &FakeTools::veiculos(), Some(&model));
    assert_eq!(r.origem, Origem::Llm, "{r:?}");
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
    let r = bot(true).reply(&[], &s("quanto custa a hilux?"), &FakeTools::veiculos(), Some(&model));
    assert_eq!(r.origem, Origem::Fallback);
    assert!(r.texto.contains("R$ 189.900,00") && !r.texto.contains("R$ 1,00"));
    assert!(r.llm_error.unwrap().contains("R$ 1,00"));
}

#[test]
fn loop_cap_errors_and_empty_answers_fall_back() {
    let many: Vec<_> = (0..10).map(|i| calls(&[(&format!("c{i}"), "buscar_veiculos", "{}")])).collect();
    let model = Scripted::new(many);
    let r = bot(true).reply(&[], &s("tem hilux?"), &FakeTools::veiculos(), Some(&model));
    assert_eq!(r.origem, Origem::Fallback);
    assert_eq!(model.seen.borrow().len(), 5, "max_passos_ferramentas = 4 → 5 requests");
    for bad in [
        Err(LlmError::Auth(401)),
        text("   "),
        Ok(ChatResponse { refusal: Some("não".into()), ..ChatResponse::default() }),
    ] {
        let model = Scripted::new(vec![bad]);
        let r = bot(true).reply(&[], &s("tem hilux?"), &FakeTools::veiculos(), Some(&model));
        assert_eq!(r.origem, Origem::Fallback);
        assert!(r.llm_error.is_some());
    }
}

#[test]
fn handoff_and_no_key_skip_the_model() {
    let model = Scripted::new(vec![text("não deveria")]);
    let tools = FakeTools::veiculos();
    let r = bot(true).reply(&[], &s("quero falar com um atendente"), &tools, Some(&model));
    assert!(r.handoff && r.origem == Origem::Aviso);
    assert_eq!(tools.handoffs.borrow().len(), 1);
    let r = bot(false).reply(&[], &s("quanto custa a hilux"), &tools, Some(&model));
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
    let r = bot(true).reply(&[], &s("faz por menos?"), &FakeTools::veiculos(), Some(&model));
    assert!(r.handoff && r.origem == Origem::Llm);
}

#[test]
fn civil_dates() {
    assert_eq!(crate::clock::data_br(0), "01/01/1970");
    assert_eq!(crate::clock::data_br(20_526 * 86_400), "14/03/2026");
    assert_eq!(crate::clock::data_br(11_016 * 86_400), "29/02/2000");
}
