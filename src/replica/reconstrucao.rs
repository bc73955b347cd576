//! Rebuilding from the bucket: a whole data dir on an empty machine (`replica restore --all`)
//! and one empresa into a stopped server's data dir (`replica restore --tenant`).
//!
//! `--all` writes `secret.key`, `helixai.db`, `journal.db`, every tenant the restored central db
//! lists (four at a time, each checked: `integrity_check`, and its `meta` names the empresa the
//! central db lists under that file) with the media files its rows use
//! ([`super::restauro_midias`]), `replica.key`, and a `replica.db` with a new writer id.
//! Restoring the latest state also records, per database, what is in the bucket, so the new
//! server goes on with the same chains instead of uploading every database again; `--at` starts
//! new ones. Media files are recorded either way (they are the same objects at any moment). The bucket keeps naming the old installation as its owner unless `assumir` (the
//! machine replaces the one that died): a drill restore never stops production's replica.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use super::cifra::selar;
use super::envio::impressao;
use super::formato::{Banco, DONO, SECRET_KEY};
use super::restauro::{caminho_temporario, restaurar_banco, segundos, tamanho, Origem, Restaurado};
use super::restauro_midias::{self, Faltando, MidiasTrazidas};
use crate::app::App;
use crate::backup::Restauracao;
use crate::config::DataDir;
use crate::error::{Error, Result};
use crate::store::replica::{midias_usadas, tenants_do_central, EstadoBanco, EstadoReplicaDb};
use crate::store::tenant::remove_db_files;
use crate::store::tenants::midia_dir;

/// Tenants restored at once.
const PARALELOS: usize = 4;

/// What `--all` did.
#[derive(Debug, Default)]
pub struct Relatorio {
    pub bancos: usize,
    pub bytes: u64,
    pub falhas: Vec<(String, String)>,
    /// Media files brought back, and their bytes.
    pub midias: usize,
    pub midias_bytes: u64,
    /// Per empresa (slug), the media files its rows use that did not come back.
    pub midias_faltando: Vec<(String, Vec<Faltando>)>,
}

/// Restores the whole data dir `data` (it must hold no database yet) as of `ate_ms`
/// (`None`: the latest). `progresso` gets one pt-BR line per step.
pub fn restaurar_tudo(
    o: &Origem,
    data: &DataDir,
    ate_ms: Option<i64>,
    assumir: bool,
    progresso: &(dyn Fn(&str) + Sync),
) -> Result<Relatorio> {
    let ocupado = data.central_db().exists()
        || std::fs::read_dir(data.tenants())
            .is_ok_and(|mut d| d.any(|e| e.is_ok_and(|e| e.path().extension().is_some_and(|x| x == "db"))));
    if ocupado {
        return Err(Error::conflict(
            "diretorio_nao_vazio",
            format!(
                "o diretório de dados {} já tem bancos; restaure num diretório vazio (ex.: --data-dir /var/lib/helixai/data-nova)",
                data.root().display()
            ),
        ));
    }
    std::fs::create_dir_all(data.tenants()).map_err(|e| Error::io(data.tenants(), e))?;
    let ate = ate_ms.unwrap_or(i64::MAX);
    let inicio = Instant::now();
    let mut rel = Relatorio::default();
    let chave = o.ler(SECRET_KEY)?.ok_or_else(|| {
        Error::invalid(
            "replica_sem_secret_key",
            "a réplica não tem o secret.key (o servidor de origem nunca chegou a enviá-lo)",
        )
    })?;
    escrever_privado(&data.secret_key(), &chave)?;
    progresso("secret.key restaurado");
    let central = restaurar_banco(o, &Banco::central(), ate, &data.central_db())?;
    progresso(&linha(0, 0, &central, inicio));
    rel.bancos += 1;
    rel.bytes += central.tamanho_arquivo;
    let mut restaurados = vec![central];
    // The journal's two files; one never shipped (a replica made before there were two, or
    // a file not written yet) is created empty.
    for (banco, caminho) in Banco::do_sistema(data).into_iter().filter(|(b, _)| *b != Banco::central()) {
        match restaurar_banco(o, &banco, ate, &caminho) {
            Ok(j) => {
                progresso(&linha(0, 0, &j, inicio));
                rel.bancos += 1;
                rel.bytes += j.tamanho_arquivo;
                restaurados.push(j);
            }
            Err(Error::Invalid { codigo: "sem_copia", mensagem }) => {
                progresso(&format!("{}: {mensagem} (será criado vazio)", banco.as_str()))
            }
            Err(e) => return Err(e),
        }
    }
    // Opened now: each empresa records its media as it comes.
    let estado = EstadoReplicaDb::open(&data.replica_db())?;
    let tenants = tenants_do_central(&data.central_db())?;
    let com_midias = restauro_midias::bancos_com_midias(o);
    let total = tenants.len();
    progresso(&format!("{total} empresa(s) a restaurar"));
    let fila = Mutex::new(tenants.into_iter());
    let feitos = AtomicUsize::new(0);
    let saida = Mutex::new((Vec::new(), Vec::new()));
    std::thread::scope(|s| {
        for _ in 0..PARALELOS {
            s.spawn(|| loop {
                let Some(t) = fila.lock().unwrap_or_else(std::sync::PoisonError::into_inner).next() else { return };
                let banco = Banco::tenant(&t.database_name);
                let caminho = crate::store::tenants::tenant_path(&data.tenants(), &t.database_name);
                let r = restaurar_banco(o, &banco, ate, &caminho).and_then(|r| {
                    let v = crate::store::backup::verificar_tenant(&caminho)?;
                    if v.empresa_id != t.empresa_id || v.slug != t.slug {
                        remove_db_files(&caminho);
                        return Err(Error::Store(format!(
                            "o arquivo restaurado diz ser da empresa {} ({}), não de {} ({})",
                            v.empresa_id, v.slug, t.empresa_id, t.slug
                        )));
                    }
                    let usadas = midias_usadas(&caminho)?;
                    let pasta = midia_dir(&data.tenants(), &t.database_name);
                    let listar = com_midias.as_ref().is_none_or(|c| c.contains(banco.as_str()));
                    Ok((r, restauro_midias::trazer(o, &banco, &usadas, &pasta, listar, Some(&estado), progresso)))
                });
                let n = feitos.fetch_add(1, Ordering::Relaxed) + 1;
                let mut g = saida.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                match r {
                    Ok((r, m)) => {
                        progresso(&format!("{}{}", linha(n, total, &r, inicio), linha_midias(&m)));
                        if !m.faltando.is_empty() {
                            progresso(&format!(
                                "[{n}/{total}] {}: ATENÇÃO: {} de {} arquivo(s) de mídia não vieram da réplica (lista no fim)",
                                t.slug,
                                m.faltando.len(),
                                m.usadas
                            ));
                        }
                        g.0.push((t.slug.clone(), r, m));
                    }
                    Err(e) => {
                        progresso(&format!("[{n}/{total}] {}: FALHOU: {e}", t.slug));
                        g.1.push((t.slug.clone(), e.to_string()));
                    }
                }
            });
        }
    });
    let (ok, falhas) = saida.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    rel.bancos += ok.len();
    rel.falhas = falhas;
    for (slug, r, m) in ok {
        rel.bytes += r.tamanho_arquivo;
        rel.midias += m.baixadas;
        rel.midias_bytes += m.bytes;
        if !m.faltando.is_empty() {
            rel.midias_faltando.push((slug, m.faltando));
        }
        restaurados.push(r);
    }
    rel.midias_faltando.sort_by(|a, b| a.0.cmp(&b.0));
    o.chave.gravar(&data.replica_key())?;
    let escritor = crate::crypto::random_token();
    estado.definir_local("escritor", Some(&escritor))?;
    estado.definir_local("destino", Some(&o.cliente.destino().identidade()))?;
    estado.definir_local("secret_key_em", Some(&o.cliente.destino().identidade()))?;
    if ate_ms.is_none() {
        for r in &restaurados {
            estado.salvar(&estado_de(r, data))?;
        }
    }
    if assumir {
        o.cliente.put(DONO, &selar(&o.chave, DONO, escritor.as_bytes())?).map_err(|e| e.erro(o.cliente.destino()))?;
        progresso("esta instalação agora é a dona da réplica: `helixai serve` continua enviando para o mesmo bucket");
    }
    Ok(rel)
}

/// What the new server's state says about a database restored at its latest state.
fn estado_de(r: &Restaurado, data: &DataDir) -> EstadoBanco {
    let caminho = match r.banco.database_name() {
        Some(n) => crate::store::tenants::tenant_path(&data.tenants(), &n),
        None => r.banco.arquivo_do_sistema(data).unwrap_or_else(|| data.central_db()),
    };
    EstadoBanco {
        nome: r.banco.as_str().to_owned(),
        base_ms: r.base_ms,
        ultimo_ms: r.criado_ms,
        base_bytes: r.base_bytes,
        cadeia_bytes: r.cadeia_bytes,
        cadeia_n: (r.objetos.saturating_sub(1)) as u32,
        tamanho_pagina: r.tamanho_pagina,
        hashes: r.hashes.clone(),
        impressao: impressao(&caminho),
        bases: r.bases.clone(),
        enviado_ms: r.criado_ms,
        removido_ms: None,
    }
}

/// `, 12 mídia(s) (3.4 MiB)` after a tenant's progress line (nothing without media).
fn linha_midias(m: &MidiasTrazidas) -> String {
    match m.usadas {
        0 => String::new(),
        n => format!(", {n} mídia(s) ({} baixado(s))", tamanho(m.bytes)),
    }
}

fn linha(n: usize, total: usize, r: &Restaurado, inicio: Instant) -> String {
    let pos = if total > 0 { format!("[{n}/{total}] ") } else { String::new() };
    format!(
        "{pos}{}: ok, {} de {} UTC ({} objeto(s), {}; {} desde o início)",
        r.banco.as_str(),
        tamanho(r.tamanho_arquivo),
        crate::clock::sqlite_timestamp(r.criado_ms / 1000),
        r.objetos,
        tamanho(r.bytes_baixados),
        segundos(inicio)
    )
}

/// What `--tenant` did.
pub struct TenantRestaurado {
    pub banco: Restaurado,
    pub troca: Restauracao,
    pub midias: MidiasTrazidas,
}

/// Restores one empresa of a stopped server's data dir from the bucket: the file is checked
/// and swapped exactly like `helixai restore` does (the current one kept aside); the media
/// files its rows use that neither the folder nor the local backups have come from the bucket.
pub fn restaurar_tenant(
    app: &App,
    o: &Origem,
    slug: &str,
    ate_ms: Option<i64>,
    progresso: &(dyn Fn(&str) + Sync),
) -> Result<TenantRestaurado> {
    let e = app.central.empresa_por_slug(slug)?.ok_or(Error::NotFound("empresa"))?;
    let banco = Banco::tenant(&e.database_name);
    let tmp = caminho_temporario(app.tenants.dir(), &banco);
    remove_db_files(&tmp);
    let r = restaurar_banco(o, &banco, ate_ms.unwrap_or(i64::MAX), &tmp)
        .and_then(|r| crate::backup::restaurar(app, &e, &tmp).map(|rest| (r, rest)));
    remove_db_files(&tmp);
    let (r, troca) = r?;
    let usadas = midias_usadas(&app.tenants.path_of(&e.database_name))?;
    let pasta = midia_dir(app.tenants.dir(), &e.database_name);
    let midias = restauro_midias::trazer(o, &banco, &usadas, &pasta, true, None, progresso);
    if midias.baixadas > 0 {
        let db = app.tenant_db(&e)?;
        crate::media::Acervo::de(app, &e, &db).atualizar_uso();
    }
    Ok(TenantRestaurado { banco: r, troca, midias })
}

/// Writes a new file readable only by its owner.
fn escrever_privado(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| Error::io(path, e))?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(|e| Error::io(path, e))
}
