//! The sales bot: [`BotFactory`] builds a [`Bot`] for one empresa from its setor's embedded
//! template plus tenant overrides; [`Bot::reply`] answers a customer turn through the LLM
//! tool loop when the empresa has a model configured, or through the deterministic
//! fallback otherwise (and whenever the LLM fails or its answer fails the price guard).
//!
//! No I/O of its own: the catalog tools and the chat model come in as arguments.

pub mod fallback;
mod llm_turn;
pub mod templates;
pub mod tools;

#[cfg(test)]
mod fake_tools;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use serde::Serialize;

use crate::bot::fallback::{normalize, Fallback};
use crate::bot::templates::Template;
use crate::bot::tools::TenantTools;
use crate::domain::Setor;
use crate::error::{Error, Result};
pub use crate::llm::LlmSettings;
use crate::llm::{ChatModel, ChatRequest};

/// What the bot needs to know about one empresa.
#[derive(Debug, Clone, PartialEq)]
pub struct EmpresaBot {
    pub nome: String,
    pub setor: Setor,
    /// Extra instructions written by the empresa (policies, address, payment...).
    pub prompt_customizado: Option<String>,
    /// Opening hours; the template's default when absent.
    pub horario: Option<String>,
    /// Greeting (may contain `{empresa}`); the template's default when absent.
    pub saudacao: Option<String>,
    /// The empresa's model; `None` (or an empty key) means rule-based answers only.
    pub llm: Option<LlmSettings>,
}

/// Who wrote a past message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Cliente,
    Bot,
    Humano,
}

/// One past message of the conversa (text only; tool messages are never persisted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Turn {
    pub role: Role,
    pub texto: String,
}

/// Where a reply came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origem {
    /// The model's answer, after the guards.
    Llm,
    /// The rule engine (no key, LLM failure, guard rejection).
    Fallback,
    /// A fixed notice (handoff confirmation, non-text message).
    Aviso,
}

/// The answer to one customer turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BotReply {
    pub texto: String,
    pub origem: Origem,
    /// The conversa was handed to a person: pause the bot for it.
    pub handoff: bool,
    /// Why the LLM path was abandoned (pt-BR, no secrets), for logs and the panel.
    pub llm_error: Option<String>,
}

/// Loads every setor template once; cheap to share.
#[derive(Debug, Clone)]
pub struct BotFactory {
    templates: HashMap<Setor, Template>,
}

impl BotFactory {
    /// Loads and validates all embedded templates.
    pub fn new() -> Result<Self> {
        let mut templates = HashMap::new();
        for setor in Setor::ALL {
            templates.insert(setor, Template::load(setor)?);
        }
        Ok(BotFactory { templates })
    }

    /// The template of `setor`.
    pub fn template(&self, setor: Setor) -> Result<&Template> {
        self.templates.get(&setor).ok_or_else(|| Error::Internal(format!("template do setor {setor} ausente")))
    }

    /// Builds the bot for one empresa.
    pub fn build(&self, empresa: &EmpresaBot) -> Result<Bot> {
        let template = self.template(empresa.setor)?.clone();
        let nome = empresa.nome.trim();
        if nome.is_empty() {
            return Err(Error::invalid("empresa_sem_nome", "a empresa precisa de um nome para o bot"));
        }
        let non_empty = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        let horario = non_empty(&empresa.horario).unwrap_or_else(|| template.config.horario_padrao.clone());
        let saudacao =
            non_empty(&empresa.saudacao).unwrap_or_else(|| template.config.saudacao.clone()).replace("{empresa}", nome);
        let fallback = Fallback {
            empresa: nome.to_string(),
            horario: horario.clone(),
            saudacao,
            palavras_transferencia: template.config.palavras_transferencia.iter().map(|p| normalize(p)).collect(),
        };
        let llm = empresa.llm.clone().filter(|s| !s.api_key.trim().is_empty() && !s.base_url.trim().is_empty());
        Ok(Bot {
            template,
            empresa: nome.to_string(),
            horario,
            prompt_customizado: non_empty(&empresa.prompt_customizado).unwrap_or_default(),
            llm,
            fallback,
            data_hoje: today_brasilia(),
        })
    }
}

/// One empresa's bot, built per job.
#[derive(Debug, Clone)]
pub struct Bot {
    template: Template,
    empresa: String,
    horario: String,
    prompt_customizado: String,
    llm: Option<LlmSettings>,
    fallback: Fallback,
    data_hoje: String,
}

impl Bot {
    /// Overrides today's date shown in the prompt (tests, replays).
    pub fn with_data_hoje(mut self, data_hoje: impl Into<String>) -> Self {
        self.data_hoje = data_hoje.into();
        self
    }

    /// The rendered system prompt.
    pub fn system_prompt(&self) -> String {
        self.template.render_prompt(&self.empresa, &self.horario, &self.prompt_customizado, &self.data_hoje)
    }

    /// Whether this bot will call a model (settings with a key present).
    pub fn uses_llm(&self) -> bool {
        self.llm.is_some()
    }

    /// The deterministic engine of this bot.
    pub fn fallback(&self) -> &Fallback {
        &self.fallback
    }

    /// Answers the customer's new message(s). `history` holds earlier turns only (loaded
    /// before the new messages were stored). Never fails: the worst case is a rule-based
    /// answer with `llm_error` set.
    pub fn reply(
        &self,
        history: &[Turn],
        new_texts: &[String],
        tools: &dyn TenantTools,
        llm: Option<&dyn ChatModel>,
    ) -> BotReply {
        let texts: Vec<&str> = new_texts.iter().map(|t| t.trim()).filter(|t| !t.is_empty()).collect();
        let texto_cliente = texts.join("\n");
        if texto_cliente.is_empty() {
            return BotReply {
                texto:
                    "Recebi sua mensagem! Por aqui consigo ler apenas texto: pode me escrever o que você procura? 🙂"
                        .to_string(),
                origem: Origem::Aviso,
                handoff: false,
                llm_error: None,
            };
        }
        if self.fallback.wants_human(&texto_cliente) {
            let handoff = match tools.handoff("pedido_do_cliente") {
                Ok(()) => true,
                Err(e) => {
                    log::warn!("bot: transferência para humano falhou: {e}");
                    false
                }
            };
            return BotReply { texto: self.fallback.handoff_text(), origem: Origem::Aviso, handoff, llm_error: None };
        }
        let (Some(settings), Some(model)) = (&self.llm, llm) else {
            return self.fallback_reply(&texto_cliente, tools, false, None);
        };
        let request = ChatRequest {
            model: settings.modelo.clone(),
            messages: llm_turn::initial_messages(
                self.system_prompt(),
                history,
                self.template.config.historico_mensagens,
                &texto_cliente,
            ),
            tools: self.template.ferramentas.clone(),
            temperature: self.template.config.temperature,
        };
        match llm_turn::run(request, model, tools, self.template.config.max_passos_ferramentas) {
            llm_turn::Outcome::Final { texto, handoff } => {
                BotReply { texto, origem: Origem::Llm, handoff, llm_error: None }
            }
            llm_turn::Outcome::Failed { reason, handoff } => {
                log::warn!("bot: resposta do modelo descartada ({reason}); usando o fallback");
                self.fallback_reply(&texto_cliente, tools, handoff, Some(reason))
            }
        }
    }

    fn fallback_reply(
        &self,
        texto: &str,
        tools: &dyn TenantTools,
        handed_off: bool,
        llm_error: Option<String>,
    ) -> BotReply {
        if handed_off {
            return BotReply {
                texto: self.fallback.handoff_text(),
                origem: Origem::Fallback,
                handoff: true,
                llm_error,
            };
        }
        let a = self.fallback.answer(texto, tools);
        BotReply { texto: a.texto, origem: Origem::Fallback, handoff: a.handoff, llm_error }
    }
}

/// Today's date in Brasília (UTC−3, no DST since 2019) as `dd/mm/aaaa`.
fn today_brasilia() -> String {
    crate::clock::data_br(crate::clock::unix_now() - 3 * 3600)
}
