//! What the bucket holds and how it is named, and the page-set format of a snapshot or a
//! change.
//!
//! Layout under the configured prefix (every object sealed, see [`super::cifra`]):
//! ```text
//! chave                              key check: a wrong replica key fails here, before anything is written
//! dono                               which installation ships here (a restored copy does not, unless it takes over)
//! secret.key                         the data dir's secret.key (encrypts WhatsApp tokens and LLM keys)
//! bancos/<banco>/manifesto           the database's bases (JSON), so a restore picks one without listing history
//! bancos/<banco>/<ms>-b              a base: every page of the database at <ms> (Unix ms)
//! bancos/<banco>/<ms>-d-<pai ms>     a change: the pages that differ from the object <pai ms>
//! midias/<banco>/<nome>              a tenant's media file (photo, voice note...): <nome> is a keyed
//!                                    hash of its SHA-256 (`ChaveReplica::nome_de_midia`)
//! ```
//! `<banco>` is `helixai` (central), `journal`, or a tenant's database name
//! (`empresa_<id>_<slug>`): nothing else that names a customer. Names sort by time inside a
//! database, so one paginated LIST from a base walks its chain; each change names its parent,
//! so an upload orphaned by a crash (its parent's next change is shipped again) is never
//! chained after a later one. A media file is immutable: uploaded once, never rewritten, and
//! deleted only when no restorable moment of its database uses it (see [`super::midias`]).
//!
//! A page set (plaintext of a base or a change): `HXPG`, version 1, kind (0 base, 1 change),
//! page size (u32), page count of the database (u32), time (i64 ms), then records of page
//! number (u32) + page bytes, ended by page number 0. Integers big-endian.

use std::io::{Read, Write};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::config::DataDir;
use crate::error::{Error, Result};
use crate::store::DatabaseName;

/// The key-check object.
pub const CHAVE: &str = "chave";
/// The owner object.
pub const DONO: &str = "dono";
/// The shipped `secret.key`.
pub const SECRET_KEY: &str = "secret.key";
/// The central db's name in the bucket.
pub const BANCO_CENTRAL: &str = "helixai";
/// The webhook journal's name in the bucket.
pub const BANCO_JOURNAL: &str = "journal";
/// The journal's second file (`journal-2.db`, see `store::journal`) in the bucket.
pub const BANCO_JOURNAL_2: &str = "journal-2";
/// What the key-check object holds.
pub const CONTEUDO_CHAVE: &[u8] = b"helixai replica v1";

/// A database that is replicated: its name in the bucket.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Banco(String);

impl Banco {
    /// The central db.
    pub fn central() -> Self {
        Banco(BANCO_CENTRAL.into())
    }
    /// The webhook journal.
    pub fn journal() -> Self {
        Banco(BANCO_JOURNAL.into())
    }
    /// The webhook journal's second file.
    pub fn journal_2() -> Self {
        Banco(BANCO_JOURNAL_2.into())
    }
    /// The databases that are not tenants, with their files in `data`: the central db and the
    /// journal's two files.
    pub fn do_sistema(data: &DataDir) -> [(Banco, PathBuf); 3] {
        [
            (Banco::central(), data.central_db()),
            (Banco::journal(), data.journal_db()),
            (Banco::journal_2(), data.journal_2_db()),
        ]
    }
    /// This database's file in `data`, when it is not a tenant.
    pub fn arquivo_do_sistema(&self, data: &DataDir) -> Option<PathBuf> {
        Banco::do_sistema(data).into_iter().find(|(b, _)| b == self).map(|(_, p)| p)
    }
    /// A tenant.
    pub fn tenant(nome: &DatabaseName) -> Self {
        Banco(nome.as_str().to_owned())
    }
    /// Validates a name read back (state file, bucket, command line).
    pub fn parse(nome: &str) -> Result<Self> {
        if [BANCO_CENTRAL, BANCO_JOURNAL, BANCO_JOURNAL_2].contains(&nome) || DatabaseName::parse(nome).is_ok() {
            Ok(Banco(nome.to_owned()))
        } else {
            Err(Error::invalid("banco_invalido", format!("nome de banco inválido na réplica: {nome:?}")))
        }
    }
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The tenant's database name, if this is a tenant.
    pub fn database_name(&self) -> Option<DatabaseName> {
        DatabaseName::parse(&self.0).ok()
    }
    /// `bancos/<banco>/`.
    pub fn prefixo(&self) -> String {
        format!("bancos/{}/", self.0)
    }
    /// `bancos/<banco>/manifesto`.
    pub fn manifesto(&self) -> String {
        format!("bancos/{}/manifesto", self.0)
    }
    /// `midias/<banco>/`: the database's media files.
    pub fn prefixo_midias(&self) -> String {
        format!("midias/{}/", self.0)
    }
    /// `midias/<banco>/<nome>`, `nome` from `ChaveReplica::nome_de_midia`.
    pub fn midia(&self, nome: &str) -> String {
        format!("midias/{}/{nome}", self.0)
    }
    /// The media name of a listed object of this database (`None` for any other object).
    pub fn nome_da_midia<'n>(&self, objeto: &'n str) -> Option<&'n str> {
        objeto.strip_prefix(&self.prefixo_midias()).filter(|s| crate::media::sha_valido(s))
    }
    /// The name of an object of this database.
    pub fn objeto(&self, o: &Objeto) -> String {
        match o.pai_ms {
            None => format!("bancos/{}/{:013}-b", self.0, o.criado_ms),
            Some(pai) => format!("bancos/{}/{:013}-d-{pai:013}", self.0, o.criado_ms),
        }
    }
}

/// One object of a database's history, as its name says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Objeto {
    /// When its pages were read (Unix ms); unique and increasing within a database.
    pub criado_ms: i64,
    /// The object it is a change of; `None` for a base.
    pub pai_ms: Option<i64>,
}

impl Objeto {
    /// Parses the last part of an object name (`<ms>-b` or `<ms>-d-<pai>`).
    pub fn de_nome(resto: &str) -> Option<Objeto> {
        let num = |s: &str| (s.len() == 13 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten();
        let (ms, tipo) = resto.split_once('-')?;
        let criado_ms = num(ms)?;
        match tipo {
            "b" => Some(Objeto { criado_ms, pai_ms: None }),
            _ => Some(Objeto { criado_ms, pai_ms: Some(num(tipo.strip_prefix("d-")?)?) }),
        }
    }
}

/// The manifest of one database: its bases, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifesto {
    pub versao: u32,
    /// Times (ms) of the bases still in the bucket.
    pub bases: Vec<i64>,
    /// Set when the database stopped existing (an empresa purged): its history goes after
    /// the retention period.
    #[serde(default)]
    pub removido_ms: Option<i64>,
}

/// Which base a restore at `ate_ms` starts from: the newest one at or before it.
pub fn base_para(manifesto: &Manifesto, ate_ms: i64) -> Option<i64> {
    manifesto.bases.iter().copied().filter(|b| *b <= ate_ms).max()
}

/// The chain to apply after base `base` up to `ate_ms`, from the database's objects sorted by
/// name: from each object, its newest change at or before `ate_ms` (a change shipped again
/// after a crash replaces the orphan with the same parent), until none follows.
pub fn cadeia(objetos: &[Objeto], base: i64, ate_ms: i64) -> Vec<Objeto> {
    let mut out = Vec::new();
    let mut atual = base;
    loop {
        let proximo = objetos
            .iter()
            .filter(|o| o.pai_ms == Some(atual) && o.criado_ms <= ate_ms && o.criado_ms > atual)
            .max_by_key(|o| o.criado_ms);
        match proximo {
            Some(o) => {
                out.push(*o);
                atual = o.criado_ms;
            }
            None => return out,
        }
    }
}

/// What retention deletes when a database's bases are `bases` (sorted) at `agora_ms` keeping
/// `dias` of history: every object older than the newest base at or before the cut-off
/// (that base and everything after it restore any moment of the period). Returns the time
/// before which objects go, if any.
pub fn corte_retencao(bases: &[i64], agora_ms: i64, dias: u32) -> Option<i64> {
    let limite = agora_ms - i64::from(dias) * 86_400_000;
    bases.iter().copied().filter(|b| *b <= limite).max()
}

/// The header of a page set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cabecalho {
    pub base: bool,
    pub tamanho_pagina: u32,
    pub paginas: u32,
    pub criado_ms: i64,
}

const MAGICO_PAGINAS: &[u8; 4] = b"HXPG";

/// Writes a page set: the header, then [`escrever_pagina`] per page, then [`concluir_paginas`].
pub fn escrever_cabecalho(w: &mut impl Write, c: &Cabecalho) -> std::io::Result<()> {
    w.write_all(MAGICO_PAGINAS)?;
    w.write_all(&[1, u8::from(!c.base)])?;
    w.write_all(&c.tamanho_pagina.to_be_bytes())?;
    w.write_all(&c.paginas.to_be_bytes())?;
    w.write_all(&c.criado_ms.to_be_bytes())
}

/// One page record.
pub fn escrever_pagina(w: &mut impl Write, pgno: u32, dados: &[u8]) -> std::io::Result<()> {
    w.write_all(&pgno.to_be_bytes())?;
    w.write_all(dados)
}

/// The end record.
pub fn concluir_paginas(w: &mut impl Write) -> std::io::Result<()> {
    w.write_all(&0u32.to_be_bytes())
}

fn corrompido(m: &str) -> Error {
    Error::Store(format!("objeto da réplica ilegível: {m}"))
}

/// Reads a page set: returns its header and calls `pagina(pgno, bytes)` for each page.
pub fn ler_paginas(r: &mut impl Read, mut pagina: impl FnMut(u32, &[u8]) -> Result<()>) -> Result<Cabecalho> {
    let io = |e: std::io::Error| corrompido(&e.to_string());
    let mut h = [0u8; 4 + 2 + 4 + 4 + 8];
    r.read_exact(&mut h).map_err(io)?;
    if &h[..4] != MAGICO_PAGINAS || h[4] != 1 || h[5] > 1 {
        return Err(corrompido("cabeçalho desconhecido"));
    }
    let c = Cabecalho {
        base: h[5] == 0,
        tamanho_pagina: u32::from_be_bytes([h[6], h[7], h[8], h[9]]),
        paginas: u32::from_be_bytes([h[10], h[11], h[12], h[13]]),
        criado_ms: i64::from_be_bytes([h[14], h[15], h[16], h[17], h[18], h[19], h[20], h[21]]),
    };
    if !(512..=65_536).contains(&c.tamanho_pagina) || !c.tamanho_pagina.is_power_of_two() {
        return Err(corrompido("tamanho de página inválido"));
    }
    let mut buf = vec![0u8; c.tamanho_pagina as usize];
    loop {
        let mut n = [0u8; 4];
        r.read_exact(&mut n).map_err(io)?;
        let pgno = u32::from_be_bytes(n);
        if pgno == 0 {
            return Ok(c);
        }
        if pgno > c.paginas {
            return Err(corrompido("página além do fim do banco"));
        }
        r.read_exact(&mut buf).map_err(io)?;
        pagina(pgno, &buf)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_sort_by_time() {
        let b = Banco::parse("empresa_7_loja_do_ze").unwrap();
        let base = Objeto { criado_ms: 1_764_000_000_000, pai_ms: None };
        let muda = Objeto { criado_ms: 1_764_000_060_000, pai_ms: Some(base.criado_ms) };
        let (nb, nm) = (b.objeto(&base), b.objeto(&muda));
        assert_eq!(nb, "bancos/empresa_7_loja_do_ze/1764000000000-b");
        assert_eq!(nm, "bancos/empresa_7_loja_do_ze/1764000060000-d-1764000000000");
        assert!(nb < nm && nm < b.manifesto());
        assert_eq!(Objeto::de_nome(nb.strip_prefix(&b.prefixo()).unwrap()), Some(base));
        assert_eq!(Objeto::de_nome(nm.strip_prefix(&b.prefixo()).unwrap()), Some(muda));
        for ruim in ["manifesto", "1-b", "1764000000000-x", "1764000000000-d-12", "abcdefghijklm-b"] {
            assert_eq!(Objeto::de_nome(ruim), None, "{ruim}");
        }
        assert!(Banco::parse("helixai").is_ok() && Banco::parse("journal").is_ok());
        assert!(Banco::parse("journal-2").is_ok_and(|b| b == Banco::journal_2() && b.database_name().is_none()));
        let data = DataDir::new(std::path::Path::new("/d"));
        assert_eq!(Banco::journal_2().arquivo_do_sistema(&data), Some(std::path::PathBuf::from("/d/journal-2.db")));
        assert_eq!(Banco::central().arquivo_do_sistema(&data), Some(data.central_db()));
        let tenant = Banco::parse("empresa_12").expect("tenant");
        assert_eq!(tenant.arquivo_do_sistema(&data), None, "a tenant is not a system file");
        for ruim in ["../x", "empresa_", "segredos", ""] {
            assert!(Banco::parse(ruim).is_err(), "{ruim}");
        }
    }

    #[test]
    fn media_objects_are_per_database_and_named_by_a_keyed_hash() {
        let b = Banco::parse("empresa_7_loja_do_ze").unwrap();
        let nome = crate::replica::ChaveReplica::gerar().unwrap().nome_de_midia(&crate::crypto::sha256_hex(b"foto"));
        let objeto = b.midia(&nome);
        assert_eq!(objeto, format!("midias/empresa_7_loja_do_ze/{nome}"));
        assert_eq!(b.nome_da_midia(&objeto), Some(nome.as_str()));
        assert!(objeto.starts_with(&b.prefixo_midias()));
        // Another database's file, a database object, a name of another shape.
        let outra = Banco::parse("empresa_8_loja").unwrap();
        assert_eq!(outra.nome_da_midia(&objeto), None);
        for ruim in [b.manifesto(), format!("midias/empresa_7_loja_do_ze/{}", &nome[..63]), b.midia("../x")] {
            assert_eq!(b.nome_da_midia(&ruim), None, "{ruim}");
        }
        // Media never shares a prefix with the page history (retention lists `bancos/`).
        assert!(!objeto.starts_with(&b.prefixo()));
    }

    #[test]
    fn chain_follows_parents_and_skips_orphans() {
        let o = |c, p| Objeto { criado_ms: c, pai_ms: p };
        // Base 100; 200 is an orphan (crash before its state was saved), 250 replaces it with
        // the same parent; 300 follows 250; a second base at 400 and its change 500.
        let objs = vec![
            o(100, None),
            o(200, Some(100)),
            o(250, Some(100)),
            o(300, Some(250)),
            o(400, None),
            o(500, Some(400)),
        ];
        assert_eq!(cadeia(&objs, 100, i64::MAX), vec![o(250, Some(100)), o(300, Some(250))]);
        // At 220 the orphan is the state the database had then.
        assert_eq!(cadeia(&objs, 100, 220), vec![o(200, Some(100))]);
        assert_eq!(cadeia(&objs, 100, 150), vec![]);
        let m = Manifesto { versao: 1, bases: vec![100, 400], removido_ms: None };
        assert_eq!(base_para(&m, 399), Some(100));
        assert_eq!(base_para(&m, 450), Some(400));
        assert_eq!(base_para(&m, 99), None);
        assert_eq!(cadeia(&objs, 400, i64::MAX), vec![o(500, Some(400))]);
    }

    #[test]
    fn retention_keeps_the_base_that_covers_the_period() {
        let dia = 86_400_000;
        let bases = [0, 3 * dia, 6 * dia, 9 * dia];
        // At day 10 keeping 7 days: the cut-off is day 3, whose base restores day 3 onwards.
        assert_eq!(corte_retencao(&bases, 10 * dia, 7), Some(3 * dia));
        assert_eq!(corte_retencao(&bases, 5 * dia, 7), None);
    }

    #[test]
    fn page_sets_round_trip_and_refuse_garbage() {
        let c = Cabecalho { base: false, tamanho_pagina: 4096, paginas: 9, criado_ms: 42 };
        let mut v = Vec::new();
        escrever_cabecalho(&mut v, &c).unwrap();
        escrever_pagina(&mut v, 3, &[3u8; 4096]).unwrap();
        escrever_pagina(&mut v, 9, &[9u8; 4096]).unwrap();
        concluir_paginas(&mut v).unwrap();
        let mut vistas = Vec::new();
        let lido = ler_paginas(&mut v.as_slice(), |n, d| {
            vistas.push((n, d[0]));
            Ok(())
        })
        .unwrap();
        assert_eq!(lido, c);
        assert_eq!(vistas, vec![(3, 3), (9, 9)]);
        assert!(ler_paginas(&mut &v[..v.len() - 2], |_, _| Ok(())).is_err(), "cut short");
        let mut alem = Vec::new();
        escrever_cabecalho(&mut alem, &c).unwrap();
        escrever_pagina(&mut alem, 10, &[0u8; 4096]).unwrap();
        assert!(ler_paginas(&mut alem.as_slice(), |_, _| Ok(())).is_err(), "page past the end");
        assert!(ler_paginas(&mut &b"XXXX"[..], |_, _| Ok(())).is_err());
    }
}
