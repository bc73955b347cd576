//! Purging an empresa for good: only a suspended one, only with its slug typed back.
//!
//! Order: delete its Evolution instance (best effort), close its pool, delete its central rows in one transaction (usuarios and their
//! sessions, assinaturas and pagamentos, the empresa row — audit rows stay, and the id is never
//! reused), then remove the tenant file with its -wal/-shm and its media folder. A crash between
//! the two steps leaves orphan files under a name no new empresa can get, never a row without a file.
//! Backups under `data/backups/` are not touched: they are the operator's to keep or delete.

use serde::Serialize;

use crate::app::App;
use crate::domain::EmpresaId;
use crate::error::{Error, Result};
use crate::store::central::EmpresaPurgada;
use crate::store::tenant::remove_db_files;

/// What a purge removed.
#[derive(Debug, Clone, Serialize)]
pub struct Purga {
    pub empresa_id: EmpresaId,
    pub slug: String,
    pub database_name: String,
    #[serde(flatten)]
    pub central: EmpresaPurgada,
    pub arquivo_removido: bool,
    /// Its media folder (`tenants/<database_name>.midia`) was removed (or never existed).
    pub midia_removida: bool,
}

/// Purges empresa `id`: 400 `confirmacao_invalida` unless `confirmar_slug` is its slug, 409
/// `empresa_ativa` unless it is suspended.
pub fn purgar_empresa(app: &App, id: EmpresaId, confirmar_slug: &str) -> Result<Purga> {
    let empresa = app.empresa(id)?;
    if confirmar_slug != empresa.slug {
        return Err(Error::invalid(
            "confirmacao_invalida",
            "para purgar, confirme digitando exatamente o slug da empresa em confirmar_slug",
        ));
    }
    if empresa.ativo {
        return Err(Error::conflict("empresa_ativa", "só uma empresa suspensa pode ser purgada; suspenda-a antes"));
    }
    // Its paired WhatsApp session goes too (best effort: an unreachable Evolution server must
    // not keep a purge from happening; the instance is then the reseller's to delete there).
    if app.central.evolution_instancia(id)?.is_some() {
        if let Err(e) = crate::conexao::excluir(app, &empresa) {
            log::warn!("purga da empresa {id}: instância do Evolution não excluída: {e}");
        }
    }
    app.tenants.close(id);
    let central = app.central.empresa_purgar(id)?;
    // A request that had already opened the tenant may still hold it; closing again after
    // the row is gone leaves nothing cached for this id.
    app.tenants.close(id);
    let path = app.tenants.path_of(&empresa.database_name);
    remove_db_files(&path);
    let arquivo_removido = !path.exists();
    if !arquivo_removido {
        log::error!("purga da empresa {id}: não foi possível remover {}", path.display());
    }
    // Its media files (photos, voice notes, documents) go with it.
    let midia_removida = match crate::media::remover_pasta(app, &empresa) {
        Ok(()) => true,
        Err(e) => {
            log::error!("purga da empresa {id}: pasta de mídia não removida: {e}");
            false
        }
    };
    Ok(Purga {
        empresa_id: id,
        slug: empresa.slug,
        database_name: empresa.database_name.as_str().to_owned(),
        central,
        arquivo_removido,
        midia_removida,
    })
}
