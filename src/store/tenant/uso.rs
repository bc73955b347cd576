//! Usage counts of one tenant, for the superadmin's list of empresas and plan limits.

use super::TenantDb;
use crate::error::Result;

impl TenantDb {
    /// Messages stored this calendar month (UTC), both directions.
    pub fn uso_mensagens_mes(&self) -> Result<i64> {
        Ok(self.conn()?.query_row(
            "SELECT COUNT(*) FROM mensagens WHERE criado_em >= strftime('%Y-%m-01 00:00:00', 'now')",
            [],
            |r| r.get(0),
        )?)
    }
}
