//! The one integration-test crate: each module tests one area against real HTTP/files.

mod support;
mod whatsapp_client;
