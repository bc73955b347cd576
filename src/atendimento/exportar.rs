//! CSV exports of leads and of conversas (their messages) the way Brazilian spreadsheets
//! open them: UTF-8 with a BOM (Excel then reads accents right), `;` between fields (the
//! comma is the decimal separator here), CRLF line ends, pt-BR headers, dates as
//! `dd/mm/aaaa hh:mm` in the caller's time zone, money as `1.234,56`, statuses in words.
//!
//! A field that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
//! `'` so a spreadsheet never runs a customer's text as a formula (CSV injection).

use std::collections::HashMap;

use crate::clock::{data_hora_br, unix_de_sqlite};
use crate::error::{Error, Result};
use crate::store::tenant::exportacao::{FiltroExportacao, LinhaMensagem};
use crate::store::tenant::leads::Lead;
use crate::store::tenant::TenantDb;

/// Brasília time (UTC−3, no daylight saving since 2019): the default for exports.
pub const FUSO_PADRAO_MIN: i32 = -180;

/// A CSV being written.
struct Csv {
    buf: Vec<u8>,
}

impl Csv {
    fn new(cabecalho: &[&str]) -> Csv {
        let mut c = Csv { buf: "\u{feff}".as_bytes().to_vec() };
        c.linha(cabecalho);
        c
    }

    fn linha<S: AsRef<str>>(&mut self, campos: &[S]) {
        for (i, campo) in campos.iter().enumerate() {
            if i > 0 {
                self.buf.push(b';');
            }
            campo_csv(&mut self.buf, campo.as_ref());
        }
        self.buf.extend_from_slice(b"\r\n");
    }
}

/// One field: formula-looking text neutralized, quoted when it holds `;`, `"` or a line
/// break (quotes doubled).
fn campo_csv(out: &mut Vec<u8>, campo: &str) {
    let formula = campo.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let aspas = formula || campo.contains([';', '"', '\n', '\r']);
    if aspas {
        out.push(b'"');
    }
    if formula {
        out.push(b'\'');
    }
    for b in campo.bytes() {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    if aspas {
        out.push(b'"');
    }
}

/// Checks a time-zone offset in minutes east of UTC (−720 … +840).
pub fn validar_fuso(min: i32) -> Result<i32> {
    if (-720..=840).contains(&min) {
        Ok(min)
    } else {
        Err(Error::invalid("fuso_invalido", "fuso_min deve estar entre -720 e 840 (minutos em relação a UTC)"))
    }
}

/// A stored UTC timestamp as `dd/mm/aaaa hh:mm` at `fuso_min`.
fn data(ts: &str, fuso_min: i32) -> String {
    unix_de_sqlite(ts).map_or_else(|| ts.to_owned(), |t| data_hora_br(t + i64::from(fuso_min) * 60))
}

/// `123456` centavos → `1.234,56`.
fn reais(centavos: i64) -> String {
    let (sinal, c) = if centavos < 0 { ("-", -centavos) } else { ("", centavos) };
    let inteiro = (c / 100).to_string();
    let mut milhar = String::new();
    for (i, ch) in inteiro.chars().enumerate() {
        if i > 0 && (inteiro.len() - i) % 3 == 0 {
            milhar.push('.');
        }
        milhar.push(ch);
    }
    format!("{sinal}{milhar},{:02}", c % 100)
}

/// A lead's status in words.
pub fn status_lead(s: &str) -> &str {
    match s {
        "novo" => "Novo",
        "em_atendimento" => "Em atendimento",
        "qualificado" => "Qualificado",
        "visita_agendada" => "Visita agendada",
        "vendido" => "Vendido",
        "perdido" => "Perdido",
        outro => outro,
    }
}

fn status_mensagem(s: &str) -> &str {
    match s {
        "recebida" => "Recebida",
        "pendente" | "enviando" => "Enviando",
        "enviada" => "Enviada",
        "entregue" => "Entregue",
        "lida" => "Lida",
        "falhou" => "Falhou",
        "simulada" => "Simulada",
        outro => outro,
    }
}

/// The leads CSV; `equipe` names the usuarios (responsável). Returns the bytes and the row count.
pub fn leads(db: &TenantDb, equipe: &HashMap<i64, String>, fuso_min: i32) -> Result<(Vec<u8>, usize)> {
    let mut csv = Csv::new(&[
        "ID",
        "Nome",
        "Telefone",
        "E-mail",
        "Interesse",
        "Orçamento (R$)",
        "Status",
        "Etiquetas",
        "Responsável",
        "Notas",
        "Criado em",
        "Atualizado em",
    ]);
    let n = db.exportar_leads(|l: &Lead, etiquetas: &str| {
        csv.linha(&[
            l.id.0.to_string(),
            l.nome.clone().unwrap_or_default(),
            l.telefone.clone().unwrap_or_default(),
            l.email.clone().unwrap_or_default(),
            l.interesse.clone().unwrap_or_default(),
            l.orcamento_centavos.map(reais).unwrap_or_default(),
            status_lead(&l.status).to_owned(),
            etiquetas.to_owned(),
            l.responsavel_id.and_then(|u| equipe.get(&u).cloned()).unwrap_or_default(),
            l.notas.clone().unwrap_or_default(),
            data(&l.criado_em, fuso_min),
            data(&l.atualizado_em, fuso_min),
        ]);
        Ok(())
    })?;
    Ok((csv.buf, n))
}

/// The conversas CSV: one row per message. Returns the bytes and the row count.
pub fn conversas(
    db: &TenantDb,
    f: &FiltroExportacao,
    equipe: &HashMap<i64, String>,
    fuso_min: i32,
) -> Result<(Vec<u8>, usize)> {
    let mut csv = Csv::new(&[
        "Conversa",
        "Cliente",
        "Telefone",
        "Canal",
        "Data",
        "Direção",
        "Autor",
        "Atendente",
        "Tipo",
        "Mensagem",
        "Status",
        "Erro",
    ]);
    let n = db.exportar_mensagens(f, |m: &LinhaMensagem| {
        let autor = match m.autor.as_str() {
            "cliente" => "Cliente",
            "bot" => "Bot",
            "humano" => "Atendente",
            "sistema" => "Sistema",
            outro => outro,
        };
        let atendente = match (m.autor.as_str(), m.enviado_por) {
            ("humano", Some(u)) => equipe.get(&u).cloned().unwrap_or_else(|| format!("usuário {u}")),
            ("humano", None) => "pelo celular".to_owned(),
            _ => String::new(),
        };
        let erro = m
            .erro_codigo
            .map(|c| match crate::whatsapp::explicar_erro(c) {
                Some(x) => format!("{c}: {}", x.explicacao),
                None => c.to_string(),
            })
            .unwrap_or_default();
        csv.linha(&[
            m.conversa_id.to_string(),
            m.lead_nome.clone().unwrap_or_default(),
            m.telefone.clone().unwrap_or_default(),
            if m.canal == "simulador" { "Simulador".to_owned() } else { "WhatsApp".to_owned() },
            data(&m.criado_em, fuso_min),
            if m.direcao == "entrada" { "Recebida".to_owned() } else { "Enviada".to_owned() },
            autor.to_owned(),
            atendente,
            m.tipo.clone(),
            m.texto.clone().unwrap_or_default(),
            status_mensagem(&m.status).to_owned(),
            erro,
        ]);
        Ok(())
    })?;
    Ok((csv.buf, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campo(s: &str) -> String {
        let mut v = Vec::new();
        campo_csv(&mut v, s);
        String::from_utf8(v).expect("utf8")
    }

    #[test]
    fn fields_are_quoted_and_formulas_neutralized() {
        assert_eq!(campo("Onix 2020"), "Onix 2020");
        assert_eq!(campo("a;b"), "\"a;b\"");
        assert_eq!(campo("diz \"oi\""), "\"diz \"\"oi\"\"\"");
        assert_eq!(campo("linha1\nlinha2"), "\"linha1\nlinha2\"");
        assert_eq!(campo("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(campo("+5511"), "\"'+5511\"");
        assert_eq!(campo("João"), "João");
    }

    #[test]
    fn money_and_dates_in_pt_br() {
        assert_eq!(reais(0), "0,00");
        assert_eq!(reais(6_590_000), "65.900,00");
        assert_eq!(reais(123_456_789), "1.234.567,89");
        assert_eq!(reais(-505), "-5,05");
        assert_eq!(data("2027-01-10 03:00:00", -180), "10/01/2027 00:00");
        assert_eq!(data("2027-01-10 02:59:00", -180), "09/01/2027 23:59");
        assert!(validar_fuso(-181).is_ok() && validar_fuso(900).is_err());
    }
}
