//! `helixai tenant set SLUG ...`: an empresa's WhatsApp channel and LLM settings from the shell.
//!
//! Secrets (token, app secret, LLM key) are read from stdin, one per line, in the order their
//! `*-stdin` flags appear on the command line; they are encrypted with `secret.key` here,
//! before reaching the store, and never printed (only masked).

use std::io::BufRead;

use crate::app::App;
use crate::cli::TenantSetArgs;
use crate::crypto::mask;
use crate::domain::Canal;
use crate::error::{Error, Result};
use crate::store::central::{BotAlteracao, NovaAuditoria, WhatsappAlteracao};

/// Which secret a `*-stdin` flag asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segredo {
    Token,
    AppSecret,
    LlmKey,
}

/// The `*-stdin` flags in command-line order (clap keeps no order for booleans).
fn ordem_dos_segredos(args: &TenantSetArgs) -> Vec<Segredo> {
    let mut pedidos: Vec<(usize, Segredo)> = Vec::new();
    let argv: Vec<String> = std::env::args().collect();
    for (flag, on, which) in [
        ("--whatsapp-token-stdin", args.whatsapp_token_stdin, Segredo::Token),
        ("--app-secret-stdin", args.app_secret_stdin, Segredo::AppSecret),
        ("--llm-key-stdin", args.llm_key_stdin, Segredo::LlmKey),
    ] {
        if on {
            let pos = argv.iter().position(|a| a == flag).unwrap_or(usize::MAX);
            pedidos.push((pos, which));
        }
    }
    pedidos.sort_by_key(|(pos, _)| *pos);
    pedidos.into_iter().map(|(_, s)| s).collect()
}

fn ler_linha(stdin: &mut dyn BufRead, nome: &str) -> Result<String> {
    let mut linha = String::new();
    stdin
        .read_line(&mut linha)
        .map_err(|e| Error::invalid("stdin_ilegivel", format!("não foi possível ler {nome} da entrada padrão: {e}")))?;
    let valor = linha.trim_end_matches(['\r', '\n']).trim().to_owned();
    if valor.is_empty() {
        return Err(Error::invalid("segredo_vazio", format!("{nome} vazio na entrada padrão (um por linha)")));
    }
    Ok(valor)
}

fn digitos(campo: &str, v: &str) -> Result<String> {
    let v = v.trim().trim_start_matches('+');
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) || v.len() > 32 {
        return Err(Error::invalid("valor_invalido", format!("{campo} deve ter só dígitos (até 32)")));
    }
    Ok(v.to_owned())
}

pub(super) fn tenant_set(app: &App, args: TenantSetArgs, stdin: &mut dyn BufRead) -> Result<()> {
    let empresa = app.central.empresa_por_slug(&args.slug)?.ok_or(Error::NotFound("empresa"))?;
    let mut wa = WhatsappAlteracao {
        phone_number_id: args
            .whatsapp_phone_number_id
            .as_deref()
            .map(|v| digitos("--whatsapp-phone-number-id", v))
            .transpose()?
            .map(Some),
        numero: args.whatsapp_numero.as_deref().map(|v| digitos("--whatsapp-numero", v)).transpose()?.map(Some),
        ..WhatsappAlteracao::default()
    };
    let mut bot = BotAlteracao::default();
    if let Some(url) = &args.llm_base_url {
        let url = url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Error::invalid("url_invalida", "--llm-base-url deve começar com http:// ou https://"));
        }
        bot.llm_base_url = Some(Some(url.to_owned()));
    }
    if let Some(m) = &args.llm_modelo {
        if m.trim().is_empty() {
            return Err(Error::invalid("valor_invalido", "--llm-modelo não pode ser vazio"));
        }
        bot.llm_modelo = Some(Some(m.trim().to_owned()));
    }
    let mut mascarados = Vec::new();
    for segredo in ordem_dos_segredos(&args) {
        let (nome, destino) = match segredo {
            Segredo::Token => ("o token do WhatsApp", &mut wa.token_cifrado),
            Segredo::AppSecret => ("o app secret", &mut wa.app_secret_cifrado),
            Segredo::LlmKey => ("a chave do LLM", &mut bot.llm_api_key_cifrada),
        };
        let valor = ler_linha(stdin, nome)?;
        mascarados.push(format!("{nome}: {}", mask(&valor)));
        *destino = Some(Some(app.key.encrypt(&valor)?));
    }
    let canal = args.canal.as_deref().map(|c| c.trim().parse::<Canal>()).transpose()?;
    let campos: Vec<&str> = [
        ("whatsapp_canal", canal.is_some()),
        ("whatsapp_phone_number_id", wa.phone_number_id.is_some()),
        ("whatsapp_numero", wa.numero.is_some()),
        ("whatsapp_token", wa.token_cifrado.is_some()),
        ("whatsapp_app_secret", wa.app_secret_cifrado.is_some()),
        ("llm_base_url", bot.llm_base_url.is_some()),
        ("llm_modelo", bot.llm_modelo.is_some()),
        ("openai_api_key", bot.llm_api_key_cifrada.is_some()),
    ]
    .into_iter()
    .filter_map(|(c, on)| on.then_some(c))
    .collect();
    if campos.iter().any(|c| c.starts_with("whatsapp") && *c != "whatsapp_canal") {
        app.central.empresa_definir_whatsapp(empresa.id, &wa)?;
    }
    if let Some(canal) = canal {
        app.central.empresa_definir_canal(empresa.id, canal)?;
    }
    if campos.iter().any(|c| !c.starts_with("whatsapp")) {
        app.central.empresa_definir_bot(empresa.id, &bot)?;
    }
    app.central.auditar(&NovaAuditoria {
        usuario_id: None,
        empresa_id: Some(empresa.id),
        acao: "cli.empresa_canal_alterado".to_owned(),
        alvo: Some(empresa.slug.clone()),
        detalhes: Some(campos.join(",")),
        ip: None,
    })?;
    println!("empresa {} atualizada", empresa.slug);
    for m in mascarados {
        println!("  {m}");
    }
    Ok(())
}
