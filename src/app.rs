//! The application object: everything a request, a job or a command needs, built once and
//! shared as `Arc<App>`.
//!
//! [`App::open`] is also "first start": it creates the data dir, migrates `helixai.db`,
//! creates `secret.key` and, when there is no superadmin yet, one superadmin.

use std::sync::Arc;
use std::time::Instant;

use crate::auth::password;
use crate::auth::throttle::Throttle;
use crate::config::{DataDir, ServerConfig};
use crate::crypto::{random_password, SecretKey};
use crate::domain::{EmpresaId, Papel};
use crate::error::{Error, Result};
use crate::jobs::Sinal;
use crate::metrics::Metrics;
use crate::pipeline::journal::Journal;
use crate::pipeline::roteamento::Roteador;
use crate::store::central::{CentralDb, Empresa, NovoUsuario};
use crate::store::tenant::TenantDb;
use crate::store::TenantManager;

/// The running application.
pub struct App {
    pub data: DataDir,
    pub config: ServerConfig,
    pub central: CentralDb,
    pub tenants: TenantManager,
    pub key: SecretKey,
    pub throttle: Throttle,
    /// phone_number_id → empresa for the webhook (see `pipeline::roteamento`).
    pub roteador: Roteador,
    /// The webhook's durable inbox (see `pipeline::journal`).
    pub journal: Journal,
    /// Wakes the bot workers when new bot work is stored (journal worker, panel replies).
    pub trabalho: Sinal,
    pub started: Instant,
    /// Process-wide counters for `/metrics`.
    pub metrics: Metrics,
    /// The off-site replica's status and handles (its thread runs in `serve`).
    pub replica: crate::replica::Replica,
}

/// What first start created, for the CLI to report once.
#[derive(Debug, Default)]
pub struct FirstStart {
    /// The data dir or central db was created now.
    pub created_central: bool,
    /// A superadmin was created now; the password is set only when it was generated.
    pub superadmin: Option<(String, Option<String>)>,
}

impl App {
    /// Opens the data dir (creating what is missing) with the given server settings.
    pub fn open(data: DataDir, config: ServerConfig) -> Result<(Arc<App>, FirstStart)> {
        let mut first = FirstStart::default();
        let root = data.root();
        std::fs::create_dir_all(data.tenants()).map_err(|e| Error::io(root, e))?;
        first.created_central = !data.central_db().exists();
        let central = CentralDb::open(&data.central_db())?;
        let (key, _) = SecretKey::load_or_create(&data.secret_key())?;
        if central.superadmins_total()? == 0 {
            first.superadmin = Some(create_first_superadmin(&central)?);
        }
        let journal = Journal::open(&data.journal_db(), config.journal_wal_quadros)?;
        let tenants = TenantManager::new(data.tenants(), config.max_open_tenants);
        let throttle = Throttle::new(config.login_throttle);
        let replica = crate::replica::Replica::new(data.clone());
        let app = App {
            data,
            config,
            central,
            tenants,
            key,
            throttle,
            roteador: Roteador::default(),
            journal,
            trabalho: Sinal::default(),
            started: Instant::now(),
            metrics: Metrics::new(),
            replica,
        };
        Ok((Arc::new(app), first))
    }

    /// The tenant db of an empresa (opened and migrated on first use).
    pub fn tenant_db(&self, empresa: &Empresa) -> Result<TenantDb> {
        self.tenants.get(&empresa.tenant_key())
    }

    /// Looks up an empresa by id, 404 if absent.
    pub fn empresa(&self, id: EmpresaId) -> Result<Empresa> {
        self.central.empresa(id)?.ok_or(Error::NotFound("empresa"))
    }
}

/// Email/password from `HELIXAI_ADMIN_EMAIL`/`HELIXAI_ADMIN_PASSWORD`, else `admin@localhost`
/// with a generated password (returned so the CLI prints it once).
fn create_first_superadmin(central: &CentralDb) -> Result<(String, Option<String>)> {
    let email = std::env::var("HELIXAI_ADMIN_EMAIL").ok().filter(|e| !e.trim().is_empty());
    let email = email.unwrap_or_else(|| "admin@localhost".to_owned());
    let (senha, generated) = match std::env::var("HELIXAI_ADMIN_PASSWORD").ok().filter(|p| !p.is_empty()) {
        Some(p) => {
            password::check_policy(&p)?;
            (p, false)
        }
        None => (random_password(16)?, true),
    };
    central.usuario_criar(&NovoUsuario {
        email: email.clone(),
        nome: "Administrador".to_owned(),
        papel: Papel::Superadmin,
        empresa_id: None,
        senha_hash: password::hash(&senha)?,
    })?;
    Ok((email, generated.then_some(senha)))
}
