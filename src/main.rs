//! The `helixai` binary: logger, parse the command line, run, exit code. Nothing else.

use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: the webhook path allocates and frees many small
/// objects on eight threads at once, and glibc's per-arena locking and consolidation were
/// ~9% of the process's CPU under load (see the README's performance section).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        // The HTTP client's debug log writes every request header; it masks `Authorization`
        // but not Evolution's `apikey`, which carries the global key or an instance token.
        // This directive comes after RUST_LOG's, so it wins for that module whatever is asked.
        .filter_module(helixai::outbound::MODULO_LOG_CABECALHOS, log::LevelFilter::Info)
        .init();
    let cli = helixai::cli::Cli::parse_with_default();
    match helixai::commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("erro: {e}");
            ExitCode::FAILURE
        }
    }
}
