//! What each CLI subcommand does, one file per group. `main` parses, calls [`run`], and maps
//! the error to an exit code; every command prints one clear pt-BR line on failure.

mod backup;
mod evolution;
mod replica;
mod serve;
mod tenant;
mod tenant_set;
mod tenant_transfer;
mod user;

use std::sync::Arc;

use crate::app::{App, FirstStart};
use crate::cli::{Cli, Command, EvolutionCommand, TenantCommand};
use crate::config::{DataDir, ServerConfig};
use crate::error::Result;

pub use user::validate_email;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let data = DataDir::new(cli.data_dir);
    let Some(command) = cli.command else {
        return Err(crate::Error::invalid(
            "comando_ausente",
            "nenhum comando; use `helixai serve` ou `helixai --help`",
        ));
    };
    match command {
        Command::Serve(args) => serve::serve(data, args),
        Command::Tenant(TenantCommand::Create(args)) => tenant::tenant_create(&*open(data)?, args),
        Command::Tenant(TenantCommand::List { json }) => tenant::tenant_list(&*open(data)?, json),
        Command::Tenant(TenantCommand::Set(args)) => {
            tenant_set::tenant_set(&*open(data)?, args, &mut std::io::stdin().lock())
        }
        Command::Tenant(TenantCommand::Export { slug, out }) => tenant_transfer::export(&*open(data)?, &slug, &out),
        Command::Tenant(TenantCommand::Import { file, slug }) => {
            tenant_transfer::import(&*open(data)?, &file, slug.as_deref())
        }
        Command::Migrate(args) => tenant::migrate(&*open(data)?, args),
        Command::User(cmd) => user::user(&*open(data)?, cmd),
        Command::Backup(args) => {
            let keep = args.keep;
            backup::backup(&*open_with(data, ServerConfig { backup_keep: keep, ..ServerConfig::default() })?, args)
        }
        Command::Restore(args) => backup::restore(&*open(data)?, args),
        Command::Evolution(EvolutionCommand::Config(args)) => {
            evolution::config(&*open(data)?, args, &mut std::io::stdin().lock())
        }
        Command::Tenant(TenantCommand::Connect(args)) => {
            evolution::connect(&*open(data)?, args, &mut std::io::stdout().lock())
        }
        Command::Tenant(TenantCommand::Disconnect { slug, excluir }) => {
            evolution::disconnect(&*open(data)?, &slug, excluir)
        }
        Command::Replica(cmd) => replica::replica(data, cmd, open, &mut std::io::stdin().lock()),
    }
}

/// Opens the data dir for a one-shot command (first start included).
fn open(data: DataDir) -> Result<Arc<App>> {
    open_with(data, ServerConfig::default())
}

/// [`open`] with explicit settings.
fn open_with(data: DataDir, config: ServerConfig) -> Result<Arc<App>> {
    let (app, first) = App::open(data, config)?;
    report_first_start(&first);
    Ok(app)
}

/// Prints, once, what first start created.
fn report_first_start(first: &FirstStart) {
    if let Some((email, senha)) = &first.superadmin {
        match senha {
            Some(s) => println!(
                "Superadmin criado: {email} / senha: {s}\n(esta senha aparece só agora; troque com `helixai user passwd --email {email}`)"
            ),
            None => println!("Superadmin criado: {email} (senha de HELIXAI_ADMIN_PASSWORD)"),
        }
    }
}
