//! An in-process HelixAI server on 127.0.0.1:0 with a temp data dir, and an API client that
//! keeps a session cookie and sends the CSRF header. The server runs its bot workers too
//! (`config.bot_workers`; tests that want determinism set 0 and call `jobs::run_once`).

use std::net::SocketAddr;
use std::sync::Arc;

use helixai::app::App;
use helixai::auth::password;
use helixai::config::ServerConfig;
use helixai::domain::{Papel, Setor};
use helixai::provision::{criar_empresa, PedidoEmpresa};
use helixai::server::RunningServer;
use helixai::store::central::{Empresa, NovoUsuario};

use super::http::{request, Resp};
use super::{open_app, test_config, TestDir};

/// A running server; stops on drop.
pub struct TestServer {
    pub app: Arc<App>,
    pub addr: SocketAddr,
    server: Option<RunningServer>,
    /// The bot workers (`config.bot_workers` threads; 0 = none, drive them with `jobs::run_once`).
    workers: Option<helixai::jobs::Workers>,
    pub dir: TestDir,
}

impl TestServer {
    /// Starts with the default test config.
    pub fn start() -> TestServer {
        Self::start_with(test_config())
    }

    /// Starts with the given config (bind is forced to 127.0.0.1:0).
    pub fn start_with(config: ServerConfig) -> TestServer {
        Self::start_in(TestDir::new(), config)
    }

    /// Starts on an existing data dir (what an earlier process left there).
    pub fn start_in(dir: TestDir, config: ServerConfig) -> TestServer {
        let app = open_app(&dir, ServerConfig { bind: "127.0.0.1:0".parse().expect("addr"), ..config });
        let workers = helixai::jobs::start(app.clone()).expect("start bot workers");
        let server = helixai::server::start(app.clone()).expect("start server");
        TestServer { addr: server.addr(), app, server: Some(server), workers: Some(workers), dir }
    }

    /// Creates an empresa (and its tenant file).
    pub fn empresa(&self, slug: &str, setor: Setor) -> Empresa {
        criar_empresa(
            &self.app,
            &PedidoEmpresa {
                nome: format!("Empresa {slug}"),
                slug: slug.into(),
                setor,
                whatsapp_phone_number_id: None,
                plano_id: None,
            },
        )
        .expect("create empresa")
    }

    /// Creates a usuario with password `senha-de-teste`.
    pub fn usuario(&self, email: &str, papel: Papel, empresa: Option<&Empresa>) {
        self.app
            .central
            .usuario_criar(&NovoUsuario {
                email: email.into(),
                nome: email.into(),
                papel,
                empresa_id: empresa.map(|e| e.id),
                senha_hash: password::hash("senha-de-teste").expect("hash"),
            })
            .expect("create usuario");
    }

    /// A client without a session.
    pub fn client(&self) -> Client {
        Client { addr: self.addr, cookie: None, forwarded_for: None }
    }

    /// A client logged in as `email` (password `senha-de-teste`).
    pub fn login(&self, email: &str) -> Client {
        let mut c = self.client();
        let r = c.post("/api/login", &serde_json::json!({"email": email, "senha": "senha-de-teste"}));
        assert_eq!(r.status, 200, "login {email}: {}", r.text());
        c
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown();
        }
        if let Some(w) = self.workers.take() {
            w.stop();
        }
    }
}

/// An API client with a cookie jar of one cookie.
#[derive(Clone)]
pub struct Client {
    pub addr: SocketAddr,
    pub cookie: Option<String>,
    /// Sent as X-Forwarded-For (servers with trust_proxy).
    pub forwarded_for: Option<String>,
}

impl Client {
    /// Sends a request with the session cookie and the CSRF header; keeps any Set-Cookie.
    pub fn send(&mut self, method: &str, path: &str, body: Option<&serde_json::Value>) -> Resp {
        let bytes = body.map(|b| serde_json::to_vec(b).expect("json")).unwrap_or_default();
        let mut headers: Vec<(&str, &str)> = vec![("X-HelixAI-CSRF", "1")];
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        let cookie = self.cookie.clone().map(|c| format!("helixai_sessao={c}"));
        if let Some(c) = &cookie {
            headers.push(("Cookie", c));
        }
        if let Some(ip) = &self.forwarded_for {
            headers.push(("X-Forwarded-For", ip));
        }
        let r = request(self.addr, method, path, &headers, &bytes);
        if let Some(sc) = r.header("set-cookie") {
            let value = sc.split(';').next().and_then(|kv| kv.split_once('=')).map(|(_, v)| v.to_owned());
            self.cookie = value.filter(|v| !v.is_empty());
        }
        r
    }
    pub fn get(&mut self, path: &str) -> Resp {
        self.send("GET", path, None)
    }
    pub fn post(&mut self, path: &str, body: &serde_json::Value) -> Resp {
        self.send("POST", path, Some(body))
    }
    pub fn put(&mut self, path: &str, body: &serde_json::Value) -> Resp {
        self.send("PUT", path, Some(body))
    }
    pub fn patch(&mut self, path: &str, body: &serde_json::Value) -> Resp {
        self.send("PATCH", path, Some(body))
    }
    pub fn delete(&mut self, path: &str) -> Resp {
        self.send("DELETE", path, None)
    }
}
