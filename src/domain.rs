//! Domain vocabulary shared by every layer: id newtypes, setores, papéis.
//!
//! Ids are newtypes so an empresa id can never be passed where a lead id is expected.
//! Parsing from text (CLI flags, path segments) goes through `FromStr` and fails with a
//! pt-BR [`Error::Invalid`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

macro_rules! id_newtype {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                s.parse::<i64>()
                    .ok()
                    .filter(|v| *v > 0)
                    .map($name)
                    .ok_or_else(|| Error::invalid("id_invalido", format!("{} inválido: {s:?}", $what)))
            }
        }
    };
}

id_newtype!(/// An empresa (tenant) id in the central db.
    EmpresaId, "id de empresa");
id_newtype!(/// A usuario id in the central db.
    UsuarioId, "id de usuário");
id_newtype!(/// A plano id in the central db.
    PlanoId, "id de plano");
id_newtype!(/// An assinatura id in the central db.
    AssinaturaId, "id de assinatura");
id_newtype!(/// A pagamento id in the central db.
    PagamentoId, "id de pagamento");
id_newtype!(/// A lead id inside one tenant db.
    LeadId, "id de lead");
id_newtype!(/// A conversa id inside one tenant db.
    ConversaId, "id de conversa");
id_newtype!(/// A mensagem id inside one tenant db.
    MensagemId, "id de mensagem");
id_newtype!(/// A catalog item id inside one tenant db.
    ItemId, "id de item do catálogo");
id_newtype!(/// A job id inside one tenant db.
    JobId, "id de job");
id_newtype!(/// A midia (media file record) id inside one tenant db.
    MidiaId, "id de mídia");

/// The business sector of an empresa; picks its bot template and its extra tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Setor {
    Veiculos,
    Imoveis,
    Autopecas,
    Varejo,
    Servicos,
}

impl Setor {
    /// Every setor, in display order.
    pub const ALL: [Setor; 5] = [Setor::Veiculos, Setor::Imoveis, Setor::Autopecas, Setor::Varejo, Setor::Servicos];

    /// The lowercase name used in SQL, JSON, CLI and `bots/<setor>/`.
    pub fn as_str(self) -> &'static str {
        match self {
            Setor::Veiculos => "veiculos",
            Setor::Imoveis => "imoveis",
            Setor::Autopecas => "autopecas",
            Setor::Varejo => "varejo",
            Setor::Servicos => "servicos",
        }
    }
}

impl fmt::Display for Setor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Setor {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Setor::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| {
            Error::invalid(
                "setor_invalido",
                format!("setor desconhecido: {s:?} (use veiculos, imoveis, autopecas, varejo ou servicos)"),
            )
        })
    }
}

/// How an empresa talks to WhatsApp: Meta's Cloud API, or a number paired by QR code
/// through an Evolution API server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Canal {
    #[default]
    Cloud,
    Evolution,
}

impl Canal {
    /// The lowercase name used in SQL, JSON and CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Canal::Cloud => "cloud",
            Canal::Evolution => "evolution",
        }
    }
}

impl fmt::Display for Canal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Canal {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "cloud" => Ok(Canal::Cloud),
            "evolution" => Ok(Canal::Evolution),
            _ => Err(Error::invalid("canal_invalido", format!("canal desconhecido: {s:?} (use cloud ou evolution)"))),
        }
    }
}

/// A usuario's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Papel {
    /// The reseller: every empresa, plans, billing, system.
    Superadmin,
    /// Everything inside one empresa, including its users.
    Admin,
    /// One empresa's conversations, leads and catalog (read).
    Atendente,
}

impl Papel {
    /// The lowercase name used in SQL, JSON and CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Papel::Superadmin => "superadmin",
            Papel::Admin => "admin",
            Papel::Atendente => "atendente",
        }
    }
}

impl fmt::Display for Papel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Papel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "superadmin" => Ok(Papel::Superadmin),
            "admin" => Ok(Papel::Admin),
            "atendente" => Ok(Papel::Atendente),
            _ => Err(Error::invalid(
                "papel_invalido",
                format!("papel desconhecido: {s:?} (use superadmin, admin ou atendente)"),
            )),
        }
    }
}

/// Validates an empresa slug: `^[a-z0-9]+(-[a-z0-9]+)*$`, at most 63 characters.
pub fn validate_slug(slug: &str) -> Result<()> {
    let ok = !slug.is_empty()
        && slug.len() <= 63
        && slug
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "slug_invalido",
            format!("slug inválido: {slug:?} (use letras minúsculas, números e hífens, até 63 caracteres)"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for good in ["a", "feirao-showcar", "loja-2", &"a".repeat(63)] {
            assert!(validate_slug(good).is_ok(), "{good}");
        }
        for bad in ["", "../x", "A B", "a--b", "-a", "a-", "á", &"a".repeat(64), "a_b"] {
            assert!(validate_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn setor_round_trip() {
        for s in Setor::ALL {
            assert_eq!(s.as_str().parse::<Setor>().ok(), Some(s));
        }
        assert!("carros".parse::<Setor>().is_err());
    }
}
