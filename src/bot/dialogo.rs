//! What the bot remembers about one conversa between turns ([`EstadoDialogo`]): the items it
//! last showed and the one in focus, the search behind them, its own last offer (so "sim"
//! means something), whether it greeted and asked the name, a booking in progress, and every
//! price a tool returned (the price guard allows them in later turns). Serialised as JSON and
//! kept per conversa by the store; unknown or missing fields read as defaults, so the shape
//! can grow without a migration.

use serde::{Deserialize, Serialize};

use crate::bot::agenda::Preferencia;
use crate::bot::entender::filtros::{Filtros, Ordem};
use crate::domain::ItemId;

/// How many prices from tool results are kept.
pub const MAX_PRECOS: usize = 300;
/// How many ids already shown for the current search are kept.
pub const MAX_JA_MOSTRADOS: usize = 60;

/// An item the bot showed, with the price it quoted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemMostrado {
    pub id: ItemId,
    pub nome: String,
    #[serde(default)]
    pub preco_centavos: Option<i64>,
}

/// The search behind the last list (for "outras opções", "tem mais barato?", "e automático?").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BuscaSalva {
    /// Search words as the customer meant them (after corrections).
    pub termos: Vec<String>,
    pub filtros: Filtros,
    pub ordem: Option<Ordem>,
}

/// The bot's last offer, which a short "sim" accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "tipo", rename_all = "snake_case")]
pub enum Oferta {
    /// Book a visit / test drive (for an item, when there is one).
    Agendar { item: Option<ItemId> },
    /// Hand over to a person.
    Atendente { motivo: String },
    /// Show more results of the same search.
    MaisOpcoes,
    /// Tell the team to order or notify about an item out of stock.
    Encomenda { item: ItemId },
    /// Show an item's details.
    Detalhes { item: ItemId },
}

/// The kind of appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TipoAgendamento {
    Visita,
    TestDrive,
    Servico,
}

impl TipoAgendamento {
    /// The value stored in `agendamentos.tipo`.
    pub fn as_str(self) -> &'static str {
        match self {
            TipoAgendamento::Visita => "visita",
            TipoAgendamento::TestDrive => "test_drive",
            TipoAgendamento::Servico => "servico",
        }
    }

    /// `visita`, `test drive`, `atendimento` for the customer.
    pub fn rotulo(self) -> &'static str {
        match self {
            TipoAgendamento::Visita => "visita",
            TipoAgendamento::TestDrive => "test drive",
            TipoAgendamento::Servico => "atendimento",
        }
    }
}

/// A booking being arranged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgendamentoEmCurso {
    pub tipo: TipoAgendamento,
    #[serde(default)]
    pub item: Option<ItemMostrado>,
    /// Times offered (`YYYY-MM-DD HH:MM`, local), in the order shown.
    #[serde(default)]
    pub opcoes: Vec<String>,
    /// The time chosen, waiting for the customer's name.
    #[serde(default)]
    pub escolhido: Option<String>,
    /// What the customer asked for when the offer was made.
    #[serde(default)]
    pub preferencia: Preferencia,
}

/// The dialog state of one conversa.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EstadoDialogo {
    /// The last list shown (at most five), in order.
    pub mostrados: Vec<ItemMostrado>,
    /// The item being talked about.
    pub foco: Option<ItemMostrado>,
    pub busca: Option<BuscaSalva>,
    /// Ids already shown for `busca` ("outras opções" skips them).
    pub ja_mostrados: Vec<ItemId>,
    pub oferta: Option<Oferta>,
    pub saudou: bool,
    /// The name the customer gave.
    pub nome: Option<String>,
    pub nome_perguntado: bool,
    pub agendamento: Option<AgendamentoEmCurso>,
    /// Every price (centavos) tool results carried in this conversa.
    pub precos_citados: Vec<i64>,
    /// Consecutive messages the bot did not understand.
    pub nao_entendidas: u8,
    /// What the lead card last got (to write only changes).
    pub ficha: FichaRegistrada,
}

/// The lead fields the bot already wrote.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FichaRegistrada {
    pub interesse: Option<String>,
    pub orcamento_centavos: Option<i64>,
    pub horario_preferido: Option<String>,
}

impl EstadoDialogo {
    /// Reads a stored state; anything unreadable starts afresh.
    pub fn de_json(s: Option<&str>) -> EstadoDialogo {
        s.and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default()
    }

    /// The JSON to store.
    pub fn para_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }

    /// Remembers prices a tool returned (bounded, oldest dropped).
    pub fn lembrar_precos(&mut self, precos: &[i64]) {
        for p in precos {
            if !self.precos_citados.contains(p) {
                self.precos_citados.push(*p);
            }
        }
        let excesso = self.precos_citados.len().saturating_sub(MAX_PRECOS);
        self.precos_citados.drain(..excesso);
    }

    /// Records a list just shown (and remembers its prices).
    pub fn mostrar(&mut self, itens: Vec<ItemMostrado>) {
        let precos: Vec<i64> = itens.iter().filter_map(|i| i.preco_centavos).collect();
        self.lembrar_precos(&precos);
        for i in &itens {
            if !self.ja_mostrados.contains(&i.id) {
                self.ja_mostrados.push(i.id);
            }
        }
        let excesso = self.ja_mostrados.len().saturating_sub(MAX_JA_MOSTRADOS);
        self.ja_mostrados.drain(..excesso);
        self.foco = if itens.len() == 1 { itens.first().cloned() } else { None };
        self.mostrados = itens;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tolerates_old_or_broken_json() {
        let mut e = EstadoDialogo { saudou: true, nome: Some("João".into()), ..EstadoDialogo::default() };
        e.mostrar(vec![ItemMostrado { id: ItemId(3), nome: "Corolla".into(), preco_centavos: Some(11_890_000) }]);
        e.oferta = Some(Oferta::Agendar { item: Some(ItemId(3)) });
        let back = EstadoDialogo::de_json(Some(&e.para_json()));
        assert_eq!(back, e);
        assert_eq!(back.foco.map(|f| f.id), Some(ItemId(3)));
        assert_eq!(back.precos_citados, [11_890_000]);
        assert!(EstadoDialogo::de_json(Some("{\"saudou\":true,\"campo_novo\":1}")).saudou);
        assert_eq!(EstadoDialogo::de_json(Some("não é json")), EstadoDialogo::default());
        assert_eq!(EstadoDialogo::de_json(None), EstadoDialogo::default());
    }

    #[test]
    fn memories_are_bounded() {
        let mut e = EstadoDialogo::default();
        let precos: Vec<i64> = (0..(MAX_PRECOS as i64 + 10)).collect();
        e.lembrar_precos(&precos);
        assert_eq!(e.precos_citados.len(), MAX_PRECOS);
        assert_eq!(e.precos_citados[0], 10, "the oldest go first");
    }
}
