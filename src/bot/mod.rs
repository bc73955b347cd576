//! The sales bot: [`BotFactory`] builds a [`Bot`] for one empresa from its setor's embedded
//! template plus the empresa's settings; [`Bot::reply`] answers a customer turn through the
//! LLM tool loop when the empresa has a model configured, or through the deterministic
//! fallback otherwise (and whenever the LLM fails or its answer fails the price guard).
//!
//! Understanding without an LLM lives in [`entender`], appointments in [`agenda`], the
//! dialog memory of a conversa in [`dialogo`], the price guard in [`guarda_preco`], and the
//! simulator's "why" in [`explicacao`]. No I/O of its own: the tenant tools, the chat model
//! and the dialog state come in as arguments.

pub mod agenda;
pub mod dialogo;
pub mod entender;
pub mod executar;
pub mod explicacao;
pub mod fallback;
pub mod guarda_preco;
mod llm_turn;
pub mod templates;
pub mod tools;

#[cfg(test)]
mod fake_tools;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use crate::bot::agenda::{Agenda, DataHora, Expediente};
use crate::bot::dialogo::EstadoDialogo;
use crate::bot::entender::dinheiro::format_brl;
use crate::bot::executar::ContextoFerramentas;
use crate::bot::explicacao::Explicacao;
use crate::bot::fallback::{normalize, Fallback, Turno};
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
    /// Extra instructions written by the empresa (policies, tone...).
    pub prompt_customizado: Option<String>,
    /// Opening hours as free text; rendered from `expediente` (or the template's default)
    /// when absent.
    pub horario: Option<String>,
    /// Opening hours as structured slots (appointments are offered inside them).
    pub expediente: Option<Expediente>,
    /// Greeting (may contain `{empresa}`); the template's default when absent.
    pub saudacao: Option<String>,
    pub endereco: Option<String>,
    /// The empresa's answer to "aceita troca?".
    pub troca: Option<String>,
    /// Payment methods and conditions.
    pub pagamento: Option<String>,
    /// Minutes a visit takes (default 60).
    pub duracao_visita_min: Option<u32>,
    /// Visits at the same time (default 1).
    pub visitas_simultaneas: Option<u32>,
    /// The empresa's model; `None` (or an empty key) means rule-based answers only.
    pub llm: Option<LlmSettings>,
}

impl EmpresaBot {
    /// An empresa with only a name and a setor: every setting at its default.
    pub fn novo(nome: impl Into<String>, setor: Setor) -> Self {
        EmpresaBot {
            nome: nome.into(),
            setor,
            prompt_customizado: None,
            horario: None,
            expediente: None,
            saudacao: None,
            endereco: None,
            troca: None,
            pagamento: None,
            duracao_visita_min: None,
            visitas_simultaneas: None,
            llm: None,
        }
    }
}

impl EmpresaBot {
    /// The empresa's appointment rules (its hours, visit length and places, or defaults).
    pub fn agenda(&self) -> Agenda {
        Agenda {
            expediente: self.expediente.unwrap_or_default(),
            duracao_min: self.duracao_visita_min.filter(|d| (15..=480).contains(d)).unwrap_or(60),
            simultaneas: self.visitas_simultaneas.filter(|s| (1..=50).contains(s)).unwrap_or(1),
            ..Agenda::default()
        }
    }
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BotReply {
    pub texto: String,
    pub origem: Origem,
    /// The conversa was handed to a person: pause the bot for it.
    pub handoff: bool,
    /// Why the LLM path was abandoned (pt-BR, no secrets), for logs and the panel.
    pub llm_error: Option<String>,
    /// An appointment booked during this turn.
    pub agendamento: Option<i64>,
    /// Why the bot answered this (the simulator shows it).
    pub explicacao: Explicacao,
}

fn ausente(setor: Setor) -> Error {
    Error::Internal(format!("template do setor {setor} ausente"))
}

/// Loads every setor template once; cheap to share.
#[derive(Debug, Clone)]
pub struct BotFactory {
    templates: HashMap<Setor, Arc<Template>>,
    /// Each template's handoff phrases, normalised once.
    transferencia: HashMap<Setor, Arc<[String]>>,
}

impl BotFactory {
    /// Loads and validates all embedded templates.
    pub fn new() -> Result<Self> {
        let (mut templates, mut transferencia) = (HashMap::new(), HashMap::new());
        for setor in Setor::ALL {
            let t = Template::load(setor)?;
            transferencia.insert(setor, t.config.palavras_transferencia.iter().map(|p| normalize(p)).collect());
            templates.insert(setor, Arc::new(t));
        }
        Ok(BotFactory { templates, transferencia })
    }

    /// The template of `setor`.
    pub fn template(&self, setor: Setor) -> Result<&Template> {
        self.templates.get(&setor).map(|t| &**t).ok_or_else(|| ausente(setor))
    }

    /// Builds the bot for one empresa.
    pub fn build(&self, empresa: &EmpresaBot) -> Result<Bot> {
        // Shared, not copied: a bot is built for every job.
        let template = self.templates.get(&empresa.setor).cloned().ok_or_else(|| ausente(empresa.setor))?;
        let nome = empresa.nome.trim();
        if nome.is_empty() {
            return Err(Error::invalid("empresa_sem_nome", "a empresa precisa de um nome para o bot"));
        }
        let non_empty = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        let agenda = empresa.agenda();
        let horario = non_empty(&empresa.horario)
            .or_else(|| empresa.expediente.map(|e| e.texto()))
            .unwrap_or_else(|| template.config.horario_padrao.clone());
        let saudacao =
            non_empty(&empresa.saudacao).unwrap_or_else(|| template.config.saudacao.clone()).replace("{empresa}", nome);
        let fallback = Fallback {
            empresa: nome.to_string(),
            setor: empresa.setor,
            horario: horario.clone(),
            agenda,
            saudacao,
            endereco: non_empty(&empresa.endereco),
            troca: non_empty(&empresa.troca),
            pagamento: non_empty(&empresa.pagamento),
            palavras_transferencia: self.transferencia.get(&empresa.setor).cloned().unwrap_or_default(),
        };
        let llm = empresa.llm.clone().filter(|s| !s.api_key.trim().is_empty() && !s.base_url.trim().is_empty());
        let mut sobre = Vec::new();
        for (rotulo, v) in
            [("Endereço", &fallback.endereco), ("Troca", &fallback.troca), ("Pagamento", &fallback.pagamento)]
        {
            if let Some(v) = v {
                sobre.push(format!("{rotulo}: {v}"));
            }
        }
        sobre.push(format!("Visitas e test drives: {} min cada, dentro do horário de atendimento; agende só com as ferramentas consultar_horarios e agendar_visita.", agenda.duracao_min));
        Ok(Bot {
            template,
            empresa: nome.to_string(),
            horario,
            sobre: sobre.join("\n"),
            prompt_customizado: non_empty(&empresa.prompt_customizado).unwrap_or_default(),
            llm,
            fallback,
            agora: crate::clock::unix_now(),
        })
    }
}

/// One empresa's bot, built per job.
#[derive(Debug, Clone)]
pub struct Bot {
    template: Arc<Template>,
    empresa: String,
    horario: String,
    sobre: String,
    prompt_customizado: String,
    llm: Option<LlmSettings>,
    fallback: Fallback,
    /// Now (Unix seconds): the prompt's date, "amanhã", free appointment times.
    agora: i64,
}

impl Bot {
    /// Overrides "now" (tests, replays).
    pub fn with_agora(mut self, unix: i64) -> Self {
        self.agora = unix;
        self
    }

    /// Local Brasília time of "now".
    pub fn agora_local(&self) -> DataHora {
        DataHora::de_unix(self.agora)
    }

    /// The rendered system prompt (static part first; this conversa's context last).
    pub fn system_prompt(&self, estado: &EstadoDialogo) -> String {
        let agora = self.agora_local();
        let mut p = self.template.render_prompt(
            &self.empresa,
            &self.horario,
            &self.sobre,
            &self.prompt_customizado,
            &agora.data.completa(),
        );
        p.push_str(&format!("\nAgora: {} (horário de Brasília).", agora.por_extenso()));
        if let Some(n) = &estado.nome {
            p.push_str(&format!("\nNome do cliente: {n}."));
        }
        if !estado.mostrados.is_empty() {
            let itens: Vec<String> = estado
                .mostrados
                .iter()
                .map(|i| {
                    format!("id {} {} — {}", i.id, i.nome, i.preco_centavos.map_or("sob consulta".into(), format_brl))
                })
                .collect();
            p.push_str(&format!("\nItens mostrados por último nesta conversa: {}.", itens.join("; ")));
        }
        if !estado.precos_citados.is_empty() {
            let valores: Vec<String> = estado.precos_citados.iter().rev().take(20).map(|c| format_brl(*c)).collect();
            p.push_str(&format!(
                "\nValores que as ferramentas já informaram nesta conversa (pode repetir): {}.",
                valores.join(", ")
            ));
        }
        p
    }

    /// Whether this bot will call a model (settings with a key present).
    pub fn uses_llm(&self) -> bool {
        self.llm.is_some()
    }

    /// The deterministic engine of this bot.
    pub fn fallback(&self) -> &Fallback {
        &self.fallback
    }

    fn contexto_ferramentas(&self) -> ContextoFerramentas {
        ContextoFerramentas { setor: self.fallback.setor, agenda: self.fallback.agenda, agora: self.agora_local() }
    }

    /// Answers the customer's new message(s). `history` holds earlier turns only (loaded
    /// before the new messages were stored); `estado` is this conversa's dialog state, read
    /// and updated. Never fails: the worst case is a rule-based answer with `llm_error` set.
    pub fn reply(
        &self,
        history: &[Turn],
        new_texts: &[String],
        tools: &dyn TenantTools,
        llm: Option<&dyn ChatModel>,
        estado: &mut EstadoDialogo,
    ) -> BotReply {
        let mut explicacao = Explicacao::default();
        let texts: Vec<&str> = new_texts.iter().map(|t| t.trim()).filter(|t| !t.is_empty()).collect();
        let texto_cliente = texts.join("\n");
        let aviso = |texto: String, handoff: bool, explicacao: Explicacao| BotReply {
            texto,
            origem: Origem::Aviso,
            handoff,
            llm_error: None,
            agendamento: None,
            explicacao,
        };
        if texto_cliente.is_empty() {
            explicacao.caminho = "aviso".into();
            explicacao.intencao = "sem_texto".into();
            return aviso(
                "Recebi sua mensagem! Por aqui consigo ler apenas texto: pode me escrever o que você procura? 🙂"
                    .to_string(),
                false,
                explicacao,
            );
        }
        if self.fallback.wants_human(&texto_cliente) {
            explicacao.caminho = "aviso".into();
            explicacao.intencao = "humano".into();
            explicacao.ferramenta("transferir_para_humano", serde_json::json!({"motivo": "pedido_do_cliente"}), "ok");
            let handoff = match tools.handoff("pedido_do_cliente") {
                Ok(()) => true,
                Err(e) => {
                    log::warn!("bot: transferência para humano falhou: {e}");
                    false
                }
            };
            estado.oferta = None;
            return aviso(self.fallback.handoff_text(), handoff, explicacao);
        }
        let (Some(settings), Some(model)) = (&self.llm, llm) else {
            return self.fallback_reply(&texto_cliente, tools, estado, false, None, explicacao);
        };
        let request = ChatRequest {
            model: settings.modelo.clone(),
            messages: llm_turn::initial_messages(
                self.system_prompt(estado),
                history,
                self.template.config.historico_mensagens,
                &texto_cliente,
            ),
            tools: self.template.ferramentas.clone(),
            temperature: self.template.config.temperature,
        };
        let ctx = self.contexto_ferramentas();
        let limite = self.template.config.max_passos_ferramentas;
        match llm_turn::run(request, model, tools, limite, &ctx, estado, &mut explicacao) {
            llm_turn::Outcome::Final { texto, handoff, agendamento } => {
                explicacao.caminho = "llm".into();
                BotReply { texto, origem: Origem::Llm, handoff, llm_error: None, agendamento, explicacao }
            }
            llm_turn::Outcome::Failed { reason, handoff } => {
                log::warn!("bot: resposta do modelo descartada ({reason}); usando o fallback");
                self.fallback_reply(&texto_cliente, tools, estado, handoff, Some(reason), explicacao)
            }
        }
    }

    fn fallback_reply(
        &self,
        texto: &str,
        tools: &dyn TenantTools,
        estado: &mut EstadoDialogo,
        handed_off: bool,
        llm_error: Option<String>,
        mut explicacao: Explicacao,
    ) -> BotReply {
        explicacao.caminho = "fallback".into();
        explicacao.llm_erro = llm_error.clone();
        if handed_off {
            explicacao.intencao = "humano".into();
            return BotReply {
                texto: self.fallback.handoff_text(),
                origem: Origem::Fallback,
                handoff: true,
                llm_error,
                agendamento: None,
                explicacao,
            };
        }
        let a = {
            let mut turno = Turno::new(tools, estado, self.agora_local(), &mut explicacao);
            self.fallback.answer(texto, &mut turno)
        };
        BotReply {
            texto: a.texto,
            origem: Origem::Fallback,
            handoff: a.handoff,
            llm_error,
            agendamento: a.agendamento,
            explicacao,
        }
    }
}
