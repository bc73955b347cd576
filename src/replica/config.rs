//! Where the replica goes and with which keys: stored in the central db's `ajustes` (the access
//! key and its secret encrypted with `secret.key`, shown only masked), checked against the
//! bucket before anything is saved, from `helixai replica config` or the panel (Revenda →
//! Backups).
//!
//! Configuring also settles the replica key: the data dir's `replica.key` if it has one, else
//! a new one, written only once the bucket accepted its key check and returned to the caller
//! to be shown once. A prefix that already holds another installation's replica (its key check
//! does not open with this key) is refused and nothing is written.

use std::sync::Arc;

use serde::Serialize;

use super::cifra::{abrir, selar, ChaveReplica};
use super::formato::{CHAVE, CONTEUDO_CHAVE, DONO};
use super::s3::{Cliente, Destino};
use crate::app::App;
use crate::crypto::{mask, Secret};
use crate::error::{Error, Result};

const ENDPOINT: &str = "replica_endpoint";
const BUCKET: &str = "replica_bucket";
const REGIAO: &str = "replica_regiao";
const PREFIXO: &str = "replica_prefixo";
const RETENCAO: &str = "replica_retencao_dias";
/// Encrypted with `secret.key`.
const CHAVE_ACESSO: &str = "replica_chave_acesso";
/// Encrypted with `secret.key`.
const SEGREDO: &str = "replica_segredo";

/// The region used when none is given (AWS's default; MinIO and most servers accept any).
pub const REGIAO_PADRAO: &str = "us-east-1";
/// The prefix used when none is given.
pub const PREFIXO_PADRAO: &str = "helixai";
/// Days of history kept when none is given.
pub const RETENCAO_PADRAO: u32 = 7;

/// The replica's configuration, secrets decrypted.
#[derive(Debug, Clone)]
pub struct ConfigReplica {
    pub destino: Destino,
    pub chave_acesso: Secret,
    pub segredo: Secret,
    pub retencao_dias: u32,
}

impl ConfigReplica {
    /// A client for this configuration.
    pub fn cliente(&self, requisicoes: Arc<std::sync::atomic::AtomicU64>) -> Result<Cliente> {
        Cliente::novo(self.destino.clone(), &self.chave_acesso, &self.segredo, requisicoes)
    }
}

/// The configuration as shown (keys masked).
#[derive(Debug, Clone, Serialize)]
pub struct ConfigVisivel {
    pub endpoint: String,
    pub bucket: String,
    pub regiao: String,
    pub prefixo: String,
    pub retencao_dias: u32,
    pub chave_acesso: String,
    pub segredo: String,
}

impl From<&ConfigReplica> for ConfigVisivel {
    fn from(c: &ConfigReplica) -> Self {
        ConfigVisivel {
            endpoint: c.destino.endpoint.clone(),
            bucket: c.destino.bucket.clone(),
            regiao: c.destino.regiao.clone(),
            prefixo: c.destino.prefixo.clone(),
            retencao_dias: c.retencao_dias,
            chave_acesso: mask(c.chave_acesso.expose()),
            segredo: mask(c.segredo.expose()),
        }
    }
}

/// The stored configuration, if the replica is configured.
pub fn carregar(app: &App) -> Result<Option<ConfigReplica>> {
    let Some(endpoint) = app.central.ajuste(ENDPOINT)? else { return Ok(None) };
    let (Some(bucket), Some(ca), Some(sg)) =
        (app.central.ajuste(BUCKET)?, app.central.ajuste_cifrado(CHAVE_ACESSO)?, app.central.ajuste_cifrado(SEGREDO)?)
    else {
        return Ok(None);
    };
    Ok(Some(ConfigReplica {
        destino: Destino {
            endpoint,
            bucket,
            regiao: app.central.ajuste(REGIAO)?.unwrap_or_else(|| REGIAO_PADRAO.into()),
            prefixo: app.central.ajuste(PREFIXO)?.unwrap_or_default(),
        },
        chave_acesso: app.key.decrypt(&ca)?,
        segredo: app.key.decrypt(&sg)?,
        retencao_dias: app.central.ajuste(RETENCAO)?.and_then(|d| d.parse().ok()).unwrap_or(RETENCAO_PADRAO),
    }))
}

/// What a configuration asks for (absent keys keep the stored ones).
#[derive(Debug, Clone, Default)]
pub struct PedidoConfig {
    pub endpoint: String,
    pub bucket: String,
    pub regiao: Option<String>,
    pub prefixo: Option<String>,
    pub retencao_dias: Option<u32>,
    pub chave_acesso: Option<String>,
    pub segredo: Option<String>,
}

/// What configuring did.
#[derive(Debug)]
pub struct Configurada {
    pub config: ConfigReplica,
    /// The replica key when it was created now: shown once, never again.
    pub chave_nova: Option<ChaveReplica>,
    /// Set when another installation ships to this destination (this one will not until it
    /// takes over with `helixai replica assumir`).
    pub outra_instalacao: bool,
}

/// Validates a request into a destination (pt-BR 400s).
pub fn validar_destino(p: &PedidoConfig) -> Result<Destino> {
    let endpoint = p.endpoint.trim().trim_end_matches('/').to_owned();
    let esquema_ok = endpoint.strip_prefix("https://").or_else(|| endpoint.strip_prefix("http://"));
    if !esquema_ok.is_some_and(|h| !h.is_empty() && !h.contains(char::is_whitespace)) {
        return Err(Error::invalid(
            "endpoint_invalido",
            "o endpoint deve ser uma URL http(s)://host[:porta], ex.: https://s3.us-east-005.backblazeb2.com",
        ));
    }
    let bucket = p.bucket.trim().to_owned();
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && bucket.as_bytes()[0].is_ascii_alphanumeric();
    if !bucket_ok {
        return Err(Error::invalid(
            "bucket_invalido",
            "o nome do bucket deve ter de 3 a 63 letras minúsculas, números, pontos ou hífens",
        ));
    }
    let regiao = p.regiao.as_deref().map(str::trim).filter(|r| !r.is_empty()).unwrap_or(REGIAO_PADRAO).to_owned();
    if regiao.len() > 64 || !regiao.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(Error::invalid("regiao_invalida", "região inválida (ex.: us-east-1, auto, us-east-005)"));
    }
    let prefixo = p.prefixo.as_deref().unwrap_or(PREFIXO_PADRAO).trim().trim_matches('/').to_owned();
    let prefixo_ok = prefixo.len() <= 200
        && prefixo.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b))
        && !prefixo.split('/').any(|s| s.is_empty() || s == "." || s == "..");
    if !prefixo.is_empty() && !prefixo_ok {
        return Err(Error::invalid(
            "prefixo_invalido",
            "o prefixo deve ter letras, números, '-', '_', '.' e '/' (ex.: helixai ou clientes/vps1)",
        ));
    }
    Ok(Destino { endpoint, bucket, regiao, prefixo })
}

/// Checks the destination with these keys and saves the configuration (see the module doc).
pub fn configurar(app: &App, pedido: &PedidoConfig) -> Result<Configurada> {
    let destino = validar_destino(pedido)?;
    let atual = carregar(app)?;
    let segredo_de = |novo: &Option<String>, guardado: Option<&Secret>, nome: &str| -> Result<Secret> {
        match novo.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Ok(Secret::new(s)),
            None => guardado
                .cloned()
                .ok_or_else(|| Error::invalid("credenciais_ausentes", format!("informe {nome} do bucket"))),
        }
    };
    let chave_acesso = segredo_de(&pedido.chave_acesso, atual.as_ref().map(|c| &c.chave_acesso), "a chave de acesso")?;
    let segredo = segredo_de(&pedido.segredo, atual.as_ref().map(|c| &c.segredo), "o segredo")?;
    let retencao_dias = pedido.retencao_dias.or(atual.as_ref().map(|c| c.retencao_dias)).unwrap_or(RETENCAO_PADRAO);
    if !(1..=3650).contains(&retencao_dias) {
        return Err(Error::invalid("retencao_invalida", "a retenção deve ser de 1 a 3650 dias"));
    }
    let config = ConfigReplica { destino, chave_acesso, segredo, retencao_dias };
    let existente = ChaveReplica::carregar(&app.data.replica_key())?;
    let chave = match &existente {
        Some(k) => k.clone(),
        None => ChaveReplica::gerar()?,
    };
    let cliente = config.cliente(app.replica.requisicoes())?;
    conferir_ou_criar_chave(&cliente, &chave)?;
    if existente.is_none() {
        chave.gravar(&app.data.replica_key())?;
    }
    let escritor = app.replica.escritor()?;
    let outra_instalacao = match cliente.get(DONO).map_err(|e| e.erro(cliente.destino()))? {
        None => {
            cliente.put(DONO, &selar(&chave, DONO, escritor.as_bytes())?).map_err(|e| e.erro(cliente.destino()))?;
            false
        }
        Some(b) => abrir(&chave, DONO, &b).map(|d| d != escritor.as_bytes()).unwrap_or(true),
    };
    let c = &app.central;
    c.ajuste_definir(ENDPOINT, Some(&config.destino.endpoint))?;
    c.ajuste_definir(BUCKET, Some(&config.destino.bucket))?;
    c.ajuste_definir(REGIAO, Some(&config.destino.regiao))?;
    c.ajuste_definir(PREFIXO, Some(&config.destino.prefixo))?;
    c.ajuste_definir(RETENCAO, Some(&config.retencao_dias.to_string()))?;
    c.ajuste_definir_cifrado(CHAVE_ACESSO, Some(&app.key.encrypt(config.chave_acesso.expose())?))?;
    c.ajuste_definir_cifrado(SEGREDO, Some(&app.key.encrypt(config.segredo.expose())?))?;
    app.replica.acordar();
    log::info!("réplica externa configurada: {}", config.destino.descricao());
    Ok(Configurada { config, chave_nova: existente.is_none().then_some(chave), outra_instalacao })
}

/// Turns the replica off (the bucket keeps what it has; `replica.key` stays).
pub fn desligar(app: &App) -> Result<()> {
    for k in [ENDPOINT, BUCKET, REGIAO, PREFIXO, RETENCAO] {
        app.central.ajuste_definir(k, None)?;
    }
    for k in [CHAVE_ACESSO, SEGREDO] {
        app.central.ajuste_definir_cifrado(k, None)?;
    }
    app.replica.acordar();
    Ok(())
}

/// The key check: an existing one must open with `chave` (else another installation's replica
/// lives there, 409, nothing written); a missing one is written and read back.
pub fn conferir_ou_criar_chave(cliente: &Cliente, chave: &ChaveReplica) -> Result<()> {
    let destino = cliente.destino();
    match cliente.get(CHAVE).map_err(|e| e.erro(destino))? {
        Some(b) => conferir_chave(chave, &b, destino),
        None => {
            cliente.put(CHAVE, &selar(chave, CHAVE, CONTEUDO_CHAVE)?).map_err(|e| e.erro(destino))?;
            let lida = cliente.get(CHAVE).map_err(|e| e.erro(destino))?.ok_or_else(|| {
                Error::Upstream(format!(
                    "o armazenamento aceitou a gravação mas não devolveu o objeto ({})",
                    destino.descricao()
                ))
            })?;
            conferir_chave(chave, &lida, destino)
        }
    }
}

/// Whether the key-check object `dados` opens with `chave`.
pub fn conferir_chave(chave: &ChaveReplica, dados: &[u8], destino: &Destino) -> Result<()> {
    match abrir(chave, CHAVE, dados) {
        Ok(c) if c == CONTEUDO_CHAVE => Ok(()),
        _ => Err(Error::conflict(
            "chave_replica_nao_confere",
            format!(
                "a chave da réplica não confere com a réplica guardada em {}: ela foi criada com outra chave \
                 (de outra instalação, ou a chave informada está errada). Nada foi gravado. Para restaurar dela, \
                 use a chave mostrada quando ela foi configurada; para uma réplica nova, use outro --prefix",
                destino.descricao()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pedido(endpoint: &str, bucket: &str, prefixo: Option<&str>) -> PedidoConfig {
        PedidoConfig {
            endpoint: endpoint.into(),
            bucket: bucket.into(),
            prefixo: prefixo.map(Into::into),
            ..PedidoConfig::default()
        }
    }

    #[test]
    fn destinations_are_validated() {
        let d = validar_destino(&pedido("http://127.0.0.1:9000/", "helixai-backups", None)).unwrap();
        assert_eq!(d.endpoint, "http://127.0.0.1:9000");
        assert_eq!((d.regiao.as_str(), d.prefixo.as_str()), (REGIAO_PADRAO, PREFIXO_PADRAO));
        let d = validar_destino(&pedido("https://s3.example.com", "b.co", Some("/clientes/vps1/"))).unwrap();
        assert_eq!(d.prefixo, "clientes/vps1");
        assert_eq!(validar_destino(&pedido("https://s3.example.com", "bbb", Some(""))).unwrap().prefixo, "");
        for (e, b, p) in [
            ("ftp://x", "bbb", None),
            ("https://", "bbb", None),
            ("s3.example.com", "bbb", None),
            ("https://x", "B", None),
            ("https://x", "Maiusculas", None),
            ("https://x", "bbb", Some("a/../b")),
            ("https://x", "bbb", Some("a b")),
        ] {
            assert!(validar_destino(&pedido(e, b, p)).is_err(), "{e} {b} {p:?}");
        }
        let mut r = pedido("https://x", "bbb", None);
        r.regiao = Some("us east".into());
        assert!(validar_destino(&r).is_err());
    }
}
