//! Files people upload in the panel: an attendant's attachment to a reply (an image or a
//! document, sent through the empresa's channel by the same job path as a text reply) and
//! catalog photos (which the bot can send when it presents the item). Both are checked from
//! their bytes, stored in the empresa's [`Acervo`] and counted against its quota.

use crate::clock::unix_now_ms;
use crate::domain::{ConversaId, ItemId, MidiaId, UsuarioId};
use crate::error::{Error, Result};
use crate::media::{mime, Acervo, MAX_BYTES, MAX_IMAGEM_ENVIO};
use crate::store::tenant::conversas::Mensagem;
use crate::store::tenant::midias::Midia;

/// Longest caption WhatsApp sends with a media message.
pub const MAX_LEGENDA: usize = 1024;

/// What an attachment is, from its bytes: the WhatsApp message type (`image` or `document`)
/// and its MIME type. Anything else is refused with a pt-BR 400.
pub fn validar_anexo(bytes: &[u8], declarado: Option<&str>, nome: Option<&str>) -> Result<(&'static str, String)> {
    if bytes.is_empty() {
        return Err(Error::invalid("arquivo_vazio", "o arquivo está vazio"));
    }
    if bytes.len() > MAX_BYTES {
        return Err(Error::invalid("midia_grande_demais", "o arquivo passa de 16 MB, o limite por arquivo"));
    }
    let tipo = mime::do_arquivo(bytes, declarado, nome);
    match tipo.as_str() {
        "image/jpeg" | "image/png" if bytes.len() > MAX_IMAGEM_ENVIO => Err(Error::invalid(
            "imagem_grande_demais",
            "o WhatsApp só entrega imagens de até 5 MB; reduza a foto ou envie-a como documento PDF",
        )),
        "image/jpeg" | "image/png" => Ok(("image", tipo)),
        t if mime::documento_aceito(t) => Ok(("document", tipo)),
        _ => Err(Error::invalid(
            "tipo_de_arquivo_nao_suportado",
            "envie uma foto (JPG ou PNG) ou um documento (PDF, Word, Excel, PowerPoint ou TXT)",
        )),
    }
}

/// A file name fit to store and to show: no folders, no control characters, at most 120
/// characters; `arquivo.<ext>` when there is none.
pub fn nome_limpo(nome: Option<&str>, mime_tipo: &str) -> String {
    let base = nome.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
    let limpo: String =
        base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>')).take(120).collect::<String>();
    let limpo = limpo.trim().trim_start_matches('.').to_owned();
    if limpo.is_empty() {
        format!("arquivo.{}", mime::extensao(mime_tipo))
    } else {
        limpo
    }
}

/// The label a media message's text starts with (the same as for a customer's media, see
/// `whatsapp::MessageKind::text_for_bot`), so the bot's history and the inbox list read it.
pub fn rotulo(tipo: &str, nome: Option<&str>) -> String {
    match (tipo, nome) {
        ("image", _) => "[imagem]".into(),
        ("video", _) => "[vídeo]".into(),
        ("audio", _) => "[áudio]".into(),
        ("document", Some(n)) => format!("[documento: {n}]"),
        _ => "[documento]".into(),
    }
}

/// The text stored with an outbound media message: its label, then the caption.
pub fn texto_com_legenda(tipo: &str, nome: Option<&str>, legenda: Option<&str>) -> String {
    let r = rotulo(tipo, nome);
    match legenda.map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) => format!("{r} {l}"),
        None => r,
    }
}

/// The caption of an outbound media message, from its stored text.
pub fn legenda_de(texto: Option<&str>, tipo: &str, nome: Option<&str>) -> Option<String> {
    let texto = texto?.trim();
    let resto = texto.strip_prefix(&rotulo(tipo, nome)).unwrap_or(texto).trim();
    (!resto.is_empty()).then(|| resto.to_owned())
}

impl Acervo<'_> {
    /// Stores an attendant's attachment and queues its send in `conversa` (status
    /// `pendente`; a worker sends it and the thread shows the outcome). Like a typed reply it
    /// takes the conversa over, is assigned to `atribuir` when no one has it, and is refused
    /// for a customer with neither phone nor BSUID (409 `cliente_nao_identificado`).
    #[allow(clippy::too_many_arguments)]
    pub fn anexar_resposta(
        &self,
        conversa: ConversaId,
        bytes: &[u8],
        declarado: Option<&str>,
        nome: Option<&str>,
        legenda: Option<&str>,
        usuario: UsuarioId,
        atribuir: Option<UsuarioId>,
    ) -> Result<Mensagem> {
        if legenda.is_some_and(|l| l.chars().count() > MAX_LEGENDA) {
            return Err(Error::invalid("legenda_invalida", "a legenda pode ter até 1024 caracteres"));
        }
        self.db().inbox_conversa(conversa)?.ok_or(Error::NotFound("conversa"))?;
        crate::pipeline::exigir_destinatario(self.db(), conversa)?;
        let (tipo, mime_tipo) = validar_anexo(bytes, declarado, nome)?;
        let nome = nome_limpo(nome, &mime_tipo);
        let texto = texto_com_legenda(tipo, Some(&nome), legenda);
        let arquivo = self.guardar(bytes, &mime_tipo)?;
        let id = self.db().midia_enfileirar_envio(
            conversa,
            tipo,
            &texto,
            "humano",
            Some(usuario.0),
            &arquivo,
            Some(&nome),
            atribuir.map(|u| u.0),
            unix_now_ms(),
        );
        let id = match id {
            Ok(id) => id,
            Err(e) => {
                // The row was refused (unknown conversa, a simulator one): no file for nothing.
                self.remover_se_livre(&arquivo.sha256)?;
                return Err(e);
            }
        };
        self.conferir(&arquivo, bytes)?;
        self.avisar_trabalho()?;
        self.db().mensagem(id)?.ok_or(Error::NotFound("mensagem"))
    }

    /// Adds a photo (JPG or PNG, up to 5 MB: what WhatsApp sends as an image) to an item.
    pub fn foto_adicionar(
        &self,
        item: ItemId,
        bytes: &[u8],
        declarado: Option<&str>,
        nome: Option<&str>,
    ) -> Result<Midia> {
        self.db().catalogo_item(item)?.ok_or(Error::NotFound("item"))?;
        let (tipo, mime_tipo) = validar_anexo(bytes, declarado, nome)?;
        if tipo != "image" {
            return Err(Error::invalid(
                "tipo_de_arquivo_nao_suportado",
                "a foto do item deve ser uma imagem JPG ou PNG",
            ));
        }
        let nome = nome_limpo(nome, &mime_tipo);
        let arquivo = self.guardar(bytes, &mime_tipo)?;
        let foto = self.db().catalogo_foto_adicionar(item, &arquivo, Some(&nome));
        match foto {
            Ok(foto) => {
                self.conferir(&arquivo, bytes)?;
                Ok(foto)
            }
            Err(e) => {
                // The row was refused (unknown item, too many photos): no file for nothing.
                self.remover_se_livre(&arquivo.sha256)?;
                Err(e)
            }
        }
    }

    /// Removes one photo of an item (and its file, if nothing else uses it).
    pub fn foto_remover(&self, item: ItemId, foto: MidiaId) -> Result<()> {
        if let Some(sha) = self.db().catalogo_foto_remover(item, foto)? {
            self.remover_se_livre(&sha)?;
        }
        Ok(())
    }

    /// Deletes a catalog item with its photos' files (those nothing else uses).
    pub fn item_excluir(&self, item: ItemId) -> Result<()> {
        let shas = self.db().catalogo_fotos_shas(item)?;
        self.db().catalogo_excluir(item)?;
        for sha in shas {
            self.remover_se_livre(&sha)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JPEG: &[u8] = include_bytes!("../../tests/fixtures/media/foto.jpg");
    const PDF: &[u8] = include_bytes!("../../tests/fixtures/media/orcamento.pdf");

    #[test]
    fn attachments_are_judged_by_their_bytes() {
        assert_eq!(
            validar_anexo(JPEG, Some("application/pdf"), Some("x.pdf")).expect("jpeg"),
            ("image", "image/jpeg".into())
        );
        assert_eq!(validar_anexo(PDF, Some("image/jpeg"), Some("foto.jpg")).expect("pdf").0, "document");
        let exe = validar_anexo(b"MZ\x90\x00\x03", Some("image/jpeg"), Some("foto.jpg")).expect_err("exe");
        assert_eq!(exe.code(), "tipo_de_arquivo_nao_suportado");
        assert_eq!(validar_anexo(b"", None, None).expect_err("empty").code(), "arquivo_vazio");
        let mut grande = JPEG.to_vec();
        grande.resize(MAX_IMAGEM_ENVIO + 1, 0);
        assert_eq!(validar_anexo(&grande, None, None).expect_err("big").code(), "imagem_grande_demais");
    }

    #[test]
    fn names_labels_and_captions() {
        assert_eq!(
            nome_limpo(Some("C:\\fotos\\..\\Orçamento \"final\".pdf"), "application/pdf"),
            "Orçamento final.pdf"
        );
        assert_eq!(nome_limpo(Some("../.."), "application/pdf"), "arquivo.pdf");
        assert_eq!(nome_limpo(None, "image/jpeg"), "arquivo.jpg");
        let t = texto_com_legenda("document", Some("a.pdf"), Some(" Segue o orçamento "));
        assert_eq!(t, "[documento: a.pdf] Segue o orçamento");
        assert_eq!(legenda_de(Some(&t), "document", Some("a.pdf")).as_deref(), Some("Segue o orçamento"));
        assert_eq!(legenda_de(Some("[imagem]"), "image", None), None);
        assert_eq!(legenda_de(Some("[imagem] Civic 2020"), "image", Some("x.jpg")).as_deref(), Some("Civic 2020"));
    }
}
