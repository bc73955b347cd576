//! The off-site replica end to end with the real binary against real S3-protocol servers on
//! 127.0.0.1 (moto; s3s-fs when installed, which also checks signatures): a data dir of 50
//! empresas under webhook load, with real media files, rebuilt table for table and byte for
//! byte, `kill -9` in the middle of an upload (of pages, of media files), the bucket down and
//! back, wrong keys, one empresa restored at a past moment (a photo deleted since included), a
//! media file the bucket lost reported in pt-BR, and when a media file removed here may leave
//! the bucket.
//!
//! `#[ignore]`d: a fresh clone has no S3 server. `.ci/run` installs moto and s3s-fs and runs them.

use std::time::{Duration, Instant};

use crate::support::midia::arquivo;
use crate::support::replica::*;
use crate::support::s3::{Proxy, ServidorS3, BUCKET, CHAVE_ACESSO};
use crate::support::server::Client;
use crate::support::{run_bin, TestDir};

/// The real media fixtures as a customer sends them.
fn fixtures() -> Vec<(&'static str, Vec<u8>)> {
    [
        ("image", "foto.jpg"),
        ("audio", "voz.ogg"),
        ("video", "video.mp4"),
        ("document", "orcamento.pdf"),
        ("sticker", "figurinha.webp"),
    ]
    .into_iter()
    .map(|(tipo, nome)| (tipo, arquivo(nome)))
    .collect()
}

/// An admin of empresa `slug` (created through the CLI), logged in to `addr`.
fn admin(data: &std::path::Path, slug: &str) -> String {
    let email = format!("admin@{slug}.com");
    let (code, _, err) = run_bin(
        data,
        &["user", "create", "--email", &email, "--papel", "admin", "--empresa", slug],
        Some("senha-de-teste\n"),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    email
}

fn entrar(addr: std::net::SocketAddr, email: &str) -> Client {
    let mut c = Client { addr, cookie: None, forwarded_for: None };
    let r = c.post("/api/login", &serde_json::json!({"email": email, "senha": "senha-de-teste"}));
    assert_eq!(r.status, 200, "{}", r.text());
    c
}

/// Uploads a photo to a catalog item through the panel's API; returns its id.
fn enviar_foto(c: &Client, item: i64, bytes: &[u8]) -> i64 {
    let cookie = format!("helixai_sessao={}", c.cookie.clone().unwrap_or_default());
    let r = crate::support::http::request(
        c.addr,
        "POST",
        &format!("/api/catalogo/{item}/fotos"),
        &[("Cookie", &cookie), ("X-HelixAI-CSRF", "1"), ("Content-Type", "image/jpeg")],
        bytes,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_i64().expect("id")
}

/// Returns once bytes went up through the proxy during the last 300 ms (an upload in
/// progress), so the caller can kill the server mid-upload. The shipper pauses between
/// uploads (the next database's snapshot, a manifest), and one fixed window that fell in a
/// pause failed the test now and then; the windows are tried again, up to 20 s.
fn assert_subindo(proxy: &Proxy) {
    let fim = Instant::now() + Duration::from_secs(20);
    loop {
        let subiu = proxy.subiu.load(std::sync::atomic::Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(300));
        if proxy.subiu.load(std::sync::atomic::Ordering::Relaxed) > subiu {
            return;
        }
        assert!(Instant::now() < fim, "an upload is in progress");
    }
}

/// A `/metrics` gauge.
fn metrica(addr: std::net::SocketAddr, nome: &str) -> f64 {
    let m = crate::support::http::get(addr, "/metrics").text();
    m.lines()
        .find_map(|l| l.strip_prefix(nome).and_then(|v| v.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{nome} not in /metrics:\n{m}"))
}

/// Sends `n` messages spread over the empresas `0..empresas` from 4 threads; every ack is 200.
fn carga(addr: std::net::SocketAddr, empresas: usize, n: usize, rotulo: &str) {
    std::thread::scope(|s| {
        for t in 0..4 {
            s.spawn(move || {
                for k in (t..n).step_by(4) {
                    let i = k % empresas;
                    let de = format!("5511{:09}", 900_000_000 + k);
                    let st =
                        webhook(addr, &pid(i), &format!("wamid.{rotulo}.{k}"), &de, "quero um orçamento, por favor");
                    assert_eq!(st, 200, "webhook {k}");
                }
            });
        }
    });
}

fn mensagens(data: &std::path::Path, slug_idx: usize) -> usize {
    let nome = std::fs::read_dir(data.join("tenants"))
        .expect("tenants")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().ends_with(&format!("_loja_{slug_idx}.db"))))
        .expect("tenant file");
    conteudo(&nome).get("mensagens").map_or(0, |(n, _)| *n)
}

#[test]
#[ignore = "needs an S3 server: run by .ci/run"]
fn round_trip_of_50_tenants_under_load_restores_every_table_and_serve_runs_on_it() {
    let s3 = ServidorS3::moto();
    let dir = TestDir::new();
    let data = dir.data();
    let slugs = preparar(&data, 50);
    // Real media in five empresas (the same files in each: every database has its own copy in
    // the bucket) and a catalog photo; another photo arrives while the server runs.
    for slug in &slugs[..5] {
        midias_de_cliente(&data, slug, &fixtures());
    }
    let item = item_com_fotos(&data, "loja-0", &[arquivo("foto.png")]);
    let email = admin(&data, "loja-0");
    let chave = configurar(&data, &s3.endpoint(), "rt");
    let (child, addr) = serve(&data, "1s");
    let grande = jpeg_sintetico(300_000, 1);
    enviar_foto(&entrar(addr, &email), item, &grande);
    carga(addr, 50, 400, "a");
    // Shipping goes on while the load runs.
    let fim = Instant::now() + Duration::from_secs(30);
    while !s3.objetos("rt/bancos/").iter().any(|n| n.ends_with("-b")) {
        assert!(Instant::now() < fim, "no base shipped");
        std::thread::sleep(Duration::from_millis(50));
    }
    carga(addr, 50, 400, "b");
    esperar_em_dia(addr, Duration::from_secs(90));
    let h = saude(addr);
    assert!(h["replica"]["ultimo_envio_s"].as_i64().is_some(), "{h}");
    assert_eq!(h["replica"]["alerta"], false, "{h}");
    assert_eq!(h["replica"]["midias_pendentes"], 0, "{h}");
    let m = crate::support::http::get(addr, "/metrics").text();
    assert!(m.contains("helixai_replica_configured 1") && m.contains("helixai_replica_pending_databases 0"), "{m}");
    assert!(m.contains("helixai_replica_pending_media_databases 0"), "{m}");
    // 5 × 5 files, the catalog photo and the one uploaded while running: each once.
    let locais = midias(&data);
    assert_eq!(locais.len(), 27, "{:?}", locais.keys());
    let fim = Instant::now() + Duration::from_secs(40);
    while metrica(addr, "helixai_replica_media_files") != 27.0 {
        assert!(Instant::now() < fim, "media files with a copy: {}", metrica(addr, "helixai_replica_media_files"));
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(metrica(addr, "helixai_replica_media_uploads_total"), 27.0, "each file uploaded once");
    // Nothing changes, nothing is asked of the bucket (a heartbeat at most).
    let antes = metrica(addr, "helixai_replica_requests_total");
    std::thread::sleep(Duration::from_secs(3));
    assert!(metrica(addr, "helixai_replica_requests_total") - antes <= 2.0, "idle tenants cost nothing");
    parar(child);
    for i in 0..50 {
        let midia = if i < 5 { 5 } else { 0 };
        assert_eq!(mensagens(&data, i), 16 + midia, "loja-{i} got its 16 messages (and its {midia} media ones)");
    }
    // Changes were shipped as changes, not only bases.
    assert!(s3.objetos("rt/bancos/").iter().any(|n| n.contains("-d-")), "chains of changes");
    // Media objects: per database, named by a keyed hash of the content (never the SHA-256
    // itself), sealed (compressed only when it helps).
    let objetos_midia = s3.objetos("rt/midias/");
    assert_eq!(objetos_midia.len(), 27, "{objetos_midia:?}");
    for pasta_arquivo in locais.keys() {
        let (pasta, sha) = pasta_arquivo.split_once(".midia/").expect("name");
        assert!(
            objetos_midia.contains(&format!("rt/midias/{pasta}/{}", nome_no_bucket(&chave, sha))),
            "{pasta_arquivo}"
        );
        assert!(!objetos_midia.iter().any(|n| n.contains(sha)), "{sha} shown in the bucket");
    }
    let objeto_de = |bytes: &[u8]| {
        let nome = nome_no_bucket(&chave, &helixai::crypto::sha256_hex(bytes));
        s3.objeto(objetos_midia.iter().find(|n| n.ends_with(&nome)).expect("in the bucket"))
    };
    let obj = objeto_de(&grande);
    assert_eq!(&obj[..4], b"HXR0", "an incompressible photo is not run through zstd");
    assert!(!obj.windows(64).any(|w| grande.windows(64).next() == Some(w)), "no plaintext in the bucket");
    assert_eq!(&objeto_de(&arquivo("orcamento.pdf"))[..4], b"HXR1");

    let (novo, err) = restaurar_e_comparar(&data, &s3.endpoint(), "rt", &chave, &slugs, &[]);
    assert!(err.contains("[50/50]") && err.contains("helixai: ok"), "progress shown: {err}");
    assert!(err.contains("7 mídia(s)") && err.contains("5 mídia(s)"), "media in the progress: {err}");
    assert_midias_iguais(&data, &novo.data());
    assert_eq!(std::fs::read(data.join("secret.key")).ok(), std::fs::read(novo.data().join("secret.key")).ok());
    assert_eq!(std::fs::read(data.join("replica.key")).ok(), std::fs::read(novo.data().join("replica.key")).ok());

    // `helixai serve` runs the restored data dir: empresas, tenant files, webhooks; it does not
    // ship into the original's replica (no --assumir).
    let antes = s3.objetos("rt/");
    let (child, addr) = serve(&novo.data(), "1s");
    assert_eq!(saude(addr)["empresas"], 50);
    assert_eq!(webhook(addr, &pid(7), "wamid.depois", "5511900000001", "oi de novo"), 200);
    crate::support::http::esperar_journal(addr);
    let fim = Instant::now() + Duration::from_secs(20);
    while saude(addr)["replica"]["estado"] != "outra_instalacao" {
        assert!(Instant::now() < fim, "{}", saude(addr));
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(saude(addr)["replica"]["alerta"], true, "the panel warns");
    parar(child);
    assert_eq!(mensagens(&novo.data(), 7), 17);
    assert_eq!(s3.objetos("rt/"), antes, "the restored copy wrote nothing into the original's replica");
}

#[test]
#[ignore = "needs an S3 server: run by .ci/run"]
fn kill_9_mid_upload_loses_nothing_shipped_and_the_next_start_resumes() {
    let s3 = ServidorS3::moto();
    let proxy = Proxy::iniciar(s3.porta);
    let dir = TestDir::new();
    let data = dir.data();
    let slugs = preparar(&data, 6);
    {
        // Tenants large enough that an upload through a throttled link takes seconds.
        let (app, _) =
            helixai::app::App::open(helixai::config::DataDir::new(&data), helixai::config::ServerConfig::default())
                .expect("open");
        for e in app.central.empresas().expect("empresas") {
            let db = app.tenant_db(&e).expect("db");
            for k in 0..2500 {
                db.lead_upsert_wa(
                    &format!("55{:011}", 11_900_000_000u64 + k),
                    Some(&format!("Cliente {k} {}", e.slug)),
                )
                .expect("lead");
            }
        }
    }
    let chave = configurar(&data, &proxy.endpoint(), "km");
    proxy.bytes_por_s.store(40_000, std::sync::atomic::Ordering::Relaxed);
    let (child, _addr) = serve(&data, "1s");
    // Wait until some databases are in the bucket and another upload is on its way.
    let fim = Instant::now() + Duration::from_secs(120);
    let manifestos =
        |s3: &ServidorS3| s3.objetos("km/bancos/").into_iter().filter(|n| n.ends_with("/manifesto")).count();
    while manifestos(&s3) < 3 {
        assert!(Instant::now() < fim, "nothing shipped: {:?}", s3.objetos("km/"));
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_subindo(&proxy);
    kill9(child);
    let antes = s3.objetos("km/bancos/");
    let enviados: Vec<String> =
        antes.iter().filter(|n| n.ends_with("/manifesto")).map(|n| n.replace("/manifesto", "/")).collect();
    assert!(enviados.len() >= 3 && enviados.len() < 9, "{antes:?}");

    proxy.bytes_por_s.store(0, std::sync::atomic::Ordering::Relaxed);
    let (child, addr) = serve(&data, "1s");
    esperar_em_dia(addr, Duration::from_secs(90));
    parar(child);
    let depois = s3.objetos("km/bancos/");
    for prefixo in &enviados {
        let a: Vec<_> = antes.iter().filter(|n| n.starts_with(prefixo.as_str())).collect();
        let d: Vec<_> = depois.iter().filter(|n| n.starts_with(prefixo.as_str())).collect();
        let bases = |v: &[&String]| v.iter().filter(|n| n.ends_with("-b")).count();
        assert!(a.iter().all(|n| d.contains(n)), "{prefixo}: what was shipped is still there: {a:?} {d:?}");
        assert_eq!(bases(&a), bases(&d), "{prefixo}: resumed, not started over: {d:?}");
        if prefixo.contains("/empresa_") {
            // Nothing wrote to these tenants since: not even a change.
            assert_eq!(a, d, "{prefixo}");
        }
    }
    restaurar_e_comparar(&data, &s3.endpoint(), "km", &chave, &slugs, &[]);
}

#[test]
#[ignore = "needs an S3 server: run by .ci/run"]
fn kill_9_mid_media_upload_resumes_without_uploading_a_shipped_file_again() {
    let s3 = ServidorS3::moto();
    let proxy = Proxy::iniciar(s3.porta);
    let dir = TestDir::new();
    let data = dir.data();
    let slugs = preparar(&data, 3);
    // Each empresa: six photos of 150 KB that nothing compresses, and a real voice note.
    for (i, slug) in slugs.iter().enumerate() {
        let mut arquivos: Vec<(&str, Vec<u8>)> =
            (0..6).map(|k| ("image", jpeg_sintetico(150_000, (i * 10 + k) as u64))).collect();
        arquivos.push(("audio", arquivo("voz.ogg")));
        midias_de_cliente(&data, slug, &arquivos);
    }
    let total = midias(&data).len();
    assert_eq!(total, 21);
    let chave = configurar(&data, &proxy.endpoint(), "km");
    proxy.bytes_por_s.store(60_000, std::sync::atomic::Ordering::Relaxed);
    let (child, _addr) = serve(&data, "1s");
    // Some files in the bucket, more on their way.
    let fim = Instant::now() + Duration::from_secs(120);
    while s3.objetos("km/midias/").len() < 4 {
        assert!(Instant::now() < fim, "no media shipped: {:?}", s3.objetos("km/"));
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_subindo(&proxy);
    kill9(child);
    let antes = s3.etags("km/midias/");
    // What the dead server had recorded as shipped (its state file, read now).
    let estado = helixai::store::replica::EstadoReplicaDb::open(&data.join("replica.db")).expect("state");
    let mut registrados = Vec::new();
    for i in 0..3 {
        let banco = pasta_midia(&data, i).file_name().expect("name").to_string_lossy().replace(".midia", "");
        for m in estado.midias(&banco).expect("media state") {
            registrados.push(format!("km/midias/{banco}/{}", m.nome));
        }
    }
    drop(estado);
    assert!(!registrados.is_empty() && registrados.len() < total, "killed mid-way: {registrados:?}");
    assert!(registrados.iter().all(|n| antes.contains_key(n)), "recorded only after the bucket had it");

    proxy.bytes_por_s.store(0, std::sync::atomic::Ordering::Relaxed);
    let (child, addr) = serve(&data, "1s");
    esperar_em_dia(addr, Duration::from_secs(90));
    assert_eq!(metrica(addr, "helixai_replica_media_uploads_total") as usize, total - registrados.len());
    parar(child);
    let depois = s3.etags("km/midias/");
    assert_eq!(depois.len(), total, "{depois:?}");
    for n in &registrados {
        assert_eq!(antes[n], depois[n], "{n}: shipped before the kill, not uploaded again");
    }
    let (novo, _) = restaurar_e_comparar(&data, &s3.endpoint(), "km", &chave, &slugs, &[]);
    assert_midias_iguais(&data, &novo.data());

    // A file the bucket lost: the whole data dir is rebuilt all the same, the file named.
    let pasta = pasta_midia(&data, 1);
    let voz = helixai::crypto::sha256_hex(&arquivo("voz.ogg"));
    let sha = std::fs::read_dir(&pasta)
        .expect("folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| *n != voz)
        .expect("a photo");
    let banco = pasta.file_name().expect("name").to_string_lossy().replace(".midia", "");
    let perdido = format!("km/midias/{banco}/{}", nome_no_bucket(&chave, &sha));
    assert!(depois.contains_key(&perdido), "{perdido}");
    s3.apagar(&perdido);
    let outro = TestDir::new();
    let (code, out, err) = restaurar_tudo(&outro.data(), &s3.endpoint(), "km", &chave, &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("; 1 mídia(s) ausente(s)"), "{out}");
    assert!(err.contains("loja-1: ATENÇÃO: 1 de 7 arquivo(s) de mídia não vieram da réplica"), "{err}");
    assert!(err.contains(&format!("{sha} — foto da mensagem")) && err.contains("não está na réplica"), "{err}");
    assert_iguais(&data, &outro.data(), &slugs);
    let (mut a, b) = (midias(&data), midias(&outro.data()));
    a.retain(|n, _| !n.ends_with(&sha));
    assert_eq!(a, b, "every other file back");
}

#[test]
#[ignore = "needs an S3 server: run by .ci/run"]
fn bucket_down_never_blocks_webhooks_or_the_panel_and_the_replica_catches_up() {
    let s3 = ServidorS3::moto();
    let proxy = Proxy::iniciar(s3.porta);
    let dir = TestDir::new();
    let data = dir.data();
    let slugs = preparar(&data, 10);
    let (code, _, err) = run_bin(
        &data,
        &["user", "create", "--email", "root@revenda.com", "--papel", "superadmin"],
        Some("senha-de-teste\n"),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let chave = configurar(&data, &proxy.endpoint(), "dn");
    let (child, addr) = serve(&data, "1s");
    esperar_em_dia(addr, Duration::from_secs(60));
    proxy.desligar();
    carga(addr, 10, 60, "off");
    let fim = Instant::now() + Duration::from_secs(30);
    loop {
        let h = saude(addr);
        if h["replica"]["estado"] == "erro" && h["replica"]["pendentes"].as_u64().unwrap_or(0) > 0 {
            break;
        }
        assert!(Instant::now() < fim, "{h}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut c = crate::support::server::Client { addr, cookie: None, forwarded_for: None };
    let r = c.post("/api/login", &serde_json::json!({"email": "root@revenda.com", "senha": "senha-de-teste"}));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = c.get("/api/admin/replica").json();
    assert_eq!(v["situacao"]["estado"], "erro", "{v}");
    let erro = v["situacao"]["erro"].as_str().unwrap_or("");
    assert!(erro.contains("não foi possível falar com"), "{erro}");
    assert!(v["situacao"]["pendentes"].as_array().is_some_and(|p| !p.is_empty()), "{v}");
    assert!(!v.to_string().contains(crate::support::s3::SEGREDO) && !v.to_string().contains(CHAVE_ACESSO), "{v}");
    proxy.ligar();
    esperar_em_dia(addr, Duration::from_secs(90));
    parar(child);
    restaurar_e_comparar(&data, &s3.endpoint(), "dn", &chave, &slugs, &[]);
}

#[test]
#[ignore = "needs an S3 server: run by .ci/run"]
fn wrong_keys_fail_with_clear_pt_br_errors_and_write_nothing() {
    let s3 = ServidorS3::moto();
    let a = TestDir::new();
    preparar(&a.data(), 2);
    let chave = configurar(&a.data(), &s3.endpoint(), "wk");
    // A wrong replica key: refused on the key check, nothing restored.
    let errada = chave.chars().rev().collect::<String>().replace(|c: char| !c.is_ascii_hexdigit() && c != '-', "0");
    let novo = TestDir::new();
    let (code, out, err) = restaurar_tudo(&novo.data(), &s3.endpoint(), "wk", &errada, &[]);
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("a chave da réplica não confere"), "{err}");
    assert!(!novo.data().join("helixai.db").exists() && !novo.data().join("secret.key").exists());
    let (code, _, err) = restaurar_tudo(&novo.data(), &s3.endpoint(), "wk", "nao-e-uma-chave", &[]);
    assert_ne!(code, 0);
    assert!(err.contains("64 dígitos hexadecimais"), "{err}");
    // Another installation cannot configure the same prefix (its new key does not open it).
    let b = TestDir::new();
    let (code, out, err) = run_bin(
        &b.data(),
        &[
            "replica",
            "config",
            "--endpoint",
            &s3.endpoint(),
            "--bucket",
            BUCKET,
            "--prefix",
            "wk",
            "--access-key-stdin",
            "--secret-key-stdin",
        ],
        Some("AKIAOUTRA00000000000\noutro-segredo-qualquer\n"),
        &[],
    );
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("a chave da réplica não confere") && err.contains("Nada foi gravado"), "{err}");
    assert!(!b.data().join("replica.key").exists());
    // A bucket that does not exist.
    let (code, _, err) = run_bin(
        &b.data(),
        &[
            "replica",
            "config",
            "--endpoint",
            &s3.endpoint(),
            "--bucket",
            "nao-existe",
            "--access-key-stdin",
            "--secret-key-stdin",
        ],
        Some("AKIAOUTRA00000000000\noutro-segredo-qualquer\n"),
        &[],
    );
    assert_ne!(code, 0);
    assert!(err.contains("o bucket nao-existe não existe"), "{err}");

    // Wrong S3 credentials against a server that checks signatures (s3s-fs), then the round
    // trip against this second server.
    let Some(fs) = ServidorS3::s3s_fs() else { return };
    let c = TestDir::new();
    let slugs = preparar(&c.data(), 3);
    midias_de_cliente(&c.data(), "loja-0", &fixtures());
    let (code, _, err) = run_bin(
        &c.data(),
        &[
            "replica",
            "config",
            "--endpoint",
            &fs.endpoint(),
            "--bucket",
            BUCKET,
            "--access-key-stdin",
            "--secret-key-stdin",
        ],
        Some(&format!("{CHAVE_ACESSO}\nsegredo-errado\n")),
        &[],
    );
    assert_ne!(code, 0);
    assert!(err.contains("recusou as credenciais"), "{err}");
    assert!(!c.data().join("replica.key").exists());
    let chave = configurar(&c.data(), &fs.endpoint(), "helixai");
    let (child, addr) = serve(&c.data(), "1s");
    carga(addr, 3, 30, "fs");
    esperar_em_dia(addr, Duration::from_secs(60));
    parar(child);
    let (novo, _) = restaurar_e_comparar(&c.data(), &fs.endpoint(), "helixai", &chave, &slugs, &["--assumir"]);
    assert_midias_iguais(&c.data(), &novo.data());
    let midias_no_bucket: Vec<(String, Vec<u8>)> =
        fs.objetos("helixai/midias/").into_iter().map(|n| (n.clone(), fs.objeto(&n))).collect();
    assert_eq!(midias_no_bucket.len(), 5);
    // With --assumir the restored server ships to the same bucket, and knows the media files
    // are there already.
    let (child, addr) = serve(&novo.data(), "1s");
    assert_eq!(webhook(addr, &pid(1), "wamid.fs.depois", "5511900000002", "voltei"), 200);
    esperar_em_dia(addr, Duration::from_secs(60));
    assert_eq!(saude(addr)["replica"]["estado"], "ativa");
    assert_eq!(metrica(addr, "helixai_replica_media_uploads_total"), 0.0);
    parar(child);
    for (n, bytes) in &midias_no_bucket {
        assert!(fs.objeto(n) == *bytes, "{n} was not uploaded again");
    }
}

#[test]
#[ignore = "needs an S3 server: run by .ci/run"]
fn one_empresa_restored_at_a_past_moment_through_the_same_checks_as_restore() {
    let s3 = ServidorS3::moto();
    let dir = TestDir::new();
    let data = dir.data();
    preparar(&data, 2);
    let (foto_a, foto_b) = (arquivo("foto.jpg"), arquivo("foto.png"));
    let (sha_a, sha_b) = (helixai::crypto::sha256_hex(&foto_a), helixai::crypto::sha256_hex(&foto_b));
    let item = item_com_fotos(&data, "loja-0", &[foto_a.clone(), foto_b.clone()]);
    let email = admin(&data, "loja-0");
    let chave = configurar(&data, &s3.endpoint(), "pt");
    let (child, addr) = serve(&data, "1s");
    assert_eq!(webhook(addr, &pid(0), "wamid.pt.1", "5511911111111", "primeira"), 200);
    esperar_em_dia(addr, Duration::from_secs(60));
    let banco = pasta_midia(&data, 0).file_name().expect("name").to_string_lossy().replace(".midia", "");
    let objeto = |sha: &str| format!("pt/midias/{banco}/{}", nome_no_bucket(&chave, sha));
    assert!(s3.objetos("pt/midias/").contains(&objeto(&sha_a)), "{:?}", s3.objetos("pt/"));
    std::thread::sleep(Duration::from_millis(1100));
    let momento = helixai::clock::sqlite_timestamp(helixai::clock::unix_now());
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(webhook(addr, &pid(0), "wamid.pt.2", "5511911111111", "segunda"), 200);
    // The first photo is deleted: its file leaves the folder, not the bucket (the history of
    // the last 7 days still uses it).
    let mut c = entrar(addr, &email);
    let fotos = c.get(&format!("/api/catalogo/{item}/fotos")).json();
    // The first photo listed is the first added.
    let id_a = fotos[0]["id"].as_i64().unwrap_or_else(|| panic!("{fotos}"));
    let r = c.delete(&format!("/api/catalogo/{item}/fotos/{id_a}"));
    assert!(r.status == 200 || r.status == 204, "{}", r.text());
    assert!(!pasta_midia(&data, 0).join(&sha_a).exists(), "the file left the folder");
    esperar_em_dia(addr, Duration::from_secs(60));
    assert!(s3.objetos("pt/midias/").contains(&objeto(&sha_a)), "still in the bucket");
    let (code, _, err) = run_bin(&data, &["replica", "restore", "--tenant", "loja-0", "--at", &momento], None, &[]);
    assert_ne!(code, 0);
    assert!(err.contains("o servidor HelixAI está rodando"), "{err}");
    parar(child);
    assert_eq!(mensagens(&data, 0), 2);
    let (code, out, _) = run_bin(&data, &["replica", "status"], None, &[]);
    assert_eq!(code, 0);
    assert!(out.contains("Mídias com cópia: 1 arquivo(s)"), "the deleted photo no longer counts: {out}");
    let (code, out, err) =
        run_bin(&data, &["replica", "restore", "--tenant", "loja-0", "--at", &format!("{momento}Z")], None, &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("o banco anterior foi guardado em"), "{out}");
    assert_eq!(mensagens(&data, 0), 1, "the state at {momento}: only the first message");
    // The photo deleted since is back, byte for byte, from the bucket.
    assert!(out.contains("mídias: 2 usada(s) pelos dados restaurados; 1 já estava(m) aqui, 1 baixada(s)"), "{out}");
    assert_eq!(std::fs::read(pasta_midia(&data, 0).join(&sha_a)).ok(), Some(foto_a.clone()));
    assert!(!err.contains("ATENÇÃO"), "{err}");
    let guardado = std::fs::read_dir(data.join("tenants"))
        .expect("tenants")
        .flatten()
        .find(|e| e.file_name().to_string_lossy().contains("antes-da-restauracao"))
        .expect("the previous file kept aside");
    assert_eq!(conteudo(&guardado.path()).get("mensagens").map(|(n, _)| *n), Some(2));

    // A file the bucket lost (and this folder too): the rows come back, the file is named.
    s3.apagar(&objeto(&sha_b));
    std::fs::remove_file(pasta_midia(&data, 0).join(&sha_b)).expect("rm");
    let (code, out, err) =
        run_bin(&data, &["replica", "restore", "--tenant", "loja-0", "--at", &format!("{momento}Z")], None, &[]);
    assert_eq!(code, 0, "the rows are restored: {out}\n{err}");
    assert!(
        err.contains("ATENÇÃO: loja-0: 1 arquivo(s) de mídia usado(s) pelos dados restaurados não vieram da réplica"),
        "{err}"
    );
    assert!(err.contains(&format!("{sha_b} — foto do item {item} do catálogo: não está na réplica")), "{err}");
    assert_eq!(mensagens(&data, 0), 1);
    assert!(pasta_midia(&data, 0).join(&sha_a).exists() && !pasta_midia(&data, 0).join(&sha_b).exists());

    // Before the first base there is nothing to restore.
    let (code, _, err) =
        run_bin(&data, &["replica", "restore", "--tenant", "loja-0", "--at", "2001-01-01 00:00"], None, &[]);
    assert_ne!(code, 0);
    assert!(err.contains("a cópia mais antiga de empresa_1_loja_0"), "{err}");
}

#[test]
#[ignore = "needs an S3 server: run by .ci/run"]
fn a_media_file_removed_here_leaves_the_bucket_only_once_no_restorable_moment_uses_it() {
    use helixai::replica::envio::Sessao;
    use helixai::replica::formato::Banco;
    use helixai::replica::midias::{apagar_todas, expirar, sincronizar, PassoMidias};
    use helixai::store::replica::{EstadoBanco, EstadoReplicaDb};
    let s3 = ServidorS3::moto();
    let dir = TestDir::new();
    let destino = helixai::replica::s3::Destino {
        endpoint: s3.endpoint(),
        bucket: BUCKET.into(),
        regiao: "us-east-1".into(),
        prefixo: "ex".into(),
    };
    let (k, segredo) =
        (helixai::crypto::Secret::new(CHAVE_ACESSO), helixai::crypto::Secret::new(crate::support::s3::SEGREDO));
    let cliente = helixai::replica::s3::Cliente::novo(destino, &k, &segredo, Default::default()).expect("client");
    let chave = helixai::replica::ChaveReplica::gerar().expect("key");
    // No retention period: the history alone decides.
    let s = Sessao { cliente, chave: chave.clone(), retencao_dias: 0 };
    let estado = EstadoReplicaDb::open(&dir.path().join("replica.db")).expect("state");
    let banco = Banco::parse("empresa_1_loja").expect("banco");
    let pasta = dir.path().join("empresa_1_loja.midia");
    let (foto, voz) = (arquivo("foto.jpg"), arquivo("voz.ogg"));
    let (sha_foto, sha_voz) = (helixai::crypto::sha256_hex(&foto), helixai::crypto::sha256_hex(&voz));
    helixai::media::escrever_em(&pasta, &sha_foto, &foto).expect("write");
    helixai::media::escrever_em(&pasta, &sha_voz, &voz).expect("write");
    // A server stopping uploads nothing more; the files wait for the next start.
    let p = sincronizar(&s, &estado, &banco, &pasta, &|| true).expect("stopping");
    assert_eq!((p.enviados, p.restantes), (0, 2));
    assert!(s3.objetos("ex/midias/").is_empty() && estado.pasta_midia(banco.as_str()).expect("q").is_none());
    let p = sincronizar(&s, &estado, &banco, &pasta, &|| false).expect("sync");
    assert_eq!((p.enviados, p.restantes), (2, 0));
    assert!(estado.pasta_midia(banco.as_str()).expect("q").is_some(), "the folder's fingerprint, once all is shipped");
    assert_eq!(
        sincronizar(&s, &estado, &banco, &pasta, &|| false).expect("again"),
        PassoMidias::default(),
        "nothing twice"
    );
    let objeto_foto = format!("ex/{}", banco.midia(&chave.nome_de_midia(&sha_foto)));
    let base = |ms: i64| EstadoBanco {
        nome: banco.as_str().into(),
        base_ms: ms,
        ultimo_ms: ms,
        base_bytes: 1,
        cadeia_bytes: 0,
        cadeia_n: 0,
        tamanho_pagina: 4096,
        hashes: Vec::new(),
        impressao: String::new(),
        bases: vec![ms],
        enviado_ms: ms,
        removido_ms: None,
    };
    // The database's history starts before the photo is removed.
    estado.salvar(&base(helixai::clock::unix_now_ms() - 60_000)).expect("state");
    std::fs::remove_file(pasta.join(&sha_foto)).expect("rm");
    assert_eq!(sincronizar(&s, &estado, &banco, &pasta, &|| false).expect("sync").removidos, 1);
    std::thread::sleep(Duration::from_millis(5));
    assert_eq!(expirar(&s, &estado, &banco).expect("expire"), 0, "a moment before the removal still uses it");
    assert!(s3.objetos("ex/midias/").contains(&objeto_foto));
    // Back in the folder (a backup restored): no upload, no longer removed.
    helixai::media::escrever_em(&pasta, &sha_foto, &foto).expect("write");
    assert_eq!(sincronizar(&s, &estado, &banco, &pasta, &|| false).expect("sync"), PassoMidias::default());
    assert!(estado.midias(banco.as_str()).expect("q").iter().all(|m| m.removido_ms.is_none()));
    // Removed again; then a new base after the removal is the oldest the history keeps.
    std::fs::remove_file(pasta.join(&sha_foto)).expect("rm");
    sincronizar(&s, &estado, &banco, &pasta, &|| false).expect("sync");
    std::thread::sleep(Duration::from_millis(5));
    estado.salvar(&base(helixai::clock::unix_now_ms())).expect("state");
    std::thread::sleep(Duration::from_millis(5));
    assert_eq!(expirar(&s, &estado, &banco).expect("expire"), 1);
    assert_eq!(s3.objetos("ex/midias/").len(), 1, "the voice note stays");
    assert!(!s3.objetos("ex/midias/").contains(&objeto_foto));
    assert_eq!(estado.midias(banco.as_str()).expect("q").len(), 1, "the photo forgotten");
    // A purged empresa's history gone: every file of it.
    apagar_todas(&s, &estado, &banco).expect("purge");
    assert!(s3.objetos("ex/midias/").is_empty() && estado.midias(banco.as_str()).expect("q").is_empty());
}
