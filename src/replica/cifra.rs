//! The replica key and the sealed form of every object put in the bucket.
//!
//! The replica key (32 random bytes) lives in `data/replica.key` (mode 0600), is printed once
//! by `helixai replica config` and is never uploaded: without it the bucket is unreadable.
//!
//! A sealed object is `HXR1` followed by frames; a frame is `u32 length (BE) || nonce (12) ||
//! ChaCha20-Poly1305(zstd(segment))`, each segment at most [`SEGMENTO`] bytes of plaintext, a
//! fresh random nonce per frame. The associated data of frame `i` is the object's name, its
//! index and whether it is the last: an object copied under another name (another tenant's),
//! frames reordered, or an object cut short fail to open instead of restoring the wrong data.
//! Large objects are sealed and opened a segment at a time, so memory follows the segment.
//!
//! Media that is already compressed (photos, voice notes, videos: [`vale_comprimir`] says no)
//! is sealed without zstd: `HXR0`, frames of `ChaCha20-Poly1305(segment)`, whose associated
//! data ends with one more byte (`c`, *cru*), so swapping the magic fails to open. A media
//! object is not named by its content's SHA-256 but by a keyed hash of it
//! ([`ChaveReplica::nome_de_midia`]): whoever reads the bucket and holds a copy of some photo
//! cannot tell whether it is there.

use std::fmt;
use std::io::{Read, Write};
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{Error, Result};

/// The first bytes of every sealed object whose frames are zstd-compressed.
const MAGICO: &[u8; 4] = b"HXR1";
/// The first bytes of a sealed object whose frames are not compressed.
const MAGICO_CRU: &[u8; 4] = b"HXR0";
/// What the key naming media objects is derived with (apart from the sealing key itself).
const CONTEXTO_NOMES: &[u8] = b"helixai replica v1: nomes de midia";
/// Plaintext sampled by [`vale_comprimir`].
const AMOSTRA: usize = 256 * 1024;
/// Plaintext bytes per frame.
pub const SEGMENTO: usize = 1024 * 1024;
/// zstd level: SQLite pages of text compress ~3-4× at 3, at hundreds of MB/s.
const NIVEL_ZSTD: i32 = 3;

/// The replica key.
#[derive(Clone, PartialEq, Eq)]
pub struct ChaveReplica([u8; 32]);

impl fmt::Debug for ChaveReplica {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChaveReplica(***)")
    }
}

impl ChaveReplica {
    /// A new random key.
    pub fn gerar() -> Result<Self> {
        Ok(ChaveReplica(crate::crypto::random_bytes()?))
    }

    /// The key as people copy it: 64 hex digits in 8 groups (`1a2b3c4d-...`).
    pub fn texto(&self) -> String {
        let h = hex::encode(self.0);
        h.as_bytes().chunks(8).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
    }

    /// Parses what [`ChaveReplica::texto`] printed (dashes, spaces and case ignored).
    pub fn de_texto(texto: &str) -> Result<Self> {
        let limpo: String = texto.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        let mut bytes = [0u8; 32];
        match hex::decode_to_slice(limpo.to_ascii_lowercase(), &mut bytes) {
            Ok(()) => Ok(ChaveReplica(bytes)),
            Err(_) => Err(Error::invalid(
                "chave_replica_invalida",
                "a chave da réplica deve ter 64 dígitos hexadecimais (como `helixai replica config` a mostrou)",
            )),
        }
    }

    /// Loads `data/replica.key`, or `None` when there is none.
    pub fn carregar(path: &Path) -> Result<Option<Self>> {
        match std::fs::read(path) {
            Ok(b) if b.len() == 32 => {
                let mut k = [0u8; 32];
                k.copy_from_slice(&b);
                Ok(Some(ChaveReplica(k)))
            }
            Ok(b) => Err(Error::Internal(format!("{} tem {} bytes; esperado 32", path.display(), b.len()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Writes the key to a new file readable only by its owner (0600).
    pub fn gravar(&self, path: &Path) -> Result<()> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(path).map_err(|e| Error::io(path, e))?;
        f.write_all(&self.0).and_then(|()| f.sync_all()).map_err(|e| Error::io(path, e))
    }

    fn aead(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(Key::from_slice(&self.0))
    }

    /// The bucket name of the media file whose content address is `sha256`: 64 hex digits of
    /// HMAC-SHA256 under a key derived from this one. The same file gets the same name (it is
    /// uploaded once); without the replica key the name says nothing of the content.
    pub fn nome_de_midia(&self, sha256: &str) -> String {
        let subchave = hmac_sha256(&self.0, CONTEXTO_NOMES);
        hex::encode(hmac_sha256(&subchave, sha256.as_bytes()))
    }
}

fn hmac_sha256(chave: &[u8; 32], dados: &[u8]) -> [u8; 32] {
    // HMAC pads a short key with zeros to the block size (64 bytes): the same key, given whole.
    let mut bloco = [0u8; 64];
    bloco[..32].copy_from_slice(chave);
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&bloco.into());
    mac.update(dados);
    mac.finalize().into_bytes().into()
}

/// The associated data of one frame.
fn dados_associados(nome: &str, indice: u32, ultimo: bool, cru: bool) -> Vec<u8> {
    let mut ad = Vec::with_capacity(nome.len() + 7);
    ad.extend_from_slice(nome.as_bytes());
    ad.push(0);
    ad.extend_from_slice(&indice.to_be_bytes());
    ad.push(u8::from(ultimo));
    if cru {
        ad.push(b'c');
    }
    ad
}

/// Whether zstd is worth it for this content: it saves at least 10% on its first 256 KiB.
/// JPEG, PNG, WebP, Opus, MP4 and zipped Office files do not; PDFs and text usually do.
pub fn vale_comprimir(dados: &[u8]) -> bool {
    let amostra = &dados[..dados.len().min(AMOSTRA)];
    if amostra.is_empty() {
        return false;
    }
    zstd::bulk::compress(amostra, NIVEL_ZSTD).is_ok_and(|c| c.len() * 10 < amostra.len() * 9)
}

/// Seals a stream of bytes into an object named `nome`, a segment at a time.
pub struct Selador<'k> {
    chave: &'k ChaveReplica,
    nome: String,
    saida: Vec<u8>,
    pendente: Vec<u8>,
    indice: u32,
    /// Frames are stored without zstd.
    cru: bool,
    /// Plaintext bytes written so far.
    pub bytes_claros: u64,
}

impl<'k> Selador<'k> {
    /// Starts an object named `nome` (its name relative to the replica's prefix).
    pub fn novo(chave: &'k ChaveReplica, nome: &str) -> Self {
        Self::com(chave, nome, true)
    }

    /// Starts an object whose frames are zstd-compressed (`comprimir`) or stored as they are
    /// (content that is compressed already).
    pub fn com(chave: &'k ChaveReplica, nome: &str, comprimir: bool) -> Self {
        Selador {
            chave,
            nome: nome.to_owned(),
            saida: if comprimir { MAGICO.to_vec() } else { MAGICO_CRU.to_vec() },
            pendente: Vec::with_capacity(SEGMENTO),
            indice: 0,
            cru: !comprimir,
            bytes_claros: 0,
        }
    }

    /// Appends plaintext.
    pub fn escrever(&mut self, mut dados: &[u8]) -> Result<()> {
        self.bytes_claros += dados.len() as u64;
        while !dados.is_empty() {
            let cabe = (SEGMENTO - self.pendente.len()).min(dados.len());
            self.pendente.extend_from_slice(&dados[..cabe]);
            dados = &dados[cabe..];
            if self.pendente.len() == SEGMENTO && !dados.is_empty() {
                self.quadro(false)?;
            }
        }
        Ok(())
    }

    fn quadro(&mut self, ultimo: bool) -> Result<()> {
        let comprimido = if self.cru {
            None
        } else {
            Some(zstd::bulk::compress(&self.pendente, NIVEL_ZSTD).map_err(|e| Error::Internal(format!("zstd: {e}")))?)
        };
        let nonce: [u8; 12] = crate::crypto::random_bytes()?;
        let ad = dados_associados(&self.nome, self.indice, ultimo, self.cru);
        let msg = comprimido.as_deref().unwrap_or(&self.pendente);
        let selado = self
            .chave
            .aead()
            .encrypt(Nonce::from_slice(&nonce), Payload { msg, aad: &ad })
            .map_err(|_| Error::Internal("falha ao cifrar objeto da réplica".into()))?;
        let tamanho = u32::try_from(selado.len()).map_err(|_| Error::Internal("quadro grande demais".into()))?;
        self.saida.extend_from_slice(&tamanho.to_be_bytes());
        self.saida.extend_from_slice(&nonce);
        self.saida.extend_from_slice(&selado);
        self.pendente.clear();
        self.indice += 1;
        Ok(())
    }

    /// Seals the last frame and returns the object's bytes.
    pub fn concluir(mut self) -> Result<Vec<u8>> {
        self.quadro(true)?;
        Ok(self.saida)
    }
}

/// Seals a whole small object at once.
pub fn selar(chave: &ChaveReplica, nome: &str, dados: &[u8]) -> Result<Vec<u8>> {
    let mut s = Selador::novo(chave, nome);
    s.escrever(dados)?;
    s.concluir()
}

/// Why a sealed object did not open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FalhaAbertura {
    /// Not a sealed object (wrong magic, cut short, bad frame length).
    Formato,
    /// A frame failed authentication: wrong key, another object's bytes, or tampering.
    Autenticacao,
}

/// Reads the plaintext of a sealed object, a frame at a time ([`Read`]).
pub struct Abridor<'a> {
    aead: ChaCha20Poly1305,
    nome: &'a str,
    resto: &'a [u8],
    indice: u32,
    cru: bool,
    atual: Vec<u8>,
    pos: usize,
    fim: bool,
    /// Set when a frame fails (the `Read` error carries it too).
    pub falha: Option<FalhaAbertura>,
}

impl<'a> Abridor<'a> {
    /// Starts opening `dados`, the object named `nome`.
    pub fn novo(chave: &ChaveReplica, nome: &'a str, dados: &'a [u8]) -> std::result::Result<Self, FalhaAbertura> {
        let (resto, cru) = match (dados.strip_prefix(MAGICO.as_slice()), dados.strip_prefix(MAGICO_CRU.as_slice())) {
            (Some(r), _) => (r, false),
            (None, Some(r)) => (r, true),
            (None, None) => return Err(FalhaAbertura::Formato),
        };
        Ok(Abridor {
            aead: chave.aead(),
            nome,
            resto,
            indice: 0,
            cru,
            atual: Vec::new(),
            pos: 0,
            fim: false,
            falha: None,
        })
    }

    /// The next frame's plaintext, `None` after the last.
    fn proximo(&mut self) -> std::result::Result<Option<Vec<u8>>, FalhaAbertura> {
        if self.fim {
            return if self.resto.is_empty() { Ok(None) } else { Err(FalhaAbertura::Formato) };
        }
        if self.resto.len() < 4 + 12 {
            return Err(FalhaAbertura::Formato);
        }
        let tamanho = u32::from_be_bytes([self.resto[0], self.resto[1], self.resto[2], self.resto[3]]) as usize;
        let quadro = self.resto.get(4..4 + 12 + tamanho).ok_or(FalhaAbertura::Formato)?;
        self.resto = &self.resto[4 + 12 + tamanho..];
        let (nonce, selado) = quadro.split_at(12);
        let ultimo = self.resto.is_empty();
        let ad = dados_associados(self.nome, self.indice, ultimo, self.cru);
        let aberto = self
            .aead
            .decrypt(Nonce::from_slice(nonce), Payload { msg: selado, aad: &ad })
            .map_err(|_| FalhaAbertura::Autenticacao)?;
        self.indice += 1;
        self.fim = ultimo;
        if self.cru {
            return Ok(Some(aberto));
        }
        let claro = zstd::bulk::decompress(&aberto, SEGMENTO).map_err(|_| FalhaAbertura::Formato)?;
        Ok(Some(claro))
    }
}

impl Read for Abridor<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.atual.len() {
            match self.proximo() {
                Ok(Some(q)) => {
                    self.atual = q;
                    self.pos = 0;
                }
                Ok(None) => return Ok(0),
                Err(f) => {
                    self.falha = Some(f.clone());
                    return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{f:?}")));
                }
            }
        }
        let n = buf.len().min(self.atual.len() - self.pos);
        buf[..n].copy_from_slice(&self.atual[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Opens a whole small object.
pub fn abrir(chave: &ChaveReplica, nome: &str, dados: &[u8]) -> std::result::Result<Vec<u8>, FalhaAbertura> {
    let mut a = Abridor::novo(chave, nome, dados)?;
    let mut out = Vec::new();
    match a.read_to_end(&mut out) {
        Ok(_) => Ok(out),
        Err(_) => Err(a.falha.unwrap_or(FalhaAbertura::Formato)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_text_round_trip() {
        let k = ChaveReplica::gerar().unwrap();
        let t = k.texto();
        assert_eq!(t.len(), 64 + 7);
        assert_eq!(ChaveReplica::de_texto(&t).unwrap(), k);
        assert_eq!(ChaveReplica::de_texto(&format!("  {}\n", t.replace('-', " ").to_uppercase())).unwrap(), k);
        assert!(ChaveReplica::de_texto("abc").is_err());
        assert!(ChaveReplica::de_texto(&"zz".repeat(32)).is_err());
        assert_eq!(format!("{k:?}"), "ChaveReplica(***)");
    }

    #[test]
    fn media_names_hide_the_content_address_and_follow_the_key() {
        let (k, outra) = (ChaveReplica::gerar().unwrap(), ChaveReplica::gerar().unwrap());
        let sha = crate::crypto::sha256_hex(b"foto do carro");
        let nome = k.nome_de_midia(&sha);
        assert!(crate::media::sha_valido(&nome), "64 lowercase hex digits: {nome}");
        assert_ne!(nome, sha);
        assert_eq!(nome, k.nome_de_midia(&sha), "the same file, the same object");
        assert_ne!(nome, k.nome_de_midia(&crate::crypto::sha256_hex(b"outra foto")));
        assert_ne!(nome, outra.nome_de_midia(&sha), "another key, another name");
        // The zero-padded key is HMAC's own key.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&k.0).unwrap();
        mac.update(b"x");
        assert_eq!(hmac_sha256(&k.0, b"x"), <[u8; 32]>::from(mac.finalize().into_bytes()));
    }

    #[test]
    fn seals_and_opens_small_and_multi_frame_objects() {
        let k = ChaveReplica::gerar().unwrap();
        let pequeno = selar(&k, "bancos/x/1-b", b"ola").unwrap();
        assert_eq!(abrir(&k, "bancos/x/1-b", &pequeno).unwrap(), b"ola");
        // Three frames, text-like content (compresses), written in odd-sized pieces.
        let grande: Vec<u8> = (0..(2 * SEGMENTO + 12_345)).map(|i| b"mensagem do cliente "[i % 20]).collect();
        let mut s = Selador::novo(&k, "bancos/y/2-b");
        for pedaco in grande.chunks(77_777) {
            s.escrever(pedaco).unwrap();
        }
        let obj = s.concluir().unwrap();
        assert!(obj.len() < grande.len() / 10, "compressed: {} of {}", obj.len(), grande.len());
        assert_eq!(abrir(&k, "bancos/y/2-b", &obj).unwrap(), grande);
        assert!(!obj.windows(8).any(|w| w == b"mensagem"), "no plaintext in the object");
    }

    #[test]
    fn wrong_key_other_name_truncation_and_tampering_fail() {
        let k = ChaveReplica::gerar().unwrap();
        let outra = ChaveReplica::gerar().unwrap();
        let dados: Vec<u8> = (0..(SEGMENTO + 10)).map(|i| (i % 251) as u8).collect();
        let obj = selar(&k, "bancos/empresa_1_a/5-b", &dados).unwrap();
        assert_eq!(abrir(&outra, "bancos/empresa_1_a/5-b", &obj), Err(FalhaAbertura::Autenticacao));
        assert_eq!(abrir(&k, "bancos/empresa_2_b/5-b", &obj), Err(FalhaAbertura::Autenticacao));
        // Cut after the first frame: the first frame says it is not the last.
        let primeiro = 4 + 4 + 12 + u32::from_be_bytes(obj[4..8].try_into().unwrap()) as usize;
        assert!(abrir(&k, "bancos/empresa_1_a/5-b", &obj[..primeiro]).is_err());
        assert_eq!(abrir(&k, "bancos/empresa_1_a/5-b", &obj[..obj.len() - 1]), Err(FalhaAbertura::Formato));
        let mut adulterado = obj.clone();
        let meio = adulterado.len() / 2;
        adulterado[meio] ^= 1;
        assert!(abrir(&k, "bancos/empresa_1_a/5-b", &adulterado).is_err());
        assert_eq!(abrir(&k, "x", b"nada disso"), Err(FalhaAbertura::Formato));
    }

    #[test]
    fn compressed_media_is_sealed_raw_and_the_mode_cannot_be_swapped() {
        let k = ChaveReplica::gerar().unwrap();
        // Entropy-coded data (what fills a real photo, voice note or video) does not compress;
        // text does.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let dados: Vec<u8> = (0..(SEGMENTO + 5_000))
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        assert!(!vale_comprimir(&dados));
        let linha = b"Orcamento: pastilha de freio R$ 120,00\n";
        let texto: Vec<u8> = (0..100_000).map(|i| linha[i % linha.len()]).collect();
        assert!(vale_comprimir(&texto));
        assert!(!vale_comprimir(b""));
        // The fixtures are tiny (their headers are a fifth of them): whichever way the sample
        // decides, they come back whole.
        for nome in ["foto.jpg", "voz.ogg", "video.mp4", "figurinha.webp", "orcamento.pdf"] {
            let b =
                std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/media").join(nome)).unwrap();
            let mut s = Selador::com(&k, nome, vale_comprimir(&b));
            s.escrever(&b).unwrap();
            assert_eq!(abrir(&k, nome, &s.concluir().unwrap()).unwrap(), b, "{nome}");
        }
        // Several frames, raw: the object is the plaintext plus framing.
        let nome = "midias/empresa_1_a/ab";
        let mut s = Selador::com(&k, nome, false);
        s.escrever(&dados).unwrap();
        let obj = s.concluir().unwrap();
        assert_eq!(&obj[..4], b"HXR0");
        assert_eq!(obj.len(), 4 + 2 * (4 + 12 + 16) + dados.len());
        assert_eq!(abrir(&k, nome, &obj).unwrap(), dados);
        assert_eq!(abrir(&k, "midias/empresa_2_b/ab", &obj), Err(FalhaAbertura::Autenticacao));
        // The magic says how to read the frames; it is authenticated through them.
        let mut trocado = obj.clone();
        trocado[..4].copy_from_slice(b"HXR1");
        assert_eq!(abrir(&k, nome, &trocado), Err(FalhaAbertura::Autenticacao));
        let comprimido = selar(&k, nome, &texto).unwrap();
        let mut trocado = comprimido.clone();
        trocado[..4].copy_from_slice(b"HXR0");
        assert_eq!(abrir(&k, nome, &trocado), Err(FalhaAbertura::Autenticacao));
    }
}
