//! The isolation matrix: two empresas with data in every table; a user of A calls every
//! tenant endpoint with B's ids in the path, the query and the body, and never sees a byte
//! of B's nor changes B's rows. Plus roles (atendente → 403 on admin endpoints), no session
//! (401), unknown fields (400 naming them), pagination on every list, and the body cap (413).

use helixai::catalogo::NovoItem;
use helixai::config::ServerConfig;
use helixai::domain::{ItemId, Papel, Setor};
use helixai::store::central::{BotAlteracao, Empresa, WhatsappAlteracao};
use helixai::store::tenant::inbox::{FiltroConversas, MensagemFixture};
use serde_json::{json, Value};

use crate::support::http::request;
use crate::support::server::{Client, TestServer};
use crate::support::test_config;

/// B's distinctive strings (lowercase; bodies are compared lowercased).
const MARCAS_B: &[&str] = &["segredo-da-b-7731", "qzxw", "990077310"];

struct Ids {
    item: i64,
    lead: i64,
    conversa: i64,
    admin: i64,
    resposta: i64,
    /// The highest id of a catalog photo (a media file).
    foto: i64,
}

/// A JPEG's first bytes around `marca` (sniffed as a photo), as a catalog photo of `item`.
fn foto(s: &TestServer, e: &Empresa, item: i64, marca: &str) -> i64 {
    let db = s.app.tenant_db(e).expect("db");
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xFE];
    bytes.extend_from_slice(format!("{marca} foto qzxw-if-b").as_bytes());
    let acervo = helixai::media::Acervo::de(&s.app, e, &db);
    let nome = format!("{marca}.jpg");
    acervo.foto_adicionar(ItemId(item), &bytes, Some("image/jpeg"), Some(&nome)).expect("photo").id.0
}

fn item(nome: &str) -> NovoItem {
    NovoItem {
        nome: nome.into(),
        descricao: format!("descrição de {nome}"),
        preco_centavos: Some(5_000_000),
        disponivel: true,
        atributos: serde_json::from_value(json!({"marca": "Fiat", "modelo": nome, "ano": 2020})).expect("map"),
        ..NovoItem::default()
    }
}

/// `n` rows in every tenant table, each carrying `marca`; returns the highest ids.
fn popular(s: &TestServer, e: &Empresa, marca: &str, n: usize) -> (i64, i64, i64) {
    let db = s.app.tenant_db(e).expect("db");
    let (mut item_id, mut lead_id, mut conversa_id) = (0, 0, 0);
    for i in 0..n {
        item_id = db
            .catalogo_criar(&item(&format!("{marca} carro {i}")).validar(Setor::Veiculos).expect("valid"))
            .expect("item")
            .id
            .0;
        let lead =
            db.lead_upsert_wa(&format!("55{}{i}", 1100 + n), Some(&format!("{marca} cliente {i}"))).expect("lead");
        let texto_entrada = format!("{marca} pergunta {i}");
        let texto_saida = format!("{marca} resposta {i}");
        let m = [
            MensagemFixture { direcao: "entrada", autor: "cliente", texto: &texto_entrada, status: "recebida" },
            MensagemFixture { direcao: "saida", autor: "bot", texto: &texto_saida, status: "enviada" },
        ];
        let c = db.inbox_inserir_conversa_fixture(lead, &m).expect("conversa");
        db.inbox_inserir_agendamento_fixture(lead, Some(c), "2030-01-01 10:00:00", &format!("{marca} visita"))
            .expect("ag");
        db.lead_definir_etiquetas(lead, &[format!("{marca} {i}").chars().take(30).collect()]).expect("etiqueta");
        db.resposta_rapida_criar(&format!("{}-{i}", marca.to_lowercase()), &format!("{marca} resposta rápida"))
            .expect("resposta rápida");
        (lead_id, conversa_id) = (lead.0, c.0);
    }
    (item_id, lead_id, conversa_id)
}

struct Mundo {
    s: TestServer,
    b: Empresa,
    a: Ids,
    bid: Ids,
    superadmin: i64,
}

fn montar() -> Mundo {
    let s = TestServer::start();
    let a = s.empresa("empresa-a", Setor::Veiculos);
    let b = s.empresa("empresa-b", Setor::Veiculos);
    s.usuario("ana@a.com", Papel::Admin, Some(&a));
    s.usuario("bia@a.com", Papel::Atendente, Some(&a));
    s.usuario("segredo-da-b-7731@b.com", Papel::Admin, Some(&b));
    s.usuario("zeca-segredo-da-b-7731@b.com", Papel::Atendente, Some(&b));
    s.usuario("root@revenda.com", Papel::Superadmin, None);
    let (ai, al, ac) = popular(&s, &a, "Normal-A", 2);
    let (bi, bl, bc) = popular(&s, &b, "SEGREDO-DA-B-7731", 5);
    let fa = foto(&s, &a, ai, "normal-a");
    foto(&s, &b, bi, "SEGREDO-DA-B-7731");
    let fb = foto(&s, &b, bi, "SEGREDO-DA-B-7731");
    let k = &s.app.key;
    s.app
        .central
        .empresa_definir_whatsapp(
            b.id,
            &WhatsappAlteracao {
                phone_number_id: Some(Some("990077310".into())),
                numero: Some(Some("+55 11 990077310".into())),
                token_cifrado: Some(Some(k.encrypt("EAAG-token-da-b-QZXW").expect("enc"))),
                app_secret_cifrado: Some(Some(k.encrypt("app-secret-da-b-QZXW").expect("enc"))),
            },
        )
        .expect("whatsapp b");
    s.app
        .central
        .empresa_definir_bot(
            b.id,
            &BotAlteracao {
                prompt_customizado: Some(Some("SEGREDO-DA-B-7731 prompt".into())),
                llm_modelo: Some(Some("modelo-segredo-da-b-7731".into())),
                llm_api_key_cifrada: Some(Some(k.encrypt("sk-da-b-QZXW").expect("enc"))),
                configuracoes: serde_json::from_value(json!({"saudacao": "SEGREDO-DA-B-7731 olá"})).expect("map"),
                ..Default::default()
            },
        )
        .expect("bot b");
    let id_de = |email: &str| s.app.central.usuario_por_email(email).expect("q").expect("usuario").id.0;
    let resposta = |e: &Empresa| {
        s.app.tenant_db(e).expect("db").respostas_rapidas().expect("q").iter().map(|r| r.id).max().expect("id")
    };
    let ids_a = Ids { item: ai, lead: al, conversa: ac, admin: id_de("ana@a.com"), resposta: resposta(&a), foto: fa };
    let ids_b = Ids {
        item: bi,
        lead: bl,
        conversa: bc,
        admin: id_de("segredo-da-b-7731@b.com"),
        resposta: resposta(&b),
        foto: fb,
    };
    let superadmin = id_de("root@revenda.com");
    assert!(ids_b.item > ids_a.item && ids_b.lead > ids_a.lead && ids_b.conversa > ids_a.conversa);
    assert!(ids_b.resposta > ids_a.resposta);
    assert!(ids_b.foto > ids_a.foto);
    Mundo { s, b, a: ids_a, bid: ids_b, superadmin }
}

/// Everything of B's, read straight from the stores, to compare before and after.
fn foto_b(m: &Mundo) -> String {
    let db = m.s.app.tenant_db(&m.b).expect("db");
    let f = helixai::store::tenant::catalogo::FiltroCatalogo { limite: 200, ..Default::default() };
    let conversas = db.inbox_conversas(&FiltroConversas { limite: 200, ..Default::default() }).expect("c");
    let mensagens: Vec<_> = conversas.iter().map(|c| db.inbox_mensagens(c.id, 200, None).expect("m")).collect();
    let empresa = m.s.app.central.empresa(m.b.id).expect("q").expect("b");
    let seg = m.s.app.central.empresa_segredos(m.b.id).expect("seg");
    json!({
        "catalogo": db.catalogo_listar(&f).expect("cat"),
        "leads": db.leads_listar(None, 200, None).expect("leads"),
        "conversas": conversas,
        "mensagens": mensagens,
        "usuarios": m.s.app.central.equipe_listar(m.b.id, 200, None).expect("u"),
        "empresa": empresa,
        "segredos": [seg.whatsapp_token, seg.whatsapp_app_secret, seg.openai_api_key],
        "relatorio": db.relatorio_numeros(30).expect("r"),
        "etiquetas": db.etiquetas_todas().expect("etiquetas"),
        "respostas_rapidas": db.respostas_rapidas().expect("respostas"),
        "fotos": db.catalogo_fotos(ItemId(m.bid.item)).expect("fotos").into_iter()
            .map(|f| (f.id.0, f.sha256, f.nome_arquivo)).collect::<Vec<_>>(),
        "arquivos": std::fs::read_dir(helixai::store::tenants::midia_dir(&m.s.app.data.tenants(), &m.b.database_name))
            .map(|rd| rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect::<Vec<_>>())
            .unwrap_or_default(),
    })
    .to_string()
}

fn sem_marcas_de_b(r: &crate::support::http::Resp, o_que: &str) {
    let corpo = r.text().to_lowercase();
    for marca in MARCAS_B {
        assert!(!corpo.contains(marca), "{o_que}: B's {marca:?} leaked: {corpo}");
    }
}

/// Every tenant endpoint with A's own ids: (method, path, body, admin only).
fn endpoints(a: &Ids) -> Vec<(&'static str, String, Option<Value>, bool)> {
    let carro = json!({"nome": "Uno", "atributos": {"marca": "Fiat", "modelo": "Uno", "ano": 2010}});
    vec![
        ("GET", "/api/catalogo".into(), None, false),
        ("POST", "/api/catalogo".into(), Some(carro.clone()), true),
        ("GET", format!("/api/catalogo/{}", a.item), None, false),
        ("PUT", format!("/api/catalogo/{}", a.item), Some(carro), true),
        ("DELETE", format!("/api/catalogo/{}", a.item), None, true),
        ("POST", "/api/catalogo/importar".into(), Some(json!({"csv": "nome\nx", "confirmar": false})), true),
        ("GET", "/api/leads".into(), None, false),
        ("GET", format!("/api/leads/{}", a.lead), None, false),
        ("PATCH", format!("/api/leads/{}", a.lead), Some(json!({"status": "qualificado"})), false),
        ("GET", "/api/conversas".into(), None, false),
        ("GET", format!("/api/conversas/{}", a.conversa), None, false),
        ("GET", format!("/api/conversas/{}/mensagens", a.conversa), None, false),
        ("POST", format!("/api/conversas/{}/lida", a.conversa), Some(json!({})), false),
        ("POST", format!("/api/conversas/{}/assumir", a.conversa), Some(json!({})), false),
        ("POST", format!("/api/conversas/{}/devolver", a.conversa), Some(json!({})), false),
        ("GET", "/api/usuarios".into(), None, true),
        (
            "POST",
            "/api/usuarios".into(),
            Some(json!({"email": "n@a.com", "papel": "atendente", "senha": "senha-nova-1"})),
            true,
        ),
        ("PATCH", format!("/api/usuarios/{}", a.admin), Some(json!({"nome": "Ana"})), true),
        ("GET", "/api/whatsapp".into(), None, true),
        ("PUT", "/api/whatsapp".into(), Some(json!({"numero": "+55 11 1111-2222"})), true),
        ("GET", "/api/bot".into(), None, true),
        ("PUT", "/api/bot".into(), Some(json!({"llm_modelo": "m"})), true),
        ("GET", "/api/relatorios".into(), None, false),
        ("GET", "/api/conversas/alertas".into(), None, false),
        ("POST", format!("/api/conversas/{}/atribuir", a.conversa), Some(json!({"usuario_id": null})), false),
        ("POST", format!("/api/conversas/{}/resolver", a.conversa), Some(json!({})), false),
        ("POST", format!("/api/conversas/{}/reabrir", a.conversa), Some(json!({})), false),
        ("GET", "/api/conversas/exportar".into(), None, true),
        ("GET", "/api/leads/exportar".into(), None, true),
        ("GET", "/api/etiquetas".into(), None, false),
        ("GET", "/api/equipe".into(), None, false),
        ("GET", "/api/atendimento".into(), None, false),
        ("PUT", "/api/atendimento".into(), Some(json!({"humano_inativo_min": 720})), true),
        ("GET", "/api/respostas-rapidas".into(), None, false),
        ("POST", "/api/respostas-rapidas".into(), Some(json!({"atalho": "nova", "texto": "Olá!"})), true),
        ("PUT", format!("/api/respostas-rapidas/{}", a.resposta), Some(json!({"atalho": "a", "texto": "b"})), true),
        ("DELETE", format!("/api/respostas-rapidas/{}", a.resposta), None, true),
        ("GET", format!("/api/catalogo/{}/fotos", a.item), None, false),
        ("GET", format!("/api/midias/{}", a.foto), None, false),
        ("POST", format!("/api/catalogo/{}/fotos", a.item), Some(json!({"nao": "é uma foto"})), true),
        ("POST", format!("/api/conversas/{}/anexos", a.conversa), Some(json!({"um": "documento de texto"})), false),
    ]
}

#[test]
fn a_user_of_a_never_reaches_b() {
    let m = montar();
    let antes = foto_b(&m);
    let b = &m.bid;
    let be = m.b.id.0;
    let carro_b = json!({"nome": "Hack", "atributos": {"marca": "Fiat", "modelo": "Uno", "ano": 2010}});
    // (method, path, body, the status it must get)
    let mut ataques: Vec<(&str, String, Option<Value>, u16)> = vec![
        // B's ids in the path.
        ("GET", format!("/api/catalogo/{}", b.item), None, 404),
        ("PUT", format!("/api/catalogo/{}", b.item), Some(carro_b.clone()), 404),
        ("DELETE", format!("/api/catalogo/{}", b.item), None, 404),
        ("GET", format!("/api/leads/{}", b.lead), None, 404),
        ("PATCH", format!("/api/leads/{}", b.lead), Some(json!({"status": "perdido", "notas": "x"})), 404),
        ("GET", format!("/api/conversas/{}", b.conversa), None, 404),
        ("GET", format!("/api/conversas/{}/mensagens", b.conversa), None, 404),
        ("POST", format!("/api/conversas/{}/lida", b.conversa), Some(json!({})), 404),
        ("POST", format!("/api/conversas/{}/assumir", b.conversa), Some(json!({})), 404),
        ("POST", format!("/api/conversas/{}/devolver", b.conversa), Some(json!({})), 404),
        ("POST", format!("/api/conversas/{}/resolver", b.conversa), Some(json!({})), 404),
        ("POST", format!("/api/conversas/{}/reabrir", b.conversa), Some(json!({})), 404),
        ("POST", format!("/api/conversas/{}/atribuir", b.conversa), Some(json!({"usuario_id": null})), 404),
        ("POST", format!("/api/conversas/{}/responder", b.conversa), Some(json!({"texto": "oi"})), 404),
        ("GET", format!("/api/conversas/exportar?conversa_id={}", b.conversa), None, 200),
        ("PUT", format!("/api/respostas-rapidas/{}", b.resposta), Some(json!({"atalho": "x", "texto": "y"})), 404),
        ("DELETE", format!("/api/respostas-rapidas/{}", b.resposta), None, 404),
        // B's usuario as the owner of A's conversa is refused.
        ("POST", format!("/api/conversas/{}/atribuir", m.a.conversa), Some(json!({"usuario_id": b.admin})), 400),
        ("PUT", "/api/atendimento".into(), Some(json!({"humano_inativo_min": 60, "empresa_id": be})), 400),
        ("PATCH", format!("/api/usuarios/{}", b.admin), Some(json!({"nome": "hack", "ativo": false})), 404),
        ("PATCH", format!("/api/usuarios/{}", b.admin), Some(json!({"senha": "senha-hackeada-1"})), 404),
        ("PATCH", format!("/api/usuarios/{}", m.superadmin), Some(json!({"papel": "admin"})), 404),
        ("GET", format!("/api/midias/{}", b.foto), None, 404),
        ("POST", format!("/api/midias/{}/baixar", b.foto), Some(json!({})), 404),
        ("GET", format!("/api/catalogo/{}/fotos", b.item), None, 404),
        ("POST", format!("/api/catalogo/{}/fotos", b.item), Some(json!({})), 404),
        ("DELETE", format!("/api/catalogo/{}/fotos/{}", b.item, b.foto), None, 404),
        ("POST", format!("/api/conversas/{}/anexos", b.conversa), Some(json!({"x": 1})), 404),
        // B's ids in bodies: empresa_id is an unknown field; an owner from B is refused.
        ("POST", "/api/catalogo".into(), Some(json!({"nome": "x", "empresa_id": be})), 400),
        ("PUT", format!("/api/catalogo/{}", m.a.item), Some(json!({"nome": "x", "empresa_id": be})), 400),
        ("PATCH", format!("/api/leads/{}", m.a.lead), Some(json!({"status": "novo", "empresa_id": be})), 400),
        ("PATCH", format!("/api/leads/{}", m.a.lead), Some(json!({"responsavel_id": b.admin})), 400),
        (
            "POST",
            "/api/usuarios".into(),
            Some(json!({"email": "n@a.com", "papel": "admin", "senha": "senha-nova-1", "empresa_id": be})),
            400,
        ),
        ("PATCH", format!("/api/usuarios/{}", m.a.admin), Some(json!({"empresa_id": be})), 400),
        ("PUT", "/api/whatsapp".into(), Some(json!({"empresa_id": be, "token": "x"})), 400),
        ("PUT", "/api/whatsapp".into(), Some(json!({"phone_number_id": "990077310"})), 409),
        ("PUT", "/api/bot".into(), Some(json!({"empresa_id": be})), 400),
        (
            "POST",
            "/api/catalogo/importar".into(),
            Some(json!({"csv": "nome\nx", "confirmar": false, "empresa_id": be})),
            400,
        ),
        ("POST", format!("/api/conversas/{}/assumir", m.a.conversa), Some(json!({"empresa_id": be})), 200),
        // An admin of A is no superadmin: the admin door to B is closed.
        ("GET", format!("/api/admin/empresas/{be}/leads"), None, 403),
        ("GET", format!("/api/admin/empresas/{be}/whatsapp"), None, 403),
    ];
    // B's ids and B's strings in the query of every list: A's own data only.
    for q in [
        format!("empresa_id={be}"),
        "q=SEGREDO-DA-B-7731".into(),
        format!("empresa_id={be}&q=segredo&cursor=999"),
        "marca=Fiat&empresa_id=2&status=novo".into(),
    ] {
        for p in [
            "catalogo",
            "leads",
            "conversas",
            "usuarios",
            "whatsapp",
            "bot",
            "relatorios",
            "conversas/alertas",
            "conversas/exportar",
            "leads/exportar",
            "etiquetas",
            "equipe",
            "atendimento",
            "respostas-rapidas",
        ] {
            ataques.push(("GET", format!("/api/{p}?{q}"), None, 0));
        }
        ataques.push(("GET", format!("/api/conversas/{}/mensagens?{q}", m.a.conversa), None, 0));
    }
    let mut c = m.s.login("ana@a.com");
    for (metodo, path, body, esperado) in &ataques {
        let r = c.send(metodo, path, body.as_ref());
        let o_que = format!("{metodo} {path} {body:?}");
        if *esperado == 0 {
            assert!(matches!(r.status, 200 | 400), "{o_que}: {} {}", r.status, r.text());
        } else {
            assert_eq!(r.status, *esperado, "{o_que}: {}", r.text());
        }
        sem_marcas_de_b(&r, &o_que);
    }
    // Every endpoint, used normally by A, shows no trace of B either.
    for (metodo, path, body, _) in endpoints(&m.a) {
        let r = c.send(metodo, &path, body.as_ref());
        assert!(r.status < 500, "{metodo} {path}: {}", r.text());
        sem_marcas_de_b(&r, &format!("{metodo} {path}"));
    }
    assert_eq!(foto_b(&m), antes, "B's rows are unchanged");
    // Control: the markers are real — B's own admin does see them.
    let mut b_admin = m.s.login("segredo-da-b-7731@b.com");
    for path in [
        "/api/leads",
        "/api/conversas",
        "/api/catalogo",
        "/api/bot",
        "/api/usuarios",
        "/api/etiquetas",
        "/api/respostas-rapidas",
        "/api/equipe",
        "/api/leads/exportar",
        "/api/conversas/exportar",
    ] {
        let corpo = b_admin.get(path).text().to_lowercase();
        assert!(corpo.contains(MARCAS_B[0]), "{path} of B shows B's marker");
    }
    let w = b_admin.get("/api/whatsapp").json();
    assert_eq!((w["token"].as_str(), w["phone_number_id"].as_str()), (Some("••••QZXW"), Some("990077310")));
}

#[test]
fn roles_and_sessions_on_every_endpoint() {
    let m = montar();
    let mut atendente = m.s.login("bia@a.com");
    let mut anonimo = m.s.client();
    let mut superadmin = m.s.login("root@revenda.com");
    for (metodo, path, body, so_admin) in endpoints(&m.a) {
        let r = anonimo.send(metodo, &path, body.as_ref());
        assert_eq!(r.status, 401, "no session: {metodo} {path}");
        assert_eq!(r.json()["erro"]["codigo"], "nao_autenticado");
        let r = atendente.send(metodo, &path, body.as_ref());
        if so_admin {
            assert_eq!(r.status, 403, "atendente: {metodo} {path}: {}", r.text());
            assert_eq!(r.json()["erro"]["codigo"], "proibido");
        } else {
            assert!(r.status < 400, "atendente may: {metodo} {path}: {} {}", r.status, r.text());
        }
        // A superadmin has no empresa of their own: only through /api/admin/empresas/{id}/...
        assert_eq!(superadmin.send(metodo, &path, body.as_ref()).status, 403, "superadmin: {metodo} {path}");
    }
    // The superadmin door works and is audited; it stays inside the empresa asked for.
    let a_id = m.s.app.central.empresa_por_slug("empresa-a").expect("q").expect("a").id.0;
    let r = superadmin.get(&format!("/api/admin/empresas/{a_id}/leads"));
    assert_eq!(r.status, 200, "{}", r.text());
    sem_marcas_de_b(&r, "superadmin in A");
    let r = superadmin.get(&format!("/api/admin/empresas/{}/conversas/{}", a_id, m.bid.conversa));
    assert_eq!(r.status, 404);
    // CSRF header is required on state-changing calls even with a valid session.
    let cookie = format!("helixai_sessao={}", atendente.cookie.clone().expect("cookie"));
    let r = request(
        atendente.addr,
        "POST",
        &format!("/api/conversas/{}/lida", m.a.conversa),
        &[("Cookie", &cookie)],
        b"{}",
    );
    assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (400, Some("csrf")));
}

#[test]
fn unknown_fields_are_named_and_every_list_paginates() {
    let m = montar();
    let mut c = m.s.login("ana@a.com");
    for (metodo, path, body) in [
        ("PATCH", format!("/api/leads/{}", m.a.lead), json!({"stats": "novo"})),
        (
            "POST",
            "/api/usuarios".into(),
            json!({"email": "x@a.com", "papel": "admin", "senha": "senha-nova-1", "admin": true}),
        ),
        ("PATCH", format!("/api/usuarios/{}", m.a.admin), json!({"password": "x"})),
        ("PUT", "/api/whatsapp".into(), json!({"tokem": "x"})),
        ("PUT", "/api/bot".into(), json!({"api_key": "x"})),
        ("POST", "/api/catalogo/importar".into(), json!({"csv": "nome\nx", "confirma": true})),
    ] {
        let campo = body
            .as_object()
            .expect("obj")
            .keys()
            .find(|k| !["email", "papel", "senha", "csv"].contains(&k.as_str()))
            .cloned()
            .expect("k");
        let r = c.send(metodo, &path, Some(&body));
        assert_eq!(r.status, 400, "{metodo} {path}");
        let v = r.json();
        assert_eq!(v["erro"]["codigo"], "campo_desconhecido", "{metodo} {path}");
        assert!(v["erro"]["mensagem"].as_str().expect("msg").contains(&campo), "{metodo} {path}: {v}");
    }
    // A has 2 rows in every list (and 2 usuarios, 2 messages per conversa).
    for lista in [
        "/api/catalogo".to_owned(),
        "/api/leads".into(),
        "/api/conversas".into(),
        "/api/usuarios".into(),
        format!("/api/conversas/{}/mensagens", m.a.conversa),
    ] {
        let mut vistos: Vec<Value> = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let url = match &cursor {
                Some(cur) => format!("{lista}?limite=1&cursor={cur}"),
                None => format!("{lista}?limite=1"),
            };
            let v = c.get(&url).json();
            let itens = v["itens"].as_array().unwrap_or_else(|| panic!("{url}: {v}"));
            assert!(itens.len() <= 1, "{url}");
            vistos.extend(itens.iter().map(|i| i["id"].clone()));
            match v["proximo_cursor"].as_str() {
                Some(n) => cursor = Some(n.to_owned()),
                None => break,
            }
            assert!(vistos.len() < 10, "{lista} never ends");
        }
        let mut unicos = vistos.clone();
        unicos.dedup();
        assert_eq!((vistos.len(), unicos.len()), (2, 2), "{lista}: {vistos:?}");
        assert_eq!(c.get(&format!("{lista}?limite=0")).status, 400, "{lista}");
        assert_eq!(c.get(&format!("{lista}?limite=201")).status, 400, "{lista}");
    }
}

#[test]
fn bodies_over_the_cap_get_413() {
    let s = TestServer::start_with(ServerConfig { max_body_bytes: 2048, ..test_config() });
    let e = s.empresa("loja", Setor::Varejo);
    s.usuario("ana@loja.com", Papel::Admin, Some(&e));
    let mut c: Client = s.login("ana@loja.com");
    let grande = "x".repeat(8 * 1024);
    for (metodo, path) in [("PUT", "/api/bot"), ("POST", "/api/catalogo/importar"), ("PUT", "/api/whatsapp")] {
        let r = c.send(metodo, path, Some(&json!({"prompt_customizado": grande})));
        assert_eq!(r.status, 413, "{metodo} {path}");
        assert_eq!(r.json()["erro"]["codigo"], "corpo_grande_demais");
    }
    assert!(c.get("/api/bot").json()["prompt_customizado"].is_null(), "nothing was written");
}
