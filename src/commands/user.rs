//! `helixai user create|passwd`: passwords are read from stdin, hashed with argon2id.

use std::io::{BufRead, Write};

use crate::app::App;
use crate::auth::password;
use crate::cli::UserCommand;
use crate::domain::Papel;
use crate::error::{Error, Result};
use crate::store::central::NovoUsuario;

/// Reads one line from stdin (a password), without the newline.
pub(crate) fn read_secret_line(prompt: &str) -> Result<String> {
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| Error::io("<stdin>", e))?;
    let s = line.trim_end_matches(['\n', '\r']).to_owned();
    if s.is_empty() {
        return Err(Error::invalid("senha_vazia", "nenhuma senha recebida na entrada padrão"));
    }
    Ok(s)
}

pub(super) fn user(app: &App, cmd: UserCommand) -> Result<()> {
    match cmd {
        UserCommand::Create { email, papel, empresa, nome } => {
            let papel: Papel = papel.parse()?;
            validate_email(&email)?;
            let empresa_id = match (&papel, empresa) {
                (Papel::Superadmin, None) => None,
                (Papel::Superadmin, Some(_)) => {
                    return Err(Error::invalid("empresa_indevida", "superadmin não pertence a uma empresa"))
                }
                (_, Some(slug)) => Some(app.central.empresa_por_slug(&slug)?.ok_or(Error::NotFound("empresa"))?.id),
                (_, None) => {
                    return Err(Error::invalid(
                        "empresa_obrigatoria",
                        "--empresa SLUG é obrigatório para admin e atendente",
                    ))
                }
            };
            let senha = read_secret_line("Senha: ")?;
            password::check_policy(&senha)?;
            let u = app.central.usuario_criar(&NovoUsuario {
                email,
                nome,
                papel,
                empresa_id,
                senha_hash: password::hash(&senha)?,
            })?;
            println!("usuário criado: id={} email={} papel={}", u.id, u.email, u.papel);
            Ok(())
        }
        UserCommand::Passwd { email } => {
            let u = app.central.usuario_por_email(&email)?.ok_or(Error::NotFound("usuário"))?;
            let senha = read_secret_line("Nova senha: ")?;
            password::check_policy(&senha)?;
            crate::auth::trocar_senha(app, u.id, &senha)?;
            println!("senha alterada para {}", u.email);
            Ok(())
        }
    }
}

/// A light e-mail check: one `@`, something on each side, no spaces.
pub fn validate_email(email: &str) -> Result<()> {
    let ok = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(a, b)| !a.is_empty() && !b.is_empty() && !b.contains('@'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid("email_invalido", format!("e-mail inválido: {email:?}")))
    }
}
