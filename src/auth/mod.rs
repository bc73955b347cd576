//! Authentication and authorisation: passwords, sessions, login throttling, roles — and the
//! only place that mints a [`TenantCtx`].

pub mod ctx;
pub mod password;
pub mod session;
pub mod throttle;

pub use ctx::TenantCtx;
pub use session::{Identidade, Principal};

use crate::app::App;
use crate::domain::{Papel, UsuarioId};
use crate::error::{Error, Result};
use crate::store::central::CentralDb;

/// Sets a new password for a usuario (admin reset, CLI) and revokes all their sessions.
pub fn trocar_senha(app: &App, usuario: UsuarioId, nova: &str) -> Result<()> {
    redefinir_senha(&app.central, usuario, nova)
}

/// The same as [`trocar_senha`] for callers that hold only the central db (a tenant handler
/// resetting one of its empresa's usuarios, after checking the usuario is theirs).
pub fn redefinir_senha(central: &CentralDb, usuario: UsuarioId, nova: &str) -> Result<()> {
    password::check_policy(nova)?;
    central.usuario_definir_senha(usuario, &password::hash(nova)?)?;
    central.sessoes_revogar_usuario(usuario, None)?;
    Ok(())
}

/// Fails with 403 unless the principal is a superadmin.
pub fn exigir_superadmin(p: &Principal) -> Result<()> {
    if p.usuario.papel == Papel::Superadmin {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}
