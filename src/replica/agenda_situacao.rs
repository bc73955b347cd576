//! How the `replica` thread records an upload's outcome and failures (a transient bucket failure pauses every upload
//! with backoff; failures of concurrent uploads count once) and publishes its status for the
//! panel, `/healthz` and `/metrics`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::trabalho::{Espera, Feito, Tarefa};
use super::{backoff, Agenda};
use crate::clock::unix_now_ms;
use crate::replica::envio::{Enviado, Falha};
use crate::replica::formato::Banco;
use crate::replica::situacao::{EstadoReplica, Pendente};
use crate::store::replica::EstadoReplicaDb;

impl Agenda {
    /// An uploader finished.
    pub(super) fn concluido(&mut self, f: Feito) {
        let Some(espera) = self.em_voo.remove(&f.banco) else { return };
        match f.r {
            Ok(feito) => {
                self.sucesso_contato();
                self.falhas_seguidas = 0;
                let agora = unix_now_ms();
                let enviado = feito.enviado;
                let midias = feito.midias.unwrap_or_default();
                if matches!(enviado, Enviado::Base { .. }) || midias.enviados > 0 || feito.apagadas > 0 {
                    // A new database or media file may have a copy now: count again on the next tick.
                    self.proxima_contagem = Instant::now();
                }
                if midias.restantes > 0 {
                    // The media budget ran out: the rest goes next, as old as it already is.
                    self.esperar_midias(f.banco.clone(), espera.midias_ms.unwrap_or(agora));
                }
                self.app.replica.atualizar(|s| {
                    if let Enviado::Base { bytes, .. } | Enviado::Mudanca { bytes, .. } = enviado {
                        s.objetos_enviados += 1;
                        s.bytes_enviados += bytes;
                        s.ultimo_envio_ms = Some(agora);
                    }
                    if midias.enviados > 0 {
                        s.midias_enviadas += u64::from(midias.enviados);
                        s.midias_bytes_enviados += midias.bytes;
                        s.ultimo_envio_ms = Some(agora);
                    }
                    s.midias_apagadas += u64::from(feito.apagadas);
                    s.midias_ilegiveis += u64::from(midias.ilegiveis);
                });
                if f.tarefa == Tarefa::Remover {
                    // Checked again at the next start: its history goes after the retention.
                    log::info!(
                        "réplica: {} removido (empresa purgada); a história fica pelo período de retenção",
                        f.banco.as_str()
                    );
                }
            }
            Err(falha) => {
                let tentativas = espera.tentativas + 1;
                let atraso = backoff(tentativas);
                log::warn!(
                    "réplica: {} não enviado (tentativa {tentativas}): {}",
                    f.banco.as_str(),
                    self.texto(&falha)
                );
                let proxima_ms = unix_now_ms() + atraso.as_millis() as i64;
                match f.tarefa {
                    Tarefa::Enviar => {
                        let e = self.pendentes.entry(f.banco.clone()).or_insert(espera);
                        e.juntar(&espera);
                        e.tentativas = tentativas;
                        e.proxima_ms = proxima_ms;
                    }
                    Tarefa::Remover => {
                        self.removidos.insert(f.banco.clone());
                    }
                }
                self.falha(&falha);
            }
        }
    }

    fn texto(&self, f: &Falha) -> String {
        match (f, &self.ativa) {
            (Falha::S3(e), Some(a)) => e.para_pessoas(a.sessao.cliente.destino()),
            (Falha::S3(e), None) => format!("{e:?}"),
            (Falha::Local(e), _) => e.to_string(),
        }
    }

    /// Records a failure; a transient bucket failure pauses every upload.
    pub(super) fn falha(&mut self, f: &Falha) {
        let transitorio = matches!(f, Falha::S3(e) if e.transitorio());
        let texto = self.texto(f);
        self.registrar_erro(&texto, transitorio);
    }

    pub(super) fn registrar_erro(&mut self, texto: &str, pausar: bool) {
        let agora = unix_now_ms();
        // Uploads failing together while the bucket is down count as one failure.
        if pausar && agora >= self.pausa_ate_ms {
            self.falhas_seguidas += 1;
            self.pausa_ate_ms = agora + backoff(self.falhas_seguidas).as_millis() as i64;
        }
        let pausa = (self.pausa_ate_ms > agora).then_some(self.pausa_ate_ms);
        self.app.replica.atualizar(|s| {
            s.falhas += 1;
            if s.erro.is_none() {
                s.erro_desde_ms = Some(agora);
            }
            s.erro = Some(texto.to_owned());
            s.proxima_tentativa_ms = pausa;
            if s.estado != EstadoReplica::Desligada {
                s.estado = EstadoReplica::Erro;
            }
        });
    }

    pub(super) fn sucesso_contato(&mut self) {
        self.falhas_seguidas = 0;
        self.pausa_ate_ms = 0;
        let agora = unix_now_ms();
        self.app.replica.atualizar(|s| {
            s.ultimo_contato_ms = Some(agora);
            s.erro = None;
            s.erro_desde_ms = None;
            s.proxima_tentativa_ms = None;
        });
    }

    /// Publishes the status.
    pub(super) fn publicar(&mut self, estado: &EstadoReplicaDb) {
        // A database in flight may wait again already: one line, both waits.
        let mut juntos: HashMap<&Banco, Espera> = HashMap::with_capacity(self.pendentes.len() + self.em_voo.len());
        for (b, e) in self.em_voo.iter().chain(self.pendentes.iter()) {
            juntos.entry(b).and_modify(|j| j.juntar(e)).or_insert(*e);
        }
        let todos: Vec<Pendente> = juntos
            .into_iter()
            .map(|(b, e)| Pendente {
                banco: b.as_str().to_owned(),
                desde_ms: e.desde_ms,
                tentativas: e.tentativas,
                dados: e.paginas,
                midias_desde_ms: e.midias_ms,
            })
            .collect();
        if Instant::now() >= self.proxima_contagem {
            self.proxima_contagem = Instant::now() + Duration::from_secs(30);
            self.bancos = estado.resumo().map(|r| r.iter().filter(|(_, _, rem)| rem.is_none()).count()).unwrap_or(0);
            self.midias_copiadas = estado.midias_totais().unwrap_or_default();
        }
        let bancos = self.bancos;
        let (midias, midias_bytes) = self.midias_copiadas;
        let dono = self.dono_nosso;
        self.app.replica.atualizar(|s| {
            s.definir_pendentes(todos);
            s.bancos = bancos;
            s.midias_copiadas = midias;
            s.midias_bytes = midias_bytes;
            s.estado = match (s.erro.is_some(), dono) {
                (_, Some(false)) => EstadoReplica::OutraInstalacao,
                (true, _) => EstadoReplica::Erro,
                (false, _) => EstadoReplica::Ativa,
            };
        });
    }
}
