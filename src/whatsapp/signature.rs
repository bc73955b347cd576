//! Owns the `X-Hub-Signature-256` check of webhook POSTs (and the signer tests use).
//!
//! Meta signs the raw request bytes with HMAC-SHA256 keyed by the app secret and sends
//! `sha256=<lowercase hex>`. The check must run on the bytes exactly as received: Meta
//! escapes non-ASCII as `\uXXXX` and `/` as `\/`, so re-serialised JSON never matches.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{Error, Result};

/// The header Meta puts the signature in.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";

type HmacSha256 = Hmac<Sha256>;

/// Checks `header` (the `X-Hub-Signature-256` value) against `raw_body`.
///
/// Every failure is the same [`Error::BadSignature`]: a missing header, a missing
/// `sha256=` prefix, bad hex, the wrong length or the wrong digest. The digest is
/// compared in constant time (`Mac::verify_slice`). An empty app secret is refused,
/// because with it anyone can compute a "valid" signature.
pub fn verify_signature(app_secret: &[u8], raw_body: &[u8], header: Option<&str>) -> Result<()> {
    if app_secret.is_empty() {
        return Err(Error::BadSignature);
    }
    let hex_digest = header.map(str::trim).and_then(|h| h.strip_prefix("sha256=")).ok_or(Error::BadSignature)?;
    let claimed = hex::decode(hex_digest).map_err(|_| Error::BadSignature)?;
    let mac = mac(app_secret, raw_body).ok_or(Error::BadSignature)?;
    mac.verify_slice(&claimed).map_err(|_| Error::BadSignature)
}

/// The full header value (`sha256=<hex>`) Meta would send for `body`.
pub fn sign(app_secret: &[u8], body: &[u8]) -> String {
    let digest = mac(app_secret, body).map(|m| hex::encode(m.finalize().into_bytes())).unwrap_or_default();
    format!("sha256={digest}")
}

/// HMAC accepts keys of any length (long ones are hashed first), so `None` never happens
/// in practice; it is an `Option` only to keep `expect` out of non-test code.
fn mac(app_secret: &[u8], body: &[u8]) -> Option<HmacSha256> {
    let mut mac = HmacSha256::new_from_slice(app_secret).ok()?;
    mac.update(body);
    Some(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"app-secret-123";

    #[test]
    fn accepts_own_signature() {
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let header = sign(SECRET, body);
        assert!(header.starts_with("sha256="));
        assert_eq!(header.len(), "sha256=".len() + 64);
        verify_signature(SECRET, body, Some(&header)).unwrap();
    }

    #[test]
    fn known_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let header = sign(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(header, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        let upper = header.to_uppercase().replace("SHA256=", "sha256=");
        verify_signature(b"Jefe", b"what do ya want for nothing?", Some(&upper)).unwrap();
    }

    #[test]
    fn raw_bytes_matter() {
        // Meta escapes `/` as `\/`; the parsed-and-reserialised body must not verify.
        let raw = br#"{"href":"https:\/\/developers.facebook.com\/"}"#;
        let reserialised = br#"{"href":"https://developers.facebook.com/"}"#;
        let header = sign(SECRET, raw);
        verify_signature(SECRET, raw, Some(&header)).unwrap();
        assert!(matches!(verify_signature(SECRET, reserialised, Some(&header)), Err(Error::BadSignature)));
    }

    #[test]
    fn rejects_everything_else() {
        let body = b"{}";
        let good = sign(SECRET, body);
        let hex_only = good.trim_start_matches("sha256=").to_string();
        let truncated = good[..good.len() - 2].to_string();
        let other_secret = sign(b"other", body);
        let sha1 = format!("sha1={hex_only}");
        for header in [None, Some(""), Some("sha256="), Some("sha256=zz"), Some(hex_only.as_str())] {
            assert!(matches!(verify_signature(SECRET, body, header), Err(Error::BadSignature)), "{header:?}");
        }
        for header in [truncated, other_secret, sha1] {
            assert!(matches!(verify_signature(SECRET, body, Some(&header)), Err(Error::BadSignature)), "{header}");
        }
        assert!(matches!(verify_signature(SECRET, b"{} ", Some(&good)), Err(Error::BadSignature)));
        assert!(matches!(verify_signature(b"", body, Some(&sign(b"", body))), Err(Error::BadSignature)));
        assert_eq!(Error::BadSignature.status(), 401);
    }
}
