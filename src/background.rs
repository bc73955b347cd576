//! Background threads (the webhook journal's worker, the tenant closer): they run at a lower
//! CPU priority than the HTTP workers, so on a small VPS a request is served first and the
//! background work takes the idle time. Their work is not lost by waiting: the journal keeps
//! it durably, and the closer queue is bounded (see `store::tenants`).

/// The nice value background threads run at (0 is the default, 19 the lowest). Measured on
/// the LRU-thrash ingest (issue #7): at 0 the journal worker slowed the acknowledgements and
/// end-to-end ingest was 0.42–0.44 × raw; at 5–10, 0.48–0.58 × raw.
pub const NICE: i32 = 10;

/// Lowers the calling thread's CPU priority to [`NICE`] (never raises it) (on Linux the nice value belongs to
/// the thread). A refusal is logged and ignored: the thread works the same, only sooner.
pub fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        let tid = rustix::thread::gettid();
        // Never raise the priority of a process started niced further down.
        let atual = rustix::process::getpriority_process(Some(tid)).unwrap_or(0);
        if atual < NICE {
            if let Err(e) = rustix::process::setpriority_process(Some(tid), NICE) {
                log::debug!("prioridade da thread em segundo plano não ajustada: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn lowers_only_the_calling_thread() {
        let main = rustix::process::getpriority_process(Some(rustix::thread::gettid())).expect("main");
        let bg = std::thread::spawn(|| {
            super::lower_priority();
            rustix::process::getpriority_process(Some(rustix::thread::gettid())).expect("bg")
        })
        .join()
        .expect("thread");
        assert_eq!(bg, main.max(super::NICE), "the background thread runs at nice {}", super::NICE);
        let again = rustix::process::getpriority_process(Some(rustix::thread::gettid())).expect("main");
        assert_eq!(again, main, "the calling process's other threads are untouched");
    }
}
