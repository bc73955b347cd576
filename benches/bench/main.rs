//! HelixAI benchmarks (`cargo bench`): each scenario prints one machine-readable line
//! `bench NAME value=... unit=... baseline=... ratio=...` and a short human summary, where the
//! baseline is measured in the same run on the same machine (ratios, not absolute times, are
//! what the budgets in ARCHITECTURE.md §8 are checked against).
//!
//! `cargo bench -- [SCENARIO...]` runs a subset; `HELIXAI_BENCH_SCALE=0.1` shrinks every
//! scenario for a quick run; `BENCH_LRU=N` sets the ingest scenario's LRU capacity (1,000 =
//! every tenant fits) and `BENCH_RATE=N` its steady rate and the fixed-rate scenario's rate (msg/s,
//! default 1,000); `BENCH_ROUNDS=N` the rounds of the ingest and fixed-rate scenarios;
//! `BENCH_REPLICA_INTERVAL` the replica scenarios' interval (default 30s). The replica
//! scenarios need moto (`.ci/run` installs it) and say so when it is missing.

mod client;
mod ingest;
mod panel;
mod pipeline;
mod rate;
mod replica;
mod report;
mod tenancy;

/// The allocator the `helixai` binary ships with (see `src/main.rs`), so the figures here
/// (RSS above all) are those of what runs.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let wanted: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let scenarios: &[(&str, fn())] = &[
        ("tenant_cold_open", tenancy::cold_open),
        ("tenant_create", tenancy::create),
        ("tenants_10k", tenancy::ten_thousand),
        ("migrate_all", tenancy::migrate_all),
        ("sqlite_open_floor", tenancy::open_floor),
        ("webhook_ingest", ingest::webhook_ingest),
        ("webhook_fixed_rate", rate::webhook_fixed_rate),
        ("panel_lists", panel::panel_lists),
        ("bot_pipeline", pipeline::bot_pipeline),
        ("replica_steady", replica::replica_steady),
        ("replica_idle_requests", replica::replica_idle_requests),
        ("replica_restore", replica::replica_restore),
    ];
    println!("HelixAI benchmarks — machine: {}", report::machine());
    for (name, run) in scenarios {
        if wanted.is_empty() || wanted.iter().any(|w| name.contains(w.as_str())) {
            run();
        }
    }
}
