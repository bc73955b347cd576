//! SQL for who wrote a message: the lead of an arriving message, found by its business-scoped
//! user id (BSUID; the `@lid` JID on the QR-code channel) first, then by any form of its
//! phone, in ONE statement; the key the lead lacked filled in; a lead moved to the new number
//! a `user_changed_number` message announces (with a visible 'sistema' line in its conversa);
//! and the sender with neither phone nor BSUID, who gets a lead and conversa of their own.
//!
//! Why (issue #17): with WhatsApp usernames a customer may write with a phone, without it
//! (`from: ""`, only `from_user_id`), or both, and may change number. Keyed by phone alone,
//! one person became several leads, and senders with no key at all merged into one.

use rusqlite::{params, OptionalExtension, Transaction};

use super::conversas::{conversa_do_lead, inserir_mensagem, EntradaRegistrada, NovaEntrada, Origem};
use crate::domain::{ConversaId, MensagemId};
use crate::error::Result;

/// The new keys of a customer who changed number (a `system` message): the lead found by the
/// message's old keys takes them.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrocaDeNumero<'a> {
    /// The new number, canonical form (`None`: unchanged or not given).
    pub wa_id: Option<&'a str>,
    /// Other forms of the new number (the 9th digit).
    pub variantes: &'a [String],
    /// The new BSUID (`user_changed_user_id`).
    pub user_id: Option<&'a str>,
    /// Where replies go from now on: the new number as Meta gave it.
    pub destino: Option<&'a str>,
}

/// A lead found for a message: its id and the keys it already has.
struct Achado {
    id: i64,
    wa_id: Option<String>,
    user_id: Option<String>,
}

/// The message's phone forms: the canonical one first, then its variants (at most three are
/// looked up: today there are at most two, with and without the 9th digit).
fn formas<'a>(wa_id: &'a str, variantes: &'a [String]) -> Vec<&'a str> {
    let mut formas: Vec<&str> = Vec::with_capacity(1 + variantes.len());
    for f in std::iter::once(wa_id).chain(variantes.iter().map(String::as_str)) {
        if !f.is_empty() && !formas.contains(&f) {
            formas.push(f);
        }
    }
    formas.truncate(3);
    formas
}

/// The lead holding this BSUID, else the one holding the first form of the number that has
/// one; and whether ANOTHER lead holds the number (two rows: the BSUID's lead and a phone
/// lead made before the two were known to be one person). One statement.
fn encontrar(tx: &Transaction<'_>, user_id: Option<&str>, formas: &[&str]) -> Result<(Option<Achado>, bool)> {
    let mut stmt = tx.prepare_cached(
        "SELECT id, wa_id, user_id FROM leads WHERE user_id = ?1 OR wa_id IN (?2, ?3, ?4)
         ORDER BY CASE WHEN user_id = ?1 THEN 0 WHEN wa_id = ?2 THEN 1 WHEN wa_id = ?3 THEN 2 ELSE 3 END LIMIT 2",
    )?;
    let mut rows = stmt.query(params![user_id, formas.first(), formas.get(1), formas.get(2)])?;
    let mut achados = Vec::with_capacity(2);
    while let Some(r) = rows.next()? {
        achados.push(Achado { id: r.get(0)?, wa_id: r.get(1)?, user_id: r.get(2)? });
    }
    let outro_tem_o_numero = achados.len() > 1;
    Ok((achados.into_iter().next(), outro_tem_o_numero))
}

/// The customer's lead: found by BSUID or any form of the number (and given the key it
/// lacked, the username, and the name if it had none), or created now; `true` when created.
/// A message with neither phone nor BSUID always gets a new lead: nothing says two such
/// senders are the same person. `nome` is only ever the customer's own profile name.
pub(super) fn lead_da_entrada(tx: &Transaction<'_>, e: &NovaEntrada<'_>, nome: Option<&str>) -> Result<(i64, bool)> {
    let user_id = e.user_id.filter(|u| !u.is_empty());
    let formas = formas(e.wa_id, e.wa_id_variantes);
    let fone = formas.first().copied();
    if fone.is_none() && user_id.is_none() {
        let id = tx
            .prepare_cached("INSERT INTO leads (nome, username) VALUES (?1, ?2) RETURNING id")?
            .query_row(params![nome, e.username], |r| r.get(0))?;
        return Ok((id, true));
    }
    let (achado, outro_tem_o_numero) = encontrar(tx, user_id, &formas)?;
    let Some(lead) = achado else {
        // No lead under any key, and this transaction is the only writer: a new one.
        let id = tx
            .prepare_cached(
                "INSERT INTO leads (wa_id, user_id, username, nome, telefone) VALUES (?1, ?2, ?3, ?4, ?1) RETURNING id",
            )?
            .query_row(params![fone, user_id, e.username, nome], |r| r.get(0))?;
        return Ok((id, true));
    };
    // Found by one key: the other is filled in, unless another lead already holds the number
    // (the unique index would refuse it; those two stay apart). A BSUID is only ever new
    // here: had another lead held it, that lead would have been found first.
    let fone_novo = fone.filter(|_| lead.wa_id.is_none() && !outro_tem_o_numero);
    let user_id_novo = user_id.filter(|_| lead.user_id.is_none());
    tx.prepare_cached(
        "UPDATE leads SET nome = COALESCE(nome, ?2), wa_id = COALESCE(wa_id, ?3), telefone = COALESCE(telefone, ?3),
             user_id = COALESCE(user_id, ?4), username = COALESCE(?5, username), atualizado_em = CURRENT_TIMESTAMP
         WHERE id = ?1",
    )?
    .execute(params![lead.id, nome, fone_novo, user_id_novo, e.username])?;
    Ok((lead.id, false))
}

/// Moves `lead` to the new keys, unless another lead already holds one of them (a customer
/// who wrote from the new number before the notice arrived): then nothing moves and that
/// lead's id is returned.
fn mudar_chaves(tx: &Transaction<'_>, lead: i64, troca: &TrocaDeNumero<'_>) -> Result<Option<i64>> {
    let novas = formas(troca.wa_id.unwrap_or(""), troca.variantes);
    let user_id = troca.user_id.filter(|u| !u.is_empty());
    let outro: Option<i64> = tx
        .prepare_cached(
            "SELECT id FROM leads WHERE (user_id = ?1 OR wa_id IN (?2, ?3, ?4)) AND id <> ?5 ORDER BY id LIMIT 1",
        )?
        .query_row(params![user_id, novas.first(), novas.get(1), novas.get(2), lead], |r| r.get(0))
        .optional()?;
    if outro.is_some() {
        return Ok(outro);
    }
    tx.prepare_cached(
        "UPDATE leads SET wa_id = COALESCE(?2, wa_id), telefone = COALESCE(?2, telefone), user_id = COALESCE(?3, user_id),
             atualizado_em = CURRENT_TIMESTAMP
         WHERE id = ?1",
    )?
    .execute(params![lead, novas.first(), user_id])?;
    Ok(None)
}

/// A number as people read it: `+` and its digits; a BSUID as it is.
fn legivel(chave: &str) -> String {
    if !chave.is_empty() && chave.bytes().all(|b| b.is_ascii_digit()) {
        format!("+{chave}")
    } else {
        chave.to_owned()
    }
}

/// The 'sistema' line a number change leaves in the conversa (pt-BR, for the attendant).
fn linha_da_troca(antigo: &str, troca: &TrocaDeNumero<'_>, outro: Option<i64>) -> String {
    let novo = troca.wa_id.or(troca.user_id).map(legivel).unwrap_or_default();
    let de = if antigo.is_empty() { String::new() } else { format!(" de {}", legivel(antigo)) };
    match outro {
        None => format!("O cliente trocou de número no WhatsApp{de} para {novo}. As respostas vão para o novo número."),
        Some(id) => format!(
            "O cliente trocou de número no WhatsApp{de} para {novo}, mas o novo número já pertence a outro contato \
             (lead {id}); este contato continua com o número antigo."
        ),
    }
}

/// Stores a number-change notice: finds the lead by the message's old keys (creating it if
/// the customer never wrote before), moves it to the new keys, and records the notice as a
/// 'sistema' line in its conversa, with the new number as where replies go. No bot job.
pub(super) fn troca_tx(
    tx: &Transaction<'_>,
    e: &NovaEntrada<'_>,
    troca: &TrocaDeNumero<'_>,
) -> Result<EntradaRegistrada> {
    let (lead, lead_novo) = lead_da_entrada(tx, e, None)?;
    let outro = mudar_chaves(tx, lead, troca)?;
    let antigo = if e.wa_id.is_empty() { e.user_id.unwrap_or("") } else { e.wa_id };
    let texto = linha_da_troca(antigo, troca, outro);
    let linha = NovaEntrada {
        texto: Some(&texto),
        destino: troca.destino.filter(|_| outro.is_none()),
        criar_job: false,
        troca: None,
        midia: None,
        ..e.clone()
    };
    let conversa = conversa_do_lead(tx, lead, lead_novo, &linha, Origem::Sistema)?;
    let mensagem = inserir_mensagem(tx, conversa, &linha, Origem::Sistema)?;
    Ok(EntradaRegistrada {
        nova: true,
        conversa_id: ConversaId(conversa),
        mensagem_id: MensagemId(mensagem),
        job: false,
        midia: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_of_a_number() {
        let v = vec!["5531991819932".to_owned(), "553191819932".to_owned()];
        assert_eq!(formas("5531991819932", &v), ["5531991819932", "553191819932"]);
        assert!(formas("", &[]).is_empty());
        assert_eq!(formas("", &v), ["5531991819932", "553191819932"]);
    }

    #[test]
    fn the_sistema_line_says_what_happened() {
        let troca = TrocaDeNumero { wa_id: Some("12195555358"), ..TrocaDeNumero::default() };
        assert_eq!(
            linha_da_troca("16505551234", &troca, None),
            "O cliente trocou de número no WhatsApp de +16505551234 para +12195555358. As respostas vão para o novo número."
        );
        assert!(linha_da_troca("16505551234", &troca, Some(7)).contains("já pertence a outro contato (lead 7)"));
        let bsuid = TrocaDeNumero { user_id: Some("US.2"), ..TrocaDeNumero::default() };
        assert!(linha_da_troca("US.1", &bsuid, None).contains("de US.1 para US.2"));
    }
}
