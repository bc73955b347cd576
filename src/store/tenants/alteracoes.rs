//! Which tenants committed changes that the off-site replica has not taken yet
//! (`crate::replica`), so its cost follows changes and never the number of tenant files.
//!
//! A tenant connection marks its empresa when it goes back to its pool having changed rows
//! ([`super::Conn`]'s drop compares SQLite's `total_changes` with its value at the loan): after
//! the commit, never before, so a replica that takes the mark and then reads the file sees that
//! commit, and a commit that lands after the take marks again. One map insert per write loan;
//! nothing for reads, nothing per idle tenant.

use std::collections::HashMap;
use std::sync::Mutex;

use super::lock;
use crate::domain::EmpresaId;

/// Tenants changed since the replica last took them, with the time (Unix ms) of the first
/// change not yet taken.
#[derive(Debug, Default)]
pub struct Alteracoes {
    mapa: Mutex<HashMap<EmpresaId, i64>>,
    midias: Mutex<HashMap<EmpresaId, i64>>,
}

impl Alteracoes {
    /// Records that `id` committed a change now (keeps an earlier mark).
    pub fn marcar(&self, id: EmpresaId) {
        lock(&self.mapa).entry(id).or_insert_with(crate::clock::unix_now_ms);
    }

    /// Takes every mark: (empresa, time of its first change not taken before).
    pub fn tomar(&self) -> Vec<(EmpresaId, i64)> {
        lock(&self.mapa).drain().collect()
    }

    /// How many tenants are marked now.
    pub fn total(&self) -> usize {
        lock(&self.mapa).len()
    }

    /// Records that a file was written into or removed from `id`'s media folder now (keeps an
    /// earlier mark).
    pub fn marcar_midia(&self, id: EmpresaId) {
        lock(&self.midias).entry(id).or_insert_with(crate::clock::unix_now_ms);
    }

    /// Takes every media mark: (empresa, time of its first folder change not taken before).
    pub fn tomar_midias(&self) -> Vec<(EmpresaId, i64)> {
        lock(&self.midias).drain().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_mark_until_taken() {
        let a = Alteracoes::default();
        a.marcar(EmpresaId(1));
        let primeira = a.tomar();
        assert_eq!(primeira.len(), 1);
        a.marcar(EmpresaId(2));
        std::thread::sleep(std::time::Duration::from_millis(3));
        a.marcar(EmpresaId(2));
        a.marcar(EmpresaId(3));
        assert_eq!(a.total(), 2);
        let mut v = a.tomar();
        v.sort();
        assert_eq!(v.iter().map(|(id, _)| id.0).collect::<Vec<_>>(), vec![2, 3]);
        assert!(v[0].1 <= v[1].1, "the second mark of 2 did not move its first one");
        assert!(a.tomar().is_empty());
        // Media marks are their own: taking the tenant marks leaves them.
        a.marcar_midia(EmpresaId(4));
        a.marcar_midia(EmpresaId(4));
        assert!(a.tomar().is_empty());
        assert_eq!(a.tomar_midias().iter().map(|(id, _)| id.0).collect::<Vec<_>>(), vec![4]);
        assert!(a.tomar_midias().is_empty());
    }
}
