//! What a file really is, from its first bytes: the type the declared MIME (Meta's, Evolution's,
//! the browser's) is never trusted for. The sniffed type is what is stored and served; a few
//! container formats (ZIP, OLE) are named by the declared type or the file extension, but only
//! among the office formats they can hold.

/// The kind of media a MIME type is, for the panel and for sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Classe {
    Imagem,
    Audio,
    Video,
    Documento,
}

/// The MIME type read from the bytes, or `None` when they match nothing known.
pub fn farejar(b: &[u8]) -> Option<&'static str> {
    let comeca = |p: &[u8]| b.starts_with(p);
    let em = |at: usize, p: &[u8]| b.get(at..at + p.len()) == Some(p);
    if comeca(&[0xFF, 0xD8, 0xFF]) {
        return Some("image/jpeg");
    }
    if comeca(b"\x89PNG\r\n\x1a\n") {
        return Some("image/png");
    }
    if comeca(b"GIF87a") || comeca(b"GIF89a") {
        return Some("image/gif");
    }
    if comeca(b"RIFF") && em(8, b"WEBP") {
        return Some("image/webp");
    }
    if comeca(b"RIFF") && em(8, b"WAVE") {
        return Some("audio/wav");
    }
    if comeca(b"OggS") {
        return Some("audio/ogg");
    }
    if comeca(b"#!AMR") {
        return Some("audio/amr");
    }
    if comeca(b"ID3") {
        return Some("audio/mpeg");
    }
    if em(4, b"ftyp") {
        let marca = b.get(8..12).unwrap_or_default();
        return Some(match marca {
            b"M4A " | b"M4B " => "audio/mp4",
            m if m.starts_with(b"3gp") || m.starts_with(b"3g2") => "video/3gpp",
            _ => "video/mp4",
        });
    }
    if comeca(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Some("video/webm");
    }
    if comeca(b"%PDF-") {
        return Some("application/pdf");
    }
    if comeca(b"PK\x03\x04") {
        return Some("application/zip");
    }
    if comeca(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Some("application/x-ole-storage");
    }
    // MPEG audio frames: AAC in ADTS (layer bits 00) or MP3 (layer 1–3).
    if b.len() >= 2 && b[0] == 0xFF && b[1] & 0xE0 == 0xE0 {
        return Some(if b[1] & 0x06 == 0 { "audio/aac" } else { "audio/mpeg" });
    }
    texto_simples(b).then_some("text/plain")
}

/// UTF-8 without NUL or other control bytes (tabs, line breaks and form feeds allowed).
fn texto_simples(b: &[u8]) -> bool {
    !b.is_empty()
        && std::str::from_utf8(b).is_ok()
        && b.iter().all(|&c| c >= 0x20 || matches!(c, b'\t' | b'\n' | b'\r' | 0x0C))
}

/// Office formats by file extension: (extension, MIME, container it must be in).
const OFFICE: &[(&str, &str, &str)] = &[
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"),
    ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "application/zip"),
    ("doc", "application/msword", "application/x-ole-storage"),
    ("xls", "application/vnd.ms-excel", "application/x-ole-storage"),
    ("ppt", "application/vnd.ms-powerpoint", "application/x-ole-storage"),
];

/// The MIME type to store and serve for `bytes`: the sniffed one; for a ZIP or OLE container,
/// the office type its declared MIME or file name says (if it fits that container); for
/// unknown bytes, `application/octet-stream`.
pub fn do_arquivo(bytes: &[u8], declarado: Option<&str>, nome: Option<&str>) -> String {
    let Some(farejado) = farejar(bytes) else { return "application/octet-stream".into() };
    if farejado == "application/zip" || farejado == "application/x-ole-storage" {
        let declarado = declarado.map(base).unwrap_or_default();
        let extensao = nome.and_then(|n| n.rsplit_once('.')).map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        let office = OFFICE.iter().find(|(ext, mime, recipiente)| {
            *recipiente == farejado && (declarado.eq_ignore_ascii_case(mime) || extensao == *ext)
        });
        return match office {
            Some((_, mime, _)) => (*mime).to_owned(),
            None if farejado == "application/zip" => farejado.to_owned(),
            None => "application/octet-stream".into(),
        };
    }
    farejado.to_owned()
}

/// `audio/ogg; codecs=opus` → `audio/ogg`.
pub fn base(mime: &str) -> &str {
    mime.split(';').next().unwrap_or("").trim()
}

/// The class of a MIME type.
pub fn classe(mime: &str) -> Classe {
    match base(mime).split('/').next().unwrap_or("") {
        "image" => Classe::Imagem,
        "audio" => Classe::Audio,
        "video" => Classe::Video,
        _ => Classe::Documento,
    }
}

/// Whether the panel may show the file in the page (image, audio, video it can render);
/// everything else is served as a download.
pub fn em_linha(mime: &str) -> bool {
    matches!(
        base(mime),
        "image/jpeg"
            | "image/png"
            | "image/gif"
            | "image/webp"
            | "audio/ogg"
            | "audio/mpeg"
            | "audio/mp4"
            | "audio/aac"
            | "audio/wav"
            | "audio/amr"
            | "video/mp4"
            | "video/3gpp"
            | "video/webm"
    )
}

/// Documents WhatsApp delivers as documents (Cloud API's list) that attendants may attach.
pub fn documento_aceito(mime: &str) -> bool {
    mime == "application/pdf" || mime == "text/plain" || OFFICE.iter().any(|(_, m, _)| *m == mime)
}

/// A file extension for a MIME type (the name of a download without one).
pub fn extensao(mime: &str) -> &'static str {
    match base(mime) {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "audio/ogg" => "ogg",
        "audio/mpeg" => "mp3",
        "audio/mp4" => "m4a",
        "audio/aac" => "aac",
        "audio/amr" => "amr",
        "audio/wav" => "wav",
        "video/mp4" => "mp4",
        "video/3gpp" => "3gp",
        "video/webm" => "webm",
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        "application/zip" => "zip",
        m => OFFICE.iter().find(|(_, mime, _)| *mime == m).map_or("bin", |(ext, _, _)| ext),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JPEG: &[u8] = include_bytes!("../../tests/fixtures/media/foto.jpg");
    const OGG: &[u8] = include_bytes!("../../tests/fixtures/media/voz.ogg");
    const WEBP: &[u8] = include_bytes!("../../tests/fixtures/media/figurinha.webp");
    const MP4: &[u8] = include_bytes!("../../tests/fixtures/media/video.mp4");
    const PDF: &[u8] = include_bytes!("../../tests/fixtures/media/orcamento.pdf");

    #[test]
    fn real_files_are_recognised_by_their_bytes() {
        assert_eq!(farejar(JPEG), Some("image/jpeg"));
        assert_eq!(farejar(OGG), Some("audio/ogg"));
        assert_eq!(farejar(WEBP), Some("image/webp"));
        assert_eq!(farejar(MP4), Some("video/mp4"));
        assert_eq!(farejar(PDF), Some("application/pdf"));
        assert_eq!(farejar(b"Ol\xc3\xa1, tudo bem?\r\n"), Some("text/plain"));
        assert_eq!(farejar(b"MZ\x90\x00\x03\x00"), None, "a Windows executable is nothing we know");
        assert_eq!(farejar(b""), None);
    }

    #[test]
    fn the_declared_type_never_wins_over_the_bytes() {
        assert_eq!(do_arquivo(PDF, Some("image/jpeg"), Some("foto.jpg")), "application/pdf");
        assert_eq!(do_arquivo(b"MZ\x90\x00", Some("application/pdf"), Some("a.pdf")), "application/octet-stream");
        assert_eq!(do_arquivo(b"<html><script>x</script>", Some("image/png"), None), "text/plain");
        // Containers are named only among the office formats they can hold.
        let zip = b"PK\x03\x04\x14\x00rest";
        assert_eq!(
            do_arquivo(zip, None, Some("Proposta.DOCX")),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        assert_eq!(do_arquivo(zip, Some("application/msword"), Some("x")), "application/zip", "doc is OLE, not ZIP");
        let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0];
        assert_eq!(do_arquivo(&ole, Some("application/vnd.ms-excel"), None), "application/vnd.ms-excel");
        assert_eq!(do_arquivo(&ole, None, None), "application/octet-stream");
    }

    #[test]
    fn classes_inline_and_extensions() {
        assert_eq!(classe("audio/ogg; codecs=opus"), Classe::Audio);
        assert_eq!(classe("image/webp"), Classe::Imagem);
        assert_eq!(classe("application/pdf"), Classe::Documento);
        assert!(em_linha("video/mp4") && em_linha("audio/ogg; codecs=opus"));
        assert!(!em_linha("text/plain") && !em_linha("application/pdf") && !em_linha("image/svg+xml"));
        assert!(documento_aceito("application/pdf") && !documento_aceito("application/zip"));
        assert_eq!(extensao("audio/ogg"), "ogg");
        assert_eq!(extensao("application/vnd.ms-powerpoint"), "ppt");
    }
}
