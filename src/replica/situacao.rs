//! The replica's status as the panel, `/healthz` and `/metrics` show it: whether it ships,
//! where, the last contact and error, and the lag — the age of the oldest change committed
//! and not yet in the bucket, worst per group (central, journal, tenants — media included —
//! and media files alone) and, for the panel, per database for the oldest waiting ones.
//!
//! `/metrics` carries no per-tenant or per-file label: 10,000 tenants would make 10,000 series
//! per scrape and per metric; the worst lag per group, the number of databases waiting and the
//! oldest change say whether the replica keeps up, and the panel names the databases.

use std::fmt::Write;

use serde::Serialize;

use super::formato::{BANCO_CENTRAL, BANCO_JOURNAL, BANCO_JOURNAL_2};
use crate::clock::unix_now_ms;

/// Past this lag the panel warns (and `/healthz` says `atrasada`).
pub const ALERTA_S: i64 = 600;
/// Databases listed by name in the status (the oldest waiting).
pub const LISTADOS: usize = 20;

/// What the replica is doing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EstadoReplica {
    /// Not configured.
    #[default]
    Desligada,
    /// Configured; this process does not ship (a one-shot command, or the server is starting).
    Parada,
    /// Shipping.
    Ativa,
    /// The last attempt failed; retrying with backoff.
    Erro,
    /// Another installation owns the destination: this one does not ship until it takes over.
    OutraInstalacao,
}

/// One database with changes not yet shipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pendente {
    pub banco: String,
    /// When its oldest unshipped change was committed (Unix ms), pages or media.
    pub desde_ms: i64,
    pub tentativas: u32,
    /// Its rows changed (or it is being removed).
    pub dados: bool,
    /// Its media folder changed since then (Unix ms); `None` when no media file waits.
    pub midias_desde_ms: Option<i64>,
}

/// The status.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Situacao {
    pub estado: EstadoReplica,
    /// `bucket/prefixo em endpoint`.
    pub destino: Option<String>,
    pub ultimo_envio_ms: Option<i64>,
    /// The last request the bucket answered.
    pub ultimo_contato_ms: Option<i64>,
    pub erro: Option<String>,
    pub erro_desde_ms: Option<i64>,
    pub proxima_tentativa_ms: Option<i64>,
    /// Databases with something in the bucket.
    pub bancos: usize,
    pub objetos_enviados: u64,
    pub bytes_enviados: u64,
    /// Media files with a copy (still in their folder here) and their sealed bytes.
    pub midias_copiadas: u64,
    pub midias_bytes: u64,
    /// Media files uploaded by this process, their sealed bytes, and those deleted from the
    /// bucket (no restorable moment uses them any more).
    pub midias_enviadas: u64,
    pub midias_bytes_enviados: u64,
    pub midias_apagadas: u64,
    /// Media files not shipped: unreadable here, or their content no longer matches their name.
    pub midias_ilegiveis: u64,
    pub falhas: u64,
    /// Databases waiting, and the oldest of them by name.
    pub pendentes_total: usize,
    pub pendentes: Vec<Pendente>,
    /// Oldest unshipped change of the central db, the journal, and any tenant (its media
    /// included).
    pub central_desde_ms: Option<i64>,
    pub journal_desde_ms: Option<i64>,
    pub tenants_desde_ms: Option<i64>,
    /// Oldest unshipped media change, and the databases whose media folder waits.
    pub midias_desde_ms: Option<i64>,
    pub midias_pendentes: usize,
}

impl Situacao {
    /// The oldest unshipped change of any database.
    pub fn mais_antiga_ms(&self) -> Option<i64> {
        [self.central_desde_ms, self.journal_desde_ms, self.tenants_desde_ms].into_iter().flatten().min()
    }

    /// Seconds since the oldest unshipped change (0 when everything is shipped).
    pub fn atraso_s(&self) -> i64 {
        self.mais_antiga_ms().map_or(0, |m| (unix_now_ms() - m).max(0) / 1000)
    }

    /// Seconds since the oldest media change not yet in the bucket.
    pub fn midias_atraso_s(&self) -> i64 {
        self.midias_desde_ms.map_or(0, |m| (unix_now_ms() - m).max(0) / 1000)
    }

    /// Whether the panel must warn: configured, and a change waits for more than
    /// [`ALERTA_S`], or the bucket has not answered for as long while failing.
    pub fn alerta(&self) -> bool {
        let sem_contato =
            self.erro.is_some() && self.erro_desde_ms.is_some_and(|d| (unix_now_ms() - d) / 1000 > ALERTA_S);
        self.estado != EstadoReplica::Desligada
            && (self.atraso_s() > ALERTA_S || sem_contato || self.estado == EstadoReplica::OutraInstalacao)
    }

    /// Records the databases waiting: each group's oldest, the count, the oldest by name.
    pub fn definir_pendentes(&mut self, mut todos: Vec<Pendente>) {
        let grupo = |todos: &[Pendente], f: &dyn Fn(&str) -> bool| {
            todos.iter().filter(|p| f(&p.banco)).map(|p| p.desde_ms).min()
        };
        self.central_desde_ms = grupo(&todos, &|b| b == BANCO_CENTRAL);
        let journal = |b: &str| b == BANCO_JOURNAL || b == BANCO_JOURNAL_2;
        self.journal_desde_ms = grupo(&todos, &journal);
        self.tenants_desde_ms = grupo(&todos, &|b| b != BANCO_CENTRAL && !journal(b));
        self.midias_desde_ms = todos.iter().filter_map(|p| p.midias_desde_ms).min();
        self.midias_pendentes = todos.iter().filter(|p| p.midias_desde_ms.is_some()).count();
        self.pendentes_total = todos.len();
        if todos.len() > LISTADOS {
            todos.select_nth_unstable_by_key(LISTADOS, |p| p.desde_ms);
            todos.truncate(LISTADOS);
        }
        todos.sort_by(|a, b| a.desde_ms.cmp(&b.desde_ms).then_with(|| a.banco.cmp(&b.banco)));
        self.pendentes = todos;
    }

    /// The Prometheus lines of the replica.
    pub fn metricas(&self, requisicoes: u64) -> String {
        let mut o = String::new();
        let head = |o: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        let configurada = u8::from(self.estado != EstadoReplica::Desligada);
        head(&mut o, "helixai_replica_configured", "gauge", "1 when the off-site replica is configured.");
        let _ = writeln!(o, "helixai_replica_configured {configurada}");
        head(&mut o, "helixai_replica_shipping", "gauge", "1 while this process ships to the bucket without errors.");
        let _ = writeln!(o, "helixai_replica_shipping {}", u8::from(self.estado == EstadoReplica::Ativa));
        head(
            &mut o,
            "helixai_replica_lag_seconds",
            "gauge",
            "Age of the oldest change not yet in the bucket, worst per group (helixai, journal, tenants with their \
             media, midias: media files alone).",
        );
        let agora = unix_now_ms();
        for (banco, desde) in [
            ("helixai", self.central_desde_ms),
            ("journal", self.journal_desde_ms),
            ("tenants", self.tenants_desde_ms),
            ("midias", self.midias_desde_ms),
        ] {
            let s = desde.map_or(0.0, |d| (agora - d).max(0) as f64 / 1000.0);
            let _ = writeln!(o, "helixai_replica_lag_seconds{{banco=\"{banco}\"}} {s:.3}");
        }
        head(
            &mut o,
            "helixai_replica_oldest_unshipped_timestamp_seconds",
            "gauge",
            "Commit time of the oldest change not yet in the bucket (0: none).",
        );
        let _ = writeln!(
            o,
            "helixai_replica_oldest_unshipped_timestamp_seconds {}",
            self.mais_antiga_ms().map_or(0, |m| m / 1000)
        );
        head(&mut o, "helixai_replica_pending_databases", "gauge", "Databases with changes not yet in the bucket.");
        let _ = writeln!(o, "helixai_replica_pending_databases {}", self.pendentes_total);
        head(&mut o, "helixai_replica_databases", "gauge", "Databases with a copy in the bucket.");
        let _ = writeln!(o, "helixai_replica_databases {}", self.bancos);
        head(
            &mut o,
            "helixai_replica_pending_media_databases",
            "gauge",
            "Tenants whose media folder has changes not yet in the bucket.",
        );
        let _ = writeln!(o, "helixai_replica_pending_media_databases {}", self.midias_pendentes);
        for (name, help, v) in [
            ("helixai_replica_media_files", "Media files with a copy in the bucket.", self.midias_copiadas),
            ("helixai_replica_media_bytes", "Sealed bytes of those media files.", self.midias_bytes),
        ] {
            head(&mut o, name, "gauge", help);
            let _ = writeln!(o, "{name} {v}");
        }
        head(&mut o, "helixai_replica_last_success_timestamp_seconds", "gauge", "Unix time of the last shipment.");
        let _ = writeln!(
            o,
            "helixai_replica_last_success_timestamp_seconds {}",
            self.ultimo_envio_ms.map_or(0, |m| m / 1000)
        );
        for (name, help, v) in [
            ("helixai_replica_uploads_total", "Objects uploaded (bases and changes).", self.objetos_enviados),
            ("helixai_replica_upload_bytes_total", "Bytes uploaded (sealed).", self.bytes_enviados),
            ("helixai_replica_media_uploads_total", "Media files uploaded.", self.midias_enviadas),
            ("helixai_replica_media_upload_bytes_total", "Media bytes uploaded (sealed).", self.midias_bytes_enviados),
            (
                "helixai_replica_media_deleted_total",
                "Media files deleted from the bucket (no restorable moment uses them).",
                self.midias_apagadas,
            ),
            (
                "helixai_replica_media_unreadable_total",
                "Media files not shipped: unreadable here, or their content no longer matches their name.",
                self.midias_ilegiveis,
            ),
            ("helixai_replica_failures_total", "Failed shipments.", self.falhas),
            ("helixai_replica_requests_total", "Requests sent to the bucket.", requisicoes),
        ] {
            head(&mut o, name, "counter", help);
            let _ = writeln!(o, "{name} {v}");
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(banco: &str, desde_ms: i64) -> Pendente {
        Pendente { banco: banco.into(), desde_ms, tentativas: 0, dados: true, midias_desde_ms: None }
    }

    #[test]
    fn groups_lag_and_lists_the_oldest() {
        let agora = unix_now_ms();
        let mut s = Situacao { estado: EstadoReplica::Ativa, ..Situacao::default() };
        let mut v: Vec<Pendente> = (0..100).map(|i| p(&format!("empresa_{i}"), agora - i * 1000)).collect();
        v.push(p("helixai", agora - 5_000));
        v.push(p("journal", agora - 700_000));
        s.definir_pendentes(v);
        assert_eq!(s.pendentes_total, 102);
        assert_eq!(s.pendentes.len(), LISTADOS);
        assert_eq!(s.pendentes[0].banco, "journal", "oldest first");
        assert_eq!(s.pendentes[1].banco, "empresa_99");
        assert_eq!(s.tenants_desde_ms, Some(agora - 99_000));
        assert!(s.atraso_s() >= 700);
        assert!(s.alerta(), "a change older than 10 min warns");
        let m = s.metricas(7);
        assert!(m.contains("helixai_replica_lag_seconds{banco=\"journal\"} 70"), "{m}");
        assert!(m.contains("helixai_replica_pending_databases 102"));
        assert!(m.contains("helixai_replica_requests_total 7"));
        assert!(!m.contains("empresa_"), "no per-tenant series");
        assert!(m.contains("helixai_replica_lag_seconds{banco=\"midias\"} 0.000"), "{m}");
        assert!(m.contains("helixai_replica_pending_media_databases 0"));
        s.definir_pendentes(Vec::new());
        assert_eq!((s.atraso_s(), s.alerta()), (0, false));
        assert!(!Situacao::default().alerta(), "off never warns");
    }

    #[test]
    fn media_waits_count_in_the_tenants_lag_and_apart() {
        let agora = unix_now_ms();
        let mut s = Situacao { estado: EstadoReplica::Ativa, midias_copiadas: 7, ..Situacao::default() };
        let mut so_midia = p("empresa_1_a", agora - 90_000);
        (so_midia.dados, so_midia.midias_desde_ms) = (false, Some(agora - 90_000));
        let mut ambos = p("empresa_2_b", agora - 30_000);
        ambos.midias_desde_ms = Some(agora - 10_000);
        s.definir_pendentes(vec![so_midia, ambos, p("empresa_3_c", agora - 5_000)]);
        assert_eq!(s.midias_pendentes, 2);
        assert_eq!(s.midias_desde_ms, Some(agora - 90_000));
        assert_eq!(s.tenants_desde_ms, Some(agora - 90_000), "a tenant waiting for its media waits");
        assert!((89..=91).contains(&s.midias_atraso_s()));
        assert!(s.atraso_s() >= 89);
        let m = s.metricas(0);
        assert!(m.contains("helixai_replica_lag_seconds{banco=\"midias\"} 9"), "{m}");
        assert!(m.contains("helixai_replica_pending_media_databases 2"), "{m}");
        assert!(m.contains("helixai_replica_media_files 7"), "{m}");
        assert!(!m.contains("empresa_") && !m.contains("sha"), "no per-tenant or per-file series: {m}");
    }
}
