//! Background threads (the webhook journal's worker, the tenant closer): they run at a lower
//! CPU priority than the HTTP workers, so on a small VPS a request is served first and the
//! background work takes the idle time. Their work is not lost by waiting: the journal keeps
//! it durably, and the closer queue is bounded (see `store::tenants`).
//!
//! Nice alone is not enough on Linux ≥ 6.6 (EEVDF): a thread the scheduler has just picked
//! runs out its slice (1.4 ms by default on 2 cores) before a thread that wakes can take the
//! CPU, whatever their nice values. A webhook whose thread woke just after a journal worker
//! was picked waited that long (issue #20: the fixed-rate p99 sat at the 2 ms line). Since
//! Linux 6.12 a thread may ask for its own slice, and one that wakes with a shorter slice than
//! the running thread's takes the CPU at once: `serve` gives every thread a short one
//! ([`fatia_curta`], inherited by the threads it starts, the HTTP workers among them) and
//! background threads take a long one. Older kernels ignore the request.

/// The nice value background threads run at (0 is the default, 19 the lowest). Measured on
/// the LRU-thrash ingest (issue #7): at 0 the journal worker slowed the acknowledgements and
/// end-to-end ingest was 0.42–0.44 × raw; at 5–10, 0.48–0.58 × raw.
pub const NICE: i32 = 10;

/// The slice of the threads that answer requests: the shortest Linux accepts.
const FATIA_CURTA_NS: u64 = 100_000;
/// The slice of background threads. Measured on the fixed-rate 1,000 msg/s run (issue #20,
/// four alternating pairs): p99 1.60–1.98 ms against 2.07–2.32 ms with the default slices;
/// with 0.1 ms for every thread, background included, 2.09–2.59 ms.
const FATIA_LONGA_NS: u64 = 3_000_000;

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
        definir_fatia(FATIA_LONGA_NS);
    }
}

/// Gives the calling thread, and the threads it starts from now on, a short scheduler slice
/// (see the module header). `serve` calls it first thing.
pub fn fatia_curta() {
    #[cfg(target_os = "linux")]
    definir_fatia(FATIA_CURTA_NS);
}

/// `struct sched_attr` (linux/sched/types.h), first version: 56 bytes.
#[cfg(target_os = "linux")]
#[repr(C)]
#[derive(Default)]
struct SchedAttr {
    size: u32,
    policy: u32,
    flags: u64,
    nice: i32,
    priority: u32,
    runtime: u64,
    deadline: u64,
    period: u64,
    util_min: u32,
    util_max: u32,
}

/// Keeps the thread's scheduling policy (only the slice and the nice value change).
#[cfg(target_os = "linux")]
const SCHED_FLAG_KEEP_POLICY: u64 = 0x08;

/// Asks for a scheduler slice of `ns` for the calling thread, keeping its policy and nice
/// value. A refusal is logged and ignored.
#[cfg(target_os = "linux")]
fn definir_fatia(ns: u64) {
    let nice = rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap_or(0);
    let attr = SchedAttr {
        size: std::mem::size_of::<SchedAttr>() as u32,
        flags: SCHED_FLAG_KEEP_POLICY,
        nice,
        runtime: ns,
        ..SchedAttr::default()
    };
    // SAFETY: `attr` is a valid `sched_attr` of the size it declares, read by the kernel
    // during the call only; pid 0 is the calling thread.
    let r = unsafe { libc::syscall(libc::SYS_sched_setattr, 0, &attr as *const SchedAttr, 0) };
    if r != 0 {
        log::debug!("fatia do escalonador não ajustada: {}", std::io::Error::last_os_error());
    }
}

/// The calling thread's slice as the kernel reports it (tests).
#[cfg(all(test, target_os = "linux"))]
fn fatia_atual() -> std::io::Result<u64> {
    let mut attr = SchedAttr::default();
    let size = std::mem::size_of::<SchedAttr>() as u32;
    // SAFETY: the kernel writes at most `size` bytes into `attr`; pid 0 is the calling thread.
    let r = unsafe { libc::syscall(libc::SYS_sched_getattr, 0, &mut attr as *mut SchedAttr, size, 0) };
    if r != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(attr.runtime)
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

    /// On a kernel with per-thread slices (Linux ≥ 6.12, which CI runs), a `serve` thread and
    /// the threads it starts get the short slice, a background thread the long one, and the
    /// nice value set before is kept.
    #[test]
    #[cfg(target_os = "linux")]
    fn request_threads_get_a_short_slice_and_background_threads_a_long_one() {
        let (curta, filha, longa, nice) = std::thread::spawn(|| {
            super::fatia_curta();
            let curta = super::fatia_atual().expect("getattr");
            let filha = std::thread::spawn(|| super::fatia_atual().expect("getattr")).join().expect("filha");
            super::lower_priority();
            let longa = super::fatia_atual().expect("getattr");
            let nice = rustix::process::getpriority_process(Some(rustix::thread::gettid())).expect("nice");
            (curta, filha, longa, nice)
        })
        .join()
        .expect("thread");
        if !kernel_com_fatias() {
            eprintln!("kernel sem fatias por thread (Linux < 6.12): só a chamada foi exercitada");
            return;
        }
        assert_eq!(curta, super::FATIA_CURTA_NS);
        assert_eq!(filha, super::FATIA_CURTA_NS, "threads started afterwards inherit the short slice");
        assert_eq!(longa, super::FATIA_LONGA_NS);
        assert!(nice >= super::NICE, "the slice request keeps the nice value ({nice})");
    }

    /// Linux ≥ 6.12 (per-thread slices).
    fn kernel_com_fatias() -> bool {
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        let mut partes = release.split(|c: char| !c.is_ascii_digit()).filter_map(|p| p.parse::<u32>().ok());
        let (maior, menor) = (partes.next().unwrap_or(0), partes.next().unwrap_or(0));
        (maior, menor) >= (6, 12)
    }
}
