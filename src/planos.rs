//! Plan limits: what an empresa's plano allows, checked before creating users or catalog
//! items (409 when full) and read by the bot pipeline for the monthly message quota.
//! Exceeding a limit never loses data: it only refuses new users/items or changes how the
//! bot answers.

use crate::auth::TenantCtx;
use crate::error::{Error, Result};
use crate::store::central::Plano;

/// The empresa's plano, if it has one (no plano = no limits).
pub fn plano_da_empresa(ctx: &TenantCtx) -> Result<Option<Plano>> {
    match ctx.empresa().plano_id {
        Some(id) => ctx.central().plano(id),
        None => Ok(None),
    }
}

/// 409 when the catalog already holds as many items as the plano allows.
pub fn exigir_cabe_item(ctx: &TenantCtx) -> Result<()> {
    if let Some(limite) = plano_da_empresa(ctx)?.and_then(|p| p.limite_itens_catalogo) {
        if ctx.db().catalogo_total()? >= limite {
            return Err(Error::conflict(
                "limite_plano_itens",
                format!("o plano permite até {limite} itens no catálogo; remova itens ou mude de plano"),
            ));
        }
    }
    Ok(())
}

/// 409 when the empresa already has as many active usuarios as the plano allows.
pub fn exigir_cabe_usuario(ctx: &TenantCtx) -> Result<()> {
    if let Some(limite) = plano_da_empresa(ctx)?.and_then(|p| p.limite_usuarios) {
        let ativos = ctx.central().usuarios(Some(ctx.empresa_id()))?.iter().filter(|u| u.ativo).count() as i64;
        if ativos >= limite {
            return Err(Error::conflict(
                "limite_plano_usuarios",
                format!("o plano permite até {limite} usuários ativos; desative algum ou mude de plano"),
            ));
        }
    }
    Ok(())
}
