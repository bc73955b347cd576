//! Superadmin backup endpoints over HTTP: list, take, download, restore, refusals, audit.

use helixai::domain::{Papel, Setor};
use serde_json::json;

use crate::support::server::TestServer;

#[test]
fn take_list_download_and_restore_a_tenant_backup() {
    let s = TestServer::start();
    let e = s.empresa("loja", Setor::Varejo);
    let outra = s.empresa("outra", Setor::Varejo);
    s.usuario("root@revenda.com", Papel::Superadmin, None);
    s.usuario("admin@loja.com", Papel::Admin, Some(&e));
    let mut root = s.login("root@revenda.com");
    let mut admin = s.login("admin@loja.com");
    let base = format!("/api/admin/empresas/{}/backups", e.id);
    assert_eq!(admin.get(&base).status, 403, "only the superadmin");
    assert_eq!(s.client().get(&base).status, 401);

    let r = admin.post("/api/catalogo", &json!({"nome": "Antes do backup", "preco_centavos": 1000}));
    assert_eq!(r.status, 201, "{}", r.text());
    let r = root.post(&base, &json!({}));
    assert_eq!(r.status, 201, "{}", r.text());
    let arquivo = r.json()["arquivo"].as_str().expect("arquivo").to_owned();
    assert!(arquivo.ends_with(".db"), "{arquivo}");
    assert!(!r.text().contains("/tmp"), "no server paths in answers: {}", r.text());

    let lista = root.get(&base).json();
    assert_eq!(lista["itens"][0]["arquivo"], arquivo.as_str());

    let dl = root.get(&format!("{base}/{arquivo}"));
    assert_eq!(dl.status, 200);
    assert_eq!(dl.header("content-type"), Some("application/vnd.sqlite3"));
    assert!(dl.body.starts_with(b"SQLite format 3\0"), "a SQLite file");
    let trav = root.get(&format!("{base}/..%2Fhelixai.db"));
    assert_eq!(trav.status, 400, "a name that is not a backup file name is refused");
    assert!(!trav.body.starts_with(b"SQLite"));
    assert_eq!(root.get(&format!("{base}/19990101T000000Z.db")).status, 404);

    // Change the data, then restore: the item added after the backup is gone.
    let r = admin.post("/api/catalogo", &json!({"nome": "Depois do backup", "preco_centavos": 2000}));
    assert_eq!(r.status, 201);
    let r = root.post(&format!("{base}/{arquivo}/restaurar"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    let nomes: Vec<String> = admin.get("/api/catalogo").json()["itens"]
        .as_array()
        .expect("itens")
        .iter()
        .filter_map(|i| i["nome"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(nomes, ["Antes do backup"], "the tenant serves the restored data");

    // Another empresa's backup is refused for this one and nothing changes.
    let r = root.post(&format!("/api/admin/empresas/{}/backups", outra.id), &json!({}));
    let alheio = r.json()["arquivo"].as_str().expect("arquivo").to_owned();
    let src = s.dir.data().join("backups").join(outra.database_name.as_str()).join(&alheio);
    let dst_dir = s.dir.data().join("backups").join(e.database_name.as_str());
    std::fs::copy(&src, dst_dir.join("20000101T000000Z.db")).expect("plant foreign file");
    let r = root.post(&format!("{base}/20000101T000000Z.db/restaurar"), &json!({}));
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(admin.get("/api/catalogo").json()["itens"][0]["nome"], "Antes do backup", "still serving");

    let audit = root.get(&format!("/api/admin/auditoria?empresa_id={}&acao=backup.", e.id)).json();
    let acoes: Vec<&str> =
        audit["itens"].as_array().expect("itens").iter().filter_map(|a| a["acao"].as_str()).collect();
    for acao in ["backup.criar", "backup.baixar", "backup.restaurar"] {
        assert!(acoes.contains(&acao), "{acao} audited: {acoes:?}");
    }
}
