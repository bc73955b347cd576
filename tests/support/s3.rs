//! Real S3-protocol servers on 127.0.0.1 for the replica tests, and a TCP proxy in front of
//! them that can be cut (a bucket that cannot be reached) or throttled (a slow link).
//!
//! - moto (PyPI, `python -m moto.server`): an in-memory AWS emulator. Its Python comes from
//!   `HELIXAI_MOTO_PYTHON`, else `~/.cache/helixai-moto-venv/bin/python` (what `.ci/run`
//!   installs). It accepts any credentials.
//! - s3s-fs (crates.io): an S3 server over a directory that checks SigV4 signatures against
//!   one access key. Its binary comes from `HELIXAI_S3S_FS`, else
//!   `~/.cache/helixai-s3s-fs/bin/s3s-fs`.
//!
//! The tests that need them are `#[ignore]`d (a fresh clone has neither); `.ci/run` installs
//! both and runs them.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The access key s3s-fs checks.
pub const CHAVE_ACESSO: &str = "AKIAHELIXAITESTE0001";
/// Its secret.
pub const SEGREDO: &str = "segredo-do-bucket-de-teste-0123456789";
/// The bucket every test uses.
pub const BUCKET: &str = "helixai-teste";

fn porta_livre() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

fn home() -> PathBuf {
    PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into()))
}

/// A running S3 server; stopped on drop.
pub struct ServidorS3 {
    child: Child,
    pub porta: u16,
    /// The directory s3s-fs serves (None for moto).
    pub raiz: Option<tempfile::TempDir>,
}

impl ServidorS3 {
    /// Starts moto with the bucket created.
    pub fn moto() -> ServidorS3 {
        let python = std::env::var("HELIXAI_MOTO_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|_| home().join(".cache/helixai-moto-venv/bin/python"));
        assert!(python.exists(), "moto não instalado em {} (rode .ci/run, ou HELIXAI_MOTO_PYTHON)", python.display());
        let porta = porta_livre();
        let child = Command::new(&python)
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &porta.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn moto");
        let s = ServidorS3 { child, porta, raiz: None };
        s.esperar();
        // moto checks no signature: an unsigned PUT creates the bucket.
        let r = http(porta, "PUT", &format!("/{BUCKET}"), b"");
        assert!(r.0 == 200, "criar bucket no moto: {r:?}");
        s
    }

    /// Starts s3s-fs over a temp dir with the bucket created; `None` when it is not installed
    /// (the caller says so and skips that server).
    pub fn s3s_fs() -> Option<ServidorS3> {
        let bin = std::env::var("HELIXAI_S3S_FS")
            .map(PathBuf::from)
            .unwrap_or_else(|_| home().join(".cache/helixai-s3s-fs/bin/s3s-fs"));
        if !bin.exists() {
            eprintln!("s3s-fs não instalado em {}: teste contra o segundo servidor pulado", bin.display());
            return None;
        }
        let raiz = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(raiz.path().join(BUCKET)).expect("bucket dir");
        let porta = porta_livre();
        let child = Command::new(&bin)
            .args(["--host", "127.0.0.1", "--port", &porta.to_string(), "--access-key", CHAVE_ACESSO])
            .args(["--secret-key", SEGREDO])
            .arg(raiz.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn s3s-fs");
        let s = ServidorS3 { child, porta, raiz: Some(raiz) };
        s.esperar();
        Some(s)
    }

    fn esperar(&self) {
        let limite = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", self.porta)).is_err() {
            assert!(Instant::now() < limite, "servidor S3 não subiu na porta {}", self.porta);
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.porta)
    }

    /// Every object name in the bucket under `prefixo` (moto: an unsigned listing; s3s-fs: its directory).
    pub fn objetos(&self, prefixo: &str) -> Vec<String> {
        if let Some(raiz) = &self.raiz {
            let base = raiz.path().join(BUCKET);
            let mut v = Vec::new();
            let mut pilha = vec![base.clone()];
            while let Some(d) = pilha.pop() {
                for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        pilha.push(p);
                    } else if let Ok(rel) = p.strip_prefix(&base) {
                        let nome = rel.to_string_lossy().into_owned();
                        if nome.starts_with(prefixo) && !nome.contains(".s3s") {
                            v.push(nome);
                        }
                    }
                }
            }
            v.sort();
            return v;
        }
        self.etags(prefixo).into_keys().collect()
    }

    /// Every object under `prefixo` with its ETag (moto, an unsigned listing: the MD5 of what
    /// was uploaded, so an object uploaded again with fresh nonces gets another).
    pub fn etags(&self, prefixo: &str) -> BTreeMap<String, String> {
        assert!(self.raiz.is_none(), "ETags from moto's listing");
        let mut v = BTreeMap::new();
        let mut token: Option<String> = None;
        loop {
            let mut q = format!("/{BUCKET}?list-type=2&prefix={prefixo}");
            if let Some(t) = &token {
                q.push_str(&format!(
                    "&continuation-token={}",
                    t.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D")
                ));
            }
            let (status, corpo) = http(self.porta, "GET", &q, b"");
            assert_eq!(status, 200, "{corpo}");
            for c in corpo.split("<Contents>").skip(1) {
                let campo = |tag: &str| {
                    c.split(&format!("<{tag}>"))
                        .nth(1)
                        .and_then(|s| s.split(&format!("</{tag}>")).next())
                        .map(str::to_owned)
                };
                if let (Some(k), Some(e)) = (campo("Key"), campo("ETag")) {
                    v.insert(k, e);
                }
            }
            token = corpo.split("<NextContinuationToken>").nth(1).and_then(|s| s.split('<').next()).map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        v
    }

    /// The appliance's own S3 client for this server (signed requests; moto refuses unsigned
    /// object reads).
    fn cliente(&self) -> helixai::replica::s3::Cliente {
        let destino = helixai::replica::s3::Destino {
            endpoint: self.endpoint(),
            bucket: BUCKET.into(),
            regiao: "us-east-1".into(),
            prefixo: String::new(),
        };
        let (chave, segredo) = (helixai::crypto::Secret::new(CHAVE_ACESSO), helixai::crypto::Secret::new(SEGREDO));
        helixai::replica::s3::Cliente::novo(destino, &chave, &segredo, Arc::default()).expect("client")
    }

    /// An object's bytes as stored (sealed).
    pub fn objeto(&self, nome: &str) -> Vec<u8> {
        match self.cliente().get(nome) {
            Ok(Some(b)) => b,
            outro => panic!("{nome}: {outro:?}"),
        }
    }

    /// Deletes an object behind the appliance's back (a bucket that lost it).
    pub fn apagar(&self, nome: &str) {
        self.cliente().apagar(&[nome.to_owned()]).unwrap_or_else(|e| panic!("{nome}: {e:?}"));
        assert!(!self.objetos(nome).contains(&nome.to_owned()), "{nome} still there");
    }
}

impl Drop for ServidorS3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 request (no signature) to 127.0.0.1:porta: (status, body).
fn http(porta: u16, metodo: &str, caminho: &str, corpo: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", porta)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let req = format!(
        "{metodo} {caminho} HTTP/1.1\r\nHost: 127.0.0.1:{porta}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        corpo.len()
    );
    s.write_all(req.as_bytes()).expect("write");
    s.write_all(corpo).expect("write");
    let mut resp = Vec::new();
    let _ = s.read_to_end(&mut resp);
    let texto = String::from_utf8_lossy(&resp).into_owned();
    let status = texto.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let corpo = texto.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, corpo)
}

/// A TCP proxy to an S3 server that the test can cut (refused connections, open ones reset)
/// and throttle (bytes per second, both ways).
pub struct Proxy {
    pub porta: u16,
    ligado: Arc<AtomicBool>,
    pub bytes_por_s: Arc<AtomicU64>,
    conexoes: Arc<Mutex<Vec<TcpStream>>>,
    parar: Arc<AtomicBool>,
    /// Bytes sent upstream so far (client → server).
    pub subiu: Arc<AtomicU64>,
}

impl Proxy {
    /// Starts a proxy to `127.0.0.1:destino`.
    pub fn iniciar(destino: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        listener.set_nonblocking(true).expect("nonblocking");
        let porta = listener.local_addr().expect("addr").port();
        let p = Proxy {
            porta,
            ligado: Arc::new(AtomicBool::new(true)),
            bytes_por_s: Arc::new(AtomicU64::new(0)),
            conexoes: Arc::default(),
            parar: Arc::new(AtomicBool::new(false)),
            subiu: Arc::default(),
        };
        let (ligado, taxa, conexoes, parar, subiu) =
            (p.ligado.clone(), p.bytes_por_s.clone(), p.conexoes.clone(), p.parar.clone(), p.subiu.clone());
        std::thread::spawn(move || {
            let mut listener = Some(listener);
            while !parar.load(Ordering::SeqCst) {
                let on = ligado.load(Ordering::SeqCst);
                if !on {
                    // Closed listener: connections are refused, like a bucket that is down.
                    listener = None;
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                let l = match &listener {
                    Some(l) => l,
                    None => match TcpListener::bind(("127.0.0.1", porta)) {
                        Ok(l) => {
                            l.set_nonblocking(true).expect("nonblocking");
                            listener.insert(l)
                        }
                        Err(_) => {
                            std::thread::sleep(Duration::from_millis(20));
                            continue;
                        }
                    },
                };
                match l.accept() {
                    Ok((cliente, _)) => {
                        cliente.set_nonblocking(false).expect("blocking");
                        let Ok(servidor) = TcpStream::connect(("127.0.0.1", destino)) else { continue };
                        let mut lista = conexoes.lock().expect("lock");
                        lista.push(cliente.try_clone().expect("clone"));
                        lista.push(servidor.try_clone().expect("clone"));
                        drop(lista);
                        bombear(
                            cliente.try_clone().expect("clone"),
                            servidor.try_clone().expect("clone"),
                            taxa.clone(),
                            Some(subiu.clone()),
                        );
                        bombear(servidor, cliente, taxa.clone(), None);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        p
    }

    /// The endpoint through the proxy.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.porta)
    }

    /// Cuts the bucket off: new connections refused, open ones reset.
    pub fn desligar(&self) {
        self.ligado.store(false, Ordering::SeqCst);
        for c in self.conexoes.lock().expect("lock").drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
        std::thread::sleep(Duration::from_millis(100));
    }

    /// Brings it back.
    pub fn ligar(&self) {
        self.ligado.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.parar.store(true, Ordering::SeqCst);
        for c in self.conexoes.lock().expect("lock").drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
    }
}

/// Copies `de` → `para` on its own thread, at most `taxa` bytes/s when non-zero.
fn bombear(mut de: TcpStream, mut para: TcpStream, taxa: Arc<AtomicU64>, contador: Option<Arc<AtomicU64>>) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            let n = match de.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let t = taxa.load(Ordering::Relaxed);
            if t > 0 {
                std::thread::sleep(Duration::from_secs_f64(n as f64 / t as f64));
            }
            if let Some(c) = &contador {
                c.fetch_add(n as u64, Ordering::Relaxed);
            }
            if para.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = para.shutdown(Shutdown::Write);
    });
}

/// The address of a proxy or server as a socket address (for messages).
pub fn addr(porta: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], porta))
}
