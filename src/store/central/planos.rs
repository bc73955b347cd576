//! SQL for planos: what an empresa may use (messages per month, users, catalog items, media
//! storage).

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::CentralDb;
use crate::domain::PlanoId;
use crate::error::{Error, Result};
use crate::store::is_unique_violation;

/// A plano. Limits are `None` for "unlimited".
#[derive(Debug, Clone, Serialize)]
pub struct Plano {
    pub id: PlanoId,
    pub nome: String,
    pub preco_centavos: i64,
    pub limite_mensagens_mes: Option<i64>,
    pub limite_usuarios: Option<i64>,
    pub limite_itens_catalogo: Option<i64>,
    /// Megabytes of stored media (photos, voice notes, documents) per empresa.
    pub limite_midia_mb: Option<i64>,
    pub ativo: bool,
    pub criado_em: String,
}

/// Input for creating or replacing a plano.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NovoPlano {
    pub nome: String,
    #[serde(default)]
    pub preco_centavos: i64,
    #[serde(default)]
    pub limite_mensagens_mes: Option<i64>,
    #[serde(default)]
    pub limite_usuarios: Option<i64>,
    #[serde(default)]
    pub limite_itens_catalogo: Option<i64>,
    #[serde(default)]
    pub limite_midia_mb: Option<i64>,
    #[serde(default = "ativo_padrao")]
    pub ativo: bool,
}

fn ativo_padrao() -> bool {
    true
}

impl NovoPlano {
    fn validar(&self) -> Result<()> {
        if self.nome.trim().is_empty() || self.nome.chars().count() > 100 {
            return Err(Error::invalid("nome_invalido", "o nome do plano é obrigatório (até 100 caracteres)"));
        }
        if self.preco_centavos < 0 {
            return Err(Error::invalid("preco_invalido", "o preço não pode ser negativo"));
        }
        for (campo, v) in [
            ("limite_mensagens_mes", self.limite_mensagens_mes),
            ("limite_usuarios", self.limite_usuarios),
            ("limite_itens_catalogo", self.limite_itens_catalogo),
            ("limite_midia_mb", self.limite_midia_mb),
        ] {
            if v.is_some_and(|n| n < 0) {
                return Err(Error::invalid("limite_invalido", format!("{campo} não pode ser negativo")));
            }
        }
        Ok(())
    }
}

const COLS: &str = "id, nome, preco_centavos, limite_mensagens_mes, limite_usuarios, limite_itens_catalogo, ativo, \
                    criado_em, limite_midia_mb";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Plano> {
    Ok(Plano {
        id: PlanoId(r.get(0)?),
        nome: r.get(1)?,
        preco_centavos: r.get(2)?,
        limite_mensagens_mes: r.get(3)?,
        limite_usuarios: r.get(4)?,
        limite_itens_catalogo: r.get(5)?,
        ativo: r.get(6)?,
        criado_em: r.get(7)?,
        limite_midia_mb: r.get(8)?,
    })
}

/// A UNIQUE violation on the name is a 409; anything else stays a store error.
fn duplicado(e: rusqlite::Error, p: &NovoPlano) -> Error {
    if is_unique_violation(&e) {
        Error::conflict("plano_duplicado", format!("já existe um plano chamado {:?}", p.nome))
    } else {
        e.into()
    }
}

impl CentralDb {
    /// Creates a plano; a duplicate name is a 409.
    pub fn plano_criar(&self, p: &NovoPlano) -> Result<Plano> {
        p.validar()?;
        let conn = self.conn()?;
        let res = conn.execute(
            "INSERT INTO planos (nome, preco_centavos, limite_mensagens_mes, limite_usuarios, limite_itens_catalogo, ativo,
                 limite_midia_mb)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                p.nome.trim(),
                p.preco_centavos,
                p.limite_mensagens_mes,
                p.limite_usuarios,
                p.limite_itens_catalogo,
                p.ativo,
                p.limite_midia_mb
            ],
        );
        res.map_err(|e| duplicado(e, p))?;
        let id = PlanoId(conn.last_insert_rowid());
        drop(conn);
        self.plano(id)?.ok_or(Error::NotFound("plano"))
    }

    /// Replaces a plano's fields.
    pub fn plano_atualizar(&self, id: PlanoId, p: &NovoPlano) -> Result<Plano> {
        p.validar()?;
        let n = self.conn()?.execute(
            "UPDATE planos SET nome = ?2, preco_centavos = ?3, limite_mensagens_mes = ?4, limite_usuarios = ?5,
             limite_itens_catalogo = ?6, ativo = ?7, limite_midia_mb = ?8, atualizado_em = CURRENT_TIMESTAMP
             WHERE id = ?1",
            params![
                id.0,
                p.nome.trim(),
                p.preco_centavos,
                p.limite_mensagens_mes,
                p.limite_usuarios,
                p.limite_itens_catalogo,
                p.ativo,
                p.limite_midia_mb
            ],
        );
        if n.map_err(|e| duplicado(e, p))? == 0 {
            return Err(Error::NotFound("plano"));
        }
        self.plano(id)?.ok_or(Error::NotFound("plano"))
    }

    /// One plano.
    pub fn plano(&self, id: PlanoId) -> Result<Option<Plano>> {
        let sql = format!("SELECT {COLS} FROM planos WHERE id = ?1");
        Ok(self.conn()?.query_row(&sql, [id.0], row).optional()?)
    }

    /// Every plano.
    pub fn planos(&self) -> Result<Vec<Plano>> {
        let sql = format!("SELECT {COLS} FROM planos ORDER BY id");
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([], row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
