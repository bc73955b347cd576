//! Authentication and authorisation: passwords, sessions, roles — and the only place that
//! mints a tenant context.

pub mod password;

use crate::app::App;
use crate::domain::UsuarioId;
use crate::error::Result;

/// Sets a new password for a usuario. (Session revocation joins this when sessions land.)
pub fn trocar_senha(app: &App, usuario: UsuarioId, nova: &str) -> Result<()> {
    password::check_policy(nova)?;
    app.central.usuario_definir_senha(usuario, &password::hash(nova)?)
}
