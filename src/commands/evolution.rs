//! `helixai evolution config` (the appliance's Evolution API server) and `helixai tenant
//! connect|disconnect SLUG` (an empresa's number paired by QR code, from the shell: the QR is
//! printed as text with the pairing code, and refreshed until the phone is paired).

use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

use crate::app::App;
use crate::cli::{EvolutionConfigArgs, TenantConnectArgs};
use crate::conexao::{self, EstadoConexao};
use crate::crypto::mask;
use crate::error::{Error, Result};
use crate::store::central::ajustes::{EVOLUTION_CHAVE, EVOLUTION_URL, URL_PUBLICA};
use crate::store::central::evolution::{CONECTADO, RECUSADO};
use crate::store::central::{Empresa, NovaAuditoria};

/// The environment variable the global key may come from.
pub const ENV_CHAVE: &str = "HELIXAI_EVOLUTION_API_KEY";

/// Stores what was given (flags, env, stdin) and prints the resulting configuration.
pub(super) fn config(app: &App, args: EvolutionConfigArgs, stdin: &mut dyn BufRead) -> Result<()> {
    let chave = if args.key_stdin {
        let mut linha = String::new();
        stdin.read_line(&mut linha).map_err(|e| {
            Error::invalid("stdin_ilegivel", format!("não foi possível ler a chave da entrada padrão: {e}"))
        })?;
        Some(linha.trim().to_owned())
    } else {
        std::env::var(ENV_CHAVE).ok().filter(|c| !c.trim().is_empty())
    };
    let mudou = args.url.is_some() || args.public_url.is_some() || chave.is_some();
    conexao::configurar(app, args.url.as_deref(), chave.as_deref(), args.public_url.as_deref())?;
    if mudou {
        app.central.auditar(&NovaAuditoria {
            usuario_id: None,
            empresa_id: None,
            acao: "evolution.configurar".into(),
            alvo: Some("evolution".into()),
            detalhes: Some("pela linha de comando".into()),
            ip: None,
        })?;
    }
    let chave = match app.central.ajuste_cifrado(EVOLUTION_CHAVE)? {
        Some(c) => mask(app.key.decrypt(&c)?.expose()),
        None => "(não definida)".into(),
    };
    println!("URL do Evolution: {}", app.central.ajuste(EVOLUTION_URL)?.unwrap_or_else(|| "(não definida)".into()));
    println!("Chave global:     {chave}");
    println!(
        "URL pública:      {}",
        app.central.ajuste(URL_PUBLICA)?.unwrap_or_else(|| "(não definida; usa o endereço do --bind)".into())
    );
    Ok(())
}

fn empresa(app: &App, slug: &str) -> Result<Empresa> {
    app.central.empresa_por_slug(slug)?.ok_or(Error::NotFound("empresa"))
}

fn auditar(app: &App, empresa: &Empresa, acao: &str, instancia: Option<String>) -> Result<()> {
    app.central.auditar(&NovaAuditoria {
        usuario_id: None,
        empresa_id: Some(empresa.id),
        acao: acao.into(),
        alvo: instancia,
        detalhes: Some("pela linha de comando".into()),
        ip: None,
    })
}

/// Prints the QR (as text) and the pairing code, if any.
fn mostrar(out: &mut dyn Write, e: &EstadoConexao) -> Result<()> {
    let io = |err: std::io::Error| Error::Internal(format!("escrever na saída: {err}"));
    if let Some(qr) = e.qr_code.as_deref().and_then(crate::evolution::qr::texto) {
        writeln!(out, "{qr}").map_err(io)?;
        writeln!(out, "Abra o WhatsApp no celular → Aparelhos conectados → Conectar um aparelho, e leia o QR Code.")
            .map_err(io)?;
    }
    if let Some(code) = &e.pairing_code {
        writeln!(
            out,
            "Código de pareamento: {code} (WhatsApp → Aparelhos conectados → Conectar com número de telefone)"
        )
        .map_err(io)?;
    }
    if e.qr_code.is_none() && e.pairing_code.is_none() && e.estado != CONECTADO {
        writeln!(out, "Aguardando o QR Code do Evolution…").map_err(io)?;
    }
    Ok(())
}

/// `helixai tenant connect SLUG`.
pub(super) fn connect(app: &App, args: TenantConnectArgs, out: &mut dyn Write) -> Result<()> {
    let empresa = empresa(app, &args.slug)?;
    let mut estado = conexao::conectar(app, &empresa, args.numero.as_deref())?;
    auditar(app, &empresa, "whatsapp.conectar", estado.instancia.clone())?;
    let io = |err: std::io::Error| Error::Internal(format!("escrever na saída: {err}"));
    writeln!(out, "Instância {} — {}", estado.instancia.as_deref().unwrap_or("?"), estado.estado).map_err(io)?;
    mostrar(out, &estado)?;
    if args.sem_esperar {
        return Ok(());
    }
    let fim = Instant::now() + Duration::from_secs(args.timeout);
    let mut ultimo = (estado.qr_code.clone(), estado.pairing_code.clone());
    while estado.estado != CONECTADO {
        if estado.estado == RECUSADO {
            return Err(Error::conflict(
                "conexao_recusada",
                format!("a conexão foi recusada: {}", estado.motivo.as_deref().unwrap_or("sem motivo informado")),
            ));
        }
        if Instant::now() >= fim {
            return Err(Error::conflict(
                "qr_nao_lido",
                "tempo esgotado esperando a leitura do QR Code; rode o comando de novo",
            ));
        }
        std::thread::sleep(Duration::from_secs(args.intervalo.max(1)));
        estado = conexao::atualizar(app, &empresa)?;
        let agora = (estado.qr_code.clone(), estado.pairing_code.clone());
        if agora != ultimo && estado.estado != CONECTADO {
            writeln!(out, "QR Code novo:").map_err(io)?;
            mostrar(out, &estado)?;
            ultimo = agora;
        }
    }
    writeln!(
        out,
        "Conectado: {}{}",
        estado.numero.as_deref().unwrap_or("número não informado"),
        estado.nome_perfil.as_deref().map(|n| format!(" ({n})")).unwrap_or_default()
    )
    .map_err(io)?;
    Ok(())
}

/// `helixai tenant disconnect SLUG [--excluir]`.
pub(super) fn disconnect(app: &App, slug: &str, excluir: bool) -> Result<()> {
    let empresa = empresa(app, slug)?;
    let estado = if excluir { conexao::excluir(app, &empresa)? } else { conexao::desconectar(app, &empresa)? };
    let acao = if excluir { "whatsapp.excluir_instancia" } else { "whatsapp.desconectar" };
    auditar(app, &empresa, acao, estado.instancia.clone())?;
    println!("{}: {}", empresa.slug, if excluir { "instância excluída" } else { "desconectado" });
    Ok(())
}
