//! The one route table: every endpoint, its method, the roles it allows, and its handler.
//!
//! Tenant endpoints are listed once in [`tenant_route`] and reachable two ways: by an
//! empresa's own users at `/api/...` (their session's empresa), and by a superadmin at
//! `/api/admin/empresas/{id}/...` (checked and audited). The table returns the roles and a
//! handler before any authentication runs; [`api::as_empresa`] / [`api::as_superadmin_in`]
//! then authenticate, check the role and mint the `TenantCtx` the handler receives.
//! Superadmin endpoints are listed in [`admin_route`]; all of them need a superadmin
//! ([`api::as_superadmin`]: 401 without a session, 403 for any other role).

use std::sync::Arc;

use serde::Serialize;

use super::api::admin::{self, AdminHandler};
use super::api::{
    self, agendamentos, atendimento, bot, catalogo, conversas, leads, midias, relatorios, sessao, usuarios, whatsapp,
    whatsapp_conexao, TenantHandler, EMPRESA_ADMIN, EMPRESA_TODOS,
};
use super::{ui, webhook, webhook_evolution, Request, Response};
use crate::app::App;
use crate::domain::Papel;
use crate::error::{Error, Result};
use crate::pipeline::journal::JournalStats;
use crate::store::TenantStats;

/// Dispatches a request to its handler.
pub fn route(app: &Arc<App>, req: &Request) -> Result<Response> {
    let segs = req.segments();
    match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["healthz"]) => healthz(app),
        // Meta's webhook: no session; the verify token / the body signature authenticate.
        ("GET", ["webhook", "whatsapp"]) => webhook::verificar(app, req),
        ("POST", ["webhook", "whatsapp"]) => webhook::receber(app, req),
        // Evolution API: the secret in the URL routes, the instance token authenticates.
        ("POST", ["webhook", "evolution", segredo] | ["webhook", "evolution", segredo, _]) => {
            webhook_evolution::receber(app, req, segredo)
        }
        ("GET", ["metrics"]) => super::metrics::metrics(app, req),
        (_, ["api", rest @ ..]) => {
            api::check_csrf(req)?;
            api_route(app, req, rest)
        }
        ("GET", []) => ui::index(),
        ("GET", ["assets", ..]) => ui::asset(req.path.strip_prefix("/assets/").unwrap_or("")),
        // Deep links into the panel (`/painel/conversas`): its router takes over.
        ("GET", _) if ui::is_panel_path(&segs) => ui::index(),
        _ => Err(Error::NotFound("rota")),
    }
}

fn api_route(app: &Arc<App>, req: &Request, rest: &[&str]) -> Result<Response> {
    match (req.method.as_str(), rest) {
        // Anyone / any session.
        ("POST", ["login"]) => sessao::login(app, req),
        ("POST", ["logout"]) => sessao::logout(app, req),
        ("GET", ["me"]) => sessao::me(app, req),
        ("PUT", ["me", "senha"]) => sessao::senha(app, req),
        // Superadmin acting inside one empresa: the same tenant table, audited.
        (_, ["admin", "empresas", id, tail @ ..]) if !tail.is_empty() && tenant_route(req, tail).is_some() => {
            let (_, run) = tenant_route(req, tail).ok_or(Error::NotFound("rota"))?;
            api::as_superadmin_in(app, req, id, run)
        }
        // The superadmin's own endpoints.
        (_, ["admin", tail @ ..]) => match admin_route(req, tail) {
            Some(run) => api::as_superadmin(app, req, |p| run(app, p)),
            None => Err(Error::NotFound("rota")),
        },
        // The empresa's own users.
        _ => match tenant_route(req, rest) {
            Some((papeis, run)) => api::as_empresa(app, req, papeis, run),
            None => Err(Error::NotFound("rota")),
        },
    }
}

/// Tenant-scoped endpoints: (roles allowed, handler). Paths are relative to `/api/`.
fn tenant_route<'r>(req: &'r Request, rest: &'r [&'r str]) -> Option<(&'static [Papel], TenantHandler<'r>)> {
    Some(match (req.method.as_str(), rest) {
        ("GET", ["catalogo"]) => (EMPRESA_TODOS, Box::new(move |c| catalogo::listar(c, req))),
        ("POST", ["catalogo"]) => (EMPRESA_ADMIN, Box::new(move |c| catalogo::criar(c, req))),
        ("POST", ["catalogo", "importar"]) => (EMPRESA_ADMIN, Box::new(move |c| catalogo::importar(c, req))),
        ("GET", ["catalogo", id]) => (EMPRESA_TODOS, Box::new(move |c| catalogo::obter(c, id))),
        ("PUT", ["catalogo", id]) => (EMPRESA_ADMIN, Box::new(move |c| catalogo::atualizar(c, req, id))),
        ("DELETE", ["catalogo", id]) => (EMPRESA_ADMIN, Box::new(move |c| catalogo::excluir(c, id))),
        ("GET", ["catalogo", id, "fotos"]) => (EMPRESA_TODOS, Box::new(move |c| midias::fotos(c, id))),
        ("POST", ["catalogo", id, "fotos"]) => (EMPRESA_ADMIN, Box::new(move |c| midias::foto_adicionar(c, req, id))),
        ("DELETE", ["catalogo", id, "fotos", foto]) => {
            (EMPRESA_ADMIN, Box::new(move |c| midias::foto_remover(c, id, foto)))
        }
        ("GET", ["midias", id]) => (EMPRESA_TODOS, Box::new(move |c| midias::servir(c, req, id))),
        ("POST", ["midias", id, "baixar"]) => (EMPRESA_TODOS, Box::new(move |c| midias::baixar_de_novo(c, id))),
        ("GET", ["leads"]) => (EMPRESA_TODOS, Box::new(move |c| leads::listar(c, req))),
        ("GET", ["leads", "exportar"]) => (EMPRESA_ADMIN, Box::new(move |c| leads::exportar(c, req))),
        ("GET", ["leads", id]) => (EMPRESA_TODOS, Box::new(move |c| leads::obter(c, id))),
        ("PATCH", ["leads", id]) => (EMPRESA_TODOS, Box::new(move |c| leads::alterar(c, req, id))),
        ("GET", ["etiquetas"]) => (EMPRESA_TODOS, Box::new(leads::etiquetas)),
        ("GET", ["conversas"]) => (EMPRESA_TODOS, Box::new(move |c| conversas::listar(c, req))),
        ("GET", ["conversas", "alertas"]) => (EMPRESA_TODOS, Box::new(atendimento::alertas)),
        ("GET", ["conversas", "exportar"]) => (EMPRESA_ADMIN, Box::new(move |c| conversas::exportar(c, req))),
        ("GET", ["conversas", id]) => (EMPRESA_TODOS, Box::new(move |c| conversas::obter(c, id))),
        ("GET", ["conversas", id, "mensagens"]) => (EMPRESA_TODOS, Box::new(move |c| conversas::mensagens(c, req, id))),
        ("POST", ["conversas", id, "lida"]) => (EMPRESA_TODOS, Box::new(move |c| conversas::lida(c, id))),
        ("POST", ["conversas", id, "assumir"]) => (EMPRESA_TODOS, Box::new(move |c| atendimento::assumir(c, id))),
        ("POST", ["conversas", id, "devolver"]) => (EMPRESA_TODOS, Box::new(move |c| atendimento::devolver(c, id))),
        ("POST", ["conversas", id, "resolver"]) => (EMPRESA_TODOS, Box::new(move |c| atendimento::resolver(c, id))),
        ("POST", ["conversas", id, "reabrir"]) => (EMPRESA_TODOS, Box::new(move |c| atendimento::reabrir(c, id))),
        ("POST", ["conversas", id, "atribuir"]) => {
            (EMPRESA_TODOS, Box::new(move |c| atendimento::atribuir(c, req, id)))
        }
        ("POST", ["conversas", id, "responder"]) => {
            (EMPRESA_TODOS, Box::new(move |c| conversas::responder(c, req, id)))
        }
        ("POST", ["conversas", id, "anexos"]) => (EMPRESA_TODOS, Box::new(move |c| midias::anexar(c, req, id))),
        ("GET", ["atendimento"]) => (EMPRESA_TODOS, Box::new(atendimento::ajustes)),
        ("PUT", ["atendimento"]) => (EMPRESA_ADMIN, Box::new(move |c| atendimento::definir_ajustes(c, req))),
        ("GET", ["equipe"]) => (EMPRESA_TODOS, Box::new(atendimento::equipe)),
        ("GET", ["respostas-rapidas"]) => (EMPRESA_TODOS, Box::new(atendimento::respostas_rapidas)),
        ("POST", ["respostas-rapidas"]) => (EMPRESA_ADMIN, Box::new(move |c| atendimento::resposta_criar(c, req))),
        ("PUT", ["respostas-rapidas", id]) => {
            (EMPRESA_ADMIN, Box::new(move |c| atendimento::resposta_alterar(c, req, id)))
        }
        ("DELETE", ["respostas-rapidas", id]) => {
            (EMPRESA_ADMIN, Box::new(move |c| atendimento::resposta_excluir(c, id)))
        }
        ("GET", ["usuarios"]) => (EMPRESA_ADMIN, Box::new(move |c| usuarios::listar(c, req))),
        ("POST", ["usuarios"]) => (EMPRESA_ADMIN, Box::new(move |c| usuarios::criar(c, req))),
        ("PATCH", ["usuarios", id]) => (EMPRESA_ADMIN, Box::new(move |c| usuarios::alterar(c, req, id))),
        ("GET", ["whatsapp"]) => (EMPRESA_ADMIN, Box::new(move |c| whatsapp::obter(c, req))),
        ("PUT", ["whatsapp"]) => (EMPRESA_ADMIN, Box::new(move |c| whatsapp::definir(c, req))),
        ("GET", ["whatsapp", "conexao"]) => (EMPRESA_ADMIN, Box::new(move |c| whatsapp_conexao::obter(c, req))),
        ("DELETE", ["whatsapp", "conexao"]) => (EMPRESA_ADMIN, Box::new(whatsapp_conexao::excluir)),
        ("POST", ["whatsapp", "conectar"]) => (EMPRESA_ADMIN, Box::new(move |c| whatsapp_conexao::conectar(c, req))),
        ("POST", ["whatsapp", "desconectar"]) => (EMPRESA_ADMIN, Box::new(whatsapp_conexao::desconectar)),
        ("GET", ["whatsapp", "qr.svg"]) => (EMPRESA_ADMIN, Box::new(whatsapp_conexao::qr_svg)),
        ("GET", ["bot"]) => (EMPRESA_ADMIN, Box::new(bot::obter)),
        ("PUT", ["bot"]) => (EMPRESA_ADMIN, Box::new(move |c| bot::definir(c, req))),
        ("POST", ["bot", "simular"]) => (EMPRESA_TODOS, Box::new(move |c| bot::simular(c, req))),
        ("POST", ["bot", "simular", "reiniciar"]) => (EMPRESA_TODOS, Box::new(move |c| bot::simular_reiniciar(c, req))),
        ("GET", ["agendamentos"]) => (EMPRESA_TODOS, Box::new(move |c| agendamentos::listar(c, req))),
        ("POST", ["agendamentos"]) => (EMPRESA_TODOS, Box::new(move |c| agendamentos::criar(c, req))),
        ("GET", ["agendamentos", "resumo"]) => (EMPRESA_TODOS, Box::new(agendamentos::resumo)),
        ("GET", ["agendamentos", "horarios"]) => (EMPRESA_TODOS, Box::new(move |c| agendamentos::horarios(c, req))),
        ("POST", ["agendamentos", "vistos"]) => (EMPRESA_TODOS, Box::new(agendamentos::vistos)),
        ("PATCH", ["agendamentos", id]) => (EMPRESA_TODOS, Box::new(move |c| agendamentos::alterar(c, req, id))),
        ("GET", ["relatorios"]) => (EMPRESA_TODOS, Box::new(relatorios::obter)),
        _ => return None,
    })
}

/// Superadmin endpoints (paths relative to `/api/admin/`); every one is superadmin-only.
fn admin_route<'r>(req: &'r Request, rest: &'r [&'r str]) -> Option<AdminHandler<'r>> {
    use admin::{assinaturas, auditoria, backups, empresas, evolution, pagamentos, planos, replica, sistema, usuarios};
    Some(match (req.method.as_str(), rest) {
        ("GET", ["empresas"]) => Box::new(move |a, p| empresas::listar(a, req, p)),
        ("POST", ["empresas"]) => Box::new(move |a, p| empresas::criar(a, req, p)),
        ("GET", ["empresas", id]) => Box::new(move |a, _| empresas::obter(a, id)),
        ("PATCH", ["empresas", id]) => Box::new(move |a, p| empresas::atualizar(a, req, p, id)),
        ("DELETE", ["empresas", id]) => Box::new(move |a, p| empresas::excluir(a, p, id)),
        ("POST", ["empresas", id, "suspender"]) => Box::new(move |a, p| empresas::suspender(a, p, id)),
        ("POST", ["empresas", id, "reativar"]) => Box::new(move |a, p| empresas::reativar(a, p, id)),
        ("POST", ["empresas", id, "purgar"]) => Box::new(move |a, p| empresas::purgar(a, req, p, id)),
        ("GET", ["empresas", id, "backups"]) => Box::new(move |a, _| backups::listar(a, id)),
        ("POST", ["empresas", id, "backups"]) => Box::new(move |a, p| backups::criar(a, p, id)),
        ("GET", ["empresas", id, "backups", arq]) => Box::new(move |a, p| backups::baixar(a, p, id, arq)),
        ("POST", ["empresas", id, "backups", arq, "restaurar"]) => {
            Box::new(move |a, p| backups::restaurar(a, p, id, arq))
        }
        ("GET", ["planos"]) => Box::new(move |a, p| planos::listar(a, req, p)),
        ("POST", ["planos"]) => Box::new(move |a, p| planos::criar(a, req, p)),
        ("PUT", ["planos", id]) => Box::new(move |a, p| planos::atualizar(a, req, p, id)),
        ("GET", ["assinaturas"]) => Box::new(move |a, p| assinaturas::listar(a, req, p)),
        ("POST", ["assinaturas"]) => Box::new(move |a, p| assinaturas::criar(a, req, p)),
        ("PATCH", ["assinaturas", id]) => Box::new(move |a, p| assinaturas::atualizar(a, req, p, id)),
        ("GET", ["pagamentos"]) => Box::new(move |a, p| pagamentos::listar(a, req, p)),
        ("POST", ["pagamentos"]) => Box::new(move |a, p| pagamentos::registrar(a, req, p)),
        ("GET", ["usuarios"]) => Box::new(move |a, p| usuarios::listar(a, req, p)),
        ("POST", ["usuarios"]) => Box::new(move |a, p| usuarios::criar(a, req, p)),
        ("PATCH", ["usuarios", id]) => Box::new(move |a, p| usuarios::atualizar(a, req, p, id)),
        ("GET", ["auditoria"]) => Box::new(move |a, p| auditoria::listar(a, req, p)),
        ("GET", ["sistema"]) => Box::new(sistema::obter),
        ("GET", ["evolution"]) => Box::new(evolution::obter),
        ("PUT", ["evolution"]) => Box::new(move |a, p| evolution::definir(a, req, p)),
        ("GET", ["replica"]) => Box::new(replica::obter),
        ("PUT", ["replica"]) => Box::new(move |a, p| replica::definir(a, req, p)),
        ("DELETE", ["replica"]) => Box::new(replica::desligar),
        ("POST", ["replica", "enviar"]) => Box::new(replica::enviar),
        _ => return None,
    })
}

/// Every route pattern of the product (`{x}` = one path segment), for metrics labels: a
/// request is counted under its pattern, never its raw path (no ids, bounded label set).
/// Add a route's pattern here when adding the route; more specific patterns first.
pub const PADROES: &[&str] = &[
    "/",
    "/healthz",
    "/metrics",
    "/webhook/whatsapp",
    "/webhook/evolution/{segredo}",
    "/webhook/evolution/{segredo}/{evento}",
    "/api/login",
    "/api/logout",
    "/api/me",
    "/api/me/senha",
    "/api/catalogo",
    "/api/catalogo/importar",
    "/api/catalogo/{id}",
    "/api/catalogo/{id}/fotos",
    "/api/catalogo/{id}/fotos/{foto}",
    "/api/midias/{id}",
    "/api/midias/{id}/baixar",
    "/api/leads",
    "/api/leads/exportar",
    "/api/leads/{id}",
    "/api/etiquetas",
    "/api/conversas",
    "/api/conversas/alertas",
    "/api/conversas/exportar",
    "/api/conversas/{id}",
    "/api/conversas/{id}/mensagens",
    "/api/conversas/{id}/responder",
    "/api/conversas/{id}/anexos",
    "/api/conversas/{id}/{acao}",
    "/api/bot",
    "/api/bot/simular",
    "/api/bot/simular/reiniciar",
    "/api/agendamentos",
    "/api/agendamentos/{id}",
    "/api/usuarios",
    "/api/usuarios/{id}",
    "/api/relatorios",
    "/api/atendimento",
    "/api/equipe",
    "/api/respostas-rapidas",
    "/api/respostas-rapidas/{id}",
    "/api/whatsapp",
    "/api/whatsapp/{acao}",
    "/api/admin/empresas",
    "/api/admin/empresas/{id}",
    "/api/admin/empresas/{id}/backups",
    "/api/admin/empresas/{id}/backups/{arquivo}",
    "/api/admin/empresas/{id}/backups/{arquivo}/{acao}",
    "/api/admin/empresas/{id}/{acao}",
    "/api/admin/planos",
    "/api/admin/planos/{id}",
    "/api/admin/assinaturas",
    "/api/admin/assinaturas/{id}",
    "/api/admin/pagamentos",
    "/api/admin/pagamentos/{id}",
    "/api/admin/usuarios",
    "/api/admin/usuarios/{id}",
    "/api/admin/auditoria",
    "/api/admin/sistema",
    "/api/admin/evolution",
    "/api/admin/replica",
    "/api/admin/replica/{acao}",
];

/// Evolution webhooks may carry a file as base64: they take at least this much.
const MIN_WEBHOOK_EVOLUTION: usize = 32 * 1024 * 1024;

/// The body cap of a request: [`crate::media::MAX_BYTES`] (plus room) for media uploads;
/// `--max-webhook-bytes` (4 MiB by default: Meta delivers up to 3 MB at once) for the Cloud
/// API webhook, and that or 32 MiB, whichever is larger, for Evolution's; the JSON API's
/// `max_body_bytes` otherwise (and at least).
pub fn limite_corpo(metodo: &str, path: &str, config: &crate::config::ServerConfig) -> usize {
    let padrao = config.max_body_bytes;
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let upload = matches!(segs.as_slice(), ["api", .., "conversas", _, "anexos"] | ["api", .., "catalogo", _, "fotos"]);
    let limite = match (metodo, segs.as_slice()) {
        ("POST", _) if upload => crate::media::MAX_BYTES + 64 * 1024,
        ("POST", ["webhook", "evolution", ..]) => config.max_webhook_bytes.max(MIN_WEBHOOK_EVOLUTION),
        ("POST", ["webhook", "whatsapp"]) => config.max_webhook_bytes,
        _ => padrao,
    };
    limite.max(padrao)
}

/// The pattern a path belongs to (`/api/conversas/17` → `/api/conversas/{id}`); static
/// assets count as `/assets/*` and anything else as `outra`.
pub fn padrao(path: &str) -> &'static str {
    if path.starts_with("/assets/") {
        return "/assets/*";
    }
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    PADROES
        .iter()
        .find(|p| {
            let pat: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
            pat.len() == segs.len() && pat.iter().zip(&segs).all(|(a, b)| a.starts_with('{') || a == b)
        })
        .copied()
        .unwrap_or("outra")
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    versao: &'static str,
    empresas: i64,
    tenants_abertos: usize,
    lru: TenantStats,
    /// Webhook events acknowledged and not yet in their tenant file.
    journal: JournalStats,
    /// The off-site replica: its state and lag.
    replica: ReplicaHealth,
    uptime_s: u64,
}

#[derive(Serialize)]
struct ReplicaHealth {
    estado: crate::replica::EstadoReplica,
    /// Seconds since the oldest change not yet in the bucket.
    atraso_s: i64,
    /// The oldest unshipped change, Unix seconds (absent when none).
    mais_antiga_s: Option<i64>,
    /// Databases with changes waiting (their media included).
    pendentes: usize,
    /// Tenants whose media folder has files waiting, and the age of the oldest such change.
    midias_pendentes: usize,
    midias_atraso_s: i64,
    /// Lag past 10 minutes, failing that long, or another installation owns the bucket.
    alerta: bool,
    ultimo_envio_s: Option<i64>,
}

fn healthz(app: &App) -> Result<Response> {
    app.central.ping().map_err(|e| Error::Unavailable(format!("banco central indisponível: {e}")))?;
    super::metrics::checar_disco(app)?;
    Ok(Response::ok(&Health {
        status: "ok",
        versao: env!("CARGO_PKG_VERSION"),
        empresas: app.central.empresas_total()?,
        tenants_abertos: app.tenants.stats().open,
        lru: app.tenants.stats(),
        journal: app.journal.stats(),
        replica: {
            let s = app.replica.situacao();
            ReplicaHealth {
                estado: s.estado,
                atraso_s: s.atraso_s(),
                mais_antiga_s: s.mais_antiga_ms().map(|m| m / 1000),
                pendentes: s.pendentes_total,
                midias_pendentes: s.midias_pendentes,
                midias_atraso_s: s.midias_atraso_s(),
                alerta: s.alerta(),
                ultimo_envio_s: s.ultimo_envio_ms.map(|m| m / 1000),
            }
        },
        uptime_s: app.started.elapsed().as_secs(),
    }))
}

#[cfg(test)]
mod tests {
    use super::padrao;

    #[test]
    fn paths_map_to_their_patterns() {
        assert_eq!(padrao("/healthz"), "/healthz");
        assert_eq!(padrao("/"), "/");
        assert_eq!(padrao("/api/conversas/17"), "/api/conversas/{id}");
        assert_eq!(padrao("/api/conversas/17/mensagens"), "/api/conversas/{id}/mensagens");
        assert_eq!(padrao("/api/admin/empresas/3/backups"), "/api/admin/empresas/{id}/backups");
        assert_eq!(padrao("/api/admin/empresas/3/suspender"), "/api/admin/empresas/{id}/{acao}");
        assert_eq!(padrao("/assets/js/app.js"), "/assets/*");
        assert_eq!(padrao("/wp-login.php"), "outra");
        assert_eq!(padrao("/api/conversas/1/2/3/4"), "outra");
        assert_eq!(padrao("/api/catalogo/4/fotos/9"), "/api/catalogo/{id}/fotos/{foto}");
    }

    #[test]
    fn uploads_and_evolution_webhooks_get_larger_body_caps() {
        use super::limite_corpo;
        let mb = 1024 * 1024;
        let c = crate::config::ServerConfig { max_body_bytes: mb, ..Default::default() };
        assert!(limite_corpo("POST", "/api/conversas/3/anexos", &c) > 16 * mb);
        assert!(limite_corpo("POST", "/api/admin/empresas/2/catalogo/7/fotos", &c) > 16 * mb);
        assert_eq!(limite_corpo("POST", "/webhook/evolution/segredo", &c), 32 * mb);
        assert_eq!(limite_corpo("POST", "/api/conversas/3/responder", &c), mb);
        assert_eq!(limite_corpo("GET", "/api/conversas/3/anexos", &c), mb);
        assert_eq!(limite_corpo("POST", "/webhook/whatsapp", &c), 4 * mb, "--max-webhook-bytes, 4 MiB by default");
        let grande = crate::config::ServerConfig { max_webhook_bytes: 40 * mb, ..c };
        assert_eq!(limite_corpo("POST", "/webhook/whatsapp", &grande), 40 * mb);
        assert_eq!(limite_corpo("POST", "/webhook/evolution/segredo", &grande), 40 * mb);
    }
}
