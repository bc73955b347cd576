//! Unit tests of tool-call execution and of the templates' agreement with it.

use super::*;
use crate::bot::agenda::Agenda;
use crate::bot::fake_tools::FakeTools;
use crate::bot::templates::{tool_name, Template};
use crate::domain::Setor;

/// Tuesday 2026-03-10, 09:00 in Brasília.
fn ctx() -> ContextoFerramentas {
    ContextoFerramentas {
        setor: Setor::Veiculos,
        agenda: Agenda::default(),
        agora: DataHora::de_iso("2026-03-10 09:00").unwrap(),
    }
}

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
        &ctx(),
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
        let o = execute_tool(name, args, &tools, &ctx());
        assert!(!o.ok, "{name} {args}");
        assert!(parse(&o)["erro"].is_string(), "{name} {args}: {}", o.content);
    }
    assert!(tools.queries.borrow().is_empty());
}

#[test]
fn common_tools_run() {
    let tools = FakeTools::veiculos();
    let d = execute_tool("detalhes_item", r#"{"id":2}"#, &tools, &ctx());
    assert_eq!(parse(&d)["item"]["nome"], "Chevrolet Onix LT 2021");
    assert_eq!(d.precos_centavos, vec![6_590_000]);
    assert!(!execute_tool("detalhes_item", r#"{"id":99}"#, &tools, &ctx()).ok);
    let a = execute_tool(
        "agendar_visita",
        r#"{"item_id":1,"data_hora":"2026-03-14T10:00","tipo":"test_drive","nome_cliente":"Ana"}"#,
        &tools,
        &ctx(),
    );
    assert_eq!(parse(&a)["status"], "agendado", "{}", a.content);
    assert_eq!(a.agendamento, Some(1));
    let feito = tools.agendamentos.borrow()[0].clone();
    assert_eq!(
        (feito.item_id, feito.data_hora.as_str(), feito.tipo.as_str()),
        (Some(ItemId(1)), "2026-03-14 10:00", "test_drive")
    );
    assert_eq!(tools.leads.borrow()[0].nome.as_deref(), Some("Ana"));
    let l = execute_tool(
        "registrar_lead",
        r#"{"nome":"Ana","orcamento":90000.5,"horario_preferido":"à tarde"}"#,
        &tools,
        &ctx(),
    );
    assert!(l.ok);
    assert_eq!(tools.leads.borrow()[1].orcamento_centavos, Some(9_000_050));
    assert_eq!(tools.leads.borrow()[1].horario_preferido.as_deref(), Some("à tarde"));
    let h = execute_tool("transferir_para_humano", r#"{"motivo":"negociacao"}"#, &tools, &ctx());
    assert!(h.handoff && h.ok);
    assert_eq!(tools.handoffs.borrow().as_slice(), ["negociacao".to_string()]);
    assert!(execute_tool("registrar_lead", "", &tools, &ctx()).ok, "empty arguments mean no arguments");
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

#[test]
fn agenda_tools_follow_the_hours_and_never_double_book() {
    let tools = FakeTools::veiculos();
    let h = execute_tool("consultar_horarios", r#"{"data":"2026-03-14","periodo":"manha"}"#, &tools, &ctx());
    let v = parse(&h);
    assert_eq!(v["horarios"], json!(["2026-03-14 08:00", "2026-03-14 09:00", "2026-03-14 10:00", "2026-03-14 11:00"]));
    assert_eq!(v["por_extenso"][0], "sábado, 14/03, às 8h");
    let ok = execute_tool("agendar_visita", r#"{"data_hora":"2026-03-14 09:00"}"#, &tools, &ctx());
    assert!(ok.ok);
    let de_novo = execute_tool("agendar_visita", r#"{"data_hora":"2026-03-14 09:00"}"#, &tools, &ctx());
    assert!(!de_novo.ok && parse(&de_novo)["erro"].as_str().unwrap().contains("ocupado"), "{}", de_novo.content);
    assert!(parse(&de_novo)["horarios_livres"].as_array().is_some_and(|l| !l.is_empty()));
    for fora in [
        r#"{"data_hora":"2026-03-15 10:00"}"#,
        r#"{"data_hora":"2026-03-10 08:00"}"#,
        r#"{"data_hora":"2026-03-14 12:00"}"#,
    ] {
        let r = execute_tool("agendar_visita", fora, &tools, &ctx());
        assert!(!r.ok, "{fora}: {}", r.content);
    }
    assert_eq!(tools.agendamentos.borrow().len(), 1);
    let h = execute_tool("consultar_horarios", r#"{"data":"2026-03-14","periodo":"manha"}"#, &tools, &ctx());
    assert!(!parse(&h)["horarios"].as_array().unwrap().contains(&json!("2026-03-14 09:00")));
}
