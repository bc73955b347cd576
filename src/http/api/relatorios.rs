//! `GET /api/relatorios`: the empresa's activity today, in 7 and in 30 days, messages per day
//! for 30 days, "mensagens do mês" against the plano's quota (one figure, one definition:
//! `TenantDb::mensagens_do_mes`), and a new empresa's first steps.

use serde::Serialize;

use crate::auth::TenantCtx;
use crate::domain::Canal;
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

/// What a new empresa has done of its first steps.
#[derive(Serialize)]
struct PrimeirosPassos {
    /// At least one catalog item.
    catalogo: bool,
    /// A WhatsApp channel ready: Cloud API ids and token, or a number paired by QR code.
    whatsapp: bool,
    /// The bot was tried in the panel's simulator.
    bot_testado: bool,
    /// A customer wrote on WhatsApp.
    primeira_conversa: bool,
}

#[derive(Serialize)]
struct Relatorio {
    hoje: Numeros,
    dias_7: Numeros,
    dias_30: Numeros,
    por_dia: Vec<Dia>,
    /// "Mensagens do mês": the bot's replies on WhatsApp since the 1st (UTC).
    mensagens_mes: i64,
    plano: Option<Cota>,
    primeiros_passos: PrimeirosPassos,
}

/// `GET /api/relatorios` (admin, atendente).
pub fn obter(ctx: &TenantCtx) -> Result<Response> {
    let db = ctx.db();
    let mensagens_mes = db.mensagens_do_mes()?;
    let plano = crate::planos::plano_da_empresa(ctx)?.map(|p| Cota {
        nome: p.nome,
        limite_mensagens_mes: p.limite_mensagens_mes,
        usadas_mes: mensagens_mes,
    });
    let (itens, testou, conversou) = db.relatorio_primeiros_passos()?;
    let e = ctx.empresa();
    let whatsapp = match e.whatsapp_canal {
        Canal::Cloud => e.whatsapp_phone_number_id.is_some() && e.tem_whatsapp_token,
        Canal::Evolution => ctx.whatsapp_conexao(false)?.estado == crate::store::central::evolution::CONECTADO,
    };
    Ok(Response::ok(&Relatorio {
        hoje: db.relatorio_numeros(1)?,
        dias_7: db.relatorio_numeros(7)?,
        dias_30: db.relatorio_numeros(30)?,
        por_dia: db.relatorio_por_dia(30)?,
        mensagens_mes,
        plano,
        primeiros_passos: PrimeirosPassos {
            catalogo: itens > 0,
            whatsapp,
            bot_testado: testou,
            primeira_conversa: conversou,
        },
    }))
}
