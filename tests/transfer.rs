//! Moving an empresa between data dirs: export → import reproduces every row of every
//! table, carries no secrets, and refuses a slug or phone_number_id clash with a 409.

use helixai::backup::transferencia::{exportar, importar};
use helixai::domain::Setor;
use helixai::store::backup::conteudo_tabelas;

use crate::backup::{criar, veiculo};
use crate::support::{open_app, test_config, TestDir};

#[test]
fn export_import_round_trip_reproduces_every_row_and_refuses_clashes() {
    let origem = TestDir::new();
    let app = open_app(&origem, test_config());
    // A few empresas first, so the exported one's id differs from the one it gets later.
    criar(&app, "outra-1", Setor::Varejo, None);
    criar(&app, "outra-2", Setor::Servicos, None);
    let e = criar(&app, "feirao-showcar", Setor::Veiculos, Some("106540352242922"));
    let db = app.tenant_db(&e).expect("db");
    for i in 0..30 {
        db.catalogo_criar(&veiculo(i).validar(Setor::Veiculos).expect("valid")).expect("item");
        db.lead_upsert_wa(&format!("55119{i:07}"), Some("Cliente Ção")).expect("lead");
    }
    let arquivo = origem.path().join("feirao.helixai");
    let x = exportar(&app, &e, &arquivo).expect("export");
    assert_eq!(x.schema_version, helixai::store::migrate::tenant_version());
    assert_eq!(exportar(&app, &e, &arquivo).expect_err("no overwrite").code(), "arquivo_existe");
    let exported = conteudo_tabelas(&arquivo).expect("read export");
    let meta_json = exported["meta"].iter().find(|r| r[0] == "'empresa_json'").expect("empresa_json")[1].clone();
    for secret in ["token", "api_key", "app_secret", "senha"] {
        assert!(!meta_json.contains(secret), "no secrets in the export: {meta_json}");
    }
    assert!(meta_json.contains("\"setor\":\"veiculos\"") && meta_json.contains("106540352242922"), "{meta_json}");

    let destino = TestDir::new();
    let app2 = open_app(&destino, test_config());
    let novo = importar(&app2, &arquivo, None).expect("import");
    assert_eq!(
        (novo.slug.as_str(), novo.setor, novo.nome.as_str()),
        ("feirao-showcar", Setor::Veiculos, "Empresa feirao-showcar")
    );
    assert_eq!(novo.whatsapp_phone_number_id.as_deref(), Some("106540352242922"));
    assert_eq!(novo.configuracoes_json, e.configuracoes_json);
    assert_ne!(novo.id, e.id);
    let db2 = app2.tenant_db(&novo).expect("imported db opens");
    let meta = db2.meta().expect("meta");
    assert_eq!((meta.empresa_id, meta.slug.as_str()), (novo.id, "feirao-showcar"), "meta describes the new tenant");

    // Every row of every table, table by table (meta differs only in the empresa id).
    let a = conteudo_tabelas(&app.tenants.path_of(&e.database_name)).expect("source");
    let b = conteudo_tabelas(&app2.tenants.path_of(&novo.database_name)).expect("imported");
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "same tables");
    for (table, rows) in &a {
        if table != "meta" {
            assert_eq!(rows, &b[table], "table {table}");
        }
    }
    assert_eq!(a["leads"].len(), 30);
    assert_eq!(a["veiculos"].len(), 30);

    // Clashes: the same slug, then the same phone_number_id under a new slug. Nothing left.
    let dup = importar(&app2, &arquivo, None).expect_err("slug clash");
    assert_eq!((dup.code(), dup.status()), ("slug_em_uso", 409));
    let dup = importar(&app2, &arquivo, Some("feirao-2")).expect_err("phone clash");
    assert_eq!((dup.code(), dup.status()), ("phone_number_id_em_uso", 409));
    assert_eq!(app2.central.empresas_total().expect("n"), 1);
    let files: Vec<String> = std::fs::read_dir(destino.data().join("tenants"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".db"))
        .collect();
    assert_eq!(files, vec![format!("{}.db", novo.database_name.as_str())], "no leftovers");

    // A backup (no empresa_json) is not an export.
    let b = helixai::backup::fazer_backup(&app, &e).expect("backup");
    assert_eq!(importar(&app2, &b.caminho, Some("x")).expect_err("not an export").code(), "nao_e_exportacao");
}

#[test]
fn an_older_export_is_migrated_on_import() {
    let origem = TestDir::new();
    let app = open_app(&origem, test_config());
    let e = criar(&app, "antiga", Setor::Autopecas, None);
    // An empresa whose file is still at schema version 1 (an older binary's export).
    let old = origem.path().join("old.db");
    helixai::store::tenant::create_file_at_version(&old, e.id, "antiga", Setor::Autopecas, 1).expect("old file");
    let destino = TestDir::new();
    let app2 = open_app(&destino, test_config());
    std::fs::copy(&old, app.tenants.path_of(&e.database_name)).expect("replace with old");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", app.tenants.path_of(&e.database_name).display()));
    }
    let arquivo_old = origem.path().join("antiga-v1.helixai");
    let x = exportar(&app, &e, &arquivo_old).expect("export old");
    assert_eq!(x.schema_version, 1);
    let novo = importar(&app2, &arquivo_old, Some("antiga-nova")).expect("import old");
    let path = app2.tenants.path_of(&novo.database_name);
    assert_eq!(helixai::store::tenant::file_version(&path).expect("v"), helixai::store::migrate::tenant_version());
    assert!(conteudo_tabelas(&path).expect("read").contains_key("produtos"), "setor table present");
}
