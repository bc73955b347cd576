//! One customer turn on the LLM path: message assembly, the tool loop and the post-checks
//! (empty/refused answers, price guard, WhatsApp formatting).

use crate::bot::fallback::brl_amounts;
use crate::bot::tools::{execute_tool, TenantTools};
use crate::bot::{Role, Turn};
use crate::llm::{ChatMessage, ChatModel, ChatRequest};

/// How the LLM path ended.
pub(crate) enum Outcome {
    /// A checked answer to send.
    Final { texto: String, handoff: bool },
    /// Use the fallback; `reason` is pt-BR and free of secrets.
    Failed { reason: String, handoff: bool },
}

/// System prompt, the last `window` text turns, then the new customer text once, last.
pub(crate) fn initial_messages(
    system: String,
    history: &[Turn],
    window: usize,
    texto_cliente: &str,
) -> Vec<ChatMessage> {
    let turns: Vec<&Turn> = history.iter().filter(|t| !t.texto.trim().is_empty()).collect();
    let start = turns.len().saturating_sub(window);
    let mut messages = Vec::with_capacity(window + 2);
    messages.push(ChatMessage::system(system));
    for turn in &turns[start..] {
        messages.push(match turn.role {
            Role::Cliente => ChatMessage::user(turn.texto.trim()),
            Role::Bot | Role::Humano => ChatMessage::assistant(turn.texto.trim()),
        });
    }
    messages.push(ChatMessage::user(texto_cliente));
    messages
}

/// Runs the tool loop: at most `max_passos` rounds of tool calls, then a final answer.
pub(crate) fn run(
    mut request: ChatRequest,
    model: &dyn ChatModel,
    tools: &dyn TenantTools,
    max_passos: usize,
) -> Outcome {
    let mut facts: Vec<i64> = Vec::new();
    let mut handoff = false;
    for passo in 0..=max_passos {
        let response = match model.chat(&request) {
            Ok(r) => r,
            Err(e) => return Outcome::Failed { reason: e.to_string(), handoff },
        };
        if !response.tool_calls.is_empty() {
            if passo == max_passos {
                return Outcome::Failed {
                    reason: format!("o modelo excedeu o limite de {max_passos} rodadas de ferramentas"),
                    handoff,
                };
            }
            let calls = response.tool_calls;
            request.messages.push(ChatMessage::assistant_tool_calls(calls.clone()));
            for call in &calls {
                let outcome = execute_tool(&call.function.name, &call.function.arguments, tools);
                facts.extend(&outcome.precos_centavos);
                handoff |= outcome.handoff;
                request.messages.push(ChatMessage::tool(call.id.clone(), outcome.content));
            }
            continue;
        }
        if response.finish_reason.as_deref() == Some("content_filter") {
            return Outcome::Failed {
                reason: "resposta bloqueada pelo filtro de conteúdo do provedor".into(),
                handoff,
            };
        }
        if response.refusal.as_deref().is_some_and(|r| !r.trim().is_empty()) {
            return Outcome::Failed { reason: "o modelo recusou responder".into(), handoff };
        }
        let texto = whatsapp_format(response.content.as_deref().unwrap_or_default());
        if texto.is_empty() {
            return Outcome::Failed { reason: "o modelo devolveu uma resposta vazia".into(), handoff };
        }
        if let Some(v) = brl_amounts(&texto).into_iter().find(|v| !facts.contains(v)) {
            return Outcome::Failed {
                reason: format!(
                    "a resposta citou um valor ({}) que não veio do catálogo",
                    crate::bot::fallback::format_brl(v)
                ),
                handoff,
            };
        }
        return Outcome::Final { texto, handoff };
    }
    Outcome::Failed { reason: "o modelo não concluiu a resposta".into(), handoff }
}

/// Markdown to WhatsApp: `**x**` → `*x*`, no `#` headings, trimmed.
fn whatsapp_format(text: &str) -> String {
    let lines: Vec<String> = text
        .replace("**", "*")
        .lines()
        .map(|l| {
            let t = l.trim_start();
            if t.starts_with('#') {
                t.trim_start_matches('#').trim_start().to_string()
            } else {
                l.trim_end().to_string()
            }
        })
        .collect();
    lines.join("\n").trim().to_string()
}
