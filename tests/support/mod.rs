//! Shared test helpers: in-process fakes of the outside services.

pub mod fake_openai;
