//! What the `replica` thread collects each tick: the tenants marked as changed (pages) and
//! those whose media folder changed, new and purged empresas (when the central routing
//! generation moves), the central db and the journal (two `stat`s), and, once per configuration
//! and daily, every file and media folder compared with its last shipment.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use super::trabalho::Espera;
use super::{Agenda, RECONCILIAR};
use crate::clock::unix_now_ms;
use crate::domain::EmpresaId;
use crate::error::Result;
use crate::replica::envio;
use crate::replica::formato::Banco;
use crate::replica::midias;
use crate::store::replica::EstadoReplicaDb;

impl Agenda {
    /// Adds what changed since the last tick to the databases waiting.
    pub(super) fn coletar(&mut self, estado: &EstadoReplicaDb) -> Result<()> {
        let agora = unix_now_ms();
        let geracao = self.app.central.roteamento_geracao()?;
        if self.geracao != Some(geracao) {
            self.geracao = Some(geracao);
            self.atualizar_empresas(estado)?;
        }
        for (id, desde) in self.app.tenants.alteracoes().tomar() {
            if !self.empresas.contains_key(&id) {
                self.atualizar_empresas(estado)?;
            }
            if let Some(b) = self.empresas.get(&id).cloned() {
                self.esperar(b, desde);
            }
        }
        for (id, desde) in self.app.tenants.alteracoes().tomar_midias() {
            if !self.empresas.contains_key(&id) {
                self.atualizar_empresas(estado)?;
            }
            if let Some(b) = self.empresas.get(&id).cloned() {
                self.esperar_midias(b, desde);
            }
        }
        for (banco, caminho) in Banco::do_sistema(&self.app.data) {
            let imp = envio::impressao(&caminho);
            // The first look only records (the reconciliation compares with the last shipment).
            if self.impressoes.insert(banco.clone(), imp.clone()).is_some_and(|antes| antes != imp) {
                self.esperar(banco, agora);
            }
        }
        if self.reconciliar || Instant::now() >= self.proxima_reconciliacao {
            self.reconciliar = false;
            self.proxima_reconciliacao = Instant::now() + RECONCILIAR;
            self.reconciliar_tudo(estado)?;
        }
        Ok(())
    }

    /// A restart (or a new destination): every database whose file differs from its last
    /// shipment, or that has none, waits, and every tenant whose media folder's mtime differs
    /// from the one of its last whole shipment; purged ones are marked removed, expired ones
    /// purged.
    fn reconciliar_tudo(&mut self, estado: &EstadoReplicaDb) -> Result<()> {
        let agora = unix_now_ms();
        let enviados: HashMap<String, String> = estado.resumo()?.into_iter().map(|(n, imp, _)| (n, imp)).collect();
        let pastas = estado.pastas_midia()?;
        let vivos: Vec<Banco> = Banco::do_sistema(&self.app.data)
            .into_iter()
            .map(|(b, _)| b)
            .chain(self.empresas.values().cloned())
            .collect();
        for b in &vivos {
            let caminho = self.caminho(b);
            let mudou = enviados.get(b.as_str()).is_none_or(|imp| *imp != envio::impressao(&caminho));
            if mudou && caminho.is_file() {
                self.esperar(b.clone(), agora);
            }
            if let Some(pasta) = self.pasta_midia(b) {
                let gravada = pastas.get(b.as_str()).map_or("-", String::as_str);
                if midias::impressao_pasta(&pasta) != gravada {
                    self.esperar_midias(b.clone(), agora);
                }
            }
        }
        let vivos: HashSet<&str> = vivos.iter().map(Banco::as_str).collect();
        // Purged while this server was down (mark them), or removed earlier (their history
        // may be past the retention now); media files of a database that has no pages here.
        let com_midias = estado.bancos_com_midias()?;
        for nome in enviados.keys().chain(com_midias.iter()).filter(|n| !vivos.contains(n.as_str())) {
            if let Ok(b) = Banco::parse(nome) {
                self.removidos.insert(b);
            }
        }
        Ok(())
    }

    fn atualizar_empresas(&mut self, estado: &EstadoReplicaDb) -> Result<()> {
        let novas: HashMap<EmpresaId, Banco> =
            self.app.central.empresas()?.into_iter().map(|e| (e.id, Banco::tenant(&e.database_name))).collect();
        let agora = unix_now_ms();
        // New empresas (created or imported) ship a base; purged ones are marked removed.
        // (The first load leaves that to the reconciliation.)
        if self.empresas_carregadas {
            for (id, b) in &novas {
                if !self.empresas.contains_key(id) && estado.banco(b.as_str())?.is_none() {
                    self.esperar(b.clone(), agora);
                    // An imported empresa brings its media folder.
                    self.esperar_midias(b.clone(), agora);
                }
            }
        }
        self.empresas_carregadas = true;
        for (id, b) in &self.empresas {
            if !novas.contains_key(id) {
                self.pendentes.remove(b);
                self.removidos.insert(b.clone());
            }
        }
        self.empresas = novas;
        Ok(())
    }

    pub(super) fn caminho(&self, b: &Banco) -> PathBuf {
        match b.database_name() {
            Some(n) => self.app.tenants.path_of(&n),
            None => b.arquivo_do_sistema(&self.app.data).unwrap_or_else(|| self.app.data.central_db()),
        }
    }

    /// A tenant's media folder (`None` for the central db and the journal).
    pub(super) fn pasta_midia(&self, b: &Banco) -> Option<PathBuf> {
        b.database_name().map(|n| crate::store::tenants::midia_dir(self.app.tenants.dir(), &n))
    }

    /// The pages of `banco` changed at `desde_ms`.
    pub(super) fn esperar(&mut self, banco: Banco, desde_ms: i64) {
        let nova = Espera { paginas: true, ..Espera::nova(desde_ms) };
        self.pendentes.entry(banco).or_insert(nova).juntar(&nova);
    }

    /// The media folder of `banco` changed at `desde_ms`.
    pub(super) fn esperar_midias(&mut self, banco: Banco, desde_ms: i64) {
        let nova = Espera { midias_ms: Some(desde_ms), ..Espera::nova(desde_ms) };
        self.pendentes.entry(banco).or_insert(nova).juntar(&nova);
    }
}
