//! The one integration-test crate: end-to-end scenarios over real HTTP on 127.0.0.1.

mod llm_client;
mod support;
