//! Login throttling: failed attempts counted per (IP, e-mail), per IP and per e-mail inside
//! a sliding window. Over a limit → 429 with Retry-After. A success clears the (IP, e-mail)
//! counter. The per-(IP, e-mail) limit is the tight one, so an attacker hammering one account
//! from one address is stopped while the owner can still log in from elsewhere; the wider
//! per-e-mail limit stops a distributed attack on one account.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::LoginThrottle;
use crate::error::{Error, Result};

/// The throttle state (in memory; a restart forgets it, which is acceptable for a window of minutes).
pub struct Throttle {
    limits: LoginThrottle,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Throttle {
    pub fn new(limits: LoginThrottle) -> Self {
        Throttle { limits, failures: Mutex::new(HashMap::new()) }
    }

    fn keys(ip: &str, email: &str) -> [(String, u32); 3] {
        let email = email.trim().to_lowercase();
        [(format!("ie:{ip}|{email}"), 0), (format!("i:{ip}"), 1), (format!("e:{email}"), 2)]
    }

    fn limit(&self, kind: u32) -> u32 {
        match kind {
            0 => self.limits.per_ip_email,
            1 => self.limits.per_ip,
            _ => self.limits.per_email,
        }
    }

    /// Refuses with 429 when any counter is at its limit.
    pub fn check(&self, ip: &str, email: &str) -> Result<()> {
        let window = Duration::from_secs(self.limits.window_s);
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (key, kind) in Self::keys(ip, email) {
            if let Some(q) = map.get_mut(&key) {
                while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
                    q.pop_front();
                }
                if q.len() as u32 >= self.limit(kind) {
                    let oldest = q.front().copied().unwrap_or(now);
                    let retry = window.saturating_sub(now.duration_since(oldest)).as_secs().max(1);
                    return Err(Error::TooManyRequests { retry_after: retry });
                }
            }
        }
        Ok(())
    }

    /// Records a failed attempt.
    pub fn failed(&self, ip: &str, email: &str) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() > 100_000 {
            // Bound memory under a flood of distinct keys: drop everything stale.
            let window = Duration::from_secs(self.limits.window_s);
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        for (key, _) in Self::keys(ip, email) {
            map.entry(key).or_default().push_back(now);
        }
    }

    /// Clears the (IP, e-mail) counter after a successful login.
    pub fn succeeded(&self, ip: &str, email: &str) {
        let [(key, _), ..] = Self::keys(ip, email);
        self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_ip_email_then_other_ip_still_allowed() {
        let t = Throttle::new(LoginThrottle { window_s: 60, per_ip_email: 3, per_ip: 10, per_email: 10 });
        for _ in 0..3 {
            t.check("1.1.1.1", "a@b.c").unwrap();
            t.failed("1.1.1.1", "a@b.c");
        }
        let err = t.check("1.1.1.1", "A@b.c").unwrap_err();
        assert!(matches!(err, Error::TooManyRequests { retry_after } if retry_after > 0 && retry_after <= 60));
        assert!(t.check("2.2.2.2", "a@b.c").is_ok());
    }
}
