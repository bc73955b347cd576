//! The catalog's domain rules: what an item is, and the setor's own fields, validated per setor.
//!
//! Every item has the common fields (nome, descrição, categoria, preço, disponível); the setor
//! adds structured attributes (veiculos: marca/modelo/ano/km...; imoveis: tipo/finalidade/bairro/
//! quartos...; autopecas: código OEM/aplicação/estoque). Input arrives as a JSON map of
//! attributes and leaves as a typed [`Atributos`], so storage only ever sees valid values.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::domain::{ItemId, Setor};
use crate::error::{Error, Result};

/// A catalog item as stored and shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub id: ItemId,
    pub nome: String,
    pub descricao: String,
    pub categoria: Option<String>,
    pub preco_centavos: Option<i64>,
    pub disponivel: bool,
    /// The setor's own fields, by name.
    pub atributos: Map<String, Value>,
    pub criado_em: String,
    pub atualizado_em: String,
}

/// A new or updated item, as received (API body, CSV row, demo data).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NovoItem {
    pub nome: String,
    #[serde(default)]
    pub descricao: String,
    #[serde(default)]
    pub categoria: Option<String>,
    #[serde(default)]
    pub preco_centavos: Option<i64>,
    #[serde(default = "yes")]
    pub disponivel: bool,
    #[serde(default)]
    pub atributos: Map<String, Value>,
}

fn yes() -> bool {
    true
}

/// The setor's structured fields, validated.
#[derive(Debug, Clone, PartialEq)]
pub enum Atributos {
    Veiculo {
        marca: String,
        modelo: String,
        versao: Option<String>,
        ano: i64,
        km: i64,
        cambio: Option<String>,
        combustivel: Option<String>,
        cor: Option<String>,
        portas: Option<i64>,
    },
    Imovel {
        tipo: String,
        finalidade: String,
        bairro: String,
        cidade: Option<String>,
        quartos: i64,
        banheiros: Option<i64>,
        vagas: Option<i64>,
        area_m2: Option<f64>,
        /// Monthly condomínio fee, centavos.
        condominio_centavos: Option<i64>,
        /// Yearly IPTU, centavos.
        iptu_centavos: Option<i64>,
    },
    Peca {
        codigo_oem: String,
        marca: Option<String>,
        aplicacao: String,
        estoque: i64,
    },
    /// varejo and servicos: only the common fields.
    Nenhum,
}

/// A validated item ready for storage.
#[derive(Debug, Clone)]
pub struct ItemValido {
    pub nome: String,
    pub descricao: String,
    pub categoria: Option<String>,
    pub preco_centavos: Option<i64>,
    pub disponivel: bool,
    pub atributos: Atributos,
}

fn bad(campo: &str, motivo: &str) -> Error {
    Error::invalid("campo_invalido", format!("campo {campo:?}: {motivo}"))
}

struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    fn text(&self, k: &str) -> Result<Option<String>> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) if s.chars().count() > 200 => Err(bad(k, "texto longo demais (máx. 200)")),
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(bad(k, "deve ser um texto")),
        }
    }
    fn req_text(&self, k: &str) -> Result<String> {
        self.text(k)?.ok_or_else(|| bad(k, "obrigatório"))
    }
    fn int(&self, k: &str, min: i64, max: i64) -> Result<Option<i64>> {
        let v = match self.0.get(k) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
            Some(Value::String(s)) => s.trim().replace('.', "").parse().ok(),
            Some(_) => None,
        };
        let v = v.ok_or_else(|| bad(k, "deve ser um número inteiro"))?;
        if !(min..=max).contains(&v) {
            return Err(bad(k, &format!("deve estar entre {min} e {max}")));
        }
        Ok(Some(v))
    }
    fn req_int(&self, k: &str, min: i64, max: i64) -> Result<i64> {
        self.int(k, min, max)?.ok_or_else(|| bad(k, "obrigatório"))
    }
    fn real(&self, k: &str) -> Result<Option<f64>> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_f64().filter(|v| *v >= 0.0).map(Some).ok_or_else(|| bad(k, "inválido")),
            Some(Value::String(s)) => {
                s.trim().replace(',', ".").parse::<f64>().map(Some).map_err(|_| bad(k, "inválido"))
            }
            Some(_) => Err(bad(k, "deve ser um número")),
        }
    }
    /// Money: a number is centavos; text is reais as people write it (`R$ 450,00`, `1.200`).
    fn centavos(&self, k: &str) -> Result<Option<i64>> {
        let v = match self.0.get(k) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
            Some(Value::String(s)) => crate::catalogo_csv::preco_centavos(s).ok().flatten(),
            Some(_) => None,
        };
        match v {
            Some(c) if (0..=100_000_000_000).contains(&c) => Ok(Some(c)),
            _ => Err(bad(k, "deve ser um valor em dinheiro (centavos ou reais)")),
        }
    }
    fn reject_unknown(&self, allowed: &[&str]) -> Result<()> {
        match self.0.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(Error::invalid("campo_desconhecido", format!("campo desconhecido para este setor: {k:?}"))),
            None => Ok(()),
        }
    }
}

/// The câmbio codes the panel's select and the bot's `buscar_veiculos` use.
pub const CAMBIOS: &[&str] = &["manual", "automatico", "cvt"];
/// The combustível codes the panel's select and the bot's `buscar_veiculos` use.
pub const COMBUSTIVEIS: &[&str] = &["flex", "gasolina", "etanol", "diesel", "eletrico", "hibrido"];

/// A value that is one of `codigos` written another way ("Automático", "DIESEL") becomes the
/// code, so the panel's select shows it and the bot's filter (`cambio=automatico`) finds it;
/// anything else is kept as typed.
fn codigo(valor: Option<String>, codigos: &[&str]) -> Option<String> {
    valor.map(|v| {
        let dobrado = normalizar(&v);
        if codigos.contains(&dobrado.as_str()) {
            dobrado
        } else {
            v
        }
    })
}

/// The attribute names each setor accepts.
pub fn campos_do_setor(setor: Setor) -> &'static [&'static str] {
    match setor {
        Setor::Veiculos => &["marca", "modelo", "versao", "ano", "km", "cambio", "combustivel", "cor", "portas"],
        Setor::Imoveis => &[
            "tipo",
            "finalidade",
            "bairro",
            "cidade",
            "quartos",
            "banheiros",
            "vagas",
            "area_m2",
            "condominio_centavos",
            "iptu_centavos",
        ],
        Setor::Autopecas => &["codigo_oem", "marca", "aplicacao", "estoque"],
        Setor::Varejo | Setor::Servicos => &[],
    }
}

impl NovoItem {
    /// Validates the item for the empresa's setor.
    pub fn validar(&self, setor: Setor) -> Result<ItemValido> {
        let nome = self.nome.trim();
        if nome.is_empty() || nome.chars().count() > 200 {
            return Err(bad("nome", "obrigatório, até 200 caracteres"));
        }
        if self.descricao.chars().count() > 4000 {
            return Err(bad("descricao", "até 4000 caracteres"));
        }
        if let Some(p) = self.preco_centavos {
            if !(0..=100_000_000_000).contains(&p) {
                return Err(bad("preco_centavos", "deve ser um valor em centavos, não negativo"));
            }
        }
        let f = Fields(&self.atributos);
        f.reject_unknown(campos_do_setor(setor))?;
        let atributos = match setor {
            Setor::Veiculos => Atributos::Veiculo {
                marca: f.req_text("marca")?,
                modelo: f.req_text("modelo")?,
                versao: f.text("versao")?,
                ano: f.req_int("ano", 1900, 2100)?,
                km: f.int("km", 0, 5_000_000)?.unwrap_or(0),
                cambio: codigo(f.text("cambio")?, CAMBIOS),
                combustivel: codigo(f.text("combustivel")?, COMBUSTIVEIS),
                cor: f.text("cor")?,
                portas: f.int("portas", 1, 9)?,
            },
            Setor::Imoveis => {
                let finalidade = f.req_text("finalidade")?.to_lowercase();
                if finalidade != "venda" && finalidade != "aluguel" {
                    return Err(bad("finalidade", "use venda ou aluguel"));
                }
                Atributos::Imovel {
                    tipo: f.req_text("tipo")?,
                    finalidade,
                    bairro: f.req_text("bairro")?,
                    cidade: f.text("cidade")?,
                    quartos: f.int("quartos", 0, 100)?.unwrap_or(0),
                    banheiros: f.int("banheiros", 0, 100)?,
                    vagas: f.int("vagas", 0, 100)?,
                    area_m2: f.real("area_m2")?,
                    condominio_centavos: f.centavos("condominio_centavos")?,
                    iptu_centavos: f.centavos("iptu_centavos")?,
                }
            }
            Setor::Autopecas => Atributos::Peca {
                codigo_oem: f.req_text("codigo_oem")?,
                marca: f.text("marca")?,
                aplicacao: f.text("aplicacao")?.unwrap_or_default(),
                estoque: f.int("estoque", 0, 10_000_000)?.unwrap_or(0),
            },
            Setor::Varejo | Setor::Servicos => Atributos::Nenhum,
        };
        Ok(ItemValido {
            nome: nome.to_owned(),
            descricao: self.descricao.trim().to_owned(),
            categoria: self.categoria.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned),
            preco_centavos: self.preco_centavos,
            disponivel: self.disponivel,
            atributos,
        })
    }
}

/// Folds one lowercase Portuguese letter to its unaccented form.
pub fn fold_char(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        other => other,
    }
}

/// Lowercases and strips Portuguese accents, for accent-insensitive search.
pub fn normalizar(texto: &str) -> String {
    texto.chars().flat_map(char::to_lowercase).map(fold_char).collect()
}

impl ItemValido {
    /// The normalised text the catalog search matches against: the words as written, the
    /// same words split at punctuation (`gol/voyage` → `gol voyage`) and codes joined
    /// (`5U0-698-151` → `5u0698151`), so a customer finds them however they type them.
    pub fn texto_busca(&self) -> String {
        let base = self.texto_busca_base();
        let separado: String = base.chars().map(|c| if c.is_alphanumeric() || c == ' ' { c } else { ' ' }).collect();
        let separado = separado.split_whitespace().collect::<Vec<_>>().join(" ");
        let juntos: Vec<String> = base
            .split_whitespace()
            .filter(|w| w.contains(|c: char| !c.is_alphanumeric()))
            .map(|w| w.chars().filter(|c| c.is_alphanumeric()).collect::<String>())
            .filter(|w| w.len() >= 3)
            .collect();
        format!("{base} {separado} {}", juntos.join(" ")).trim_end().to_string()
    }

    fn texto_busca_base(&self) -> String {
        let mut parts = vec![self.nome.clone(), self.descricao.clone(), self.categoria.clone().unwrap_or_default()];
        match &self.atributos {
            Atributos::Veiculo { marca, modelo, versao, ano, cambio, combustivel, cor, .. } => {
                parts.extend([marca.clone(), modelo.clone(), ano.to_string()]);
                parts.extend([versao, cambio, combustivel, cor].into_iter().flatten().cloned());
            }
            Atributos::Imovel { tipo, finalidade, bairro, cidade, .. } => {
                parts.extend([tipo.clone(), finalidade.clone(), bairro.clone()]);
                parts.extend(cidade.iter().cloned());
            }
            Atributos::Peca { codigo_oem, marca, aplicacao, .. } => {
                // `0 258 006 537` is also found as `0258006537`.
                let junto: String = codigo_oem.chars().filter(|c| c.is_alphanumeric()).collect();
                parts.extend([codigo_oem.clone(), junto, aplicacao.clone()]);
                parts.extend(marca.iter().cloned());
            }
            Atributos::Nenhum => {}
        }
        normalizar(&parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(attrs: Value) -> NovoItem {
        NovoItem {
            nome: "X".into(),
            preco_centavos: Some(100),
            atributos: attrs.as_object().cloned().unwrap_or_default(),
            ..Default::default()
        }
    }

    #[test]
    fn per_setor_validation() {
        assert!(item(json!({"marca":"Fiat","modelo":"Uno","ano":2015,"km":"80.000"})).validar(Setor::Veiculos).is_ok());
        assert!(item(json!({"marca":"Fiat","modelo":"Uno"})).validar(Setor::Veiculos).is_err());
        assert!(item(json!({"marca":"Fiat","modelo":"Uno","ano":1800})).validar(Setor::Veiculos).is_err());
        assert!(item(json!({"quartos":2})).validar(Setor::Veiculos).is_err());
        assert!(item(json!({"tipo":"Apartamento","finalidade":"venda","bairro":"Centro","quartos":3}))
            .validar(Setor::Imoveis)
            .is_ok());
        assert!(item(json!({"tipo":"Casa","finalidade":"permuta","bairro":"Centro"})).validar(Setor::Imoveis).is_err());
        assert!(item(json!({"codigo_oem":"5U0698151"})).validar(Setor::Autopecas).is_ok());
        assert!(item(json!({})).validar(Setor::Varejo).is_ok());
        assert!(item(json!({"marca":"x"})).validar(Setor::Varejo).is_err());
    }

    #[test]
    fn select_fields_written_another_way_become_their_code() {
        let v = |cambio: &str, comb: &str| {
            let i = item(json!({"marca":"VW","modelo":"Amarok","ano":2019,"cambio":cambio,"combustivel":comb}));
            match i.validar(Setor::Veiculos).unwrap().atributos {
                Atributos::Veiculo { cambio, combustivel, .. } => (cambio, combustivel),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(v("automático", "Diesel"), (Some("automatico".into()), Some("diesel".into())));
        assert_eq!(v(" AUTOMÁTICO ", "Elétrico"), (Some("automatico".into()), Some("eletrico".into())));
        assert_eq!(v("CVT", "híbrido"), (Some("cvt".into()), Some("hibrido".into())));
        assert_eq!(v("automatizado", "GNV"), (Some("automatizado".into()), Some("GNV".into())), "others kept as typed");
    }

    #[test]
    fn accents() {
        assert_eq!(normalizar("Ônibus CÂMBIO Automático"), "onibus cambio automatico");
    }
}
