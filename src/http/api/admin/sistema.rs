//! `/api/admin/sistema`: version, data dir and its size, the tenant LRU, unrouted webhook
//! numbers, tenants that fail, the webhook journal's backlog, uptime.

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::app::App;
use crate::auth::Principal;
use crate::error::Result;
use crate::http::Response;
use crate::pipeline::journal::{JournalStats, TenantRetido};
use crate::store::central::NumeroNaoRoteado;
use crate::store::tenants::TenantFailure;
use crate::store::TenantStats;

/// How many unrouted numbers the page shows (most recent first).
const MAX_NUMEROS: u32 = 200;

#[derive(Serialize)]
struct Sistema {
    versao: &'static str,
    data_dir: String,
    tamanho_data_dir_bytes: u64,
    lru: TenantStats,
    tenants_abertos: usize,
    numeros_nao_roteados: Vec<NumeroNaoRoteado>,
    /// Tenants whose file currently fails to open (corrupt, unreadable, too new).
    tenants_com_falha: Vec<TenantFailure>,
    /// Webhook events acknowledged and not yet in their tenant file.
    journal: JournalStats,
    /// Tenants whose events could not be applied and are being retried.
    entradas_retidas: Vec<TenantRetido>,
    /// Journaled events that could not be read back (kept in `journal.db`, never applied).
    entradas_invalidas: i64,
    uptime_s: u64,
}

/// Total size of the regular files under `dir` (symlinks are not followed; unreadable
/// entries are skipped).
pub fn tamanho_dir(dir: &Path) -> u64 {
    let mut total = 0;
    let mut pilha = vec![dir.to_path_buf()];
    while let Some(d) = pilha.pop() {
        let Ok(entradas) = std::fs::read_dir(&d) else { continue };
        for e in entradas.flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => pilha.push(e.path()),
                Ok(t) if t.is_file() => total += e.metadata().map(|m| m.len()).unwrap_or(0),
                _ => {}
            }
        }
    }
    total
}

/// `GET /api/admin/sistema`.
pub fn obter(app: &Arc<App>, _p: &Principal) -> Result<Response> {
    let lru = app.tenants.stats();
    Ok(Response::ok(&Sistema {
        versao: env!("CARGO_PKG_VERSION"),
        data_dir: app.data.root().display().to_string(),
        tamanho_data_dir_bytes: tamanho_dir(app.data.root()),
        lru,
        tenants_abertos: lru.open,
        numeros_nao_roteados: app.central.numeros_nao_roteados(MAX_NUMEROS)?,
        tenants_com_falha: app.tenants.failures(),
        journal: app.journal.stats(),
        entradas_retidas: app.journal.retidos(),
        entradas_invalidas: app.journal.invalidas()?,
        uptime_s: app.started.elapsed().as_secs(),
    }))
}
