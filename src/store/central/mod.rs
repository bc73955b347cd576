//! CentralDb: `data/helixai.db` — empresas, usuarios, planos, assinaturas, pagamentos,
//! sessoes, auditoria and the pending-work index. SQL per concern in the submodules.

pub mod ajustes;
pub mod assinaturas;
pub mod auditoria;
pub mod empresa_config;
pub mod empresas;
pub mod equipe;
pub mod evolution;
pub mod midia_uso;
pub mod pagamentos;
pub mod pipeline;
pub mod planos;
pub mod sessoes;
pub mod sistema;
pub mod usuarios;

use std::path::{Path, PathBuf};

use r2d2::PooledConnection;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};
use crate::store::{configure, integrity_check, migrate};

pub use assinaturas::{AlteraAssinatura, Assinatura, FiltroAssinaturas, NovaAssinatura, StatusAssinatura, Vencimentos};
pub use auditoria::{Auditoria, FiltroAuditoria, NovaAuditoria};
pub use empresa_config::{BotAlteracao, WhatsappAlteracao};
pub use empresas::{
    AlteraEmpresa, Empresa, EmpresaPurgada, EmpresaSegredos, FiltroEmpresas, NovaEmpresa, PerfilEmpresa,
};
pub use equipe::EquipeAlteracao;
pub use evolution::{InstanciaEvolution, MudancaEstado};
pub use pagamentos::{FiltroPagamentos, NovoPagamento, Pagamento, PagamentoRegistrado};
pub use planos::{NovoPlano, Plano};
pub use sessoes::SessaoViva;
pub use sistema::NumeroNaoRoteado;
pub use usuarios::{FiltroUsuarios, NovoUsuario, Usuario};

type Conn = PooledConnection<SqliteConnectionManager>;

/// The central database.
#[derive(Clone)]
pub struct CentralDb {
    pool: r2d2::Pool<SqliteConnectionManager>,
    path: PathBuf,
    /// Empresas this process knows are in `trabalho_pendente`, so a webhook burst marks a
    /// tenant with one central write instead of one per message (see `pipeline.rs`).
    marcados: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<crate::domain::EmpresaId>>>,
    /// This open's number in the process: keys the webhook threads' own read connections
    /// (`pipeline::roteamento_geracao`), so two data dirs in one process never share one.
    instancia: u64,
    /// `helixai.db-shm`, opened once the first generation read has mapped it (see
    /// `pipeline::marca_de_commit`).
    shm: std::sync::Arc<crate::store::indice_wal::IndiceWal>,
}

/// Numbers handed to each [`CentralDb::open`].
static INSTANCIAS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl CentralDb {
    /// Opens (creating if needed) and migrates the central db at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        {
            // Create + WAL + migrate on one plain connection before pooling.
            let mut conn = Connection::open(path)?;
            conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
            configure(&conn, 2048)?;
            migrate::central(&mut conn, path)?;
        }
        let manager = SqliteConnectionManager::file(path)
            .with_flags(OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .with_init(|c| configure(c, 2048));
        // No validity query on each checkout: a local file's connection does not go stale,
        // and the webhook checks out a central connection on every request (issue #7: the
        // check was 4% of the webhook threads' CPU).
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .min_idle(Some(1))
            .test_on_check_out(false)
            .connection_timeout(std::time::Duration::from_secs(10))
            .build(manager)?;
        let instancia = INSTANCIAS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(CentralDb { pool, path: path.to_owned(), marcados: Default::default(), instancia, shm: Default::default() })
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> Result<Conn> {
        Ok(self.pool.get()?)
    }

    /// A cheap liveness query for /healthz.
    pub fn ping(&self) -> Result<()> {
        let one: i64 = self.conn()?.query_row("SELECT 1", [], |r| r.get(0))?;
        if one == 1 {
            Ok(())
        } else {
            Err(Error::Internal("SELECT 1".into()))
        }
    }

    /// `PRAGMA integrity_check` on the central db.
    pub fn integrity_check(&self) -> Result<()> {
        integrity_check(&*self.conn()?)
    }
}
