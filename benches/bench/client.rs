//! A minimal keep-alive HTTP/1.1 client for load generation over loopback.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

/// One persistent connection.
pub struct Conn {
    addr: SocketAddr,
    r: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(addr: SocketAddr) -> Conn {
        let s = TcpStream::connect(addr).expect("connect");
        s.set_nodelay(true).ok();
        Conn { addr, r: BufReader::new(s) }
    }

    /// Sends one request and reads the whole response; returns (status, body).
    pub fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, Vec<u8>) {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n", self.addr, body.len());
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        // One write (one segment, one wake-up of the server's reader): the generator shares
        // the machine with the server, so it should cost as little as it can.
        let mut req = head.into_bytes();
        req.extend_from_slice(body);
        self.r.get_mut().write_all(&req).expect("write");
        let mut line = String::new();
        self.r.read_line(&mut line).expect("status");
        let status = line.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let mut len = 0usize;
        loop {
            line.clear();
            self.r.read_line(&mut line).expect("header");
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut buf = vec![0; len];
        self.r.read_exact(&mut buf).expect("body");
        (status, buf)
    }
}
