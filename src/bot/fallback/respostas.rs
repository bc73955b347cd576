//! The rule engine's pt-BR wording: item lines per setor (money formatted by code, never
//! typed), next-step questions, and the fixed answers (hours, address, handoff, help).

use serde_json::Value;

use crate::bot::entender::dinheiro::{agrupar, format_brl};
use crate::bot::tools::CatalogItem;
use crate::domain::Setor;

fn texto(item: &CatalogItem, k: &str) -> Option<String> {
    match item.atributos.get(k)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn int(item: &CatalogItem, k: &str) -> Option<i64> {
    item.atributos.get(k).and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f.round() as i64)))
}

/// `R$ 89.900,00`, `R$ 3.800,00/mês` for rentals, or `preço sob consulta`.
pub fn preco(item: &CatalogItem) -> String {
    match item.preco_centavos {
        Some(p) if texto(item, "finalidade").as_deref() == Some("aluguel") => format!("{}/mês", format_brl(p)),
        Some(p) => format_brl(p),
        None => "preço sob consulta".to_string(),
    }
}

/// The key facts of an item for its line (`2021 · 42.000 km · automático`).
pub fn resumo(setor: Setor, item: &CatalogItem) -> String {
    let mut partes: Vec<String> = Vec::new();
    match setor {
        Setor::Veiculos => {
            if let Some(a) = int(item, "ano").filter(|a| !item.nome.contains(&a.to_string())) {
                partes.push(a.to_string());
            }
            if let Some(km) = int(item, "km") {
                partes.push(if km == 0 { "0 km".into() } else { format!("{} km", agrupar(km.unsigned_abs())) });
            }
            partes.extend(texto(item, "cambio").map(|c| c.to_lowercase()));
            partes.extend(texto(item, "cor").map(|c| c.to_lowercase()));
        }
        Setor::Imoveis => {
            partes.extend(texto(item, "finalidade").map(|f| {
                if f == "aluguel" {
                    "aluguel".into()
                } else {
                    "venda".to_string()
                }
            }));
            partes.extend(texto(item, "bairro").filter(|b| !item.nome.contains(b.as_str())));
            partes.extend(texto(item, "area_m2").map(|a| format!("{} m²", a.trim_end_matches(".0"))));
            if let Some(q) = int(item, "quartos").filter(|q| *q > 0 && !item.nome.contains("quarto")) {
                partes.push(format!("{q} quarto{}", if q == 1 { "" } else { "s" }));
            }
            if let Some(v) = int(item, "vagas").filter(|v| *v > 0) {
                partes.push(format!("{v} vaga{}", if v == 1 { "" } else { "s" }));
            }
            if let Some(c) = int(item, "condominio_centavos").filter(|c| *c > 0) {
                partes.push(format!("cond. {}", format_brl(c)));
            }
        }
        Setor::Autopecas => {
            partes.extend(texto(item, "codigo_oem").map(|c| format!("cód. {c}")));
            partes.extend(texto(item, "aplicacao"));
            match int(item, "estoque") {
                Some(0) => {}
                Some(n) => partes.push(format!("{n} em estoque")),
                None => {}
            }
        }
        Setor::Varejo | Setor::Servicos => {}
    }
    partes.join(" · ")
}

/// `• *Toyota Corolla XEi 2021* — R$ 118.900,00 (42.000 km · automático)`.
pub fn linha(setor: Setor, item: &CatalogItem) -> String {
    let resumo = resumo(setor, item);
    let mut s = format!("• *{}* — {}", item.nome.trim(), preco(item));
    if !resumo.is_empty() {
        s.push_str(&format!(" ({resumo})"));
    }
    if !item.em_estoque() {
        s.push_str(match setor {
            Setor::Autopecas | Setor::Varejo => " — sem estoque no momento",
            _ => " — indisponível no momento",
        });
    }
    s
}

/// What to say about an item that cannot be sold now, and the offer that follows.
pub fn indisponivel(setor: Setor) -> &'static str {
    match setor {
        Setor::Autopecas | Setor::Varejo => {
            "Esse está sem estoque no momento. Quer que eu peça para a equipe verificar a encomenda e te avisar?"
        }
        Setor::Veiculos => {
            "Esse não está disponível no momento. Quer que eu peça para um vendedor te avisar de opções parecidas?"
        }
        Setor::Imoveis => {
            "Esse imóvel está indisponível no momento. Quer que eu peça para um corretor te mostrar opções parecidas?"
        }
        Setor::Servicos => {
            "Esse serviço está indisponível no momento. Quer que eu chame um atendente para ver uma alternativa?"
        }
    }
}

/// The next step offered after showing one item of `setor`.
pub fn proximo_passo(setor: Setor) -> &'static str {
    match setor {
        Setor::Veiculos => "Quer agendar uma visita ou um test drive para conhecer de perto?",
        Setor::Imoveis => "Quer agendar uma visita para conhecer o imóvel?",
        Setor::Servicos => "Quer agendar um horário?",
        Setor::Autopecas => "Quer que eu chame um vendedor para separar a peça e fechar o pedido?",
        Setor::Varejo => "Quer que eu chame um vendedor para fechar o pedido?",
    }
}

/// Whether the next step of `setor` is booking (else: a salesperson).
pub fn passo_e_agendar(setor: Setor) -> bool {
    matches!(setor, Setor::Veiculos | Setor::Imoveis | Setor::Servicos)
}

/// "the item" word of a setor (`o carro`, `o imóvel`...), for messages.
pub fn o_item(setor: Setor) -> &'static str {
    match setor {
        Setor::Veiculos => "o veículo",
        Setor::Imoveis => "o imóvel",
        Setor::Autopecas => "a peça",
        Setor::Varejo => "o produto",
        Setor::Servicos => "o serviço",
    }
}

/// What to ask when the customer wants a price but named nothing.
pub fn pergunta_o_que(setor: Setor) -> &'static str {
    match setor {
        Setor::Veiculos => "Claro! Qual modelo você procura? Se quiser, me diga também o ano ou até quanto pretende investir. 🙂",
        Setor::Imoveis => "Claro! Você procura para comprar ou alugar? Me diga também o tipo (casa, apartamento...), o bairro ou o número de quartos. 🙂",
        Setor::Autopecas => "Claro! Qual peça você procura e para qual carro (modelo, ano e motor)? Se tiver o código da peça, pode mandar também. 🙂",
        Setor::Varejo => "Claro! Qual produto você procura? Assim eu consulto o preço e a disponibilidade para você. 🙂",
        Setor::Servicos => "Claro! Qual serviço você procura? Assim eu te passo o valor. 🙂",
    }
}

/// `o *Corolla*` / `a *Kitnet no Centro*`.
pub fn o_nome(nome: &str) -> String {
    let a = if crate::bot::entender::atributos::feminino(nome) { "a" } else { "o" };
    format!("{a} *{}*", nome.trim())
}

/// `do *Corolla*` / `da *Kitnet no Centro*`.
pub fn do_nome(nome: &str) -> String {
    let a = if crate::bot::entender::atributos::feminino(nome) { "da" } else { "do" };
    format!("{a} *{}*", nome.trim())
}
