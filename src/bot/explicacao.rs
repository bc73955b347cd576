//! Why the bot answered what it answered, for the panel's simulator ("Testar bot"): the path
//! taken, the intent, what was understood, the tools called with their arguments, the items
//! found, and each price-guard decision. Built during a turn; never sent to the customer.

use serde::Serialize;
use serde_json::Value;

use crate::bot::guarda_preco::Decisao;
use crate::domain::ItemId;

/// One tool call of the turn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChamadaFerramenta {
    pub nome: String,
    pub argumentos: Value,
    /// A short summary of the result (`3 itens`, `erro: ...`).
    pub resultado: String,
}

/// An item the turn found or showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemExplicado {
    pub id: ItemId,
    pub nome: String,
    pub preco_centavos: Option<i64>,
}

/// The explanation of one turn.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Explicacao {
    /// `llm`, `fallback` or `aviso`.
    pub caminho: String,
    /// The intent the rule engine acted on (`busca`, `atributo`, `agendar`, `horario`...).
    pub intencao: String,
    /// What the rule engine understood (terms, filters, corrections, questions).
    #[serde(skip_serializing_if = "Value::is_null")]
    pub entendimento: Value,
    pub ferramentas: Vec<ChamadaFerramenta>,
    pub itens: Vec<ItemExplicado>,
    pub guarda: Vec<Decisao>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub llm_erro: Option<String>,
}

impl Explicacao {
    /// Records a tool call.
    pub fn ferramenta(&mut self, nome: &str, argumentos: Value, resultado: impl Into<String>) {
        self.ferramentas.push(ChamadaFerramenta { nome: nome.to_string(), argumentos, resultado: resultado.into() });
    }

    /// Records items found (no duplicates).
    pub fn achou(&mut self, itens: impl IntoIterator<Item = (ItemId, String, Option<i64>)>) {
        for (id, nome, preco_centavos) in itens {
            if !self.itens.iter().any(|i| i.id == id) {
                self.itens.push(ItemExplicado { id, nome, preco_centavos });
            }
        }
    }
}
