//! `helixai tenant set SLUG ...`: an empresa's WhatsApp channel and LLM settings from the shell.
//!
//! Secrets (token, app secret, LLM key) are read from stdin, one per line, in the order their
//! `*-stdin` flags appear on the command line; they are encrypted with `secret.key` here,
//! before reaching the store, and never printed (only masked).

use std::io::BufRead;

use crate::app::App;
use crate::cli::TenantSetArgs;
use crate::crypto::mask;
use crate::error::{Error, Result};
use crate::store::central::{AlteracaoCanal, NovaAuditoria};

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
    let mut alt = AlteracaoCanal {
        whatsapp_phone_number_id: args
            .whatsapp_phone_number_id
            .as_deref()
            .map(|v| digitos("--whatsapp-phone-number-id", v))
            .transpose()?,
        whatsapp_numero: args.whatsapp_numero.as_deref().map(|v| digitos("--whatsapp-numero", v)).transpose()?,
        ..AlteracaoCanal::default()
    };
    if let Some(url) = &args.llm_base_url {
        let url = url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Error::invalid("url_invalida", "--llm-base-url deve começar com http:// ou https://"));
        }
        alt.llm_base_url = Some(url.to_owned());
    }
    if let Some(m) = &args.llm_modelo {
        if m.trim().is_empty() {
            return Err(Error::invalid("valor_invalido", "--llm-modelo não pode ser vazio"));
        }
        alt.llm_modelo = Some(m.trim().to_owned());
    }
    let mut mascarados = Vec::new();
    for segredo in ordem_dos_segredos(&args) {
        let (nome, destino) = match segredo {
            Segredo::Token => ("o token do WhatsApp", &mut alt.whatsapp_token),
            Segredo::AppSecret => ("o app secret", &mut alt.whatsapp_app_secret),
            Segredo::LlmKey => ("a chave do LLM", &mut alt.openai_api_key),
        };
        let valor = ler_linha(stdin, nome)?;
        mascarados.push(format!("{nome}: {}", mask(&valor)));
        *destino = Some(app.key.encrypt(&valor)?);
    }
    app.central.empresa_alterar_canal(empresa.id, &alt)?;
    let campos: Vec<&str> = [
        ("whatsapp_phone_number_id", alt.whatsapp_phone_number_id.is_some()),
        ("whatsapp_numero", alt.whatsapp_numero.is_some()),
        ("whatsapp_token", alt.whatsapp_token.is_some()),
        ("whatsapp_app_secret", alt.whatsapp_app_secret.is_some()),
        ("llm_base_url", alt.llm_base_url.is_some()),
        ("llm_modelo", alt.llm_modelo.is_some()),
        ("openai_api_key", alt.openai_api_key.is_some()),
    ]
    .into_iter()
    .filter_map(|(c, on)| on.then_some(c))
    .collect();
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
