//! Usage counts of one tenant: "mensagens do mês", the one figure the dashboard, the plan
//! card, the reseller's list of empresas and the plano's quota check all read.

use super::TenantDb;
use crate::error::Result;

impl TenantDb {
    /// "Mensagens do mês": replies the bot sent on WhatsApp since the 1st of this month (UTC),
    /// failed sends excluded — what a plano's `limite_mensagens_mes` counts. Customers'
    /// messages, people's replies and the panel's simulator do not count.
    pub fn mensagens_do_mes(&self) -> Result<i64> {
        Ok(self.conn()?.query_row(
            "SELECT COUNT(*) FROM mensagens m JOIN conversas c ON c.id = m.conversa_id
             WHERE m.criado_em >= datetime('now', 'start of month') AND m.direcao = 'saida' AND m.autor = 'bot'
               AND m.status != 'falhou' AND c.canal != 'simulador'",
            [],
            |r| r.get(0),
        )?)
    }
}
