//! Full-text search of the inbox over what was said, the customer's name and phone.
//!
//! Messages and lead names are indexed by FTS5 (`mensagens_busca`, `leads_busca`: external
//! content, `unicode61 remove_diacritics 2`, kept by triggers in the same transaction as the
//! row — migration 0009), so "preco" finds "preço" and "JOAO" finds "João". Phone numbers are
//! matched by their digits anywhere in the number.
//!
//! Results are conversas, newest match first: a conversa whose name or phone matched ranks
//! by its newest message, one matched by its messages ranks by the newest matching message
//! (shown as its `trecho`). Matching messages are read newest first and the scan stops as
//! soon as a page of distinct conversas is filled, so a word present in every message costs
//! no more than a rare one.

use std::collections::{HashMap, HashSet};

use rusqlite::types::Value;
use rusqlite::Connection;

use super::inbox::{com_etiquetas, filtro_params, nomeados, row_resumo, ConversaResumo, FiltroConversas, Trecho};
use super::inbox::{FILTRO_SQL, RESUMO_SQL};
use super::TenantDb;
use crate::domain::MensagemId;
use crate::error::{Error, Result};

/// The most terms of one search (the rest are ignored).
const MAX_TERMOS: usize = 10;

/// An FTS5 query for what a person typed. Each run of letters and digits becomes a quoted,
/// literal term — so `"`, `*`, `-`, `:`, parentheses and the words `AND`, `OR`, `NOT`,
/// `NEAR` mean nothing special — and every term of two or more characters matches as a
/// prefix ("cor" finds "Corolla"). All terms must match. `None` when nothing is left.
pub fn consulta_fts(texto: &str) -> Option<String> {
    let termos: Vec<String> = texto
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(MAX_TERMOS)
        .map(|t| if t.chars().count() >= 2 { format!("\"{t}\"*") } else { format!("\"{t}\"") })
        .collect();
    (!termos.is_empty()).then(|| termos.join(" "))
}

/// The digits of a search that looks like a phone number (only digits, spaces and `+ - ( ) .`,
/// at least three digits), for a substring match on the lead's number.
pub fn digitos_telefone(texto: &str) -> Option<String> {
    let t = texto.trim();
    if !t.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.')) {
        return None;
    }
    let digitos: String = t.chars().filter(char::is_ascii_digit).collect();
    (digitos.len() >= 3).then_some(digitos)
}

/// A hit: the conversa, its sort key (a message id) and the matching message, if any.
struct Achado {
    chave: i64,
    conversa: i64,
    trecho: Option<i64>,
}

/// After the cursor (key, conversa id), newest first.
fn depois_de(apos: Option<(i64, i64)>, chave: i64, conversa: i64) -> bool {
    apos.is_none_or(|(k, id)| chave < k || (chave == k && conversa < id))
}

/// Conversas whose lead's name or phone matches, each with its newest message id.
fn por_lead(
    conn: &Connection,
    consulta: Option<&str>,
    digitos: Option<&str>,
    f: &FiltroConversas,
) -> Result<HashMap<i64, i64>> {
    let mut condicoes = Vec::new();
    let mut p = filtro_params(f);
    if let Some(q) = consulta {
        condicoes.push("c.lead_id IN (SELECT rowid FROM leads_busca WHERE leads_busca MATCH :consulta)");
        p.push((":consulta", Value::Text(q.to_owned())));
    }
    if let Some(d) = digitos {
        condicoes.push("c.lead_id IN (SELECT id FROM leads WHERE telefone LIKE :digitos OR wa_id LIKE :digitos)");
        p.push((":digitos", Value::Text(format!("%{d}%"))));
    }
    if condicoes.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT c.id, COALESCE((SELECT MAX(id) FROM mensagens WHERE conversa_id = c.id), 0) FROM conversas c
         WHERE ({}) AND {FILTRO_SQL}",
        condicoes.join(" OR ")
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(nomeados(&p).as_slice(), |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<HashMap<_, _>>>()?)
}

/// Up to `limite` conversas matched by their messages (not in `ja`), newest match first,
/// after the cursor. Stops reading matches as soon as the page is full.
fn por_mensagens(
    conn: &Connection,
    consulta: &str,
    f: &FiltroConversas,
    ja: &HashMap<i64, i64>,
    apos: Option<(i64, i64)>,
    limite: usize,
) -> Result<Vec<Achado>> {
    let sql = format!(
        "SELECT b.rowid, c.id FROM mensagens_busca b
         JOIN mensagens m ON m.id = b.rowid
         JOIN conversas c ON c.id = m.conversa_id
         WHERE mensagens_busca MATCH :consulta AND {FILTRO_SQL}
         ORDER BY b.rowid DESC"
    );
    let mut p = filtro_params(f);
    p.push((":consulta", Value::Text(consulta.to_owned())));
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(nomeados(&p).as_slice())?;
    // A conversa's first hit is its newest match, so a conversa seen above the cursor was on
    // an earlier page: remember every conversa met, page or not.
    let mut vistas: HashSet<i64> = ja.keys().copied().collect();
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let (mensagem, conversa): (i64, i64) = (r.get(0)?, r.get(1)?);
        if !vistas.insert(conversa) || !depois_de(apos, mensagem, conversa) {
            continue;
        }
        out.push(Achado { chave: mensagem, conversa, trecho: Some(mensagem) });
        if out.len() >= limite {
            break;
        }
    }
    Ok(out)
}

/// The listed rows of `achados`, in their order, with their keys and matching messages.
fn resumos(conn: &Connection, achados: &[Achado]) -> Result<Vec<ConversaResumo>> {
    let json = |ids: Vec<i64>| serde_json::to_string(&ids).map_err(|e| Error::Internal(format!("ids: {e}")));
    let sql = format!("{RESUMO_SQL} WHERE c.id IN (SELECT value FROM json_each(?1))");
    let mut stmt = conn.prepare(&sql)?;
    let mut por_id: HashMap<i64, ConversaResumo> = stmt
        .query_map([json(achados.iter().map(|a| a.conversa).collect())?], row_resumo)?
        .map(|r| r.map(|c| (c.id.0, c)))
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare(
        "SELECT id, texto, direcao, autor, criado_em FROM mensagens WHERE id IN (SELECT value FROM json_each(?1))",
    )?;
    let mut trechos: HashMap<i64, Trecho> = stmt
        .query_map([json(achados.iter().filter_map(|a| a.trecho).collect())?], |r| {
            Ok(Trecho {
                mensagem_id: MensagemId(r.get(0)?),
                texto: r.get(1)?,
                direcao: r.get(2)?,
                autor: r.get(3)?,
                criado_em: r.get(4)?,
            })
        })?
        .map(|r| r.map(|t| (t.mensagem_id.0, t)))
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(achados.len());
    for a in achados {
        let Some(mut c) = por_id.remove(&a.conversa) else { continue };
        c.ordem = format!("{:020}", a.chave);
        c.trecho = a.trecho.and_then(|t| trechos.remove(&t));
        out.push(c);
    }
    com_etiquetas(conn, &mut out)?;
    Ok(out)
}

impl TenantDb {
    /// Checks that both search indexes match their rows exactly (FTS5 `integrity-check`
    /// against the content tables); an error names the index.
    pub fn busca_verificar(&self) -> Result<()> {
        let conn = self.conn()?;
        for t in ["mensagens_busca", "leads_busca"] {
            conn.execute(&format!("INSERT INTO {t} ({t}, rank) VALUES ('integrity-check', 1)"), [])
                .map_err(|e| Error::Store(format!("índice de busca {t}: {e}")))?;
        }
        Ok(())
    }

    /// The inbox list for a search text (see the module docs); the other filters apply too.
    /// The cursor's `ordem` is the previous page's last key.
    pub fn inbox_buscar(&self, texto: &str, f: &FiltroConversas) -> Result<Vec<ConversaResumo>> {
        let consulta = consulta_fts(texto);
        let digitos = digitos_telefone(texto);
        if consulta.is_none() && digitos.is_none() {
            return Ok(Vec::new());
        }
        let apos = match &f.apos {
            Some((ordem, id)) => {
                Some((ordem.parse::<i64>().map_err(|_| Error::invalid("cursor_invalido", "cursor inválido"))?, *id))
            }
            None => None,
        };
        let limite = f.limite.clamp(1, 200) as usize;
        let conn = self.conn()?;
        let leads = por_lead(&conn, consulta.as_deref(), digitos.as_deref(), f)?;
        let mut achados = match &consulta {
            Some(q) => por_mensagens(&conn, q, f, &leads, apos, limite)?,
            None => Vec::new(),
        };
        achados.extend(leads.iter().filter(|(c, k)| depois_de(apos, **k, **c)).map(|(c, k)| Achado {
            chave: *k,
            conversa: *c,
            trecho: None,
        }));
        achados.sort_by_key(|a| std::cmp::Reverse((a.chave, a.conversa)));
        achados.truncate(limite);
        resumos(&conn, &achados)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_term_is_literal_and_long_ones_are_prefixes() {
        assert_eq!(consulta_fts("Onix 2020").as_deref(), Some(r#""Onix"* "2020"*"#));
        assert_eq!(consulta_fts(r#"preço" OR * NEAR(a b)"#).as_deref(), Some(r#""preço"* "OR"* "NEAR"* "a" "b""#));
        assert_eq!(consulta_fts("-carro:azul").as_deref(), Some(r#""carro"* "azul"*"#));
        assert_eq!(consulta_fts(r#" "*" %_ "#), None);
        assert_eq!(consulta_fts(&"a ".repeat(30)).map(|q| q.matches('"').count()), Some(2 * MAX_TERMOS));
    }

    #[test]
    fn only_phone_like_text_is_a_phone() {
        assert_eq!(digitos_telefone("+55 (11) 98888-7777").as_deref(), Some("5511988887777"));
        assert_eq!(digitos_telefone("7777").as_deref(), Some("7777"));
        assert_eq!(digitos_telefone("12"), None);
        assert_eq!(digitos_telefone("Onix 2020"), None);
    }
}
