//! SQL for pagamentos: recording a payment moves its assinatura forward, in one transaction.
//!
//! A payment advances `proximo_vencimento` by one month (from the current vencimento, or
//! from now when there is none). The assinatura's status then follows the new vencimento:
//! `ativa` when it is in the future, `atrasada` while still inside the grace period,
//! `suspensa` beyond it. An empresa suspended for non-payment (assinatura `suspensa`) is
//! reactivated when the payment lifts the assinatura out of `suspensa`.

use rusqlite::{params, TransactionBehavior};
use serde::Serialize;

use super::assinaturas::{definir_empresa_ativa, ler, Assinatura, StatusAssinatura};
use super::CentralDb;
use crate::domain::{AssinaturaId, EmpresaId, PagamentoId};
use crate::error::{Error, Result};

/// A pagamento as listed.
#[derive(Debug, Clone, Serialize)]
pub struct Pagamento {
    pub id: PagamentoId,
    pub assinatura_id: AssinaturaId,
    pub empresa_id: EmpresaId,
    pub valor_centavos: i64,
    pub pago_em: String,
    pub referencia: Option<String>,
    pub metodo: Option<String>,
    pub criado_em: String,
}

/// Input for recording a pagamento.
#[derive(Debug, Clone)]
pub struct NovoPagamento {
    pub assinatura_id: AssinaturaId,
    pub valor_centavos: i64,
    pub referencia: Option<String>,
    pub metodo: Option<String>,
}

/// What recording a payment did.
#[derive(Debug, Clone, Serialize)]
pub struct PagamentoRegistrado {
    pub pagamento: Pagamento,
    pub assinatura: Assinatura,
    /// The empresa was suspended for non-payment and is active again.
    pub empresa_reativada: bool,
}

/// Filters for listing (newest first, keyset on id).
#[derive(Debug, Clone, Default)]
pub struct FiltroPagamentos {
    pub assinatura_id: Option<AssinaturaId>,
    pub empresa_id: Option<EmpresaId>,
    pub antes_de: Option<i64>,
    pub limite: u32,
}

const SELECT: &str = "SELECT p.id, p.assinatura_id, a.empresa_id, p.valor_centavos, p.pago_em, p.referencia, p.metodo,
     p.criado_em FROM pagamentos p JOIN assinaturas a ON a.id = p.assinatura_id";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Pagamento> {
    Ok(Pagamento {
        id: PagamentoId(r.get(0)?),
        assinatura_id: AssinaturaId(r.get(1)?),
        empresa_id: EmpresaId(r.get(2)?),
        valor_centavos: r.get(3)?,
        pago_em: r.get(4)?,
        referencia: r.get(5)?,
        metodo: r.get(6)?,
        criado_em: r.get(7)?,
    })
}

impl CentralDb {
    /// Records a payment and moves its assinatura (see the module doc). 400
    /// `assinatura_invalida` for an unknown assinatura, 409 `assinatura_cancelada` for a
    /// cancelled one.
    pub fn pagamento_registrar(&self, novo: &NovoPagamento, carencia_dias: u32) -> Result<PagamentoRegistrado> {
        if novo.valor_centavos <= 0 {
            return Err(Error::invalid("valor_invalido", "o valor do pagamento deve ser maior que zero (em centavos)"));
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let antes = ler(&tx, novo.assinatura_id)?.ok_or_else(|| {
            Error::invalid("assinatura_invalida", format!("a assinatura {} não existe", novo.assinatura_id))
        })?;
        if antes.status == StatusAssinatura::Cancelada {
            return Err(Error::conflict("assinatura_cancelada", "esta assinatura está cancelada; crie uma nova"));
        }
        tx.execute(
            "INSERT INTO pagamentos (assinatura_id, valor_centavos, referencia, metodo) VALUES (?1, ?2, ?3, ?4)",
            params![novo.assinatura_id.0, novo.valor_centavos, novo.referencia, novo.metodo],
        )?;
        let pid = tx.last_insert_rowid();
        tx.execute(
            "UPDATE assinaturas SET
               proximo_vencimento = datetime(COALESCE(proximo_vencimento, CURRENT_TIMESTAMP), '+1 month'),
               status = CASE
                 WHEN datetime(COALESCE(proximo_vencimento, CURRENT_TIMESTAMP), '+1 month') >= datetime('now')
                   THEN 'ativa'
                 WHEN datetime(COALESCE(proximo_vencimento, CURRENT_TIMESTAMP), '+1 month')
                      >= datetime('now', '-' || ?2 || ' days') THEN 'atrasada'
                 ELSE 'suspensa' END,
               atualizado_em = CURRENT_TIMESTAMP
             WHERE id = ?1",
            params![novo.assinatura_id.0, carencia_dias],
        )?;
        let assinatura = ler(&tx, novo.assinatura_id)?.ok_or(Error::NotFound("assinatura"))?;
        let empresa_reativada =
            antes.status == StatusAssinatura::Suspensa && assinatura.status != StatusAssinatura::Suspensa;
        if empresa_reativada {
            definir_empresa_ativa(&tx, assinatura.empresa_id, true)?;
        }
        let pagamento = tx.query_row(&format!("{SELECT} WHERE p.id = ?1"), [pid], row)?;
        tx.commit()?;
        Ok(PagamentoRegistrado { pagamento, assinatura, empresa_reativada })
    }

    /// Pagamentos by filter, newest first.
    pub fn pagamentos(&self, f: &FiltroPagamentos) -> Result<Vec<Pagamento>> {
        let sql = format!(
            "{SELECT} WHERE (?1 IS NULL OR p.assinatura_id = ?1) AND (?2 IS NULL OR a.empresa_id = ?2)
               AND (?3 IS NULL OR p.id < ?3)
             ORDER BY p.id DESC LIMIT ?4"
        );
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(
            params![f.assinatura_id.map(|a| a.0), f.empresa_id.map(|e| e.0), f.antes_de, f.limite.clamp(1, 500)],
            row,
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
