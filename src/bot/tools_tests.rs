//! Unit tests of tool-call execution and of the templates' agreement with it.

use super::*;
use crate::bot::fake_tools::FakeTools;
use crate::bot::templates::{tool_name, Template};
use crate::domain::Setor;

fn parse(o: &ToolOutcome) -> Value {
    serde_json::from_str(&o.content).unwrap()
}

#[test]
fn search_converts_reais_and_passes_filters() {
    let tools = FakeTools::veiculos();
    let o = execute_tool(
        "buscar_veiculos",
        r#"{"texto":"hilux","preco_max":190000,"cambio":"automatico","ano_min":2019}"#,
        &tools,
    );
    assert!(o.ok && !o.handoff);
    let q = tools.queries.borrow()[0].clone();
    assert_eq!(q.preco_max_centavos, Some(19_000_000));
    assert_eq!(q.texto.as_deref(), Some("hilux"));
    assert_eq!(q.filtros.get("cambio"), Some(&json!("automatico")));
    assert_eq!(q.filtros.get("ano_min"), Some(&json!(2019)));
    assert_eq!(q.limite, LIMITE_BUSCA);
    let v = parse(&o);
    assert_eq!(v["itens"][0]["id"], 1);
    assert_eq!(v["itens"][0]["preco_formatado"], "R$ 189.900,00");
    assert_eq!(v["itens"][0]["preco"], 189900.0);
    assert!(o.precos_centavos.contains(&18_990_000) && o.precos_centavos.contains(&19_000_000));
}

#[test]
fn bad_calls_become_error_json() {
    let tools = FakeTools::veiculos();
    for (name, args) in [
        ("buscar_veiculos", "{not json"),
        ("buscar_veiculos", r#"{"cor":"prata"}"#),
        ("buscar_veiculos", r#"{"ano_min":"2019"}"#),
        ("buscar_veiculos", r#"{"preco_max":-1}"#),
        ("buscar_veiculos", "[1,2]"),
        ("__proto__", "{}"),
        ("detalhes_item", "{}"),
        ("agendar_visita", r#"{"data_hora":"amanhã"}"#),
    ] {
        let o = execute_tool(name, args, &tools);
        assert!(!o.ok, "{name} {args}");
        assert!(parse(&o)["erro"].is_string(), "{name} {args}: {}", o.content);
    }
    assert!(tools.queries.borrow().is_empty());
}

#[test]
fn common_tools_run() {
    let tools = FakeTools::veiculos();
    let d = execute_tool("detalhes_item", r#"{"id":2}"#, &tools);
    assert_eq!(parse(&d)["item"]["nome"], "Chevrolet Onix LT 2021");
    assert_eq!(d.precos_centavos, vec![6_590_000]);
    assert!(!execute_tool("detalhes_item", r#"{"id":99}"#, &tools).ok);
    let a = execute_tool(
        "agendar_visita",
        r#"{"item_id":1,"data_hora":"2026-03-14T10:00","observacao":"test drive"}"#,
        &tools,
    );
    assert_eq!(parse(&a)["status"], "pendente");
    assert_eq!(tools.agendamentos.borrow()[0].item_id, Some(ItemId(1)));
    let l = execute_tool("registrar_lead", r#"{"nome":"Ana","orcamento":90000.5}"#, &tools);
    assert!(l.ok);
    assert_eq!(tools.leads.borrow()[0].orcamento_centavos, Some(9_000_050));
    let h = execute_tool("transferir_para_humano", r#"{"motivo":"negociacao"}"#, &tools);
    assert!(h.handoff && h.ok);
    assert_eq!(tools.handoffs.borrow().as_slice(), ["negociacao".to_string()]);
    assert!(execute_tool("registrar_lead", "", &tools).ok, "empty arguments mean no arguments");
}

#[test]
fn templates_declare_exactly_the_arguments_execute_tool_accepts() {
    for setor in Setor::ALL {
        let t = Template::load(setor).unwrap();
        for def in &t.ferramentas {
            let name = tool_name(def).unwrap();
            let accepted = tool_arguments(name).unwrap_or_else(|| panic!("{setor}: {name} sem executor"));
            let props = def["function"]["parameters"]["properties"].as_object().unwrap();
            assert_eq!(props.len(), accepted.len(), "{setor}: {name}");
            for (arg, ty) in accepted {
                assert_eq!(props[arg]["type"], ty, "{setor}: {name}.{arg}");
            }
        }
    }
}
