//! An empresa's media: photos, voice notes, videos, documents and stickers customers send,
//! files attendants attach to replies, and catalog photos.
//!
//! - **Where**: `data/tenants/<database_name>.midia/<sha256>` — beside the tenant file, one
//!   file per content (a photo sent twice is stored once), the folder named by
//!   `store::tenants::midia_dir` and each file by its hex SHA-256, never by anything a
//!   request or a provider said. The `midias` table of the tenant says which message or
//!   catalog item a file belongs to (`store::tenant::midias`).
//! - **Limits**: at most [`MAX_BYTES`] (16 MB) per file; the plano's `limite_midia_mb` per
//!   empresa, checked before a new file is stored (over it, the message is kept with a pt-BR
//!   note and the file is not). Usage is recorded in the central db for the reseller.
//! - **Types**: read from the bytes ([`mime`]); the declared type is never trusted, and only
//!   images, audio and video the panel can play are served inline.
//! - **Download** ([`trabalho`]): on the bot workers, never on the webhook thread nor in the
//!   journal's transaction; Cloud API media ids are resolved to a fresh URL on every try.
//!   A customer's audio is transcribed there too, with the empresa's own LLM key.
//! - **Attachments and catalog photos** ([`anexo`]).
//!
//! Writes are ordered so that a row never names a missing file: the file is written (temp
//! name, fsync, rename) before its row commits, and after the commit it is checked again
//! (a concurrent removal of the last row using the same content may have taken it).
//!
//! Every file written into or removed from a folder marks its empresa for the off-site replica
//! (`store::tenants::Alteracoes::marcar_midia`), which then lists that folder only.

pub mod anexo;
pub mod mime;
pub mod multipart;
pub mod trabalho;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::app::App;
use crate::crypto::sha256_hex;
use crate::domain::EmpresaId;
use crate::error::{Error, Result};
use crate::jobs::Sinal;
use crate::store::central::midia_uso::UsoMidia;
use crate::store::central::{CentralDb, Empresa};
use crate::store::tenant::midias::ArquivoGuardado;
use crate::store::tenant::TenantDb;
use crate::store::tenants::{midia_dir, Alteracoes};

/// Largest file stored (WhatsApp's own cap for audio and video; documents above it are
/// refused with a note in the panel).
pub const MAX_BYTES: usize = 16 * 1024 * 1024;
/// Largest image WhatsApp accepts in an image message (attachments, catalog photos).
pub const MAX_IMAGEM_ENVIO: usize = 5 * 1024 * 1024;

/// Whether `sha` is a content address (64 lowercase hex digits): the only file names here.
pub fn sha_valido(sha: &str) -> bool {
    sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The path of a stored file in a media folder; an invalid address is refused.
pub fn arquivo_em(dir: &Path, sha: &str) -> Result<PathBuf> {
    if !sha_valido(sha) {
        return Err(Error::Internal(format!("endereço de mídia inválido: {sha:?}")));
    }
    Ok(dir.join(sha))
}

/// Writes `bytes` as `dir/<sha>` unless a file of that size is already there: a temporary
/// name, fsync, rename, fsync of the folder.
pub fn escrever_em(dir: &Path, sha: &str, bytes: &[u8]) -> Result<()> {
    let destino = arquivo_em(dir, sha)?;
    if std::fs::metadata(&destino).is_ok_and(|m| m.len() == bytes.len() as u64) {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = dir.join(format!(".{sha}.{}.tmp", crate::crypto::random_token().get(..12).unwrap_or("x")));
    let escrito = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &destino)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if let Err(e) = escrito {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(&destino, e));
    }
    Ok(())
}

/// One empresa's media store: its folder, its tenant db, and what quota and usage need.
pub struct Acervo<'a> {
    central: &'a CentralDb,
    trabalho: &'a Sinal,
    alteracoes: &'a Alteracoes,
    empresa: &'a Empresa,
    db: &'a TenantDb,
    dir: PathBuf,
}

impl<'a> Acervo<'a> {
    /// The store of `empresa`, whose tenant db is `db`.
    pub fn de(app: &'a App, empresa: &'a Empresa, db: &'a TenantDb) -> Acervo<'a> {
        Acervo {
            central: &app.central,
            trabalho: &app.trabalho,
            alteracoes: app.tenants.alteracoes(),
            empresa,
            db,
            dir: midia_dir(&app.data.tenants(), &empresa.database_name),
        }
    }

    pub fn db(&self) -> &TenantDb {
        self.db
    }

    pub fn empresa(&self) -> &Empresa {
        self.empresa
    }

    /// The media folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Reads a stored file.
    pub fn ler(&self, sha: &str) -> Result<Vec<u8>> {
        let path = arquivo_em(&self.dir, sha)?;
        std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                log::error!("empresa {}: arquivo de mídia ausente ({sha})", self.empresa.id);
                Error::NotFound("arquivo da mídia")
            }
            _ => Error::io(path, e),
        })
    }

    /// Stores `bytes` (type `mime`, already sniffed) if the plano's quota has room for them
    /// (a content already stored costs nothing). The caller then commits the row that names
    /// the file and calls [`Acervo::conferir`].
    pub fn guardar(&self, bytes: &[u8], mime: &str) -> Result<ArquivoGuardado> {
        if bytes.len() > MAX_BYTES {
            return Err(Error::invalid(
                "midia_grande_demais",
                format!(
                    "arquivo de {}: o limite é {} por arquivo",
                    tamanho_br(bytes.len() as i64),
                    tamanho_br(MAX_BYTES as i64)
                ),
            ));
        }
        let sha = sha256_hex(bytes);
        if !self.db.midia_sha_em_uso(&sha)? {
            if let Some(limite) = self.central.midia_limite_bytes(self.empresa.id)? {
                let (usado, _) = self.db.midia_uso()?;
                if usado + bytes.len() as i64 > limite {
                    return Err(Error::conflict(
                        "cota_midia_esgotada",
                        format!(
                            "a cota de mídia da empresa está cheia ({} de {}); o arquivo não foi guardado — \
                             apague fotos do catálogo ou peça ao revendedor um plano maior",
                            tamanho_br(usado),
                            tamanho_br(limite)
                        ),
                    ));
                }
            }
        }
        self.escrever(&sha, bytes)?;
        Ok(ArquivoGuardado { sha256: sha, mime: mime.to_owned(), tamanho: bytes.len() as i64 })
    }

    /// Writes a file into the folder and marks the empresa for the off-site replica.
    fn escrever(&self, sha: &str, bytes: &[u8]) -> Result<()> {
        escrever_em(&self.dir, sha, bytes)?;
        self.alteracoes.marcar_midia(self.empresa.id);
        Ok(())
    }

    /// After the row naming `arquivo` committed: writes the file again if a concurrent
    /// removal (of the last other row with that content) took it, then records the usage.
    pub fn conferir(&self, arquivo: &ArquivoGuardado, bytes: &[u8]) -> Result<()> {
        self.escrever(&arquivo.sha256, bytes)?;
        self.atualizar_uso();
        Ok(())
    }

    /// Removes the file `sha` if no row uses it any more; records the usage.
    pub fn remover_se_livre(&self, sha: &str) -> Result<()> {
        if !self.db.midia_sha_em_uso(sha)? {
            let path = arquivo_em(&self.dir, sha)?;
            match std::fs::remove_file(&path) {
                Ok(()) => self.alteracoes.marcar_midia(self.empresa.id),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(path, e)),
            }
        }
        self.atualizar_uso();
        Ok(())
    }

    /// Recomputes the empresa's usage from its tenant file and records it centrally (best
    /// effort: the figure is for display, the quota check reads the tenant file itself).
    pub fn atualizar_uso(&self) {
        let r = self.db.midia_uso().and_then(|(bytes, arquivos)| {
            self.central.midia_uso_definir(self.empresa.id, UsoMidia { bytes, arquivos })
        });
        if let Err(e) = r {
            log::warn!("empresa {}: uso de mídia não atualizado: {e}", self.empresa.id);
        }
    }

    /// Queues a failed download again and wakes the workers.
    pub fn baixar_de_novo(&self, id: crate::domain::MidiaId) -> Result<()> {
        self.db.midia_baixar_de_novo(id, crate::clock::unix_now_ms())?;
        self.avisar_trabalho()
    }

    /// Marks the tenant as having work and wakes the workers (a queued send).
    pub fn avisar_trabalho(&self) -> Result<()> {
        self.central.trabalho_marcar(self.empresa.id)?;
        self.trabalho.avisar();
        Ok(())
    }
}

/// Removes an empresa's media folder (its purge).
pub fn remover_pasta(app: &App, empresa: &Empresa) -> Result<()> {
    let dir = midia_dir(&app.data.tenants(), &empresa.database_name);
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(dir, e)),
    }
}

/// The usage of every empresa as recorded, with its quota, for the reseller's list.
pub fn uso_da_empresa(central: &CentralDb, id: EmpresaId) -> Result<(UsoMidia, Option<i64>)> {
    Ok((central.midia_uso(id)?, central.midia_limite_bytes(id)?))
}

/// "1,5 MB", "320 KB" — sizes as a Brazilian reads them.
pub fn tamanho_br(bytes: i64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes.max(0) as f64;
    let (valor, unidade) = if b >= KB * KB * KB {
        (b / (KB * KB * KB), "GB")
    } else if b >= KB * KB {
        (b / (KB * KB), "MB")
    } else {
        (b / KB, "KB")
    };
    let texto = if valor >= 100.0 || valor.fract() < 0.05 { format!("{valor:.0}") } else { format!("{valor:.1}") };
    format!("{} {unidade}", texto.replace('.', ","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_content_addresses_name_files() {
        let sha = sha256_hex(b"x");
        let dir = Path::new("/dados/tenants/empresa_1_a.midia");
        assert_eq!(arquivo_em(dir, &sha).expect("ok"), dir.join(&sha));
        for ruim in ["../../etc/passwd", "", &sha.to_uppercase(), &format!("{sha}/x"), &sha[..63]] {
            assert!(arquivo_em(dir, ruim).is_err(), "{ruim}");
        }
    }

    #[test]
    fn writing_is_idempotent_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let pasta = dir.path().join("empresa_1_a.midia");
        let sha = sha256_hex(b"conteudo");
        escrever_em(&pasta, &sha, b"conteudo").expect("write");
        escrever_em(&pasta, &sha, b"conteudo").expect("again");
        let nomes: Vec<String> = std::fs::read_dir(&pasta)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(nomes, vec![sha.clone()]);
        assert_eq!(std::fs::read(pasta.join(&sha)).expect("read"), b"conteudo");
    }

    #[test]
    fn sizes_in_pt_br() {
        assert_eq!(tamanho_br(512), "0,5 KB");
        assert_eq!(tamanho_br(1536 * 1024), "1,5 MB");
        assert_eq!(tamanho_br(16 * 1024 * 1024), "16 MB");
        assert_eq!(tamanho_br(500 * 1024 * 1024), "500 MB");
    }
}
