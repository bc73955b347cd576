//! Subscription life cycle: the due-date check that marks assinaturas `atrasada` and, beyond
//! the grace period (`--carencia-dias`), suspends their empresas — audited with the system as
//! the actor (no usuario, no IP) — and the background thread that runs it every hour.
//!
//! Recording a payment (which reactivates an empresa suspended for non-payment) is
//! [`crate::store::central::CentralDb::pagamento_registrar`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::app::App;
use crate::error::{Error, Result};
use crate::store::central::{NovaAuditoria, Vencimentos};

/// How often the server runs [`verificar_vencimentos`].
pub const INTERVALO_VERIFICACAO: Duration = Duration::from_secs(3600);

/// The audit `detalhes` prefix of actions taken by the system itself.
pub const ATOR_SISTEMA: &str = "ator: sistema";

/// Marks past-due assinaturas `atrasada` and suspends the empresas of those more than
/// `carencia_dias` past due (assinatura `suspensa`). Every change is audited.
pub fn verificar_vencimentos(app: &App, carencia_dias: u32) -> Result<Vencimentos> {
    let v = app.central.assinaturas_verificar(carencia_dias)?;
    for a in &v.atrasadas {
        app.central.auditar(&NovaAuditoria {
            usuario_id: None,
            empresa_id: Some(a.empresa_id),
            acao: "assinatura.atrasar".into(),
            alvo: Some(format!("assinatura {}", a.id)),
            detalhes: Some(format!(
                "{ATOR_SISTEMA}; vencimento {} passou",
                a.proximo_vencimento.as_deref().unwrap_or("-")
            )),
            ip: None,
        })?;
    }
    for a in &v.suspensas {
        app.central.auditar(&NovaAuditoria {
            usuario_id: None,
            empresa_id: Some(a.empresa_id),
            acao: "empresa.suspender".into(),
            alvo: Some(format!("empresa {}", a.empresa_id)),
            detalhes: Some(format!(
                "{ATOR_SISTEMA}; inadimplência: assinatura {} vencida em {} além da carência de {carencia_dias} dia(s)",
                a.id,
                a.proximo_vencimento.as_deref().unwrap_or("-")
            )),
            ip: None,
        })?;
        log::warn!("empresa {} suspensa por inadimplência (assinatura {})", a.empresa_id, a.id);
    }
    Ok(v)
}

/// The background thread running [`verificar_vencimentos`]; stops on [`Verificador::parar`].
pub struct Verificador {
    parar: Arc<AtomicBool>,
    handle: JoinHandle<()>,
}

/// Starts the thread: one check now, then one every `intervalo`.
pub fn iniciar_verificador(app: Arc<App>, intervalo: Duration) -> Result<Verificador> {
    let parar = Arc::new(AtomicBool::new(false));
    let flag = parar.clone();
    let handle = std::thread::Builder::new()
        .name("vencimentos".into())
        .spawn(move || {
            let mut proxima = Instant::now();
            while !flag.load(Ordering::Relaxed) {
                if Instant::now() >= proxima {
                    if let Err(e) = verificar_vencimentos(&app, app.config.carencia_dias) {
                        log::error!("verificação de vencimentos falhou: {e}");
                    }
                    proxima = Instant::now() + intervalo;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        })
        .map_err(|e| Error::Internal(format!("thread de vencimentos: {e}")))?;
    Ok(Verificador { parar, handle })
}

impl Verificador {
    /// Stops the thread and waits for it.
    pub fn parar(self) {
        self.parar.store(true, Ordering::Relaxed);
        let _ = self.handle.join();
    }
}
