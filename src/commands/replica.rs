//! `helixai replica config|status|restore|assumir|desligar`: the off-site replica from the
//! shell. Secrets come from stdin, one per line, in the order of their `*-stdin` flags; the
//! replica key is printed once, when `config` creates it.

use std::io::BufRead;
use std::time::Instant;

use crate::app::App;
use crate::cli::{ReplicaCommand, ReplicaConfigArgs, ReplicaDestinoArgs, ReplicaRestoreArgs};
use crate::config::DataDir;
use crate::crypto::Secret;
use crate::error::{Error, Result};
use crate::replica::cifra::{abrir, selar};
use crate::replica::config::{self, ConfigVisivel, PedidoConfig};
use crate::replica::formato::DONO;
use crate::replica::reconstrucao::{restaurar_tenant, restaurar_tudo};
use crate::replica::restauro::{momento, segundos, tamanho, Origem};
use crate::replica::ChaveReplica;
use crate::store::central::NovaAuditoria;

/// The environment variable the replica key may come from (restores).
pub const ENV_CHAVE: &str = "HELIXAI_REPLICA_KEY";

/// Runs a `replica` subcommand. `restore --all` works on an empty data dir, so it does not
/// open one: `abrir` is called only by the others.
pub(super) fn replica(
    data: DataDir,
    cmd: ReplicaCommand,
    abrir_app: impl FnOnce(DataDir) -> Result<std::sync::Arc<App>>,
    stdin: &mut dyn BufRead,
) -> Result<()> {
    match cmd {
        ReplicaCommand::Restore(args) if args.all => restore_all(&data, args, stdin),
        ReplicaCommand::Restore(args) => restore_tenant(&*abrir_app(data)?, args, stdin),
        ReplicaCommand::Config(args) => config(&*abrir_app(data)?, args, stdin),
        ReplicaCommand::Status => status(&*abrir_app(data)?),
        ReplicaCommand::Assumir => assumir(&*abrir_app(data)?),
        ReplicaCommand::Desligar => {
            let app = abrir_app(data)?;
            config::desligar(&app)?;
            auditar(&app, "replica.desligar", None)?;
            println!("réplica externa desligada (o que já está no bucket continua lá)");
            Ok(())
        }
    }
}

/// The secrets the `*-stdin` flags ask for, in command-line order.
#[derive(Debug, Default)]
struct Segredos {
    chave_acesso: Option<String>,
    segredo: Option<String>,
    chave_replica: Option<String>,
}

fn ler_segredos(d: &ReplicaDestinoArgs, replica_key: bool, stdin: &mut dyn BufRead) -> Result<Segredos> {
    let argv: Vec<String> = std::env::args().collect();
    let mut pedidos: Vec<(usize, u8)> = [
        ("--access-key-stdin", d.access_key_stdin, 0u8),
        ("--secret-key-stdin", d.secret_key_stdin, 1),
        ("--replica-key-stdin", replica_key, 2),
    ]
    .into_iter()
    .filter(|(_, on, _)| *on)
    .map(|(flag, _, qual)| (argv.iter().position(|a| a == flag).unwrap_or(usize::MAX), qual))
    .collect();
    pedidos.sort_by_key(|(pos, qual)| (*pos, *qual));
    let mut s = Segredos::default();
    for (_, qual) in pedidos {
        let nome = ["a chave de acesso", "o segredo", "a chave da réplica"][qual as usize];
        let mut linha = String::new();
        stdin.read_line(&mut linha).map_err(|e| {
            Error::invalid("stdin_ilegivel", format!("não foi possível ler {nome} da entrada padrão: {e}"))
        })?;
        let v = linha.trim().to_owned();
        if v.is_empty() {
            return Err(Error::invalid("segredo_vazio", format!("{nome} vazio(a) na entrada padrão (um por linha)")));
        }
        match qual {
            0 => s.chave_acesso = Some(v),
            1 => s.segredo = Some(v),
            _ => s.chave_replica = Some(v),
        }
    }
    Ok(s)
}

fn auditar(app: &App, acao: &str, detalhes: Option<String>) -> Result<()> {
    app.central.auditar(&NovaAuditoria {
        usuario_id: None,
        empresa_id: None,
        acao: acao.into(),
        alvo: Some("replica".into()),
        detalhes: Some(detalhes.unwrap_or_else(|| "pela linha de comando".into())),
        ip: None,
    })
}

fn imprimir_config(c: &ConfigVisivel) {
    println!("Endpoint:        {}", c.endpoint);
    println!("Bucket:          {}", c.bucket);
    println!("Região:          {}", c.regiao);
    println!("Prefixo:         {}", if c.prefixo.is_empty() { "(raiz do bucket)" } else { &c.prefixo });
    println!("Retenção:        {} dia(s)", c.retencao_dias);
    println!("Chave de acesso: {}", c.chave_acesso);
    println!("Segredo:         {}", c.segredo);
}

/// `replica config`.
fn config(app: &App, args: ReplicaConfigArgs, stdin: &mut dyn BufRead) -> Result<()> {
    let d = &args.destino;
    let (Some(endpoint), Some(bucket)) = (d.endpoint.clone(), d.bucket.clone()) else {
        return Err(Error::invalid("destino_ausente", "informe --endpoint e --bucket"));
    };
    let s = ler_segredos(d, false, stdin)?;
    let pedido = PedidoConfig {
        endpoint,
        bucket,
        regiao: d.region.clone(),
        prefixo: d.prefix.clone(),
        retencao_dias: args.retention_days,
        chave_acesso: s.chave_acesso,
        segredo: s.segredo,
    };
    let feito = config::configurar(app, &pedido)?;
    auditar(app, "replica.configurar", Some(format!("destino={}", feito.config.destino.descricao())))?;
    println!("Réplica externa configurada: {}", feito.config.destino.descricao());
    imprimir_config(&ConfigVisivel::from(&feito.config));
    if let Some(chave) = &feito.chave_nova {
        println!();
        println!("CHAVE DA RÉPLICA (aparece só agora; guarde-a como o secret.key, fora deste servidor):");
        println!();
        println!("    {}", chave.texto());
        println!();
        println!(
            "Sem ela o conteúdo do bucket é ilegível: é ela que `helixai replica restore` pede numa máquina nova."
        );
        println!("Ela fica também em {} (modo 0600) e nunca é enviada ao bucket.", app.data.replica_key().display());
    } else {
        println!("Chave da réplica: a já existente em {}", app.data.replica_key().display());
    }
    if feito.outra_instalacao {
        println!(
            "Atenção: outra instalação envia para este destino; esta não enviará até `helixai replica assumir` \
             (use só se esta máquina substitui aquela)."
        );
    }
    println!("O servidor em execução começa a enviar em instantes (intervalo: --replica-interval, padrão 60 s).");
    Ok(())
}

/// `replica status`.
fn status(app: &App) -> Result<()> {
    let Some(cfg) = config::carregar(app)? else {
        println!("Réplica externa: desligada (configure com `helixai replica config`)");
        return Ok(());
    };
    println!("Réplica externa: {}", cfg.destino.descricao());
    imprimir_config(&ConfigVisivel::from(&cfg));
    let estado = app.replica.estado()?;
    let (n, ultimo) = estado.totais()?;
    let quando = ultimo.map_or_else(|| "nunca".into(), |m| format!("{} UTC", crate::clock::sqlite_timestamp(m / 1000)));
    println!("Bancos com cópia: {n}; último envio registrado: {quando}");
    let (arquivos, bytes) = estado.midias_totais()?;
    println!("Mídias com cópia: {arquivos} arquivo(s), {}", tamanho(bytes));
    let Some(chave) = ChaveReplica::carregar(&app.data.replica_key())? else {
        return Err(Error::invalid("sem_chave_replica", "falta replica.key neste diretório de dados"));
    };
    let cliente = cfg.cliente(app.replica.requisicoes())?;
    let origem = Origem::abrir(cliente, chave)?;
    let escritor = app.replica.escritor()?;
    let dono = match origem.cliente.get(DONO).map_err(|e| e.erro(origem.cliente.destino()))? {
        Some(b) if abrir(&origem.chave, DONO, &b).is_ok_and(|d| d == escritor.as_bytes()) => "esta instalação",
        Some(_) => "OUTRA instalação (esta não envia; `helixai replica assumir` se ela substitui aquela)",
        None => "ninguém ainda",
    };
    println!("Bucket: responde, a chave da réplica confere; dono: {dono}");
    println!("O atraso do servidor em execução aparece em Revenda → Backups, /healthz e /metrics.");
    Ok(())
}

/// `replica assumir`.
fn assumir(app: &App) -> Result<()> {
    let cfg = config::carregar(app)?.ok_or_else(|| {
        Error::invalid("replica_desligada", "a réplica não está configurada neste diretório de dados")
    })?;
    let chave = ChaveReplica::carregar(&app.data.replica_key())?
        .ok_or_else(|| Error::invalid("sem_chave_replica", "falta replica.key neste diretório de dados"))?;
    let origem = Origem::abrir(cfg.cliente(app.replica.requisicoes())?, chave)?;
    let escritor = app.replica.escritor()?;
    origem
        .cliente
        .put(DONO, &selar(&origem.chave, DONO, escritor.as_bytes())?)
        .map_err(|e| e.erro(origem.cliente.destino()))?;
    auditar(app, "replica.assumir", None)?;
    println!(
        "Esta instalação agora é a dona da réplica em {}; o servidor envia a partir do próximo minuto.",
        cfg.destino.descricao()
    );
    Ok(())
}

/// The bucket and key of a restore: flags (a new machine) or this data dir's configuration.
fn origem(app: Option<&App>, args: &ReplicaRestoreArgs, stdin: &mut dyn BufRead) -> Result<Origem> {
    let d = &args.destino;
    let s = ler_segredos(d, args.replica_key_stdin, stdin)?;
    let local = match app {
        Some(app) => config::carregar(app)?,
        None => None,
    };
    let cfg = match (&d.endpoint, &d.bucket) {
        (Some(endpoint), Some(bucket)) => {
            let pedido = PedidoConfig {
                endpoint: endpoint.clone(),
                bucket: bucket.clone(),
                regiao: d.region.clone(),
                prefixo: d.prefix.clone(),
                ..PedidoConfig::default()
            };
            let destino = config::validar_destino(&pedido)?;
            let ausente = |n: &str| {
                Error::invalid("credenciais_ausentes", format!("informe {n} (--access-key-stdin/--secret-key-stdin)"))
            };
            config::ConfigReplica {
                destino,
                chave_acesso: Secret::new(s.chave_acesso.clone().ok_or_else(|| ausente("a chave de acesso"))?),
                segredo: Secret::new(s.segredo.clone().ok_or_else(|| ausente("o segredo"))?),
                retencao_dias: config::RETENCAO_PADRAO,
            }
        }
        (None, None) => local.ok_or_else(|| {
            Error::invalid(
                "destino_ausente",
                "informe --endpoint, --bucket e as chaves (este diretório de dados não tem réplica configurada)",
            )
        })?,
        _ => return Err(Error::invalid("destino_ausente", "informe --endpoint e --bucket juntos")),
    };
    let chave = match s.chave_replica.or_else(|| std::env::var(ENV_CHAVE).ok().filter(|k| !k.trim().is_empty())) {
        Some(t) => ChaveReplica::de_texto(&t)?,
        None => match app {
            Some(app) => ChaveReplica::carregar(&app.data.replica_key())?,
            None => None,
        }
        .ok_or_else(|| {
            Error::invalid(
                "sem_chave_replica",
                "informe a chave da réplica (--replica-key-stdin ou HELIXAI_REPLICA_KEY)",
            )
        })?,
    };
    Origem::abrir(cfg.cliente(Default::default())?, chave)
}

/// `replica restore --all`.
fn restore_all(data: &DataDir, args: ReplicaRestoreArgs, stdin: &mut dyn BufRead) -> Result<()> {
    let ate = args.at.as_deref().map(momento).transpose()?;
    let o = origem(None, &args, stdin)?;
    let inicio = Instant::now();
    eprintln!("restaurando de {} para {}", o.cliente.destino().descricao(), data.root().display());
    let progresso = |l: &str| eprintln!("{l}");
    let rel = restaurar_tudo(&o, data, ate, args.assumir, &progresso)?;
    let ausentes: usize = rel.midias_faltando.iter().map(|(_, f)| f.len()).sum();
    println!(
        "restauração concluída: {} banco(s), {} e {} arquivo(s) de mídia ({}) em {}; {} falha(s){}",
        rel.bancos,
        tamanho(rel.bytes),
        rel.midias,
        tamanho(rel.midias_bytes),
        segundos(inicio),
        rel.falhas.len(),
        if ausentes > 0 { format!("; {ausentes} mídia(s) ausente(s)") } else { String::new() }
    );
    for (slug, faltando) in &rel.midias_faltando {
        avisar_midias_ausentes(slug, faltando);
    }
    if !rel.falhas.is_empty() {
        return Err(Error::Unavailable(format!(
            "{} empresa(s) não foram restauradas: {}",
            rel.falhas.len(),
            rel.falhas.iter().map(|(s, e)| format!("{s} ({e})")).collect::<Vec<_>>().join("; ")
        )));
    }
    println!("próximo passo: helixai serve --data-dir {}", data.root().display());
    if !args.assumir {
        println!(
            "a réplica continua em nome da instalação de origem; se esta máquina a substitui, rode \
             `helixai replica assumir --data-dir {}` para voltar a enviar",
            data.root().display()
        );
    }
    Ok(())
}

/// `replica restore --tenant SLUG`.
fn restore_tenant(app: &App, args: ReplicaRestoreArgs, stdin: &mut dyn BufRead) -> Result<()> {
    let slug = args.tenant.clone().ok_or_else(|| Error::invalid("alvo_ausente", "use --all ou --tenant SLUG"))?;
    if crate::server::servidor_rodando(&app.data)? {
        return Err(Error::conflict(
            "servidor_em_execucao",
            "o servidor HelixAI está rodando neste diretório de dados; pare-o (ex.: systemctl stop helixai) e tente de novo",
        ));
    }
    let ate = args.at.as_deref().map(momento).transpose()?;
    let o = origem(Some(app), &args, stdin)?;
    let inicio = Instant::now();
    let progresso = |l: &str| eprintln!("{l}");
    let feito = restaurar_tenant(app, &o, &slug, ate, &progresso)?;
    let (r, rest, m) = (&feito.banco, &feito.troca, &feito.midias);
    auditar(
        app,
        "replica.restaurar",
        Some(format!("{slug} de {} UTC", crate::clock::sqlite_timestamp(r.criado_ms / 1000))),
    )?;
    println!(
        "empresa {slug} restaurada da réplica: estado de {} UTC, {} ({} objeto(s)) em {}",
        crate::clock::sqlite_timestamp(r.criado_ms / 1000),
        tamanho(r.tamanho_arquivo),
        r.objetos,
        segundos(inicio)
    );
    if let Some(p) = &rest.copia_anterior {
        println!("o banco anterior foi guardado em {}", p.display());
    }
    if m.usadas > 0 {
        println!(
            "mídias: {} usada(s) pelos dados restaurados; {} já estava(m) aqui, {} baixada(s) da réplica ({})",
            m.usadas,
            m.ja_estavam,
            m.baixadas,
            tamanho(m.bytes)
        );
    }
    avisar_midias_ausentes(&slug, &m.faltando);
    Ok(())
}

/// The media files an empresa's restored rows use that did not come back, one per line
/// (stderr): the rows are restored; the panel shows these as missing.
fn avisar_midias_ausentes(slug: &str, faltando: &[crate::replica::restauro_midias::Faltando]) {
    if faltando.is_empty() {
        return;
    }
    eprintln!(
        "ATENÇÃO: {slug}: {} arquivo(s) de mídia usado(s) pelos dados restaurados não vieram da réplica; as \
         conversas e o catálogo foram restaurados, e o painel mostra essas mídias como ausentes:",
        faltando.len()
    );
    for f in faltando {
        eprintln!("  {} — {}: {}", f.sha256, f.uso, f.motivo);
    }
}
