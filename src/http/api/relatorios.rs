//! `GET /api/relatorios`: the empresa's activity today, in 7 and in 30 days, messages per day
//! for 30 days, and the plano's monthly message quota against what the bot sent this month.

use serde::Serialize;

use crate::auth::TenantCtx;
use crate::error::Result;
use crate::http::Response;
use crate::store::tenant::relatorios::{Dia, Numeros};

#[derive(Serialize)]
struct Cota {
    nome: String,
    /// `null` = ilimitado.
    limite_mensagens_mes: Option<i64>,
    usadas_mes: i64,
}

#[derive(Serialize)]
struct Relatorio {
    hoje: Numeros,
    dias_7: Numeros,
    dias_30: Numeros,
    por_dia: Vec<Dia>,
    plano: Option<Cota>,
}

/// `GET /api/relatorios` (admin, atendente).
pub fn obter(ctx: &TenantCtx) -> Result<Response> {
    let db = ctx.db();
    let plano = match crate::planos::plano_da_empresa(ctx)? {
        Some(p) => Some(Cota {
            nome: p.nome,
            limite_mensagens_mes: p.limite_mensagens_mes,
            usadas_mes: db.relatorio_enviadas_pelo_bot_no_mes()?,
        }),
        None => None,
    };
    Ok(Response::ok(&Relatorio {
        hoje: db.relatorio_numeros(1)?,
        dias_7: db.relatorio_numeros(7)?,
        dias_30: db.relatorio_numeros(30)?,
        por_dia: db.relatorio_por_dia(30)?,
        plano,
    }))
}
