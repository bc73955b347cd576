//! Randomness and secrets at rest.
//!
//! `data/secret.key` (32 random bytes, mode 0600, created on first start) keys a
//! ChaCha20-Poly1305 AEAD that encrypts WhatsApp tokens, app secrets and LLM API keys in the
//! central db. A ciphertext is `nonce (12 bytes) || sealed`. [`Secret`] wraps plaintext so it
//! never prints; [`mask`] is the only form a secret is ever shown in (`••••1234`).

use std::fmt;
use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

use crate::error::{Error, Result};

/// `N` bytes from the OS CSPRNG.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).map_err(|e| Error::Internal(format!("getrandom: {e}")))?;
    Ok(buf)
}

/// 256 random bits as 64 hex characters (session tokens, generated passwords).
pub fn random_token() -> String {
    // getrandom only fails when the OS has no entropy source at all; fall back to a value
    // that can never verify (an empty token is rejected by every caller).
    random_bytes::<32>().map(hex::encode).unwrap_or_default()
}

/// A readable random password for generated logins (no look-alike characters).
pub fn random_password(len: usize) -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes: [u8; 64] = random_bytes()?;
    Ok(bytes.iter().take(len.min(64)).map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect())
}

/// SHA-256 hex of a value (session tokens are stored only in this form).
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(data))
}

/// A plaintext secret that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a plaintext.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The plaintext, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// `••••` + the last 4 characters (or just `••••` for short values).
pub fn mask(plain: &str) -> String {
    let chars: Vec<char> = plain.chars().collect();
    if chars.len() < 12 {
        return "••••".to_owned();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("••••{tail}")
}

/// The key from `secret.key`.
#[derive(Clone)]
pub struct SecretKey(Key);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

impl SecretKey {
    /// Loads `path`, creating it (32 random bytes, mode 0600) if absent. Returns the key and
    /// whether it was created now.
    pub fn load_or_create(path: &Path) -> Result<(SecretKey, bool)> {
        match std::fs::read(path) {
            Ok(bytes) if bytes.len() == 32 => Ok((SecretKey(*Key::from_slice(&bytes)), false)),
            Ok(bytes) => Err(Error::Internal(format!(
                "{} tem {} bytes; esperado 32 (restaure o arquivo original)",
                path.display(),
                bytes.len()
            ))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let bytes: [u8; 32] = random_bytes()?;
                write_private(path, &bytes)?;
                Ok((SecretKey(*Key::from_slice(&bytes)), true))
            }
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Encrypts a plaintext: `nonce || ciphertext+tag`.
    pub fn encrypt(&self, plain: &str) -> Result<Vec<u8>> {
        let nonce: [u8; 12] = random_bytes()?;
        let sealed = ChaCha20Poly1305::new(&self.0)
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|_| Error::Internal("falha ao cifrar segredo".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts what [`SecretKey::encrypt`] produced.
    pub fn decrypt(&self, data: &[u8]) -> Result<Secret> {
        if data.len() < 12 + 16 {
            return Err(Error::Internal("segredo cifrado truncado".into()));
        }
        let (nonce, sealed) = data.split_at(12);
        let plain = ChaCha20Poly1305::new(&self.0)
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| Error::Internal("segredo não decifra com o secret.key atual".into()))?;
        String::from_utf8(plain).map(Secret).map_err(|_| Error::Internal("segredo não é UTF-8".into()))
    }
}

/// Writes a new file readable only by its owner (0600), failing if it exists.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| Error::io(path, e))?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_mask() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("secret.key");
        let (k, created) = SecretKey::load_or_create(&p).unwrap();
        assert!(created);
        let (k2, created2) = SecretKey::load_or_create(&p).unwrap();
        assert!(!created2);
        let c = k.encrypt("EAAG-token-1234").unwrap();
        assert!(!c.windows(4).any(|w| w == b"1234"));
        assert_eq!(k2.decrypt(&c).unwrap().expose(), "EAAG-token-1234");
        assert_eq!(mask("EAAG-token-1234"), "••••1234");
        assert_eq!(mask("short"), "••••");
        assert_eq!(format!("{:?}", Secret::new("x")), "***");
    }
}
