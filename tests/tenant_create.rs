//! Creating empresas: validation, uniqueness, and all-or-nothing on failure.

use helixai::domain::Setor;
use helixai::provision::{criar_empresa, PedidoEmpresa};
use helixai::store::migrate;

use crate::support::{open_app, run_bin, test_config, TestDir};

fn pedido(slug: &str, setor: Setor, phone: Option<&str>) -> PedidoEmpresa {
    PedidoEmpresa {
        nome: "Loja".into(),
        slug: slug.into(),
        setor,
        whatsapp_phone_number_id: phone.map(str::to_owned),
        plano_id: None,
    }
}

fn tenant_files(dir: &TestDir) -> Vec<String> {
    std::fs::read_dir(dir.data().join("tenants"))
        .map(|rd| rd.filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned())).collect())
        .unwrap_or_default()
}

#[test]
fn creates_a_migrated_file_with_setor_tables_and_meta() {
    let dir = TestDir::new();
    let app = open_app(&dir, test_config());
    let e = criar_empresa(&app, &pedido("feirao-showcar", Setor::Veiculos, Some("106540352242922"))).expect("create");
    assert_eq!(e.database_name.as_str(), format!("empresa_{}_feirao_showcar", e.id));
    let db = app.tenant_db(&e).expect("db");
    let meta = db.meta().expect("meta");
    assert_eq!((meta.empresa_id, meta.slug.as_str(), meta.setor), (e.id, "feirao-showcar", Setor::Veiculos));
    assert_eq!(meta.schema_version, migrate::tenant_version());
    // The setor table exists: a vehicle with its fields round-trips.
    let item = helixai::catalogo::NovoItem {
        nome: "Fiat Uno".into(),
        preco_centavos: Some(3_000_000),
        atributos: serde_json::json!({"marca":"Fiat","modelo":"Uno","ano":2015}).as_object().cloned().expect("map"),
        ..Default::default()
    };
    let saved = db.catalogo_criar(&item.validar(Setor::Veiculos).expect("valid")).expect("insert");
    assert_eq!(saved.atributos["marca"], "Fiat");
    let mut files = tenant_files(&dir);
    files.retain(|f| f.ends_with(".db"));
    assert_eq!(files, vec![format!("{}.db", e.database_name.as_str())]);
    assert!(tenant_files(&dir).iter().all(|f| !f.contains("criando")), "no temporary file left");
}

#[test]
fn bad_input_leaves_no_row_and_no_file() {
    let dir = TestDir::new();
    let app = open_app(&dir, test_config());
    let long = "a".repeat(64);
    for slug in ["../x", "A B", "", long.as_str(), "a_b", "-a"] {
        let err = criar_empresa(&app, &pedido(slug, Setor::Varejo, None)).expect_err("refused");
        assert_eq!(err.code(), "slug_invalido", "{slug}");
    }
    criar_empresa(&app, &pedido("loja", Setor::Varejo, Some("123"))).expect("first");
    let dup = criar_empresa(&app, &pedido("loja", Setor::Servicos, None)).expect_err("dup slug");
    assert_eq!((dup.code(), dup.status()), ("slug_em_uso", 409));
    let dup = criar_empresa(&app, &pedido("outra", Setor::Servicos, Some("123"))).expect_err("dup phone");
    assert_eq!(dup.code(), "phone_number_id_em_uso");
    assert!("carros".parse::<Setor>().is_err());
    assert_eq!(app.central.empresas_total().expect("count"), 1);
    assert_eq!(tenant_files(&dir).len(), 1);
}

#[test]
fn a_file_already_at_the_target_path_aborts_with_nothing_left() {
    let dir = TestDir::new();
    let app = open_app(&dir, test_config());
    // The next empresa gets id 1: occupy its file name.
    let squatter = dir.data().join("tenants").join("empresa_1_loja.db");
    std::fs::write(&squatter, b"not ours").expect("write");
    let err = criar_empresa(&app, &pedido("loja", Setor::Varejo, None)).expect_err("refused");
    assert_eq!(err.code(), "arquivo_existe");
    assert_eq!(app.central.empresas_total().expect("count"), 0);
    assert_eq!(std::fs::read(&squatter).expect("read"), b"not ours", "someone else's file is not touched");
    assert_eq!(tenant_files(&dir), vec!["empresa_1_loja.db".to_owned()]);
}

#[test]
fn a_simulated_failure_after_the_file_is_written_leaves_nothing() {
    let dir = TestDir::new();
    let data = dir.data();
    let (code, _, err) = run_bin(
        &data,
        &["tenant", "create", "--nome", "Loja", "--slug", "loja", "--setor", "varejo"],
        None,
        &[("HELIXAI_FAIL_POINT", "apos_criar_arquivo")],
    );
    assert_ne!(code, 0);
    assert!(err.contains("falha simulada"), "{err}");
    assert!(tenant_files(&dir).is_empty(), "{:?}", tenant_files(&dir));
    let (code, out, _) = run_bin(&data, &["tenant", "list", "--json"], None, &[]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "[]");
}
