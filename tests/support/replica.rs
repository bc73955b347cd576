//! Helpers for the replica tests: a data dir with many empresas that receive webhooks, media
//! files stored in them the way the appliance stores them, the replica configured through the
//! real CLI, the real `helixai serve`, waiting for the replica to catch up, and a per-table
//! fingerprint (row count + checksum) and media folders to compare restores with.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use helixai::config::{DataDir, ServerConfig};
use helixai::domain::Setor;
use helixai::provision::{criar_empresa, PedidoEmpresa};
use serde_json::{json, Value};

use super::http::{get, request};
use super::s3::{CHAVE_ACESSO, SEGREDO};
use super::{run_bin, BIN};

/// The global app secret of the replica tests' servers.
pub const APP_SECRET: &str = "segredo-do-app-da-replica";

/// The phone_number_id of the i-th test empresa.
pub fn pid(i: usize) -> String {
    format!("5550000{i:05}")
}

/// Creates `n` empresas (`loja-0`...) with their phone_number_ids, setores in turn.
pub fn preparar(data: &Path, n: usize) -> Vec<String> {
    let (app, _) = helixai::app::App::open(DataDir::new(data), ServerConfig::default()).expect("open");
    let setores = [Setor::Varejo, Setor::Veiculos, Setor::Imoveis, Setor::Autopecas, Setor::Servicos];
    (0..n)
        .map(|i| {
            let slug = format!("loja-{i}");
            criar_empresa(
                &app,
                &PedidoEmpresa {
                    nome: format!("Loja {i}"),
                    slug: slug.clone(),
                    setor: setores[i % setores.len()],
                    whatsapp_phone_number_id: Some(pid(i)),
                    plano_id: None,
                },
            )
            .expect("criar empresa");
            slug
        })
        .collect()
}

/// `helixai replica config` through the binary; returns the replica key it printed once.
pub fn configurar(data: &Path, endpoint: &str, prefixo: &str) -> String {
    let (code, out, err) = run_bin(
        data,
        &[
            "replica",
            "config",
            "--endpoint",
            endpoint,
            "--bucket",
            super::s3::BUCKET,
            "--prefix",
            prefixo,
            "--access-key-stdin",
            "--secret-key-stdin",
        ],
        Some(&format!("{CHAVE_ACESSO}\n{SEGREDO}\n")),
        &[],
    );
    assert_eq!(code, 0, "replica config: {out}\n{err}");
    assert!(!out.contains(SEGREDO) && !out.contains(CHAVE_ACESSO), "keys printed: {out}");
    chave_impressa(&out).unwrap_or_else(|| panic!("replica key not printed: {out}"))
}

/// The replica key in `replica config`'s output (8 groups of 8 hex digits).
pub fn chave_impressa(out: &str) -> Option<String> {
    out.lines().map(str::trim).find(|l| l.len() == 71 && l.split('-').count() == 8).map(str::to_owned)
}

/// A running `helixai serve`, killed on drop (a failing test leaves no server behind).
pub struct Servidor(Option<Child>);

impl Drop for Servidor {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// `helixai serve` on `data` with the replica shipping every `intervalo`.
pub fn serve(data: &Path, intervalo: &str) -> (Servidor, SocketAddr) {
    let (child, addr, _) = crate::cli::spawn_serve(
        data,
        &[
            "--whatsapp-app-secret",
            APP_SECRET,
            "--replica-interval",
            intervalo,
            "--bot-workers",
            "0",
            "--backup-every",
            "0",
        ],
    );
    (Servidor(Some(child)), addr)
}

/// A signed Cloud API text message to the empresa with `pid`; returns the status.
pub fn webhook(addr: SocketAddr, pid: &str, wamid: &str, de: &str, texto: &str) -> u16 {
    let v = json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "5511999990000", "phone_number_id": pid},
            "contacts": [{"profile": {"name": "Cliente"}, "wa_id": de}],
            "messages": [{"from": de, "id": wamid, "timestamp": "1764000000", "type": "text", "text": {"body": texto}}]
        }}]}]
    });
    let body = serde_json::to_vec(&v).expect("json");
    let sig = helixai::whatsapp::sign(APP_SECRET.as_bytes(), &body);
    request(
        addr,
        "POST",
        "/webhook/whatsapp",
        &[("Content-Type", "application/json"), ("X-Hub-Signature-256", &sig)],
        &body,
    )
    .status
}

/// `/healthz` as JSON.
pub fn saude(addr: SocketAddr) -> Value {
    let r = get(addr, "/healthz");
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

/// Waits until the server applied its journal and shipped every change (replica `ativa`, no
/// database waiting, no lag).
pub fn esperar_em_dia(addr: SocketAddr, limite: Duration) {
    let fim = Instant::now() + limite;
    loop {
        let h = saude(addr);
        let r = &h["replica"];
        if r["estado"] == "ativa" && r["pendentes"] == 0 && h["journal"]["pendentes"] == 0 {
            return;
        }
        assert!(Instant::now() < fim, "a réplica não alcançou em {limite:?}: {h}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// SIGTERM and wait for a clean exit.
pub fn parar(mut s: Servidor) {
    let Some(mut child) = s.0.take() else { return };
    let st = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(st.success());
    let fim = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(s) = child.try_wait().expect("wait") {
            assert!(s.success(), "saída limpa após SIGTERM: {s:?}");
            return;
        }
        assert!(Instant::now() < fim, "o servidor não parou após SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SIGKILL.
pub fn kill9(mut s: Servidor) {
    let Some(mut child) = s.0.take() else { return };
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
}

/// Per table: (rows, SHA-256 of every row rendered as text, in key order).
pub fn conteudo(path: &Path) -> BTreeMap<String, (usize, String)> {
    helixai::store::backup::conteudo_tabelas(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .into_iter()
        .map(|(t, linhas)| {
            let texto: String = linhas.iter().map(|l| l.join("\u{1f}") + "\n").collect();
            (t, (linhas.len(), helixai::crypto::sha256_hex(texto.as_bytes())))
        })
        .collect()
}

/// `helixai replica restore --all` into `novo` through the binary.
pub fn restaurar_tudo(
    novo: &Path,
    endpoint: &str,
    prefixo: &str,
    chave: &str,
    extra: &[&str],
) -> (i32, String, String) {
    let mut args = vec![
        "replica",
        "restore",
        "--all",
        "--endpoint",
        endpoint,
        "--bucket",
        super::s3::BUCKET,
        "--prefix",
        prefixo,
        "--access-key-stdin",
        "--secret-key-stdin",
        "--replica-key-stdin",
    ];
    args.extend_from_slice(extra);
    run_bin(novo, &args, Some(&format!("{CHAVE_ACESSO}\n{SEGREDO}\n{chave}\n")), &[])
}

/// Restores the replica under `prefixo` into a new data dir (restore must succeed) and
/// asserts it equals `origem`; returns the new dir and the restore's stderr (progress).
pub fn restaurar_e_comparar(
    origem: &Path,
    endpoint: &str,
    prefixo: &str,
    chave: &str,
    slugs: &[String],
    extra: &[&str],
) -> (super::TestDir, String) {
    let novo = super::TestDir::new();
    let (code, out, err) = restaurar_tudo(&novo.data(), endpoint, prefixo, chave, extra);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_iguais(origem, &novo.data(), slugs);
    (novo, err)
}

/// Asserts that every database of `novo` equals `origem`'s (central and each tenant).
pub fn assert_iguais(origem: &Path, novo: &Path, slugs: &[String]) {
    assert_eq!(conteudo(&origem.join("helixai.db")), conteudo(&novo.join("helixai.db")), "helixai.db");
    let mut nomes: Vec<_> = std::fs::read_dir(origem.join("tenants"))
        .expect("tenants")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".db"))
        .collect();
    nomes.sort();
    assert_eq!(nomes.len(), slugs.len(), "{nomes:?}");
    for n in &nomes {
        let (a, b) = (conteudo(&origem.join("tenants").join(n)), conteudo(&novo.join("tenants").join(n)));
        assert_eq!(a, b, "{n}");
    }
}

/// Stores media files in empresa `slug` the way a download does: each one a customer's message
/// (`tipo`: image, audio, video, document, sticker) whose file is then stored. Returns each
/// file's content address.
pub fn midias_de_cliente(data: &Path, slug: &str, arquivos: &[(&str, Vec<u8>)]) -> Vec<String> {
    use helixai::store::tenant::conversas::{MidiaEntrada, NovaEntrada};
    let (app, _) = helixai::app::App::open(DataDir::new(data), ServerConfig::default()).expect("open");
    let e = app.central.empresa_por_slug(slug).expect("q").expect("empresa");
    let db = app.tenant_db(&e).expect("db");
    let acervo = helixai::media::Acervo::de(&app, &e, &db);
    arquivos
        .iter()
        .enumerate()
        .map(|(k, (tipo, bytes))| {
            let (wamid, media_id) = (format!("wamid.midia.{slug}.{k}"), format!("m-{slug}-{k}"));
            let r = db
                .registrar_entrada(&NovaEntrada {
                    wa_message_id: &wamid,
                    wa_id: "5511955550000",
                    canal: "whatsapp",
                    tipo,
                    midia_id: Some(&media_id),
                    midia: Some(MidiaEntrada { provedor: "cloud", ..MidiaEntrada::default() }),
                    agora_ms: helixai::clock::unix_now_ms(),
                    ..NovaEntrada::default()
                })
                .expect("message");
            let midia = db.midia_da_mensagem(r.mensagem_id).expect("q").expect("media row");
            let arquivo = acervo.guardar(bytes, &helixai::media::mime::do_arquivo(bytes, None, None)).expect("stored");
            db.midia_guardada(midia.id, &arquivo).expect("ready");
            acervo.conferir(&arquivo, bytes).expect("checked");
            arquivo.sha256
        })
        .collect()
}

/// A catalog item of empresa `slug` (varejo or servicos) with `fotos` as its photos; returns
/// the item's id.
pub fn item_com_fotos(data: &Path, slug: &str, fotos: &[Vec<u8>]) -> i64 {
    let (app, _) = helixai::app::App::open(DataDir::new(data), ServerConfig::default()).expect("open");
    let e = app.central.empresa_por_slug(slug).expect("q").expect("empresa");
    let db = app.tenant_db(&e).expect("db");
    let novo = helixai::catalogo::NovoItem { nome: "Camiseta".into(), ..Default::default() };
    let item = db.catalogo_criar(&novo.validar(e.setor).expect("valid")).expect("item");
    let acervo = helixai::media::Acervo::de(&app, &e, &db);
    for f in fotos {
        acervo.foto_adicionar(item.id, f, None, Some("foto.jpg")).expect("photo");
    }
    item.id.0
}

/// `n` bytes that no compressor shrinks (like a real photo's), as a JPEG as the appliance
/// sniffs it; different for each `semente`.
pub fn jpeg_sintetico(n: usize, semente: u64) -> Vec<u8> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ semente.wrapping_mul(0x2545_f491_4f6c_dd1d);
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00];
    while v.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.push((x >> 24) as u8);
    }
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
}

/// The media folder of the `i`-th test empresa (`loja-i`).
pub fn pasta_midia(data: &Path, i: usize) -> std::path::PathBuf {
    let nome = std::fs::read_dir(data.join("tenants"))
        .expect("tenants")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(&format!("_loja_{i}.db")))
        .expect("tenant file");
    data.join("tenants").join(nome.replace(".db", ".midia"))
}

/// Every media file of a data dir: `<folder>/<sha256>` → bytes.
pub fn midias(data: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut v = BTreeMap::new();
    for pasta in std::fs::read_dir(data.join("tenants")).expect("tenants").flatten() {
        let nome = pasta.file_name().to_string_lossy().into_owned();
        if !nome.ends_with(".midia") {
            continue;
        }
        for f in std::fs::read_dir(pasta.path()).expect("media folder").flatten() {
            let arquivo = f.file_name().to_string_lossy().into_owned();
            v.insert(format!("{nome}/{arquivo}"), std::fs::read(f.path()).expect("media file"));
        }
    }
    v
}

/// Asserts that the restored data dir `novo` has every media file of `origem`, byte for byte,
/// and no other.
pub fn assert_midias_iguais(origem: &Path, novo: &Path) {
    let (a, b) = (midias(origem), midias(novo));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "the same media files");
    for (nome, bytes) in &a {
        assert!(b[nome] == *bytes, "{nome}: restored bytes differ");
        let sha = nome.rsplit('/').next().unwrap_or("");
        assert_eq!(helixai::crypto::sha256_hex(bytes), sha, "{nome}");
    }
}

/// The bucket name of a media file (`<banco>/<name>` under `midias/`), from the replica key
/// `replica config` printed.
pub fn nome_no_bucket(chave: &str, sha256: &str) -> String {
    helixai::replica::ChaveReplica::de_texto(chave).expect("replica key").nome_de_midia(sha256)
}

/// The binary, for commands run with a custom environment.
pub fn bin() -> &'static str {
    BIN
}
