//! Password hashing with argon2id at OWASP parameters (m = 19 MiB, t = 2, p = 1).
//!
//! Each hash costs ≈ 19 MiB and tens of milliseconds, so at most [`MAX_CONCURRENT_HASHES`]
//! run at once: a login burst queues here instead of starving the server of memory and CPU.

use std::sync::{Condvar, Mutex};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::crypto::random_bytes;
use crate::error::{Error, Result};

/// How many argon2 computations may run at the same time.
pub const MAX_CONCURRENT_HASHES: usize = 2;

/// Minimum password length accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

static SLOTS: Mutex<usize> = Mutex::new(0);
static FREED: Condvar = Condvar::new();

struct Slot;

impl Slot {
    fn acquire() -> Slot {
        let mut busy = SLOTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while *busy >= MAX_CONCURRENT_HASHES {
            busy = FREED.wait(busy).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *busy += 1;
        Slot
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut busy = SLOTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *busy = busy.saturating_sub(1);
        FREED.notify_one();
    }
}

fn argon2() -> Result<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| Error::Internal(format!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Checks the password policy (length) with a pt-BR message.
pub fn check_policy(senha: &str) -> Result<()> {
    if senha.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::invalid(
            "senha_fraca",
            format!("a senha precisa ter pelo menos {MIN_PASSWORD_CHARS} caracteres"),
        ));
    }
    if senha.len() > 1024 {
        return Err(Error::invalid("senha_longa", "a senha pode ter no máximo 1024 bytes"));
    }
    Ok(())
}

/// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`).
pub fn hash(senha: &str) -> Result<String> {
    let salt_bytes: [u8; 16] = random_bytes()?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| Error::Internal(format!("salt: {e}")))?;
    let _slot = Slot::acquire();
    argon2()?
        .hash_password(senha.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("argon2: {e}")))
}

/// Verifies a password against a stored PHC string. A malformed hash counts as "no".
pub fn verify(senha: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let Ok(a) = argon2() else {
        return false;
    };
    let _slot = Slot::acquire();
    a.verify_password(senha.as_bytes(), &parsed).is_ok()
}

/// A valid hash of a random password, verified against when the email is unknown so that
/// "unknown email" and "wrong password" take the same time.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        hash(&crate::crypto::random_token()).unwrap_or_else(|_| {
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Yx0zv7r2Ld1jzY8zvUeT0pNn7F9m0l6YwQ0VxkR1Yk".into()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = hash("correcthorse").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correcthorse", &h));
        assert!(!verify("wrong-horse", &h));
        assert!(!verify("x", "not-a-hash"));
        assert!(check_policy("curta").is_err());
        assert!(check_policy("comprida1").is_ok());
    }
}
