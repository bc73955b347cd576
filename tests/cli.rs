//! The CLI end to end through the built binary, each run on its own temp data dir.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::http::get;
use crate::support::{run_bin, TestDir, BIN};

#[test]
fn first_start_creates_key_db_and_superadmin_once() {
    let dir = TestDir::new();
    let data = dir.data();
    let (code, out, err) = run_bin(&data, &["tenant", "list"], None, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Superadmin criado: admin@localhost / senha: "), "{out}");
    assert!(data.join("helixai.db").is_file());
    let key = std::fs::metadata(data.join("secret.key")).expect("secret.key");
    assert_eq!(key.len(), 32);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(key.permissions().mode() & 0o777, 0o600);
    let key_bytes = std::fs::read(data.join("secret.key")).expect("key");
    let (code, out, _) = run_bin(&data, &["tenant", "list"], None, &[]);
    assert_eq!(code, 0);
    assert!(!out.contains("Superadmin criado"), "second start creates nothing: {out}");
    assert_eq!(std::fs::read(data.join("secret.key")).expect("key"), key_bytes);
}

#[test]
fn admin_credentials_from_the_environment() {
    let dir = TestDir::new();
    let (code, out, err) = run_bin(
        &dir.data(),
        &["tenant", "list"],
        None,
        &[("HELIXAI_ADMIN_EMAIL", "dono@revenda.com.br"), ("HELIXAI_ADMIN_PASSWORD", "senha-forte-123")],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("dono@revenda.com.br"), "{out}");
    assert!(!out.contains("senha-forte-123"), "a given password is never printed");
}

#[test]
fn tenant_create_list_migrate_and_user_create() {
    let dir = TestDir::new();
    let data = dir.data();
    let (code, out, err) = run_bin(
        &data,
        &["tenant", "create", "--nome", "Feirão ShowCar", "--slug", "feirao-showcar", "--setor", "veiculos", "--json"],
        None,
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let line = out.lines().last().expect("json line");
    let v: serde_json::Value = serde_json::from_str(line).expect("json");
    assert_eq!(v["slug"], "feirao-showcar");
    assert_eq!(v["setor"], "veiculos");
    assert_eq!(v["schema_version"], helixai::store::migrate::tenant_version());
    let (code, out, _) = run_bin(
        &data,
        &[
            "tenant",
            "create",
            "--nome",
            "AutoPeças",
            "--slug",
            "autopecas-xyz",
            "--setor",
            "autopecas",
            "--whatsapp-phone-number-id",
            "1234567",
        ],
        None,
        &[],
    );
    assert_eq!(code, 0);
    assert!(out.contains("empresa criada: id=2 slug=autopecas-xyz setor=autopecas"), "{out}");

    // Errors: one pt-BR line on stderr, non-zero exit.
    let (code, _, err) =
        run_bin(&data, &["tenant", "create", "--nome", "X", "--slug", "A B", "--setor", "varejo"], None, &[]);
    assert_ne!(code, 0);
    assert!(err.contains("erro: slug inválido"), "{err}");
    let (code, _, err) =
        run_bin(&data, &["tenant", "create", "--nome", "X", "--slug", "x", "--setor", "carros"], None, &[]);
    assert_ne!(code, 0);
    assert!(err.contains("setor desconhecido"), "{err}");

    let (code, out, _) = run_bin(&data, &["tenant", "list", "--json"], None, &[]);
    assert_eq!(code, 0);
    let list: serde_json::Value = serde_json::from_str(out.lines().last().expect("line")).expect("json");
    let slugs: Vec<&str> = list.as_array().expect("array").iter().filter_map(|t| t["slug"].as_str()).collect();
    assert_eq!(slugs, ["feirao-showcar", "autopecas-xyz"]);
    assert!(list[0]["tamanho_bytes"].as_u64().expect("size") > 0);
    let (code, out, _) = run_bin(&data, &["tenant", "list"], None, &[]);
    assert_eq!(code, 0);
    assert!(out.contains("feirao-showcar") && out.contains("SLUG"), "{out}");

    let (code, out, err) = run_bin(&data, &["migrate", "--all"], None, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2 tenant(s), 0 migrado(s), 0 com falha"), "{out}");
    let (code, _, _) = run_bin(&data, &["migrate", "--tenant", "feirao-showcar"], None, &[]);
    assert_eq!(code, 0);

    // A broken tenant is reported and the others still migrate; exit non-zero.
    let broken = data.join("tenants").join("empresa_1_feirao_showcar.db");
    std::fs::write(&broken, b"this is not a sqlite file at all, just garbage bytes.....").expect("corrupt");
    let (code, out, err) = run_bin(&data, &["migrate", "--all"], None, &[]);
    assert_ne!(code, 0);
    assert!(err.contains("tenant feirao-showcar"), "{err}");
    assert!(out.contains("1 com falha"), "{out}");

    let (code, out, err) = run_bin(
        &data,
        &["user", "create", "--email", "vendas@autopecas.com.br", "--papel", "admin", "--empresa", "autopecas-xyz"],
        Some("uma-senha-boa\n"),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("usuário criado"), "{out}");
    let (code, _, err) =
        run_bin(&data, &["user", "create", "--email", "x@y.z", "--papel", "admin"], Some("uma-senha-boa\n"), &[]);
    assert_ne!(code, 0);
    assert!(err.contains("--empresa"), "{err}");
    let (code, _, err) = run_bin(
        &data,
        &["user", "create", "--email", "vendas@autopecas.com.br", "--papel", "atendente", "--empresa", "autopecas-xyz"],
        Some("uma-senha-boa\n"),
        &[],
    );
    assert_ne!(code, 0);
    assert!(err.contains("já existe um usuário"), "{err}");
    let (code, _, err) =
        run_bin(&data, &["user", "passwd", "--email", "vendas@autopecas.com.br"], Some("curta\n"), &[]);
    assert_ne!(code, 0);
    assert!(err.contains("pelo menos 8"), "{err}");
    let (code, out, err) =
        run_bin(&data, &["user", "passwd", "--email", "vendas@autopecas.com.br"], Some("outra-senha-boa\n"), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("senha alterada"));
}

#[test]
fn help_documents_every_flag() {
    let out = Command::new(BIN).args(["serve", "--help"]).output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in ["--bind", "--max-open-tenants", "--demo", "--data-dir"] {
        assert!(text.contains(flag), "{flag} missing from:\n{text}");
    }
    let out = Command::new(BIN).args(["tenant", "create", "--help"]).output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in ["--nome", "--slug", "--setor", "--whatsapp-phone-number-id", "--json"] {
        assert!(text.contains(flag), "{flag} missing");
    }
}

/// Starts `helixai serve` on an ephemeral port and returns the child and its address.
/// The caller owns the child and waits for it.
#[allow(clippy::zombie_processes)]
pub fn spawn_serve(data: &std::path::Path, extra: &[&str]) -> (std::process::Child, std::net::SocketAddr, Vec<String>) {
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(extra)
        .env("HELIXAI_DATA_DIR", data)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let mut lines = Vec::new();
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).expect("read") == 0 || Instant::now() > deadline {
            panic!("serve exited before listening: {lines:?}");
        }
        if let Some(addr) = line.trim().strip_prefix("HelixAI escutando em http://") {
            let addr = addr.parse().expect("addr");
            // Keep draining stdout so the child never blocks on a full pipe.
            std::thread::spawn(move || for _ in reader.lines() {});
            return (child, addr, lines);
        }
        lines.push(line);
    }
}

#[test]
fn serve_answers_healthz_and_stops_cleanly_on_sigterm() {
    let dir = TestDir::new();
    let data = dir.data();
    let (code, _, _) =
        run_bin(&data, &["tenant", "create", "--nome", "A", "--slug", "a", "--setor", "varejo"], None, &[]);
    assert_eq!(code, 0);
    let (mut child, addr, _) = spawn_serve(&data, &["--max-open-tenants", "7"]);
    let r = get(addr, "/healthz");
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["versao"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["empresas"], 1);
    assert_eq!(v["tenants_abertos"], 0);
    assert_eq!(v["lru"]["capacity"], 7);
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    let nf = get(addr, "/api/nao-existe");
    assert_eq!(nf.status, 404);
    assert_eq!(nf.json()["erro"]["codigo"], "nao_encontrado");
    let pid = child.id().to_string();
    let st = Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
    assert!(st.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "clean exit after SIGTERM: {status:?}");
            break;
        }
        assert!(Instant::now() < deadline, "server did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_demo_creates_three_empresas_with_catalogs_and_logins() {
    let dir = TestDir::new();
    let data = dir.data();
    let (mut child, addr, lines) = spawn_serve(&data, &["--demo"]);
    let demo: Vec<&String> = lines.iter().filter(|l| l.starts_with("Demo: ")).collect();
    assert_eq!(demo.len(), 3, "{lines:?}");
    assert!(demo[0].contains("Feirão ShowCar") && demo[0].contains("admin@feirao-showcar.demo"), "{demo:?}");
    assert_eq!(get(addr, "/healthz").json()["empresas"], 3);
    child.kill().ok();
    child.wait().ok();
    // A second --demo on the same dir creates nothing.
    let (mut child, _, lines) = spawn_serve(&data, &["--demo"]);
    assert!(lines.iter().any(|l| l.contains("--demo ignorado")), "{lines:?}");
    child.kill().ok();
    child.wait().ok();
    let (_, out, _) = run_bin(&data, &["tenant", "list", "--json"], None, &[]);
    let list: serde_json::Value = serde_json::from_str(out.lines().last().expect("line")).expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(3));
}

#[test]
fn bare_helixai_serves_with_the_serve_defaults() {
    let dir = TestDir::new();
    let mut child = Command::new(BIN)
        .env("HELIXAI_DATA_DIR", dir.data())
        .env("HELIXAI_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut addr = None;
    for _ in 0..10 {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if let Some(a) = line.trim().strip_prefix("HelixAI escutando em http://") {
            addr = a.parse::<std::net::SocketAddr>().ok();
            break;
        }
    }
    let addr = addr.expect("bare helixai listens");
    let v = get(addr, "/healthz").json();
    child.kill().ok();
    child.wait().ok();
    assert_eq!(v["lru"]["capacity"], 256, "default --max-open-tenants");
}
