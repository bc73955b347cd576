//! The bot's [`TenantTools`] over one tenant db: [`FerramentasTenant`], bound to one conversa
//! and its lead (the WhatsApp path), and [`FerramentasSandbox`] for the simulator, which
//! reads the same catalog and agenda but keeps every write (lead data, appointments,
//! handoff) to itself, so a test never touches the inbox, the leads or the agenda.
//!
//! Adapters only: every operation is one `TenantDb` method (SQL stays in `store/`). The
//! tenant is fixed when the adapter is built, so nothing the model says can reach another
//! empresa. [`FerramentasTenant`] remembers the catalog items its searches and lookups
//! returned, so the reply's sender can attach the photo of the one the reply presents
//! (`pipeline::foto`).

use std::cell::RefCell;
use std::sync::Arc;

use serde_json::Value;

use crate::bot::agenda::{Data, DataHora, Ocupado};
use crate::bot::entender::filtros::Ordem;
use crate::bot::entender::vocabulario::Vocabulario;
use crate::bot::tools::{AgendamentoCliente, CatalogItem, CatalogQuery, DadosLead, NovoAgendamento, TenantTools};
use crate::catalogo::Item;
use crate::domain::{ConversaId, ItemId, LeadId};
use crate::error::{Error, Result};
use crate::store::tenant::agendamentos::NovoAgendamento as NovoAgendamentoDb;
use crate::store::tenant::catalogo::{FiltroCatalogo, OrdemCatalogo};
use crate::store::tenant::leads::DadosDoCliente;
use crate::store::tenant::TenantDb;

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

fn buscar(db: &TenantDb, q: &CatalogQuery) -> Result<Vec<CatalogItem>> {
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
        termos: q.termos.clone(),
        excluir: q.excluir.clone(),
        ordem: match q.ordem {
            Ordem::Relevancia => OrdemCatalogo::Id,
            Ordem::MenorPreco => OrdemCatalogo::MenorPreco,
            Ordem::MaiorPreco => OrdemCatalogo::MaiorPreco,
            Ordem::MaisNovo => OrdemCatalogo::MaisNovo,
            Ordem::MenorKm => OrdemCatalogo::MenorKm,
        },
    };
    Ok(db.catalogo_listar(&filtro)?.into_iter().map(item).collect())
}

/// The catalog's vocabulary, read once per adapter (one job or one simulated message).
fn vocabulario(db: &TenantDb, lido: &RefCell<Option<Arc<Vocabulario>>>) -> Result<Arc<Vocabulario>> {
    if let Some(v) = lido.borrow().as_ref() {
        return Ok(v.clone());
    }
    let v = db.derivado_do_catalogo(|db| {
        let itens: Vec<CatalogItem> = db.catalogo_todos()?.into_iter().map(item).collect();
        Ok(Vocabulario::construir(&itens))
    })?;
    *lido.borrow_mut() = Some(v.clone());
    Ok(v)
}

fn ocupados(db: &TenantDb, de: Data, ate: Data) -> Result<Vec<Ocupado>> {
    Ok(db
        .agendamentos_ocupados(&de.iso(), &ate.iso())?
        .into_iter()
        .filter_map(|(inicio, duracao_min)| DataHora::de_iso(&inicio).map(|inicio| Ocupado { inicio, duracao_min }))
        .collect())
}

/// Catalog, agenda, lead and handoff operations of one conversa.
pub struct FerramentasTenant {
    db: TenantDb,
    conversa: ConversaId,
    lead: LeadId,
    /// Local time now (upcoming appointments start after it).
    agora: DataHora,
    vocab: RefCell<Option<Arc<Vocabulario>>>,
    /// (id, name) of every item a tool returned this turn, first seen first.
    vistos: RefCell<Vec<(ItemId, String)>>,
}

impl FerramentasTenant {
    pub fn new(db: TenantDb, conversa: ConversaId, lead: LeadId) -> Self {
        FerramentasTenant {
            db,
            conversa,
            lead,
            agora: DataHora::de_unix(crate::clock::unix_now()),
            vocab: RefCell::new(None),
            vistos: RefCell::new(Vec::new()),
        }
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

impl TenantTools for FerramentasTenant {
    fn search_catalog(&self, q: &CatalogQuery) -> Result<Vec<CatalogItem>> {
        let itens = buscar(&self.db, q)?;
        self.ver(&itens);
        Ok(itens)
    }

    fn item_details(&self, id: ItemId) -> Result<Option<CatalogItem>> {
        let i = self.db.catalogo_item(id)?.map(item);
        self.ver(i.as_slice());
        Ok(i)
    }

    fn vocabulario(&self) -> Result<Arc<Vocabulario>> {
        vocabulario(&self.db, &self.vocab)
    }

    fn agenda_ocupada(&self, de: Data, ate: Data) -> Result<Vec<Ocupado>> {
        ocupados(&self.db, de, ate)
    }

    fn schedule(&self, a: &NovoAgendamento) -> Result<i64> {
        let id = self.db.agendamento_criar(&NovoAgendamentoDb {
            lead_id: Some(self.lead),
            conversa_id: Some(self.conversa),
            item_id: a.item_id,
            data_hora: &a.data_hora,
            duracao_min: a.duracao_min,
            tipo: &a.tipo,
            observacao: a.observacao.as_deref(),
            cliente_nome: None,
            origem: "bot",
            simultaneas: a.simultaneas,
        })?;
        log::info!("conversa {}: agendamento {id} ({}) para {}", self.conversa, a.tipo, a.data_hora);
        Ok(id)
    }

    fn agendamentos_do_cliente(&self) -> Result<Vec<AgendamentoCliente>> {
        Ok(self
            .db
            .agendamentos_do_lead(self.lead, &self.agora.iso())?
            .into_iter()
            .map(|a| AgendamentoCliente {
                id: a.id,
                data_hora: a.data_hora,
                tipo: a.tipo,
                status: a.status,
                item_nome: a.item_nome,
            })
            .collect())
    }

    fn cancel_agendamento(&self, id: i64) -> Result<bool> {
        self.db.agendamento_cancelar_do_lead(id, self.lead)
    }

    fn record_lead(&self, d: &DadosLead) -> Result<()> {
        self.db.lead_registrar_dados(
            self.lead,
            &DadosDoCliente {
                nome: d.nome.as_deref(),
                interesse: d.interesse.as_deref(),
                orcamento_centavos: d.orcamento_centavos,
                email: d.email.as_deref(),
                horario_preferido: d.horario_preferido.as_deref(),
            },
        )
    }

    fn lead_nome(&self) -> Result<Option<String>> {
        self.db.lead_nome(self.lead)
    }

    fn handoff(&self, motivo: &str) -> Result<()> {
        log::info!("conversa {} transferida para atendimento humano ({motivo})", self.conversa);
        self.db.atendimento_transferir(self.conversa)
    }
}

/// What a simulated conversation wrote, kept out of the empresa's data.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct FichaSandbox {
    pub nome: Option<String>,
    pub interesse: Option<String>,
    pub orcamento_centavos: Option<i64>,
    pub email: Option<String>,
    pub horario_preferido: Option<String>,
    /// Appointments the bot would have booked: (local time, kind).
    pub agendamentos: Vec<(String, String)>,
    /// Whether the conversation went to a person.
    pub transferida: bool,
}

/// The simulator's tools: real catalog and agenda reads, writes kept in a [`FichaSandbox`].
pub struct FerramentasSandbox {
    db: TenantDb,
    pub ficha: RefCell<FichaSandbox>,
    vocab: RefCell<Option<Arc<Vocabulario>>>,
}

impl FerramentasSandbox {
    pub fn new(db: TenantDb, ficha: FichaSandbox) -> Self {
        FerramentasSandbox { db, ficha: RefCell::new(ficha), vocab: RefCell::new(None) }
    }
}

impl TenantTools for FerramentasSandbox {
    fn search_catalog(&self, q: &CatalogQuery) -> Result<Vec<CatalogItem>> {
        buscar(&self.db, q)
    }

    fn item_details(&self, id: ItemId) -> Result<Option<CatalogItem>> {
        Ok(self.db.catalogo_item(id)?.map(item))
    }

    fn vocabulario(&self) -> Result<Arc<Vocabulario>> {
        vocabulario(&self.db, &self.vocab)
    }

    fn agenda_ocupada(&self, de: Data, ate: Data) -> Result<Vec<Ocupado>> {
        let mut o = ocupados(&self.db, de, ate)?;
        for (quando, _) in &self.ficha.borrow().agendamentos {
            if let Some(inicio) = DataHora::de_iso(quando) {
                o.push(Ocupado { inicio, duracao_min: 60 });
            }
        }
        Ok(o)
    }

    fn schedule(&self, a: &NovoAgendamento) -> Result<i64> {
        let mut ficha = self.ficha.borrow_mut();
        if ficha.agendamentos.iter().any(|(q, _)| *q == a.data_hora) {
            return Err(Error::conflict("horario_ocupado", "horário ocupado"));
        }
        ficha.agendamentos.push((a.data_hora.clone(), a.tipo.clone()));
        // A simulated id: never a row of the empresa's agenda.
        Ok(-(ficha.agendamentos.len() as i64))
    }

    fn agendamentos_do_cliente(&self) -> Result<Vec<AgendamentoCliente>> {
        Ok(self
            .ficha
            .borrow()
            .agendamentos
            .iter()
            .enumerate()
            .map(|(i, (q, t))| AgendamentoCliente {
                id: -(i as i64 + 1),
                data_hora: q.clone(),
                tipo: t.clone(),
                status: "agendado".into(),
                item_nome: None,
            })
            .collect())
    }

    fn cancel_agendamento(&self, id: i64) -> Result<bool> {
        let mut ficha = self.ficha.borrow_mut();
        let i = (-id - 1) as usize;
        if id < 0 && i < ficha.agendamentos.len() {
            ficha.agendamentos.remove(i);
            return Ok(true);
        }
        Ok(false)
    }

    fn record_lead(&self, d: &DadosLead) -> Result<()> {
        let mut f = self.ficha.borrow_mut();
        f.nome = d.nome.clone().or(f.nome.take());
        f.interesse = d.interesse.clone().or(f.interesse.take());
        f.orcamento_centavos = d.orcamento_centavos.or(f.orcamento_centavos);
        f.email = d.email.clone().or(f.email.take());
        f.horario_preferido = d.horario_preferido.clone().or(f.horario_preferido.take());
        Ok(())
    }

    fn lead_nome(&self) -> Result<Option<String>> {
        Ok(self.ficha.borrow().nome.clone())
    }

    fn handoff(&self, _motivo: &str) -> Result<()> {
        self.ficha.borrow_mut().transferida = true;
        Ok(())
    }
}
