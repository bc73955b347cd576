//! An in-memory [`TenantTools`] for unit tests: a small catalog plus a log of writes.

use std::cell::RefCell;

use serde_json::Map;

use crate::bot::fallback::normalize;
use crate::bot::tools::{CatalogItem, CatalogQuery, DadosLead, NovoAgendamento, TenantTools};
use crate::domain::ItemId;
use crate::error::Result;

#[derive(Default)]
pub struct FakeTools {
    pub items: Vec<CatalogItem>,
    pub queries: RefCell<Vec<CatalogQuery>>,
    pub agendamentos: RefCell<Vec<NovoAgendamento>>,
    pub leads: RefCell<Vec<DadosLead>>,
    pub handoffs: RefCell<Vec<String>>,
}

pub fn item(id: i64, nome: &str, preco_centavos: i64) -> CatalogItem {
    CatalogItem {
        id: ItemId(id),
        nome: nome.to_string(),
        descricao: format!("{nome} em ótimo estado"),
        categoria: None,
        preco_centavos: Some(preco_centavos),
        disponivel: true,
        atributos: Map::new(),
    }
}

impl FakeTools {
    pub fn veiculos() -> Self {
        FakeTools {
            items: vec![item(1, "Toyota Hilux SRV 2020", 18_990_000), item(2, "Chevrolet Onix LT 2021", 6_590_000)],
            ..FakeTools::default()
        }
    }
}

impl TenantTools for FakeTools {
    fn search_catalog(&self, q: &CatalogQuery) -> Result<Vec<CatalogItem>> {
        self.queries.borrow_mut().push(q.clone());
        let words: Vec<String> = q
            .texto
            .as_deref()
            .map(normalize)
            .unwrap_or_default()
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(String::from)
            .collect();
        Ok(self
            .items
            .iter()
            .filter(|i| {
                let nome = normalize(&i.nome);
                words.is_empty() || words.iter().any(|w| nome.split(' ').any(|n| n == w))
            })
            .filter(|i| q.preco_max_centavos.is_none_or(|m| i.preco_centavos.is_some_and(|p| p <= m)))
            .cloned()
            .collect())
    }
    fn item_details(&self, id: ItemId) -> Result<Option<CatalogItem>> {
        Ok(self.items.iter().find(|i| i.id == id).cloned())
    }
    fn schedule(&self, a: &NovoAgendamento) -> Result<i64> {
        self.agendamentos.borrow_mut().push(a.clone());
        Ok(self.agendamentos.borrow().len() as i64)
    }
    fn record_lead(&self, d: &DadosLead) -> Result<()> {
        self.leads.borrow_mut().push(d.clone());
        Ok(())
    }
    fn handoff(&self, motivo: &str) -> Result<()> {
        self.handoffs.borrow_mut().push(motivo.to_string());
        Ok(())
    }
}
