//! SQL for the bot's memory: the dialog state of each conversa (JSON the bot reads and
//! writes, see `bot::dialogo`), and the simulator's sandbox conversations (state and text
//! history per panel user and session, never leads or conversas; old ones are purged).

use rusqlite::{params, OptionalExtension};

use super::TenantDb;
use crate::domain::ConversaId;
use crate::error::Result;

/// Sandbox conversations untouched this long are deleted.
const SANDBOX_VIDA_MS: i64 = 24 * 3600 * 1000;

/// Stores a conversa's dialog state on `conn` (inside a caller's transaction when it has one).
pub(super) fn gravar(conn: &rusqlite::Connection, conversa: ConversaId, estado: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO conversas_dialogo (conversa_id, estado) VALUES (?1, ?2)
         ON CONFLICT(conversa_id) DO UPDATE SET estado = excluded.estado, atualizado_em = CURRENT_TIMESTAMP",
    )?
    .execute(params![conversa.0, estado])?;
    Ok(())
}

impl TenantDb {
    /// A conversa's dialog state (JSON), if the bot stored one.
    pub fn dialogo_ler(&self, conversa: ConversaId) -> Result<Option<String>> {
        Ok(self
            .conn()?
            .prepare_cached("SELECT estado FROM conversas_dialogo WHERE conversa_id = ?1")?
            .query_row([conversa.0], |r| r.get(0))
            .optional()?)
    }

    /// Stores a conversa's dialog state (JSON).
    pub fn dialogo_gravar(&self, conversa: ConversaId, estado: &str) -> Result<()> {
        gravar(&*self.conn()?, conversa, estado)
    }

    /// A sandbox conversation: (dialog state JSON, history JSON).
    pub fn sandbox_ler(&self, chave: &str) -> Result<Option<(String, String)>> {
        Ok(self
            .conn()?
            .query_row("SELECT estado, historico FROM bot_sandbox WHERE chave = ?1", [chave], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?)
    }

    /// Stores a sandbox conversation, purges the ones idle for a day and notes that the bot
    /// was tested (the dashboard's first steps).
    pub fn sandbox_gravar(&self, chave: &str, estado: &str, historico: &str, agora_ms: i64) -> Result<()> {
        let conn = self.conn()?;
        conn.execute(
            "INSERT INTO bot_sandbox (chave, estado, historico, atualizado_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(chave) DO UPDATE SET estado = excluded.estado, historico = excluded.historico,
                 atualizado_ms = excluded.atualizado_ms",
            params![chave, estado, historico, agora_ms],
        )?;
        conn.execute("DELETE FROM bot_sandbox WHERE atualizado_ms < ?1", [agora_ms - SANDBOX_VIDA_MS])?;
        // The first steps' "bot testado" outlives the purged sandboxes.
        conn.execute("INSERT OR IGNORE INTO meta (chave, valor) VALUES ('bot_testado', '1')", [])?;
        Ok(())
    }

    /// Forgets a sandbox conversation ("Nova conversa de teste").
    pub fn sandbox_apagar(&self, chave: &str) -> Result<()> {
        self.conn()?.execute("DELETE FROM bot_sandbox WHERE chave = ?1", [chave])?;
        Ok(())
    }
}
