//! Owns phone-number identity: turning a WhatsApp JID into digits, and the one canonical
//! form of a Brazilian number, so that the same customer is the same key whichever way the
//! number reached us.
//!
//! Why this exists: Brazilian mobiles gained a 9th digit (`55 DD 9XXXX-XXXX`), but WhatsApp
//! still addresses many accounts registered before the change by the old 8-digit form, and
//! Evolution's `createJid` strips the 9 when *sending* (DDD ≥ 31). So one person can appear
//! as `5531991819932` in our CRM and `553191819932@s.whatsapp.net` in a webhook.
//! [`canonico`] always picks the 13-digit form; [`variantes`] lists both for look-ups.
//!
//! ```text
//! "553191819932:12@s.whatsapp.net" ─ de_jid ─▶ "553191819932" ─ canonico ─▶ "5531991819932"
//! "+55 (31) 9 9181-9932"           ─ canonico ─────────────────────────▶ "5531991819932"
//! variantes(either)                ─▶ ["5531991819932", "553191819932"]
//! ```

/// The digits of a person JID (`5531999999999@s.whatsapp.net`, `…@c.us`), without the
/// device suffix (`5531…:12@s.whatsapp.net`). `None` for groups (`@g.us`), privacy ids
/// (`@lid`), broadcasts, newsletters, and anything whose user part is not all digits.
pub fn de_jid(jid: &str) -> Option<String> {
    let (user, server) = jid.trim().rsplit_once('@')?;
    if !matches!(server, "s.whatsapp.net" | "c.us") {
        return None;
    }
    let user = user.split_once(':').map_or(user, |(user, _device)| user);
    let digits = !user.is_empty() && user.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| user.to_string())
}

/// The canonical form of a number: digits only, and a Brazilian mobile written without the
/// 9th digit (`55` + DDD + 8 digits starting with 6–9) gets it back. Landlines (first digit
/// 2–5), other countries and numbers already in the 13-digit form come back as their digits.
pub fn canonico(numero: &str) -> String {
    let digits: String = numero.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 12 && ddd_brasileiro(&digits) && celular(digits.as_bytes()[4]) {
        format!("{}9{}", &digits[..4], &digits[4..])
    } else {
        digits
    }
}

/// Every form under which this number may be known: the canonical one first, then, for a
/// Brazilian mobile, the form without the 9th digit. Empty for input without digits.
pub fn variantes(numero: &str) -> Vec<String> {
    let canonico = canonico(numero);
    if canonico.is_empty() {
        return Vec::new();
    }
    let bytes = canonico.as_bytes();
    let sem_nono = canonico.len() == 13 && ddd_brasileiro(&canonico) && bytes[4] == b'9' && celular(bytes[5]);
    let mut todas = vec![canonico.clone()];
    if sem_nono {
        todas.push(format!("{}{}", &canonico[..4], &canonico[5..]));
    }
    todas.dedup();
    todas
}

/// `55` followed by a DDD whose two digits are 1–9 (11–99, no `x0`).
fn ddd_brasileiro(digits: &str) -> bool {
    let b = digits.as_bytes();
    b.len() >= 4 && b.starts_with(b"55") && (b'1'..=b'9').contains(&b[2]) && (b'1'..=b'9').contains(&b[3])
}

/// First digit of an 8-digit mobile subscriber number (6–9); 2–5 are landlines.
fn celular(first: u8) -> bool {
    (b'6'..=b'9').contains(&first)
}

#[cfg(test)]
#[path = "telefone_tests.rs"]
mod tests;
