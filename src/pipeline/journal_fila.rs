//! The journal's queue: each empresa's waiting events, which empresas are queued, being
//! applied or held back after a failure, and the rule that picks the one a worker takes now —
//! the oldest, except in a burst, when an empresa waits until its events are old enough or the
//! arrivals pause (see the parent module).

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use super::ATRASO_PARA_AJUDA;
use crate::domain::EmpresaId;

/// A pause in arrivals this long ends a burst: what is waiting is applied at once.
pub(super) const QUIETO: Duration = Duration::from_millis(20);

#[derive(Default)]
pub(super) struct Estado {
    /// The journal ids of each empresa's waiting events, oldest first (a batch being applied
    /// has taken its ids out).
    pub(super) pendentes: HashMap<EmpresaId, VecDeque<i64>>,
    /// Events waiting, batches being applied included.
    pub(super) total: usize,
    /// Empresas ready to be applied, oldest first; each at most once; with when its events
    /// started waiting, or `None` when they are due whatever the load (left over from a full
    /// batch, tried again after a failure, found at start-up).
    pub(super) fila: VecDeque<(EmpresaId, Option<Instant>)>,
    pub(super) na_fila: HashSet<EmpresaId>,
    /// Empresas whose batch a thread is applying now.
    pub(super) em_curso: HashSet<EmpresaId>,
    /// Empresas whose last batch failed, waiting for their next try.
    pub(super) retidos: HashMap<EmpresaId, Retido>,
    /// When the last event was counted (a burst goes on while events keep arriving).
    pub(super) ultima_chegada: Option<Instant>,
}

impl Estado {
    /// Takes committed arrivals into the queue: each empresa once, with when its events
    /// started waiting.
    pub(super) fn absorver(&mut self, chegadas: Vec<(EmpresaId, i64, Instant)>) {
        for (id, linha, quando) in chegadas {
            self.pendentes.entry(id).or_default().push_back(linha);
            self.total += 1;
            if !self.em_curso.contains(&id) && !self.retidos.contains_key(&id) && self.na_fila.insert(id) {
                self.fila.push_back((id, Some(quando)));
            }
            self.ultima_chegada = self.ultima_chegada.max(Some(quando));
        }
    }

    /// Events that a worker could take: all but those of empresas held back after a failure.
    pub(super) fn atraso(&self) -> usize {
        let retidas: usize = self
            .retidos
            .keys()
            .filter(|id| !self.na_fila.contains(id) && !self.em_curso.contains(id))
            .map(|id| self.pendentes.get(id).map_or(0, VecDeque::len))
            .sum();
        self.total - retidas
    }

    /// Which queued empresa a worker takes now (its place in the queue), and until when the
    /// queue is held back: the oldest; none when `minimo` events or fewer wait (a helper
    /// without a backlog); in a burst only one due whatever the load, if any.
    pub(super) fn escolher(&self, agora: Instant, minimo: usize, reter: Duration) -> (Option<usize>, Option<Instant>) {
        let adiar = self.adiar_ate(agora, reter);
        let proxima = if self.total <= minimo || self.fila.is_empty() {
            None
        } else if adiar.is_some() {
            self.fila.iter().position(|(_, desde)| desde.is_none())
        } else {
            Some(0)
        };
        (proxima, adiar)
    }

    /// Until when the front empresa is held back (a burst, and its events younger than
    /// `reter`), if it is.
    pub(super) fn adiar_ate(&self, agora: Instant, reter: Duration) -> Option<Instant> {
        if reter.is_zero() || self.atraso() <= ATRASO_PARA_AJUDA {
            return None;
        }
        let chegando = self.ultima_chegada.map(|t| t + QUIETO).filter(|t| *t > agora)?;
        let (_, desde) = self.fila.front()?;
        let vence = (*desde)? + reter;
        (vence > agora).then_some(vence.min(chegando))
    }
}

pub(super) struct Retido {
    pub(super) ate: Instant,
    pub(super) tentativas: u32,
    pub(super) erro: String,
    pub(super) desde: String,
}
