//! Pairing an empresa's own WhatsApp number through Evolution API (the QR-code channel):
//! appliance settings (server URL, global key, public URL), the instance name and secrets,
//! creating or reconnecting the instance with its webhook pointed back here, refreshing the
//! QR until the phone is paired, disconnecting and deleting. Used by the panel API (through
//! `TenantCtx`) and by `helixai tenant connect`.
//!
//! ```text
//! conectar ─▶ instance token stored? ── yes ─▶ GET /instance/connect ─▶ QR | open
//!                 │ no (or 404 there)                                     │
//!                 └────────────▶ POST /instance/create (our token, webhook URL + header)
//! ```
//!
//! The webhook URL is `{url_publica}/webhook/evolution/{segredo}`: a random per-empresa
//! secret (Evolution signs nothing), stored encrypted, routed by its SHA-256. Every event
//! also carries the instance token (`x-helixai-token` header set at creation, and/or the
//! payload's `apikey`), checked by `http::webhook_evolution`.

use serde::Serialize;

use crate::app::App;
use crate::crypto::{random_token, sha256_hex, Secret};
use crate::domain::Canal;
use crate::error::{Error, Result};
use crate::evolution::{Conexao, EvolutionClient, NovaInstancia, QrCode, TipoErro};
use crate::outbound::{agent, Timeouts};
use crate::store::central::ajustes::{EVOLUTION_CHAVE, EVOLUTION_URL, URL_PUBLICA};
use crate::store::central::evolution::{CONECTADO, CONECTANDO, DESCONECTADO};
use crate::store::central::{Empresa, InstanciaEvolution, MudancaEstado};

/// The header Evolution sends back on every webhook POST (set at instance creation).
pub const CABECALHO_TOKEN: &str = "x-helixai-token";

/// Where the Evolution server is and how to reach it.
pub struct AjustesEvolution {
    pub url: String,
    pub chave: Secret,
    /// The base URL Evolution posts webhooks to (this appliance, as Evolution sees it).
    pub url_publica: String,
}

/// What the panel and the CLI show about an empresa's WhatsApp connection.
#[derive(Debug, Clone, Serialize)]
pub struct EstadoConexao {
    pub canal: Canal,
    /// The appliance has an Evolution server configured.
    pub evolution_configurado: bool,
    pub instancia: Option<String>,
    /// `conectado`, `conectando`, `desconectado` or `recusado`.
    pub estado: String,
    pub motivo_codigo: Option<i64>,
    pub motivo: Option<String>,
    pub numero: Option<String>,
    pub nome_perfil: Option<String>,
    /// The raw QR string (`2@…`) while waiting for a scan; render it or use `qr.svg`.
    pub qr_code: Option<String>,
    pub pairing_code: Option<String>,
    pub qr_em: Option<String>,
    pub estado_em: Option<String>,
}

/// The appliance's Evolution settings, or 409 `evolution_nao_configurado`.
pub fn ajustes(app: &App) -> Result<AjustesEvolution> {
    let nao = || {
        Error::conflict(
            "evolution_nao_configurado",
            "o WhatsApp por QR Code ainda não foi habilitado: a revenda precisa informar o servidor Evolution API \
             (Revenda → WhatsApp (QR Code), ou `helixai evolution config`)",
        )
    };
    let url = app.central.ajuste(EVOLUTION_URL)?.filter(|u| !u.trim().is_empty()).ok_or_else(nao)?;
    let cifrada = app.central.ajuste_cifrado(EVOLUTION_CHAVE)?.ok_or_else(nao)?;
    let chave = app.key.decrypt(&cifrada)?;
    Ok(AjustesEvolution { url, chave, url_publica: url_publica(app)? })
}

/// The base URL Evolution posts webhooks to: the stored one, else this server's bind address
/// (right when Evolution runs on the same machine).
pub fn url_publica(app: &App) -> Result<String> {
    let url = app.central.ajuste(URL_PUBLICA)?.filter(|u| !u.trim().is_empty());
    let url = url.unwrap_or_else(|| format!("http://{}", app.config.bind));
    Ok(url.trim_end_matches('/').to_owned())
}

/// Whether the Evolution server is configured (URL and key present).
pub fn configurado(app: &App) -> Result<bool> {
    Ok(app.central.ajuste(EVOLUTION_URL)?.is_some_and(|u| !u.trim().is_empty())
        && app.central.ajuste_cifrado(EVOLUTION_CHAVE)?.is_some())
}

/// Validates and stores the appliance's Evolution settings (`None` keeps a value).
pub fn configurar(app: &App, url: Option<&str>, chave: Option<&str>, url_publica: Option<&str>) -> Result<()> {
    // `""` clears a URL (no Evolution server; the public URL back to its default).
    for (chave, valor, campo) in [(EVOLUTION_URL, url, "url"), (URL_PUBLICA, url_publica, "url_publica")] {
        match valor.map(str::trim) {
            Some("") => app.central.ajuste_definir(chave, None)?,
            Some(u) => app.central.ajuste_definir(chave, Some(&validar_url(u, campo)?))?,
            None => {}
        }
    }
    if let Some(c) = chave {
        let c = c.trim();
        if c.is_empty() || c.len() > 512 || c.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
            return Err(Error::invalid(
                "chave_invalida",
                "a chave global do Evolution não pode ser vazia nem ter espaços",
            ));
        }
        app.central.ajuste_definir_cifrado(EVOLUTION_CHAVE, Some(&app.key.encrypt(c)?))?;
    }
    Ok(())
}

/// An http(s) base URL without query or fragment, trailing `/` removed.
pub fn validar_url(u: &str, campo: &str) -> Result<String> {
    let u = u.trim().trim_end_matches('/');
    let ok = (u.starts_with("http://") || u.starts_with("https://"))
        && u.len() <= 512
        && u.split("://").nth(1).is_some_and(|rest| !rest.is_empty())
        && !u.contains(['?', '#', ' ', '"', '<', '>', '\\']);
    if ok {
        Ok(u.to_owned())
    } else {
        Err(Error::invalid(
            "url_invalida",
            format!("{campo}: informe uma URL http:// ou https:// sem espaços, ex.: https://evolution.exemplo.com.br"),
        ))
    }
}

/// The instance name: derived from the empresa (id and slug), never from input.
pub fn nome_instancia(empresa: &Empresa) -> String {
    let mut nome = format!("helixai-{}-{}", empresa.id, empresa.slug);
    nome.truncate(64);
    nome.trim_end_matches('-').to_owned()
}

/// The connection as stored (no outside call).
pub fn estado(app: &App, empresa: &Empresa) -> Result<EstadoConexao> {
    let inst = app.central.evolution_instancia(empresa.id)?;
    // The channel as it is now (connecting switches it; the caller may hold an older copy).
    let atual = app.central.empresa(empresa.id)?;
    Ok(montar(atual.as_ref().unwrap_or(empresa), inst.as_ref(), configurado(app)?))
}

fn montar(empresa: &Empresa, inst: Option<&InstanciaEvolution>, configurado: bool) -> EstadoConexao {
    EstadoConexao {
        canal: empresa.whatsapp_canal,
        evolution_configurado: configurado,
        instancia: inst.map(|i| i.instancia.clone()),
        estado: inst.map_or_else(|| DESCONECTADO.to_owned(), |i| i.estado.clone()),
        motivo_codigo: inst.and_then(|i| i.motivo_codigo),
        motivo: inst.and_then(|i| i.motivo.clone()),
        numero: inst.and_then(|i| i.numero.clone()),
        nome_perfil: inst.and_then(|i| i.nome_perfil.clone()),
        qr_code: inst.and_then(|i| i.qr_code.clone()),
        pairing_code: inst.and_then(|i| i.pairing_code.clone()),
        qr_em: inst.and_then(|i| i.qr_em.clone()),
        estado_em: inst.map(|i| i.estado_em.clone()),
    }
}

fn cliente(aj: &AjustesEvolution) -> EvolutionClient {
    EvolutionClient::new(agent(Timeouts::default()), aj.url.clone())
}

/// The instance token, decrypted, if one is stored.
pub fn token(app: &App, inst: &InstanciaEvolution) -> Result<Option<Secret>> {
    inst.token_cifrado.as_deref().map(|c| app.key.decrypt(c)).transpose()
}

/// Creates or reconnects the empresa's instance and returns the state with a QR to scan
/// (and a pairing code when `numero` is given). Switches the empresa to the Evolution channel.
pub fn conectar(app: &App, empresa: &Empresa, numero: Option<&str>) -> Result<EstadoConexao> {
    let numero = numero.map(crate::telefone::canonico).filter(|n| !n.is_empty());
    if numero.as_ref().is_some_and(|n| n.len() < 10 || n.len() > 15) {
        return Err(Error::invalid("numero_invalido", "informe o número com DDI e DDD, ex.: 5511999990000"));
    }
    let aj = ajustes(app)?;
    let segredo = random_token();
    let inst = app.central.evolution_garantir(
        empresa.id,
        &nome_instancia(empresa),
        &app.key.encrypt(&segredo)?,
        &sha256_hex(segredo.as_bytes()),
    )?;
    let segredo = app.key.decrypt(&inst.segredo_cifrado)?;
    let url = format!("{}/webhook/evolution/{}", aj.url_publica, segredo.expose());
    let cli = cliente(&aj);
    if let Some(tok) = token(app, &inst)? {
        match cli.conectar(tok.expose(), &inst.instancia, numero.as_deref()) {
            Ok(c) => {
                // The public URL may have changed since the instance was created.
                if let Err(e) =
                    cli.definir_webhook(tok.expose(), &inst.instancia, &url, &[(CABECALHO_TOKEN, tok.expose())])
                {
                    log::warn!("empresa {}: não foi possível atualizar o webhook no Evolution: {e}", empresa.id);
                }
                registrar_conexao(app, empresa, c)?;
                app.central.empresa_definir_canal(empresa.id, Canal::Evolution)?;
                return estado(app, empresa);
            }
            Err(e) if e.tipo == TipoErro::InstanciaInexistente => {
                log::info!(
                    "empresa {}: instância {} não existe mais no Evolution; criando",
                    empresa.id,
                    inst.instancia
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    let novo_token = random_token();
    let criada = cli
        .criar_instancia(
            aj.chave.expose(),
            &NovaInstancia {
                nome: &inst.instancia,
                token: &novo_token,
                numero: numero.as_deref(),
                webhook_url: &url,
                webhook_cabecalhos: &[(CABECALHO_TOKEN, &novo_token)],
            },
        )
        .map_err(|e| match e.tipo {
            TipoErro::NomeEmUso => Error::conflict(
                "instancia_em_uso",
                format!(
                    "a instância {} já existe no servidor Evolution e o HelixAI não tem o token dela; \
                     exclua-a no Evolution e conecte de novo",
                    inst.instancia
                ),
            ),
            _ => e.into(),
        })?;
    let tok = criada.token.filter(|t| !t.trim().is_empty()).unwrap_or(novo_token);
    app.central.evolution_definir_token(empresa.id, Some(&app.key.encrypt(&tok)?))?;
    app.central.evolution_registrar_estado(empresa.id, &MudancaEstado { estado: CONECTANDO, ..Default::default() })?;
    if let Some(qr) = criada.qr {
        registrar_qr(app, empresa, &qr)?;
    }
    // Only now: an empresa whose pairing failed keeps answering through its old channel.
    app.central.empresa_definir_canal(empresa.id, Canal::Evolution)?;
    estado(app, empresa)
}

/// Polls Evolution for the current state: while pairing, a fresh QR (they rotate); otherwise
/// the connection state. Without an instance (or token) it only reads what is stored.
pub fn atualizar(app: &App, empresa: &Empresa) -> Result<EstadoConexao> {
    let Some(inst) = app.central.evolution_instancia(empresa.id)? else { return estado(app, empresa) };
    let Some(tok) = token(app, &inst)? else { return estado(app, empresa) };
    let aj = ajustes(app)?;
    let cli = cliente(&aj);
    if inst.estado == CONECTANDO {
        let c = cli.conectar(tok.expose(), &inst.instancia, None)?;
        registrar_conexao(app, empresa, c)?;
    } else {
        let s = cli.estado(tok.expose(), &inst.instancia)?;
        let novo = estado_nosso(&s);
        if novo != inst.estado && !(novo == DESCONECTADO && inst.estado == crate::store::central::evolution::RECUSADO) {
            app.central.evolution_registrar_estado(
                empresa.id,
                &MudancaEstado {
                    estado: novo,
                    motivo_codigo: inst.motivo_codigo,
                    motivo: inst.motivo.as_deref(),
                    ..Default::default()
                },
            )?;
        }
    }
    estado(app, empresa)
}

/// Logs the number out of the instance (the phone must scan again); keeps the instance.
pub fn desconectar(app: &App, empresa: &Empresa) -> Result<EstadoConexao> {
    let inst = app.central.evolution_instancia(empresa.id)?.ok_or(Error::NotFound("instância"))?;
    if let Some(tok) = token(app, &inst)? {
        let aj = ajustes(app)?;
        match cliente(&aj).desconectar(tok.expose(), &inst.instancia) {
            Ok(()) => {}
            // Already gone on the Evolution side: disconnected either way.
            Err(e) if e.tipo == TipoErro::InstanciaInexistente => {}
            Err(e) => return Err(e.into()),
        }
    }
    app.central.evolution_registrar_estado(
        empresa.id,
        &MudancaEstado { estado: DESCONECTADO, motivo: Some("desconectado pelo painel"), ..Default::default() },
    )?;
    estado(app, empresa)
}

/// Deletes the instance on the Evolution server and forgets it here.
pub fn excluir(app: &App, empresa: &Empresa) -> Result<EstadoConexao> {
    let inst = app.central.evolution_instancia(empresa.id)?.ok_or(Error::NotFound("instância"))?;
    let aj = ajustes(app)?;
    match cliente(&aj).excluir(aj.chave.expose(), &inst.instancia) {
        Ok(()) => {}
        Err(e) if e.tipo == TipoErro::InstanciaInexistente => {}
        Err(e) => return Err(e.into()),
    }
    app.central.evolution_excluir(empresa.id)?;
    estado(app, empresa)
}

/// Evolution's state name → ours.
pub fn estado_nosso(s: &str) -> &'static str {
    match s {
        "open" => CONECTADO,
        "connecting" => CONECTANDO,
        "refused" => crate::store::central::evolution::RECUSADO,
        _ => DESCONECTADO,
    }
}

fn registrar_conexao(app: &App, empresa: &Empresa, c: Conexao) -> Result<()> {
    match c {
        Conexao::Qr(qr) => registrar_qr(app, empresa, &qr),
        Conexao::Estado(s) => app
            .central
            .evolution_registrar_estado(empresa.id, &MudancaEstado { estado: estado_nosso(&s), ..Default::default() }),
    }
}

fn registrar_qr(app: &App, empresa: &Empresa, qr: &QrCode) -> Result<()> {
    if qr.code.is_none() && qr.pairing_code.is_none() {
        // Evolution answered before Baileys produced a QR (`{"count": 0}`): the
        // `qrcode.updated` webhook or the next refresh brings it.
        return Ok(());
    }
    app.central.evolution_registrar_qr(empresa.id, qr.code.as_deref(), qr.pairing_code.as_deref())
}
