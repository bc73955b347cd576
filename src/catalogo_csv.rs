//! Catalog import from CSV: a small RFC-4180 parser (quoted fields, doubled quotes, line
//! breaks inside quotes, CRLF), the separator (`,` or `;`) detected from the header, Brazilian
//! and plain prices, and the mapping of each row to a [`NovoItem`] validated for the setor.
//!
//! Columns: `nome, descricao, categoria, preco, disponivel`, then the setor's fields by name
//! (see [`campos_do_setor`]); header names are case- and accent-insensitive.

use serde_json::{Map, Value};

use crate::catalogo::{campos_do_setor, normalizar, ItemValido, NovoItem};
use crate::domain::Setor;
use crate::error::{Error, Result};

/// Most rows one import may carry.
pub const MAX_LINHAS: usize = 5_000;

/// The common columns, besides the setor's fields.
const COMUNS: &[&str] = &["nome", "descricao", "categoria", "preco", "disponivel"];

/// One data row, parsed and validated.
#[derive(Debug)]
pub struct LinhaCsv {
    /// 1-based line number in the file of the row's first line (the header is line 1).
    pub linha: usize,
    pub resultado: Result<(NovoItem, ItemValido)>,
}

/// Picks `;` when the header (outside quotes) has more semicolons than commas, else `,`.
pub fn detectar_separador(texto: &str) -> char {
    let (mut virgulas, mut pontos_virgula, mut aspas) = (0, 0, false);
    for c in texto.chars() {
        match c {
            '"' => aspas = !aspas,
            '\n' | '\r' if !aspas => break,
            ',' if !aspas => virgulas += 1,
            ';' if !aspas => pontos_virgula += 1,
            _ => {}
        }
    }
    if pontos_virgula > virgulas {
        ';'
    } else {
        ','
    }
}

/// Parses RFC-4180 text into records, each with the line number it starts on. Blank lines
/// are skipped. An unterminated quote is an error.
pub fn parse(texto: &str, sep: char) -> Result<Vec<(usize, Vec<String>)>> {
    let texto = texto.strip_prefix('\u{feff}').unwrap_or(texto);
    let mut registros = Vec::new();
    let mut campos: Vec<String> = Vec::new();
    let mut campo = String::new();
    let (mut linha, mut inicio) = (1usize, 1usize);
    let mut aspas = false;
    let mut chars = texto.chars().peekable();
    let fechar = |campos: &mut Vec<String>, campo: &mut String, regs: &mut Vec<(usize, Vec<String>)>, ini: usize| {
        campos.push(std::mem::take(campo));
        let r = std::mem::take(campos);
        if !(r.len() == 1 && r[0].trim().is_empty()) {
            regs.push((ini, r));
        }
    };
    while let Some(c) = chars.next() {
        if aspas {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    campo.push('"');
                }
                '"' => aspas = false,
                '\n' => {
                    linha += 1;
                    campo.push('\n');
                }
                _ => campo.push(c),
            }
            continue;
        }
        match c {
            '"' if campo.trim().is_empty() => {
                campo.clear();
                aspas = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                fechar(&mut campos, &mut campo, &mut registros, inicio);
                linha += 1;
                inicio = linha;
            }
            c if c == sep => campos.push(std::mem::take(&mut campo)),
            _ => campo.push(c),
        }
    }
    if aspas {
        return Err(Error::invalid("csv_invalido", format!("aspas sem fechamento a partir da linha {inicio}")));
    }
    if !campo.is_empty() || !campos.is_empty() {
        fechar(&mut campos, &mut campo, &mut registros, inicio);
    }
    Ok(registros)
}

/// A price in reais to centavos: `89.900,00`, `89900.00`, `89900`, `89,9`, `R$ 1.234,56`.
pub fn preco_centavos(texto: &str) -> Result<Option<i64>> {
    let bad = || Error::invalid("campo_invalido", format!("preco: valor inválido {texto:?}"));
    let t: String = texto.trim().trim_start_matches("R$").chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() {
        return Ok(None);
    }
    let ultimo_ponto = t.rfind('.');
    let ultima_virgula = t.rfind(',');
    // The decimal separator is the last of ',' / '.', unless a lone '.' groups thousands.
    let decimal = match (ultimo_ponto, ultima_virgula) {
        (Some(p), Some(v)) => Some(p.max(v)),
        (None, Some(v)) => Some(v),
        (Some(p), None) if t.matches('.').count() == 1 && t.len() - p - 1 != 3 => Some(p),
        _ => None,
    };
    let (inteiro, frac) = match decimal {
        Some(i) => (&t[..i], &t[i + 1..]),
        None => (t.as_str(), ""),
    };
    if decimal.is_some_and(|i| inteiro.contains(&t[i..=i])) {
        return Err(bad());
    }
    let inteiro: String = inteiro.chars().filter(|c| !matches!(c, '.' | ',')).collect();
    if (inteiro.is_empty() && frac.is_empty())
        || !inteiro.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || inteiro.len() > 12
    {
        return Err(bad());
    }
    let reais: i64 = if inteiro.is_empty() { 0 } else { inteiro.parse().map_err(|_| bad())? };
    let cent: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
        _ => frac.parse().map_err(|_| bad())?,
    };
    Ok(Some(reais * 100 + cent))
}

fn disponivel(texto: &str) -> Result<bool> {
    match normalizar(texto.trim()).as_str() {
        "" | "sim" | "s" | "true" | "1" | "yes" | "y" | "disponivel" => Ok(true),
        "nao" | "n" | "false" | "0" | "no" | "indisponivel" => Ok(false),
        _ => Err(Error::invalid("campo_invalido", format!("disponivel: use sim ou não (recebido {texto:?})"))),
    }
}

/// Parses a whole CSV for `setor`: a header error fails the import (400); row errors are
/// reported per row.
pub fn ler(texto: &str, setor: Setor) -> Result<Vec<LinhaCsv>> {
    let sep = detectar_separador(texto);
    let mut registros = parse(texto, sep)?.into_iter();
    let (_, cabecalho) = registros.next().ok_or_else(|| Error::invalid("csv_vazio", "o CSV está vazio"))?;
    let setor_campos = campos_do_setor(setor);
    let colunas: Vec<String> = cabecalho.iter().map(|c| normalizar(c.trim())).collect();
    for (i, c) in colunas.iter().enumerate() {
        if !COMUNS.contains(&c.as_str()) && !setor_campos.contains(&c.as_str()) {
            return Err(Error::invalid(
                "campo_desconhecido",
                format!(
                    "coluna desconhecida {:?}; use {} e {}",
                    cabecalho[i].trim(),
                    COMUNS.join(", "),
                    setor_campos.join(", ")
                ),
            ));
        }
        if colunas[..i].contains(c) {
            return Err(Error::invalid("csv_invalido", format!("coluna repetida: {c:?}")));
        }
    }
    if !colunas.iter().any(|c| c == "nome") {
        return Err(Error::invalid("csv_invalido", "o cabeçalho precisa da coluna nome"));
    }
    let linhas: Vec<(usize, Vec<String>)> = registros.collect();
    if linhas.len() > MAX_LINHAS {
        return Err(Error::invalid("csv_grande_demais", format!("no máximo {MAX_LINHAS} linhas por importação")));
    }
    Ok(linhas
        .into_iter()
        .map(|(linha, valores)| LinhaCsv { linha, resultado: item(&colunas, &valores, setor) })
        .collect())
}

fn item(colunas: &[String], valores: &[String], setor: Setor) -> Result<(NovoItem, ItemValido)> {
    if valores.len() != colunas.len() {
        return Err(Error::invalid(
            "csv_invalido",
            format!("a linha tem {} colunas; o cabeçalho tem {}", valores.len(), colunas.len()),
        ));
    }
    let mut novo = NovoItem { disponivel: true, ..NovoItem::default() };
    let mut atributos = Map::new();
    for (c, v) in colunas.iter().zip(valores) {
        let v = v.trim();
        match c.as_str() {
            "nome" => novo.nome = v.to_owned(),
            "descricao" => novo.descricao = v.to_owned(),
            "categoria" => novo.categoria = (!v.is_empty()).then(|| v.to_owned()),
            "preco" => novo.preco_centavos = preco_centavos(v)?,
            "disponivel" => novo.disponivel = disponivel(v)?,
            campo if !v.is_empty() => {
                atributos.insert(campo.to_owned(), Value::String(v.to_owned()));
            }
            _ => {}
        }
    }
    novo.atributos = atributos;
    let valido = novo.validar(setor)?;
    Ok((novo, valido))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4180_quotes_escapes_and_newlines() {
        let t = "a,b,c\r\n\"x, y\",\"diz \"\"oi\"\"\",\"linha1\nlinha2\"\n\n1,2,3";
        let r = parse(t, ',').unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[1], (2, vec!["x, y".to_owned(), "diz \"oi\"".to_owned(), "linha1\nlinha2".to_owned()]));
        assert_eq!(r[2].0, 5, "line numbers count the quoted newline and the blank line");
        assert_eq!(r[2].1, ["1", "2", "3"]);
        assert!(parse("a,\"b", ',').is_err());
        assert_eq!(parse("a;b\n1;\"2;3\"", ';').unwrap()[1].1, ["1", "2;3"]);
        assert_eq!(parse("\u{feff}a,b\n,\n", ',').unwrap()[1].1, ["", ""]);
    }

    #[test]
    fn separator_from_header() {
        assert_eq!(detectar_separador("nome;preco;\"a,b,c\"\n1,2,3,4"), ';');
        assert_eq!(detectar_separador("nome,preco\n1;2;3"), ',');
    }

    #[test]
    fn prices() {
        for (t, v) in [
            ("89.900,00", Some(8_990_000)),
            ("89900.00", Some(8_990_000)),
            ("89900", Some(8_990_000)),
            ("89.900", Some(8_990_000)),
            ("1.234.567", Some(123_456_700)),
            ("89,9", Some(8990)),
            ("R$ 1.234,56", Some(123_456)),
            ("1,234.56", Some(123_456)),
            ("12.5", Some(1250)),
            ("", None),
        ] {
            assert_eq!(preco_centavos(t).unwrap(), v, "{t}");
        }
        for t in ["abc", "1,234,5", "-5", "1.2.3,456", "12,345"] {
            assert!(preco_centavos(t).is_err(), "{t}");
        }
    }

    #[test]
    fn rows_for_a_setor() {
        let t = "Nome;Preço;Marca;Modelo;Ano;KM;Disponível\nCivic;89.900,00;Honda;Civic;2020;30000;sim\nSem ano;1;Fiat;Uno;;;não";
        let l = ler(t, Setor::Veiculos).unwrap();
        let (novo, _) = l[0].resultado.as_ref().unwrap();
        assert_eq!(novo.preco_centavos, Some(8_990_000));
        assert_eq!(novo.atributos["marca"], "Honda");
        assert!(l[1].resultado.is_err(), "ano is required for veiculos");
        assert_eq!(l[1].linha, 3);
        assert_eq!(ler("nome,cor\nx,azul", Setor::Varejo).unwrap_err().code(), "campo_desconhecido");
        assert!(ler("descricao\nx", Setor::Varejo).is_err());
    }
}
