//! The server machinery in-process: a panicking handler answers 500 and the worker survives.

use std::sync::Arc;

use helixai::app::App;
use helixai::http::{Request, Response};

use crate::support::http::get;
use crate::support::{open_app, test_config, TestDir};

fn router(app: &Arc<App>, req: &Request) -> helixai::Result<Response> {
    match req.path.as_str() {
        "/panic" => panic!("boom"),
        _ => helixai::http::routes::route(app, req),
    }
}

#[test]
fn a_panic_becomes_a_500_and_the_server_keeps_serving() {
    let dir = TestDir::new();
    let app = open_app(&dir, helixai::config::ServerConfig { http_workers: 1, ..test_config() });
    let server = helixai::server::start_with(app, router).expect("start");
    for _ in 0..3 {
        let r = get(server.addr(), "/panic");
        assert_eq!(r.status, 500);
        assert_eq!(r.json()["erro"]["codigo"], "erro_interno");
        assert!(!r.text().contains("boom"), "internals never leak");
    }
    let ok = get(server.addr(), "/healthz");
    assert_eq!(ok.status, 200, "the single worker survived three panics");
    assert!(ok.header("content-security-policy").is_some_and(|c| c.contains("script-src 'self'")));
    server.shutdown();
}

/// Opens `n` keep-alive connections at once, each sending `GET /healthz`, and keeps every one
/// open until all are answered or `prazo` passes; returns how many were answered.
fn conexoes_simultaneas(addr: std::net::SocketAddr, n: usize, prazo: std::time::Duration) -> usize {
    use std::io::{Read, Write};
    let barreira = Arc::new(std::sync::Barrier::new(n));
    let respondidas = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let fim = std::time::Instant::now() + prazo;
    let threads: Vec<_> = (0..n)
        .map(|_| {
            let (barreira, respondidas) = (barreira.clone(), respondidas.clone());
            std::thread::spawn(move || {
                barreira.wait();
                let Ok(mut s) = std::net::TcpStream::connect(addr) else { return };
                let pedido = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: keep-alive\r\n\r\n");
                if s.write_all(pedido.as_bytes()).is_err() {
                    return;
                }
                let _ = s.set_read_timeout(Some(prazo));
                let mut buf = [0u8; 64];
                // Answered before the deadline: after it, the others start closing and free the
                // threads a stranded connection waits for.
                if s.read(&mut buf).is_ok_and(|k| k > 0) && std::time::Instant::now() < fim {
                    respondidas.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                // Stay connected (a keep-alive client between requests) until the others are done.
                while respondidas.load(std::sync::atomic::Ordering::SeqCst) < n && std::time::Instant::now() < fim {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
    respondidas.load(std::sync::atomic::Ordering::SeqCst)
}

#[test]
fn a_burst_of_new_keep_alive_connections_is_served_whole() {
    // tiny_http 0.12 gave a new connection to an idle connection thread that another new
    // connection had already claimed, so under a burst of connects one could wait until some
    // other connection closed (issue #20: one request in 40,000 answered after ~10 s, the
    // whole run). Patched in vendor/tiny_http. Each connection here stays open, so a stranded
    // one is never rescued: it is counted as unanswered after the deadline.
    for rodada in 0..3 {
        let dir = TestDir::new();
        let app = open_app(&dir, test_config());
        let server = helixai::server::start(app).expect("start");
        let n = 64;
        let respondidas = conexoes_simultaneas(server.addr(), n, std::time::Duration::from_secs(20));
        assert_eq!(respondidas, n, "round {rodada}: a new connection was left waiting for a thread");
        server.shutdown();
    }
}

#[test]
fn an_endless_header_line_is_cut_off_and_the_server_keeps_serving() {
    use std::io::{Read, Write};
    let dir = TestDir::new();
    let app = open_app(&dir, test_config());
    let server = helixai::server::start(app).expect("start");
    let mut s = std::net::TcpStream::connect(server.addr()).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(20))).expect("timeout");
    // 4 MiB of one header line: the connection is dropped at 1 MiB, not buffered whole. (A
    // request line of 50,000 bytes, a long search term, still gets an answer: see
    // `api_empresa` for the 400 it gets.)
    let mut pedido = b"GET /healthz HTTP/1.1\r\nX-Longo: ".to_vec();
    pedido.extend(std::iter::repeat_n(b'a', 4 << 20));
    let _ = s.write_all(&pedido);
    let mut resto = Vec::new();
    let fim = s.read_to_end(&mut resto);
    // Closed by the server (EOF, or a reset because our bytes were left unread), not left open.
    let fechada = match &fim {
        Ok(_) => true,
        Err(e) => matches!(e.kind(), std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe),
    };
    assert!(fechada, "the connection was left open: {fim:?}");
    assert!(!String::from_utf8_lossy(&resto).contains("200 OK"), "no answer to a request whose header never ended");
    assert_eq!(get(server.addr(), "/healthz").status, 200, "other clients are still served");
    server.shutdown();
}
