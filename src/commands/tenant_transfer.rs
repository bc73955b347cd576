//! `helixai tenant export SLUG --out FILE` and `helixai tenant import FILE [--slug NEW]`:
//! moving an empresa to another server.

use std::path::Path;

use crate::app::App;
use crate::backup::transferencia::{exportar, importar};
use crate::error::{Error, Result};

pub(super) fn export(app: &App, slug: &str, out: &Path) -> Result<()> {
    let e = app.central.empresa_por_slug(slug)?.ok_or(Error::NotFound("empresa"))?;
    let x = exportar(app, &e, out)?;
    println!(
        "empresa {} exportada para {} ({} bytes, esquema versão {}); tokens e chaves não vão no arquivo",
        e.slug,
        x.arquivo.display(),
        x.tamanho_bytes,
        x.schema_version
    );
    Ok(())
}

pub(super) fn import(app: &App, file: &Path, slug: Option<&str>) -> Result<()> {
    let e = importar(app, file, slug)?;
    println!(
        "empresa importada: id={} slug={} setor={} banco={}; configure de novo o token do WhatsApp e a chave do LLM",
        e.id,
        e.slug,
        e.setor,
        e.database_name.as_str()
    );
    Ok(())
}
