//! Online backups and restores: consistent copies under concurrent writes, retention,
//! refused restores that leave the tenant serving, and a swap while another tenant serves.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use helixai::app::App;
use helixai::backup::{self, listar_backups};
use helixai::catalogo::NovoItem;
use helixai::config::ServerConfig;
use helixai::domain::Setor;
use helixai::provision::{criar_empresa, PedidoEmpresa};
use helixai::store::backup::conteudo_tabelas;
use helixai::store::central::Empresa;
use helixai::store::tenant::force_user_version;

use crate::support::{open_app, test_config, TestDir};

pub fn criar(app: &App, slug: &str, setor: Setor, phone: Option<&str>) -> Empresa {
    criar_empresa(
        app,
        &PedidoEmpresa {
            nome: format!("Empresa {slug}"),
            slug: slug.into(),
            setor,
            whatsapp_phone_number_id: phone.map(str::to_owned),
            plano_id: None,
        },
    )
    .expect("criar empresa")
}

pub fn veiculo(i: u64) -> NovoItem {
    NovoItem {
        nome: format!("Carro {i}"),
        preco_centavos: Some(1_000_000 + i as i64),
        atributos: serde_json::json!({"marca": "Fiat", "modelo": format!("Uno {i}"), "ano": 2010 + (i % 10)})
            .as_object()
            .cloned()
            .expect("map"),
        ..Default::default()
    }
}

fn wa_ids(path: &std::path::Path) -> Vec<String> {
    let t = conteudo_tabelas(path).expect("ler backup");
    // leads columns: id, wa_id, ...
    t["leads"].iter().map(|r| r[1].clone()).collect()
}

#[test]
fn backups_under_concurrent_writes_are_consistent_and_restorable() {
    let dir = TestDir::new();
    let app = open_app(&dir, ServerConfig { backup_keep: 0, ..test_config() });
    let e = criar(&app, "feirao", Setor::Veiculos, None);
    let db = app.tenant_db(&e).expect("db");
    let committed = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (db, committed, stop) = (db.clone(), committed.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                db.lead_upsert_wa(&format!("5511{i:08}"), Some("Cliente")).expect("insert lead");
                db.catalogo_criar(&veiculo(i).validar(Setor::Veiculos).expect("valid")).expect("insert item");
                i += 1;
                committed.store(i, Ordering::SeqCst);
            }
            i
        })
    };
    let mut taken = Vec::new();
    while taken.len() < 5 {
        let before = committed.load(Ordering::SeqCst);
        if before < 20 * (taken.len() as u64 + 1) {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        let b = backup::fazer_backup(&app, &e).expect("backup under writes");
        taken.push((before, b));
    }
    stop.store(true, Ordering::Relaxed);
    let total = writer.join().expect("writer");
    assert_eq!(listar_backups(&app, &e).expect("list").len(), 5);
    for (before, b) in &taken {
        helixai::store::backup::verificar_integridade(&b.caminho).expect("integrity_check ok");
        let ids = wa_ids(&b.caminho);
        // Every row committed before the backup started is there, as a gapless prefix.
        assert!(ids.len() as u64 >= *before, "{} rows < {before} committed before", ids.len());
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(id, &format!("'5511{i:08}'"));
        }
        let t = conteudo_tabelas(&b.caminho).expect("read");
        assert_eq!(t["produtos_catalogo"].len(), t["veiculos"].len(), "item and its setor row travel together");
    }
    // Restoring the last backup: the tenant serves exactly its rows.
    let (_, last) = taken.last().expect("a backup");
    let rows = wa_ids(&last.caminho).len() as i64;
    assert!(rows <= total as i64);
    drop(db);
    let r = backup::restaurar(&app, &e, &last.caminho).expect("restore");
    assert!(r.copia_anterior.as_ref().is_some_and(|p| p.is_file()), "the replaced file is kept");
    let db = app.tenant_db(&e).expect("reopen");
    assert_eq!(db.leads_total().expect("count"), rows);
    db.integrity_check().expect("integrity after restore");
    db.lead_upsert_wa("5599", None).expect("writable after restore");
}

#[test]
fn retention_keeps_the_newest_n() {
    let dir = TestDir::new();
    let app = open_app(&dir, ServerConfig { backup_keep: 3, ..test_config() });
    let e = criar(&app, "loja", Setor::Varejo, None);
    let mut names = Vec::new();
    for _ in 0..6 {
        names.push(backup::fazer_backup(&app, &e).expect("backup").arquivo);
    }
    let kept: Vec<String> = listar_backups(&app, &e).expect("list").into_iter().map(|b| b.arquivo).collect();
    let mut newest: Vec<String> = names[3..].to_vec();
    newest.reverse();
    assert_eq!(kept, newest, "newest first, only the last three");
    let c = backup::backup_central(&app).expect("central");
    assert!(c.caminho.starts_with(dir.data().join("backups").join("helixai")));
    assert_eq!(backup::caminho_backup(&app, &e, &kept[0]).expect("by name"), kept_path(&app, &e, &kept[0]));
    assert_eq!(backup::caminho_backup(&app, &e, "../../helixai.db").expect_err("traversal").code(), "backup_invalido");
    assert_eq!(backup::caminho_backup(&app, &e, "20200101T000000Z.db").expect_err("absent").status(), 404);
}

fn kept_path(app: &App, e: &Empresa, name: &str) -> std::path::PathBuf {
    backup::pasta_empresa(app, e).join(name)
}

#[test]
fn corrupt_foreign_and_newer_files_are_refused_and_the_tenant_keeps_serving() {
    let dir = TestDir::new();
    let app = open_app(&dir, test_config());
    let a = criar(&app, "loja-a", Setor::Veiculos, None);
    let b = criar(&app, "loja-b", Setor::Veiculos, None);
    let db = app.tenant_db(&a).expect("db");
    for i in 0..50 {
        db.catalogo_criar(&veiculo(i).validar(Setor::Veiculos).expect("valid")).expect("item");
    }
    let good = backup::fazer_backup(&app, &a).expect("backup");
    let foreign = backup::fazer_backup(&app, &b).expect("backup b");
    // Corrupt: a real backup with a page overwritten; and plain garbage.
    let corrupt = dir.path().join("corrompido.db");
    let mut bytes = std::fs::read(&good.caminho).expect("read");
    assert!(bytes.len() > 12_288);
    for x in &mut bytes[4096..12_288] {
        *x = 0xA5;
    }
    std::fs::write(&corrupt, &bytes).expect("write");
    let garbage = dir.path().join("lixo.db");
    std::fs::write(&garbage, b"isto nao e um banco").expect("write");
    let newer = dir.path().join("novo.db");
    std::fs::copy(&good.caminho, &newer).expect("copy");
    force_user_version(&newer, 999).expect("version");

    for (file, codigo) in [
        (&corrupt, "arquivo_invalido"),
        (&garbage, "arquivo_invalido"),
        (&newer, "arquivo_invalido"),
        (&foreign.caminho, "backup_de_outra_empresa"),
    ] {
        let err = backup::restaurar(&app, &a, file).expect_err("refused");
        assert_eq!((err.code(), err.status()), (codigo, 400), "{}: {err}", file.display());
        assert!(!err.to_string().is_empty());
        // Still serving, same data, and the live file untouched.
        assert_eq!(db.catalogo_total().expect("serving"), 50);
        db.integrity_check().expect("intact");
    }
    let tenants: Vec<String> = std::fs::read_dir(dir.data().join("tenants"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with("-wal") && !n.ends_with("-shm"))
        .collect();
    assert_eq!(tenants.len(), 2, "no staging or 'antes' files left after refusals: {tenants:?}");
    let err = backup::restaurar(&app, &a, &dir.path().join("nao-existe.db")).expect_err("absent");
    assert_eq!(err.code(), "arquivo_invalido");
}

#[test]
fn restore_swaps_the_file_while_another_tenant_keeps_serving() {
    let dir = TestDir::new();
    let app = open_app(&dir, test_config());
    let a = criar(&app, "loja-a", Setor::Imoveis, None);
    let b = criar(&app, "loja-b", Setor::Varejo, None);
    let db_a = app.tenant_db(&a).expect("a");
    for i in 0..10 {
        db_a.lead_upsert_wa(&format!("a{i}"), None).expect("lead");
    }
    let snap = backup::fazer_backup(&app, &a).expect("backup");
    for i in 10..25 {
        db_a.lead_upsert_wa(&format!("a{i}"), None).expect("lead");
    }
    assert_eq!(db_a.leads_total().expect("n"), 25);
    drop(db_a);

    // Tenant B is written to continuously during the restore; none of its calls may fail.
    let stop = Arc::new(AtomicBool::new(false));
    let other = {
        let (app, b, stop) = (app.clone(), b.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) || n < 20 {
                let db = app.tenant_db(&b).expect("b open");
                db.lead_upsert_wa(&format!("b{n}"), None).expect("b write");
                n += 1;
            }
            n
        })
    };
    // A reader of A holding a handle across the restore: the swap waits for it to finish.
    let held = app.tenant_db(&a).expect("a held");
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(held.leads_total().expect("old file still readable"), 25);
        drop(held);
    });
    let r = backup::restaurar_backup(&app, &a, &snap.arquivo).expect("restore by name");
    releaser.join().expect("releaser");
    stop.store(true, Ordering::Relaxed);
    let written_b = other.join().expect("b thread");

    let db_a = app.tenant_db(&a).expect("a reopened");
    assert_eq!(db_a.leads_total().expect("n"), 10, "the restored data is served");
    assert_eq!(db_a.meta().expect("meta").slug, "loja-a");
    let kept = r.copia_anterior.expect("kept");
    assert!(kept.file_name().expect("name").to_string_lossy().contains(".db.antes-da-restauracao-"));
    assert_eq!(conteudo_tabelas(&kept).expect("kept readable")["leads"].len(), 25, "the replaced file is intact");
    assert_eq!(app.tenant_db(&b).expect("b").leads_total().expect("n") as u64, written_b);
}

#[test]
fn an_exclusive_section_waits_for_every_handle_and_holds_back_opens() {
    let dir = TestDir::new();
    let app = open_app(&dir, ServerConfig { max_open_tenants: 1, ..test_config() });
    let a = criar(&app, "loja-a", Setor::Varejo, None);
    let b = criar(&app, "loja-b", Setor::Varejo, None);
    // A handle on A outlives A's eviction from the LRU (capacity 1).
    let held = app.tenant_db(&a).expect("a");
    app.tenant_db(&b).expect("b evicts a");
    assert_eq!(app.tenants.stats().evictions, 1);
    let busy = app.tenants.exclusivo(a.id, Duration::from_millis(50), || Ok(())).expect_err("still in use");
    assert_eq!((busy.code(), busy.status()), ("indisponivel", 503));
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        drop(held);
    });
    let started = std::time::Instant::now();
    app.tenants.exclusivo(a.id, Duration::from_secs(10), || Ok(())).expect("after the handle is gone");
    assert!(started.elapsed() >= Duration::from_millis(150), "waited for the evicted pool's handle");
    releaser.join().expect("releaser");

    // While a section runs, opening that tenant waits; another tenant does not.
    let (app2, a2) = (app.clone(), a.clone());
    let opener = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        let t = std::time::Instant::now();
        app2.tenant_db(&a2).expect("opens after the section");
        t.elapsed()
    });
    app.tenants
        .exclusivo(a.id, Duration::from_secs(10), || {
            let t = std::time::Instant::now();
            app.tenant_db(&b).expect("b is not held back").leads_total().expect("b serves");
            assert!(t.elapsed() < Duration::from_millis(200));
            std::thread::sleep(Duration::from_millis(300));
            Ok(())
        })
        .expect("section");
    assert!(opener.join().expect("opener") >= Duration::from_millis(150), "the open waited for the section");
}
