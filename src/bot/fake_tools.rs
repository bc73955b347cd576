//! An in-memory [`TenantTools`] for unit tests: a small catalog, an agenda and a log of writes.

use std::cell::RefCell;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::bot::agenda::{Data, DataHora, Ocupado};
use crate::bot::entender::texto::normalize;
use crate::bot::entender::vocabulario::{palavras_do_item, Vocabulario};
use crate::bot::tools::{AgendamentoCliente, CatalogItem, CatalogQuery, DadosLead, NovoAgendamento, TenantTools};
use crate::domain::ItemId;
use crate::error::{Error, Result};

#[derive(Default)]
pub struct FakeTools {
    pub items: Vec<CatalogItem>,
    pub queries: RefCell<Vec<CatalogQuery>>,
    pub agendamentos: RefCell<Vec<NovoAgendamento>>,
    pub cancelados: RefCell<Vec<i64>>,
    pub leads: RefCell<Vec<DadosLead>>,
    pub handoffs: RefCell<Vec<String>>,
    pub nome_do_lead: Option<String>,
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

fn filtro_ok(item: &CatalogItem, k: &str, v: &Value) -> bool {
    let Some(attr) = item.atributos.get(k.trim_end_matches("_min").trim_end_matches("_max")) else {
        // Like a lenient store: an item without the field is not filtered out here.
        return true;
    };
    let attr = Some(attr);
    match (k, v) {
        (_, Value::Array(vals)) => attr.is_some_and(|a| vals.contains(a)),
        (k, Value::Number(n)) if k.ends_with("_min") => {
            attr.and_then(Value::as_i64).is_some_and(|a| Some(a) >= n.as_i64())
        }
        (k, Value::Number(n)) if k.ends_with("_max") => {
            attr.and_then(Value::as_i64).is_some_and(|a| Some(a) <= n.as_i64())
        }
        (_, Value::String(s)) => attr.and_then(Value::as_str).is_some_and(|a| normalize(a).contains(&normalize(s))),
        _ => true,
    }
}

impl FakeTools {
    /// Booked and not cancelled: (id, appointment).
    fn ativos(&self) -> Vec<(i64, NovoAgendamento)> {
        let cancelados = self.cancelados.borrow();
        self.agendamentos
            .borrow()
            .iter()
            .enumerate()
            .map(|(i, a)| (i as i64 + 1, a.clone()))
            .filter(|(id, _)| !cancelados.contains(id))
            .collect()
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
                let ws = palavras_do_item(i);
                words.iter().all(|w| ws.iter().any(|n| n == w))
                    && (q.termos.is_empty()
                        || q.termos
                            .iter()
                            .any(|alts| alts.iter().any(|a| ws.iter().any(|n| n.starts_with(a.as_str())))))
            })
            .filter(|i| q.preco_max_centavos.is_none_or(|m| i.preco_centavos.is_some_and(|p| p <= m)))
            .filter(|i| q.preco_min_centavos.is_none_or(|m| i.preco_centavos.is_some_and(|p| p >= m)))
            .filter(|i| !q.excluir.contains(&i.id))
            .filter(|i| q.filtros.iter().all(|(k, v)| filtro_ok(i, k, v)))
            .take(q.limite as usize)
            .cloned()
            .collect())
    }
    fn item_details(&self, id: ItemId) -> Result<Option<CatalogItem>> {
        Ok(self.items.iter().find(|i| i.id == id).cloned())
    }
    fn vocabulario(&self) -> Result<Arc<Vocabulario>> {
        Ok(Arc::new(Vocabulario::construir(&self.items)))
    }
    fn agenda_ocupada(&self, de: Data, ate: Data) -> Result<Vec<Ocupado>> {
        Ok(self
            .ativos()
            .into_iter()
            .filter_map(|(_, a)| {
                DataHora::de_iso(&a.data_hora).map(|d| Ocupado { inicio: d, duracao_min: a.duracao_min })
            })
            .filter(|o| o.inicio.data >= de && o.inicio.data <= ate)
            .collect())
    }
    fn schedule(&self, a: &NovoAgendamento) -> Result<i64> {
        let ocupado =
            self.agendamentos.borrow().iter().filter(|x| x.data_hora == a.data_hora).count() as u32 >= a.simultaneas;
        if ocupado {
            return Err(Error::conflict("horario_ocupado", "horário ocupado"));
        }
        self.agendamentos.borrow_mut().push(a.clone());
        Ok(self.agendamentos.borrow().len() as i64)
    }
    fn agendamentos_do_cliente(&self) -> Result<Vec<AgendamentoCliente>> {
        Ok(self
            .ativos()
            .into_iter()
            .map(|(id, a)| AgendamentoCliente {
                id,
                data_hora: a.data_hora.clone(),
                tipo: a.tipo.clone(),
                status: "agendado".into(),
                item_nome: None,
            })
            .collect())
    }
    fn cancel_agendamento(&self, id: i64) -> Result<bool> {
        self.cancelados.borrow_mut().push(id);
        Ok(true)
    }
    fn record_lead(&self, d: &DadosLead) -> Result<()> {
        self.leads.borrow_mut().push(d.clone());
        Ok(())
    }
    fn lead_nome(&self) -> Result<Option<String>> {
        Ok(self.leads.borrow().iter().rev().find_map(|l| l.nome.clone()).or_else(|| self.nome_do_lead.clone()))
    }
    fn handoff(&self, motivo: &str) -> Result<()> {
        self.handoffs.borrow_mut().push(motivo.to_string());
        Ok(())
    }
}
