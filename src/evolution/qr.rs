//! Owns drawing a pairing QR (the raw `2@…` text Evolution gives in `code`) ourselves: as
//! Unicode half blocks for the CLI ([`texto`]) and as SVG for the panel ([`svg`]), so
//! neither depends on Evolution's PNG (`base64`) nor on a network QR service.
//!
//! Error correction is `L`: the code lives on a screen, not on paper, and the smaller
//! symbol fits an 80-column terminal.

use qrcode::render::{svg as qr_svg, unicode::Dense1x2};
use qrcode::{EcLevel, QrCode};

/// Smallest side of the SVG, in pixels (the quiet zone included).
const SVG_LADO_MINIMO: u32 = 240;

/// The QR drawn with `▀▄█` for a terminal, quiet zone included. The light modules are the
/// ones drawn as blocks: in the usual light-text-on-dark terminal the code then reads
/// dark-on-light, as phone cameras expect. `None` if `code` does not fit in a QR.
pub fn texto(code: &str) -> Option<String> {
    let qr = codificar(code)?;
    Some(qr.render::<Dense1x2>().dark_color(Dense1x2::Light).light_color(Dense1x2::Dark).quiet_zone(true).build())
}

/// A complete, standalone `<svg>` document (black on white, at least 240 px), starting at
/// `<svg` so it can be served as `image/svg+xml` or inlined in a page. `None` if `code`
/// does not fit in a QR.
pub fn svg(code: &str) -> Option<String> {
    let qr = codificar(code)?;
    let documento = qr
        .render::<qr_svg::Color<'_>>()
        .dark_color(qr_svg::Color("#000000"))
        .light_color(qr_svg::Color("#ffffff"))
        .quiet_zone(true)
        .min_dimensions(SVG_LADO_MINIMO, SVG_LADO_MINIMO)
        .build();
    // Drop the `<?xml …?>` prolog: it is optional for a standalone file and invalid inline.
    let inicio = documento.find("<svg")?;
    Some(documento[inicio..].to_string())
}

fn codificar(code: &str) -> Option<QrCode> {
    if code.is_empty() {
        return None;
    }
    QrCode::with_error_correction_level(code.as_bytes(), EcLevel::L).ok()
}

#[cfg(test)]
#[path = "qr_tests.rs"]
mod tests;
