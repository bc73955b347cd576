//! SQL for empresas (tenants) in the central db.

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use super::CentralDb;
use crate::domain::{Canal, EmpresaId, PlanoId, Setor};
use crate::error::{Error, Result};
use crate::store::tenants::{DatabaseName, TenantKey};

/// An empresa as the rest of the program sees it. Secrets are not here (see [`EmpresaSegredos`]);
/// only whether each is set.
#[derive(Debug, Clone, Serialize)]
pub struct Empresa {
    pub id: EmpresaId,
    pub nome: String,
    pub slug: String,
    pub setor: Setor,
    pub database_name: DatabaseName,
    pub whatsapp_numero: Option<String>,
    pub whatsapp_phone_number_id: Option<String>,
    /// Cloud API or Evolution (QR code).
    pub whatsapp_canal: Canal,
    pub llm_base_url: Option<String>,
    pub llm_modelo: Option<String>,
    pub prompt_customizado: Option<String>,
    pub configuracoes_json: String,
    pub ativo: bool,
    pub plano_id: Option<PlanoId>,
    pub tem_whatsapp_token: bool,
    pub tem_app_secret: bool,
    pub tem_openai_api_key: bool,
    pub criado_em: String,
    pub atualizado_em: String,
}

impl Empresa {
    /// What the TenantManager needs to open this empresa's file.
    pub fn tenant_key(&self) -> TenantKey {
        TenantKey { id: self.id, database_name: self.database_name.clone(), setor: self.setor }
    }
}

/// The encrypted secrets of an empresa, as stored (ciphertexts).
#[derive(Default, Clone)]
pub struct EmpresaSegredos {
    pub whatsapp_token: Option<Vec<u8>>,
    pub whatsapp_app_secret: Option<Vec<u8>>,
    pub openai_api_key: Option<Vec<u8>>,
}

impl std::fmt::Debug for EmpresaSegredos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EmpresaSegredos(***)")
    }
}

/// Input for creating an empresa.
#[derive(Debug, Clone)]
pub struct NovaEmpresa {
    pub nome: String,
    pub slug: String,
    pub setor: Setor,
    pub whatsapp_phone_number_id: Option<String>,
    pub plano_id: Option<PlanoId>,
}

/// The empresa's own settings that travel with an export (no secrets, no plan, no ids).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PerfilEmpresa {
    pub whatsapp_numero: Option<String>,
    pub llm_base_url: Option<String>,
    pub llm_modelo: Option<String>,
    pub prompt_customizado: Option<String>,
    pub configuracoes_json: String,
}

const COLS: &str = "id, nome, slug, setor, database_name, whatsapp_numero, whatsapp_phone_number_id, llm_base_url, \
    llm_modelo, prompt_customizado, configuracoes_json, ativo, plano_id, whatsapp_token IS NOT NULL, \
    whatsapp_app_secret IS NOT NULL, openai_api_key IS NOT NULL, criado_em, atualizado_em, whatsapp_canal";

/// Reads one row; the inner `Result` carries a bad stored setor or database_name as an
/// error instead of a panic.
fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Empresa>> {
    let setor = match r.get::<_, String>(3)?.parse::<Setor>() {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let database_name = match DatabaseName::parse(&r.get::<_, String>(4)?) {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    let whatsapp_canal = match r.get::<_, String>(18)?.parse::<Canal>() {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(Empresa {
        id: EmpresaId(r.get(0)?),
        nome: r.get(1)?,
        slug: r.get(2)?,
        setor,
        database_name,
        whatsapp_numero: r.get(5)?,
        whatsapp_phone_number_id: r.get(6)?,
        whatsapp_canal,
        llm_base_url: r.get(7)?,
        llm_modelo: r.get(8)?,
        prompt_customizado: r.get(9)?,
        configuracoes_json: r.get(10)?,
        ativo: r.get(11)?,
        plano_id: r.get::<_, Option<i64>>(12)?.map(PlanoId),
        tem_whatsapp_token: r.get(13)?,
        tem_app_secret: r.get(14)?,
        tem_openai_api_key: r.get(15)?,
        criado_em: r.get(16)?,
        atualizado_em: r.get(17)?,
    }))
}

impl CentralDb {
    /// Creates an empresa. `dentro` runs inside the still-open transaction with the new row
    /// (it creates the tenant file); if it fails, or the commit fails, no row remains.
    pub fn empresa_criar(&self, nova: &NovaEmpresa, dentro: impl FnOnce(&Empresa) -> Result<()>) -> Result<Empresa> {
        self.empresa_criar_com_perfil(nova, None, dentro)
    }

    /// [`CentralDb::empresa_criar`] that also sets the empresa's own settings (an import).
    pub fn empresa_criar_com_perfil(
        &self,
        nova: &NovaEmpresa,
        perfil: Option<&PerfilEmpresa>,
        dentro: impl FnOnce(&Empresa) -> Result<()>,
    ) -> Result<Empresa> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: bool =
            tx.query_row("SELECT EXISTS(SELECT 1 FROM empresas WHERE slug = ?1)", [&nova.slug], |r| r.get(0))?;
        if exists {
            return Err(Error::conflict("slug_em_uso", format!("já existe uma empresa com o slug {:?}", nova.slug)));
        }
        if let Some(pid) = &nova.whatsapp_phone_number_id {
            let used: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM empresas WHERE whatsapp_phone_number_id = ?1)",
                [pid],
                |r| r.get(0),
            )?;
            if used {
                return Err(Error::conflict(
                    "phone_number_id_em_uso",
                    format!("o phone_number_id {pid:?} já pertence a outra empresa"),
                ));
            }
        }
        // database_name needs the id: insert with a unique placeholder, then set it. The id
        // is never one a purged empresa had (its audit rows keep it), so ids are not reused.
        tx.execute(
            "INSERT INTO empresas (id, nome, slug, setor, database_name, whatsapp_phone_number_id, plano_id)
             VALUES ((SELECT COALESCE(MAX(m), 0) + 1 FROM (SELECT MAX(id) AS m FROM empresas
                      UNION ALL SELECT MAX(empresa_id) FROM auditoria)),
                     ?1, ?2, ?3, 'pendente_' || ?2, ?4, ?5)",
            params![
                nova.nome,
                nova.slug,
                nova.setor.as_str(),
                nova.whatsapp_phone_number_id,
                nova.plano_id.map(|p| p.0)
            ],
        )?;
        let id = EmpresaId(tx.last_insert_rowid());
        let name = DatabaseName::generate(id, &nova.slug)?;
        tx.execute("UPDATE empresas SET database_name = ?2 WHERE id = ?1", params![id.0, name.as_str()])?;
        if let Some(p) = perfil {
            tx.execute(
                "UPDATE empresas SET whatsapp_numero = ?2, llm_base_url = ?3, llm_modelo = ?4,
                 prompt_customizado = ?5, configuracoes_json = ?6 WHERE id = ?1",
                params![
                    id.0,
                    p.whatsapp_numero,
                    p.llm_base_url,
                    p.llm_modelo,
                    p.prompt_customizado,
                    p.configuracoes_json
                ],
            )?;
        }
        let sql = format!("SELECT {COLS} FROM empresas WHERE id = ?1");
        let empresa = tx.query_row(&sql, [id.0], row)??;
        dentro(&empresa)?;
        tx.commit()?;
        Ok(empresa)
    }

    /// One empresa by id.
    pub fn empresa(&self, id: EmpresaId) -> Result<Option<Empresa>> {
        let sql = format!("SELECT {COLS} FROM empresas WHERE id = ?1");
        self.conn()?.prepare_cached(&sql)?.query_row([id.0], row).optional()?.transpose()
    }

    /// One empresa by slug.
    pub fn empresa_por_slug(&self, slug: &str) -> Result<Option<Empresa>> {
        let sql = format!("SELECT {COLS} FROM empresas WHERE slug = ?1");
        self.conn()?.prepare_cached(&sql)?.query_row([slug], row).optional()?.transpose()
    }

    /// The empresa that owns a WhatsApp phone_number_id (webhook routing).
    pub fn empresa_por_phone_number_id(&self, phone_number_id: &str) -> Result<Option<Empresa>> {
        let sql = format!("SELECT {COLS} FROM empresas WHERE whatsapp_phone_number_id = ?1");
        self.conn()?.prepare_cached(&sql)?.query_row([phone_number_id], row).optional()?.transpose()
    }

    /// Every empresa, by id.
    pub fn empresas(&self) -> Result<Vec<Empresa>> {
        let sql = format!("SELECT {COLS} FROM empresas ORDER BY id");
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([], row)?;
        rows.map(|r| r?).collect()
    }

    /// Number of empresas.
    pub fn empresas_total(&self) -> Result<i64> {
        Ok(self.conn()?.query_row("SELECT COUNT(*) FROM empresas", [], |r| r.get(0))?)
    }

    /// The encrypted secrets of an empresa.
    pub fn empresa_segredos(&self, id: EmpresaId) -> Result<EmpresaSegredos> {
        self.conn()?
            .query_row(
                "SELECT whatsapp_token, whatsapp_app_secret, openai_api_key FROM empresas WHERE id = ?1",
                [id.0],
                |r| {
                    Ok(EmpresaSegredos {
                        whatsapp_token: r.get(0)?,
                        whatsapp_app_secret: r.get(1)?,
                        openai_api_key: r.get(2)?,
                    })
                },
            )
            .optional()?
            .ok_or(Error::NotFound("empresa"))
    }

    /// Suspends (false) or reactivates (true) an empresa.
    pub fn empresa_definir_ativo(&self, id: EmpresaId, ativo: bool) -> Result<()> {
        let n = self.conn()?.execute(
            "UPDATE empresas SET ativo = ?2, atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
            params![id.0, ativo],
        )?;
        if n == 0 {
            return Err(Error::NotFound("empresa"));
        }
        Ok(())
    }
}

/// Filters for the superadmin's list of empresas (ascending id, keyset).
#[derive(Debug, Clone, Default)]
pub struct FiltroEmpresas {
    /// Case-insensitive substring of the nome or the slug.
    pub q: Option<String>,
    pub ativo: Option<bool>,
    pub depois_de: Option<i64>,
    pub limite: u32,
}

/// A superadmin's change to an empresa (`None` = unchanged; `Some(None)` = clear).
#[derive(Debug, Clone, Default)]
pub struct AlteraEmpresa {
    pub nome: Option<String>,
    pub plano_id: Option<Option<PlanoId>>,
    pub prompt_customizado: Option<Option<String>>,
}

/// Longest `prompt_customizado` accepted, in characters.
pub const PROMPT_MAX_CHARS: usize = 20_000;

/// What a purge removed from the central db (audit rows are kept).
#[derive(Debug, Clone, Default, Serialize)]
pub struct EmpresaPurgada {
    pub usuarios: usize,
    pub sessoes: usize,
    pub assinaturas: usize,
    pub pagamentos: usize,
    pub pagamentos_total_centavos: i64,
}

impl CentralDb {
    /// Empresas by filter, ascending id.
    pub fn empresas_listar(&self, f: &FiltroEmpresas) -> Result<Vec<Empresa>> {
        let sql = format!(
            "SELECT {COLS} FROM empresas
             WHERE (?1 IS NULL OR instr(lower(nome), lower(?1)) > 0 OR instr(slug, lower(?1)) > 0)
               AND (?2 IS NULL OR ativo = ?2) AND (?3 IS NULL OR id > ?3)
             ORDER BY id LIMIT ?4"
        );
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params![f.q, f.ativo, f.depois_de, f.limite.clamp(1, 500)], row)?;
        rows.map(|r| r?).collect()
    }

    /// Applies a superadmin's change; 404 for an unknown empresa, 400 `plano_invalido` for an
    /// unknown plano.
    pub fn empresa_atualizar(&self, id: EmpresaId, a: &AlteraEmpresa) -> Result<Empresa> {
        if let Some(nome) = &a.nome {
            let n = nome.trim().chars().count();
            if n == 0 || n > 200 {
                return Err(Error::invalid("nome_invalido", "o nome da empresa é obrigatório (até 200 caracteres)"));
            }
        }
        if let Some(Some(p)) = &a.prompt_customizado {
            if p.chars().count() > PROMPT_MAX_CHARS {
                return Err(Error::invalid(
                    "prompt_longo",
                    format!("o prompt customizado pode ter até {PROMPT_MAX_CHARS} caracteres"),
                ));
            }
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(Some(p)) = a.plano_id {
            let ok: bool = tx.query_row("SELECT EXISTS(SELECT 1 FROM planos WHERE id = ?1)", [p.0], |r| r.get(0))?;
            if !ok {
                return Err(Error::invalid("plano_invalido", format!("o plano {p} não existe")));
            }
        }
        let n = tx.execute(
            "UPDATE empresas SET nome = CASE WHEN ?2 THEN ?3 ELSE nome END,
               plano_id = CASE WHEN ?4 THEN ?5 ELSE plano_id END,
               prompt_customizado = CASE WHEN ?6 THEN ?7 ELSE prompt_customizado END,
               atualizado_em = CURRENT_TIMESTAMP
             WHERE id = ?1",
            params![
                id.0,
                a.nome.is_some(),
                a.nome.as_deref().map(str::trim),
                a.plano_id.is_some(),
                a.plano_id.flatten().map(|p| p.0),
                a.prompt_customizado.is_some(),
                a.prompt_customizado.clone().flatten()
            ],
        )?;
        if n == 0 {
            return Err(Error::NotFound("empresa"));
        }
        let sql = format!("SELECT {COLS} FROM empresas WHERE id = ?1");
        let empresa = tx.query_row(&sql, [id.0], row)??;
        tx.commit()?;
        Ok(empresa)
    }

    /// Deletes a suspended empresa's central rows in one transaction: its usuarios (and their
    /// sessions), its assinaturas and their pagamentos, its pending-work row, and the empresa.
    /// Audit rows stay (they name the empresa by id, which is never reused). 409
    /// `empresa_ativa` unless the empresa is suspended. The tenant file is the caller's job.
    pub fn empresa_purgar(&self, id: EmpresaId) -> Result<EmpresaPurgada> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ativo: bool = tx
            .query_row("SELECT ativo FROM empresas WHERE id = ?1", [id.0], |r| r.get(0))
            .optional()?
            .ok_or(Error::NotFound("empresa"))?;
        if ativo {
            return Err(Error::conflict("empresa_ativa", "só uma empresa suspensa pode ser purgada; suspenda-a antes"));
        }
        let (pagamentos, pagamentos_total_centavos): (i64, i64) = tx.query_row(
            "SELECT COUNT(*), COALESCE(SUM(valor_centavos), 0) FROM pagamentos
             WHERE assinatura_id IN (SELECT id FROM assinaturas WHERE empresa_id = ?1)",
            [id.0],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        tx.execute(
            "DELETE FROM pagamentos WHERE assinatura_id IN (SELECT id FROM assinaturas WHERE empresa_id = ?1)",
            [id.0],
        )?;
        let assinaturas = tx.execute("DELETE FROM assinaturas WHERE empresa_id = ?1", [id.0])?;
        let sessoes = tx.execute(
            "DELETE FROM sessoes WHERE usuario_id IN (SELECT id FROM usuarios WHERE empresa_id = ?1)",
            [id.0],
        )?;
        let usuarios = tx.execute("DELETE FROM usuarios WHERE empresa_id = ?1", [id.0])?;
        tx.execute("DELETE FROM trabalho_pendente WHERE empresa_id = ?1", [id.0])?;
        tx.execute("DELETE FROM evolution_instancias WHERE empresa_id = ?1", [id.0])?;
        tx.execute("DELETE FROM midia_uso WHERE empresa_id = ?1", [id.0])?;
        tx.execute("DELETE FROM empresas WHERE id = ?1", [id.0])?;
        tx.commit()?;
        self.marcados_lock().remove(&id);
        Ok(EmpresaPurgada {
            usuarios,
            sessoes,
            assinaturas,
            pagamentos: pagamentos as usize,
            pagamentos_total_centavos,
        })
    }
}
