//! `helixai backup [--all | --tenant SLUG | --central]` and `helixai restore --tenant SLUG --from FILE`.

use std::io::Write;

use crate::app::App;
use crate::backup::{backup_central, backup_todos, fazer_backup, restaurar, BackupInfo};
use crate::cli::{BackupArgs, RestoreArgs};
use crate::error::{Error, Result};

fn linha(nome: &str, b: &BackupInfo) -> String {
    format!("backup de {nome}: {} ({} bytes)", b.caminho.display(), b.tamanho_bytes)
}

/// Takes the backups asked for; with `--all` (the default) shows progress on stderr, goes on
/// past a failing tenant, and fails at the end if any failed.
pub(super) fn backup(app: &App, args: BackupArgs) -> Result<()> {
    if let Some(slug) = &args.tenant {
        let e = app.central.empresa_por_slug(slug)?.ok_or(Error::NotFound("empresa"))?;
        println!("{}", linha(&e.slug, &fazer_backup(app, &e)?));
        return Ok(());
    }
    if args.central {
        println!("{}", linha(crate::backup::CENTRAL, &backup_central(app)?));
        return Ok(());
    }
    let started = std::time::Instant::now();
    let outcomes = backup_todos(
        app,
        |feitos, total, nome, r| {
            match r {
                Ok(_) => eprint!("\rbackup: {feitos}/{total} ({}%) {nome:<40}", feitos * 100 / total.max(1)),
                Err(e) => eprint!("\rerro: backup de {nome} falhou: {e}\n"),
            }
            let _ = std::io::stderr().flush();
        },
        || false,
    )?;
    eprintln!();
    let falhas: Vec<&str> = outcomes.iter().filter(|(_, r)| r.is_err()).map(|(n, _)| n.as_str()).collect();
    println!(
        "backup concluído: {} banco(s), {} com falha, em {:.1} s, em {}",
        outcomes.len(),
        falhas.len(),
        started.elapsed().as_secs_f64(),
        app.data.backups().display()
    );
    if falhas.is_empty() {
        Ok(())
    } else {
        Err(Error::Unavailable(format!("o backup falhou para {} banco(s): {}", falhas.len(), falhas.join(", "))))
    }
}

/// Restores one empresa from a file. Refused while a server runs on this data dir: that
/// server's open pools would not see the swap (an online restore goes through the server,
/// [`crate::backup::restaurar`]).
pub(super) fn restore(app: &App, args: RestoreArgs) -> Result<()> {
    if crate::server::servidor_rodando(&app.data)? {
        return Err(Error::conflict(
            "servidor_em_execucao",
            "o servidor HelixAI está rodando neste diretório de dados; pare-o (ex.: systemctl stop helixai) \
             e tente de novo",
        ));
    }
    let e = app.central.empresa_por_slug(&args.tenant)?.ok_or(Error::NotFound("empresa"))?;
    let r = restaurar(app, &e, &args.from)?;
    println!("empresa {} restaurada de {} (esquema versão {})", e.slug, args.from.display(), r.schema_version);
    if let Some(p) = &r.copia_anterior {
        println!("o banco anterior foi guardado em {}", p.display());
    }
    Ok(())
}
