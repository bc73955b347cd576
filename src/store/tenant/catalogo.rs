//! SQL for the catalog: `produtos_catalogo` plus the setor's table (veiculos, imoveis, produtos).
//!
//! An item's common fields live in `produtos_catalogo`; its setor fields in the setor table,
//! written in the same transaction. Search is accent-insensitive through the stored `busca`
//! column (see `catalogo::normalizar`).

use std::any::Any;
use std::sync::Arc;

use rusqlite::types::Value as Sql;
use rusqlite::{params, params_from_iter, OptionalExtension, Row, Transaction};
use serde_json::{json, Map, Value};

use super::TenantDb;
use crate::catalogo::{normalizar, Atributos, Item, ItemValido};
use crate::domain::{ItemId, Setor};
use crate::error::{Error, Result};

/// Filters for listing or searching the catalog.
#[derive(Debug, Clone, Default)]
pub struct FiltroCatalogo {
    /// Free text; every word must match (accent-insensitive).
    pub texto: Option<String>,
    pub preco_min_centavos: Option<i64>,
    pub preco_max_centavos: Option<i64>,
    pub disponivel: Option<bool>,
    /// Setor filters by name (marca, modelo, ano_min, ano_max, km_max, cambio, combustivel;
    /// tipo, finalidade, bairro, quartos_min; codigo_oem, aplicacao). Unknown names are refused.
    pub filtros: Map<String, Value>,
    /// Page size (1..=200).
    pub limite: u32,
    /// Return items with id greater than this (keyset pagination).
    pub cursor: Option<ItemId>,
    /// Ranked search (the bot's): each inner list is one term's alternatives, matched at the
    /// start of a word; items matching more terms come first; at least one must match.
    pub termos: Vec<Vec<String>>,
    /// Items left out (already shown).
    pub excluir: Vec<ItemId>,
    /// How to order (default: by id, for pages).
    pub ordem: OrdemCatalogo,
}

/// The order of a catalog listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OrdemCatalogo {
    /// By id (pages, the panel).
    #[default]
    Id,
    MenorPreco,
    MaiorPreco,
    MaisNovo,
    MenorKm,
}

fn setor_select(setor: Setor) -> (&'static str, &'static str) {
    match setor {
        Setor::Veiculos => (
            ", v.marca, v.modelo, v.versao, v.ano, v.km, v.cambio, v.combustivel, v.cor, v.portas",
            " LEFT JOIN veiculos v ON v.item_id = p.id",
        ),
        Setor::Imoveis => (
            ", i.tipo, i.finalidade, i.bairro, i.cidade, i.quartos, i.banheiros, i.vagas, i.area_m2, \
             i.condominio_centavos, i.iptu_centavos",
            " LEFT JOIN imoveis i ON i.item_id = p.id",
        ),
        Setor::Autopecas => {
            (", x.codigo_oem, x.marca, x.aplicacao, x.estoque", " LEFT JOIN produtos x ON x.item_id = p.id")
        }
        Setor::Varejo | Setor::Servicos => ("", ""),
    }
}

const BASE_COLS: &str =
    "p.id, p.nome, p.descricao, p.categoria, p.preco_centavos, p.disponivel, p.criado_em, p.atualizado_em";

fn row_to_item(setor: Setor, r: &Row<'_>) -> rusqlite::Result<Item> {
    let mut atributos = Map::new();
    let names = crate::catalogo::campos_do_setor(setor);
    for (i, name) in names.iter().enumerate() {
        let v: Sql = r.get(8 + i)?;
        let j = match v {
            Sql::Null => Value::Null,
            Sql::Integer(n) => json!(n),
            Sql::Real(f) => json!(f),
            Sql::Text(s) => json!(s),
            Sql::Blob(_) => Value::Null,
        };
        atributos.insert((*name).to_owned(), j);
    }
    Ok(Item {
        id: ItemId(r.get(0)?),
        nome: r.get(1)?,
        descricao: r.get(2)?,
        categoria: r.get(3)?,
        preco_centavos: r.get(4)?,
        disponivel: r.get(5)?,
        atributos,
        criado_em: r.get(6)?,
        atualizado_em: r.get(7)?,
    })
}

fn write_setor(tx: &Transaction<'_>, id: i64, a: &Atributos) -> rusqlite::Result<()> {
    match a {
        Atributos::Veiculo { marca, modelo, versao, ano, km, cambio, combustivel, cor, portas } => tx.execute(
            "INSERT OR REPLACE INTO veiculos (item_id, marca, modelo, versao, ano, km, cambio, combustivel, cor, portas)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![id, marca, modelo, versao, ano, km, cambio, combustivel, cor, portas],
        )?,
        Atributos::Imovel {
            tipo,
            finalidade,
            bairro,
            cidade,
            quartos,
            banheiros,
            vagas,
            area_m2,
            condominio_centavos,
            iptu_centavos,
        } => tx.execute(
            "INSERT OR REPLACE INTO imoveis (item_id, tipo, finalidade, bairro, cidade, quartos, banheiros, vagas, area_m2,
                 condominio_centavos, iptu_centavos)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![id, tipo, finalidade, bairro, cidade, quartos, banheiros, vagas, area_m2, condominio_centavos, iptu_centavos],
        )?,
        Atributos::Peca { codigo_oem, marca, aplicacao, estoque } => tx.execute(
            "INSERT OR REPLACE INTO produtos (item_id, codigo_oem, marca, aplicacao, estoque) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, codigo_oem, marca, aplicacao, estoque],
        )?,
        Atributos::Nenhum => 0,
    };
    Ok(())
}

/// Inserts one item: its common row and its setor row. Returns the new id.
fn inserir(tx: &Transaction<'_>, item: &ItemValido) -> rusqlite::Result<i64> {
    tx.execute(
        "INSERT INTO produtos_catalogo (nome, descricao, categoria, preco_centavos, disponivel, busca)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![item.nome, item.descricao, item.categoria, item.preco_centavos, item.disponivel, item.texto_busca()],
    )?;
    let id = tx.last_insert_rowid();
    write_setor(tx, id, &item.atributos)?;
    Ok(id)
}

impl TenantDb {
    /// Adds an item (common row + setor row in one transaction).
    pub fn catalogo_criar(&self, item: &ItemValido) -> Result<Item> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let id = inserir(&tx, item)?;
        tx.commit()?;
        drop(conn);
        self.catalogo_item(ItemId(id))?.ok_or(Error::NotFound("item"))
    }

    /// Adds many items in one transaction (demo data, CSV import); all or nothing.
    pub fn catalogo_criar_varios(&self, items: &[ItemValido]) -> Result<usize> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        for item in items {
            inserir(&tx, item)?;
        }
        tx.commit()?;
        Ok(items.len())
    }

    /// Replaces an item's fields.
    pub fn catalogo_atualizar(&self, id: ItemId, item: &ItemValido) -> Result<Item> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let n = tx.execute(
            "UPDATE produtos_catalogo SET nome = ?2, descricao = ?3, categoria = ?4, preco_centavos = ?5,
             disponivel = ?6, busca = ?7, atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
            params![
                id.0,
                item.nome,
                item.descricao,
                item.categoria,
                item.preco_centavos,
                item.disponivel,
                item.texto_busca()
            ],
        )?;
        if n == 0 {
            return Err(Error::NotFound("item"));
        }
        write_setor(&tx, id.0, &item.atributos)?;
        tx.commit()?;
        drop(conn);
        self.catalogo_item(id)?.ok_or(Error::NotFound("item"))
    }

    /// Deletes an item (its setor row goes with it).
    pub fn catalogo_excluir(&self, id: ItemId) -> Result<()> {
        let n = self.conn()?.execute("DELETE FROM produtos_catalogo WHERE id = ?1", [id.0])?;
        if n == 0 {
            return Err(Error::NotFound("item"));
        }
        Ok(())
    }

    /// One item.
    pub fn catalogo_item(&self, id: ItemId) -> Result<Option<Item>> {
        let setor = self.setor();
        let (cols, join) = setor_select(setor);
        let sql = format!("SELECT {BASE_COLS}{cols} FROM produtos_catalogo p{join} WHERE p.id = ?1");
        Ok(self.conn()?.query_row(&sql, [id.0], |r| row_to_item(setor, r)).optional()?)
    }

    /// Number of items (plan limits, panel).
    pub fn catalogo_total(&self) -> Result<i64> {
        Ok(self.conn()?.query_row("SELECT COUNT(*) FROM produtos_catalogo", [], |r| r.get(0))?)
    }

    /// Lists or searches items, one page at a time: by id, or ranked when `termos` are given.
    pub fn catalogo_listar(&self, f: &FiltroCatalogo) -> Result<Vec<Item>> {
        let setor = self.setor();
        let (cols, join) = setor_select(setor);
        let mut args: Vec<Sql> = Vec::new();
        let mut onde = String::from(" WHERE 1=1");
        // Each `?` of a clause becomes the number of the value it takes.
        let mut push = |sql: &mut String, clause: &str, vs: Vec<Sql>| {
            let mut partes = clause.split('?');
            sql.push_str(partes.next().unwrap_or(""));
            for (parte, v) in partes.zip(vs) {
                args.push(v);
                sql.push_str(&format!("?{}{parte}", args.len()));
            }
        };
        if let Some(texto) = &f.texto {
            for word in normalizar(texto).split_whitespace().take(8) {
                push(&mut onde, " AND p.busca LIKE ? ESCAPE '\\'", vec![Sql::Text(format!("%{}%", escape_like(word)))]);
            }
        }
        // Ranked terms: one CASE per term, its alternatives matched at a word start.
        let mut pontos = Vec::new();
        for alternativas in f.termos.iter().take(8) {
            let alts: Vec<&String> = alternativas.iter().filter(|a| !a.trim().is_empty()).take(6).collect();
            if alts.is_empty() {
                continue;
            }
            let mut caso = String::from("(CASE WHEN ");
            let mut vs = Vec::new();
            for (i, a) in alts.iter().enumerate() {
                if i > 0 {
                    caso.push_str(" OR ");
                }
                caso.push_str("(' ' || p.busca) LIKE ? ESCAPE '\\'");
                vs.push(Sql::Text(format!("% {}%", escape_like(&normalizar(a)))));
            }
            caso.push_str(" THEN 1 ELSE 0 END)");
            let mut tmp = String::new();
            push(&mut tmp, &caso, vs);
            pontos.push(tmp);
        }
        let pontuacao = if pontos.is_empty() { "0".to_string() } else { pontos.join(" + ") };
        if !pontos.is_empty() {
            onde.push_str(&format!(" AND ({pontuacao}) > 0"));
        }
        if let Some(v) = f.preco_min_centavos {
            push(&mut onde, " AND p.preco_centavos >= ?", vec![Sql::Integer(v)]);
        }
        if let Some(v) = f.preco_max_centavos {
            push(&mut onde, " AND p.preco_centavos <= ?", vec![Sql::Integer(v)]);
        }
        if let Some(v) = f.disponivel {
            push(&mut onde, " AND p.disponivel = ?", vec![Sql::Integer(i64::from(v))]);
        }
        if let Some(c) = f.cursor {
            push(&mut onde, " AND p.id > ?", vec![Sql::Integer(c.0)]);
        }
        for id in f.excluir.iter().take(200) {
            push(&mut onde, " AND p.id != ?", vec![Sql::Integer(id.0)]);
        }
        for (name, value) in &f.filtros {
            if value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty()) {
                continue;
            }
            let (clause, vs) = setor_filter(setor, name, value)?;
            push(&mut onde, &clause, vs);
        }
        let ordem = match (f.ordem, setor) {
            (OrdemCatalogo::MenorPreco, _) => "p.preco_centavos IS NULL, p.preco_centavos, p.id",
            (OrdemCatalogo::MaiorPreco, _) => "p.preco_centavos IS NULL, p.preco_centavos DESC, p.id",
            (OrdemCatalogo::MaisNovo, Setor::Veiculos) => "v.ano DESC, p.id",
            (OrdemCatalogo::MenorKm, Setor::Veiculos) => "v.km, p.id",
            _ => "p.id",
        };
        let ordem = if pontos.is_empty() { ordem.to_string() } else { format!("({pontuacao}) DESC, {ordem}") };
        let sql = format!(
            "SELECT {BASE_COLS}{cols} FROM produtos_catalogo p{join}{onde} ORDER BY {ordem} LIMIT {}",
            f.limite.clamp(1, 200)
        );
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), |r| row_to_item(setor, r))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Every item (the bot's vocabulary is built from them), in id order.
    pub fn catalogo_todos(&self) -> Result<Vec<Item>> {
        let setor = self.setor();
        let (cols, join) = setor_select(setor);
        let sql = format!("SELECT {BASE_COLS}{cols} FROM produtos_catalogo p{join} ORDER BY p.id");
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([], |r| row_to_item(setor, r))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Data derived from this tenant's catalog (the bot's vocabulary), built by `build` only
    /// when the catalog changed since the last build; kept while the tenant stays open.
    pub fn derivado_do_catalogo<T: Any + Send + Sync>(
        &self,
        build: impl FnOnce(&TenantDb) -> Result<T>,
    ) -> Result<Arc<T>> {
        let versao = self.catalogo_versao()?;
        let slot = &self.tenant.derivado_do_catalogo;
        let atual = slot.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some((v, d)) = atual {
            if v == versao {
                if let Ok(t) = d.downcast::<T>() {
                    return Ok(t);
                }
            }
        }
        let novo = Arc::new(build(self)?);
        let guardado: Arc<dyn Any + Send + Sync> = novo.clone();
        *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some((versao, guardado));
        Ok(novo)
    }

    /// The catalog's version: it changes whenever an item is added, changed or removed.
    pub fn catalogo_versao(&self) -> Result<i64> {
        Ok(self
            .conn()?
            .prepare_cached("SELECT CAST(valor AS INTEGER) FROM meta WHERE chave = 'catalogo_versao'")?
            .query_row([], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

fn as_int(name: &str, v: &Value) -> Result<i64> {
    v.as_i64()
        .or_else(|| v.as_f64().map(|f| f as i64))
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        .ok_or_else(|| Error::invalid("filtro_invalido", format!("filtro {name:?} deve ser um número")))
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_owned(),
        other => other.to_string(),
    }
}

/// Maps one setor filter to its SQL clause (one `?` per value) and values. A JSON array
/// means "any of these values" (an empty one matches nothing).
fn setor_filter(setor: Setor, name: &str, v: &Value) -> Result<(String, Vec<Sql>)> {
    let like = |v: &Value| Sql::Text(format!("%{}%", escape_like(&as_text(v))));
    let coluna = match (setor, name) {
        (Setor::Veiculos, "marca") => "v.marca",
        (Setor::Veiculos, "modelo") => "v.modelo",
        (Setor::Veiculos, "cambio") => "v.cambio",
        (Setor::Veiculos, "combustivel") => "v.combustivel",
        (Setor::Veiculos, "cor") => "v.cor",
        (Setor::Imoveis, "tipo") => "i.tipo",
        (Setor::Imoveis, "bairro") => "i.bairro",
        (Setor::Imoveis, "cidade") => "i.cidade",
        (Setor::Autopecas, "codigo_oem") => "x.codigo_oem",
        (Setor::Autopecas, "aplicacao") => "x.aplicacao",
        (Setor::Autopecas, "marca") => "x.marca",
        _ => "",
    };
    if let Value::Array(vals) = v {
        if coluna.is_empty() {
            return Err(Error::invalid(
                "filtro_desconhecido",
                format!("filtro desconhecido para o setor {setor}: {name:?}"),
            ));
        }
        if vals.is_empty() {
            return Ok((" AND 0".into(), Vec::new()));
        }
        let marcas = vec!["?"; vals.len().min(50)].join(", ");
        let vs = vals.iter().take(50).map(|x| Sql::Text(as_text(x))).collect();
        return Ok((format!(" AND {coluna} IN ({marcas})"), vs));
    }
    if !coluna.is_empty() {
        return Ok((format!(" AND {coluna} LIKE ? ESCAPE '\\'"), vec![like(v)]));
    }
    let int = |sql: &str| -> Result<(String, Vec<Sql>)> { Ok((sql.to_string(), vec![Sql::Integer(as_int(name, v)?)])) };
    match (setor, name) {
        (Setor::Veiculos, "ano_min") => int(" AND v.ano >= ?"),
        (Setor::Veiculos, "ano_max") => int(" AND v.ano <= ?"),
        (Setor::Veiculos, "km_max") => int(" AND v.km <= ?"),
        (Setor::Imoveis, "finalidade") => {
            Ok((" AND i.finalidade = ?".into(), vec![Sql::Text(as_text(v).to_lowercase())]))
        }
        (Setor::Imoveis, "quartos_min") => int(" AND i.quartos >= ?"),
        (Setor::Imoveis, "vagas_min") => int(" AND COALESCE(i.vagas, 0) >= ?"),
        (Setor::Imoveis, "banheiros_min") => int(" AND COALESCE(i.banheiros, 0) >= ?"),
        (Setor::Imoveis, "area_min") => int(" AND i.area_m2 >= ?"),
        (Setor::Imoveis, "area_max") => int(" AND i.area_m2 <= ?"),
        _ => Err(Error::invalid("filtro_desconhecido", format!("filtro desconhecido para o setor {setor}: {name:?}"))),
    }
}
