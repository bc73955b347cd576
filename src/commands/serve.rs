//! `helixai serve`: open the app, optional demo data, run the HTTP server, the bot workers,
//! the hourly subscription check, the backup schedule and the off-site replica until a signal,
//! then stop them all (HTTP first, so no new work arrives while the bot workers drain; the
//! replica last, so it ships what the others wrote while stopping).

use crate::app::App;
use crate::cli::ServeArgs;
use crate::config::{parse_duration, DataDir, ServerConfig};
use crate::crypto::Secret;
use crate::error::{Error, Result};

use super::report_first_start;

pub(super) fn serve(data: DataDir, args: ServeArgs) -> Result<()> {
    crate::background::fatia_curta();
    let defaults = ServerConfig::default();
    let backup_every = parse_duration(&args.backup_every).map_err(|m| Error::invalid("backup_every_invalido", m))?;
    let replica_intervalo = parse_duration(&args.replica_interval)
        .map_err(|m| Error::invalid("replica_interval_invalido", m))?
        .ok_or_else(|| {
            Error::invalid("replica_interval_invalido", "--replica-interval deve ser maior que zero (ex.: 60s)")
        })?;
    let config = ServerConfig {
        bind: args.bind.unwrap_or(defaults.bind),
        http_workers: args.http_workers.max(1),
        max_open_tenants: crate::server::fit_open_tenants(args.max_open_tenants.max(1)),
        secure_cookies: args.secure_cookies,
        trust_proxy: args.trust_proxy,
        session_ttl_s: args.session_ttl.max(60),
        bot_workers: args.bot_workers,
        debounce_ms: args.debounce_ms,
        max_webhook_bytes: args.max_webhook_bytes,
        journal_wal_quadros: args.journal_wal_frames,
        whatsapp_app_secret: args.whatsapp_app_secret.filter(|s| !s.is_empty()).map(Secret::new),
        whatsapp_verify_token: args.whatsapp_verify_token.filter(|s| !s.is_empty()).map(Secret::new),
        graph_api_url: args.graph_api_url,
        carencia_dias: args.carencia_dias,
        backup_every,
        backup_keep: args.backup_keep,
        metrics_token: args.metrics_token.filter(|t| !t.is_empty()).map(Secret::new),
        ..defaults
    };
    let (app, first) = App::open(data, config)?;
    // Held until this function returns: one server per data dir; offline restores wait.
    let _lock = crate::server::travar_diretorio(&app.data)?;
    report_first_start(&first);
    // Evolution settings given to `serve` are stored, so `tenant connect` and the next
    // start see them too.
    let chave = std::env::var(super::evolution::ENV_CHAVE).ok().filter(|c| !c.trim().is_empty());
    crate::conexao::configurar(&app, args.evolution_url.as_deref(), chave.as_deref(), args.public_url.as_deref())?;
    if args.demo {
        let logins = crate::demo::criar_demo(&app)?;
        if logins.is_empty() {
            println!("--demo ignorado: já existem empresas neste diretório de dados");
        }
        for l in logins {
            println!("Demo: {} — login {} / senha {}", l.empresa, l.email, l.senha);
        }
    }
    if app.config.whatsapp_app_secret.is_none() {
        log::warn!("sem --whatsapp-app-secret: só empresas com app secret próprio recebem webhooks");
    }
    let workers = crate::jobs::start(app.clone())?;
    let running = crate::server::start(app.clone())?;
    let vencimentos = crate::assinaturas::iniciar_verificador(app.clone(), crate::assinaturas::INTERVALO_VERIFICACAO)?;
    let agenda = crate::backup::agenda::iniciar(app.clone())?;
    let replica = crate::replica::agenda::iniciar(app.clone(), replica_intervalo)?;
    println!("HelixAI escutando em http://{}", running.addr());
    crate::server::wait_for_signal()?;
    running.shutdown();
    workers.stop();
    vencimentos.parar();
    if let Some(a) = agenda {
        a.parar();
    }
    // Last: what the stop itself wrote (the journal's drain) is shipped too.
    replica.parar();
    drop(app);
    Ok(())
}
