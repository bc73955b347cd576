//! The embedded per-setor bot templates under `bots/<setor>/`: loading and validation.
//!
//! A template is `config.json` (model defaults, history window, tool-loop cap, greeting,
//! default hours, handoff keywords, enabled tools), `prompts/sistema.md` (the system prompt
//! with `{empresa}`, `{setor}`, `{horario}`, `{sobre_empresa}`, `{prompt_customizado}`,
//! `{data_hoje}`) and one
//! OpenAI tool definition per `functions/*.json`. Everything is compiled into the binary.

use serde::Deserialize;
use serde_json::Value;

use crate::domain::Setor;
use crate::error::{Error, Result};

/// The files under `bots/`, embedded at compile time.
#[derive(rust_embed::Embed)]
#[folder = "bots/"]
struct BotFiles;

/// `bots/<setor>/config.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BotConfig {
    /// Default model id when the empresa configured none.
    pub modelo: String,
    /// How many past turns go to the model.
    pub historico_mensagens: usize,
    /// Maximum tool-call rounds in one reply.
    pub max_passos_ferramentas: usize,
    /// Sent only when present (reasoning models reject anything but the default).
    #[serde(default)]
    pub temperature: Option<f32>,
    /// Greeting with `{empresa}`.
    pub saudacao: String,
    /// Opening hours when the empresa configured none.
    pub horario_padrao: String,
    /// Words that make the bot hand the conversation to a person (normalised match).
    pub palavras_transferencia: Vec<String>,
    /// Enabled tool names; must equal the `functions/*.json` files.
    pub ferramentas: Vec<String>,
}

/// One setor's validated template.
#[derive(Debug, Clone)]
pub struct Template {
    /// The setor this template serves.
    pub setor: Setor,
    /// Parsed `config.json`.
    pub config: BotConfig,
    /// Raw `prompts/sistema.md`.
    pub prompt: String,
    /// Tool definitions, in the order of `config.ferramentas`.
    pub ferramentas: Vec<Value>,
}

fn template_error(setor: Setor, what: impl std::fmt::Display) -> Error {
    Error::Internal(format!("template do setor {setor} inválido: {what}"))
}

fn read_file(setor: Setor, rel: &str) -> Result<String> {
    let path = format!("{}/{rel}", setor.as_str());
    let file = BotFiles::get(&path).ok_or_else(|| template_error(setor, format!("{path} ausente")))?;
    String::from_utf8(file.data.into_owned()).map_err(|_| template_error(setor, format!("{path} não é UTF-8")))
}

/// Whether `name` is a valid OpenAI function name (`^[a-zA-Z0-9_-]{1,64}$`).
pub fn valid_tool_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The function name of a tool definition, if well-formed.
pub fn tool_name(def: &Value) -> Option<&str> {
    def.get("function")?.get("name")?.as_str()
}

fn validate_tool(setor: Setor, file: &str, def: &Value) -> Result<String> {
    if def.get("type").and_then(Value::as_str) != Some("function") {
        return Err(template_error(setor, format!("{file}: type deve ser \"function\"")));
    }
    let name = tool_name(def).ok_or_else(|| template_error(setor, format!("{file}: function.name ausente")))?;
    if !valid_tool_name(name) {
        return Err(template_error(setor, format!("{file}: nome de ferramenta inválido {name:?}")));
    }
    if format!("{name}.json") != file {
        return Err(template_error(setor, format!("{file}: o nome do arquivo deve ser {name}.json")));
    }
    let function = def.get("function");
    if function.and_then(|f| f.get("description")).and_then(Value::as_str).is_none_or(str::is_empty) {
        return Err(template_error(setor, format!("{file}: description ausente")));
    }
    let params = function.and_then(|f| f.get("parameters"));
    if params.and_then(|p| p.get("type")).and_then(Value::as_str) != Some("object") {
        return Err(template_error(setor, format!("{file}: parameters.type deve ser \"object\"")));
    }
    Ok(name.to_string())
}

impl Template {
    /// Loads and validates the embedded template of `setor`.
    pub fn load(setor: Setor) -> Result<Template> {
        let config: BotConfig = serde_json::from_str(&read_file(setor, "config.json")?)
            .map_err(|e| template_error(setor, format!("config.json: {e}")))?;
        if config.historico_mensagens == 0 || config.max_passos_ferramentas == 0 {
            return Err(template_error(setor, "historico_mensagens e max_passos_ferramentas devem ser > 0"));
        }
        let prompt = read_file(setor, "prompts/sistema.md")?;
        for placeholder in
            ["{empresa}", "{setor}", "{horario}", "{sobre_empresa}", "{prompt_customizado}", "{data_hoje}"]
        {
            if !prompt.contains(placeholder) {
                return Err(template_error(setor, format!("prompts/sistema.md sem {placeholder}")));
            }
        }
        let prefix = format!("{}/functions/", setor.as_str());
        let mut files: Vec<String> = BotFiles::iter()
            .filter_map(|p| p.strip_prefix(&prefix).map(str::to_string))
            .filter(|f| f.ends_with(".json") && !f.contains('/'))
            .collect();
        files.sort();
        let mut defs = Vec::new();
        for file in &files {
            let def: Value = serde_json::from_str(&read_file(setor, &format!("functions/{file}"))?)
                .map_err(|e| template_error(setor, format!("{file}: {e}")))?;
            let name = validate_tool(setor, file, &def)?;
            defs.push((name, def));
        }
        let mut enabled = config.ferramentas.clone();
        enabled.sort();
        let mut found: Vec<&String> = defs.iter().map(|(n, _)| n).collect();
        found.sort();
        if enabled.iter().collect::<Vec<_>>() != found {
            return Err(template_error(setor, format!("ferramentas {enabled:?} diferem de functions/ {found:?}")));
        }
        let mut ferramentas = Vec::new();
        for name in &config.ferramentas {
            if let Some((_, def)) = defs.iter().find(|(n, _)| n == name) {
                ferramentas.push(def.clone());
            }
        }
        Ok(Template { setor, config, prompt, ferramentas })
    }

    /// Names of the enabled tools, in template order.
    pub fn tool_names(&self) -> Vec<&str> {
        self.ferramentas.iter().filter_map(tool_name).collect()
    }

    /// The system prompt with every placeholder filled. The volatile `{data_hoje}` sits at
    /// the end of the template so the prefix stays cacheable between turns.
    pub fn render_prompt(
        &self,
        empresa: &str,
        horario: &str,
        sobre_empresa: &str,
        prompt_customizado: &str,
        data_hoje: &str,
    ) -> String {
        self.prompt
            .replace("{empresa}", empresa)
            .replace("{setor}", self.setor.as_str())
            .replace("{horario}", horario)
            .replace("{sobre_empresa}", sobre_empresa.trim())
            .replace("{prompt_customizado}", prompt_customizado.trim())
            .replace("{data_hoje}", data_hoje)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setor_template_loads_and_is_consistent() {
        for setor in Setor::ALL {
            let t = Template::load(setor).unwrap_or_else(|e| panic!("{setor}: {e}"));
            assert!(!t.ferramentas.is_empty(), "{setor}");
            for def in &t.ferramentas {
                let name = tool_name(def).unwrap();
                assert!(valid_tool_name(name), "{setor}: {name}");
                assert_eq!(def["type"], "function");
                assert_eq!(def["function"]["parameters"]["type"], "object", "{setor}: {name}");
            }
            let mut enabled = t.config.ferramentas.clone();
            enabled.sort();
            let mut files: Vec<String> = BotFiles::iter()
                .filter_map(|p| {
                    p.strip_prefix(&format!("{setor}/functions/")).map(|f| f.trim_end_matches(".json").to_string())
                })
                .collect();
            files.sort();
            assert_eq!(enabled, files, "{setor}");
            for common in
                ["detalhes_item", "consultar_horarios", "agendar_visita", "registrar_lead", "transferir_para_humano"]
            {
                assert!(t.tool_names().contains(&common), "{setor} sem {common}");
            }
            assert!(t.config.saudacao.contains("{empresa}"), "{setor}");
            assert!(t.config.temperature.is_none(), "{setor}: temperature deve ficar ausente por padrão");
        }
    }

    #[test]
    fn prompt_renders_static_part_first() {
        let t = Template::load(Setor::Veiculos).unwrap();
        let p = t.render_prompt(
            "Auto Center Sul",
            "seg-sex 9h-17h",
            "Endereço: Rua A, 1",
            "Aceitamos troca.",
            "14/03/2026",
        );
        assert!(p.contains("Auto Center Sul") && p.contains("veiculos") && p.contains("Aceitamos troca."));
        assert!(p.contains("Endereço: Rua A, 1") && p.contains("Regra de preços"));
        assert!(!p.contains('{'), "placeholder sobrando: {p}");
        assert!(p.find("Auto Center Sul").unwrap() < p.find("14/03/2026").unwrap());
        assert!(p.trim_end().ends_with("(horário de Brasília)"));
    }

    #[test]
    fn tool_name_rule() {
        assert!(valid_tool_name("buscar_veiculos") && valid_tool_name("a-b_9"));
        assert!(!valid_tool_name("") && !valid_tool_name("agendar_visitação") && !valid_tool_name(&"a".repeat(65)));
    }
}
