//! The photo of the catalog item a bot reply presents: when the reply names exactly one of
//! the items its tools returned (every word of the item's name, accents and case aside) and
//! that item has a photo, the photo goes out right after the text (same send path, autor
//! `bot`, caption = the item's name). Not twice in one conversa; not in the simulator.
//!
//! The bot module itself is untouched: what the tools returned is recorded by the tool
//! adapter (`ferramentas`), and the reply is plain text.

use crate::app::App;
use crate::catalogo::normalizar;
use crate::clock::unix_now_ms;
use crate::domain::{ConversaId, ItemId};
use crate::error::Result;
use crate::media::anexo::texto_com_legenda;
use crate::store::central::Empresa;
use crate::store::tenant::midias::ArquivoGuardado;
use crate::store::tenant::TenantDb;

/// The words of a name that must all appear: letters/digits runs of 2+ characters.
fn palavras(texto: &str) -> Vec<String> {
    normalizar(texto)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|p| p.chars().count() >= 2)
        .map(str::to_owned)
        .collect()
}

/// The one item of `vistos` the reply `texto` presents, if exactly one is named in it.
pub fn item_apresentado(texto: &str, vistos: &[(ItemId, String)]) -> Option<(ItemId, String)> {
    let no_texto: std::collections::HashSet<String> = palavras(texto).into_iter().collect();
    let mut nomeados = vistos.iter().filter(|(_, nome)| {
        let p = palavras(nome);
        !p.is_empty() && p.iter().all(|w| no_texto.contains(w))
    });
    let primeiro = nomeados.next()?;
    nomeados.next().is_none().then(|| primeiro.clone())
}

/// Queues the first photo of `item` in `conversa`, unless the conversa already got it.
/// Returns whether a send was queued.
pub fn enfileirar(
    app: &App,
    empresa: &Empresa,
    db: &TenantDb,
    conversa: ConversaId,
    item: ItemId,
    nome_item: &str,
) -> Result<bool> {
    let Some(foto) = db.catalogo_fotos(item)?.into_iter().find(|f| f.sha256.is_some() && f.mime.is_some()) else {
        return Ok(false);
    };
    let (Some(sha), Some(mime), Some(tamanho)) = (foto.sha256, foto.mime, foto.tamanho) else { return Ok(false) };
    if db.midia_sha_na_conversa(conversa, &sha)? {
        return Ok(false);
    }
    let texto = texto_com_legenda("image", foto.nome_arquivo.as_deref(), Some(nome_item));
    let arquivo = ArquivoGuardado { sha256: sha, mime, tamanho };
    db.midia_enfileirar_envio(
        conversa,
        "image",
        &texto,
        "bot",
        None,
        &arquivo,
        foto.nome_arquivo.as_deref(),
        None,
        unix_now_ms(),
    )?;
    app.central.trabalho_marcar(empresa.id)?;
    app.trabalho.avisar();
    log::info!("empresa {}: foto do item {item} enfileirada na conversa {conversa}", empresa.id);
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_named_item_is_presented() {
        let vistos = vec![(ItemId(1), "Honda Civic 2020".to_owned()), (ItemId(2), "Fiat Uno 2015".to_owned())];
        let um = item_apresentado("Temos sim! O *Honda Civic* 2020 sai por R$ 98.900,00.", &vistos);
        assert_eq!(um, Some((ItemId(1), "Honda Civic 2020".to_owned())));
        assert_eq!(item_apresentado("Temos o Honda Civic 2020 e o Fiat Uno 2015.", &vistos), None, "a list");
        assert_eq!(item_apresentado("Temos Hondas, sim. Qual ano?", &vistos), None, "no item named");
        let acento = vec![(ItemId(3), "Apartamento Jardim Botânico".to_owned())];
        assert!(item_apresentado("O apartamento no jardim botanico tem 3 quartos", &acento).is_some());
    }
}
