//! `helixai serve`: open the app, optional demo data, run the server and the hourly
//! subscription check until a signal.

use crate::app::App;
use crate::cli::ServeArgs;
use crate::config::{DataDir, ServerConfig};
use crate::error::Result;

use super::report_first_start;

pub(super) fn serve(data: DataDir, args: ServeArgs) -> Result<()> {
    let defaults = ServerConfig::default();
    let config = ServerConfig {
        bind: args.bind.unwrap_or(defaults.bind),
        http_workers: args.http_workers.max(1),
        max_open_tenants: crate::server::fit_open_tenants(args.max_open_tenants.max(1)),
        secure_cookies: args.secure_cookies,
        trust_proxy: args.trust_proxy,
        session_ttl_s: args.session_ttl.max(60),
        carencia_dias: args.carencia_dias,
        ..defaults
    };
    let (app, first) = App::open(data, config)?;
    report_first_start(&first);
    if args.demo {
        let logins = crate::demo::criar_demo(&app)?;
        if logins.is_empty() {
            println!("--demo ignorado: já existem empresas neste diretório de dados");
        }
        for l in logins {
            println!("Demo: {} — login {} / senha {}", l.empresa, l.email, l.senha);
        }
    }
    let running = crate::server::start(app.clone())?;
    let vencimentos = crate::assinaturas::iniciar_verificador(app.clone(), crate::assinaturas::INTERVALO_VERIFICACAO)?;
    println!("HelixAI escutando em http://{}", running.addr());
    crate::server::wait_for_signal()?;
    running.shutdown();
    vencimentos.parar();
    drop(app);
    Ok(())
}
