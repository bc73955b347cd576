//! What a bot may read and do in its empresa, as the [`TenantTools`] trait the tenant store
//! implements (catalog search, item details, the catalog's vocabulary, the agenda, the lead
//! card, handoff), and the plain types crossing it. Every call is already bound to one
//! empresa and one conversa by the implementor. Running the model's tool calls against it
//! lives in [`crate::bot::executar`].

use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::bot::agenda::{Data, Ocupado};
use crate::bot::entender::filtros::Ordem;
use crate::bot::entender::vocabulario::Vocabulario;
use crate::domain::ItemId;
use crate::error::Result;

pub use crate::bot::executar::{execute_tool, tool_arguments, ContextoFerramentas, ToolOutcome, LIMITE_BUSCA};

/// A catalog search, already converted to centavos.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogQuery {
    /// Free words, every one must match (the model's `texto`; never raw FTS syntax).
    pub texto: Option<String>,
    /// Ranked terms (the rule engine's): each inner list holds one term's alternatives
    /// (word-start prefixes); items matching more terms come first; at least one must match.
    pub termos: Vec<Vec<String>>,
    /// Lower price bound in centavos.
    pub preco_min_centavos: Option<i64>,
    /// Upper price bound in centavos.
    pub preco_max_centavos: Option<i64>,
    /// Setor filters keyed by name (marca, ano_min, tipo, bairro, quartos_min, codigo_oem,
    /// aplicacao, categoria...); a JSON array means "any of these values".
    pub filtros: Map<String, Value>,
    /// Items not to return (already shown).
    pub excluir: Vec<ItemId>,
    pub ordem: Ordem,
    /// Maximum items to return.
    pub limite: u32,
}

impl Default for CatalogQuery {
    fn default() -> Self {
        CatalogQuery {
            texto: None,
            termos: Vec::new(),
            preco_min_centavos: None,
            preco_max_centavos: None,
            filtros: Map::new(),
            excluir: Vec::new(),
            ordem: Ordem::Relevancia,
            limite: LIMITE_BUSCA,
        }
    }
}

/// One catalog entry as the store returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogItem {
    pub id: ItemId,
    pub nome: String,
    pub descricao: String,
    pub categoria: Option<String>,
    pub preco_centavos: Option<i64>,
    pub disponivel: bool,
    pub atributos: Map<String, Value>,
}

impl CatalogItem {
    /// Available to sell now: marked available and, when the setor counts stock, in stock.
    pub fn em_estoque(&self) -> bool {
        self.disponivel && self.atributos.get("estoque").and_then(Value::as_i64).is_none_or(|e| e > 0)
    }
}

/// A visit / test drive / service appointment to book.
#[derive(Debug, Clone, PartialEq)]
pub struct NovoAgendamento {
    pub item_id: Option<ItemId>,
    /// Local (Brasília) `YYYY-MM-DD HH:MM`.
    pub data_hora: String,
    pub duracao_min: u32,
    /// `visita`, `test_drive` or `servico`.
    pub tipo: String,
    pub observacao: Option<String>,
    /// How many appointments may overlap (the store refuses one more).
    pub simultaneas: u32,
}

/// An appointment of this conversa's customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgendamentoCliente {
    pub id: i64,
    pub data_hora: String,
    pub tipo: String,
    pub status: String,
    pub item_nome: Option<String>,
}

/// What the customer told about themselves.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DadosLead {
    pub nome: Option<String>,
    pub interesse: Option<String>,
    pub orcamento_centavos: Option<i64>,
    pub email: Option<String>,
    pub horario_preferido: Option<String>,
}

/// The tenant-scoped operations a bot may perform; implemented by the tenant store.
pub trait TenantTools {
    fn search_catalog(&self, q: &CatalogQuery) -> Result<Vec<CatalogItem>>;
    fn item_details(&self, id: ItemId) -> Result<Option<CatalogItem>>;
    /// The catalog's words, values and prices (cached per catalog version by the implementor).
    fn vocabulario(&self) -> Result<Arc<Vocabulario>>;
    /// Booked appointments (not cancelled) starting between `de` and `ate`, inclusive.
    fn agenda_ocupada(&self, de: Data, ate: Data) -> Result<Vec<Ocupado>>;
    /// Books an appointment for this conversa's lead and moves the lead to
    /// `visita_agendada`; a conflict error when the time filled up meanwhile. Returns its id.
    fn schedule(&self, a: &NovoAgendamento) -> Result<i64>;
    /// This customer's upcoming appointments.
    fn agendamentos_do_cliente(&self) -> Result<Vec<AgendamentoCliente>>;
    /// Cancels one of this customer's appointments; false when it is not theirs.
    fn cancel_agendamento(&self, id: i64) -> Result<bool>;
    fn record_lead(&self, d: &DadosLead) -> Result<()>;
    /// The lead's current name (from the customer or the WhatsApp profile).
    fn lead_nome(&self) -> Result<Option<String>>;
    fn handoff(&self, motivo: &str) -> Result<()>;
}
