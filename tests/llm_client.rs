//! The bot's LLM path over real HTTP against the strict fake OpenAI server: tool rounds,
//! retries, error classification, timeouts, garbage bodies, the price guard and fallback.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

use helixai::bot::agenda::{Data, Ocupado};
use helixai::bot::dialogo::EstadoDialogo;
use helixai::bot::entender::vocabulario::Vocabulario;
use helixai::bot::tools::{AgendamentoCliente, CatalogItem, CatalogQuery, DadosLead, NovoAgendamento, TenantTools};
use helixai::bot::{Bot, BotFactory, BotReply, EmpresaBot, LlmSettings, Origem, Role, Turn};
use helixai::domain::{ItemId, Setor};
use helixai::llm::{LlmClient, RetryPolicy};
use helixai::outbound::{agent, Timeouts};
use serde_json::{json, Map, Value};

use crate::support::fake_openai::{
    calls_body, fixture as fixture_json, fixture_texto as fixture, text_body, Expect, FakeOpenAi, Step,
};
use crate::support::whatsapp::FERRAMENTAS_VEICULOS;

mod errors;

const KEY: &str = "sk-test-auto-center-sul";
const MODEL: &str = "gpt-4o-mini";
const EMPRESA: &str = "Auto Center Sul";

struct MemTools {
    items: Vec<CatalogItem>,
    handoffs: RefCell<Vec<String>>,
}

fn veiculo(id: i64, nome: &str, preco: i64, cambio: &str) -> CatalogItem {
    let mut atributos = Map::new();
    atributos.insert("cambio".into(), json!(cambio));
    CatalogItem {
        id: ItemId(id),
        nome: nome.into(),
        descricao: format!("{nome}, revisado"),
        categoria: Some("carro".into()),
        preco_centavos: Some(preco),
        disponivel: true,
        atributos,
    }
}

fn catalog() -> MemTools {
    MemTools {
        items: vec![
            veiculo(1, "Toyota Hilux SRV 2020", 18_990_000, "automatico"),
            veiculo(2, "Chevrolet Onix LT 2021", 6_590_000, "automatico"),
            veiculo(3, "Volkswagen Gol 1.0 2018", 4_490_000, "manual"),
        ],
        handoffs: RefCell::new(Vec::new()),
    }
}

impl TenantTools for MemTools {
    fn search_catalog(&self, q: &CatalogQuery) -> helixai::Result<Vec<CatalogItem>> {
        let words: Vec<String> =
            q.texto.as_deref().unwrap_or("").to_lowercase().split_whitespace().map(String::from).collect();
        Ok(self
            .items
            .iter()
            .filter(|i| words.is_empty() || words.iter().any(|w| i.nome.to_lowercase().contains(w.as_str())))
            .filter(|i| q.preco_max_centavos.is_none_or(|m| i.preco_centavos.is_some_and(|p| p <= m)))
            .filter(|i| q.filtros.iter().all(|(k, v)| !v.is_string() || i.atributos.get(k) == Some(v)))
            .take(q.limite as usize)
            .cloned()
            .collect())
    }
    fn item_details(&self, id: ItemId) -> helixai::Result<Option<CatalogItem>> {
        Ok(self.items.iter().find(|i| i.id == id).cloned())
    }
    fn vocabulario(&self) -> helixai::Result<Arc<Vocabulario>> {
        Ok(Arc::new(Vocabulario::construir(&self.items)))
    }
    fn agenda_ocupada(&self, _de: Data, _ate: Data) -> helixai::Result<Vec<Ocupado>> {
        Ok(Vec::new())
    }
    fn schedule(&self, _a: &NovoAgendamento) -> helixai::Result<i64> {
        Ok(7)
    }
    fn agendamentos_do_cliente(&self) -> helixai::Result<Vec<AgendamentoCliente>> {
        Ok(Vec::new())
    }
    fn cancel_agendamento(&self, _id: i64) -> helixai::Result<bool> {
        Ok(false)
    }
    fn record_lead(&self, _d: &DadosLead) -> helixai::Result<()> {
        Ok(())
    }
    fn lead_nome(&self) -> helixai::Result<Option<String>> {
        Ok(None)
    }
    fn handoff(&self, motivo: &str) -> helixai::Result<()> {
        self.handoffs.borrow_mut().push(motivo.into());
        Ok(())
    }
}

fn expect(current_user: &str) -> Expect {
    Expect {
        api_key: KEY.into(),
        model: MODEL.into(),
        tool_names: FERRAMENTAS_VEICULOS.map(String::from).to_vec(),
        max_history: 12,
        system_contains: vec![EMPRESA.into(), "veiculos".into(), "14/03/2026".into()],
        current_user: Some(current_user.into()),
    }
}

fn bot_for(fake: &FakeOpenAi, api_key: &str) -> Bot {
    let empresa = EmpresaBot {
        llm: Some(LlmSettings { base_url: fake.base_url.clone(), api_key: api_key.into(), modelo: MODEL.into() }),
        ..EmpresaBot::novo(EMPRESA, Setor::Veiculos)
    };
    // Saturday 2026-03-14, 10:00 in Brasília.
    BotFactory::new().unwrap().build(&empresa).unwrap().with_agora(20_526 * 86_400 + 13 * 3600)
}

fn client(total: Duration) -> LlmClient {
    LlmClient::new(agent(Timeouts { connect: Duration::from_secs(2), total })).with_retry(RetryPolicy {
        max_retries: 2,
        backoff: Duration::from_millis(10),
        max_delay: Duration::from_secs(2),
    })
}

/// Runs one customer turn against the fake with the tenant's key.
fn turn(fake: &FakeOpenAi, history: &[Turn], texto: &str, tools: &MemTools) -> BotReply {
    turn_with(fake, history, texto, tools, Duration::from_secs(5))
}

fn turn_with(fake: &FakeOpenAi, history: &[Turn], texto: &str, tools: &MemTools, total: Duration) -> BotReply {
    let bot = bot_for(fake, KEY);
    let settings = LlmSettings { base_url: fake.base_url.clone(), api_key: KEY.into(), modelo: MODEL.into() };
    let endpoint = client(total).endpoint(&settings);
    bot.reply(history, &[texto.to_string()], tools, Some(&endpoint), &mut EstadoDialogo::default())
}

fn assert_clean(fake: &FakeOpenAi) {
    assert_eq!(fake.violations(), Vec::<String>::new());
}

fn tool_messages(req: &Value) -> Vec<Value> {
    req["messages"].as_array().unwrap().iter().filter(|m| m["role"] == "tool").cloned().collect()
}

#[test]
fn plain_answer() {
    let q = "bom dia, vocês abrem sábado?";
    let fake = FakeOpenAi::start(expect(q), vec![Step::ok(text_body("Abrimos sim, sáb 8h-12h. 🙂"))]);
    let history = vec![
        Turn { role: Role::Cliente, texto: "oi".into() },
        Turn { role: Role::Bot, texto: "Olá! Como posso ajudar?".into() },
        Turn { role: Role::Humano, texto: "Sou o João, do time de vendas.".into() },
    ];
    let r = turn(&fake, &history, q, &catalog());
    assert_eq!(r.origem, Origem::Llm, "{r:?}");
    assert_eq!(r.texto, "Abrimos sim, sáb 8h-12h. 🙂");
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, "/v1/chat/completions");
    assert!(reqs[0].headers.iter().any(|(k, v)| k == "authorization" && v == &format!("Bearer {KEY}")));
    let roles: Vec<&str> =
        reqs[0].json["messages"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["system", "user", "assistant", "assistant", "user"]);
    assert_clean(&fake);
}

#[test]
fn one_tool_round_sends_the_store_results_back() {
    let q = "tem carro automático até 90 mil?";
    let args = r#"{"preco_max":90000,"cambio":"automatico"}"#;
    let fake = FakeOpenAi::start(
        expect(q),
        vec![
            Step::ok(calls_body(&[("call_busca_1", "buscar_veiculos", args)])),
            Step::ok(text_body("Tenho o *Chevrolet Onix LT 2021* por R$ 65.900,00. Quer agendar um test drive?")),
        ],
    );
    let r = turn(&fake, &[], q, &catalog());
    assert_eq!(r.origem, Origem::Llm, "{r:?}");
    assert!(r.texto.contains("R$ 65.900,00"));
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 2);
    let tools = tool_messages(&reqs[1].json);
    assert_eq!(tools.len(), 1);
    assert_eq!(tools[0]["tool_call_id"], "call_busca_1");
    let result: Value = serde_json::from_str(tools[0]["content"].as_str().unwrap()).unwrap();
    let ids: Vec<i64> = result["itens"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![2], "only the automatic car under R$ 90.000");
    assert_eq!(result["itens"][0]["preco_formatado"], "R$ 65.900,00");
    assert_clean(&fake);
}

#[test]
fn parallel_calls_get_tool_messages_in_order() {
    let q = "me fala da hilux e do onix";
    // The recorded parallel response's shape, with this setor's tool.
    let mut body = fixture_json("dotnet-parallel-turn1.response.json");
    let calls = body["choices"][0]["message"]["tool_calls"].as_array_mut().unwrap();
    calls[0]["function"] = json!({"name":"detalhes_item","arguments":"{\"id\": 1}"});
    calls[1]["function"] = json!({"name":"detalhes_item","arguments":"{\"id\": 2}"});
    let ids: Vec<String> = calls.iter().map(|c| c["id"].as_str().unwrap().to_string()).collect();
    let fake = FakeOpenAi::start(
        expect(q),
        vec![Step::ok(body.to_string()), Step::ok(text_body("Hilux por R$ 189.900,00 e Onix por R$ 65.900,00."))],
    );
    let r = turn(&fake, &[], q, &catalog());
    assert_eq!(r.origem, Origem::Llm, "{r:?}");
    let second = &fake.requests()[1].json;
    let recorded = fixture_json("dotnet-parallel-turn2.request.json");
    let want_ids: Vec<&str> =
        recorded["messages"].as_array().unwrap().iter().filter_map(|m| m["tool_call_id"].as_str()).collect();
    let got: Vec<Value> = tool_messages(second);
    let got_ids: Vec<&str> = got.iter().map(|m| m["tool_call_id"].as_str().unwrap()).collect();
    assert_eq!(got_ids, want_ids, "same ids, same order as the recorded OpenAI session");
    assert_eq!(got_ids, ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(got[0]["content"].as_str().unwrap().contains("Hilux"));
    assert!(got[1]["content"].as_str().unwrap().contains("Onix"));
    assert_clean(&fake);
}

#[test]
fn bad_arguments_become_tool_errors_and_the_loop_continues() {
    let q = "quero um carro";
    let fake = FakeOpenAi::start(
        expect(q),
        vec![
            Step::ok(calls_body(&[
                ("c_bad_json", "buscar_veiculos", "{not json"),
                ("c_unknown_field", "buscar_veiculos", r#"{"cor":"prata"}"#),
                ("c_unknown_tool", "__proto__", "{}"),
                ("c_no_args", "buscar_veiculos", "{}"),
            ])),
            Step::ok(text_body("Temos Hilux, Onix e Gol. Qual faixa de preço você procura?")),
        ],
    );
    let r = turn(&fake, &[], q, &catalog());
    assert_eq!(r.origem, Origem::Llm, "{r:?}");
    let tools = tool_messages(&fake.requests()[1].json);
    assert_eq!(tools.len(), 4);
    for t in &tools[..3] {
        let v: Value = serde_json::from_str(t["content"].as_str().unwrap()).unwrap();
        assert!(v["erro"].is_string(), "{t}");
    }
    assert!(tools[3]["content"].as_str().unwrap().contains("itens"));
    assert_clean(&fake);
}

#[test]
fn loop_cap_stops_without_an_extra_request() {
    let q = "tem hilux?";
    let steps: Vec<Step> = (0..5)
        .map(|i| Step::ok(calls_body(&[(&format!("call_{i}"), "buscar_veiculos", r#"{"texto":"hilux"}"#)])))
        .collect();
    let fake = FakeOpenAi::start(expect(q), steps);
    let r = turn(&fake, &[], q, &catalog());
    assert_eq!(r.origem, Origem::Fallback);
    assert!(r.texto.contains("R$ 189.900,00"), "{}", r.texto);
    assert!(r.llm_error.is_some());
    assert_eq!(fake.requests().len(), 5);
    assert_clean(&fake);
}

#[test]
fn price_guard_replaces_an_invented_price() {
    let q = "quanto custa a hilux?";
    let fake = FakeOpenAi::start(
        expect(q),
        vec![
            Step::ok(calls_body(&[("call_h", "buscar_veiculos", r#"{"texto":"hilux"}"#)])),
            Step::ok(text_body("A Hilux SRV 2020 está em promoção por R$ 1,00!")),
        ],
    );
    let r = turn(&fake, &[], q, &catalog());
    assert_eq!(r.origem, Origem::Fallback);
    assert!(!r.texto.contains("R$ 1,00") && r.texto.contains("R$ 189.900,00"), "{}", r.texto);
    assert_eq!(fake.requests().len(), 2);
    assert_clean(&fake);
}

#[test]
fn no_key_or_handoff_means_zero_requests() {
    let fake = FakeOpenAi::start(expect("x"), vec![]);
    let tools = catalog();
    let settings = LlmSettings { base_url: fake.base_url.clone(), api_key: String::new(), modelo: MODEL.into() };
    let endpoint = client(Duration::from_secs(5)).endpoint(&settings);
    let r = bot_for(&fake, "").reply(
        &[],
        &["quanto custa a hilux?".into()],
        &tools,
        Some(&endpoint),
        &mut EstadoDialogo::default(),
    );
    assert_eq!(r.origem, Origem::Fallback);
    assert!(r.texto.contains("R$ 189.900,00") && r.llm_error.is_none());
    let r = turn(&fake, &[], "quero falar com um atendente", &tools);
    assert!(r.handoff);
    assert_eq!(tools.handoffs.borrow().len(), 1);
    assert!(fake.requests().is_empty());
    assert_clean(&fake);
}

#[test]
fn handoff_tool_call_is_reported() {
    let q = "faz por menos à vista?";
    let fake = FakeOpenAi::start(
        expect(q),
        vec![
            Step::ok(calls_body(&[("call_t", "transferir_para_humano", r#"{"motivo":"negociacao"}"#)])),
            Step::ok(text_body("Vou passar para um consultor negociar com você.")),
        ],
    );
    let tools = catalog();
    let r = turn(&fake, &[], q, &tools);
    assert!(r.handoff && r.origem == Origem::Llm, "{r:?}");
    assert_eq!(tools.handoffs.borrow().as_slice(), ["negociacao".to_string()]);
    assert_clean(&fake);
}

#[test]
fn fake_reports_contract_violations() {
    // Wrong key, and the current text expected differs from what the bot sends.
    let fake = FakeOpenAi::start(expect("outra mensagem"), vec![Step::ok(text_body("não deveria ser usado"))]);
    let tools = catalog();
    let settings =
        LlmSettings { base_url: fake.base_url.clone(), api_key: "sk-other-tenant".into(), modelo: MODEL.into() };
    let endpoint = client(Duration::from_secs(5)).endpoint(&settings);
    let r = bot_for(&fake, "sk-other-tenant").reply(
        &[],
        &["oi".into()],
        &tools,
        Some(&endpoint),
        &mut EstadoDialogo::default(),
    );
    assert_eq!(r.origem, Origem::Fallback, "the fake answers violations with 400");
    let v = fake.violations();
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(v[0].contains("Bearer") && v[0].contains("last user message"), "{v:?}");
}
