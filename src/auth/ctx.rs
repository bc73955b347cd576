//! The tenant context: the only door from a request to a tenant's database.
//!
//! A [`TenantCtx`] holds one empresa's snapshot, that empresa's [`TenantDb`] and the acting
//! usuario. It is minted here and nowhere else, from a valid session (the usuario's own
//! empresa) or from a superadmin acting on `/api/admin/empresas/{id}/...` (checked and
//! audited). Tenant handlers receive a `&TenantCtx` and no `App`, so they cannot reach any
//! other tenant's file.

use std::sync::Arc;

use crate::app::App;
use crate::auth::session::Principal;
use crate::conexao::{self, EstadoConexao};
use crate::config::ServerConfig;
use crate::crypto::SecretKey;
use crate::domain::{ConversaId, EmpresaId, Papel, UsuarioId};
use crate::error::{Error, Result};
use crate::pipeline::simulador::Simulacao;
use crate::store::central::{CentralDb, Empresa, NovaAuditoria, Usuario};
use crate::store::tenant::conversas::Mensagem;
use crate::store::tenant::TenantDb;

/// How the context was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origem {
    /// The usuario's own empresa, from their session.
    Sessao,
    /// A superadmin acting inside this empresa (audited).
    Superadmin,
}

/// One empresa's context for a tenant-scoped handler.
pub struct TenantCtx {
    empresa: Empresa,
    db: TenantDb,
    usuario: Usuario,
    origem: Origem,
    ip: Option<String>,
    app: Arc<App>,
}

impl TenantCtx {
    /// The empresa (snapshot at the start of the request).
    pub fn empresa(&self) -> &Empresa {
        &self.empresa
    }
    /// The empresa's id.
    pub fn empresa_id(&self) -> EmpresaId {
        self.empresa.id
    }
    /// This empresa's database — the only one reachable from here.
    pub fn db(&self) -> &TenantDb {
        &self.db
    }
    /// The acting usuario.
    pub fn usuario(&self) -> &Usuario {
        &self.usuario
    }
    /// The role the caller acts with inside the empresa (a superadmin acts as admin).
    pub fn papel(&self) -> Papel {
        match self.origem {
            Origem::Superadmin => Papel::Admin,
            Origem::Sessao => self.usuario.papel,
        }
    }
    /// How the context was obtained.
    pub fn origem(&self) -> Origem {
        self.origem
    }
    /// The caller's IP.
    pub fn ip(&self) -> Option<&str> {
        self.ip.as_deref()
    }
    /// The central db, for this empresa's own central rows (its usuarios, its settings).
    /// Callers must scope every query by [`TenantCtx::empresa_id`].
    pub fn central(&self) -> &CentralDb {
        &self.app.central
    }
    /// The key for secrets at rest.
    pub fn key(&self) -> &SecretKey {
        &self.app.key
    }
    /// Server settings.
    pub fn config(&self) -> &ServerConfig {
        &self.app.config
    }
    /// Fails with 403 unless the caller's role is one of `papeis`.
    pub fn exigir(&self, papeis: &[Papel]) -> Result<()> {
        if papeis.contains(&self.papel()) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }
    /// Records an action on this empresa in the audit log.
    pub fn auditar(&self, acao: &str, alvo: Option<String>, detalhes: Option<String>) -> Result<()> {
        self.app.central.auditar(&NovaAuditoria {
            usuario_id: Some(self.usuario.id),
            empresa_id: Some(self.empresa.id),
            acao: acao.to_owned(),
            alvo,
            detalhes,
            ip: self.ip.clone(),
        })
    }
    /// Runs this empresa's bot on a message of the acting usuario's sandbox conversation
    /// `sessao` (the panel's "Testar bot").
    pub fn simular(&self, sessao: &str, texto: &str) -> Result<Simulacao> {
        crate::pipeline::simulador::simular(&self.app, &self.empresa, self.usuario.id, sessao, texto)
    }
    /// Forgets the acting usuario's sandbox conversation `sessao`.
    pub fn simular_reiniciar(&self, sessao: &str) -> Result<()> {
        crate::pipeline::simulador::reiniciar(&self.app, &self.empresa, self.usuario.id, sessao)
    }
    /// Queues a reply typed by the acting usuario in one of this empresa's conversas (it takes
    /// the conversa over; an empresa user also gets it assigned when no one has it).
    pub fn responder(&self, conversa: ConversaId, texto: &str) -> Result<Mensagem> {
        crate::pipeline::responder(
            &self.app,
            &self.empresa,
            conversa,
            texto,
            self.usuario.id,
            self.usuario_da_empresa(),
        )
    }
    /// The acting usuario when they belong to this empresa (`None` for a visiting superadmin):
    /// the one conversas are assigned to.
    pub fn usuario_da_empresa(&self) -> Option<UsuarioId> {
        (self.origem == Origem::Sessao).then_some(self.usuario.id)
    }
    /// This empresa's media store (files, attachments, catalog photos, quota).
    pub fn acervo(&self) -> crate::media::Acervo<'_> {
        crate::media::Acervo::de(&self.app, &self.empresa, &self.db)
    }
    /// The acting usuario's id.
    pub fn usuario_id(&self) -> UsuarioId {
        self.usuario.id
    }
    /// This empresa's WhatsApp (QR Code) connection: as stored, or refreshed from Evolution.
    pub fn whatsapp_conexao(&self, atualizar: bool) -> Result<EstadoConexao> {
        if atualizar {
            conexao::atualizar(&self.app, &self.empresa)
        } else {
            conexao::estado(&self.app, &self.empresa)
        }
    }
    /// Creates or reconnects this empresa's Evolution instance (a QR to scan).
    pub fn whatsapp_conectar(&self, numero: Option<&str>) -> Result<EstadoConexao> {
        conexao::conectar(&self.app, &self.empresa, numero)
    }
    /// Logs this empresa's number out of its instance.
    pub fn whatsapp_desconectar(&self) -> Result<EstadoConexao> {
        conexao::desconectar(&self.app, &self.empresa)
    }
    /// Deletes this empresa's instance on the Evolution server.
    pub fn whatsapp_excluir_instancia(&self) -> Result<EstadoConexao> {
        conexao::excluir(&self.app, &self.empresa)
    }
}

/// Mints the context of the caller's own empresa. A superadmin has none (403 here: they act
/// on empresas through `/api/admin/empresas/{id}/...`).
pub fn da_sessao(app: &Arc<App>, p: &Principal) -> Result<TenantCtx> {
    let id = p.usuario.empresa_id.ok_or(Error::Forbidden)?;
    let empresa = app.empresa(id)?;
    if !empresa.ativo {
        return Err(Error::Unauthenticated);
    }
    let db = app.tenant_db(&empresa)?;
    Ok(TenantCtx {
        empresa,
        db,
        usuario: p.usuario.clone(),
        origem: Origem::Sessao,
        ip: p.ip.clone(),
        app: app.clone(),
    })
}

/// Mints the context of empresa `id` for a superadmin, and audits the access.
pub fn do_superadmin(app: &Arc<App>, p: &Principal, id: EmpresaId, acao: &str) -> Result<TenantCtx> {
    if p.usuario.papel != Papel::Superadmin {
        return Err(Error::Forbidden);
    }
    let empresa = app.empresa(id)?;
    let db = app.tenant_db(&empresa)?;
    app.central.auditar(&NovaAuditoria {
        usuario_id: Some(p.usuario.id),
        empresa_id: Some(empresa.id),
        acao: "superadmin.acesso_tenant".to_owned(),
        alvo: Some(acao.to_owned()),
        detalhes: None,
        ip: p.ip.clone(),
    })?;
    Ok(TenantCtx {
        empresa,
        db,
        usuario: p.usuario.clone(),
        origem: Origem::Superadmin,
        ip: p.ip.clone(),
        app: app.clone(),
    })
}
