//! The sales bot: templates, catalog tools and the deterministic fallback.

pub mod fallback;
pub mod templates;
pub mod tools;

#[cfg(test)]
mod fake_tools;
