//! The pt-BR question set: realistic customer messages (typos, no accents, all caps,
//! vc/tb/qto/blz, multi-turn follow-ups) over a realistic catalog of each setor, in
//! `tests/fixtures/bot/<setor>.json`, answered by the real rule engine (no LLM key) over a
//! real tenant SQLite file, through the simulator's sandbox. Each question lists facts the
//! answer must contain (`espera`, all; `espera_algum`, at least one), facts it must not
//! (`proibido`) and whether it must hand over to a person. Prints the pass rate per setor;
//! fails below 90% or on any invented price (a money amount that is not a catalog amount).

use std::collections::HashSet;

use helixai::bot::fallback::brl_amounts;
use helixai::catalogo::NovoItem;
use helixai::domain::{Setor, UsuarioId};
use helixai::pipeline::simulador;
use helixai::provision::{criar_empresa, PedidoEmpresa};
use helixai::store::central::BotAlteracao;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::support::{open_app, test_config, TestDir};

#[derive(Deserialize)]
struct Fixture {
    empresa: EmpresaFx,
    #[serde(default)]
    catalogo: Vec<NovoItem>,
    /// Use the `serve --demo` catalog of the setor instead.
    #[serde(default)]
    catalogo_demo: bool,
    perguntas: Vec<Pergunta>,
}

#[derive(Deserialize)]
struct EmpresaFx {
    nome: String,
    setor: Setor,
    #[serde(default)]
    configuracoes: Map<String, Value>,
}

#[derive(Deserialize)]
struct Pergunta {
    #[serde(default)]
    pergunta: Option<String>,
    #[serde(default)]
    conversa: Vec<String>,
    #[serde(default)]
    espera: Vec<String>,
    #[serde(default)]
    espera_algum: Vec<String>,
    #[serde(default)]
    proibido: Vec<String>,
    #[serde(default)]
    handoff: Option<bool>,
}

/// Lowercase, accent-free: facts match however the answer writes them.
fn dobrar(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).map(helixai::catalogo::fold_char).collect()
}

struct Resultado {
    total: usize,
    certas: usize,
    falhas: Vec<String>,
    inventados: Vec<String>,
}

/// Every question file of a setor: `tests/fixtures/bot/<setor>*.json`.
fn arquivos(setor: &str) -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bot");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/bot")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(setor) && n.ends_with(".json"))
        })
        .collect();
    out.sort();
    out
}

fn rodar_fixture(setor: &str, mut fx: Fixture) -> Resultado {
    if fx.catalogo_demo {
        fx.catalogo = helixai::demo::empresas_demo()
            .into_iter()
            .find(|(_, _, s, _)| *s == fx.empresa.setor)
            .map(|(_, _, _, itens)| itens)
            .expect("demo catalog of the setor");
    }
    let dir = TestDir::new();
    let app = open_app(&dir, test_config());
    let e = criar_empresa(
        &app,
        &PedidoEmpresa {
            nome: fx.empresa.nome.clone(),
            slug: setor.to_string(),
            setor: fx.empresa.setor,
            whatsapp_phone_number_id: None,
            plano_id: None,
        },
    )
    .expect("empresa");
    let bot = BotAlteracao { configuracoes: fx.empresa.configuracoes.clone(), ..BotAlteracao::default() };
    app.central.empresa_definir_bot(e.id, &bot).expect("bot settings");
    let e = app.central.empresa(e.id).expect("read").expect("empresa");
    let itens: Vec<_> = fx.catalogo.iter().map(|i| i.validar(fx.empresa.setor).expect("valid item")).collect();
    app.tenant_db(&e).expect("db").catalogo_criar_varios(&itens).expect("catalog");
    let mut dinheiro: HashSet<i64> = HashSet::new();
    for i in &fx.catalogo {
        dinheiro.extend(i.preco_centavos);
        for (k, v) in &i.atributos {
            if k.ends_with("_centavos") {
                dinheiro.extend(v.as_i64());
            }
        }
    }
    let mut r = Resultado { total: 0, certas: 0, falhas: Vec::new(), inventados: Vec::new() };
    let mostrar = std::env::var_os("HELIXAI_PERGUNTAS").is_some();
    for (n, p) in fx.perguntas.iter().enumerate() {
        if mostrar {
            println!("--- {n}");
        }
        let turnos: Vec<String> = p.pergunta.iter().cloned().chain(p.conversa.iter().cloned()).collect();
        let sessao = format!("q{n}");
        let mut ultima = None;
        for t in &turnos {
            let s = simulador::simular(&app, &e, UsuarioId(1), &sessao, t).expect("simular");
            if mostrar {
                println!("  > {t}\n  < {}  [{}]", s.resposta.replace('\n', "\n    "), s.explicacao.intencao);
                if std::env::var_os("HELIXAI_PERGUNTAS_DEBUG").is_some() {
                    println!("  ? {} {:?}", s.explicacao.entendimento, s.explicacao.ferramentas);
                }
            }
            for v in brl_amounts(&s.resposta) {
                if !dinheiro.contains(&v) {
                    r.inventados.push(format!("{t:?} → {} (valor {v} centavos)", s.resposta));
                }
            }
            ultima = Some(s);
        }
        let Some(s) = ultima else { continue };
        r.total += 1;
        let texto = dobrar(&s.resposta);
        let mut erros = Vec::new();
        for f in &p.espera {
            if !texto.contains(&dobrar(f)) {
                erros.push(format!("falta {f:?}"));
            }
        }
        if !p.espera_algum.is_empty() && !p.espera_algum.iter().any(|f| texto.contains(&dobrar(f))) {
            erros.push(format!("falta um de {:?}", p.espera_algum));
        }
        for f in &p.proibido {
            if texto.contains(&dobrar(f)) {
                erros.push(format!("não devia ter {f:?}"));
            }
        }
        if let Some(h) = p.handoff {
            if h != (s.handoff || s.ficha.transferida) {
                erros.push(format!("handoff esperado {h}"));
            }
        }
        if erros.is_empty() {
            r.certas += 1;
        } else {
            let chamadas: Vec<String> = s
                .explicacao
                .ferramentas
                .iter()
                .map(|f| format!("{} {} = {}", f.nome, f.argumentos, f.resultado))
                .collect();
            r.falhas.push(format!(
                "{turnos:?}\n    → {}\n    ({}; intenção {}; {})",
                s.resposta.replace('\n', " ⏎ "),
                erros.join(", "),
                s.explicacao.intencao,
                chamadas.join(" | ")
            ));
        }
    }
    r
}

fn conferir(setor: &str) {
    let mut total = Resultado { total: 0, certas: 0, falhas: Vec::new(), inventados: Vec::new() };
    for path in arquivos(setor) {
        let nome = path.file_stem().and_then(|n| n.to_str()).unwrap_or(setor).to_string();
        let fx: Fixture =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("fixture json");
        let r = rodar_fixture(&nome.replace('_', "-"), fx);
        println!("perguntas {nome}: {}/{} certas", r.certas, r.total);
        total.total += r.total;
        total.certas += r.certas;
        total.falhas.extend(r.falhas);
        total.inventados.extend(r.inventados);
    }
    let taxa = 100.0 * total.certas as f64 / total.total.max(1) as f64;
    println!(
        "perguntas {setor}: {}/{} certas ({taxa:.0}%), {} preços inventados",
        total.certas,
        total.total,
        total.inventados.len()
    );
    for f in &total.falhas {
        println!("  FALHOU {f}");
    }
    assert!(total.total >= 20, "{setor}: pelo menos 20 perguntas (há {})", total.total);
    assert!(total.inventados.is_empty(), "{setor}: preços inventados:\n{}", total.inventados.join("\n"));
    assert!(taxa >= 90.0, "{setor}: {taxa:.0}% < 90%:\n{}", total.falhas.join("\n"));
}

#[test]
fn veiculos() {
    conferir("veiculos");
}

#[test]
fn imoveis() {
    conferir("imoveis");
}

#[test]
fn autopecas() {
    conferir("autopecas");
}

#[test]
fn varejo() {
    conferir("varejo");
}

#[test]
fn servicos() {
    conferir("servicos");
}

/// Any question file, every turn printed: `HELIXAI_PERGUNTAS=arquivo.json cargo test --test
/// integration bot_perguntas::explorar -- --ignored --nocapture` (trying a catalog or new
/// phrasings without adding them to the set).
#[test]
#[ignore]
fn explorar() {
    let path = std::env::var("HELIXAI_PERGUNTAS").expect("HELIXAI_PERGUNTAS=arquivo.json");
    let fx: Fixture = serde_json::from_str(&std::fs::read_to_string(&path).expect("arquivo")).expect("json");
    let r = rodar_fixture("explorar", fx);
    println!("{}/{} certas", r.certas, r.total);
    for f in r.falhas.iter().chain(&r.inventados) {
        println!("  FALHOU {f}");
    }
}
