//! The one outbound HTTP agent (ureq) shared by the WhatsApp, Evolution and LLM clients.
//!
//! Built once per process with connect/read timeouts so a slow outside service can never
//! hold a worker forever. Only `whatsapp/`, `evolution/`, `llm.rs` and this file name
//! ureq.

use std::time::Duration;

/// Timeouts for outbound calls.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// TCP connect timeout.
    pub connect: Duration,
    /// Whole-request timeout (connect + send + receive).
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { connect: Duration::from_secs(5), total: Duration::from_secs(30) }
    }
}

/// Builds the shared agent. Cheap to clone (it is an `Arc` inside).
pub fn agent(timeouts: Timeouts) -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(timeouts.connect)
        .timeout(timeouts.total)
        .user_agent(concat!("helixai/", env!("CARGO_PKG_VERSION")))
        .redirects(0)
        .build()
}
