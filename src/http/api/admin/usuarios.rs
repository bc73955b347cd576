//! `/api/admin/usuarios`: every usuario of every empresa. A superadmin creates any role
//! (admin/atendente need an `empresa_id`, superadmin has none) and changes nome, papel,
//! empresa, ativo and senha. Deactivation, a password reset and a change of papel or
//! empresa end the usuario's sessions. The last active superadmin cannot be demoted or
//! deactivated. Plan limits on usuarios bind the empresa's own admins, not the reseller.

use std::sync::Arc;

use serde::Deserialize;

use super::{auditar, query_bool, query_texto, query_valor, talvez};
use crate::app::App;
use crate::auth::{self, password, Principal};
use crate::commands::validate_email;
use crate::domain::{EmpresaId, Papel, UsuarioId};
use crate::error::{Error, Result};
use crate::http::api::{Pagina, Paginacao};
use crate::http::{Request, Response};
use crate::store::central::{FiltroUsuarios, NovoUsuario, Usuario};

/// `GET /api/admin/usuarios?empresa_id=&papel=&ativo=&q=&limite=&cursor=` (ascending id).
pub fn listar(app: &Arc<App>, req: &Request, _p: &Principal) -> Result<Response> {
    let pag = Paginacao::from(req)?;
    let f = FiltroUsuarios {
        empresa_id: query_valor(req, "empresa_id")?,
        papel: query_valor(req, "papel")?,
        ativo: query_bool(req, "ativo")?,
        q: query_texto(req, "q"),
        depois_de: pag.cursor,
        limite: pag.limite,
    };
    let itens = app.central.usuarios_listar(&f)?;
    Ok(Response::ok(&Pagina::de(itens, pag.limite, |u| u.id.0)))
}

fn nome_valido(nome: &str) -> Result<String> {
    let nome = nome.trim();
    if nome.chars().count() > 200 {
        return Err(Error::invalid("nome_invalido", "o nome pode ter até 200 caracteres"));
    }
    Ok(nome.to_owned())
}

fn exigir_empresa(app: &App, id: Option<EmpresaId>) -> Result<()> {
    match id {
        Some(e) if app.central.empresa(e)?.is_none() => {
            Err(Error::invalid("empresa_invalida", format!("a empresa {e} não existe")))
        }
        _ => Ok(()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NovoUsuarioApi {
    email: String,
    #[serde(default)]
    nome: String,
    papel: Papel,
    senha: String,
    #[serde(default)]
    empresa_id: Option<EmpresaId>,
}

/// `POST /api/admin/usuarios` `{email, nome?, papel, senha, empresa_id?}` → 201 `Usuario`.
pub fn criar(app: &Arc<App>, req: &Request, p: &Principal) -> Result<Response> {
    let body: NovoUsuarioApi = req.json()?;
    let email = body.email.trim().to_owned();
    validate_email(&email)?;
    password::check_policy(&body.senha)?;
    exigir_empresa(app, body.empresa_id)?;
    let u = app.central.usuario_criar(&NovoUsuario {
        email,
        nome: nome_valido(&body.nome)?,
        papel: body.papel,
        empresa_id: body.empresa_id,
        senha_hash: password::hash(&body.senha)?,
    })?;
    auditar(app, p, u.empresa_id, "usuario.criar", u.email.clone(), Some(format!("papel {}", u.papel)))?;
    Ok(Response::json(201, &u).for_empresa_opt(u.empresa_id))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlteraUsuarioApi {
    #[serde(default)]
    nome: Option<String>,
    #[serde(default)]
    papel: Option<Papel>,
    #[serde(default, deserialize_with = "talvez")]
    empresa_id: Option<Option<EmpresaId>>,
    #[serde(default)]
    ativo: Option<bool>,
    #[serde(default)]
    senha: Option<String>,
}

/// `PATCH /api/admin/usuarios/{id}` `{nome?, papel?, empresa_id?, ativo?, senha?}` →
/// `Usuario`. Promoting to superadmin drops the empresa; demoting needs an `empresa_id`.
pub fn atualizar(app: &Arc<App>, req: &Request, p: &Principal, id: &str) -> Result<Response> {
    let id: UsuarioId = id.parse()?;
    let body: AlteraUsuarioApi = req.json()?;
    let atual = app.central.usuario(id)?.ok_or(Error::NotFound("usuário"))?;
    if let Some(s) = &body.senha {
        password::check_policy(s)?;
    }
    let papel = body.papel.unwrap_or(atual.papel);
    let empresa_id = match body.empresa_id {
        Some(e) => e,
        None if papel == Papel::Superadmin => None,
        None => atual.empresa_id,
    };
    exigir_empresa(app, empresa_id)?;
    let deixa_de_ser_superadmin_ativo =
        atual.papel == Papel::Superadmin && atual.ativo && (papel != Papel::Superadmin || body.ativo == Some(false));
    if deixa_de_ser_superadmin_ativo && app.central.superadmins_ativos_total()? <= 1 {
        return Err(Error::conflict(
            "ultimo_superadmin",
            "este é o último superadmin ativo; crie outro antes de rebaixá-lo ou desativá-lo",
        ));
    }
    let mut mudancas = Vec::new();
    let identidade_mudou = papel != atual.papel || empresa_id != atual.empresa_id;
    if body.nome.is_some() || identidade_mudou {
        let nome = match &body.nome {
            Some(n) => nome_valido(n)?,
            None => atual.nome.clone(),
        };
        app.central.usuario_atualizar(id, &nome, papel, empresa_id)?;
        if body.nome.is_some() {
            mudancas.push("nome".to_owned());
        }
        if papel != atual.papel {
            mudancas.push(format!("papel {}→{}", atual.papel, papel));
        }
        if empresa_id != atual.empresa_id {
            let e = |v: Option<EmpresaId>| v.map(|x| x.to_string()).unwrap_or_else(|| "nenhuma".into());
            mudancas.push(format!("empresa {}→{}", e(atual.empresa_id), e(empresa_id)));
        }
        if identidade_mudou {
            app.central.sessoes_revogar_usuario(id, None)?;
        }
    }
    if let Some(ativo) = body.ativo {
        app.central.usuario_definir_ativo(id, ativo)?;
        mudancas.push(format!("ativo {ativo}"));
    }
    if let Some(s) = &body.senha {
        auth::trocar_senha(app, id, s)?;
        mudancas.push("senha redefinida".to_owned());
    }
    let u: Usuario = app.central.usuario(id)?.ok_or(Error::NotFound("usuário"))?;
    // Audited under the empresa it belonged to and, if it moved, the new one too.
    let detalhes = Some(mudancas.join(", "));
    auditar(app, p, atual.empresa_id.or(u.empresa_id), "usuario.atualizar", u.email.clone(), detalhes.clone())?;
    if atual.empresa_id.is_some() && u.empresa_id.is_some() && atual.empresa_id != u.empresa_id {
        auditar(app, p, u.empresa_id, "usuario.atualizar", u.email.clone(), detalhes)?;
    }
    Ok(Response::ok(&u).for_empresa_opt(u.empresa_id))
}
