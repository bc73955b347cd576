//! Helpers for the Evolution (QR-code channel) tests: a server whose appliance settings point
//! at a [`FakeEvolution`], an empresa connected through it, the reference payloads in
//! `tests/fixtures/evolution/`, and a fresh `messages.upsert`.

use std::time::{SystemTime, UNIX_EPOCH};

use helixai::config::ServerConfig;
use helixai::domain::Setor;
use helixai::store::central::Empresa;
use serde_json::{json, Value};

use super::fake_evolution::{FakeEvolution, CHAVE_GLOBAL};
use super::server::TestServer;
use super::test_config;

/// A config for Evolution tests: no debounce, tiny backoff, no background workers.
pub fn config() -> ServerConfig {
    ServerConfig { bot_workers: 0, debounce_ms: 0, retry_base_ms: 5, ..test_config() }
}

/// The reference payload directory.
pub fn reference_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/evolution")
}

/// A connected empresa: (empresa, instance name, instance token, webhook URL).
pub struct Conectada {
    pub empresa: Empresa,
    pub instancia: String,
    pub token: String,
    pub webhook_url: String,
}

/// Points the appliance at the fake and connects a new empresa through it.
pub fn conectar(srv: &TestServer, fake: &FakeEvolution, slug: &str) -> Conectada {
    let publica = format!("http://{}", srv.addr);
    helixai::conexao::configurar(&srv.app, Some(&fake.base_url), Some(CHAVE_GLOBAL), Some(&publica))
        .expect("configure evolution");
    let empresa = srv.empresa(slug, Setor::Veiculos);
    let estado = helixai::conexao::conectar(&srv.app, &empresa, None).expect("connect");
    let instancia = estado.instancia.expect("instance name");
    let inst = fake.instancia(&instancia).expect("instance created in the fake");
    let empresa = srv.app.empresa(empresa.id).expect("reload empresa");
    Conectada { empresa, instancia, token: inst.token, webhook_url: inst.webhook_url }
}

/// Unix seconds now.
pub fn agora_s() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// The `data` of a fresh 2.x text upsert from `jid`.
pub fn upsert_texto(id: &str, jid: &str, texto: &str) -> Value {
    json!({
        "key": {"remoteJid": jid, "fromMe": false, "id": id},
        "pushName": "Leila Fernanda",
        "status": "DELIVERY_ACK",
        "message": {"conversation": texto},
        "messageType": "conversation",
        "messageTimestamp": agora_s(),
        "instanceId": "49e8011d-53ea-48cd-9738-3edda135eec7",
        "source": "android"
    })
}
