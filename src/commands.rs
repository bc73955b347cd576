//! What each CLI subcommand does. `main` parses, calls [`run`], and maps the error to an
//! exit code; every command prints one clear pt-BR line on failure.

use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::app::{App, FirstStart};
use crate::auth::password;
use crate::cli::{Cli, Command, MigrateArgs, ServeArgs, TenantCommand, TenantCreateArgs, UserCommand};
use crate::config::{DataDir, ServerConfig};
use crate::domain::Papel;
use crate::error::{Error, Result};
use crate::provision::{criar_empresa, PedidoEmpresa};
use crate::store::central::{Empresa, NovoUsuario};
use crate::store::tenant::{file_version, migrate_file};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let data = DataDir::new(cli.data_dir);
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => serve(data, args),
        Command::Tenant(TenantCommand::Create(args)) => tenant_create(&*open(data)?, args),
        Command::Tenant(TenantCommand::List { json }) => tenant_list(&*open(data)?, json),
        Command::Migrate(args) => migrate(&*open(data)?, args),
        Command::User(cmd) => user(&*open(data)?, cmd),
    }
}

fn open(data: DataDir) -> Result<Arc<App>> {
    let (app, first) = App::open(data, ServerConfig::default())?;
    report_first_start(&first);
    Ok(app)
}

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

fn serve(data: DataDir, args: ServeArgs) -> Result<()> {
    let defaults = ServerConfig::default();
    let config = ServerConfig {
        bind: args.bind.unwrap_or(defaults.bind),
        http_workers: args.http_workers.max(1),
        max_open_tenants: crate::server::fit_open_tenants(args.max_open_tenants.max(1)),
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
    println!("HelixAI escutando em http://{}", running.addr());
    crate::server::wait_for_signal()?;
    running.shutdown();
    drop(app);
    Ok(())
}

#[derive(Serialize)]
struct TenantLine<'a> {
    id: i64,
    nome: &'a str,
    slug: &'a str,
    setor: &'a str,
    ativo: bool,
    database_name: &'a str,
    whatsapp_phone_number_id: Option<&'a str>,
    schema_version: Option<u32>,
    tamanho_bytes: Option<u64>,
}

fn tenant_line<'a>(app: &App, e: &'a Empresa) -> TenantLine<'a> {
    let path = app.tenants.path_of(&e.database_name);
    TenantLine {
        id: e.id.0,
        nome: &e.nome,
        slug: &e.slug,
        setor: e.setor.as_str(),
        ativo: e.ativo,
        database_name: e.database_name.as_str(),
        whatsapp_phone_number_id: e.whatsapp_phone_number_id.as_deref(),
        schema_version: file_version(&path).ok(),
        tamanho_bytes: std::fs::metadata(&path).ok().map(|m| m.len()),
    }
}

fn tenant_create(app: &App, args: TenantCreateArgs) -> Result<()> {
    let pedido = PedidoEmpresa {
        nome: args.nome,
        slug: args.slug,
        setor: args.setor.parse()?,
        whatsapp_phone_number_id: args.whatsapp_phone_number_id,
        plano_id: None,
    };
    let e = criar_empresa(app, &pedido)?;
    let line = tenant_line(app, &e);
    if args.json {
        println!("{}", serde_json::to_string(&line)?);
    } else {
        println!(
            "empresa criada: id={} slug={} setor={} banco={} versão={}",
            line.id,
            line.slug,
            line.setor,
            line.database_name,
            line.schema_version.unwrap_or(0)
        );
    }
    Ok(())
}

fn tenant_list(app: &App, json: bool) -> Result<()> {
    let empresas = app.central.empresas()?;
    let lines: Vec<TenantLine<'_>> = empresas.iter().map(|e| tenant_line(app, e)).collect();
    if json {
        println!("{}", serde_json::to_string(&lines)?);
        return Ok(());
    }
    println!("{:>5}  {:<32} {:<10} {:<5} {:>6} {:>12}", "ID", "SLUG", "SETOR", "ATIVO", "VERSÃO", "BYTES");
    for l in &lines {
        println!(
            "{:>5}  {:<32} {:<10} {:<5} {:>6} {:>12}",
            l.id,
            l.slug,
            l.setor,
            if l.ativo { "sim" } else { "não" },
            l.schema_version.map_or("?".to_owned(), |v| v.to_string()),
            l.tamanho_bytes.map_or("ausente".to_owned(), |v| v.to_string()),
        );
    }
    Ok(())
}

/// Migrates tenants in parallel with progress on stderr; failing tenants are reported and
/// skipped; the command fails if any failed.
fn migrate(app: &App, args: MigrateArgs) -> Result<()> {
    // The central db was migrated by App::open.
    let empresas = match &args.tenant {
        Some(slug) => vec![app.central.empresa_por_slug(slug)?.ok_or(Error::NotFound("empresa"))?],
        None => app.central.empresas()?,
    };
    let total = empresas.len();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let migrated = AtomicUsize::new(0);
    let failures: Mutex<Vec<(String, Error)>> = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 8);
    let started = Instant::now();
    let show_progress = total >= 50;
    std::thread::scope(|s| {
        for _ in 0..threads.min(total.max(1)) {
            s.spawn(|| {
                while let Some(e) = empresas.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let path = app.tenants.path_of(&e.database_name);
                    match migrate_file(&path, e.setor) {
                        Ok(n) if n > 0 => {
                            migrated.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(_) => {}
                        Err(err) => failures.lock().unwrap_or_else(|p| p.into_inner()).push((e.slug.clone(), err)),
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        if show_progress {
            s.spawn(|| {
                let mut last = 0;
                while done.load(Ordering::Relaxed) < total {
                    std::thread::sleep(Duration::from_millis(250));
                    let d = done.load(Ordering::Relaxed);
                    if d != last {
                        eprint!("\rmigrando tenants: {d}/{total} ({}%)", d * 100 / total);
                        let _ = std::io::stderr().flush();
                        last = d;
                    }
                }
                eprintln!("\rmigrando tenants: {total}/{total} (100%)");
            });
        }
    });
    let failures = failures.into_inner().unwrap_or_else(|p| p.into_inner());
    for (slug, err) in &failures {
        eprintln!("erro: tenant {slug}: {err}");
    }
    println!(
        "migração concluída: {total} tenant(s), {} migrado(s), {} com falha, em {:.1} s",
        migrated.load(Ordering::Relaxed),
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Error::Migration {
            path: app.data.tenants(),
            reason: format!("{} tenant(s) falharam: {}", failures.len(), join_slugs(&failures)),
        })
    }
}

fn join_slugs(f: &[(String, Error)]) -> String {
    f.iter().map(|(s, _)| s.as_str()).take(20).collect::<Vec<_>>().join(", ")
}

/// Reads one line from stdin (a password), without the newline.
fn read_secret_line(prompt: &str) -> Result<String> {
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| Error::io("<stdin>", e))?;
    let s = line.trim_end_matches(['\n', '\r']).to_owned();
    if s.is_empty() {
        return Err(Error::invalid("senha_vazia", "nenhuma senha recebida na entrada padrão"));
    }
    Ok(s)
}

fn user(app: &App, cmd: UserCommand) -> Result<()> {
    match cmd {
        UserCommand::Create { email, papel, empresa, nome } => {
            let papel: Papel = papel.parse()?;
            validate_email(&email)?;
            let empresa_id = match (&papel, empresa) {
                (Papel::Superadmin, None) => None,
                (Papel::Superadmin, Some(_)) => {
                    return Err(Error::invalid("empresa_indevida", "superadmin não pertence a uma empresa"))
                }
                (_, Some(slug)) => Some(app.central.empresa_por_slug(&slug)?.ok_or(Error::NotFound("empresa"))?.id),
                (_, None) => {
                    return Err(Error::invalid(
                        "empresa_obrigatoria",
                        "--empresa SLUG é obrigatório para admin e atendente",
                    ))
                }
            };
            let senha = read_secret_line("Senha: ")?;
            password::check_policy(&senha)?;
            let u = app.central.usuario_criar(&NovoUsuario {
                email,
                nome,
                papel,
                empresa_id,
                senha_hash: password::hash(&senha)?,
            })?;
            println!("usuário criado: id={} email={} papel={}", u.id, u.email, u.papel);
            Ok(())
        }
        UserCommand::Passwd { email } => {
            let u = app.central.usuario_por_email(&email)?.ok_or(Error::NotFound("usuário"))?;
            let senha = read_secret_line("Nova senha: ")?;
            password::check_policy(&senha)?;
            crate::auth::trocar_senha(app, u.id, &senha)?;
            println!("senha alterada para {}", u.email);
            Ok(())
        }
    }
}

/// A light e-mail check: one `@`, something on each side, no spaces.
pub fn validate_email(email: &str) -> Result<()> {
    let ok = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(a, b)| !a.is_empty() && !b.is_empty() && !b.contains('@'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid("email_invalido", format!("e-mail inválido: {email:?}")))
    }
}
