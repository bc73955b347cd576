//! `/api/admin/pagamentos`: list and record payments. Recording one advances its assinatura
//! by a month and lifts a suspension for non-payment (see `store::central::pagamentos`).

use std::sync::Arc;

use serde::Deserialize;

use super::{auditar, query_valor, texto_opcional};
use crate::app::App;
use crate::auth::Principal;
use crate::domain::AssinaturaId;
use crate::error::Result;
use crate::http::api::{Pagina, Paginacao};
use crate::http::{Request, Response};
use crate::store::central::{FiltroPagamentos, NovoPagamento};

/// `GET /api/admin/pagamentos?assinatura_id=&empresa_id=&limite=&cursor=` (newest first).
pub fn listar(app: &Arc<App>, req: &Request, _p: &Principal) -> Result<Response> {
    let pag = Paginacao::from(req)?;
    let f = FiltroPagamentos {
        assinatura_id: query_valor(req, "assinatura_id")?,
        empresa_id: query_valor(req, "empresa_id")?,
        antes_de: pag.cursor,
        limite: pag.limite,
    };
    let itens = app.central.pagamentos(&f)?;
    Ok(Response::ok(&Pagina::de(itens, pag.limite, |p| p.id.0)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NovoPagamentoApi {
    assinatura_id: AssinaturaId,
    valor_centavos: i64,
    #[serde(default)]
    referencia: Option<String>,
    #[serde(default)]
    metodo: Option<String>,
}

/// `POST /api/admin/pagamentos` `{assinatura_id, valor_centavos, referencia?, metodo?}` →
/// 201 `{pagamento, assinatura, empresa_reativada}`.
pub fn registrar(app: &Arc<App>, req: &Request, p: &Principal) -> Result<Response> {
    let body: NovoPagamentoApi = req.json()?;
    let novo = NovoPagamento {
        assinatura_id: body.assinatura_id,
        valor_centavos: body.valor_centavos,
        referencia: texto_opcional("referencia", body.referencia, 200)?,
        metodo: texto_opcional("metodo", body.metodo, 50)?,
    };
    let r = app.central.pagamento_registrar(&novo, app.config.carencia_dias)?;
    let empresa = r.assinatura.empresa_id;
    let detalhes = format!(
        "{} centavos, assinatura {} agora {} até {}",
        r.pagamento.valor_centavos,
        r.assinatura.id,
        r.assinatura.status.as_str(),
        r.assinatura.proximo_vencimento.as_deref().unwrap_or("-")
    );
    auditar(app, p, Some(empresa), "pagamento.registrar", format!("pagamento {}", r.pagamento.id), Some(detalhes))?;
    if r.empresa_reativada {
        let motivo = format!("pagamento {} quitou a inadimplência", r.pagamento.id);
        auditar(app, p, Some(empresa), "empresa.reativar", format!("empresa {empresa}"), Some(motivo))?;
    }
    Ok(Response::json(201, &r).for_empresa(empresa))
}
