//! Owns everything that speaks Evolution API (WhatsApp through Baileys, paired by QR): the
//! webhook envelope parser, the REST client, and drawing the pairing QR.
//!
//! Pure of storage and of the HTTP server, like `whatsapp/`: the webhook handler feeds raw
//! bytes in and gets typed events out; callers hand a key and an instance name to
//! [`EvolutionClient`]. Messages map onto the same [`MessageKind`](crate::whatsapp::MessageKind)
//! as the Cloud API, so the bot does not care which channel a customer used. Phone numbers
//! and JIDs are `crate::telefone`'s business.
//!
//! ```text
//! POST /evo/<empresa> ─▶ parse(body) ─▶ Envelope { evento, instancia, eventos: [Mensagem | Status | Conexao | Qr] }
//! painel/CLI ─▶ EvolutionClient::criar_instancia / conectar ─▶ QrCode ─▶ qr::texto | qr::svg
//! bot job    ─▶ EvolutionClient::enviar_texto(..) ─▶ Ok(key.id) | Err(EvolutionError { retryable, tipo, .. })
//! media job  ─▶ EvolutionClient::midia_base64(..)    reply ─▶ EvolutionClient::enviar_midia(..)
//! ```

mod client;
mod erro;
mod mensagem;
mod midia;
pub mod qr;
mod webhook;

pub use client::{Conexao, EvolutionClient, InstanciaCriada, NovaInstancia};
pub use erro::{EvolutionError, TipoErro};
pub use mensagem::MensagemEvolution;
pub use midia::{sem_prefixo_data, MidiaEvolution};
pub use webhook::{parse, ConexaoEvolution, Envelope, EventoEvolution, QrCode, QrEvolution, StatusEvolution};
