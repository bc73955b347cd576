//! The catalog API keeps every field of every setor: an item read with GET and PUT back
//! unchanged reads back the same (issue #17), including the demo catalogs as `--demo` writes
//! them; select fields written another way ("automático") are stored as their code.

use helixai::catalogo::NovoItem;
use helixai::domain::{Papel, Setor};
use serde_json::{json, Value};

use crate::support::server::TestServer;

/// The item without the field every write changes.
fn sem_data(mut v: Value) -> Value {
    v.as_object_mut().expect("item").remove("atualizado_em");
    v
}

/// Items for setores without a demo catalog: common fields only, some of them empty.
fn itens_comuns() -> Vec<NovoItem> {
    let v = json!([
        {"nome": "Camiseta básica", "descricao": "Algodão, P ao GG.", "categoria": "Roupas", "preco_centavos": 4990},
        {"nome": "Troca de óleo", "disponivel": false},
        {"nome": "Instalação de som", "descricao": "  com garantia  ", "categoria": "  ", "preco_centavos": 0}
    ]);
    serde_json::from_value(v).expect("items")
}

#[test]
fn get_put_the_same_body_get_is_equal_for_every_setor() {
    let s = TestServer::start();
    let demo = helixai::demo::empresas_demo();
    for setor in Setor::ALL {
        let slug = format!("ida-volta-{setor}");
        let e = s.empresa(&slug, setor);
        let email = format!("admin@{slug}.com");
        s.usuario(&email, Papel::Admin, Some(&e));
        let mut c = s.login(&email);
        let itens = demo.iter().find(|d| d.2 == setor).map_or_else(itens_comuns, |d| d.3.clone());
        assert!(!itens.is_empty());
        for item in &itens {
            let r = c.post("/api/catalogo", &serde_json::to_value(item).expect("json"));
            assert_eq!(r.status, 201, "{setor} {}: {}", item.nome, r.text());
            let caminho = format!("/api/catalogo/{}", r.json()["id"]);
            let antes = c.get(&caminho).json();
            let r = c.put(&caminho, &antes);
            assert_eq!(r.status, 200, "{setor} {}: PUT of the GET body: {}", item.nome, r.text());
            let depois = c.get(&caminho).json();
            assert_eq!(sem_data(depois), sem_data(antes.clone()), "{setor} {}", item.nome);
            assert!(antes["atributos"]
                .as_object()
                .is_some_and(|a| a.len() == helixai::catalogo::campos_do_setor(setor).len()));
        }
        // The id in the body, when given, must be this item's.
        let primeiro = c.get("/api/catalogo?limite=1").json()["itens"][0].clone();
        let mut outro = primeiro.clone();
        outro["id"] = json!(primeiro["id"].as_i64().expect("id") + 1000);
        let r = c.put(&format!("/api/catalogo/{}", primeiro["id"]), &outro);
        assert_eq!((r.status, r.json()["erro"]["codigo"].as_str()), (400, Some("id_divergente")), "{}", r.text());
    }
    // The demo vehicles were written with "automático": stored as the code the panel's select
    // and the bot's filter use.
    let mut c = s.login("admin@ida-volta-veiculos.com");
    let amarok = c.get("/api/catalogo?q=amarok").json()["itens"][0].clone();
    assert_eq!(amarok["atributos"]["cambio"], "automatico", "{amarok}");
    let automaticos =
        c.get("/api/catalogo?cambio=automatico&limite=200").json()["itens"].as_array().map_or(0, Vec::len);
    let esperados = demo[0].3.iter().filter(|i| i.atributos["cambio"] == "automático").count();
    assert!(esperados > 10);
    assert_eq!(automaticos, esperados, "every automatic demo vehicle is found by the bot's filter");
}
