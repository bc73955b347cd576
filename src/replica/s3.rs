//! The S3 client of the replica: requests built and signed by `rusty-s3` (sans-IO SigV4, the
//! only place that names it) and sent through the appliance's own ureq agent
//! ([`crate::outbound`]), so the appliance keeps one synchronous HTTP stack and its timeouts.
//! Path-style URLs (MinIO, Garage and most self-hosted servers need them), `http://` endpoints
//! with a port, any region (`auto` for R2).
//!
//! Every name given here is relative to the configured prefix. Failures are classified once
//! ([`ErroS3`]) and turned into pt-BR errors for people ([`ErroS3::para_pessoas`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rusty_s3::actions::{ListObjectsV2Response, ObjectIdentifier};
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

use crate::crypto::Secret;
use crate::error::{Error, Result};
use crate::outbound::{self, Agent, FalhaDeRede, TipoFalha};

/// How long a signed URL stays valid (it is used at once).
const VALIDADE: Duration = Duration::from_secs(15 * 60);
/// Most keys one multi-object delete takes (S3's limit).
const APAGAR_POR_VEZ: usize = 1000;

/// Where the replica goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destino {
    /// `https://s3.us-east-005.backblazeb2.com`, `http://127.0.0.1:9000`...
    pub endpoint: String,
    pub bucket: String,
    pub regiao: String,
    /// Folder inside the bucket (no leading or trailing `/`; may be empty).
    pub prefixo: String,
}

impl Destino {
    /// What identifies the place (the local state is reset when it changes).
    pub fn identidade(&self) -> String {
        format!("{}|{}|{}", self.endpoint.trim_end_matches('/'), self.bucket, self.prefixo)
    }

    /// For people: `bucket/prefixo em endpoint`.
    pub fn descricao(&self) -> String {
        let p = if self.prefixo.is_empty() { String::new() } else { format!("/{}", self.prefixo) };
        format!("{}{p} em {}", self.bucket, self.endpoint)
    }
}

/// Why a request failed.
#[derive(Debug, Clone)]
pub enum ErroS3 {
    /// No HTTP answer (refused, DNS, timeout, reset).
    Rede(FalhaDeRede),
    /// An HTTP answer that is not a success: status, S3's error code and message.
    Http { status: u16, codigo: String, mensagem: String },
}

impl ErroS3 {
    /// Whether trying again later may work (network, throttling, server errors).
    pub fn transitorio(&self) -> bool {
        match self {
            ErroS3::Rede(f) => f.tipo != TipoFalha::UrlInvalida,
            ErroS3::Http { status, .. } => *status == 408 || *status == 429 || *status >= 500,
        }
    }

    /// The pt-BR sentence for the panel, the CLI and the log (never a URL or a key).
    pub fn para_pessoas(&self, destino: &Destino) -> String {
        match self {
            ErroS3::Rede(f) if f.tipo == TipoFalha::UrlInvalida => {
                format!("endpoint inválido: {} ({})", destino.endpoint, f.causa)
            }
            ErroS3::Rede(f) => format!("não foi possível falar com {}: {}", destino.endpoint, f.causa),
            ErroS3::Http { status, codigo, .. } if *status == 403 || codigo == "InvalidAccessKeyId" => format!(
                "o armazenamento recusou as credenciais (HTTP {status} {codigo}): confira a chave de acesso, o \
                 segredo, a região ({}) e se a chave pode ler e gravar no bucket {}",
                destino.regiao, destino.bucket
            ),
            ErroS3::Http { codigo, .. } if codigo == "NoSuchBucket" => {
                format!("o bucket {} não existe em {}; crie-o no provedor antes", destino.bucket, destino.endpoint)
            }
            ErroS3::Http { status, codigo, mensagem } => {
                format!(
                    "o armazenamento respondeu HTTP {status} {codigo}: {}",
                    mensagem.chars().take(200).collect::<String>()
                )
            }
        }
    }

    /// As an [`Error`]: 502 for people.
    pub fn erro(&self, destino: &Destino) -> Error {
        Error::Upstream(self.para_pessoas(destino))
    }
}

/// One object in a listing: its name (relative to the prefix) and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listado {
    pub nome: String,
    pub tamanho: u64,
}

/// A client for one destination.
pub struct Cliente {
    destino: Destino,
    bucket: Bucket,
    credenciais: Credentials,
    agente: Agent,
    /// Requests sent (metrics, the idle benchmark).
    requisicoes: Arc<AtomicU64>,
}

impl Cliente {
    /// A client for `destino` with these keys; `requisicoes` counts every request sent.
    pub fn novo(destino: Destino, chave: &Secret, segredo: &Secret, requisicoes: Arc<AtomicU64>) -> Result<Self> {
        let url = destino.endpoint.trim_end_matches('/').parse().map_err(|_| {
            Error::invalid(
                "endpoint_invalido",
                format!("endpoint inválido: {:?} (ex.: https://s3.amazonaws.com)", destino.endpoint),
            )
        })?;
        let bucket = Bucket::new(url, UrlStyle::Path, destino.bucket.clone(), destino.regiao.clone()).map_err(|e| {
            Error::invalid(
                "endpoint_invalido",
                format!("endpoint ou bucket inválido ({e:?}): use http(s)://host[:porta]"),
            )
        })?;
        Ok(Cliente {
            destino,
            bucket,
            credenciais: Credentials::new(chave.expose(), segredo.expose()),
            agente: outbound::agent_transferencia(Duration::from_secs(10), Duration::from_secs(60)),
            requisicoes,
        })
    }

    /// Where this client writes.
    pub fn destino(&self) -> &Destino {
        &self.destino
    }

    fn chave(&self, nome: &str) -> String {
        if self.destino.prefixo.is_empty() {
            nome.to_owned()
        } else {
            format!("{}/{nome}", self.destino.prefixo)
        }
    }

    fn enviar(
        &self,
        metodo: &str,
        url: &str,
        cabecalhos: &[(&str, &str)],
        corpo: Option<&[u8]>,
    ) -> std::result::Result<(u16, Vec<u8>), ErroS3> {
        self.requisicoes.fetch_add(1, Ordering::Relaxed);
        outbound::chamar_bytes(&self.agente, metodo, url, cabecalhos, corpo).map_err(ErroS3::Rede)
    }

    /// Writes an object (replacing it).
    pub fn put(&self, nome: &str, corpo: &[u8]) -> std::result::Result<(), ErroS3> {
        let chave = self.chave(nome);
        let url = self.bucket.put_object(Some(&self.credenciais), &chave).sign(VALIDADE);
        let (status, body) =
            self.enviar("PUT", url.as_str(), &[("Content-Type", "application/octet-stream")], Some(corpo))?;
        sucesso(status, &body)
    }

    /// Reads an object; `None` when it does not exist.
    pub fn get(&self, nome: &str) -> std::result::Result<Option<Vec<u8>>, ErroS3> {
        let chave = self.chave(nome);
        let url = self.bucket.get_object(Some(&self.credenciais), &chave).sign(VALIDADE);
        let (status, body) = self.enviar("GET", url.as_str(), &[], None)?;
        if status == 404 {
            let codigo = erro_xml(&body).0;
            // A missing bucket is an error; a missing object is an answer.
            if codigo != "NoSuchBucket" {
                return Ok(None);
            }
        }
        sucesso(status, &body)?;
        Ok(Some(body))
    }

    /// Every object whose name starts with `prefixo`, after `depois_de` if given, in name
    /// order, one page (1,000 names) per request; `continuar` is called with each page and
    /// stops the listing by returning `false`.
    pub fn listar(
        &self,
        prefixo: &str,
        depois_de: Option<&str>,
        mut continuar: impl FnMut(Vec<Listado>) -> bool,
    ) -> std::result::Result<(), ErroS3> {
        self.listar_com(prefixo, depois_de, None, |objetos, _| continuar(objetos))
    }

    /// The "folders" right under `prefixo` (`midias/` → `midias/empresa_1_loja/`...): a
    /// listing with the `/` delimiter, a thousand per request whatever they hold.
    pub fn subpastas(&self, prefixo: &str) -> std::result::Result<Vec<String>, ErroS3> {
        let mut v = Vec::new();
        self.listar_com(prefixo, None, Some("/"), |_, pastas| {
            v.extend(pastas);
            true
        })?;
        Ok(v)
    }

    /// A paginated listing: each page's objects and common prefixes (with a delimiter).
    fn listar_com(
        &self,
        prefixo: &str,
        depois_de: Option<&str>,
        delimitador: Option<&str>,
        mut continuar: impl FnMut(Vec<Listado>, Vec<String>) -> bool,
    ) -> std::result::Result<(), ErroS3> {
        let completo = self.chave(prefixo);
        let depois = depois_de.map(|d| self.chave(d));
        let tirar = if self.destino.prefixo.is_empty() { 0 } else { self.destino.prefixo.len() + 1 };
        let mut token: Option<String> = None;
        loop {
            let mut acao = self.bucket.list_objects_v2(Some(&self.credenciais));
            acao.with_prefix(completo.as_str());
            if let Some(d) = delimitador {
                acao.with_delimiter(d);
            }
            if let Some(t) = &token {
                acao.with_continuation_token(t.as_str());
            } else if let Some(d) = &depois {
                acao.with_start_after(d.as_str());
            }
            let url = acao.sign(VALIDADE);
            let (status, body) = self.enviar("GET", url.as_str(), &[], None)?;
            sucesso(status, &body)?;
            let texto = String::from_utf8_lossy(&body);
            let r: ListObjectsV2Response = rusty_s3::actions::ListObjectsV2::parse_response(&texto)
                .map_err(|e| ErroS3::Http { status, codigo: "ListagemIlegivel".into(), mensagem: e.to_string() })?;
            let pagina = r
                .contents
                .iter()
                .filter_map(|c| {
                    c.key.get(tirar..).map(|n| Listado { nome: n.to_owned(), tamanho: c.size.unwrap_or(0) })
                })
                .collect();
            let pastas = r.common_prefixes.iter().filter_map(|p| p.prefix.get(tirar..).map(str::to_owned)).collect();
            if !continuar(pagina, pastas) {
                return Ok(());
            }
            match r.next_continuation_token {
                Some(t) => token = Some(t),
                None => return Ok(()),
            }
        }
    }

    /// Deletes objects, a thousand per request.
    pub fn apagar(&self, nomes: &[String]) -> std::result::Result<(), ErroS3> {
        for lote in nomes.chunks(APAGAR_POR_VEZ) {
            let ids: Vec<ObjectIdentifier> = lote.iter().map(|n| ObjectIdentifier::new(self.chave(n))).collect();
            let mut acao = self.bucket.delete_objects(Some(&self.credenciais), ids.iter());
            acao.set_quiet(true);
            let url = acao.sign(VALIDADE);
            let (corpo, md5) = acao.body_with_md5();
            let (status, body) = self.enviar(
                "POST",
                url.as_str(),
                &[("Content-MD5", &md5), ("Content-Type", "application/xml")],
                Some(corpo.as_bytes()),
            )?;
            sucesso(status, &body)?;
            let texto = String::from_utf8_lossy(&body);
            if let Ok(r) = rusty_s3::actions::DeleteObjectsResponse::parse(&texto) {
                if let Some(e) = r.errors.first() {
                    return Err(ErroS3::Http { status, codigo: e.code.clone(), mensagem: e.message.clone() });
                }
            }
        }
        Ok(())
    }
}

/// `Ok` for a 2xx, else the S3 error in the body.
fn sucesso(status: u16, body: &[u8]) -> std::result::Result<(), ErroS3> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    let (codigo, mensagem) = erro_xml(body);
    Err(ErroS3::Http { status, codigo, mensagem })
}

/// `<Code>` and `<Message>` of an S3 error body (empty when absent).
fn erro_xml(body: &[u8]) -> (String, String) {
    let texto = String::from_utf8_lossy(body);
    let campo = |tag: &str| {
        let abre = format!("<{tag}>");
        texto
            .split_once(abre.as_str())
            .and_then(|(_, resto)| resto.split_once(&format!("</{tag}>")))
            .map(|(v, _)| v.trim().to_owned())
            .unwrap_or_default()
    };
    (campo("Code"), campo("Message"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_s3_error_bodies() {
        let body = b"<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>";
        assert_eq!(erro_xml(body), ("NoSuchBucket".into(), "The specified bucket does not exist".into()));
        assert_eq!(erro_xml(b""), (String::new(), String::new()));
        let destino = Destino {
            endpoint: "http://127.0.0.1:9".into(),
            bucket: "b".into(),
            regiao: "auto".into(),
            prefixo: String::new(),
        };
        let e = sucesso(404, body).unwrap_err();
        assert!(e.para_pessoas(&destino).contains("o bucket b não existe"), "{}", e.para_pessoas(&destino));
        assert!(!e.transitorio());
        let negado = ErroS3::Http { status: 403, codigo: "SignatureDoesNotMatch".into(), mensagem: String::new() };
        assert!(negado.para_pessoas(&destino).contains("recusou as credenciais"));
        assert!(ErroS3::Http { status: 503, codigo: "SlowDown".into(), mensagem: String::new() }.transitorio());
        assert!(sucesso(204, b"").is_ok());
    }

    #[test]
    fn names_go_under_the_prefix_and_urls_are_path_style() {
        let destino = Destino {
            endpoint: "http://127.0.0.1:9000/".into(),
            bucket: "helixai-backups".into(),
            regiao: "us-east-1".into(),
            prefixo: "vps1".into(),
        };
        let c = Cliente::novo(destino.clone(), &Secret::new("AKIA"), &Secret::new("s"), Arc::default()).unwrap();
        assert_eq!(c.chave("bancos/helixai/manifesto"), "vps1/bancos/helixai/manifesto");
        let url = c.bucket.put_object(Some(&c.credenciais), &c.chave("chave")).sign(VALIDADE);
        assert!(url.as_str().starts_with("http://127.0.0.1:9000/helixai-backups/vps1/chave?"), "{url}");
        assert!(!url.as_str().contains("AKIA/") || url.as_str().contains("X-Amz-Credential"));
        assert_eq!(destino.identidade(), "http://127.0.0.1:9000|helixai-backups|vps1");
        assert!(Cliente::novo(
            Destino { endpoint: "ftp://x".into(), ..destino },
            &Secret::new("a"),
            &Secret::new("b"),
            Arc::default()
        )
        .is_err());
    }
}
