//! The `replica` thread of a running server and its uploaders (`replica-envio-N`), all at low
//! priority ([`crate::background`]).
//!
//! Every second the thread takes the tenants marked as changed (their pages, their media
//! folder), looks at the central db and the journal (two `stat`s), and hands the databases whose
//! oldest waiting change is [`ESPERA_FRACAO`] of `--replica-interval` old to the uploaders
//! (`agenda_trabalho`) through a bounded queue; each database is in at most one upload at a
//! time, and changes made meanwhile wait for the next one. So a change is in the bucket within
//! the interval while the bucket keeps up, and a busy database costs one object per ~¾
//! interval however many commits it makes (plus one per new media file).
//!
//! Failures: a database that fails is retried with exponential backoff and jitter; a bucket
//! that cannot be reached or answers 5xx/429 pauses every upload for the same backoff (10,000
//! databases do not each find out). None of this touches a request: webhooks and the panel
//! never wait for the bucket.
//!
//! Once a minute the owner object is read (the heartbeat): another installation's id there
//! (a restored copy of this data dir, say) stops this one shipping until `replica assumir`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use self::trabalho::{Espera, Feito, Tarefa, Trabalho};
use super::cifra::{abrir, selar, ChaveReplica};
use super::config::{self, conferir_ou_criar_chave};
use super::envio::{Falha, Sessao};
use super::formato::{Banco, DONO, SECRET_KEY};
use super::situacao::EstadoReplica;
use crate::app::App;
use crate::clock::unix_now_ms;
use crate::domain::EmpresaId;
use crate::error::{Error, Result};
use crate::store::replica::EstadoReplicaDb;

/// Part of the interval a change waits for more changes of its database before it goes.
pub const ESPERA_FRACAO: f64 = 0.75;
/// Uploads running at once (they mostly wait on the network: at ~50 ms per request to a
/// remote bucket, 8 of them ship ~150 databases a second).
const UPLOADERS: usize = 8;
/// How often the owner object is read.
const HEARTBEAT: Duration = Duration::from_secs(60);
/// First retry delay; doubles up to [`BACKOFF_MAX`].
const BACKOFF_BASE: Duration = Duration::from_secs(2);
const BACKOFF_MAX: Duration = Duration::from_secs(300);
/// How often the whole data dir is compared with what was shipped.
const RECONCILIAR: Duration = Duration::from_secs(24 * 3600);
/// How long a clean stop keeps shipping what waits.
const DRENAR_AO_PARAR: Duration = Duration::from_secs(10);
/// The local setting holding the destination the state describes.
const DESTINO: &str = "destino";
/// The local setting holding the destination `secret.key` was shipped to.
const SECRET_KEY_EM: &str = "secret_key_em";

/// The running replica.
pub struct AgendaReplica {
    parar: Arc<AtomicBool>,
    app: Arc<App>,
    thread: JoinHandle<()>,
}

/// Starts the `replica` thread (it idles while the replica is not configured).
pub fn iniciar(app: Arc<App>, intervalo: Duration) -> Result<AgendaReplica> {
    let parar = Arc::new(AtomicBool::new(false));
    let (a, p) = (app.clone(), parar.clone());
    let thread = std::thread::Builder::new()
        .name("replica".into())
        .spawn(move || {
            crate::background::lower_priority();
            Agenda::new(a, intervalo, p).rodar();
        })
        .map_err(|e| Error::Internal(format!("thread da réplica: {e}")))?;
    Ok(AgendaReplica { parar, app, thread })
}

impl AgendaReplica {
    /// Ships what waits (for up to [`DRENAR_AO_PARAR`]) and stops.
    pub fn parar(self) {
        self.parar.store(true, Ordering::SeqCst);
        self.app.replica.acordar();
        let _ = self.thread.join();
        log::info!("réplica parada");
    }
}

/// The configuration the thread ships with, once checked.
struct Ativa {
    identidade: String,
    sessao: Arc<Sessao>,
    estado: Arc<EstadoReplicaDb>,
}

struct Agenda {
    app: Arc<App>,
    intervalo: Duration,
    parar: Arc<AtomicBool>,
    ativa: Option<Ativa>,
    /// The configuration last seen (to notice changes), checked or not.
    visto: Option<String>,
    pendentes: HashMap<Banco, Espera>,
    em_voo: HashMap<Banco, Espera>,
    removidos: HashSet<Banco>,
    empresas: HashMap<EmpresaId, Banco>,
    empresas_carregadas: bool,
    geracao: Option<i64>,
    impressoes: HashMap<Banco, String>,
    /// The whole data dir is compared with the state once per configuration (and daily: the
    /// history of purged empresas leaves after the retention).
    reconciliar: bool,
    proxima_reconciliacao: Instant,
    /// Databases with a copy, and media files with a copy (files, sealed bytes), counted now
    /// and then for the status.
    bancos: usize,
    midias_copiadas: (u64, u64),
    proxima_contagem: Instant,
    dono_nosso: Option<bool>,
    proximo_heartbeat: Instant,
    pausa_ate_ms: i64,
    falhas_seguidas: u32,
    /// Changes made up to this time (Unix ms) go now, whatever their age ("Enviar agora", a stop).
    forcar_ate_ms: i64,
    proxima_config: Instant,
    tx: Option<SyncSender<Trabalho>>,
    rx: Receiver<Feito>,
    uploaders: Vec<JoinHandle<()>>,
}

impl Agenda {
    fn new(app: Arc<App>, intervalo: Duration, parar: Arc<AtomicBool>) -> Self {
        let (tx, rx, uploaders) = trabalho::iniciar_uploaders(&app, UPLOADERS);
        Agenda {
            app,
            intervalo,
            parar,
            ativa: None,
            visto: None,
            pendentes: HashMap::new(),
            em_voo: HashMap::new(),
            removidos: HashSet::new(),
            empresas: HashMap::new(),
            empresas_carregadas: false,
            geracao: None,
            impressoes: HashMap::new(),
            reconciliar: true,
            proxima_reconciliacao: Instant::now(),
            bancos: 0,
            midias_copiadas: (0, 0),
            proxima_contagem: Instant::now(),
            dono_nosso: None,
            proximo_heartbeat: Instant::now(),
            pausa_ate_ms: 0,
            falhas_seguidas: 0,
            forcar_ate_ms: 0,
            proxima_config: Instant::now(),
            tx: Some(tx),
            rx,
            uploaders,
        }
    }

    fn rodar(mut self) {
        loop {
            let parando = self.parar.load(Ordering::SeqCst);
            if parando {
                self.forcar_ate_ms = i64::MAX;
            }
            if let Err(e) = self.passo() {
                self.registrar_erro(&e.to_string(), false);
            }
            if parando {
                self.drenar();
                break;
            }
            // Results arrive while it waits, and each frees an uploader for the next due
            // database at once; an acordar() (config, "Enviar agora", stop) cuts the wait short.
            let fim = Instant::now() + Duration::from_secs(1);
            while Instant::now() < fim {
                match self.rx.recv_timeout(Duration::from_millis(100)) {
                    Ok(f) => {
                        self.concluido(f);
                        while let Ok(f) = self.rx.try_recv() {
                            self.concluido(f);
                        }
                        self.despachar();
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => break,
                }
                if self.app.replica.esperar(Duration::ZERO) {
                    // Everything changed until now goes, whatever its age.
                    self.forcar_ate_ms = unix_now_ms();
                    self.proxima_config = Instant::now();
                    break;
                }
            }
        }
        // Uploads in flight stop between media files (a backlog could keep a stop waiting for minutes).
        self.app.replica.encerrar();
        drop(self.tx.take());
        for h in self.uploaders.drain(..) {
            let _ = h.join();
        }
    }

    /// Ships everything waiting, for up to [`DRENAR_AO_PARAR`].
    fn drenar(&mut self) {
        let fim = Instant::now() + DRENAR_AO_PARAR;
        loop {
            let agora = unix_now_ms();
            let devido = self.pode_enviar() && self.pendentes.values().any(|e| e.proxima_ms <= agora);
            if Instant::now() >= fim || (self.em_voo.is_empty() && !devido) {
                break;
            }
            if let Err(e) = self.passo() {
                log::warn!("réplica: ao parar: {e}");
                break;
            }
            if let Ok(f) = self.rx.recv_timeout(Duration::from_millis(100)) {
                self.concluido(f);
            }
        }
        if !self.pendentes.is_empty() || !self.em_voo.is_empty() {
            log::warn!(
                "réplica: {} banco(s) com mudanças não enviadas ficam para o próximo início",
                self.pendentes.len() + self.em_voo.len()
            );
        }
    }

    fn pode_enviar(&self) -> bool {
        self.ativa.is_some() && self.dono_nosso == Some(true) && unix_now_ms() >= self.pausa_ate_ms
    }

    /// One tick: configuration, heartbeat, what changed, what is due.
    fn passo(&mut self) -> Result<()> {
        if Instant::now() >= self.proxima_config {
            self.proxima_config = Instant::now() + Duration::from_secs(10);
            self.configurar()?;
        }
        let Some(ativa) = &self.ativa else {
            // Marks are still taken, so they do not pile up while the replica is off.
            self.app.tenants.alteracoes().tomar();
            self.app.tenants.alteracoes().tomar_midias();
            return Ok(());
        };
        let estado = ativa.estado.clone();
        let sessao = ativa.sessao.clone();
        if Instant::now() >= self.proximo_heartbeat && unix_now_ms() >= self.pausa_ate_ms {
            self.heartbeat(&sessao, &estado)?;
        }
        self.coletar(&estado)?;
        self.despachar();
        self.publicar(&estado);
        Ok(())
    }

    /// Reads the configuration; on a change, checks the key against the bucket.
    fn configurar(&mut self) -> Result<()> {
        let Some(cfg) = config::carregar(&self.app)? else {
            if self.visto.take().is_some() || self.ativa.is_some() {
                log::info!("réplica externa desligada");
            }
            self.ativa = None;
            self.app.replica.atualizar(|s| *s = super::Situacao::default());
            return Ok(());
        };
        let id = format!(
            "{}|{}|{}|{}",
            cfg.destino.identidade(),
            cfg.destino.regiao,
            cfg.chave_acesso.expose(),
            cfg.retencao_dias
        );
        let id_hash = crate::crypto::sha256_hex(format!("{id}|{}", cfg.segredo.expose()).as_bytes());
        if self.visto.as_deref() == Some(id_hash.as_str())
            && (self.ativa.is_some() || unix_now_ms() < self.pausa_ate_ms)
        {
            return Ok(());
        }
        self.visto = Some(id_hash);
        self.ativa = None;
        let descricao = cfg.destino.descricao();
        self.app.replica.atualizar(|s| {
            s.destino = Some(descricao.clone());
            if s.estado == EstadoReplica::Desligada {
                s.estado = EstadoReplica::Parada;
            }
        });
        let Some(chave) = ChaveReplica::carregar(&self.app.data.replica_key())? else {
            self.registrar_erro(
                "falta o arquivo replica.key neste diretório de dados; rode `helixai replica config`",
                true,
            );
            return Ok(());
        };
        let cliente = cfg.cliente(self.app.replica.requisicoes())?;
        if let Err(e) = conferir_ou_criar_chave(&cliente, &chave) {
            // Retried with backoff (an unreachable bucket, or a key that does not match).
            self.registrar_erro(&e.to_string(), true);
            return Ok(());
        }
        let estado = self.app.replica.estado()?;
        let identidade = cfg.destino.identidade();
        if estado.local(DESTINO)?.as_deref() != Some(identidade.as_str()) {
            // Another destination: what was shipped elsewhere means nothing there.
            estado.limpar()?;
            estado.definir_local(DESTINO, Some(&identidade))?;
        }
        log::info!("réplica externa: enviando para {descricao}");
        let sessao = Arc::new(Sessao { cliente, chave, retencao_dias: cfg.retencao_dias });
        self.ativa = Some(Ativa { identidade, sessao, estado });
        self.reconciliar = true;
        self.geracao = None;
        self.dono_nosso = None;
        self.proximo_heartbeat = Instant::now();
        self.impressoes.clear();
        self.sucesso_contato();
        Ok(())
    }

    /// Reads the owner object (claims it when absent) and ships `secret.key` once per destination.
    fn heartbeat(&mut self, s: &Sessao, estado: &EstadoReplicaDb) -> Result<()> {
        self.proximo_heartbeat = Instant::now() + HEARTBEAT;
        let escritor = self.app.replica.escritor()?;
        let r = (|| -> std::result::Result<bool, Falha> {
            let nosso = match s.cliente.get(DONO)? {
                None => {
                    s.cliente.put(DONO, &selar(&s.chave, DONO, escritor.as_bytes())?)?;
                    true
                }
                Some(b) => abrir(&s.chave, DONO, &b).map(|d| d == escritor.as_bytes()).unwrap_or(false),
            };
            let identidade = self.ativa.as_ref().map(|a| a.identidade.clone()).unwrap_or_default();
            if nosso && estado.local(SECRET_KEY_EM)?.as_deref() != Some(identidade.as_str()) {
                let chave =
                    std::fs::read(self.app.data.secret_key()).map_err(|e| Error::io(self.app.data.secret_key(), e))?;
                s.cliente.put(SECRET_KEY, &selar(&s.chave, SECRET_KEY, &chave)?)?;
                estado.definir_local(SECRET_KEY_EM, Some(&identidade))?;
            }
            Ok(nosso)
        })();
        match r {
            Ok(nosso) => {
                if self.dono_nosso != Some(nosso) && !nosso {
                    log::warn!("réplica: outra instalação envia para este destino; esta não envia até `helixai replica assumir`");
                }
                self.dono_nosso = Some(nosso);
                self.sucesso_contato();
                Ok(())
            }
            Err(f) => {
                self.proximo_heartbeat = Instant::now() + Duration::from_secs(10);
                self.falha(&f);
                Ok(())
            }
        }
    }

    /// Hands the due databases to the uploaders (as many as the queue takes): those whose
    /// oldest change is [`ESPERA_FRACAO`] of the interval old, or older than a forced send.
    fn despachar(&mut self) {
        if !self.pode_enviar() {
            return;
        }
        let (Some(tx), Some(sessao)) = (self.tx.clone(), self.ativa.as_ref().map(|a| a.sessao.clone())) else { return };
        let forcar_ate = self.forcar_ate_ms;
        let agora = unix_now_ms();
        let espera = (self.intervalo.as_millis() as f64 * ESPERA_FRACAO) as i64;
        let mut tarefas: Vec<(Banco, Tarefa, Espera)> = Vec::new();
        for b in self.removidos.iter().filter(|b| !self.em_voo.contains_key(*b)) {
            tarefas.push((b.clone(), Tarefa::Remover, Espera::nova(agora)));
        }
        let mut devidos: Vec<(&Banco, &Espera)> = self
            .pendentes
            .iter()
            .filter(|(b, e)| {
                !self.em_voo.contains_key(*b)
                    && e.proxima_ms <= agora
                    && (e.desde_ms <= forcar_ate || agora - e.desde_ms >= espera)
            })
            .collect();
        devidos.sort_by_key(|(_, e)| e.desde_ms);
        tarefas.extend(devidos.into_iter().map(|(b, e)| (b.clone(), Tarefa::Enviar, *e)));
        for (banco, tarefa, espera) in tarefas {
            let trabalho = Trabalho {
                caminho: self.caminho(&banco),
                pasta_midia: self.pasta_midia(&banco),
                banco: banco.clone(),
                tarefa,
                espera,
                sessao: sessao.clone(),
            };
            match tx.try_send(trabalho) {
                Ok(()) => {
                    if tarefa == Tarefa::Remover {
                        self.removidos.remove(&banco);
                    } else {
                        self.pendentes.remove(&banco);
                    }
                    self.em_voo.insert(banco, espera);
                }
                Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => break,
            }
        }
    }
}

/// The wait before retry `n` (1-based): doubling from [`BACKOFF_BASE`] up to [`BACKOFF_MAX`],
/// ±20% jitter so failing databases do not retry in lockstep.
pub fn backoff(n: u32) -> Duration {
    let base = BACKOFF_BASE.saturating_mul(1 << n.saturating_sub(1).min(16)).min(BACKOFF_MAX);
    let r: [u8; 2] = crate::crypto::random_bytes().unwrap_or([128, 0]);
    let fator = 0.8 + 0.4 * f64::from(u16::from_be_bytes(r)) / f64::from(u16::MAX);
    base.mul_f64(fator)
}

#[path = "agenda_coleta.rs"]
mod coleta;
#[path = "agenda_situacao.rs"]
mod situacao;
#[path = "agenda_trabalho.rs"]
mod trabalho;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        for _ in 0..50 {
            let b1 = backoff(1).as_secs_f64();
            assert!((1.6..=2.4).contains(&b1), "{b1}");
            let b3 = backoff(3).as_secs_f64();
            assert!((6.4..=9.6).contains(&b3), "{b3}");
            let b20 = backoff(20).as_secs_f64();
            assert!((240.0..=360.0).contains(&b20), "{b20}");
        }
    }
}
