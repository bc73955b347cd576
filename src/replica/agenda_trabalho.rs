//! The replica's uploaders (`replica-envio-N`): what the `replica` thread hands them (a
//! database and what of it waits: its pages, its media folder, or its removal) and what one
//! of them does with it.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::app::App;
use crate::error::Error;
use crate::replica::envio::{self, Enviado, Falha, Sessao};
use crate::replica::formato::Banco;
use crate::replica::midias::{self, PassoMidias};

/// What an uploader does with a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tarefa {
    Enviar,
    /// Its empresa was purged: mark it removed in the bucket, and delete its history (media
    /// files included) once the retention period has passed.
    Remover,
}

/// A database waiting: since when, what of it, its retries.
#[derive(Debug, Clone, Copy)]
pub(super) struct Espera {
    /// The oldest change waiting, pages or media (Unix ms).
    pub desde_ms: i64,
    pub tentativas: u32,
    pub proxima_ms: i64,
    /// Its pages changed.
    pub paginas: bool,
    /// Its media folder changed, since then (tenants only).
    pub midias_ms: Option<i64>,
}

impl Espera {
    /// Nothing waiting yet, since `desde_ms`.
    pub fn nova(desde_ms: i64) -> Self {
        Espera { desde_ms, tentativas: 0, proxima_ms: 0, paginas: false, midias_ms: None }
    }

    /// Adds what `outra` waits for (the oldest times, both kinds of change).
    pub fn juntar(&mut self, outra: &Espera) {
        self.desde_ms = self.desde_ms.min(outra.desde_ms);
        self.paginas |= outra.paginas;
        self.midias_ms = match (self.midias_ms, outra.midias_ms) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
}

pub(super) struct Trabalho {
    pub banco: Banco,
    pub caminho: PathBuf,
    /// The tenant's media folder (`None` for the central db and the journal).
    pub pasta_midia: Option<PathBuf>,
    pub tarefa: Tarefa,
    pub espera: Espera,
    pub sessao: Arc<Sessao>,
}

/// What an uploader did with a database.
#[derive(Debug, Clone, Copy)]
pub(super) struct Resultado {
    pub enviado: Enviado,
    /// The media pass, when the folder was looked at.
    pub midias: Option<PassoMidias>,
    /// Media files deleted from the bucket (their history is gone).
    pub apagadas: u32,
}

pub(super) struct Feito {
    pub banco: Banco,
    pub tarefa: Tarefa,
    pub r: std::result::Result<Resultado, Falha>,
}

/// Starts `n` uploaders: the queue they take work from and the channel of their results.
pub(super) fn iniciar_uploaders(
    app: &Arc<App>,
    n: usize,
) -> (SyncSender<Trabalho>, Receiver<Feito>, Vec<JoinHandle<()>>) {
    let (tx, rx_trabalho) = mpsc::sync_channel::<Trabalho>(n * 2);
    let (tx_feito, rx) = mpsc::channel::<Feito>();
    let rx_trabalho = Arc::new(Mutex::new(rx_trabalho));
    let mut uploaders = Vec::new();
    for i in 0..n {
        let (rx_t, tx_f, a) = (rx_trabalho.clone(), tx_feito.clone(), app.clone());
        let h = std::thread::Builder::new().name(format!("replica-envio-{i}")).spawn(move || {
            crate::background::lower_priority();
            loop {
                let t = match rx_t.lock().unwrap_or_else(std::sync::PoisonError::into_inner).recv() {
                    Ok(t) => t,
                    Err(_) => return,
                };
                let r = executar(&a, &t);
                if tx_f.send(Feito { banco: t.banco, tarefa: t.tarefa, r }).is_err() {
                    return;
                }
            }
        });
        match h {
            Ok(h) => uploaders.push(h),
            Err(e) => log::error!("réplica: thread de envio {i} não iniciou: {e}"),
        }
    }
    (tx, rx, uploaders)
}

/// An uploader's work on one database.
fn executar(app: &App, t: &Trabalho) -> std::result::Result<Resultado, Falha> {
    let estado = app.replica.estado()?;
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match t.tarefa {
        Tarefa::Enviar => {
            let (mut passo, mut falha_midias) = (None, None);
            let mut midias_antes = || -> std::result::Result<(), Falha> {
                if let (Some(_), Some(pasta)) = (t.espera.midias_ms, &t.pasta_midia) {
                    match midias::sincronizar(&t.sessao, &estado, &t.banco, pasta, &|| app.replica.encerrando()) {
                        Ok(p) => passo = Some(p),
                        // The bucket: the whole shipment waits and is retried.
                        Err(f @ Falha::S3(_)) => return Err(f),
                        // Here (the folder, the state file): the pages go all the same.
                        Err(Falha::Local(e)) => falha_midias = Some(e),
                    }
                }
                Ok(())
            };
            // A purged tenant, or a journal not created yet: no pages to ship.
            let enviado = if t.espera.paginas && t.caminho.is_file() {
                envio::enviar(&t.sessao, &estado, &t.banco, &t.caminho, &mut midias_antes)?
            } else {
                midias_antes()?;
                Enviado::Nada
            };
            if let Some(e) = falha_midias {
                // Retried with backoff, the folder listed again.
                return Err(Falha::Local(Error::Internal(format!("mídias de {}: {e}", t.banco.as_str()))));
            }
            // A new base may have moved the start of the history past some removals.
            let apagadas = if passo.is_some() || matches!(enviado, Enviado::Base { .. }) {
                midias::expirar(&t.sessao, &estado, &t.banco)?
            } else {
                0
            };
            Ok(Resultado { enviado, midias: passo, apagadas })
        }
        Tarefa::Remover => {
            envio::marcar_removido(&t.sessao, &estado, &t.banco)?;
            estado.midias_todas_removidas(t.banco.as_str(), crate::clock::unix_now_ms())?;
            // Files of a database whose history is gone (or never was) go after the retention.
            let apagadas = midias::expirar(&t.sessao, &estado, &t.banco)?;
            envio::expurgar_se_vencido(&t.sessao, &estado, &t.banco)?;
            Ok(Resultado { enviado: Enviado::Nada, midias: None, apagadas })
        }
    }));
    r.unwrap_or_else(|_| Err(Falha::Local(Error::Internal(format!("pânico ao enviar {}", t.banco.as_str())))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_merge_keeping_the_oldest_of_each_kind() {
        let mut a = Espera { paginas: true, ..Espera::nova(100) };
        a.juntar(&Espera { midias_ms: Some(50), ..Espera::nova(50) });
        assert_eq!((a.desde_ms, a.paginas, a.midias_ms), (50, true, Some(50)));
        a.juntar(&Espera { midias_ms: Some(70), ..Espera::nova(70) });
        assert_eq!(a.midias_ms, Some(50));
        let mut b = Espera::nova(10);
        b.juntar(&Espera::nova(20));
        assert_eq!((b.desde_ms, b.paginas, b.midias_ms), (10, false, None));
    }
}
