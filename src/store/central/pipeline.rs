//! SQL for the message pipeline's central side: the pending-work index (tenants with bot
//! jobs, so workers never open every tenant file), unrouted webhook numbers (counted for the
//! superadmin's system page, read in `sistema.rs`) and the routing generation (bumped by triggers on `empresas`, so the webhook's
//! phone_number_id cache notices changes made by any process at once).

use rusqlite::params;

use super::CentralDb;
use crate::domain::EmpresaId;
use crate::error::Result;

impl CentralDb {
    /// Marks an empresa as having pending bot jobs (idempotent).
    ///
    /// Skips the write when this process already marked the tenant and nobody unmarked it
    /// since: every unmark goes through [`Self::trabalho_desmarcar`], which forgets it first.
    pub fn trabalho_marcar(&self, id: EmpresaId) -> Result<()> {
        if self.marcados_lock().contains(&id) {
            return Ok(());
        }
        self.conn()?.execute("INSERT OR IGNORE INTO trabalho_pendente (empresa_id) VALUES (?1)", [id.0])?;
        self.marcados_lock().insert(id);
        Ok(())
    }

    pub(super) fn marcados_lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<EmpresaId>> {
        self.marcados.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Removes the mark. Callers remove first and then re-check the tenant, re-marking when
    /// work remains, so a job queued meanwhile is never forgotten.
    pub fn trabalho_desmarcar(&self, id: EmpresaId) -> Result<()> {
        self.marcados_lock().remove(&id);
        self.conn()?.execute("DELETE FROM trabalho_pendente WHERE empresa_id = ?1", [id.0])?;
        Ok(())
    }

    /// Empresas with pending work, oldest mark first.
    pub fn trabalho_listar(&self) -> Result<Vec<EmpresaId>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare("SELECT empresa_id FROM trabalho_pendente ORDER BY desde, empresa_id")?;
        let rows = stmt.query_map([], |r| Ok(EmpresaId(r.get(0)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Counts one webhook event for a phone_number_id no empresa owns.
    pub fn nao_roteado_contar(&self, phone_number_id: &str, display: Option<&str>) -> Result<()> {
        self.conn()?.execute(
            "INSERT INTO numeros_nao_roteados (phone_number_id, display_phone_number, total) VALUES (?1, ?2, 1)
             ON CONFLICT(phone_number_id) DO UPDATE SET total = total + 1,
                 display_phone_number = COALESCE(excluded.display_phone_number, display_phone_number),
                 ultimo_em = CURRENT_TIMESTAMP",
            params![phone_number_id, display],
        )?;
        Ok(())
    }

    /// The routing generation: changes whenever any empresa row changes, in any process.
    ///
    /// Read on every webhook, on a read-only connection of the calling thread's own (kept
    /// open, the statement compiled): the pool's connections are shared with background
    /// threads, and a webhook must never wait for one of them to give a connection back
    /// (issue #20). A WAL reader never waits for a writer either.
    pub fn roteamento_geracao(&self) -> Result<i64> {
        GERACAO.with(|celula| {
            let mut celula = celula.borrow_mut();
            let conn = match &mut *celula {
                Some((instancia, conn)) if *instancia == self.instancia => conn,
                outra => {
                    let conn = rusqlite::Connection::open_with_flags(
                        &self.path,
                        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )?;
                    conn.execute_batch("PRAGMA busy_timeout = 5000; PRAGMA cache_size = -64;")?;
                    &mut outra.insert((self.instancia, conn)).1
                }
            };
            let mut stmt = conn.prepare_cached("SELECT valor FROM roteamento_geracao WHERE id = 1")?;
            let geracao = stmt.query_row([], |r| r.get(0))?;
            self.abrir_marca_de_commit();
            Ok(geracao)
        })
    }

    /// A mark of the central db's last commit, by any connection of any process: the first
    /// copy of the WAL-index header (bytes 0..48 of `helixai.db-shm`, whose `iChange` every
    /// commit bumps; <https://www.sqlite.org/walformat.html>, "the WAL-index header"). SQLite's
    /// readers take a commit as done once that copy is written, so an unchanged mark means no
    /// commit since, and the routing generation read under it still holds. One `pread`: the
    /// webhook reads it instead of opening a read transaction for the generation on every
    /// request (issue #20: that read was 5% of the server's CPU in a flood).
    ///
    /// `None` until [`Self::roteamento_geracao`] has run once (it opens the file, which
    /// exists while this process has a connection open, and the webhook threads keep theirs),
    /// or when it cannot be read: the caller then reads the generation itself.
    pub fn marca_de_commit(&self) -> Option<[u8; 48]> {
        self.shm.cabecalho()
    }

    /// Opens `helixai.db-shm` for [`Self::marca_de_commit`] once a generation read has mapped
    /// it; a failure leaves the mark off (tried again on the next read).
    fn abrir_marca_de_commit(&self) {
        self.shm.abrir(&self.path);
    }
}

thread_local! {
    /// The calling thread's read connection for [`CentralDb::roteamento_geracao`], with the
    /// number of the [`CentralDb`] it belongs to.
    static GERACAO: std::cell::RefCell<Option<(u64, rusqlite::Connection)>> = const { std::cell::RefCell::new(None) };
}
