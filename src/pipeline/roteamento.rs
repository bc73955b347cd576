//! Webhook routing: `value.metadata.phone_number_id` → empresa, through a cache.
//!
//! Invalidation: the central db keeps a generation number that triggers on `empresas` bump
//! on every insert, update or delete — whoever makes the change (the API in this process,
//! `helixai tenant set` in another). Each lookup reads that one integer (a primary-key read)
//! and drops the whole cache when it moved, so a change takes effect on the very next
//! webhook. Misses are cached too (unknown numbers are answered 200 and counted).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::Result;
use crate::store::central::{CentralDb, Empresa};

/// The phone_number_id cache.
#[derive(Default)]
pub struct Roteador {
    cache: Mutex<(i64, HashMap<String, Option<Empresa>>)>,
}

/// Bound on cached numbers; past it the cache starts over (cheap: one query per miss).
const MAX_ENTRADAS: usize = 100_000;

impl Roteador {
    /// The empresa that owns `phone_number_id`, if any.
    pub fn empresa(&self, central: &CentralDb, phone_number_id: &str) -> Result<Option<Empresa>> {
        let geracao = central.roteamento_geracao()?;
        {
            let mut cache = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if cache.0 != geracao || cache.1.len() > MAX_ENTRADAS {
                *cache = (geracao, HashMap::new());
            }
            if let Some(hit) = cache.1.get(phone_number_id) {
                return Ok(hit.clone());
            }
        }
        let found = central.empresa_por_phone_number_id(phone_number_id)?;
        let mut cache = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Only fill the cache if nothing changed while we read.
        if cache.0 == geracao {
            cache.1.insert(phone_number_id.to_owned(), found.clone());
        }
        Ok(found)
    }
}
