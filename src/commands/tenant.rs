//! `helixai tenant create|list` and `helixai migrate`.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::app::App;
use crate::cli::{MigrateArgs, TenantCreateArgs};
use crate::error::{Error, Result};
use crate::provision::{criar_empresa, PedidoEmpresa};
use crate::store::central::Empresa;
use crate::store::tenant::{file_version, migrate_file};

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

pub(super) fn tenant_create(app: &App, args: TenantCreateArgs) -> Result<()> {
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

pub(super) fn tenant_list(app: &App, json: bool) -> Result<()> {
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
pub(super) fn migrate(app: &App, args: MigrateArgs) -> Result<()> {
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
