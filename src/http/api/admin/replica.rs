//! `/api/admin/replica`: the off-site replica from the panel (Revenda → Backups): its
//! configuration (keys write-only, shown masked), its status and lag, "Enviar agora", and
//! turning it off. Every change is audited; the replica key is in the answer only when a
//! configuration created it, once.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::auditar;
use crate::app::App;
use crate::auth::Principal;
use crate::error::Result;
use crate::http::{Request, Response};
use crate::replica::config::{self, ConfigVisivel, PedidoConfig};
use crate::replica::Situacao;

#[derive(Serialize)]
struct Replica {
    configurada: bool,
    config: Option<ConfigVisivel>,
    situacao: Situacao,
    /// Seconds since the oldest change not yet in the bucket (rows or media).
    atraso_s: i64,
    /// Seconds since the oldest media change not yet in the bucket.
    midias_atraso_s: i64,
    /// Past 10 minutes of lag, or failing that long, or another installation owns the bucket.
    alerta: bool,
    /// Present once: the replica key a configuration just created.
    #[serde(skip_serializing_if = "Option::is_none")]
    chave_replica: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PutReplica {
    endpoint: String,
    bucket: String,
    #[serde(default)]
    regiao: Option<String>,
    #[serde(default)]
    prefixo: Option<String>,
    #[serde(default)]
    retencao_dias: Option<u32>,
    #[serde(default)]
    chave_acesso: Option<String>,
    #[serde(default)]
    segredo: Option<String>,
}

fn resposta(app: &App, chave_replica: Option<String>) -> Result<Response> {
    let cfg = config::carregar(app)?;
    let situacao = app.replica.situacao();
    Ok(Response::ok(&Replica {
        configurada: cfg.is_some(),
        config: cfg.as_ref().map(ConfigVisivel::from),
        atraso_s: situacao.atraso_s(),
        midias_atraso_s: situacao.midias_atraso_s(),
        alerta: situacao.alerta(),
        situacao,
        chave_replica,
    }))
}

/// `GET /api/admin/replica`.
pub fn obter(app: &Arc<App>, _p: &Principal) -> Result<Response> {
    resposta(app, None)
}

/// `PUT /api/admin/replica`: checks the bucket with these keys (absent keys keep the stored
/// ones) and saves; 409 `chave_replica_nao_confere` when the prefix holds another
/// installation's replica, 502 when the bucket refuses or cannot be reached.
pub fn definir(app: &Arc<App>, req: &Request, p: &Principal) -> Result<Response> {
    let b: PutReplica = req.json()?;
    let pedido = PedidoConfig {
        endpoint: b.endpoint,
        bucket: b.bucket,
        regiao: b.regiao,
        prefixo: b.prefixo,
        retencao_dias: b.retencao_dias,
        chave_acesso: b.chave_acesso,
        segredo: b.segredo,
    };
    let feito = config::configurar(app, &pedido)?;
    auditar(app, p, None, "replica.configurar", "replica", Some(feito.config.destino.descricao()))?;
    resposta(app, feito.chave_nova.map(|k| k.texto()))
}

/// `POST /api/admin/replica/enviar`: everything waiting goes now (202).
pub fn enviar(app: &Arc<App>, p: &Principal) -> Result<Response> {
    app.replica.acordar();
    auditar(app, p, None, "replica.enviar", "replica", None)?;
    Ok(Response::json(202, &serde_json::json!({ "ok": true })))
}

/// `DELETE /api/admin/replica`: stops shipping (the bucket keeps what it has).
pub fn desligar(app: &Arc<App>, p: &Principal) -> Result<Response> {
    config::desligar(app)?;
    auditar(app, p, None, "replica.desligar", "replica", None)?;
    resposta(app, None)
}
