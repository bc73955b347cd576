//! Media files through the empresa's life: in backups (one store shared by its backups,
//! pruned with them), back after a restore, inside an export and out again on import, and
//! gone with a purge.

use helixai::app::App;
use helixai::backup::transferencia::{exportar, importar};
use helixai::backup::{fazer_backup, restaurar_backup};
use helixai::crypto::sha256_hex;
use helixai::domain::{ItemId, Setor};
use helixai::media::Acervo;
use helixai::store::backup::conteudo_tabelas;
use helixai::store::central::Empresa;

use crate::backup::{criar, veiculo};
use crate::support::midia::*;
use crate::support::{open_app, test_config, TestDir};

/// A veiculos empresa with one item and `fotos` as its photos; returns the photos' addresses.
fn com_fotos(app: &App, slug: &str, fotos: &[&[u8]]) -> (Empresa, Vec<String>) {
    let e = criar(app, slug, Setor::Veiculos, None);
    let db = app.tenant_db(&e).expect("db");
    let item = db.catalogo_criar(&veiculo(1).validar(Setor::Veiculos).expect("valid")).expect("item");
    let acervo = Acervo::de(app, &e, &db);
    for f in fotos {
        acervo.foto_adicionar(item.id, f, Some("image/jpeg"), Some("carro.jpg")).expect("photo");
    }
    (e, fotos.iter().map(|f| sha256_hex(f)).collect())
}

#[test]
fn backups_keep_the_files_their_copies_use_and_a_restore_brings_them_back() {
    let dir = TestDir::new();
    let app = open_app(&dir, helixai::config::ServerConfig { backup_keep: 1, ..test_config() });
    let foto = arquivo("foto.jpg");
    let (e, shas) = com_fotos(&app, "loja", &[&foto]);
    let pasta = helixai::backup::pasta_empresa(&app, &e);
    let b1 = fazer_backup(&app, &e).expect("backup 1");
    assert_eq!(arquivos_em(&pasta.join("midia")), shas, "the backup's media store holds the photo");
    assert_eq!(std::fs::read(pasta.join("midia").join(&shas[0])).expect("file"), foto);
    assert!(
        arquivos_em(&pasta).iter().all(|n| !n.ends_with("-wal") && !n.ends_with("-shm")),
        "{:?}",
        arquivos_em(&pasta)
    );

    // The live file is lost; the restore brings it back from the backups.
    let viva = pasta_midia(&app, &e);
    std::fs::remove_file(viva.join(&shas[0])).expect("rm");
    restaurar_backup(&app, &e, &b1.arquivo).expect("restore");
    assert_eq!(std::fs::read(viva.join(&shas[0])).expect("back"), foto);

    // The photo is removed and a new backup replaces the old one (keep 1): its file leaves
    // the backups' store with it.
    let db = app.tenant_db(&e).expect("db");
    let foto_id = db.catalogo_fotos(ItemId(1)).expect("fotos")[0].id;
    Acervo::de(&app, &e, &db).foto_remover(ItemId(1), foto_id).expect("remove");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    fazer_backup(&app, &e).expect("backup 2");
    assert_eq!(arquivos_em(&pasta).iter().filter(|n| n.ends_with(".db")).count(), 1);
    assert!(arquivos_em(&pasta.join("midia")).is_empty(), "no kept backup uses it");
}

#[test]
fn an_export_carries_the_media_and_the_import_writes_them_for_the_new_empresa() {
    let origem = TestDir::new();
    let app = open_app(&origem, test_config());
    let (foto, png) = (arquivo("foto.jpg"), arquivo("foto.png"));
    let (e, shas) = com_fotos(&app, "feirao", &[&foto, &png]);
    let arquivo_exp = origem.path().join("feirao.helixai");
    exportar(&app, &e, &arquivo_exp).expect("export");
    let exportado = conteudo_tabelas(&arquivo_exp).expect("read");
    assert_eq!(exportado["midia_arquivos_exportados"].len(), 2, "both files inside the one export file");

    let destino = TestDir::new();
    let app2 = open_app(&destino, test_config());
    let novo = importar(&app2, &arquivo_exp, Some("feirao-novo")).expect("import");
    let viva = pasta_midia(&app2, &novo);
    let mut esperados = shas.clone();
    esperados.sort();
    assert_eq!(arquivos_em(&viva), esperados);
    assert_eq!(std::fs::read(viva.join(sha256_hex(&foto))).expect("file"), foto);
    let db2 = app2.tenant_db(&novo).expect("db");
    let fotos = db2.catalogo_fotos(ItemId(1)).expect("rows");
    assert_eq!(fotos.len(), 2);
    assert_eq!(Acervo::de(&app2, &novo, &db2).ler(fotos[1].sha256.as_deref().expect("sha")).expect("read"), png);
    let tabelas = conteudo_tabelas(&app2.tenants.path_of(&novo.database_name)).expect("tables");
    assert!(!tabelas.contains_key("midia_arquivos_exportados"), "the live file does not keep the export's copy");
    assert_eq!(app2.central.midia_uso(novo.id).expect("uso").arquivos, 2);
}

#[test]
fn a_purge_removes_the_media_folder() {
    let dir = TestDir::new();
    let app = open_app(&dir, test_config());
    let (e, _) = com_fotos(&app, "sai", &[&arquivo("foto.jpg")]);
    let viva = pasta_midia(&app, &e);
    assert_eq!(arquivos_em(&viva).len(), 1);
    app.central.empresa_definir_ativo(e.id, false).expect("suspend");
    let purga = helixai::purga::purgar_empresa(&app, e.id, "sai").expect("purge");
    assert!(purga.midia_removida && !viva.exists());
}
