//! SQL for an empresa's channel settings: WhatsApp number, phone_number_id, token and app
//! secret, LLM base URL / model / key. Secrets arrive here already encrypted (ciphertexts);
//! this module never sees a plaintext.

use rusqlite::{params, TransactionBehavior};

use super::CentralDb;
use crate::domain::EmpresaId;
use crate::error::{Error, Result};

/// Changes to an empresa's channel; `None` leaves a field as it is.
#[derive(Default, Clone)]
pub struct AlteracaoCanal {
    pub whatsapp_phone_number_id: Option<String>,
    pub whatsapp_numero: Option<String>,
    /// Ciphertext from `SecretKey::encrypt`.
    pub whatsapp_token: Option<Vec<u8>>,
    /// Ciphertext from `SecretKey::encrypt`.
    pub whatsapp_app_secret: Option<Vec<u8>>,
    pub llm_base_url: Option<String>,
    pub llm_modelo: Option<String>,
    /// Ciphertext from `SecretKey::encrypt`.
    pub openai_api_key: Option<Vec<u8>>,
}

impl std::fmt::Debug for AlteracaoCanal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlteracaoCanal")
            .field("whatsapp_phone_number_id", &self.whatsapp_phone_number_id)
            .field("whatsapp_numero", &self.whatsapp_numero)
            .field("llm_base_url", &self.llm_base_url)
            .field("llm_modelo", &self.llm_modelo)
            .finish_non_exhaustive()
    }
}

impl CentralDb {
    /// Applies the changes in one transaction. A phone_number_id owned by another empresa is
    /// a 409 `phone_number_id_em_uso`.
    pub fn empresa_alterar_canal(&self, id: EmpresaId, a: &AlteracaoCanal) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(pid) = &a.whatsapp_phone_number_id {
            let used: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM empresas WHERE whatsapp_phone_number_id = ?1 AND id != ?2)",
                params![pid, id.0],
                |r| r.get(0),
            )?;
            if used {
                return Err(Error::conflict(
                    "phone_number_id_em_uso",
                    format!("o phone_number_id {pid:?} já pertence a outra empresa"),
                ));
            }
        }
        let n = tx.execute(
            "UPDATE empresas SET
                 whatsapp_phone_number_id = COALESCE(?2, whatsapp_phone_number_id),
                 whatsapp_numero = COALESCE(?3, whatsapp_numero),
                 whatsapp_token = COALESCE(?4, whatsapp_token),
                 whatsapp_app_secret = COALESCE(?5, whatsapp_app_secret),
                 llm_base_url = COALESCE(?6, llm_base_url),
                 llm_modelo = COALESCE(?7, llm_modelo),
                 openai_api_key = COALESCE(?8, openai_api_key),
                 atualizado_em = CURRENT_TIMESTAMP
             WHERE id = ?1",
            params![
                id.0,
                a.whatsapp_phone_number_id,
                a.whatsapp_numero,
                a.whatsapp_token,
                a.whatsapp_app_secret,
                a.llm_base_url,
                a.llm_modelo,
                a.openai_api_key
            ],
        )?;
        if n == 0 {
            return Err(Error::NotFound("empresa"));
        }
        tx.commit()?;
        Ok(())
    }
}
