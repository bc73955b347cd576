//! Panel list endpoints with 100,000 messages in one tenant: `GET /api/conversas` and
//! `GET /api/conversas/{id}/mensagens`, p95 over HTTP with a session, against the same store
//! queries called directly (the baseline: what HTTP, auth and JSON add).

use std::time::Instant;

use helixai::app::App;
use helixai::auth::password;
use helixai::config::{DataDir, ServerConfig};
use helixai::domain::{ConversaId, Papel, Setor};
use helixai::provision::{criar_empresa, PedidoEmpresa};
use helixai::store::central::NovoUsuario;
use helixai::store::tenant::conversas::NovaEntrada;
use helixai::store::tenant::inbox::FiltroConversas;

use crate::client::Conn;
use crate::report::{line, ms, percentile, scale};

pub fn panel_lists() {
    let total = scale(100_000);
    let por_conversa = 50;
    let dir = tempfile::Builder::new().prefix("helixai-bench-").tempdir().expect("tmp");
    std::env::set_var("HELIXAI_ADMIN_PASSWORD", "senha-de-bench");
    let config = ServerConfig { bind: "127.0.0.1:0".parse().expect("addr"), bot_workers: 0, ..ServerConfig::default() };
    let (app, _) = App::open(DataDir::new(dir.path()), config).expect("open");
    let e = criar_empresa(
        &app,
        &PedidoEmpresa {
            nome: "Loja".into(),
            slug: "loja".into(),
            setor: Setor::Varejo,
            whatsapp_phone_number_id: None,
            plano_id: None,
        },
    )
    .expect("empresa");
    app.central
        .usuario_criar(&NovoUsuario {
            email: "admin@loja.com".into(),
            nome: "Admin".into(),
            papel: Papel::Admin,
            empresa_id: Some(e.id),
            senha_hash: password::hash("senha-de-bench").expect("hash"),
        })
        .expect("usuario");
    let db = app.tenant_db(&e).expect("db");
    let t = Instant::now();
    let mut conversa = ConversaId(0);
    for i in 0..total {
        let r = db
            .registrar_entrada(&NovaEntrada {
                wa_message_id: &format!("wamid.P{i}"),
                wa_id: &format!("55{:011}", i / por_conversa),
                canal: "whatsapp",
                tipo: "text",
                texto: Some("Olá, qual o preço do produto? Tem em estoque?"),
                criar_job: false,
                agora_ms: i as i64,
                ..NovaEntrada::default()
            })
            .expect("insert");
        conversa = r.conversa_id;
    }
    let fill_s = t.elapsed().as_secs_f64();
    let running = helixai::server::start(app.clone()).expect("start");
    let mut c = Conn::open(running.addr());
    let body = br#"{"email":"admin@loja.com","senha":"senha-de-bench"}"#;
    let (status, _) =
        c.send("POST", "/api/login", &[("X-HelixAI-CSRF", "1"), ("Content-Type", "application/json")], body);
    assert_eq!(status, 200);
    // The cookie: log in again on a raw request to read Set-Cookie.
    let cookie = login_cookie(running.addr());
    let runs = 200;
    let mut http_conv = Vec::new();
    let mut http_msg = Vec::new();
    let path_msg = format!("/api/conversas/{}/mensagens?limite=50", conversa.0);
    for _ in 0..runs {
        let t = Instant::now();
        let (s, _) = c.send("GET", "/api/conversas?limite=50", &[("Cookie", &cookie)], b"");
        assert_eq!(s, 200);
        http_conv.push(ms(t.elapsed()));
        let t = Instant::now();
        let (s, _) = c.send("GET", &path_msg, &[("Cookie", &cookie)], b"");
        assert_eq!(s, 200);
        http_msg.push(ms(t.elapsed()));
    }
    let mut raw_conv = Vec::new();
    let mut raw_msg = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        db.inbox_conversas(&FiltroConversas { limite: 50, ..FiltroConversas::default() }).expect("q");
        raw_conv.push(ms(t.elapsed()));
        let t = Instant::now();
        db.inbox_mensagens(conversa, 50, None).expect("q");
        raw_msg.push(ms(t.elapsed()));
    }
    let (c95, rc95) = (percentile(&mut http_conv, 95.0), percentile(&mut raw_conv, 95.0));
    line(
        "panel_conversas_p95",
        c95,
        "ms",
        rc95,
        &format!("GET /api/conversas?limite=50 with {total} messages in {} conversas: p95 {c95:.2} ms (budget ≤ 20 ms); the store query alone p95 {rc95:.2} ms; filling took {fill_s:.1} s", total / por_conversa),
    );
    let (m95, rm95) = (percentile(&mut http_msg, 95.0), percentile(&mut raw_msg, 95.0));
    line(
        "panel_mensagens_p95",
        m95,
        "ms",
        rm95,
        &format!("GET /api/conversas/{{id}}/mensagens?limite=50: p95 {m95:.2} ms (budget ≤ 20 ms); the store query alone p95 {rm95:.2} ms"),
    );
    running.shutdown();
}

fn login_cookie(addr: std::net::SocketAddr) -> String {
    use std::io::{Read, Write};
    let body = br#"{"email":"admin@loja.com","senha":"senha-de-bench"}"#;
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    let head = format!(
        "POST /api/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-HelixAI-CSRF: 1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).expect("w");
    s.write_all(body).expect("w");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("r");
    out.lines()
        .find_map(|l| l.strip_prefix("Set-Cookie: ").or_else(|| l.strip_prefix("set-cookie: ")))
        .and_then(|c| c.split(';').next())
        .expect("cookie")
        .to_owned()
}
