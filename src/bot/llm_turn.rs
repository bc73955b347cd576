//! One customer turn on the LLM path: message assembly, the tool loop and the post-checks
//! (empty/refused answers, the price guard, the promise guard, WhatsApp formatting). Prices
//! that tools return are remembered in the dialog state, so a later turn may repeat them.

use std::sync::Arc;

use serde_json::Value;

use crate::bot::dialogo::{EstadoDialogo, ItemMostrado};
use crate::bot::entender::vocabulario::Vocabulario;
use crate::bot::executar::{execute_tool, ContextoFerramentas};
use crate::bot::explicacao::Explicacao;
use crate::bot::guarda_preco::{promessa_sem_acao, recusa, verificar};
use crate::bot::tools::TenantTools;
use crate::bot::{Role, Turn};
use crate::llm::{ChatMessage, ChatModel, ChatRequest};

/// How the LLM path ended.
pub(crate) enum Outcome {
    /// A checked answer to send.
    Final { texto: String, handoff: bool, agendamento: Option<i64> },
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

fn resumo_resultado(content: &str) -> String {
    match serde_json::from_str::<Value>(content) {
        Ok(v) if v.get("erro").is_some() => format!("erro: {}", v["erro"].as_str().unwrap_or("")),
        Ok(v) if v.get("itens").is_some() => format!("{} itens", v["itens"].as_array().map_or(0, Vec::len)),
        Ok(v) if v.get("horarios").is_some() => {
            format!("{} horários livres", v["horarios"].as_array().map_or(0, Vec::len))
        }
        _ => "ok".into(),
    }
}

/// Runs the tool loop: at most `max_passos` rounds of tool calls, then a final answer.
pub(crate) fn run(
    mut request: ChatRequest,
    model: &dyn ChatModel,
    tools: &dyn TenantTools,
    max_passos: usize,
    ctx: &ContextoFerramentas,
    estado: &mut EstadoDialogo,
    explicacao: &mut Explicacao,
) -> Outcome {
    let mut facts: Vec<i64> = Vec::new();
    let mut handoff = false;
    let mut agendamento = None;
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
                let outcome = execute_tool(&call.function.name, &call.function.arguments, tools, ctx);
                let args: Value = serde_json::from_str(&call.function.arguments)
                    .unwrap_or(Value::String(call.function.arguments.clone()));
                explicacao.ferramenta(&call.function.name, args, resumo_resultado(&outcome.content));
                explicacao.achou(outcome.itens.iter().cloned());
                facts.extend(&outcome.precos_centavos);
                handoff |= outcome.handoff;
                agendamento = agendamento.or(outcome.agendamento);
                if !outcome.itens.is_empty() {
                    let itens = outcome.itens.iter().map(|(id, nome, preco)| ItemMostrado {
                        id: *id,
                        nome: nome.clone(),
                        preco_centavos: *preco,
                    });
                    estado.mostrar(itens.take(5).collect());
                }
                request.messages.push(ChatMessage::tool(call.id.clone(), outcome.content));
            }
            // Prices a tool returned stay allowed for the rest of the conversa.
            estado.lembrar_precos(&facts);
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
        let vocab: Option<Arc<Vocabulario>> = tools.vocabulario().ok();
        let decisoes = verificar(&texto, &facts, &estado.precos_citados, vocab.as_deref());
        explicacao.guarda = decisoes.clone();
        if let Some(d) = recusa(&decisoes) {
            let reason = format!("a resposta citou um valor ({}) que {}", d.valor, d.motivo);
            log::warn!("guarda de preço: resposta do modelo recusada: {reason}");
            return Outcome::Failed { reason, handoff };
        }
        if let Some(reason) = promessa_sem_acao(&texto, agendamento.is_some()) {
            log::warn!("guarda de promessa: resposta do modelo recusada: {reason}");
            return Outcome::Failed { reason, handoff };
        }
        return Outcome::Final { texto, handoff, agendamento };
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
