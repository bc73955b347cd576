//! Questions about one attribute of an item (`qual a km?`, `é automático?`, `quantos
//! quartos?`, `tem garagem?`, `qual o condomínio?`, `serve no palio 2010?`, `tem em
//! estoque?`) and their answers, read from that item's own fields (and its description when
//! the field is empty). Never a value that is not in the item.

use serde::Serialize;
use serde_json::Value;

pub use super::descricao::{feminino, menciona, trecho};
use super::dinheiro::{agrupar, format_brl};
use super::lexico::{CAMBIOS, COMBUSTIVEIS};
use super::texto::{has_any, normalize, stem, words};
use crate::bot::tools::CatalogItem;
use crate::domain::Setor;

/// An attribute a customer may ask about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Atributo {
    Preco,
    Km,
    Ano,
    Cambio,
    Cor,
    Combustivel,
    Portas,
    Versao,
    Quartos,
    Banheiros,
    Vagas,
    Area,
    Condominio,
    Iptu,
    Localizacao,
    Finalidade,
    Aplicacao,
    Codigo,
    Marca,
    Estoque,
    /// How long a service takes.
    Duracao,
    /// Clothes and shoe sizes (`tem no 42?`).
    Tamanho,
    Detalhes,
}

/// One attribute question, with the value a yes/no question expects (`é automático?`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pergunta {
    pub atributo: Atributo,
    pub esperado: Option<String>,
}

fn p(atributo: Atributo, esperado: Option<&str>) -> Pergunta {
    Pergunta { atributo, esperado: esperado.map(str::to_string) }
}

/// Whether a number sits right before `word` in `ws` (`50 mil km` is a filter, not a question).
fn numero_antes(ws: &[&str], word: &str) -> bool {
    ws.iter().enumerate().any(|(i, w)| {
        *w == word
            && i > 0
            && (ws[i - 1].chars().any(|c| c.is_ascii_digit())
                || matches!(ws[i - 1], "mil" | "k" | "pouco" | "pouca" | "baixa" | "baixo" | "menos" | "menor"))
    })
}

/// The attribute questions in a normalised message of `setor`.
#[rustfmt::skip]
pub fn perguntas(setor: Setor, norm: &str) -> Vec<Pergunta> {
    let ws = words(norm);
    let has = |w: &str| ws.contains(&w);
    let mut out = Vec::new();
    let pergunta_valor =
        has_any(norm, &["qual", "quais", "quanto", "quantos", "quantas", "que", "como", "tem", "possui", "e"]);
    if setor == Setor::Veiculos {
        if ["km", "quilometragem", "kilometragem", "rodagem", "rodado", "rodou", "odometro", "quilometros"]
            .iter()
            .any(|w| has(w) && !numero_antes(&ws, w))
        {
            out.push(p(Atributo::Km, None));
        }
        if has_any(
            norm,
            &[
                "que ano", "qual ano", "qual o ano", "ano dele", "ano do", "ano da", "o ano", "ano modelo",
                "ano de fabricacao", "fabricacao", "de que ano", "e ano", "qual e o ano", "qual ano e",
            ],
        ) {
            out.push(p(Atributo::Ano, None));
        }
        if has_any(norm, &["cambio", "marcha", "marchas"]) {
            out.push(p(Atributo::Cambio, None));
        } else if let Some((v, _)) =
            CAMBIOS.iter().find(|(_, w)| w.iter().any(|x| has_any(norm, &[&format!("e {x}"), &format!("ele e {x}")])))
        {
            out.push(p(Atributo::Cambio, Some(v)));
        }
        if has_any(
            norm,
            &["que cor", "qual cor", "qual a cor", "cor dele", "cor do", "cor da", "a cor", "quais cores", "que cores"],
        ) {
            out.push(p(Atributo::Cor, None));
        }
        if has_any(norm, &["combustivel", "qual combustivel", "movido a"]) {
            out.push(p(Atributo::Combustivel, None));
        } else if let Some((v, _)) =
            COMBUSTIVEIS.iter().find(|(_, w)| w.iter().any(|x| has_any(norm, &[&format!("e {x}"), &format!("a {x}")])))
        {
            out.push(p(Atributo::Combustivel, Some(v)));
        }
        if has_any(norm, &["portas", "quantas portas"]) && !numero_antes(&ws, "portas")
            || has_any(norm, &["e 4 portas", "e 2 portas"])
        {
            out.push(p(Atributo::Portas, ws.iter().find(|w| **w == "4" || **w == "2").copied()));
        }
        if has_any(norm, &["versao", "motor", "motorizacao", "qual motor", "e turbo", "cilindrada", "potencia"]) {
            out.push(p(Atributo::Versao, None));
        }
    }
    if setor == Setor::Imoveis {
        if ["quartos", "quarto", "dormitorios", "dormitorio", "dorms", "suites", "suite"]
            .iter()
            .any(|w| has(w) && !numero_antes(&ws, w))
            && pergunta_valor
        {
            out.push(p(Atributo::Quartos, None));
        }
        if ["banheiros", "banheiro", "wc", "lavabo"].iter().any(|w| has(w) && !numero_antes(&ws, w)) {
            out.push(p(Atributo::Banheiros, None));
        }
        if ["vaga", "vagas", "garagem", "estacionamento"].iter().any(|w| has(w) && !numero_antes(&ws, w))
            && pergunta_valor
        {
            out.push(p(Atributo::Vagas, None));
        }
        if has_any(norm, &["area", "metragem", "quantos metros", "tamanho", "m2", "e grande", "quantos m"])
            && !numero_antes(&ws, "m2")
        {
            out.push(p(Atributo::Area, None));
        }
        if has("condominio") && !has_any(norm, &["casa em condominio", "casas em condominio", "em condominio fechado"])
        {
            out.push(p(Atributo::Condominio, None));
        }
        if has("iptu") {
            out.push(p(Atributo::Iptu, None));
        }
        if has_any(
            norm,
            &[
                "qual bairro", "que bairro", "qual o bairro", "onde fica", "fica onde", "localizacao", "qual regiao",
                "que regiao", "e onde", "endereco do", "endereco dele", "endereco desse", "endereco dessa",
                "endereco da",
            ],
        ) {
            out.push(p(Atributo::Localizacao, None));
        }
        if has_any(
            norm,
            &[
                "venda ou aluguel", "aluguel ou venda", "e para alugar", "e para vender", "e para venda", "e aluguel",
                "esta a venda", "e venda", "pode alugar", "vende ou aluga",
            ],
        ) {
            out.push(p(Atributo::Finalidade, None));
        }
    }
    if setor == Setor::Autopecas {
        if has_any(
            norm,
            &[
                "serve", "servir", "compativel", "compatibilidade", "aplicacao", "encaixa", "funciona no",
                "funciona na", "funciona em", "para qual carro", "qual carro", "quais carros", "da no", "bate no",
            ],
        ) {
            let alvo = [
                "serve no", "serve na", "serve em", "serve para o", "serve para", "compativel com o",
                "compativel com", "funciona no", "funciona na", "encaixa no", "da no", "bate no",
            ]
            .iter()
            .find_map(|m| norm.split_once(&format!("{m} ")).map(|(_, r)| r.trim().to_string()))
            .filter(|r| !r.is_empty());
            out.push(Pergunta { atributo: Atributo::Aplicacao, esperado: alvo });
        }
        if has_any(
            norm,
            &[
                "qual o codigo", "qual codigo", "codigo dela", "codigo dele", "qual a referencia", "numero da peca",
                "qual o numero", "codigo oem", "o codigo",
            ],
        ) && !ws.iter().any(|w| w.len() >= 4 && w.chars().any(|c| c.is_ascii_digit()))
        {
            // Asking for the code, not giving one ("tem o código PSL55?").
            out.push(p(Atributo::Codigo, None));
        }
        if has_any(
            norm,
            &[
                "qual marca", "qual a marca", "que marca", "fabricante", "e original", "original ou", "e paralela",
                "marca dela", "marca dele",
            ],
        ) {
            out.push(p(Atributo::Marca, None));
        }
    }
    if matches!(setor, Setor::Autopecas | Setor::Varejo)
        && has_any(
            norm,
            &[
                "em estoque", "estoque", "quantas unidades", "quantos tem", "tem quantas", "tem quantos",
                "pronta entrega", "pronto entrega", "quantas tem", "tem disponivel", "esta disponivel", "ainda tem",
            ],
        )
    {
        out.push(p(Atributo::Estoque, None));
    }
    if setor == Setor::Varejo {
        if has_any(
            norm,
            &[
                "que cor", "qual cor", "qual a cor", "quais cores", "que cores", "quais as cores", "quais sao as cores",
                "tem em que cor", "tem cor", "outras cores", "outra cor", "mais cores", "tem cores", "cores tem",
                "cores que tem", "as cores",
            ],
        ) {
            out.push(p(Atributo::Cor, None));
        }
        if let Some((valor, _)) = super::tamanho::pergunta(norm) {
            // "e na vermelha tem G?": the colour is asked too.
            let cor = ws.iter().find(|w| super::lexico::CORES.contains(w));
            if let (Some(cor), false) = (cor, out.iter().any(|p| p.atributo == Atributo::Cor)) {
                out.push(p(Atributo::Cor, Some(cor)));
            }
            out.push(Pergunta { atributo: Atributo::Tamanho, esperado: valor });
        }
    }
    if has_any(norm, &["quanto tempo", "demora", "demorado", "duracao", "quanto dura", "dura quanto", "leva quanto tempo", "tempo de"]) {
        out.push(p(Atributo::Duracao, None));
    }
    if has_any(
        norm,
        &[
            "detalhes", "mais informacoes", "mais informacao", "fala mais", "conta mais", "me fala sobre",
            "descricao", "ficha", "mais sobre", "como ele e", "como ela e", "foto", "fotos", "saber mais",
        ],
    ) {
        out.push(p(Atributo::Detalhes, None));
    }
    out
}

/// An attribute answer for one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resposta {
    /// The pt-BR sentence (the item's name in bold).
    pub texto: String,
    /// False when the item has no such information.
    pub conhecido: bool,
}

fn attr<'a>(item: &'a CatalogItem, k: &str) -> Option<&'a Value> {
    item.atributos.get(k).filter(|v| !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty()))
}

fn texto_de(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) if f.fract() == 0.0 => format!("{f:.0}"),
            _ => n.to_string().replace('.', ","),
        },
        other => other.to_string(),
    }
}

fn int(item: &CatalogItem, k: &str) -> Option<i64> {
    attr(item, k).and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f.round() as i64)))
}

fn plural(n: i64, um: &str, varios: &str) -> String {
    if n == 1 {
        format!("1 {um}")
    } else {
        format!("{n} {varios}")
    }
}

/// Answers `p` about `item` from its fields.
pub fn responder(item: &CatalogItem, p: &Pergunta) -> Resposta {
    let mut r = responder_masculino(item, p);
    if feminino(&item.nome) {
        let nome = format!("*{}*", item.nome.trim());
        for (m, f) in [("O ", "A "), ("o ", "a "), ("do ", "da ")] {
            r.texto = r.texto.replace(&format!("{m}{nome}"), &format!("{f}{nome}"));
        }
    }
    r
}

fn responder_masculino(item: &CatalogItem, p: &Pergunta) -> Resposta {
    let nome = format!("*{}*", item.nome.trim());
    let ok = |texto: String| Resposta { texto, conhecido: true };
    let sem = || Resposta { texto: format!("Essa informação não está no cadastro do {nome}."), conhecido: false };
    let sim_nao = |tem: bool, valor: &str, esperado: &str| {
        if tem {
            ok(format!("Sim, o {nome} é {valor}."))
        } else {
            ok(format!("Não, o {nome} é {valor} (não {esperado})."))
        }
    };
    match p.atributo {
        Atributo::Preco => match item.preco_centavos {
            Some(c) => ok(format!("O {nome} está por {}.", format_brl(c))),
            None => ok(format!("O preço do {nome} é sob consulta.")),
        },
        Atributo::Km => match int(item, "km") {
            Some(0) => ok(format!("O {nome} é 0 km.")),
            Some(km) => ok(format!("O {nome} tem {} km rodados.", agrupar(km.unsigned_abs()))),
            None => sem(),
        },
        Atributo::Ano => int(item, "ano").map_or_else(sem, |a| ok(format!("O {nome} é ano {a}."))),
        Atributo::Cambio => match attr(item, "cambio").map(texto_de) {
            Some(c) => match &p.esperado {
                Some(e) => sim_nao(canonico(CAMBIOS, &c) == Some(e.as_str()), &c, e),
                None => ok(format!("O câmbio do {nome} é {c}.")),
            },
            None => sem(),
        },
        Atributo::Cor => match attr(item, "cor").map(texto_de) {
            Some(c) => ok(format!("O {nome} é {c}.")),
            // Clothes and shoes: the description's sentence about colours (`Cores: rosa e lilás`).
            None => {
                let frase = item
                    .descricao
                    .split(['.', ';', '\n'])
                    .map(str::trim)
                    .find(|f| normalize(f).split(' ').any(|w| w == "cor" || w == "cores"));
                match (frase, p.esperado.as_deref()) {
                    (None, _) => sem(),
                    (Some(f), None) => ok(format!("Sobre o {nome}: {f}.")),
                    (Some(f), Some(cor)) if normalize(f).split(' ').any(|w| stem(w) == stem(cor)) => {
                        ok(format!("Sim, o {nome} vem na cor {cor} ({f})."))
                    }
                    (Some(f), Some(cor)) => ok(format!("Pelo cadastro, o {nome} não vem na cor {cor} ({f}).")),
                }
            }
        },
        Atributo::Combustivel => match attr(item, "combustivel").map(texto_de) {
            Some(c) => match &p.esperado {
                Some(e) => sim_nao(canonico(COMBUSTIVEIS, &c) == Some(e.as_str()), &c, e),
                None => ok(format!("O {nome} é {c}.")),
            },
            None => sem(),
        },
        Atributo::Portas => {
            int(item, "portas").map_or_else(sem, |n| ok(format!("O {nome} tem {}.", plural(n, "porta", "portas"))))
        }
        Atributo::Versao => {
            attr(item, "versao").map(texto_de).map_or_else(sem, |v| ok(format!("A versão do {nome} é {v}.")))
        }
        Atributo::Quartos => {
            int(item, "quartos").map_or_else(sem, |n| ok(format!("O {nome} tem {}.", plural(n, "quarto", "quartos"))))
        }
        Atributo::Banheiros => int(item, "banheiros")
            .map_or_else(sem, |n| ok(format!("O {nome} tem {}.", plural(n, "banheiro", "banheiros")))),
        Atributo::Vagas => match int(item, "vagas") {
            Some(0) => ok(format!("O {nome} não tem vaga de garagem.")),
            Some(n) => ok(format!("O {nome} tem {} de garagem.", plural(n, "vaga", "vagas"))),
            None => sem(),
        },
        Atributo::Area => attr(item, "area_m2").map(texto_de).map_or_else(sem, |a| ok(format!("O {nome} tem {a} m²."))),
        Atributo::Condominio => match int(item, "condominio_centavos") {
            Some(0) => ok(format!("O {nome} não tem condomínio.")),
            Some(c) => ok(format!("O condomínio do {nome} é {} por mês.", format_brl(c))),
            None => sem(),
        },
        Atributo::Iptu => match int(item, "iptu_centavos") {
            Some(0) => ok(format!("O {nome} é isento de IPTU.")),
            Some(c) => ok(format!("O IPTU do {nome} é {}.", format_brl(c))),
            None => sem(),
        },
        Atributo::Localizacao => {
            let bairro = attr(item, "bairro").map(texto_de);
            let cidade = attr(item, "cidade").map(texto_de);
            match (bairro, cidade) {
                (Some(b), Some(c)) => ok(format!("O {nome} fica no bairro {b}, em {c}.")),
                (Some(b), None) => ok(format!("O {nome} fica no bairro {b}.")),
                (None, Some(c)) => ok(format!("O {nome} fica em {c}.")),
                (None, None) => sem(),
            }
        }
        Atributo::Finalidade => match attr(item, "finalidade").map(texto_de).as_deref() {
            Some("aluguel") => ok(format!("O {nome} é para aluguel.")),
            Some("venda") => ok(format!("O {nome} é para venda.")),
            _ => sem(),
        },
        Atributo::Aplicacao => aplicacao(item, p.esperado.as_deref(), &nome),
        Atributo::Codigo => {
            attr(item, "codigo_oem").map(texto_de).map_or_else(sem, |c| ok(format!("O código do {nome} é {c}.")))
        }
        Atributo::Marca => {
            attr(item, "marca").map(texto_de).map_or_else(sem, |m| ok(format!("A marca do {nome} é {m}.")))
        }
        Atributo::Estoque => match (int(item, "estoque"), item.disponivel) {
            (_, false) | (Some(0), _) => ok(format!("O {nome} está sem estoque no momento.")),
            (Some(n), true) => ok(format!("Temos {} do {nome} em estoque.", plural(n, "unidade", "unidades"))),
            (None, true) => ok(format!("O {nome} está disponível.")),
        },
        Atributo::Tamanho => {
            let (texto, conhecido) = super::tamanho::responder(item, p.esperado.as_deref(), &nome);
            Resposta { texto, conhecido }
        }
        Atributo::Duracao => {
            let frase = item.descricao.split(['.', ';']).map(str::trim).find(|f| {
                let n = normalize(f);
                n.contains("duracao") || n.contains("dura ") || n.contains("minutos") || n.contains("hora")
            });
            match frase {
                Some(f) => ok(format!("{nome}: {f}.")),
                None => sem(),
            }
        }
        Atributo::Detalhes => {
            let d = item.descricao.trim();
            if d.is_empty() {
                sem()
            } else {
                let d: String = d.chars().take(400).collect();
                ok(format!("{nome}: {d}"))
            }
        }
    }
}

/// The group value (`automatico`) a catalog value (`Automático`, `CVT`) belongs to.
pub fn canonico(grupos: &[(&'static str, &[&str])], valor: &str) -> Option<&'static str> {
    let n = normalize(valor);
    grupos.iter().find(|(_, ws)| n.split(' ').any(|w| ws.contains(&w))).map(|(v, _)| *v)
}

fn aplicacao(item: &CatalogItem, alvo: Option<&str>, nome: &str) -> Resposta {
    let Some(apl) = attr(item, "aplicacao").map(texto_de) else {
        return Resposta { texto: format!("A aplicação do {nome} não está cadastrada."), conhecido: false };
    };
    let Some(alvo) = alvo else {
        return Resposta { texto: format!("O {nome} serve em: {apl}."), conhecido: true };
    };
    let apl_norm = normalize(&apl);
    let apl_words: Vec<String> =
        apl_norm.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(stem).collect();
    let modelos: Vec<&str> = words(alvo)
        .into_iter()
        .filter(|w| w.len() >= 2 && !w.chars().all(|c| c.is_ascii_digit()) && !super::texto::is_stopword(w))
        .collect();
    if modelos.is_empty() {
        return Resposta { texto: format!("O {nome} serve em: {apl}."), conhecido: true };
    }
    if apl_words.iter().any(|w| w == "universal") {
        return Resposta {
            texto: format!("Pelo cadastro, o {nome} é universal ({apl}). Confirme o modelo do seu carro com a gente antes de comprar."),
            conhecido: true,
        };
    }
    if modelos.iter().any(|m| apl_words.contains(&stem(m))) {
        Resposta {
            texto: format!("Pelo cadastro, o {nome} serve em {apl}. Confirme o ano e o motor do seu carro com a gente antes de comprar."),
            conhecido: true,
        }
    } else {
        Resposta {
            texto: format!("Pelo cadastro, o {nome} é para {apl}; não consta {}.", modelos.join(" ")),
            conhecido: true,
        }
    }
}

#[cfg(test)]
#[path = "atributos_tests.rs"]
mod tests;
