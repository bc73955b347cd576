//! The WAL-index header of a database in WAL mode: the first copy of it, bytes 0..48 of
//! `<db>-shm` (<https://www.sqlite.org/walformat.html>, "the WAL-index header"), read with one
//! `pread` instead of a transaction. SQLite's readers take a commit as done once that copy is
//! written, so it says cheaply whether a database has committed since (`iChange`, the central
//! db's routing) and how long its WAL is (`mxFrame`, the journal's files taking turns).

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::OnceLock;

/// `<db>-shm`, once opened.
#[derive(Debug, Default)]
pub(crate) struct IndiceWal {
    shm: OnceLock<File>,
}

impl IndiceWal {
    /// Opens `<db>-shm` unless it is open already. It exists while a connection of this
    /// process has the database open in WAL mode; a failure leaves it closed, to be tried
    /// again by the next call.
    pub(crate) fn abrir(&self, db: &Path) {
        if self.shm.get().is_some() {
            return;
        }
        let mut caminho = db.as_os_str().to_owned();
        caminho.push("-shm");
        if let Ok(f) = File::open(caminho) {
            let _ = self.shm.set(f);
        }
    }

    /// The header's first copy; `None` until [`Self::abrir`] has opened the file, or when it
    /// cannot be read.
    pub(crate) fn cabecalho(&self) -> Option<[u8; 48]> {
        let mut h = [0u8; 48];
        self.shm.get()?.read_exact_at(&mut h, 0).ok()?;
        Some(h)
    }

    /// Frames in the WAL now (`mxFrame`, bytes 16..20 of the header, native byte order).
    pub(crate) fn quadros(&self) -> Option<u32> {
        let h = self.cabecalho()?;
        Some(u32::from_ne_bytes([h[16], h[17], h[18], h[19]]))
    }
}
