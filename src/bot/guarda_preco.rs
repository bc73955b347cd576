//! The price guard: every amount of money in an answer (any form the money parser reads:
//! `R$ 12.345`, `12.345 reais`, `12 mil`, `R$12k`, `/mês`) must be a price that a tool
//! returned in this conversa — this turn or an earlier one — or a current price of this
//! empresa's catalog (prices, condomínio, IPTU). The system prompt states the same rule.
//! A rejected answer is replaced by the rule engine's and logged with why.

use serde::Serialize;

use crate::bot::entender::dinheiro::{format_brl, quantias, Quantia};
use crate::bot::entender::vocabulario::Vocabulario;

/// Why an amount was allowed or refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decisao {
    /// The amount as read, formatted (`R$ 89.900,00`).
    pub valor: String,
    pub centavos: i64,
    pub permitido: bool,
    /// pt-BR reason.
    pub motivo: String,
}

/// Checks every amount in `texto`. `desta_rodada`: amounts in this turn's tool results;
/// `da_conversa`: amounts tool results carried in earlier turns; `catalogo`: the current
/// catalog (when it could be read).
pub fn verificar(
    texto: &str,
    desta_rodada: &[i64],
    da_conversa: &[i64],
    catalogo: Option<&Vocabulario>,
) -> Vec<Decisao> {
    quantias(texto)
        .into_iter()
        .filter(Quantia::e_dinheiro)
        .map(|q| {
            let c = q.centavos;
            let (permitido, motivo) = if desta_rodada.contains(&c) {
                (true, "veio de uma ferramenta nesta resposta")
            } else if da_conversa.contains(&c) {
                (true, "veio de uma ferramenta em uma mensagem anterior desta conversa")
            } else if catalogo.is_some_and(|v| v.preco_existe(c)) {
                (true, "é um valor atual do catálogo")
            } else {
                (false, "não veio de nenhuma ferramenta nesta conversa e não é um valor do catálogo")
            };
            Decisao { valor: format_brl(c), centavos: c, permitido, motivo: motivo.to_string() }
        })
        .collect()
}

/// The first refused amount, if any.
pub fn recusa(decisoes: &[Decisao]) -> Option<&Decisao> {
    decisoes.iter().find(|d| !d.permitido)
}

/// Words that claim an action only a tool can do (`agendei`, `está agendado`, `reservei`).
#[rustfmt::skip]
const PROMESSAS: &[&str] = &[
    "agendei", "esta agendad", "ficou agendad", "foi agendad", "agendado para", "agendada para", "reservei",
    "esta reservad", "foi reservad", "ja reservei", "confirmei sua", "confirmei o seu", "visita confirmada",
    "test drive confirmado", "horario confirmado",
];

/// Why an answer promises a booking no tool made this turn (`None` when it does not).
pub fn promessa_sem_acao(texto: &str, agendou: bool) -> Option<String> {
    if agendou {
        return None;
    }
    let norm = crate::bot::entender::texto::normalize(texto);
    PROMESSAS
        .iter()
        .find(|p| norm.contains(*p))
        .map(|p| format!("a resposta afirma um agendamento (\"{p}\") que nenhuma ferramenta fez"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::fake_tools::item;

    #[test]
    fn every_form_is_checked_against_tools_and_catalog() {
        let v = Vocabulario::construir([&item(1, "Civic", 9_890_000)]);
        let d = verificar("O Civic sai por 98.900 reais, ou R$ 98.900,00.", &[9_890_000], &[], Some(&v));
        assert_eq!(d.len(), 2);
        assert!(d.iter().all(|x| x.permitido));
        let d = verificar("Consigo fazer por 12.345 reais", &[], &[], Some(&v));
        assert!(!d[0].permitido && d[0].valor == "R$ 12.345,00", "{d:?}");
        let d = verificar("Aquele de antes, por R$ 65.900,00", &[], &[6_590_000], None);
        assert!(d[0].permitido && d[0].motivo.contains("anterior"));
        let d = verificar("por 98,9 mil", &[], &[], Some(&v));
        assert!(d[0].permitido && d[0].motivo.contains("catálogo"), "{d:?}");
        for t in ["fica por 12 mil", "R$12k à vista", "aluguel de 2.500/mês", "só 60 conto"] {
            let d = verificar(t, &[], &[], Some(&v));
            assert!(recusa(&d).is_some(), "{t}: {d:?}");
        }
        assert!(verificar("tem 42.000 km e é 2021", &[], &[], None).is_empty());
    }

    #[test]
    fn promises_need_a_tool() {
        assert!(promessa_sem_acao("Pronto, agendei sua visita para sábado!", false).is_some());
        assert!(promessa_sem_acao("Pronto, agendei sua visita para sábado!", true).is_none());
        assert!(promessa_sem_acao("Quer agendar uma visita?", false).is_none());
    }
}
