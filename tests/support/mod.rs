//! Shared test helpers (fakes of the outside services, test servers).

pub mod fake_graph;
