//! The off-site replica without a bucket: what marks a tenant as changed (its rows, its media
//! folder), and the clear pt-BR refusals of `helixai replica` when the bucket cannot be used. The round trips
//! against real S3-protocol servers are in `replica_s3.rs` (`#[ignore]`d, run by `.ci/run`).

use helixai::domain::{Papel, Setor};

use crate::support::server::TestServer;
use crate::support::{run_bin, TestDir};

#[test]
fn a_tenant_that_commits_is_marked_for_the_replica_and_one_that_only_reads_is_not() {
    let s = TestServer::start();
    let a = s.empresa("loja-a", Setor::Varejo);
    let b = s.empresa("loja-b", Setor::Varejo);
    s.app.tenants.alteracoes().tomar();
    let db_a = s.app.tenant_db(&a).expect("a");
    let db_b = s.app.tenant_db(&b).expect("b");
    // Reads (and opening the file) mark nothing.
    db_b.integrity_check().expect("integrity");
    db_b.meta().expect("meta");
    db_a.lead_upsert_wa("5511988887777", Some("Cliente")).expect("lead");
    let marcadas: Vec<_> = s.app.tenants.alteracoes().tomar().into_iter().map(|(id, _)| id).collect();
    assert_eq!(marcadas, vec![a.id], "only the tenant that committed");
    db_b.meta().expect("meta");
    assert!(s.app.tenants.alteracoes().tomar().is_empty(), "a mark is taken once");
}

#[test]
fn a_media_file_stored_or_removed_through_the_panel_marks_its_empresa_and_serving_it_does_not() {
    let s = TestServer::start();
    let a = s.empresa("loja-a", Setor::Varejo);
    let _outra = s.empresa("loja-b", Setor::Varejo);
    s.usuario("admin@loja-a.com", Papel::Admin, Some(&a));
    let db = s.app.tenant_db(&a).expect("db");
    let novo = helixai::catalogo::NovoItem { nome: "Camiseta".into(), ..Default::default() };
    let item = db.catalogo_criar(&novo.validar(Setor::Varejo).expect("valid")).expect("item");
    s.app.tenants.alteracoes().tomar_midias();
    let c = s.login("admin@loja-a.com");
    let foto = crate::support::midia::arquivo("foto.jpg");
    let cookie = format!("helixai_sessao={}", c.cookie.clone().unwrap_or_default());
    let r = crate::support::http::request(
        s.addr,
        "POST",
        &format!("/api/catalogo/{}/fotos", item.id.0),
        &[("Cookie", &cookie), ("X-HelixAI-CSRF", "1"), ("Content-Type", "image/jpeg")],
        &foto,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let foto_id = r.json()["id"].as_i64().expect("id");
    let marcadas =
        |s: &TestServer| s.app.tenants.alteracoes().tomar_midias().into_iter().map(|(id, _)| id).collect::<Vec<_>>();
    assert_eq!(marcadas(&s), vec![a.id], "only the empresa whose folder got a file");
    // Serving it reads the file: no mark.
    let mut c = c;
    let r = c.get(&format!("/api/midias/{foto_id}"));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(marcadas(&s).is_empty(), "a read marks nothing");
    let r = c.delete(&format!("/api/catalogo/{}/fotos/{foto_id}", item.id.0));
    assert!(r.status == 200 || r.status == 204, "{}", r.text());
    assert!(!crate::support::midia::pasta_midia(&s.app, &a).join(helixai::crypto::sha256_hex(&foto)).exists());
    assert_eq!(marcadas(&s), vec![a.id], "a file removed marks its empresa too");
}

#[test]
fn config_against_an_unreachable_bucket_fails_in_pt_br_and_writes_nothing() {
    let dir = TestDir::new();
    let data = dir.data();
    // Port 9 on loopback: connection refused at once.
    let (code, out, err) = run_bin(
        &data,
        &[
            "replica",
            "config",
            "--endpoint",
            "http://127.0.0.1:9",
            "--bucket",
            "backups",
            "--access-key-stdin",
            "--secret-key-stdin",
        ],
        Some("AKIAXXXXXXXXXXXX\nsegredo-muito-secreto\n"),
        &[],
    );
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("não foi possível falar com http://127.0.0.1:9"), "{err}");
    assert!(!err.contains("segredo-muito-secreto") && !out.contains("segredo-muito-secreto"));
    assert!(!data.join("replica.key").exists(), "no key written");
    let (code, out, _) = run_bin(&data, &["replica", "status"], None, &[]);
    assert_eq!(code, 0);
    assert!(out.contains("desligada"), "{out}");
    // Bad input is refused before any network call.
    let (code, _, err) = run_bin(
        &data,
        &[
            "replica",
            "config",
            "--endpoint",
            "s3.amazonaws.com",
            "--bucket",
            "b",
            "--access-key-stdin",
            "--secret-key-stdin",
        ],
        Some("a\nb\n"),
        &[],
    );
    assert_ne!(code, 0);
    assert!(err.contains("o endpoint deve ser uma URL http(s)://"), "{err}");
    let (code, _, err) = run_bin(&data, &["replica", "restore", "--tenant", "x", "--at", "ontem"], None, &[]);
    assert_ne!(code, 0);
    assert!(err.contains("momento inválido"), "{err}");
}

#[test]
fn the_panel_and_healthz_show_the_replica_off_until_configured() {
    let s = TestServer::start();
    s.usuario("root@revenda.com", Papel::Superadmin, None);
    let mut c = s.login("root@revenda.com");
    let r = c.get("/api/admin/replica");
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["configurada"], false);
    assert_eq!(v["situacao"]["estado"], "desligada");
    assert_eq!(v["alerta"], false);
    assert_eq!((v["situacao"]["midias_pendentes"].as_u64(), v["midias_atraso_s"].as_i64()), (Some(0), Some(0)), "{v}");
    let h = crate::support::http::get(s.addr, "/healthz").json();
    assert_eq!(h["replica"]["estado"], "desligada");
    assert_eq!(
        (h["replica"]["midias_pendentes"].as_u64(), h["replica"]["midias_atraso_s"].as_i64()),
        (Some(0), Some(0))
    );
    let r = c.put(
        "/api/admin/replica",
        &serde_json::json!({"endpoint": "http://127.0.0.1:9", "bucket": "backups",
        "chave_acesso": "AKIAXXXXXXXXXXXX", "segredo": "segredo-muito-secreto"}),
    );
    assert_eq!(r.status, 502, "{}", r.text());
    assert!(r.json()["erro"]["mensagem"].as_str().unwrap_or("").contains("não foi possível falar com"), "{}", r.text());
    assert_eq!(c.get("/api/admin/replica").json()["configurada"], false, "nothing saved");
    let m = crate::support::http::get(s.addr, "/metrics").text();
    assert!(m.contains("helixai_replica_configured 0"), "{m}");
    assert!(m.contains("helixai_replica_lag_seconds{banco=\"midias\"} 0.000"), "{m}");
    assert!(
        m.contains("helixai_replica_media_files 0") && m.contains("helixai_replica_pending_media_databases 0"),
        "{m}"
    );
}
