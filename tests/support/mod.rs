//! Test fixtures shared by every integration test.
#![allow(dead_code)]

pub mod evolution;
pub mod fake_evolution;
pub mod fake_graph;
pub mod fake_openai;
pub mod fake_transcricao;
pub mod http;
pub mod midia;
pub mod multipart;
pub mod replica;
pub mod s3;
pub mod server;
pub mod whatsapp;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use helixai::app::App;
use helixai::config::{DataDir, ServerConfig};

/// Path of the built `helixai` binary.
pub const BIN: &str = env!("CARGO_BIN_EXE_helixai");

/// A fresh temp data dir (removed on drop).
pub struct TestDir {
    pub dir: tempfile::TempDir,
}

impl TestDir {
    pub fn new() -> TestDir {
        TestDir { dir: tempfile::Builder::new().prefix("helixai-test-").tempdir().expect("tempdir") }
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

/// Opens an App on a temp data dir with the given settings (superadmin from a fixed env-free path).
pub fn open_app(dir: &TestDir, config: ServerConfig) -> Arc<App> {
    let (app, _) = App::open(DataDir::new(dir.data()), config).expect("open app");
    app
}

/// A server config bound to an ephemeral loopback port.
pub fn test_config() -> ServerConfig {
    ServerConfig { bind: "127.0.0.1:0".parse().expect("addr"), http_workers: 4, ..ServerConfig::default() }
}

/// Runs the binary with args and an isolated data dir; returns (status, stdout, stderr).
pub fn run_bin(data: &Path, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> (i32, String, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env("HELIXAI_DATA_DIR", data)
        .env_remove("HELIXAI_ADMIN_EMAIL")
        .env_remove("HELIXAI_ADMIN_PASSWORD")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn helixai");
    if let Some(input) = stdin {
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().expect("wait helixai");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
