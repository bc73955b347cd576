//! Helpers for webhook and pipeline tests: Meta's real payloads from
//! `tests/fixtures/whatsapp/`, rewritten for the test empresa and signed; an empresa
//! with its WhatsApp channel (and optionally an LLM) configured; waiting for the fake Graph.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use helixai::app::App;
use helixai::catalogo::NovoItem;
use helixai::config::ServerConfig;
use helixai::crypto::Secret;
use helixai::domain::Setor;
use helixai::provision::{criar_empresa, PedidoEmpresa};
use helixai::store::central::{AlteraEmpresa, BotAlteracao, Empresa, NovoPlano, WhatsappAlteracao};
use helixai::store::tenant::TenantDb;
use serde_json::{json, Value};

use super::fake_graph::{FakeGraph, Recorded};
use super::http::{request, Resp};
use super::test_config;

/// The global app secret every pipeline test server uses.
pub const APP_SECRET: &str = "segredo-do-app-de-teste";
/// The WhatsApp token of the test empresas.
pub const TOKEN: &str = "EAAG-token-da-empresa-de-teste";
/// The test empresa's business number id.
pub const PID: &str = "106540352242922";
/// The tools of the veiculos template, as the model must see them.
pub const FERRAMENTAS_VEICULOS: [&str; 6] = [
    "buscar_veiculos",
    "detalhes_item",
    "consultar_horarios",
    "agendar_visita",
    "registrar_lead",
    "transferir_para_humano",
];

/// The tools of every other setor's template (`buscar_produtos` instead of `buscar_veiculos`).
pub const FERRAMENTAS_PRODUTOS: [&str; 6] = [
    "buscar_produtos",
    "detalhes_item",
    "consultar_horarios",
    "agendar_visita",
    "registrar_lead",
    "transferir_para_humano",
];

/// The reference payload directory.
pub fn reference_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/whatsapp")
}

/// A reference payload as JSON.
pub fn fixture(name: &str) -> Value {
    let path = reference_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Rewrites every `value.metadata.phone_number_id` of an envelope.
pub fn with_pid(mut v: Value, pid: &str) -> Value {
    if let Some(entries) = v["entry"].as_array_mut() {
        for entry in entries {
            if let Some(changes) = entry["changes"].as_array_mut() {
                for change in changes {
                    if change["value"]["metadata"].is_object() {
                        change["value"]["metadata"]["phone_number_id"] = json!(pid);
                    }
                }
            }
        }
    }
    v
}

/// An inbound text envelope (built from `text.json`) with its own wamid, sender and text.
pub fn text_envelope(pid: &str, wamid: &str, from: &str, body: &str) -> Value {
    let mut v = with_pid(fixture("text.json"), pid);
    let value = &mut v["entry"][0]["changes"][0]["value"];
    value["contacts"][0]["wa_id"] = json!(from);
    let msg = &mut value["messages"][0];
    msg["id"] = json!(wamid);
    msg["from"] = json!(from);
    msg["text"]["body"] = json!(body);
    v
}

/// A status envelope (built from `status_delivered.json`) for one of our wamids.
pub fn status_envelope(pid: &str, wamid: &str, status: &str) -> Value {
    let mut v = with_pid(fixture("status_delivered.json"), pid);
    let st = &mut v["entry"][0]["changes"][0]["value"]["statuses"][0];
    st["id"] = json!(wamid);
    st["status"] = json!(status);
    v
}

/// POSTs raw bytes signed with `secret` (no signature header when `None`); after a 200, waits
/// until the server applied what it journaled.
pub fn post_signed(addr: SocketAddr, body: &[u8], secret: Option<&str>) -> Resp {
    let sig = secret.map(|s| helixai::whatsapp::sign(s.as_bytes(), body));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(sig) = &sig {
        headers.push(("X-Hub-Signature-256", sig.as_str()));
    }
    let r = request(addr, "POST", "/webhook/whatsapp", &headers, body);
    if r.status == 200 {
        super::http::esperar_journal(addr);
    }
    r
}

/// POSTs a JSON envelope signed with the global test secret; asserts 200.
pub fn post_ok(addr: SocketAddr, v: &Value) {
    let body = serde_json::to_vec(v).expect("json");
    let r = post_signed(addr, &body, Some(APP_SECRET));
    assert_eq!(r.status, 200, "{}", r.text());
}

/// A config for pipeline tests: the global app secret, the fake Graph, tiny backoff, no
/// debounce and no background workers (tests call `jobs::run_once`).
pub fn pipeline_config(graph: &FakeGraph) -> ServerConfig {
    ServerConfig {
        whatsapp_app_secret: Some(Secret::new(APP_SECRET)),
        whatsapp_verify_token: Some(Secret::new("token-de-verificacao")),
        graph_api_url: graph.base_url.clone(),
        bot_workers: 0,
        debounce_ms: 0,
        retry_base_ms: 5,
        max_body_bytes: 64 * 1024,
        ..test_config()
    }
}

/// LLM settings to give an empresa.
pub struct Llm<'a> {
    pub base_url: &'a str,
    pub modelo: &'a str,
    pub key: &'a str,
}

/// Creates an empresa with a WhatsApp channel (`pid`, [`TOKEN`]) and optionally an LLM.
pub fn empresa_com_canal(app: &App, slug: &str, setor: Setor, pid: &str, llm: Option<Llm<'_>>) -> Empresa {
    let e = criar_empresa(
        app,
        &PedidoEmpresa {
            nome: format!("Loja {slug}"),
            slug: slug.into(),
            setor,
            whatsapp_phone_number_id: None,
            plano_id: None,
        },
    )
    .expect("create empresa");
    let wa = WhatsappAlteracao {
        phone_number_id: Some(Some(pid.into())),
        token_cifrado: Some(Some(app.key.encrypt(TOKEN).expect("encrypt"))),
        ..WhatsappAlteracao::default()
    };
    app.central.empresa_definir_whatsapp(e.id, &wa).expect("set channel");
    if let Some(l) = llm {
        let bot = BotAlteracao {
            llm_base_url: Some(Some(l.base_url.into())),
            llm_modelo: Some(Some(l.modelo.into())),
            llm_api_key_cifrada: Some(Some(app.key.encrypt(l.key).expect("encrypt"))),
            ..BotAlteracao::default()
        };
        app.central.empresa_definir_bot(e.id, &bot).expect("set llm");
    }
    app.empresa(e.id).expect("reload")
}

/// Puts the empresa on a new plano allowing `limite` "mensagens do mês".
pub fn dar_plano(app: &App, e: &Empresa, limite: i64) {
    let plano = app
        .central
        .plano_criar(&NovoPlano {
            nome: format!("Plano de {limite}"),
            preco_centavos: 1000,
            limite_mensagens_mes: Some(limite),
            limite_usuarios: None,
            limite_itens_catalogo: None,
            limite_midia_mb: None,
            ativo: true,
        })
        .expect("plano");
    app.central
        .empresa_atualizar(e.id, &AlteraEmpresa { plano_id: Some(Some(plano.id)), ..AlteraEmpresa::default() })
        .expect("assign plano");
}

/// Adds a vehicle to a veiculos empresa's catalog.
pub fn add_veiculo(db: &TenantDb, marca: &str, modelo: &str, ano: i64, preco_centavos: i64) {
    let item = NovoItem {
        nome: format!("{marca} {modelo} {ano}"),
        descricao: format!("{marca} {modelo} revisado"),
        preco_centavos: Some(preco_centavos),
        disponivel: true,
        atributos: json!({"marca": marca, "modelo": modelo, "ano": ano, "km": 40000, "cambio": "automatico"})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        ..NovoItem::default()
    };
    db.catalogo_criar(&item.validar(Setor::Veiculos).expect("valid item")).expect("insert item");
}

/// The text sends (not mark-as-read calls) the fake Graph received.
pub fn sends(graph: &FakeGraph) -> Vec<Recorded> {
    graph.requests().into_iter().filter(|r| r.body["type"] == "text").collect()
}

/// Waits until the fake Graph has received at least `n` text sends.
pub fn wait_sends(graph: &FakeGraph, n: usize, timeout: Duration) -> Vec<Recorded> {
    let deadline = Instant::now() + timeout;
    loop {
        let s = sends(graph);
        if s.len() >= n || Instant::now() > deadline {
            return s;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
