//! Panel list endpoints with 100,000 messages in one tenant: `GET /api/conversas`, its search
//! (`?q=`: a word in a quarter of the messages, a rare word, a customer's name — FTS5 — and
//! digits of a phone), and
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
    // Texts from a small vocabulary (a deterministic generator), so a search meets what a real
    // inbox holds: "preço" in about a quarter of the messages, "garantia" in about 1 %.
    let mut semente: u64 = 0x2545_f491_4f6c_dd1d;
    for i in 0..total {
        let texto = texto_de(&mut semente, i);
        let nome = format!("{} {}", NOMES[(i / por_conversa) % NOMES.len()], i / por_conversa);
        let r = db
            .registrar_entrada(&NovaEntrada {
                wa_message_id: &format!("wamid.P{i}"),
                wa_id: &format!("55{:011}", i / por_conversa),
                nome_perfil: Some(&nome),
                canal: "whatsapp",
                tipo: "text",
                texto: Some(&texto),
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
    // Search: each query over HTTP and in the store alone.
    let mut buscas = Vec::new();
    for q in BUSCAS {
        let path = format!("/api/conversas?limite=50&q={}", q.replace(' ', "%20"));
        let mut http = Vec::new();
        let mut raw = Vec::new();
        let mut achadas = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let (s, _) = c.send("GET", &path, &[("Cookie", &cookie)], b"");
            assert_eq!(s, 200);
            http.push(ms(t.elapsed()));
            let f = FiltroConversas { texto: Some((*q).to_owned()), limite: 50, ..FiltroConversas::default() };
            let t = Instant::now();
            achadas = db.inbox_conversas(&f).expect("q").len();
            raw.push(ms(t.elapsed()));
        }
        buscas.push((*q, percentile(&mut http, 95.0), percentile(&mut raw, 95.0), achadas));
    }
    let pior = buscas.iter().map(|b| b.1).fold(0.0, f64::max);
    let pior_raw = buscas.iter().map(|b| b.2).fold(0.0, f64::max);
    let detalhe: Vec<String> =
        buscas.iter().map(|(q, h, r, n)| format!("q={q}: p95 {h:.2} ms (store {r:.2} ms, {n} conversas)")).collect();
    line(
        "panel_busca_p95",
        pior,
        "ms",
        pior_raw,
        &format!(
            "GET /api/conversas?q=&limite=50 (FTS5) with {total} messages, the slowest of: {}; budget ≤ 20 ms",
            detalhe.join("; ")
        ),
    );
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

/// The searches measured: a word in about a quarter of the messages typed without its accent,
/// a rare word, a customer's name (400 conversas), and digits of one phone number.
const BUSCAS: &[&str] = &["preco", "garantia", "joao araujo", "0001234"];
const NOMES: &[&str] = &["Maria Souza", "João Araújo", "Ana Lima", "Carlos Pereira", "Beatriz Rocha"];
const PALAVRAS: &[&str] = &[
    "olá",
    "bom",
    "dia",
    "qual",
    "o",
    "valor",
    "do",
    "onix",
    "tem",
    "em",
    "estoque",
    "aceita",
    "troca",
    "financiamento",
    "entrada",
    "parcelas",
    "corolla",
    "automático",
    "visita",
    "sábado",
    "horário",
    "endereço",
    "obrigado",
    "quero",
    "falar",
    "com",
    "atendente",
    "km",
    "revisão",
    "cor",
    "prata",
    "branco",
];

/// One customer message: 4 to 13 words of the vocabulary, "preço" in a quarter, "garantia"
/// in one of a hundred.
fn texto_de(semente: &mut u64, i: usize) -> String {
    let mut proximo = || {
        *semente ^= *semente << 13;
        *semente ^= *semente >> 7;
        *semente ^= *semente << 17;
        *semente
    };
    let n = 4 + (proximo() % 10) as usize;
    let mut palavras: Vec<&str> = (0..n).map(|_| PALAVRAS[(proximo() % PALAVRAS.len() as u64) as usize]).collect();
    if i.is_multiple_of(4) {
        palavras.push("preço");
    }
    if i % 100 == 7 {
        palavras.push("garantia");
    }
    palavras.join(" ")
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
