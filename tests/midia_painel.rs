//! Media from the panel: an attendant attaches an image or a document to a reply (Cloud API:
//! multipart upload to `/{phone_number_id}/media`, then a send by id — the upload reused for
//! the same file), files judged by their bytes; catalog photos uploaded by the admin, served,
//! removed with their files; and the bot sending the photo of the item its reply presents.

use helixai::crypto::sha256_hex;
use helixai::domain::{Papel, Setor};
use serde_json::Value;

use crate::support::fake_graph::{FakeGraph, Recorded};
use crate::support::fake_openai::{Expect, FakeOpenAi, Step};
use crate::support::http::{request, Resp};
use crate::support::midia::*;
use crate::support::server::{Client, TestServer};
use crate::support::whatsapp::*;

const CLIENTE: &str = "5511988887777";

/// POSTs a raw file with the client's session (and the CSRF header).
fn enviar_arquivo(srv: &TestServer, c: &Client, path: &str, tipo: &str, bytes: &[u8]) -> Resp {
    let cookie = format!("helixai_sessao={}", c.cookie.clone().unwrap_or_default());
    request(srv.addr, "POST", path, &[("Cookie", &cookie), ("X-HelixAI-CSRF", "1"), ("Content-Type", tipo)], bytes)
}

fn envios_de_midia(graph: &FakeGraph) -> Vec<Recorded> {
    graph
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/messages") && matches!(r.body["type"].as_str(), Some("image" | "document")))
        .collect()
}

#[test]
fn an_attendant_attaches_a_photo_and_a_pdf_uploaded_once_and_sent_by_id() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    srv.usuario("ana@loja.com", Papel::Atendente, Some(&e));
    post_ok(srv.addr, &text_envelope(PID, "wamid.T1", CLIENTE, "Pode mandar a foto e o orçamento?"));
    rodar_ate_assentar(&srv.app, &e);
    let db = srv.app.tenant_db(&e).expect("db");
    let conversa = db.mensagem_por_wa_id("wamid.T1").expect("q").expect("msg").conversa_id;
    let mut ana = srv.login("ana@loja.com");
    let foto = arquivo("foto.jpg");
    let pdf = arquivo("orcamento.pdf");
    let base = format!("/api/conversas/{conversa}/anexos");

    let r = enviar_arquivo(&srv, &ana, &format!("{base}?nome=civic.jpg&legenda=Segue%20a%20foto"), "image/jpeg", &foto);
    assert_eq!(r.status, 202, "{}", r.text());
    let m: Value = r.json();
    assert_eq!((m["tipo"].as_str(), m["status"].as_str()), (Some("image"), Some("pendente")));
    assert_eq!(m["texto"], "[imagem] Segue a foto");
    assert_eq!(m["midia"]["mime"], "image/jpeg");
    // The browser said PDF; the bytes are a PDF: a document, whatever it is called.
    let r = enviar_arquivo(&srv, &ana, &format!("{base}?nome=Or%C3%A7amento.pdf"), "image/png", &pdf);
    assert_eq!(r.status, 202, "{}", r.text());
    // The same photo again: no second upload.
    assert_eq!(enviar_arquivo(&srv, &ana, &format!("{base}?nome=civic.jpg"), "image/jpeg", &foto).status, 202);
    rodar_ate_assentar(&srv.app, &e);

    assert_eq!(graph.violations(), Vec::<String>::new());
    let uploads = graph.uploads();
    assert_eq!(uploads.len(), 2, "one upload per distinct file");
    let parte = |u: &Vec<crate::support::multipart::Parte>, n: &str| u.iter().find(|p| p.nome == n).cloned().expect(n);
    assert_eq!(parte(&uploads[0], "messaging_product").texto(), "whatsapp");
    assert_eq!(parte(&uploads[0], "file").dados, foto);
    assert_eq!(parte(&uploads[0], "file").tipo.as_deref(), Some("image/jpeg"));
    assert_eq!(parte(&uploads[1], "file").dados, pdf);
    assert_eq!(parte(&uploads[1], "file").tipo.as_deref(), Some("application/pdf"));
    let envios = envios_de_midia(&graph);
    assert_eq!(envios.len(), 3);
    assert_eq!(envios[0].body["image"]["id"], "7700001");
    assert_eq!(envios[0].body["image"]["caption"], "Segue a foto");
    assert_eq!(envios[0].body["to"], CLIENTE);
    assert_eq!(envios[1].body["document"]["id"], "7700002");
    assert_eq!(envios[1].body["document"]["filename"], "Orçamento.pdf");
    assert_eq!(envios[2].body["image"]["id"], "7700001", "the upload id is reused for the same file");
    assert!(envios[2].body["image"].get("caption").is_none());
    let saidas: Vec<_> = db
        .mensagens_da_conversa(conversa)
        .expect("q")
        .into_iter()
        .filter(|m| m.autor == "humano" && m.tipo != "text")
        .collect();
    assert_eq!(saidas.len(), 3);
    assert!(saidas.iter().all(|m| m.status == "enviada" && m.wa_message_id.is_some()), "{saidas:?}");
    // Sending a file is replying: the conversa is Ana's now, and the bot keeps quiet in it.
    let c = ana.get(&format!("/api/conversas/{conversa}")).json();
    let ana_id = srv.app.central.usuario_por_email("ana@loja.com").expect("q").expect("ana").id.0;
    assert_eq!((c["modo"].as_str(), c["atribuida_a"].as_i64()), (Some("humano"), Some(ana_id)), "{c}");
    assert_eq!(arquivos_em(&pasta_midia(&srv.app, &e)), {
        let mut v = vec![sha256_hex(&foto), sha256_hex(&pdf)];
        v.sort();
        v
    });
}

#[test]
fn a_disguised_file_or_a_bad_caption_is_refused_and_nothing_is_stored() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "loja", Setor::Varejo, PID, None);
    srv.usuario("ana@loja.com", Papel::Atendente, Some(&e));
    post_ok(srv.addr, &text_envelope(PID, "wamid.T1", CLIENTE, "Oi"));
    let db = srv.app.tenant_db(&e).expect("db");
    let conversa = db.mensagem_por_wa_id("wamid.T1").expect("q").expect("msg").conversa_id;
    let ana = srv.login("ana@loja.com");
    let base = format!("/api/conversas/{conversa}/anexos");
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff";
    let r = enviar_arquivo(&srv, &ana, &format!("{base}?nome=foto.jpg"), "image/jpeg", exe);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["erro"]["codigo"], "tipo_de_arquivo_nao_suportado");
    let longa = "a".repeat(1025);
    let r = enviar_arquivo(&srv, &ana, &format!("{base}?legenda={longa}"), "image/jpeg", &arquivo("foto.jpg"));
    assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (400, Some("legenda_invalida")));
    let r = enviar_arquivo(&srv, &ana, "/api/conversas/999/anexos", "image/jpeg", &arquivo("foto.jpg"));
    assert_eq!(r.status, 404);
    assert_eq!(enviar_arquivo(&srv, &srv.client(), &base, "image/jpeg", &arquivo("foto.jpg")).status, 401);
    assert!(db.mensagens_da_conversa(conversa).expect("q").iter().all(|m| m.tipo == "text"));
    assert!(arquivos_em(&pasta_midia(&srv.app, &e)).is_empty(), "a refused upload leaves no file");
}

#[test]
fn catalog_photos_are_uploaded_listed_served_and_removed_with_their_files() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "carros", Setor::Veiculos, PID, None);
    srv.usuario("admin@carros.com", Papel::Admin, Some(&e));
    srv.usuario("ana@carros.com", Papel::Atendente, Some(&e));
    let db = srv.app.tenant_db(&e).expect("db");
    add_veiculo(&db, "Honda", "Civic", 2020, 9_890_000);
    let admin = srv.login("admin@carros.com");
    let mut ana = srv.login("ana@carros.com");
    let foto = arquivo("foto.jpg");
    let r = enviar_arquivo(&srv, &admin, "/api/catalogo/1/fotos?nome=civic-frente.jpg", "image/jpeg", &foto);
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_i64().expect("photo id");
    assert_eq!(r.json()["nome_arquivo"], "civic-frente.jpg");
    assert_eq!(enviar_arquivo(&srv, &ana, "/api/catalogo/1/fotos", "image/jpeg", &foto).status, 403, "admins only");
    let pdf = enviar_arquivo(&srv, &admin, "/api/catalogo/1/fotos", "image/jpeg", &arquivo("orcamento.pdf"));
    assert_eq!((pdf.status, pdf.json()["erro"]["codigo"].as_str()), (400, Some("tipo_de_arquivo_nao_suportado")));
    assert_eq!(enviar_arquivo(&srv, &admin, "/api/catalogo/77/fotos", "image/jpeg", &foto).status, 404);

    let lista = ana.get("/api/catalogo").json();
    assert_eq!(lista["itens"][0]["fotos"], serde_json::json!([id]));
    assert_eq!(ana.get("/api/catalogo/1").json()["fotos"], serde_json::json!([id]));
    let fotos = ana.get("/api/catalogo/1/fotos").json();
    assert_eq!(fotos[0]["mime"], "image/jpeg");
    let servida = ana.get(&format!("/api/midias/{id}"));
    assert_eq!((servida.status, servida.body == foto), (200, true));
    let pasta = pasta_midia(&srv.app, &e);
    assert_eq!(arquivos_em(&pasta), vec![sha256_hex(&foto)]);

    let mut admin = admin;
    assert_eq!(admin.delete(&format!("/api/catalogo/1/fotos/{id}")).status, 204);
    assert!(arquivos_em(&pasta).is_empty(), "the file goes with its last row");
    assert_eq!(admin.delete(&format!("/api/catalogo/1/fotos/{id}")).status, 404);
    // Deleting the item deletes its photos and their files.
    assert_eq!(enviar_arquivo(&srv, &admin, "/api/catalogo/1/fotos", "image/jpeg", &foto).status, 201);
    assert_eq!(arquivos_em(&pasta).len(), 1);
    assert_eq!(admin.delete("/api/catalogo/1").status, 204);
    assert!(arquivos_em(&pasta).is_empty());
    assert_eq!(srv.app.central.midia_uso(e.id).expect("uso").bytes, 0);
}

#[test]
fn the_bot_sends_the_photo_of_the_item_it_presents_after_the_text_once() {
    let graph = FakeGraph::start(TOKEN);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "carros", Setor::Veiculos, PID, None);
    srv.usuario("admin@carros.com", Papel::Admin, Some(&e));
    let db = srv.app.tenant_db(&e).expect("db");
    add_veiculo(&db, "Honda", "Civic", 2020, 9_890_000);
    add_veiculo(&db, "Fiat", "Uno", 2015, 3_290_000);
    let foto = arquivo("foto.jpg");
    let admin = srv.login("admin@carros.com");
    assert_eq!(enviar_arquivo(&srv, &admin, "/api/catalogo/1/fotos?nome=civic.jpg", "image/jpeg", &foto).status, 201);

    post_ok(srv.addr, &text_envelope(PID, "wamid.C1", CLIENTE, "Quanto custa o Civic?"));
    rodar_ate_assentar(&srv.app, &e);
    let textos = sends(&graph);
    assert_eq!(textos.len(), 1);
    let texto = textos[0].body["text"]["body"].as_str().expect("text");
    assert!(texto.contains("Honda Civic 2020"), "the reply presents the item: {texto}");
    let todas: Vec<Recorded> = graph.requests().into_iter().filter(|r| r.path.ends_with("/messages")).collect();
    let pos_texto = todas.iter().position(|r| r.body["type"] == "text").expect("text sent");
    let pos_foto = todas.iter().position(|r| r.body["type"] == "image").expect("photo sent");
    assert!(pos_texto < pos_foto, "the photo follows the text");
    assert_eq!(todas[pos_foto].body["image"]["caption"], "Honda Civic 2020");
    assert_eq!(graph.uploads()[0].iter().find(|p| p.nome == "file").expect("file").dados, foto);
    let conversa = db.mensagem_por_wa_id("wamid.C1").expect("q").expect("msg").conversa_id;
    let foto_msg = db.mensagens_da_conversa(conversa).expect("q").into_iter().find(|m| m.tipo == "image").expect("row");
    assert_eq!((foto_msg.autor.as_str(), foto_msg.status.as_str()), ("bot", "enviada"));

    // Asked again about the same car: the text answers, the photo is not sent twice.
    post_ok(srv.addr, &text_envelope(PID, "wamid.C2", CLIENTE, "E o Civic ainda está disponível?"));
    rodar_ate_assentar(&srv.app, &e);
    assert_eq!(sends(&graph).len(), 2);
    assert_eq!(envios_de_midia(&graph).len(), 1, "one photo per conversa");
    // A reply listing two items sends no photo.
    post_ok(srv.addr, &text_envelope(PID, "wamid.C3", "5511977776666", "Quais carros vocês têm de 2015 a 2020?"));
    rodar_ate_assentar(&srv.app, &e);
    assert_eq!(envios_de_midia(&graph).len(), 1);
}

/// A chat-completions answer: a tool call, or a final text.
fn resposta_llm(tool: Option<(&str, &str)>, texto: Option<&str>) -> String {
    let message = match tool {
        Some((nome, args)) => serde_json::json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": nome, "arguments": args}}]}),
        None => serde_json::json!({"role": "assistant", "content": texto}),
    };
    serde_json::json!({"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "message": message, "finish_reason": if tool.is_some() { "tool_calls" } else { "stop" }}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
    .to_string()
}

#[test]
fn with_an_llm_the_photo_of_the_item_its_search_found_follows_the_answer() {
    let graph = FakeGraph::start(TOKEN);
    let pergunta = "Tem algum Honda?";
    let expect = Expect {
        api_key: "sk-loja".into(),
        model: "modelo-loja".into(),
        tool_names: FERRAMENTAS_VEICULOS.map(String::from).to_vec(),
        max_history: 12,
        system_contains: vec![],
        current_user: Some(pergunta.into()),
    };
    let llm = FakeOpenAi::start(
        expect,
        vec![
            Step::ok(resposta_llm(Some(("buscar_veiculos", r#"{"marca":"Honda"}"#)), None)),
            Step::ok(resposta_llm(None, Some("Temos o Honda Civic 2020 por R$ 98.900,00. Quer ver de perto?"))),
        ],
    );
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(
        &srv.app,
        "carros",
        Setor::Veiculos,
        PID,
        Some(Llm { base_url: &llm.base_url, modelo: "modelo-loja", key: "sk-loja" }),
    );
    srv.usuario("admin@carros.com", Papel::Admin, Some(&e));
    let db = srv.app.tenant_db(&e).expect("db");
    add_veiculo(&db, "Honda", "Civic", 2020, 9_890_000);
    let foto = arquivo("foto.png");
    let admin = srv.login("admin@carros.com");
    assert_eq!(enviar_arquivo(&srv, &admin, "/api/catalogo/1/fotos?nome=civic.png", "image/png", &foto).status, 201);
    post_ok(srv.addr, &text_envelope(PID, "wamid.L1", CLIENTE, pergunta));
    rodar_ate_assentar(&srv.app, &e);
    assert_eq!(llm.violations(), Vec::<String>::new());
    let envios = envios_de_midia(&graph);
    assert_eq!(envios.len(), 1, "the photo of the item the tool found and the answer named");
    assert_eq!(envios[0].body["image"]["caption"], "Honda Civic 2020");
    let upload = graph.uploads();
    let arquivo_enviado = upload[0].iter().find(|p| p.nome == "file").expect("file");
    assert_eq!(
        (arquivo_enviado.dados.as_slice(), arquivo_enviado.tipo.as_deref()),
        (foto.as_slice(), Some("image/png"))
    );
}
