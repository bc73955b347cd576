//! Creating an empresa: the central row and its tenant file, all or nothing.
//!
//! The one path used by `helixai tenant create`, `helixai tenant import`, the superadmin API
//! and `--demo`.

use crate::app::App;
use crate::domain::{validate_slug, PlanoId, Setor};
use crate::error::{Error, Result};
use std::path::Path;

use crate::store::backup::preparar_para_tenant;
use crate::store::central::{CentralDb, Empresa, NovaEmpresa, PerfilEmpresa};
use crate::store::tenant::{create_file, remove_db_files};
use crate::store::tenants::{midia_dir, tenant_path};

/// Input for [`criar_empresa`], as received.
#[derive(Debug, Clone)]
pub struct PedidoEmpresa {
    pub nome: String,
    pub slug: String,
    pub setor: Setor,
    pub whatsapp_phone_number_id: Option<String>,
    pub plano_id: Option<PlanoId>,
}

/// Validates the phone_number_id Meta assigns (digits only).
pub fn validate_phone_number_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid("phone_number_id_invalido", "phone_number_id deve conter só dígitos (até 32)"));
    }
    Ok(())
}

/// Creates the empresa row and its migrated tenant file. On any failure no row and no file
/// remain.
pub fn criar_empresa(app: &App, pedido: &PedidoEmpresa) -> Result<Empresa> {
    criar_empresa_em(&app.central, &app.data.tenants(), pedido)
}

/// [`criar_empresa`] against explicit stores (commands that do not build a full App).
pub fn criar_empresa_em(central: &CentralDb, tenants_dir: &Path, pedido: &PedidoEmpresa) -> Result<Empresa> {
    criar_com(central, tenants_dir, pedido, None, |path, e| create_file(path, e.id, &e.slug, e.setor))
}

/// Recreates an exported empresa (`helixai tenant import`): the central row with the
/// exported settings, its tenant file made from `fonte` (a checked copy of the export,
/// migrated if older, its `meta` rewritten for the new id/slug), and its media folder from
/// the files the export carries. Same rules and the same
/// all-or-nothing as [`criar_empresa`]: a slug or phone_number_id clash is a 409 and leaves
/// nothing behind.
pub fn importar_empresa_em(
    central: &CentralDb,
    tenants_dir: &Path,
    pedido: &PedidoEmpresa,
    perfil: &PerfilEmpresa,
    fonte: &Path,
) -> Result<Empresa> {
    criar_com(central, tenants_dir, pedido, Some(perfil), |path, e| {
        if path.exists() {
            return Err(Error::conflict(
                "arquivo_existe",
                format!("o arquivo do tenant já existe: {}", path.display()),
            ));
        }
        let tmp = path.with_extension("db.importando");
        remove_db_files(&tmp);
        let midias = midia_dir(tenants_dir, &e.database_name);
        let result = std::fs::copy(fonte, &tmp)
            .map_err(|err| Error::io(&tmp, err))
            .and_then(|_| crate::backup::midia::extrair_da_exportacao(fonte, &midias))
            .and_then(|_| preparar_para_tenant(&tmp, e.id, &e.slug, e.setor))
            .and_then(|()| std::fs::rename(&tmp, path).map_err(|err| Error::io(path, err)));
        if result.is_err() {
            remove_db_files(&tmp);
            let _ = std::fs::remove_dir_all(&midias);
        }
        result
    })
}

/// The one creation path: validate, insert the row, make the file inside the still-open
/// transaction, and undo the file if anything after it fails.
fn criar_com(
    central: &CentralDb,
    tenants_dir: &Path,
    pedido: &PedidoEmpresa,
    perfil: Option<&PerfilEmpresa>,
    make_file: impl FnOnce(&Path, &Empresa) -> Result<()>,
) -> Result<Empresa> {
    let nome = pedido.nome.trim();
    if nome.is_empty() || nome.chars().count() > 200 {
        return Err(Error::invalid("nome_invalido", "o nome da empresa é obrigatório (até 200 caracteres)"));
    }
    validate_slug(&pedido.slug)?;
    if let Some(id) = &pedido.whatsapp_phone_number_id {
        validate_phone_number_id(id)?;
    }
    std::fs::create_dir_all(tenants_dir).map_err(|e| Error::io(tenants_dir, e))?;
    let nova = NovaEmpresa {
        nome: nome.to_owned(),
        slug: pedido.slug.clone(),
        setor: pedido.setor,
        whatsapp_phone_number_id: pedido.whatsapp_phone_number_id.clone(),
        plano_id: pedido.plano_id,
    };
    let mut created = None;
    let result = central.empresa_criar_com_perfil(&nova, perfil, |e| {
        let path = tenant_path(tenants_dir, &e.database_name);
        make_file(&path, e)?;
        created = Some(path);
        fail_point("apos_criar_arquivo")
    });
    if result.is_err() {
        if let Some(path) = created {
            remove_db_files(&path);
        }
    }
    result
}

/// Fault injection for tests: `HELIXAI_FAIL_POINT=<name>` makes the named step fail.
fn fail_point(name: &str) -> Result<()> {
    match std::env::var("HELIXAI_FAIL_POINT") {
        Ok(v) if v == name => Err(Error::Internal(format!("falha simulada em {name}"))),
        _ => Ok(()),
    }
}
