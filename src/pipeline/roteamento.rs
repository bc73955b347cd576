//! Webhook routing: `value.metadata.phone_number_id` → empresa, through a cache.
//!
//! Invalidation: the central db keeps a generation number that triggers on `empresas` bump
//! on every insert, update or delete — whoever makes the change (the API in this process,
//! `helixai tenant set` in another). A lookup reads that one integer (a primary-key read)
//! whenever the central db has committed anything since the cache last read it (SQLite's own
//! commit mark, `CentralDb::marca_de_commit`: one `pread`), and drops the whole cache when it
//! moved, so a change takes effect on the very next webhook. Misses are cached too (unknown
//! numbers are answered 200 and counted).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::crypto::{Secret, SecretKey};
use crate::domain::EmpresaId;
use crate::error::{Error, Result};
use crate::store::central::{CentralDb, Empresa};

/// The phone_number_id cache.
#[derive(Default)]
pub struct Roteador {
    cache: Mutex<Cache>,
}

/// What one routing generation knows.
#[derive(Default)]
struct Cache {
    geracao: i64,
    /// The central db's commit mark read before `geracao` was: while it has not changed,
    /// nothing was committed since, and `geracao` still holds.
    marca: Option<[u8; 48]>,
    /// Shared, not copied: an empresa row carries its settings and prompt (kilobytes), and a
    /// webhook only reads it (issue #20).
    rotas: HashMap<String, Option<Arc<Empresa>>>,
    /// Each empresa's own app secret, decrypted (`None`: it has none), so a webhook neither
    /// takes a central connection nor decrypts per request (a secret change bumps the
    /// generation like any empresa change).
    segredos: HashMap<EmpresaId, Option<Secret>>,
}

/// Bound on cached numbers; past it the cache starts over (cheap: one query per miss).
const MAX_ENTRADAS: usize = 100_000;

impl Roteador {
    /// The empresa that owns `phone_number_id`, if any.
    pub fn empresa(&self, central: &CentralDb, phone_number_id: &str) -> Result<Option<Arc<Empresa>>> {
        // Read before the generation: a commit after it moves the mark again.
        let marca = central.marca_de_commit();
        {
            let cache = self.lock();
            if marca.is_some() && cache.marca == marca {
                if let Some(hit) = cache.rotas.get(phone_number_id) {
                    return Ok(hit.clone());
                }
            }
        }
        let geracao = central.roteamento_geracao()?;
        {
            let mut cache = self.lock();
            if cache.geracao != geracao || cache.rotas.len() > MAX_ENTRADAS {
                *cache = Cache { geracao, ..Cache::default() };
            }
            cache.marca = marca;
            if let Some(hit) = cache.rotas.get(phone_number_id) {
                return Ok(hit.clone());
            }
        }
        let found = central.empresa_por_phone_number_id(phone_number_id)?.map(Arc::new);
        let mut cache = self.lock();
        // Only fill the cache if nothing changed while we read.
        if cache.geracao == geracao {
            cache.rotas.insert(phone_number_id.to_owned(), found.clone());
        }
        Ok(found)
    }

    /// The empresa's own webhook app secret, decrypted, if it has one; cached for the
    /// generation the last [`Self::empresa`] call saw. An unreadable ciphertext is refused
    /// (logged): the webhook then fails its signature check.
    pub fn app_secret(&self, central: &CentralDb, chave: &SecretKey, empresa: &Empresa) -> Result<Option<Secret>> {
        if !empresa.tem_app_secret {
            return Ok(None);
        }
        let geracao = {
            let cache = self.lock();
            if let Some(s) = cache.segredos.get(&empresa.id) {
                return Ok(s.clone());
            }
            cache.geracao
        };
        let segredo = match central.empresa_segredos(empresa.id)?.whatsapp_app_secret {
            None => None,
            Some(cifrado) => match chave.decrypt(&cifrado) {
                Ok(s) => Some(s),
                Err(e) => {
                    log::error!("empresa {}: app secret ilegível ({e}); webhook recusado", empresa.id);
                    return Err(Error::BadSignature);
                }
            },
        };
        let mut cache = self.lock();
        if cache.geracao == geracao {
            cache.segredos.insert(empresa.id, segredo.clone());
        }
        Ok(segredo)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
