//! Migrations: idempotent, old files upgraded on open, newer files refused.

use helixai::domain::{EmpresaId, Setor};
use helixai::store::migrate;
use helixai::store::tenant::{create_file_at_version, file_version, force_user_version, migrate_file};
use helixai::store::tenants::{DatabaseName, TenantKey, TenantManager};
use helixai::Error;

use crate::support::{open_app, test_config, TestDir};

#[test]
fn central_migration_twice_is_a_no_op() {
    let dir = TestDir::new();
    let app = open_app(&dir, test_config());
    let before = std::fs::metadata(dir.data().join("helixai.db")).expect("db").len();
    drop(app);
    let app = open_app(&dir, test_config());
    assert_eq!(app.central.empresas_total().expect("count"), 0);
    assert_eq!(std::fs::metadata(dir.data().join("helixai.db")).expect("db").len(), before);
}

#[test]
fn tenant_migrations_twice_is_a_no_op_and_old_files_upgrade_on_open() {
    let dir = TestDir::new();
    let tenants = dir.path().join("tenants");
    std::fs::create_dir_all(&tenants).expect("mkdir");
    let name = DatabaseName::parse("empresa_7_velha").expect("name");
    let mgr = TenantManager::new(&tenants, 4);
    let path = mgr.path_of(&name);
    create_file_at_version(&path, EmpresaId(7), "velha", Setor::Veiculos, 1).expect("old file");
    assert_eq!(file_version(&path).expect("v"), 1);
    let db =
        mgr.get(&TenantKey { id: EmpresaId(7), database_name: name.clone(), setor: Setor::Veiculos }).expect("open");
    assert_eq!(db.meta().expect("meta").schema_version, migrate::tenant_version());
    assert!(migrate::tenant_version() >= 2, "the test needs at least two tenant migrations");
    mgr.close(EmpresaId(7));
    drop(db);
    assert_eq!(migrate_file(&path, Setor::Veiculos).expect("again"), 0, "second run is a no-op");
    assert_eq!(file_version(&path).expect("v"), migrate::tenant_version());
}

#[test]
fn a_newer_tenant_file_is_refused_and_left_untouched() {
    let dir = TestDir::new();
    let tenants = dir.path().join("tenants");
    std::fs::create_dir_all(&tenants).expect("mkdir");
    let name = DatabaseName::parse("empresa_9_nova").expect("name");
    let mgr = TenantManager::new(&tenants, 4);
    let path = mgr.path_of(&name);
    create_file_at_version(&path, EmpresaId(9), "nova", Setor::Varejo, migrate::tenant_version()).expect("file");
    force_user_version(&path, migrate::tenant_version() + 5).expect("bump");
    let err =
        mgr.get(&TenantKey { id: EmpresaId(9), database_name: name, setor: Setor::Varejo }).err().expect("refused");
    assert!(matches!(err, Error::SchemaTooNew { .. }), "{err:?}");
    assert!(err.to_string().contains("mais nova"), "{err}");
    assert_eq!(file_version(&path).expect("v"), migrate::tenant_version() + 5);
    assert!(matches!(migrate_file(&path, Setor::Varejo), Err(Error::SchemaTooNew { .. })));
}

#[test]
fn a_newer_central_file_is_refused() {
    let dir = TestDir::new();
    drop(open_app(&dir, test_config()));
    force_user_version(&dir.data().join("helixai.db"), migrate::central_version() + 1).expect("bump");
    let res = helixai::app::App::open(helixai::config::DataDir::new(dir.data()), test_config());
    assert!(matches!(res, Err(Error::SchemaTooNew { .. })));
}

#[test]
fn a_lead_s_conversas_are_found_through_an_index_after_every_migration() {
    let dir = TestDir::new();
    let path = dir.path().join("empresa_3_indices.db");
    create_file_at_version(&path, EmpresaId(3), "indices", Setor::Varejo, 1).expect("old file");
    assert!(migrate_file(&path, Setor::Varejo).expect("migrate") >= 1);
    let conn = rusqlite::Connection::open(&path).expect("open");
    let indices: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'conversas' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("indices");
    assert!(!indices.iter().any(|i| i == "conversas_lead"), "{indices:?}");
    for sql in [
        "SELECT id FROM conversas WHERE lead_id = ?1 AND canal = ?2 AND aberta = 1 ORDER BY id DESC LIMIT 1",
        "SELECT id FROM conversas WHERE lead_id = ?1 ORDER BY COALESCE(ultima_mensagem_em, criado_em) DESC, id DESC",
    ] {
        let plano: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .and_then(|mut s| {
                for i in 1..=s.parameter_count() {
                    s.raw_bind_parameter(i, 1)?;
                }
                s.raw_query().mapped(|r| r.get(3)).collect()
            })
            .expect("plan");
        assert!(plano.iter().any(|p| p.contains("USING") && p.contains("conversas_abertas")), "{sql}: {plano:?}");
    }
}
