//! Applying a batch of webhook events to one tenant in ONE transaction: what the journal
//! worker (`pipeline::journal`) does with an empresa's waiting events. The same idempotent
//! steps as one message at a time (`conversas.rs`), so a batch applied twice (a crash after
//! the tenant commit, before the journal forgot it) changes nothing the second time.

use rusqlite::TransactionBehavior;

use super::conversas::{entrada_tx, saida_externa_tx, status_tx, EntradaRegistrada, NovaEntrada};
use super::TenantDb;
use crate::error::Result;

/// One event of a batch.
#[derive(Debug, Clone)]
pub enum ItemLote<'a> {
    /// A customer's message (lead, conversa, mensagem, bot job).
    Entrada(NovaEntrada<'a>),
    /// A message the business sent from its own phone (Evolution `fromMe`).
    SaidaExterna(NovaEntrada<'a>),
    /// A delivery status for one of our outbound messages.
    Status { wa_message_id: &'a str, status: &'a str, erro: Option<(i64, &'a str)> },
}

/// What one item did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultadoLote {
    Entrada(EntradaRegistrada),
    /// Whether the status moved a mensagem forward.
    Status(bool),
}

impl TenantDb {
    /// Applies every item in order, all or nothing.
    pub fn registrar_lote(&self, itens: &[ItemLote<'_>]) -> Result<Vec<ResultadoLote>> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Vec::with_capacity(itens.len());
        for item in itens {
            out.push(match item {
                ItemLote::Entrada(e) => ResultadoLote::Entrada(entrada_tx(&tx, e)?),
                ItemLote::SaidaExterna(e) => ResultadoLote::Entrada(saida_externa_tx(&tx, e)?),
                ItemLote::Status { wa_message_id, status, erro } => {
                    ResultadoLote::Status(status_tx(&tx, wa_message_id, status, *erro)?)
                }
            });
        }
        tx.commit()?;
        Ok(out)
    }
}
