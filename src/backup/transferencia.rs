//! Moving an empresa between servers: export to one self-describing file, import it on
//! another data dir.
//!
//! The export is a SQLite file: a consistent online copy of the tenant db whose `meta`
//! also carries the empresa row as JSON (`meta.empresa_json`, see [`EmpresaExportada`]) —
//! never its secrets (WhatsApp token, app secret, LLM key), its plan or its users — and whose
//! extra table carries its media files (written into the new empresa's folder on import). The
//! import checks the file, then recreates the empresa through the same all-or-nothing path
//! as `tenant create` ([`crate::provision::importar_empresa_em`]), migrating the file if it
//! is older; a slug or phone_number_id already in use is a 409.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::clock;
use crate::domain::Setor;
use crate::error::{Error, Result};
use crate::provision::{importar_empresa_em, PedidoEmpresa};
use crate::store::backup::{carimbar_exportacao, copiar_online, verificar_tenant};
use crate::store::central::{Empresa, PerfilEmpresa};
use crate::store::tenant::{file_version, remove_db_files};

/// The format tag of an export's `empresa_json`.
pub const FORMATO: &str = "helixai-exportacao-1";

/// The empresa row as an export carries it. No secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmpresaExportada {
    pub formato: String,
    pub versao_helixai: String,
    pub empresa_id_origem: i64,
    pub nome: String,
    pub slug: String,
    pub setor: Setor,
    pub schema_version: u32,
    pub whatsapp_phone_number_id: Option<String>,
    #[serde(flatten)]
    pub perfil: PerfilEmpresa,
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Exportacao {
    pub arquivo: PathBuf,
    pub tamanho_bytes: u64,
    pub schema_version: u32,
}

/// A temporary sibling of `path` (same directory, so the final rename is atomic).
fn temporario(path: &Path, tag: &str) -> PathBuf {
    let nome = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{nome}.{tag}-{}", std::process::id()))
}

/// Exports an empresa to `destino` (which must not exist yet) while it keeps serving.
pub fn exportar(app: &App, empresa: &Empresa, destino: &Path) -> Result<Exportacao> {
    if destino.exists() {
        return Err(Error::conflict("arquivo_existe", format!("o arquivo {} já existe", destino.display())));
    }
    let tmp = temporario(destino, "exportando");
    remove_db_files(&tmp);
    let result = (|| {
        {
            let _copiando = super::copiando();
            copiar_online(&app.tenants.path_of(&empresa.database_name), &tmp)?;
        }
        // The media files go inside the export (one self-describing file).
        let viva = crate::store::tenants::midia_dir(&app.data.tenants(), &empresa.database_name);
        super::midia::embutir_na_exportacao(&tmp, &viva)?;
        let schema_version = file_version(&tmp)?;
        let dados = EmpresaExportada {
            formato: FORMATO.to_owned(),
            versao_helixai: env!("CARGO_PKG_VERSION").to_owned(),
            empresa_id_origem: empresa.id.0,
            nome: empresa.nome.clone(),
            slug: empresa.slug.clone(),
            setor: empresa.setor,
            schema_version,
            whatsapp_phone_number_id: empresa.whatsapp_phone_number_id.clone(),
            perfil: PerfilEmpresa {
                whatsapp_numero: empresa.whatsapp_numero.clone(),
                llm_base_url: empresa.llm_base_url.clone(),
                llm_modelo: empresa.llm_modelo.clone(),
                prompt_customizado: empresa.prompt_customizado.clone(),
                configuracoes_json: empresa.configuracoes_json.clone(),
            },
        };
        let json = serde_json::to_string(&dados).map_err(|e| Error::Internal(format!("exportar: {e}")))?;
        carimbar_exportacao(&tmp, &json, &clock::sqlite_timestamp(clock::unix_now()))?;
        std::fs::rename(&tmp, destino).map_err(|e| Error::io(destino, e))?;
        let tamanho_bytes = std::fs::metadata(destino).map(|m| m.len()).unwrap_or(0);
        Ok(Exportacao { arquivo: destino.to_owned(), tamanho_bytes, schema_version })
    })();
    remove_db_files(&tmp);
    result
}

/// Reads and checks an export without importing it (integrity, schema, its empresa row).
pub fn ler_exportacao(copia: &Path) -> Result<EmpresaExportada> {
    let v = verificar_tenant(copia)?;
    let json = v.empresa_json.ok_or_else(|| {
        Error::invalid(
            "nao_e_exportacao",
            "o arquivo não é uma exportação do HelixAI (meta sem empresa_json); \
             para voltar um backup da mesma empresa use `helixai restore`",
        )
    })?;
    let dados: EmpresaExportada = serde_json::from_str(&json)
        .map_err(|e| Error::invalid("nao_e_exportacao", format!("empresa_json ilegível na exportação: {e}")))?;
    if dados.formato != FORMATO {
        return Err(Error::invalid(
            "nao_e_exportacao",
            format!("formato de exportação desconhecido: {}", dados.formato),
        ));
    }
    if dados.setor != v.setor {
        return Err(Error::invalid("arquivo_invalido", "a exportação é inconsistente (setor do meta difere)"));
    }
    Ok(dados)
}

/// Imports an export into this data dir as a new empresa (slug `novo_slug` or the exported
/// one). A slug or phone_number_id already in use is refused with a 409 and nothing is
/// created. The empresa's secrets are not in the file: set them again afterwards.
pub fn importar(app: &App, arquivo: &Path, novo_slug: Option<&str>) -> Result<Empresa> {
    if !arquivo.is_file() {
        return Err(Error::invalid("arquivo_invalido", format!("arquivo não encontrado: {}", arquivo.display())));
    }
    let tenants_dir = app.data.tenants();
    std::fs::create_dir_all(&tenants_dir).map_err(|e| Error::io(&tenants_dir, e))?;
    let copia = tenants_dir.join(format!(".importacao-{}.db", std::process::id()));
    remove_db_files(&copia);
    let result = (|| {
        std::fs::copy(arquivo, &copia).map_err(|e| Error::io(&copia, e))?;
        let dados = ler_exportacao(&copia)?;
        let pedido = PedidoEmpresa {
            nome: dados.nome.clone(),
            slug: novo_slug.map_or_else(|| dados.slug.clone(), str::to_owned),
            setor: dados.setor,
            whatsapp_phone_number_id: dados.whatsapp_phone_number_id.clone(),
            plano_id: None,
        };
        importar_empresa_em(&app.central, &tenants_dir, &pedido, &dados.perfil, &copia)
    })();
    remove_db_files(&copia);
    if let Ok(e) = &result {
        // Its media folder is new: the off-site replica lists it.
        app.tenants.alteracoes().marcar_midia(e.id);
        if let Ok(db) = app.tenant_db(e) {
            crate::media::Acervo::de(app, e, &db).atualizar_uso();
        }
    }
    match &result {
        Ok(e) => log::info!("empresa {} importada de {} (id {})", e.slug, arquivo.display(), e.id),
        Err(e) => log::info!("importação de {} recusada: {e}", arquivo.display()),
    }
    result
}
