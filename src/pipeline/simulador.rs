//! The panel's "Testar bot": the empresa's own bot (same templates, settings, catalog,
//! understanding, LLM and price guard as on WhatsApp) in a sandbox conversation kept per
//! panel user and session. A test never creates a lead or a conversa, never books a real
//! appointment, never hands anything to the team and never counts against the plan's
//! monthly messages (no mensagem is stored); each answer comes with why: the intent, the
//! tools called with their arguments, the items found and the price-guard decisions.

use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::bot::dialogo::EstadoDialogo;
use crate::bot::explicacao::Explicacao;
use crate::bot::{Origem, Role, Turn};
use crate::clock::unix_now_ms;
use crate::domain::UsuarioId;
use crate::error::{Error, Result};
use crate::llm::ChatModel;
use crate::pipeline::ferramentas::{FerramentasSandbox, FichaSandbox};
use crate::pipeline::resposta::{empresa_bot, llm_settings};
use crate::pipeline::Motor;
use crate::store::central::Empresa;

/// Turns of text kept per sandbox conversation.
const HISTORICO_MAX: usize = 40;

/// What a sandbox conversation keeps between messages.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct Sandbox {
    dialogo: EstadoDialogo,
    ficha: FichaSandbox,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TurnoSalvo {
    cliente: bool,
    texto: String,
}

/// One simulated answer.
#[derive(Debug, Clone, Serialize)]
pub struct Simulacao {
    pub resposta: String,
    pub origem: Origem,
    /// The bot handed the conversation to a person (in the sandbox: nobody is called).
    pub handoff: bool,
    pub sessao: String,
    pub explicacao: Explicacao,
    /// What the bot would have written to the lead and the agenda.
    pub ficha: FichaSandbox,
}

/// Checks a session id from the panel: 1–64 letters, digits, `-` or `_`.
pub fn sessao_valida(sessao: &str) -> Result<&str> {
    let s = sessao.trim();
    if s.is_empty() || s.len() > 64 || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(Error::invalid("sessao_invalida", "sessão de teste inválida: use até 64 letras, números, - ou _"));
    }
    Ok(s)
}

fn chave(usuario: UsuarioId, sessao: &str) -> String {
    format!("{}:{sessao}", usuario.0)
}

/// Answers `texto` in the sandbox conversation `sessao` of `usuario`.
pub fn simular(app: &App, empresa: &Empresa, usuario: UsuarioId, sessao: &str, texto: &str) -> Result<Simulacao> {
    let sessao = sessao_valida(sessao)?;
    let texto = texto.trim();
    if texto.is_empty() || texto.len() > 4096 {
        return Err(Error::invalid("texto_invalido", "o texto deve ter entre 1 e 4096 caracteres"));
    }
    let db = app.tenant_db(empresa)?;
    let chave = chave(usuario, sessao);
    let (estado, historico) = db.sandbox_ler(&chave)?.unwrap_or_else(|| ("{}".into(), "[]".into()));
    let mut sandbox: Sandbox = serde_json::from_str(&estado).unwrap_or_default();
    let mut turnos: Vec<TurnoSalvo> = serde_json::from_str(&historico).unwrap_or_default();
    if sandbox.ficha.transferida {
        let mut explicacao =
            Explicacao { caminho: "aviso".into(), intencao: "conversa_com_atendente".into(), ..Explicacao::default() };
        explicacao.llm_erro = None;
        return Ok(Simulacao {
            resposta: "(Esta conversa de teste foi passada para um atendente: no WhatsApp o bot ficaria em silêncio a partir daqui. Comece uma nova conversa de teste.)".into(),
            origem: Origem::Aviso,
            handoff: true,
            sessao: sessao.to_string(),
            explicacao,
            ficha: sandbox.ficha,
        });
    }
    let motor = Motor::new(app)?;
    let settings = llm_settings(app, &motor, empresa)?;
    let bot = motor.bots.build(&empresa_bot(empresa, settings.clone()))?;
    let historia: Vec<Turn> = turnos
        .iter()
        .map(|t| Turn { role: if t.cliente { Role::Cliente } else { Role::Bot }, texto: t.texto.clone() })
        .collect();
    let tools = FerramentasSandbox::new(db.clone(), std::mem::take(&mut sandbox.ficha));
    let endpoint = settings.as_ref().map(|s| motor.llm.endpoint(s));
    let reply = bot.reply(
        &historia,
        &[texto.to_string()],
        &tools,
        endpoint.as_ref().map(|e| e as &dyn ChatModel),
        &mut sandbox.dialogo,
    );
    sandbox.ficha = tools.ficha.into_inner();
    turnos.push(TurnoSalvo { cliente: true, texto: texto.to_string() });
    turnos.push(TurnoSalvo { cliente: false, texto: reply.texto.clone() });
    let excesso = turnos.len().saturating_sub(HISTORICO_MAX);
    turnos.drain(..excesso);
    let estado = serde_json::to_string(&sandbox).map_err(|e| Error::Internal(format!("sandbox: {e}")))?;
    let historico = serde_json::to_string(&turnos).map_err(|e| Error::Internal(format!("sandbox: {e}")))?;
    db.sandbox_gravar(&chave, &estado, &historico, unix_now_ms())?;
    Ok(Simulacao {
        resposta: reply.texto,
        origem: reply.origem,
        handoff: reply.handoff,
        sessao: sessao.to_string(),
        explicacao: reply.explicacao,
        ficha: sandbox.ficha,
    })
}

/// Forgets the sandbox conversation `sessao` of `usuario` ("Nova conversa de teste").
pub fn reiniciar(app: &App, empresa: &Empresa, usuario: UsuarioId, sessao: &str) -> Result<()> {
    let sessao = sessao_valida(sessao)?;
    app.tenant_db(empresa)?.sandbox_apagar(&chave(usuario, sessao))
}
