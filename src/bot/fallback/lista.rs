//! How a list of search results is answered: the opening line (found, loosened, missing
//! words), at most three item lines, what more there is, and the one next step (or the
//! customer's name, asked once); the list, the search and the offer are remembered.

use super::busca::{Achados, Pedido};
use super::{respostas, Fallback, Resposta, Turno};
use crate::bot::dialogo::{BuscaSalva, ItemMostrado, Oferta};
use crate::bot::entender::lexico;
use crate::bot::tools::CatalogItem;
use crate::domain::Setor;

/// The answer for a list of results, with `intro` replacing the default opening line.
pub(crate) fn listar(
    fb: &Fallback,
    pedido: &Pedido,
    achados: Achados,
    t: &mut Turno<'_>,
    intro: Option<&str>,
) -> Resposta {
    let setor = fb.setor;
    let palavras: Vec<String> = pedido.termos.iter().map(|t| t.palavra.clone()).collect();
    if !palavras.is_empty() {
        t.interesse = Some(palavras.join(" "));
    }
    if achados.itens.is_empty() {
        let texto = if achados.faltando.is_empty() {
            "Não encontrei opções com essas características no momento. 😕".to_string()
        } else if setor == Setor::Veiculos
            && achados.faltando.iter().any(|f| lexico::MARCAS_VEICULOS.contains(&f.as_str()))
        {
            let marca = achados
                .faltando
                .iter()
                .find(|f| lexico::MARCAS_VEICULOS.contains(&f.as_str()))
                .cloned()
                .unwrap_or_default();
            format!("No momento não temos {} no estoque. 😕", capitalizar(&marca))
        } else {
            format!("Não encontrei \"{}\" no catálogo da {} no momento. 😕", achados.faltando.join(" "), fb.empresa)
        };
        t.estado.oferta = Some(Oferta::Atendente { motivo: "sem_resultado".into() });
        return Resposta::texto(format!("{texto} Quer que eu chame um atendente para verificar com você?"));
    }
    let total = achados.itens.len();
    let mostrar: Vec<&CatalogItem> = achados.itens.iter().take(3).collect();
    let mut linhas: Vec<String> = Vec::new();
    // Services: "lavar meu carro" finds "Lavagem"; the car is context, not a missing product.
    const CONTEXTO_DE_SERVICO: &[&str] = &[
        "carro",
        "carros",
        "veiculo",
        "automovel",
        "cabelo",
        "cabelos",
        "unha",
        "unhas",
        "pele",
        "rosto",
        "corpo",
        "pe",
        "pes",
        "mao",
        "maos",
        "banco",
        "bancos",
        "casa",
        "sobrancelha",
        "barba",
    ];
    let sem_faltando = achados.faltando.is_empty()
        || (setor == Setor::Servicos && achados.faltando.iter().all(|f| CONTEXTO_DE_SERVICO.contains(&f.as_str())));
    let abertura = match (intro, &achados.relaxado, sem_faltando) {
        (Some(i), ..) => i.to_string(),
        (None, Some(r), _) => r.clone(),
        (None, None, false) => format!("Não encontrei \"{}\", mas tenho:", achados.faltando.join(" ")),
        // "Temos sim!" only for what can be sold now.
        (None, None, true) if total == 1 && !achados.itens[0].em_estoque() => "Encontrei no catálogo:".into(),
        (None, None, true) if total == 1 => "Temos sim! 😊".into(),
        (None, None, true) if pedido.filtros.tem_preco() => "Dentro do valor que você falou, tenho:".into(),
        (None, None, true) => "Encontrei estas opções:".into(),
    };
    linhas.push(abertura);
    for item in &mostrar {
        linhas.push(respostas::linha(setor, item));
    }
    // A new list makes any booking offer on the table stale ("o primeiro" now means an item).
    t.estado.agendamento = None;
    let shown: Vec<ItemMostrado> = mostrar
        .iter()
        .map(|i| ItemMostrado { id: i.id, nome: i.nome.trim().to_string(), preco_centavos: i.preco_centavos })
        .collect();
    t.estado.mostrar(shown);
    if total == 1 || mostrar.len() == 1 {
        t.interesse = Some(mostrar[0].nome.trim().to_string());
    }
    t.estado.busca = Some(BuscaSalva { termos: palavras, filtros: pedido.filtros.clone(), ordem: pedido.ordem });
    let unico_sem_estoque = mostrar.len() == 1 && !mostrar[0].em_estoque();
    let mais = total.saturating_sub(mostrar.len());
    if unico_sem_estoque {
        t.estado.oferta = Some(Oferta::Encomenda { item: mostrar[0].id });
        linhas.push(respostas::indisponivel(setor).into());
        return Resposta::texto(linhas.join("\n"));
    }
    if mais > 0 {
        linhas.push(format!("Tenho mais {mais} {} com esse perfil.", if mais == 1 { "opção" } else { "opções" }));
    }
    let pergunta_nome = t.estado.nome.is_none() && !t.estado.nome_perguntado;
    if mostrar.len() == 1 {
        t.estado.oferta = Some(if respostas::passo_e_agendar(setor) {
            Oferta::Agendar { item: Some(mostrar[0].id) }
        } else {
            Oferta::Atendente { motivo: "fechamento".into() }
        });
        if !pergunta_nome {
            linhas.push(respostas::proximo_passo(setor).into());
        }
    } else if mais > 0 {
        t.estado.oferta = Some(Oferta::MaisOpcoes);
        if !pergunta_nome {
            linhas.push("Quer ver mais opções ou saber mais de algum deles?".into());
        }
    } else {
        t.estado.oferta = respostas::passo_e_agendar(setor).then_some(Oferta::Agendar { item: None });
        if !pergunta_nome {
            linhas.push("Quer saber mais de algum deles? É só me dizer qual.".into());
        }
    }
    if pergunta_nome {
        t.estado.nome_perguntado = true;
        linhas.push("Aliás, com quem eu falo? 😊".into());
    }
    Resposta::texto(linhas.join("\n"))
}

pub(super) fn capitalizar(w: &str) -> String {
    let mut c = w.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}
