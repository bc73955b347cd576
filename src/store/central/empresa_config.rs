//! SQL for an empresa's own settings, changed by its admin: the WhatsApp connection
//! (phone_number_id, número, token, app secret) and the bot (prompt, LLM endpoint, model, API
//! key, and keys of `configuracoes_json`). Secrets arrive here already encrypted; this file
//! never sees a plaintext.

use rusqlite::{params, TransactionBehavior};
use serde_json::{Map, Value};

use super::CentralDb;
use crate::domain::EmpresaId;
use crate::error::{Error, Result};
use crate::store::is_unique_violation;

/// A change to one nullable column: `None` keeps it, `Some(None)` clears it,
/// `Some(Some(v))` sets it.
pub type Alteracao<T> = Option<Option<T>>;

/// A partial change of the WhatsApp settings. Token and app secret are ciphertexts.
#[derive(Default, Clone)]
pub struct WhatsappAlteracao {
    pub phone_number_id: Alteracao<String>,
    pub numero: Alteracao<String>,
    pub token_cifrado: Alteracao<Vec<u8>>,
    pub app_secret_cifrado: Alteracao<Vec<u8>>,
}

impl std::fmt::Debug for WhatsappAlteracao {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhatsappAlteracao")
            .field("phone_number_id", &self.phone_number_id)
            .field("numero", &self.numero)
            .finish_non_exhaustive()
    }
}

/// A partial change of the bot settings. The API key is a ciphertext. `configuracoes` is
/// merged into `configuracoes_json`: a `null` value removes that key; other keys are kept.
#[derive(Default, Clone)]
pub struct BotAlteracao {
    pub prompt_customizado: Alteracao<String>,
    pub llm_base_url: Alteracao<String>,
    pub llm_modelo: Alteracao<String>,
    pub llm_api_key_cifrada: Alteracao<Vec<u8>>,
    pub configuracoes: Map<String, Value>,
}

impl std::fmt::Debug for BotAlteracao {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotAlteracao")
            .field("llm_base_url", &self.llm_base_url)
            .field("llm_modelo", &self.llm_modelo)
            .finish_non_exhaustive()
    }
}

fn flag<T>(a: &Alteracao<T>) -> bool {
    a.is_some()
}

fn valor<T: Clone>(a: &Alteracao<T>) -> Option<T> {
    a.clone().flatten()
}

impl CentralDb {
    /// Applies a change to empresa `id`'s WhatsApp settings. A phone_number_id already used by
    /// another empresa is a 409 `phone_number_id_em_uso`.
    pub fn empresa_definir_whatsapp(&self, id: EmpresaId, a: &WhatsappAlteracao) -> Result<()> {
        let res = self.conn()?.execute(
            "UPDATE empresas SET
                whatsapp_phone_number_id = CASE WHEN ?2 THEN ?3 ELSE whatsapp_phone_number_id END,
                whatsapp_numero = CASE WHEN ?4 THEN ?5 ELSE whatsapp_numero END,
                whatsapp_token = CASE WHEN ?6 THEN ?7 ELSE whatsapp_token END,
                whatsapp_app_secret = CASE WHEN ?8 THEN ?9 ELSE whatsapp_app_secret END,
                atualizado_em = CURRENT_TIMESTAMP
             WHERE id = ?1",
            params![
                id.0,
                flag(&a.phone_number_id),
                valor(&a.phone_number_id),
                flag(&a.numero),
                valor(&a.numero),
                flag(&a.token_cifrado),
                valor(&a.token_cifrado),
                flag(&a.app_secret_cifrado),
                valor(&a.app_secret_cifrado),
            ],
        );
        match res {
            Ok(0) => Err(Error::NotFound("empresa")),
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => {
                Err(Error::conflict("phone_number_id_em_uso", "este phone_number_id já pertence a outra empresa"))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Applies a change to empresa `id`'s bot settings; `configuracoes_json` is read, merged
    /// and written in one transaction so concurrent changes of other keys are not lost.
    pub fn empresa_definir_bot(&self, id: EmpresaId, a: &BotAlteracao) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let atual: String =
            match tx.query_row("SELECT configuracoes_json FROM empresas WHERE id = ?1", [id.0], |r| r.get(0)) {
                Ok(s) => s,
                Err(rusqlite::Error::QueryReturnedNoRows) => return Err(Error::NotFound("empresa")),
                Err(e) => return Err(e.into()),
            };
        let mut config = match serde_json::from_str::<Value>(&atual) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        for (k, v) in &a.configuracoes {
            if v.is_null() {
                config.remove(k);
            } else {
                config.insert(k.clone(), v.clone());
            }
        }
        let config = serde_json::to_string(&Value::Object(config))
            .map_err(|e| Error::Internal(format!("serializar configuracoes_json: {e}")))?;
        tx.execute(
            "UPDATE empresas SET
                prompt_customizado = CASE WHEN ?2 THEN ?3 ELSE prompt_customizado END,
                llm_base_url = CASE WHEN ?4 THEN ?5 ELSE llm_base_url END,
                llm_modelo = CASE WHEN ?6 THEN ?7 ELSE llm_modelo END,
                openai_api_key = CASE WHEN ?8 THEN ?9 ELSE openai_api_key END,
                configuracoes_json = ?10,
                atualizado_em = CURRENT_TIMESTAMP
             WHERE id = ?1",
            params![
                id.0,
                flag(&a.prompt_customizado),
                valor(&a.prompt_customizado),
                flag(&a.llm_base_url),
                valor(&a.llm_base_url),
                flag(&a.llm_modelo),
                valor(&a.llm_modelo),
                flag(&a.llm_api_key_cifrada),
                valor(&a.llm_api_key_cifrada),
                config,
            ],
        )?;
        tx.commit()?;
        Ok(())
    }
}
