//! `/api/usuarios`: the empresa's admin manages its own team — list, create (admin or
//! atendente, within the plano's limit), and change name, role, active flag or password.
//! Another empresa's usuario, or a superadmin, is never visible here (404). Every change is
//! audited; passwords never are.

use serde::Deserialize;

use super::campos::presente;
use super::{Pagina, Paginacao};
use crate::auth::{self, password, TenantCtx};
use crate::domain::{Papel, UsuarioId};
use crate::error::{Error, Result};
use crate::http::{Request, Response};
use crate::store::central::{EquipeAlteracao, NovoUsuario};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NovoMembro {
    email: String,
    #[serde(default)]
    nome: String,
    papel: Papel,
    senha: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchMembro {
    #[serde(default)]
    nome: Option<String>,
    #[serde(default)]
    papel: Option<Papel>,
    #[serde(default)]
    ativo: Option<bool>,
    #[serde(default, deserialize_with = "presente")]
    senha: Option<Option<String>>,
}

fn papel_da_empresa(p: Papel) -> Result<Papel> {
    match p {
        Papel::Admin | Papel::Atendente => Ok(p),
        Papel::Superadmin => Err(Error::invalid("papel_invalido", "uma empresa só tem usuários admin ou atendente")),
    }
}

fn nome_valido(nome: &str) -> Result<String> {
    let nome = nome.trim();
    if nome.chars().count() > 100 {
        return Err(Error::invalid("campo_invalido", "nome: até 100 caracteres"));
    }
    Ok(nome.to_owned())
}

fn email_valido(email: &str) -> Result<String> {
    let email = email.trim();
    let ok = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(u, d)| !u.is_empty() && d.contains('.') && !d.starts_with('.'));
    if ok {
        Ok(email.to_owned())
    } else {
        Err(Error::invalid("email_invalido", "e-mail inválido"))
    }
}

/// `GET /api/usuarios?limite=&cursor=` (admin): the empresa's usuarios by id.
pub fn listar(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let pag = Paginacao::from(req)?;
    let itens = ctx.central().equipe_listar(ctx.empresa_id(), pag.limite, pag.cursor.map(UsuarioId))?;
    Ok(Response::ok(&Pagina::de(itens, pag.limite, |u| u.id.0)))
}

/// `POST /api/usuarios` (admin): `{email, nome, papel: admin|atendente, senha}` → 201.
pub fn criar(ctx: &TenantCtx, req: &Request) -> Result<Response> {
    let body: NovoMembro = req.json()?;
    let papel = papel_da_empresa(body.papel)?;
    let email = email_valido(&body.email)?;
    let nome = nome_valido(&body.nome)?;
    password::check_policy(&body.senha)?;
    crate::planos::exigir_cabe_usuario(ctx)?;
    let u = ctx.central().usuario_criar(&NovoUsuario {
        email: email.clone(),
        nome,
        papel,
        empresa_id: Some(ctx.empresa_id()),
        senha_hash: password::hash(&body.senha)?,
    })?;
    ctx.auditar("usuario.criar", Some(format!("usuario {} <{email}>", u.id)), Some(format!("papel={papel}")))?;
    Ok(Response::json(201, &u))
}

/// `PATCH /api/usuarios/{id}` (admin): `{nome?, papel?, ativo?, senha?}`. A new senha is a
/// reset: it revokes every session of that usuario. The last active admin cannot be demoted
/// or deactivated (409 `ultimo_admin`).
pub fn alterar(ctx: &TenantCtx, req: &Request, id: &str) -> Result<Response> {
    let id: UsuarioId = id.parse()?;
    let body: PatchMembro = req.json()?;
    let atual = ctx.central().equipe_usuario(ctx.empresa_id(), id)?.ok_or(Error::NotFound("usuário"))?;
    let alteracao = EquipeAlteracao {
        nome: body.nome.as_deref().map(nome_valido).transpose()?,
        papel: body.papel.map(papel_da_empresa).transpose()?,
        ativo: body.ativo,
    };
    let senha = match body.senha {
        Some(Some(s)) => {
            password::check_policy(&s)?;
            Some(s)
        }
        Some(None) => return Err(Error::invalid("senha_fraca", "senha não pode ser nula")),
        None => None,
    };
    let deixa_de_ser_admin_ativo = atual.papel == Papel::Admin
        && atual.ativo
        && (alteracao.papel == Some(Papel::Atendente) || alteracao.ativo == Some(false));
    if deixa_de_ser_admin_ativo && ctx.central().equipe_admins_ativos(ctx.empresa_id())? <= 1 {
        return Err(Error::conflict("ultimo_admin", "a empresa precisa de pelo menos um admin ativo"));
    }
    if alteracao.ativo == Some(true) && !atual.ativo {
        crate::planos::exigir_cabe_usuario(ctx)?;
    }
    let mut mudou: Vec<String> = Vec::new();
    if let Some(n) = &alteracao.nome {
        mudou.push(format!("nome={n:?}"));
    }
    if let Some(p) = alteracao.papel {
        mudou.push(format!("papel={p}"));
    }
    if let Some(a) = alteracao.ativo {
        mudou.push(format!("ativo={a}"));
    }
    let mut u = atual;
    if !mudou.is_empty() {
        u = ctx.central().equipe_alterar(ctx.empresa_id(), id, &alteracao)?;
    }
    if let Some(s) = senha {
        auth::redefinir_senha(ctx.central(), id, &s)?;
        mudou.push("senha redefinida; sessões revogadas".to_owned());
    }
    if !mudou.is_empty() {
        ctx.auditar("usuario.alterar", Some(format!("usuario {} <{}>", u.id, u.email)), Some(mudou.join(", ")))?;
    }
    Ok(Response::ok(&u))
}
