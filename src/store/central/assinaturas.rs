//! SQL for assinaturas: which plano an empresa pays for, and whether it is paid up.
//!
//! Life cycle: `ativa` → (vencimento passes) `atrasada` → (beyond the grace period)
//! `suspensa`, which also suspends the empresa; a payment or a PATCH back to ativa/atrasada
//! reactivates it. `cancelada` ends the assinatura without touching the empresa. So
//! "assinatura suspensa" always means "empresa suspended for non-payment", and only that
//! suspension is lifted by billing (a manual suspension stays until /reativar).
//! At most one non-cancelled assinatura per empresa; its plano is the empresa's plano.

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use serde::{Deserialize, Serialize};

use super::CentralDb;
use crate::domain::{AssinaturaId, EmpresaId, PlanoId};
use crate::error::{Error, Result};

/// Where an assinatura stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusAssinatura {
    Ativa,
    Atrasada,
    Suspensa,
    Cancelada,
}

impl StatusAssinatura {
    /// The lowercase name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusAssinatura::Ativa => "ativa",
            StatusAssinatura::Atrasada => "atrasada",
            StatusAssinatura::Suspensa => "suspensa",
            StatusAssinatura::Cancelada => "cancelada",
        }
    }
}

impl std::str::FromStr for StatusAssinatura {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "ativa" => Ok(StatusAssinatura::Ativa),
            "atrasada" => Ok(StatusAssinatura::Atrasada),
            "suspensa" => Ok(StatusAssinatura::Suspensa),
            "cancelada" => Ok(StatusAssinatura::Cancelada),
            _ => Err(Error::invalid(
                "status_invalido",
                format!("status desconhecido: {s:?} (use ativa, atrasada, suspensa ou cancelada)"),
            )),
        }
    }
}

/// An assinatura as listed.
#[derive(Debug, Clone, Serialize)]
pub struct Assinatura {
    pub id: AssinaturaId,
    pub empresa_id: EmpresaId,
    pub plano_id: PlanoId,
    pub status: StatusAssinatura,
    pub inicio: String,
    pub proximo_vencimento: Option<String>,
    pub criado_em: String,
    pub atualizado_em: String,
}

/// Input for creating an assinatura; `proximo_vencimento` already normalized
/// (`YYYY-MM-DD HH:MM:SS`, see `clock::normalizar_data_hora`).
#[derive(Debug, Clone)]
pub struct NovaAssinatura {
    pub empresa_id: EmpresaId,
    pub plano_id: PlanoId,
    pub proximo_vencimento: Option<String>,
}

/// A change to an assinatura (`None` = unchanged; `Some(None)` clears the vencimento).
#[derive(Debug, Clone, Default)]
pub struct AlteraAssinatura {
    pub plano_id: Option<PlanoId>,
    pub proximo_vencimento: Option<Option<String>>,
    pub status: Option<StatusAssinatura>,
}

/// What a change did to the empresa: `Some(false)` suspended, `Some(true)` reactivated.
pub type EfeitoEmpresa = Option<bool>;

/// Filters for listing (ascending id, keyset).
#[derive(Debug, Clone, Default)]
pub struct FiltroAssinaturas {
    pub empresa_id: Option<EmpresaId>,
    pub plano_id: Option<PlanoId>,
    pub status: Option<StatusAssinatura>,
    pub depois_de: Option<i64>,
    pub limite: u32,
}

/// What one run of the due-date check changed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Vencimentos {
    /// Became `atrasada` in this run.
    pub atrasadas: Vec<Assinatura>,
    /// Became `suspensa` in this run; their empresas were suspended.
    pub suspensas: Vec<Assinatura>,
}

const COLS: &str = "id, empresa_id, plano_id, status, inicio, proximo_vencimento, criado_em, atualizado_em";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Assinatura>> {
    let status = match r.get::<_, String>(3)?.parse::<StatusAssinatura>() {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(Assinatura {
        id: AssinaturaId(r.get(0)?),
        empresa_id: EmpresaId(r.get(1)?),
        plano_id: PlanoId(r.get(2)?),
        status,
        inicio: r.get(4)?,
        proximo_vencimento: r.get(5)?,
        criado_em: r.get(6)?,
        atualizado_em: r.get(7)?,
    }))
}

/// One assinatura inside a transaction.
pub(super) fn ler(tx: &Transaction<'_>, id: AssinaturaId) -> Result<Option<Assinatura>> {
    let sql = format!("SELECT {COLS} FROM assinaturas WHERE id = ?1");
    tx.query_row(&sql, [id.0], row).optional()?.transpose()
}

fn exigir_plano(tx: &Transaction<'_>, id: PlanoId) -> Result<()> {
    let ok: bool = tx.query_row("SELECT EXISTS(SELECT 1 FROM planos WHERE id = ?1)", [id.0], |r| r.get(0))?;
    if ok {
        Ok(())
    } else {
        Err(Error::invalid("plano_invalido", format!("o plano {id} não existe")))
    }
}

/// Sets the empresa's `ativo` flag inside a transaction.
pub(super) fn definir_empresa_ativa(tx: &Transaction<'_>, id: EmpresaId, ativo: bool) -> Result<()> {
    tx.execute(
        "UPDATE empresas SET ativo = ?2, atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
        params![id.0, ativo],
    )?;
    Ok(())
}

impl CentralDb {
    /// Creates an assinatura (status `ativa`) and makes its plano the empresa's plano.
    /// 409 `assinatura_existente` when the empresa already has a non-cancelled one.
    pub fn assinatura_criar(&self, nova: &NovaAssinatura) -> Result<Assinatura> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let empresa: bool =
            tx.query_row("SELECT EXISTS(SELECT 1 FROM empresas WHERE id = ?1)", [nova.empresa_id.0], |r| r.get(0))?;
        if !empresa {
            return Err(Error::invalid("empresa_invalida", format!("a empresa {} não existe", nova.empresa_id)));
        }
        exigir_plano(&tx, nova.plano_id)?;
        let existente: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM assinaturas WHERE empresa_id = ?1 AND status <> 'cancelada')",
            [nova.empresa_id.0],
            |r| r.get(0),
        )?;
        if existente {
            return Err(Error::conflict(
                "assinatura_existente",
                "esta empresa já tem uma assinatura em vigor; altere-a ou cancele-a antes",
            ));
        }
        tx.execute(
            "INSERT INTO assinaturas (empresa_id, plano_id, proximo_vencimento) VALUES (?1, ?2, ?3)",
            params![nova.empresa_id.0, nova.plano_id.0, nova.proximo_vencimento],
        )?;
        let id = AssinaturaId(tx.last_insert_rowid());
        tx.execute(
            "UPDATE empresas SET plano_id = ?2, atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
            params![nova.empresa_id.0, nova.plano_id.0],
        )?;
        let a = ler(&tx, id)?.ok_or(Error::NotFound("assinatura"))?;
        tx.commit()?;
        Ok(a)
    }

    /// Changes an assinatura. A new plano becomes the empresa's plano (unless cancelled);
    /// status `suspensa` suspends the empresa, and leaving `suspensa` for ativa/atrasada
    /// reactivates it. Returns the assinatura and what happened to the empresa.
    pub fn assinatura_atualizar(&self, id: AssinaturaId, a: &AlteraAssinatura) -> Result<(Assinatura, EfeitoEmpresa)> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let antes = ler(&tx, id)?.ok_or(Error::NotFound("assinatura"))?;
        if let Some(p) = a.plano_id {
            exigir_plano(&tx, p)?;
        }
        let status = a.status.unwrap_or(antes.status);
        if status != StatusAssinatura::Cancelada && antes.status == StatusAssinatura::Cancelada {
            let outra: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM assinaturas WHERE empresa_id = ?1 AND id <> ?2 AND status <> 'cancelada')",
                params![antes.empresa_id.0, id.0],
                |r| r.get(0),
            )?;
            if outra {
                return Err(Error::conflict("assinatura_existente", "esta empresa já tem outra assinatura em vigor"));
            }
        }
        let plano = a.plano_id.unwrap_or(antes.plano_id);
        let vencimento = a.proximo_vencimento.clone().unwrap_or(antes.proximo_vencimento.clone());
        tx.execute(
            "UPDATE assinaturas SET plano_id = ?2, proximo_vencimento = ?3, status = ?4, atualizado_em = CURRENT_TIMESTAMP
             WHERE id = ?1",
            params![id.0, plano.0, vencimento, status.as_str()],
        )?;
        if a.plano_id.is_some() && status != StatusAssinatura::Cancelada {
            tx.execute(
                "UPDATE empresas SET plano_id = ?2, atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
                params![antes.empresa_id.0, plano.0],
            )?;
        }
        let efeito = match (antes.status, status) {
            (s, StatusAssinatura::Suspensa) if s != StatusAssinatura::Suspensa => Some(false),
            (StatusAssinatura::Suspensa, StatusAssinatura::Ativa | StatusAssinatura::Atrasada) => Some(true),
            _ => None,
        };
        if let Some(ativo) = efeito {
            definir_empresa_ativa(&tx, antes.empresa_id, ativo)?;
        }
        let depois = ler(&tx, id)?.ok_or(Error::NotFound("assinatura"))?;
        tx.commit()?;
        Ok((depois, efeito))
    }

    /// One assinatura.
    pub fn assinatura(&self, id: AssinaturaId) -> Result<Option<Assinatura>> {
        let sql = format!("SELECT {COLS} FROM assinaturas WHERE id = ?1");
        self.conn()?.query_row(&sql, [id.0], row).optional()?.transpose()
    }

    /// Assinaturas by filter, ascending id.
    pub fn assinaturas(&self, f: &FiltroAssinaturas) -> Result<Vec<Assinatura>> {
        let sql = format!(
            "SELECT {COLS} FROM assinaturas
             WHERE (?1 IS NULL OR empresa_id = ?1) AND (?2 IS NULL OR plano_id = ?2) AND (?3 IS NULL OR status = ?3)
               AND (?4 IS NULL OR id > ?4)
             ORDER BY id LIMIT ?5"
        );
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(
            params![
                f.empresa_id.map(|e| e.0),
                f.plano_id.map(|p| p.0),
                f.status.map(StatusAssinatura::as_str),
                f.depois_de,
                f.limite.clamp(1, 500)
            ],
            row,
        )?;
        rows.map(|r| r?).collect()
    }

    /// The due-date check, in one transaction: `ativa` past its vencimento → `atrasada`;
    /// `atrasada` more than `carencia_dias` past it → `suspensa`, and its empresa suspended.
    pub fn assinaturas_verificar(&self, carencia_dias: u32) -> Result<Vencimentos> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ids = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> Result<Vec<i64>> {
            let mut stmt = tx.prepare(sql)?;
            let rows = stmt.query_map(p, |r| r.get::<_, i64>(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        };
        let atrasadas = ids(
            "UPDATE assinaturas SET status = 'atrasada', atualizado_em = CURRENT_TIMESTAMP
             WHERE status = 'ativa' AND proximo_vencimento IS NOT NULL AND proximo_vencimento < datetime('now')
             RETURNING id",
            &[],
        )?;
        let suspensas = ids(
            "UPDATE assinaturas SET status = 'suspensa', atualizado_em = CURRENT_TIMESTAMP
             WHERE status = 'atrasada' AND proximo_vencimento IS NOT NULL
               AND proximo_vencimento < datetime('now', '-' || ?1 || ' days')
             RETURNING id",
            &[&carencia_dias],
        )?;
        let mut out = Vencimentos::default();
        for (lista, destino) in [(atrasadas, &mut out.atrasadas), (suspensas, &mut out.suspensas)] {
            for id in lista {
                destino.extend(ler(&tx, AssinaturaId(id))?);
            }
        }
        for a in &out.suspensas {
            definir_empresa_ativa(&tx, a.empresa_id, false)?;
        }
        tx.commit()?;
        Ok(out)
    }
}
