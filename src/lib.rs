//! HelixAI: a self-hosted, multi-tenant WhatsApp sales-bot appliance.
//!
//! One process serves the admin panel, the JSON API, the WhatsApp webhook for every
//! empresa, and the background bot workers. Each empresa (tenant) lives in its own
//! SQLite file under `data/tenants/`; the central `data/helixai.db` holds users,
//! empresas, plans and billing. See ARCHITECTURE.md for the design.

pub mod bot;
pub mod domain;
pub mod error;
pub mod llm;
pub mod outbound;

pub use error::{Error, Result};
