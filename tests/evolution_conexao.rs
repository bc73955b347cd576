//! Pairing by QR code: the reseller's Evolution settings, connecting from the panel API (create,
//! QR + pairing code, refresh, reconnect, state from the webhook, disconnect, delete), the
//! superadmin's view, secrets never returned; and `helixai tenant connect` in the shell.

use helixai::domain::{Papel, Setor};
use serde_json::json;

use crate::support::evolution::config;
use crate::support::fake_evolution::{FakeEvolution, CHAVE_GLOBAL};
use crate::support::server::TestServer;
use crate::support::{run_bin, TestDir};

#[test]
fn connecting_from_the_panel_shows_a_qr_until_paired_then_disconnects_and_deletes() {
    let fake = FakeEvolution::start();
    let srv = TestServer::start_with(config());
    srv.usuario("root@revenda.com", Papel::Superadmin, None);
    let empresa = srv.empresa("auto-center", Setor::Autopecas);
    srv.usuario("dono@autocenter.com", Papel::Admin, Some(&empresa));
    srv.usuario("atendente@autocenter.com", Papel::Atendente, Some(&empresa));
    let mut dono = srv.login("dono@autocenter.com");
    // Nothing configured yet: a clear 409.
    let r = dono.post("/api/whatsapp/conectar", &json!({}));
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(r.json()["erro"]["codigo"], "evolution_nao_configurado", "{}", r.text());
    // The reseller configures the Evolution server; the key is write-only.
    let mut root = srv.login("root@revenda.com");
    let publica = format!("http://{}", srv.addr);
    let r =
        root.put("/api/admin/evolution", &json!({"url": fake.base_url, "chave": CHAVE_GLOBAL, "url_publica": publica}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!r.text().contains(CHAVE_GLOBAL), "the global key is never returned");
    assert_eq!(r.json()["configurado"], true);
    assert_eq!(root.put("/api/admin/evolution", &json!({"url": "ftp://x"})).status, 400);
    assert_eq!(r.json()["url_publica_efetiva"], publica);
    // `""` clears the public URL: the server's own address is used instead.
    let limpa = root.put("/api/admin/evolution", &json!({"url_publica": ""})).json();
    assert!(limpa["url_publica"].is_null());
    assert_eq!(limpa["url_publica_efetiva"], format!("http://{}", srv.app.config.bind));
    assert_eq!(root.put("/api/admin/evolution", &json!({"url_publica": publica})).status, 200);
    // An attendant cannot connect; the admin can, with a number for a pairing code.
    let mut atendente = srv.login("atendente@autocenter.com");
    assert_eq!(atendente.post("/api/whatsapp/conectar", &json!({})).status, 403);
    let r = dono.post("/api/whatsapp/conectar", &json!({"numero": "+55 (11) 98888-7777"}));
    assert_eq!(r.status, 200, "{}", r.text());
    let e = r.json();
    assert_eq!(e["canal"], "evolution");
    assert_eq!(e["estado"], "conectando");
    assert_eq!(e["qr_code"], "2@FAKEQR1");
    assert_eq!(e["pairing_code"], "PAIR0001");
    let instancia = e["instancia"].as_str().expect("instance name").to_owned();
    assert!(instancia.starts_with("helixai-") && instancia.ends_with("-auto-center"), "{instancia}");
    let inst = fake.instancia(&instancia).expect("created in the fake");
    assert_eq!(inst.number.as_deref(), Some("5511988887777"));
    assert!(inst.webhook_url.starts_with(&format!("{publica}/webhook/evolution/")), "{}", inst.webhook_url);
    assert!(inst.webhook_headers.iter().any(|(k, v)| k == "x-helixai-token" && *v == inst.token));
    let segredo = inst.webhook_url.rsplit('/').next().expect("secret").to_owned();
    for body in [r.text(), dono.get("/api/whatsapp").text(), dono.get("/api/whatsapp/conexao").text()] {
        assert!(!body.contains(&inst.token) && !body.contains(&segredo), "secrets must not be returned: {body}");
    }
    // The QR as an image.
    let qr = dono.get("/api/whatsapp/qr.svg");
    assert_eq!(qr.status, 200);
    assert_eq!(qr.header("content-type"), Some("image/svg+xml"));
    assert!(qr.text().contains("<svg"));
    // Refresh: a new QR (they rotate).
    let r = dono.get("/api/whatsapp/conexao?atualizar=1");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["qr_code"], "2@FAKEQR2");
    // Connecting again reuses the instance (no second create) and keeps the webhook secret.
    let r = dono.post("/api/whatsapp/conectar", &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    let creates = fake.requests().iter().filter(|r| r.path == "/instance/create").count();
    assert_eq!(creates, 1);
    assert_eq!(fake.instancia(&instancia).expect("still there").webhook_url, inst.webhook_url);
    // The phone scans: Evolution tells us through the webhook.
    let open = json!({"instance": instancia, "state": "open", "statusReason": 200, "wuid": "5511988887777@s.whatsapp.net", "profileName": "Auto Center"});
    assert_eq!(fake.emitir(&instancia, "connection.update", open), 200);
    let e = dono.get("/api/whatsapp/conexao").json();
    assert_eq!((e["estado"].as_str(), e["numero"].as_str()), (Some("conectado"), Some("5511988887777")));
    assert_eq!(dono.get("/api/whatsapp/qr.svg").status, 404, "no QR once paired");
    // A refresh that raced the `open` webhook cannot bring a stale QR back.
    srv.app.central.evolution_registrar_qr(empresa.id, Some("2@ATRASADO"), None).expect("late qr");
    let e = dono.get("/api/whatsapp/conexao").json();
    assert_eq!((e["estado"].as_str(), e["qr_code"].as_str()), (Some("conectado"), None));
    // The superadmin sees every connection.
    let adm = root.get("/api/admin/evolution").json();
    let linha = &adm["instancias"][0];
    assert_eq!((linha["instancia"].as_str(), linha["estado"].as_str()), (Some(instancia.as_str()), Some("conectado")));
    assert_eq!(linha["empresa_nome"], "Empresa auto-center");
    assert!(!root.get("/api/admin/evolution").text().contains(&inst.token));
    let via_admin = root.get(&format!("/api/admin/empresas/{}/whatsapp/conexao", empresa.id.0));
    assert_eq!(via_admin.json()["estado"], "conectado", "{}", via_admin.text());
    // Disconnect (logout on Evolution), then delete the instance.
    let r = dono.post("/api/whatsapp/desconectar", &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["estado"], "desconectado");
    assert!(r.json()["qr_code"].is_null(), "no QR to scan while disconnected");
    assert_eq!(dono.get("/api/whatsapp/qr.svg").status, 404);
    assert_eq!(fake.instancia(&instancia).expect("kept").state, "close");
    // The channel can be switched back by hand; an unknown one is refused.
    assert_eq!(dono.put("/api/whatsapp", &json!({"canal": "cloud"})).json()["canal"], "cloud");
    assert_eq!(dono.put("/api/whatsapp", &json!({"canal": "telegram"})).status, 400);
    let r = dono.delete("/api/whatsapp/conexao");
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(fake.instancia(&instancia).is_none(), "deleted on the Evolution server");
    assert!(r.json()["instancia"].is_null());
    // Every step was audited.
    let audit = root.get("/api/admin/auditoria?limite=100").text();
    for acao in ["evolution.configurar", "whatsapp.conectar", "whatsapp.desconectar", "whatsapp.excluir_instancia"] {
        assert!(audit.contains(acao), "{acao} missing from the audit log");
    }
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[test]
fn an_instance_deleted_on_the_server_is_created_again_and_the_old_hash_shape_is_read() {
    let fake = FakeEvolution::start();
    fake.hash_como_objeto();
    let srv = TestServer::start_with(config());
    let c = crate::support::evolution::conectar(&srv, &fake, "loja-recria");
    // Someone deleted it on the Evolution side.
    assert!(helixai::conexao::excluir(&srv.app, &c.empresa).is_ok());
    let e = helixai::conexao::conectar(&srv.app, &c.empresa, None).expect("connect again");
    assert_eq!(e.instancia.as_deref(), Some(c.instancia.as_str()));
    let inst = fake.instancia(&c.instancia).expect("recreated");
    // The token parsed from `hash.apikey` works for the webhook.
    let up = crate::support::evolution::upsert_texto("3ARECRIA", "5511987654321@s.whatsapp.net", "oi");
    assert_eq!(fake.emitir(&c.instancia, "messages.upsert", up), 200);
    assert_ne!(inst.webhook_url, c.webhook_url, "a deleted instance gets a new webhook secret");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[test]
fn tenant_connect_in_the_shell_prints_the_qr_and_waits_until_paired() {
    let fake = FakeEvolution::start();
    let dir = TestDir::new();
    let data = dir.data();
    let (code, _, err) = run_bin(
        &data,
        &["tenant", "create", "--nome", "Imob Sol", "--slug", "imob-sol", "--setor", "imoveis"],
        None,
        &[],
    );
    assert_eq!(code, 0, "{err}");
    // Not configured: a clear pt-BR error.
    let (code, _, err) = run_bin(&data, &["tenant", "connect", "imob-sol", "--sem-esperar"], None, &[]);
    assert_ne!(code, 0);
    assert!(err.contains("Evolution"), "{err}");
    // Key from stdin; never printed back.
    let (code, out, err) = run_bin(
        &data,
        &["evolution", "config", "--url", &fake.base_url, "--public-url", "http://127.0.0.1:9", "--key-stdin"],
        Some(&format!("{CHAVE_GLOBAL}\n")),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains(CHAVE_GLOBAL) && out.contains(&fake.base_url), "{out}");
    // Connect, refreshing every second; the phone scans after the second refresh.
    fake.abrir_apos(2);
    let (code, out, err) = run_bin(
        &data,
        &["tenant", "connect", "imob-sol", "--numero", "5521977776666", "--intervalo", "1", "--timeout", "30"],
        None,
        &[("RUST_LOG", "debug")],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains('█') || out.contains('▀') || out.contains('▄'), "the QR is drawn as text:\n{out}");
    assert!(out.contains("PAIR0001"), "the pairing code is printed:\n{out}");
    assert!(out.contains("QR Code novo"), "the refreshed QR is printed:\n{out}");
    assert!(out.contains("Conectado"), "{out}");
    let inst = fake.instancias();
    assert_eq!(inst.len(), 1);
    let criada = fake.instancia(&inst[0]).expect("instance");
    let segredo = criada.webhook_url.rsplit('/').next().expect("secret").to_owned();
    for s in [criada.token.as_str(), segredo.as_str(), CHAVE_GLOBAL] {
        assert!(!out.contains(s) && !err.contains(s), "a secret was printed or logged (RUST_LOG=debug):\n{err}");
    }
    // Disconnect from the shell.
    let (code, _, err) = run_bin(&data, &["tenant", "disconnect", "imob-sol"], None, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(fake.instancia(&inst[0]).expect("kept").state, "close");
    // The channel: connecting chose evolution; `tenant set --canal` goes back to the Cloud API.
    let canal = |data: &std::path::Path| {
        let (app, _) =
            helixai::app::App::open(helixai::config::DataDir::new(data), helixai::config::ServerConfig::default())
                .expect("open data dir");
        app.central.empresa_por_slug("imob-sol").expect("q").expect("empresa").whatsapp_canal
    };
    assert_eq!(canal(&data), helixai::domain::Canal::Evolution);
    let (code, _, err) = run_bin(&data, &["tenant", "set", "imob-sol", "--canal", "cloud"], None, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(canal(&data), helixai::domain::Canal::Cloud);
    let (code, _, err) = run_bin(&data, &["tenant", "set", "imob-sol", "--canal", "sms"], None, &[]);
    assert_ne!(code, 0);
    assert!(err.contains("canal"), "{err}");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}
