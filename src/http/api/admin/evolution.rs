//! `/api/admin/evolution`: the appliance's Evolution API server (base URL, global key — write
//! only, shown masked — and the public URL Evolution posts webhooks to), and every empresa's
//! QR-code connection state, so the reseller sees at a glance who must scan again.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::auth::Principal;
use crate::conexao;
use crate::error::Result;
use crate::http::api::campos::mascarado;
use crate::http::{Request, Response};
use crate::store::central::ajustes::{EVOLUTION_CHAVE, EVOLUTION_URL, URL_PUBLICA};
use crate::store::central::InstanciaEvolution;

#[derive(Serialize)]
struct Evolution {
    url: Option<String>,
    chave: Option<String>,
    url_publica: Option<String>,
    /// What Evolution is told to post to: `url_publica`, else this server's bind address.
    url_publica_efetiva: String,
    configurado: bool,
    instancias: Vec<InstanciaComEmpresa>,
}

#[derive(Serialize)]
struct InstanciaComEmpresa {
    empresa_nome: Option<String>,
    #[serde(flatten)]
    instancia: InstanciaEvolution,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PutEvolution {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    chave: Option<String>,
    #[serde(default)]
    url_publica: Option<String>,
}

fn resposta(app: &App) -> Result<Response> {
    let instancias = app
        .central
        .evolution_instancias()?
        .into_iter()
        .map(|i| {
            let nome = app.central.empresa(i.empresa_id).ok().flatten().map(|e| e.nome);
            InstanciaComEmpresa { empresa_nome: nome, instancia: i }
        })
        .collect();
    Ok(Response::ok(&Evolution {
        url: app.central.ajuste(EVOLUTION_URL)?,
        chave: mascarado(&app.key, app.central.ajuste_cifrado(EVOLUTION_CHAVE)?.as_deref()),
        url_publica: app.central.ajuste(URL_PUBLICA)?,
        url_publica_efetiva: conexao::url_publica(app)?,
        configurado: conexao::configurado(app)?,
        instancias,
    }))
}

/// `GET /api/admin/evolution`.
pub fn obter(app: &Arc<App>, _p: &Principal) -> Result<Response> {
    resposta(app)
}

/// `PUT /api/admin/evolution` `{url?, chave?, url_publica?}`: absent fields are kept; `""`
/// clears a URL.
pub fn definir(app: &Arc<App>, req: &Request, p: &Principal) -> Result<Response> {
    let body: PutEvolution = req.json()?;
    conexao::configurar(app, body.url.as_deref(), body.chave.as_deref(), body.url_publica.as_deref())?;
    let mut detalhes = Vec::new();
    if let Some(u) = &body.url {
        detalhes.push(format!("url={}", u.trim()));
    }
    if let Some(u) = &body.url_publica {
        detalhes.push(format!("url_publica={}", u.trim()));
    }
    if body.chave.is_some() {
        detalhes.push("chave=(alterada)".to_owned());
    }
    super::auditar(app, p, None, "evolution.configurar", "evolution", Some(detalhes.join(", ")))?;
    resposta(app)
}
