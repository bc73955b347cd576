//! Media customers send through the Cloud API, end to end: webhook (nothing downloaded there)
//! → media job → `GET /{media-id}` → short-lived URL → download with the empresa's token →
//! sniffed, stored per tenant, served only to that empresa's sessions; retries that ask for a
//! fresh URL, the per-file cap and the plano's quota.

use helixai::crypto::sha256_hex;
use helixai::domain::{Papel, Setor};
use helixai::store::central::{AlteraEmpresa, NovoPlano};
use helixai::store::tenant::midias::MidiaResumo;
use serde_json::json;

use crate::support::fake_graph::FakeGraph;
use crate::support::midia::*;
use crate::support::server::TestServer;
use crate::support::whatsapp::*;

const CLIENTE: &str = "5511988887777";
const FOTO_ID: &str = "1003383421387256";

fn mensagens(c: &mut crate::support::server::Client, base: &str, conversa: i64) -> Vec<serde_json::Value> {
    let r = c.get(&format!("{base}/conversas/{conversa}/mensagens"));
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["itens"].as_array().expect("itens").clone()
}

#[test]
fn a_photo_is_fetched_by_id_then_url_stored_per_tenant_and_served_only_to_its_empresa() {
    let graph = FakeGraph::start(TOKEN);
    let foto = arquivo("foto.jpg");
    graph.add_midia(FOTO_ID, "image/jpeg", &foto);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let a = empresa_com_canal(&srv.app, "loja-a", Setor::Varejo, PID, None);
    let b = srv.empresa("loja-b", Setor::Varejo);
    srv.usuario("ana@a.com", Papel::Atendente, Some(&a));
    srv.usuario("bia@b.com", Papel::Atendente, Some(&b));
    srv.usuario("root@revenda.com", Papel::Superadmin, None);

    post_ok(srv.addr, &envelope_midia("image.json", PID, "wamid.FOTO1", CLIENTE, FOTO_ID));
    // The webhook stored the message and queued the download; it fetched nothing itself.
    assert!(graph.requests().is_empty(), "nothing downloaded on the webhook thread");
    let db = srv.app.tenant_db(&a).expect("db");
    let m = db.mensagem_por_wa_id("wamid.FOTO1").expect("q").expect("stored before any download");
    assert_eq!((m.tipo.as_str(), m.texto.as_deref()), ("image", Some("[imagem] Taj Mahal")));
    let midia = db.midia_da_mensagem(m.id).expect("q").expect("media row");
    assert_eq!((midia.estado.as_str(), midia.origem.as_str()), ("pendente", "cloud"));

    rodar_ate_assentar(&srv.app, &a);
    assert_eq!(graph.violations(), Vec::<String>::new());
    let gets = graph.midia_gets();
    assert_eq!(gets, vec![format!("/v25.0/{FOTO_ID}?phone_number_id={PID}"), format!("/baixar/{FOTO_ID}?ext=1")]);
    let auth = format!("Bearer {TOKEN}");
    assert!(graph.requests().iter().filter(|r| r.method == "GET").all(|r| r.header("Authorization") == Some(&auth)));
    // Stored beside the tenant file, named by its content.
    let sha = sha256_hex(&foto);
    assert_eq!(arquivos_em(&pasta_midia(&srv.app, &a)), vec![sha.clone()]);
    assert_eq!(std::fs::read(pasta_midia(&srv.app, &a).join(&sha)).expect("file"), foto);
    assert_eq!(srv.app.central.midia_uso(a.id).expect("uso").bytes, foto.len() as i64);
    let metricas = srv.app.metrics.render(&srv.app.tenants.stats(), &srv.app.journal.stats(), None, Default::default());
    assert!(metricas.contains("helixai_media_downloads_total{result=\"ok\"} 1"), "{metricas}");

    let mut ana = srv.login("ana@a.com");
    let itens = mensagens(&mut ana, "/api", m.conversa_id.0);
    let item = itens.iter().find(|x| x["id"] == m.id.0).expect("the photo in the thread");
    let resumo: MidiaResumo = MidiaResumo {
        id: midia.id,
        tipo: "image".into(),
        voz: false,
        estado: "pronta".into(),
        erro: None,
        mime: Some("image/jpeg".into()),
        tamanho: Some(foto.len() as i64),
        nome_arquivo: None,
        transcricao_estado: None,
    };
    assert_eq!(item["midia"], serde_json::to_value(&resumo).expect("json"));

    let url = format!("/api/midias/{}", midia.id);
    let r = ana.get(&url);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, foto);
    assert_eq!(r.header("content-type"), Some("image/jpeg"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert!(r.header("content-disposition").is_some_and(|d| d.starts_with("inline;")));
    assert_eq!(r.header("cache-control"), Some("private, no-cache"));
    let etag = r.header("etag").expect("etag").to_owned();
    assert_eq!(etag, format!("\"{sha}\""));
    let cookie = format!("helixai_sessao={}", ana.cookie.clone().expect("cookie"));
    let revalida =
        crate::support::http::request(srv.addr, "GET", &url, &[("Cookie", &cookie), ("If-None-Match", &etag)], b"");
    assert_eq!((revalida.status, revalida.body.len()), (304, 0));
    let parte =
        crate::support::http::request(srv.addr, "GET", &url, &[("Cookie", &cookie), ("Range", "bytes=0-9")], b"");
    assert_eq!(parte.status, 206);
    assert_eq!(parte.body, foto[..10].to_vec());
    assert_eq!(parte.header("content-range"), Some(format!("bytes 0-9/{}", foto.len()).as_str()));

    // Another empresa's session never gets it; the superadmin only inside empresa A.
    let mut bia = srv.login("bia@b.com");
    let outra = bia.get(&url);
    assert_eq!(outra.status, 404, "{}", outra.text());
    assert_ne!(outra.body, foto);
    assert_eq!(srv.client().get(&url).status, 401);
    let mut root = srv.login("root@revenda.com");
    assert_eq!(root.get(&url).status, 403);
    let dentro = root.get(&format!("/api/admin/empresas/{}/midias/{}", a.id, midia.id));
    assert_eq!((dentro.status, dentro.body == foto), (200, true));
}

#[test]
fn an_expired_url_is_asked_for_again_and_the_bytes_decide_the_type() {
    let graph = FakeGraph::start(TOKEN);
    let pdf = arquivo("orcamento.pdf");
    // Declared as a JPEG photo by the webhook; the bytes are a PDF.
    graph.add_midia(FOTO_ID, "image/jpeg", &pdf);
    graph.falhar_downloads(1);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    srv.usuario("ana@loja.com", Papel::Admin, Some(&e));
    post_ok(srv.addr, &envelope_midia("image.json", PID, "wamid.PDF1", CLIENTE, FOTO_ID));
    rodar_ate_assentar(&srv.app, &e);
    let lookups = graph.midia_gets().iter().filter(|p| p.starts_with(&format!("/v25.0/{FOTO_ID}"))).count();
    assert_eq!(lookups, 2, "the URL expired (404): a fresh one was asked for: {:?}", graph.midia_gets());
    let db = srv.app.tenant_db(&e).expect("db");
    let m = db.mensagem_por_wa_id("wamid.PDF1").expect("q").expect("msg");
    let midia = db.midia_da_mensagem(m.id).expect("q").expect("row");
    assert_eq!((midia.estado.as_str(), midia.mime.as_deref()), ("pronta", Some("application/pdf")));
    let r = srv.login("ana@loja.com").get(&format!("/api/midias/{}", midia.id));
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    assert!(r.header("content-disposition").is_some_and(|d| d.starts_with("attachment;")), "a PDF is downloaded");
    assert_eq!(r.body, pdf);
}

#[test]
fn a_file_over_16_mb_is_refused_before_downloading_and_the_message_is_kept() {
    let graph = FakeGraph::start(TOKEN);
    graph.add_midia("622684793477189", "application/pdf", &vec![b'%'; 16 * 1024 * 1024 + 1]);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    post_ok(srv.addr, &envelope_midia("document.json", PID, "wamid.DOC1", CLIENTE, "622684793477189"));
    rodar_ate_assentar(&srv.app, &e);
    assert!(graph.midia_gets().iter().all(|p| !p.starts_with("/baixar/")), "no download: {:?}", graph.midia_gets());
    let db = srv.app.tenant_db(&e).expect("db");
    let m = db.mensagem_por_wa_id("wamid.DOC1").expect("q").expect("the message stays");
    assert_eq!(m.texto.as_deref(), Some("[documento: receipt.pdf] my receipt"));
    let midia = db.midia_da_mensagem(m.id).expect("q").expect("row");
    assert_eq!(midia.estado, "falhou");
    let erro = midia.erro.expect("a reason for the panel");
    assert!(erro.contains("16 MB") && erro.contains("acima do limite"), "{erro}");
    assert!(arquivos_em(&pasta_midia(&srv.app, &e)).is_empty());
}

#[test]
fn over_the_planos_quota_the_file_is_not_kept_and_the_reseller_sees_usage() {
    let graph = FakeGraph::start(TOKEN);
    let foto = arquivo("foto.jpg");
    graph.add_midia(FOTO_ID, "image/jpeg", &foto);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    let mut plano = NovoPlano {
        nome: "Sem mídia".into(),
        preco_centavos: 0,
        limite_mensagens_mes: None,
        limite_usuarios: None,
        limite_itens_catalogo: None,
        limite_midia_mb: Some(0),
        ativo: true,
    };
    let p = srv.app.central.plano_criar(&plano).expect("plano");
    let altera = AlteraEmpresa { plano_id: Some(Some(p.id)), ..AlteraEmpresa::default() };
    srv.app.central.empresa_atualizar(e.id, &altera).expect("assign");
    srv.usuario("root@revenda.com", Papel::Superadmin, None);

    post_ok(srv.addr, &envelope_midia("image.json", PID, "wamid.Q1", CLIENTE, FOTO_ID));
    rodar_ate_assentar(&srv.app, &e);
    let db = srv.app.tenant_db(&e).expect("db");
    let m = db.mensagem_por_wa_id("wamid.Q1").expect("q").expect("the message is kept");
    let midia = db.midia_da_mensagem(m.id).expect("q").expect("row");
    assert_eq!(midia.estado, "falhou");
    assert!(midia.erro.as_deref().is_some_and(|x| x.contains("cota de mídia")), "{:?}", midia.erro);
    assert!(arquivos_em(&pasta_midia(&srv.app, &e)).is_empty());

    plano.limite_midia_mb = Some(1);
    srv.app.central.plano_atualizar(p.id, &plano).expect("bigger plano");
    // With room now, the attendant asks for the refused photo again; a ready one cannot be.
    srv.usuario("ana@loja.com", Papel::Atendente, Some(&e));
    let mut ana = srv.login("ana@loja.com");
    let r = ana.post(&format!("/api/midias/{}/baixar", midia.id), &json!({}));
    assert_eq!((r.status, r.json()["estado"].as_str()), (202, Some("pendente")), "{}", r.text());
    rodar_ate_assentar(&srv.app, &e);
    assert_eq!(db.midia(midia.id).expect("q").expect("row").estado, "pronta");
    let de_novo = ana.post(&format!("/api/midias/{}/baixar", midia.id), &json!({}));
    assert_eq!((de_novo.status, de_novo.json()["erro"]["codigo"].as_str()), (409, Some("midia_nao_falhou")));
    post_ok(srv.addr, &envelope_midia("image.json", PID, "wamid.Q2", CLIENTE, FOTO_ID));
    rodar_ate_assentar(&srv.app, &e);
    let mut root = srv.login("root@revenda.com");
    let lista = root.get("/api/admin/empresas");
    assert_eq!(lista.status, 200);
    let item = lista.json()["itens"].as_array().expect("itens").iter().find(|x| x["id"] == e.id.0).cloned().expect("e");
    assert_eq!(item["uso"]["midia_bytes"], json!(foto.len()), "one file for the two copies of the photo");
    assert_eq!(item["uso"]["midia_arquivos"], json!(1));
    assert_eq!(item["uso"]["midia_limite_bytes"], json!(1024 * 1024));
    let planos = root.get("/api/admin/planos").json();
    assert!(planos.to_string().contains("\"limite_midia_mb\":1"), "{planos}");
}
