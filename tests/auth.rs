//! Login, sessions, roles, CSRF and throttling through the real server.

use helixai::config::{LoginThrottle, ServerConfig};
use helixai::domain::{Papel, Setor};
use serde_json::json;

use crate::support::http::request;
use crate::support::server::TestServer;
use crate::support::test_config;

#[test]
fn login_me_logout_and_cookie_attributes() {
    let s = TestServer::start();
    let e = s.empresa("loja", Setor::Varejo);
    s.usuario("ana@loja.com", Papel::Admin, Some(&e));
    let mut c = s.client();
    let r = c.post("/api/login", &json!({"email": "ana@loja.com", "senha": "senha-de-teste"}));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["empresa_id"], e.id.0);
    assert_eq!(v["empresa_slug"], "loja");
    assert_eq!(v["setor"], "varejo");
    assert_eq!(v["papel"], "admin");
    assert!(v["usuario_id"].as_i64().is_some());
    let cookie = r.header("set-cookie").expect("cookie");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(cookie.contains(attr), "{attr} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "no Secure without --secure-cookies");
    let token = c.cookie.clone().expect("token");
    assert_eq!(token.len(), 64, "256-bit token in hex");
    // Stored only as a hash.
    let db = std::fs::read(s.dir.data().join("helixai.db")).expect("db");
    let wal = std::fs::read(s.dir.data().join("helixai.db-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(!bytes.windows(64).any(|w| w == token.as_bytes()), "raw token must not be stored");
    }
    let me = c.get("/api/me");
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["email"], "ana@loja.com");
    assert!(!me.text().contains("argon2"), "no hash in responses");
    assert_eq!(c.post("/api/logout", &json!({})).status, 204);
    let mut old = s.client();
    old.cookie = Some(token);
    assert_eq!(old.get("/api/me").status, 401, "revoked by logout");
}

#[test]
fn wrong_password_and_unknown_email_answer_the_same() {
    let s = TestServer::start();
    s.usuario("root@revenda.com", Papel::Superadmin, None);
    let mut c = s.client();
    let a = c.post("/api/login", &json!({"email": "root@revenda.com", "senha": "errada-errada"}));
    let b = c.post("/api/login", &json!({"email": "ninguem@revenda.com", "senha": "errada-errada"}));
    assert_eq!((a.status, b.status), (401, 401));
    assert_eq!(a.body, b.body);
    assert_eq!(a.json()["erro"]["codigo"], "credenciais_invalidas");
    assert!(a.header("set-cookie").is_none());
}

#[test]
fn secure_cookie_flag() {
    let s = TestServer::start_with(ServerConfig { secure_cookies: true, ..test_config() });
    s.usuario("root@revenda.com", Papel::Superadmin, None);
    let r = s.client().post("/api/login", &json!({"email": "root@revenda.com", "senha": "senha-de-teste"}));
    assert!(r.header("set-cookie").is_some_and(|c| c.contains("; Secure")));
}

#[test]
fn inactive_users_and_suspended_empresas_cannot_log_in() {
    let s = TestServer::start();
    let e = s.empresa("loja", Setor::Varejo);
    s.usuario("ana@loja.com", Papel::Admin, Some(&e));
    let mut c = s.login("ana@loja.com");
    s.app.central.empresa_definir_ativo(e.id, false).expect("suspend");
    assert_eq!(c.get("/api/me").status, 401, "live session of a suspended empresa stops working");
    let r = s.client().post("/api/login", &json!({"email": "ana@loja.com", "senha": "senha-de-teste"}));
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["erro"]["codigo"], "empresa_suspensa");
    s.app.central.empresa_definir_ativo(e.id, true).expect("reactivate");
    let u = s.app.central.usuario_por_email("ana@loja.com").expect("q").expect("u");
    s.app.central.usuario_definir_ativo(u.id, false).expect("deactivate");
    let r = s.client().post("/api/login", &json!({"email": "ana@loja.com", "senha": "senha-de-teste"}));
    assert_eq!(r.json()["erro"]["codigo"], "usuario_inativo");
}

#[test]
fn session_expiry_tampering_and_password_change() {
    let s = TestServer::start_with(ServerConfig { session_ttl_s: 2, ..test_config() });
    s.usuario("root@revenda.com", Papel::Superadmin, None);
    let mut a = s.login("root@revenda.com");
    let mut b = s.login("root@revenda.com");
    // Tampered cookie: one hex digit changed.
    let mut t = s.client();
    let mut tok = a.cookie.clone().expect("tok").into_bytes();
    tok[0] = if tok[0] == b'a' { b'b' } else { b'a' };
    t.cookie = Some(String::from_utf8(tok).expect("utf8"));
    assert_eq!(t.get("/api/me").status, 401);
    t.cookie = Some("not-a-token".into());
    assert_eq!(t.get("/api/me").status, 401);
    // Password change keeps this session and revokes the other.
    let r = a.put("/api/me/senha", &json!({"senha_atual": "senha-de-teste", "nova_senha": "nova-senha-forte"}));
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(a.get("/api/me").status, 200);
    assert_eq!(b.get("/api/me").status, 401, "other sessions revoked");
    let r = a.put("/api/me/senha", &json!({"senha_atual": "errada", "nova_senha": "outra-senha-forte"}));
    assert_eq!(r.json()["erro"]["codigo"], "senha_atual_incorreta");
    // Expiry (ttl 2 s): an idle session dies.
    std::thread::sleep(std::time::Duration::from_millis(3100));
    assert_eq!(a.get("/api/me").status, 401, "expired");
    let r = s.client().post("/api/login", &json!({"email": "root@revenda.com", "senha": "nova-senha-forte"}));
    assert_eq!(r.status, 200);
}

#[test]
fn csrf_header_required_on_state_changes() {
    let s = TestServer::start();
    s.usuario("root@revenda.com", Papel::Superadmin, None);
    let body = serde_json::to_vec(&json!({"email": "root@revenda.com", "senha": "senha-de-teste"})).expect("json");
    let r = request(s.addr, "POST", "/api/login", &[("Content-Type", "application/json")], &body);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["erro"]["codigo"], "csrf");
}

#[test]
fn roles_and_missing_session() {
    let s = TestServer::start();
    let e = s.empresa("loja", Setor::Varejo);
    s.usuario("root@revenda.com", Papel::Superadmin, None);
    s.usuario("admin@loja.com", Papel::Admin, Some(&e));
    s.usuario("atende@loja.com", Papel::Atendente, Some(&e));
    let item = json!({"nome": "Camiseta", "preco_centavos": 4990});
    assert_eq!(s.client().get("/api/catalogo").status, 401);
    assert_eq!(s.client().post("/api/catalogo", &item).status, 401);
    let mut at = s.login("atende@loja.com");
    assert_eq!(at.get("/api/catalogo").status, 200, "atendente reads the catalog");
    let r = at.post("/api/catalogo", &item);
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["erro"]["codigo"], "proibido");
    let mut ad = s.login("admin@loja.com");
    let r = ad.post("/api/catalogo", &item);
    assert_eq!(r.status, 201, "{}", r.text());
    let mut root = s.login("root@revenda.com");
    assert_eq!(root.get("/api/catalogo").status, 403, "superadmin acts through /api/admin/empresas/{{id}}");
    let path = format!("/api/admin/empresas/{}/catalogo", e.id);
    let r = root.get(&path);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["itens"][0]["nome"], "Camiseta");
    assert_eq!(ad.get(&path).status, 403, "admin of the empresa is not a superadmin");
}

#[test]
fn throttling_per_email_and_ip_with_other_ip_still_allowed() {
    let limits = LoginThrottle { window_s: 600, per_ip_email: 3, per_ip: 50, per_email: 50 };
    let s = TestServer::start_with(ServerConfig { trust_proxy: true, login_throttle: limits, ..test_config() });
    s.usuario("root@revenda.com", Papel::Superadmin, None);
    let mut attacker = s.client();
    attacker.forwarded_for = Some("203.0.113.7".into());
    for _ in 0..3 {
        let r = attacker.post("/api/login", &json!({"email": "root@revenda.com", "senha": "chute-errado"}));
        assert_eq!(r.status, 401);
    }
    let r = attacker.post("/api/login", &json!({"email": "root@revenda.com", "senha": "senha-de-teste"}));
    assert_eq!(r.status, 429, "the N+1th attempt is throttled even with the right password");
    assert_eq!(r.json()["erro"]["codigo"], "muitas_tentativas");
    let retry: u64 = r.header("retry-after").expect("Retry-After").parse().expect("secs");
    assert!((1..=600).contains(&retry));
    let mut owner = s.client();
    owner.forwarded_for = Some("198.51.100.20".into());
    let r = owner.post("/api/login", &json!({"email": "root@revenda.com", "senha": "senha-de-teste"}));
    assert_eq!(r.status, 200, "correct login from another IP still works");
}
