//! HelixAI: a self-hosted, multi-tenant WhatsApp sales-bot appliance.
//!
//! One process serves the admin panel, the JSON API, the WhatsApp webhook for every
//! empresa, and the background bot workers. Each empresa (tenant) lives in its own
//! SQLite file under `data/tenants/`; the central `data/helixai.db` holds users,
//! empresas, plans and billing. See the README's module map and ARCHITECTURE.md.

pub mod app;
pub mod assinaturas;
pub mod atendimento;
pub mod auth;
pub mod background;
pub mod backup;
pub mod bot;
pub mod catalogo;
pub mod catalogo_csv;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod conexao;
pub mod config;
pub mod crypto;
pub mod demo;
pub mod domain;
pub mod error;
pub mod evolution;
pub mod http;
pub mod jobs;
pub mod json;
pub mod llm;
pub mod media;
pub mod metrics;
pub mod outbound;
pub mod pipeline;
pub mod planos;
pub mod provision;
pub mod purga;
pub mod replica;
pub mod server;
pub mod store;
pub mod telefone;
pub mod whatsapp;

pub use error::{Error, Result};
