//! The admin panel: static files embedded from `assets/` with rust-embed, served at `/` and
//! `/assets/<file>`, plus the single-page-app fallback for deep links (`/painel/conversas`).
//!
//! A request path is never joined onto the filesystem here: the asset name taken from the URL
//! must pass a strict character check and then be one of the embedded names, or the answer is
//! the JSON 404. (In release builds the files live inside the binary; in debug builds
//! rust-embed reads the same folder by its absolute path, so either works from any directory.)

use super::Response;
use crate::error::{Error, Result};

/// The files under `assets/`.
#[derive(rust_embed::Embed)]
#[folder = "assets/"]
struct Assets;

/// Top-level path segments that never fall back to the panel.
const NOT_PANEL: &[&str] = &["api", "webhook", "assets", "healthz", "metrics"];

/// `GET /`: the panel's index.html.
pub fn index() -> Result<Response> {
    serve("index.html")
}

/// `GET /assets/<name>`: one embedded file, or 404.
pub fn asset(name: &str) -> Result<Response> {
    if !nome_seguro(name) || name == "index.html" {
        return Err(Error::NotFound("arquivo"));
    }
    serve(name)
}

/// Whether a GET for `segs` (the path split on `/`) should get index.html so the panel's
/// router can handle it: any path outside the API, the webhook, the assets and the probes.
pub fn is_panel_path(segs: &[&str]) -> bool {
    match segs.first() {
        None => true,
        Some(first) => !NOT_PANEL.contains(first) && segs.iter().all(|s| nome_seguro(s)),
    }
}

/// Only plain names: ASCII letters, digits, `.`, `-`, `_` and `/` between non-empty parts;
/// no `..`, no leading dot in a part, nothing percent-encoded.
fn nome_seguro(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && name.split('/').all(|part| {
            !part.is_empty()
                && !part.starts_with('.')
                && part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        })
}

fn serve(name: &str) -> Result<Response> {
    // The name must be one of the embedded names (not merely a path that exists).
    if !Assets::iter().any(|n| n == name) {
        return Err(Error::NotFound("arquivo"));
    }
    let file = Assets::get(name).ok_or(Error::NotFound("arquivo"))?;
    let cache = if name == "index.html" { "no-cache" } else { "public, max-age=300, must-revalidate" };
    Ok(Response::bytes(200, content_type(name), file.data.into_owned()).with_header("Cache-Control", cache))
}

/// The Content-Type for a file name, by extension.
fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "application/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_before_any_lookup() {
        assert!(nome_seguro("js/app.js"));
        assert!(nome_seguro("vendor/uPlot.esm.js"));
        assert!(!nome_seguro("../Cargo.toml"));
        assert!(!nome_seguro("js/../../Cargo.toml"));
        assert!(!nome_seguro("/etc/passwd"));
        assert!(!nome_seguro("js//app.js"));
        assert!(!nome_seguro(".hidden"));
        assert!(!nome_seguro("%2e%2e/Cargo.toml"));
        assert!(!nome_seguro("a\\b"));
        assert!(!nome_seguro(""));
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("js/app.js"), "application/javascript; charset=utf-8");
        assert_eq!(content_type("app.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("x.bin"), "application/octet-stream");
    }

    #[test]
    fn panel_paths_exclude_api_and_probes() {
        assert!(is_panel_path(&[]));
        assert!(is_panel_path(&["painel", "conversas"]));
        assert!(!is_panel_path(&["api", "me"]));
        assert!(!is_panel_path(&["webhook", "whatsapp"]));
        assert!(!is_panel_path(&["assets", "nada.js"]));
        assert!(!is_panel_path(&["healthz"]));
        assert!(!is_panel_path(&["metrics"]));
        assert!(!is_panel_path(&["painel", ".."]));
    }

    #[test]
    fn embedded_files_are_served_and_unknown_ones_are_not() {
        assert!(index().is_ok_and(|r| r.status == 200));
        assert!(asset("app.css").is_ok_and(|r| r.status == 200));
        assert!(asset("../Cargo.toml").is_err());
        assert!(asset("nao-existe.js").is_err());
    }
}
