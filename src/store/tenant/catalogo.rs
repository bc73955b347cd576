//! SQL for the catalog: `produtos_catalogo` plus the setor's table (veiculos, imoveis, produtos).
//!
//! An item's common fields live in `produtos_catalogo`; its setor fields in the setor table,
//! written in the same transaction. Search is accent-insensitive through the stored `busca`
//! column (see `catalogo::normalizar`).

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
}

fn setor_select(setor: Setor) -> (&'static str, &'static str) {
    match setor {
        Setor::Veiculos => (
            ", v.marca, v.modelo, v.versao, v.ano, v.km, v.cambio, v.combustivel, v.cor",
            " LEFT JOIN veiculos v ON v.item_id = p.id",
        ),
        Setor::Imoveis => (
            ", i.tipo, i.finalidade, i.bairro, i.cidade, i.quartos, i.banheiros, i.vagas, i.area_m2",
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
        Atributos::Veiculo { marca, modelo, versao, ano, km, cambio, combustivel, cor } => tx.execute(
            "INSERT OR REPLACE INTO veiculos (item_id, marca, modelo, versao, ano, km, cambio, combustivel, cor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![id, marca, modelo, versao, ano, km, cambio, combustivel, cor],
        )?,
        Atributos::Imovel { tipo, finalidade, bairro, cidade, quartos, banheiros, vagas, area_m2 } => tx.execute(
            "INSERT OR REPLACE INTO imoveis (item_id, tipo, finalidade, bairro, cidade, quartos, banheiros, vagas, area_m2)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![id, tipo, finalidade, bairro, cidade, quartos, banheiros, vagas, area_m2],
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

    /// Lists or searches items, ordered by id, one page at a time.
    pub fn catalogo_listar(&self, f: &FiltroCatalogo) -> Result<Vec<Item>> {
        let setor = self.setor();
        let (cols, join) = setor_select(setor);
        let mut sql = format!("SELECT {BASE_COLS}{cols} FROM produtos_catalogo p{join} WHERE 1=1");
        let mut args: Vec<Sql> = Vec::new();
        let mut push = |sql: &mut String, clause: &str, v: Sql| {
            args.push(v);
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        if let Some(texto) = &f.texto {
            for word in normalizar(texto).split_whitespace().take(8) {
                push(&mut sql, " AND p.busca LIKE ? ESCAPE '\\'", Sql::Text(format!("%{}%", escape_like(word))));
            }
        }
        if let Some(v) = f.preco_min_centavos {
            push(&mut sql, " AND p.preco_centavos >= ?", Sql::Integer(v));
        }
        if let Some(v) = f.preco_max_centavos {
            push(&mut sql, " AND p.preco_centavos <= ?", Sql::Integer(v));
        }
        if let Some(v) = f.disponivel {
            push(&mut sql, " AND p.disponivel = ?", Sql::Integer(i64::from(v)));
        }
        if let Some(c) = f.cursor {
            push(&mut sql, " AND p.id > ?", Sql::Integer(c.0));
        }
        for (name, value) in &f.filtros {
            if value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty()) {
                continue;
            }
            let (clause, v) = setor_filter(setor, name, value)?;
            push(&mut sql, clause, v);
        }
        sql.push_str(&format!(" ORDER BY p.id LIMIT {}", f.limite.clamp(1, 200)));
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), |r| row_to_item(setor, r))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
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

/// Maps one setor filter to its SQL clause (with a single `?`) and value.
fn setor_filter(setor: Setor, name: &str, v: &Value) -> Result<(&'static str, Sql)> {
    let like = |v: &Value| Sql::Text(format!("%{}%", escape_like(&as_text(v))));
    Ok(match (setor, name) {
        (Setor::Veiculos, "marca") => (" AND v.marca LIKE ? ESCAPE '\\'", like(v)),
        (Setor::Veiculos, "modelo") => (" AND v.modelo LIKE ? ESCAPE '\\'", like(v)),
        (Setor::Veiculos, "ano_min") => (" AND v.ano >= ?", Sql::Integer(as_int(name, v)?)),
        (Setor::Veiculos, "ano_max") => (" AND v.ano <= ?", Sql::Integer(as_int(name, v)?)),
        (Setor::Veiculos, "km_max") => (" AND v.km <= ?", Sql::Integer(as_int(name, v)?)),
        (Setor::Veiculos, "cambio") => (" AND v.cambio LIKE ? ESCAPE '\\'", like(v)),
        (Setor::Veiculos, "combustivel") => (" AND v.combustivel LIKE ? ESCAPE '\\'", like(v)),
        (Setor::Imoveis, "tipo") => (" AND i.tipo LIKE ? ESCAPE '\\'", like(v)),
        (Setor::Imoveis, "finalidade") => (" AND i.finalidade = ?", Sql::Text(as_text(v).to_lowercase())),
        (Setor::Imoveis, "bairro") => (" AND i.bairro LIKE ? ESCAPE '\\'", like(v)),
        (Setor::Imoveis, "quartos_min") => (" AND i.quartos >= ?", Sql::Integer(as_int(name, v)?)),
        (Setor::Autopecas, "codigo_oem") => (" AND x.codigo_oem LIKE ? ESCAPE '\\'", like(v)),
        (Setor::Autopecas, "aplicacao") => (" AND x.aplicacao LIKE ? ESCAPE '\\'", like(v)),
        (Setor::Autopecas, "marca") => (" AND x.marca LIKE ? ESCAPE '\\'", like(v)),
        _ => {
            return Err(Error::invalid(
                "filtro_desconhecido",
                format!("filtro desconhecido para o setor {setor}: {name:?}"),
            ))
        }
    })
}
