//! The bot's [`TenantTools`] over one tenant db, bound to one conversa and its lead.
//!
//! An adapter only: every operation is one `TenantDb` method (SQL stays in `store/`). The
//! tenant is fixed when the adapter is built from a claimed job, so nothing the model says
//! can reach another empresa. It remembers the catalog items its searches and lookups
//! returned, so the reply's sender can attach the photo of the one the reply presents
//! (`pipeline::foto`).

use std::cell::RefCell;

use serde_json::Value;

use crate::bot::tools::{CatalogItem, CatalogQuery, DadosLead, NovoAgendamento, TenantTools};
use crate::catalogo::Item;
use crate::domain::{ConversaId, ItemId, LeadId};
use crate::error::Result;
use crate::store::tenant::catalogo::FiltroCatalogo;
use crate::store::tenant::TenantDb;

/// Catalog, agenda, lead and handoff operations of one conversa.
pub struct FerramentasTenant {
    db: TenantDb,
    conversa: ConversaId,
    lead: LeadId,
    /// (id, name) of every item a tool returned this turn, first seen first.
    vistos: RefCell<Vec<(ItemId, String)>>,
}

impl FerramentasTenant {
    pub fn new(db: TenantDb, conversa: ConversaId, lead: LeadId) -> Self {
        FerramentasTenant { db, conversa, lead, vistos: RefCell::new(Vec::new()) }
    }

    /// The items the tools returned this turn (id, name), first seen first.
    pub fn itens_vistos(&self) -> Vec<(ItemId, String)> {
        self.vistos.borrow().clone()
    }

    fn ver(&self, itens: &[CatalogItem]) {
        let mut vistos = self.vistos.borrow_mut();
        for i in itens {
            if !vistos.iter().any(|(id, _)| *id == i.id) {
                vistos.push((i.id, i.nome.clone()));
            }
        }
    }
}

fn item(i: Item) -> CatalogItem {
    CatalogItem {
        id: i.id,
        nome: i.nome,
        descricao: i.descricao,
        categoria: i.categoria,
        preco_centavos: i.preco_centavos,
        disponivel: i.disponivel,
        atributos: i.atributos,
    }
}

impl TenantTools for FerramentasTenant {
    fn search_catalog(&self, q: &CatalogQuery) -> Result<Vec<CatalogItem>> {
        let mut filtros = q.filtros.clone();
        // `categoria` (varejo/serviços) has no column filter: its words join the text search,
        // which covers the category through the item's search text.
        let mut texto: Vec<String> = q.texto.iter().cloned().collect();
        if let Some(Value::String(c)) = filtros.remove("categoria") {
            texto.push(c);
        }
        let filtro = FiltroCatalogo {
            texto: (!texto.is_empty()).then(|| texto.join(" ")),
            preco_min_centavos: q.preco_min_centavos,
            preco_max_centavos: q.preco_max_centavos,
            disponivel: None,
            filtros,
            limite: q.limite.clamp(1, 50),
            cursor: None,
        };
        let itens: Vec<CatalogItem> = self.db.catalogo_listar(&filtro)?.into_iter().map(item).collect();
        self.ver(&itens);
        Ok(itens)
    }

    fn item_details(&self, id: ItemId) -> Result<Option<CatalogItem>> {
        let i = self.db.catalogo_item(id)?.map(item);
        self.ver(i.as_slice());
        Ok(i)
    }

    fn schedule(&self, a: &NovoAgendamento) -> Result<i64> {
        self.db.agendamento_criar(self.lead, self.conversa, a.item_id, &a.data_hora, a.observacao.as_deref())
    }

    fn record_lead(&self, d: &DadosLead) -> Result<()> {
        self.db.lead_registrar_dados(
            self.lead,
            d.nome.as_deref(),
            d.interesse.as_deref(),
            d.orcamento_centavos,
            d.email.as_deref(),
        )
    }

    fn handoff(&self, motivo: &str) -> Result<()> {
        log::info!("conversa {} transferida para atendimento humano ({motivo})", self.conversa);
        self.db.atendimento_transferir(self.conversa)
    }
}
