//! Helpers for the media tests: the real media files kept in `tests/fixtures/media/` (a
//! JPEG, an Ogg/Opus voice note, an MP4, a PDF, a WebP sticker), Meta's media webhook
//! payloads copied into `tests/fixtures/whatsapp/`, and running the workers until every job
//! of a tenant settled (retries included).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use helixai::app::App;
use helixai::store::central::Empresa;
use serde_json::{json, Value};

use super::whatsapp::with_pid;

/// A media file of `tests/fixtures/media/`.
pub fn arquivo(nome: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/media").join(nome);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A payload of `tests/fixtures/<pasta>/`.
pub fn payload(pasta: &str, nome: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(pasta).join(nome);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{nome}: {e}"))
}

/// Meta's media webhook `fixture` (image.json, audio_voice.json, document.json, sticker.json)
/// for `pid`, with its own wamid, sender and media id.
pub fn envelope_midia(fixture: &str, pid: &str, wamid: &str, from: &str, media_id: &str) -> Value {
    let mut v = with_pid(payload("whatsapp", fixture), pid);
    let value = &mut v["entry"][0]["changes"][0]["value"];
    value["contacts"][0]["wa_id"] = json!(from);
    let msg = &mut value["messages"][0];
    msg["id"] = json!(wamid);
    msg["from"] = json!(from);
    let tipo = msg["type"].as_str().expect("type").to_owned();
    msg[&tipo]["id"] = json!(media_id);
    v
}

/// The media folder of an empresa.
pub fn pasta_midia(app: &App, e: &Empresa) -> PathBuf {
    helixai::store::tenants::midia_dir(&app.data.tenants(), &e.database_name)
}

/// The file names in a folder (none if it does not exist), sorted.
pub fn arquivos_em(dir: &Path) -> Vec<String> {
    let mut nomes: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    nomes.sort();
    nomes
}

/// Runs the workers (`jobs::run_once`) until the empresa has no pending or executing job,
/// waiting out retry backoffs (tests use a few ms); panics after 20 s.
pub fn rodar_ate_assentar(app: &std::sync::Arc<App>, e: &Empresa) {
    let db = app.tenant_db(e).expect("db");
    let limite = Instant::now() + Duration::from_secs(20);
    loop {
        helixai::jobs::run_once(app).expect("run");
        if db.jobs_ativos_total().expect("jobs") == 0 {
            return;
        }
        assert!(Instant::now() < limite, "jobs não assentaram: {:?}", db.jobs_resumo());
        std::thread::sleep(Duration::from_millis(20));
    }
}
