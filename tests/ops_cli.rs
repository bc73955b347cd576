//! `helixai backup`, `restore`, `tenant export` and `tenant import` through the built binary.

use crate::support::{run_bin, TestDir};

fn create(data: &std::path::Path, slug: &str, phone: Option<&str>) {
    let mut args = vec!["tenant", "create", "--nome", "Loja", "--slug", slug, "--setor", "varejo"];
    if let Some(p) = phone {
        args.extend(["--whatsapp-phone-number-id", p]);
    }
    let (code, _, err) = run_bin(data, &args, None, &[]);
    assert_eq!(code, 0, "{err}");
}

fn backups_in(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn backup_all_tenant_and_central_then_restore_and_move() {
    let dir = TestDir::new();
    let data = dir.data();
    create(&data, "loja-a", Some("111"));
    create(&data, "loja-b", None);
    let (code, out, err) = run_bin(&data, &["backup", "--all"], None, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("backup concluído: 3 banco(s), 0 com falha"), "{out}");
    assert!(err.contains("backup: 3/3 (100%)"), "progress on stderr: {err}");
    let (code, out, _) = run_bin(&data, &["backup", "--tenant", "loja-a"], None, &[]);
    assert_eq!(code, 0);
    assert!(out.contains("backup de loja-a: "), "{out}");
    let (code, _, _) = run_bin(&data, &["backup", "--central"], None, &[]);
    assert_eq!(code, 0);
    let backups = data.join("backups");
    assert_eq!(backups_in(&backups.join("empresa_1_loja_a")).len(), 2);
    assert_eq!(backups_in(&backups.join("empresa_2_loja_b")).len(), 1);
    assert_eq!(backups_in(&backups.join("helixai")).len(), 2);
    // --keep 1 prunes to the newest.
    let (code, _, _) = run_bin(&data, &["backup", "--tenant", "loja-a", "--keep", "1"], None, &[]);
    assert_eq!(code, 0);
    assert_eq!(backups_in(&backups.join("empresa_1_loja_a")).len(), 1);
    let (code, _, err) = run_bin(&data, &["backup", "--tenant", "nao-existe"], None, &[]);
    assert_ne!(code, 0);
    assert!(err.contains("erro: empresa não encontrado"), "{err}");

    // Restore loja-a from its backup; another empresa's backup is refused.
    let a_backup = backups.join("empresa_1_loja_a").join(&backups_in(&backups.join("empresa_1_loja_a"))[0]);
    let b_backup = backups.join("empresa_2_loja_b").join(&backups_in(&backups.join("empresa_2_loja_b"))[0]);
    let a = a_backup.to_string_lossy().into_owned();
    let b = b_backup.to_string_lossy().into_owned();
    let (code, out, err) = run_bin(&data, &["restore", "--tenant", "loja-a", "--from", &a], None, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("empresa loja-a restaurada"), "{out}");
    let (code, _, err) = run_bin(&data, &["restore", "--tenant", "loja-a", "--from", &b], None, &[]);
    assert_ne!(code, 0);
    assert!(err.contains("pertence a outra empresa"), "{err}");

    // Export, then import on a second data dir; a second import clashes.
    let out_file = dir.path().join("loja-a.helixai");
    let o = out_file.to_string_lossy().into_owned();
    let (code, out, err) = run_bin(&data, &["tenant", "export", "loja-a", "--out", &o], None, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("exportada para"), "{out}");
    let data2 = dir.path().join("data2");
    let (code, out, err) = run_bin(&data2, &["tenant", "import", &o], None, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("empresa importada: id=1 slug=loja-a"), "{out}");
    let (code, _, err) = run_bin(&data2, &["tenant", "import", &o, "--slug", "loja-z"], None, &[]);
    assert_ne!(code, 0);
    assert!(err.contains("phone_number_id \"111\" já pertence"), "{err}");
}

#[test]
fn backup_all_reports_a_failing_tenant_and_goes_on() {
    let dir = TestDir::new();
    let data = dir.data();
    create(&data, "boa", None);
    create(&data, "quebrada", None);
    create(&data, "outra-boa", None);
    std::fs::remove_file(data.join("tenants").join("empresa_2_quebrada.db")).expect("rm");
    let (code, out, err) = run_bin(&data, &["backup"], None, &[]);
    assert_ne!(code, 0, "a failure makes the exit non-zero");
    assert!(err.contains("backup de quebrada falhou"), "{err}");
    assert!(out.contains("4 banco(s), 1 com falha"), "{out}");
    assert_eq!(backups_in(&data.join("backups").join("empresa_3_outra_boa")).len(), 1, "the rest went on");
    assert!(err.lines().last().is_some_and(|l| l.starts_with("erro: ")), "{err}");
}

#[test]
fn offline_restore_is_refused_while_a_server_runs() {
    let dir = TestDir::new();
    let data = dir.data();
    create(&data, "loja", None);
    let (code, _, _) = run_bin(&data, &["backup", "--tenant", "loja"], None, &[]);
    assert_eq!(code, 0);
    let folder = data.join("backups").join("empresa_1_loja");
    let file = folder.join(&backups_in(&folder)[0]).to_string_lossy().into_owned();
    let (mut child, _, _) = crate::cli::spawn_serve(&data, &["--backup-every", "0"]);
    let (code, _, err) = run_bin(&data, &["restore", "--tenant", "loja", "--from", &file], None, &[]);
    child.kill().ok();
    child.wait().ok();
    assert_ne!(code, 0);
    assert!(err.contains("servidor HelixAI está rodando"), "{err}");
    let (code, _, err) = run_bin(&data, &["restore", "--tenant", "loja", "--from", &file], None, &[]);
    assert_eq!(code, 0, "after the server stopped: {err}");
}

#[test]
fn serve_rejects_a_bad_backup_interval() {
    let dir = TestDir::new();
    let (code, _, err) = run_bin(&dir.data(), &["serve", "--backup-every", "10x"], None, &[]);
    assert_ne!(code, 0);
    assert!(err.contains("duração inválida"), "{err}");
}
