//! Output and measurement helpers shared by the scenarios.

use std::time::Duration;

/// Multiplier applied to scenario sizes (`HELIXAI_BENCH_SCALE`, default 1).
pub fn scale(n: usize) -> usize {
    let f: f64 = std::env::var("HELIXAI_BENCH_SCALE").ok().and_then(|v| v.parse().ok()).unwrap_or(1.0);
    ((n as f64 * f) as usize).max(1)
}

/// Prints the machine-readable line and the human summary.
pub fn line(name: &str, value: f64, unit: &str, baseline: f64, summary: &str) {
    let ratio = if baseline > 0.0 { value / baseline } else { f64::NAN };
    println!("bench {name} value={value:.3} unit={unit} baseline={baseline:.3} ratio={ratio:.3}");
    println!("  {summary}");
}

/// Milliseconds in a Duration.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The p-th percentile (0..=100) of samples, in their unit.
pub fn percentile(samples: &mut [f64], p: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    let idx = ((p / 100.0) * (samples.len() - 1) as f64).round() as usize;
    samples[idx.min(samples.len() - 1)]
}

/// This process's resident set size, in MiB.
pub fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Open file descriptors of this process, optionally only those pointing under `dir`.
pub fn open_fds(dir: Option<&std::path::Path>) -> usize {
    let prefix = dir.map(|d| d.to_string_lossy().into_owned());
    std::fs::read_dir("/proc/self/fd")
        .map(|rd| {
            rd.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
                .filter(|p| prefix.as_ref().is_none_or(|pre| p.to_string_lossy().starts_with(pre.as_str())))
                .count()
        })
        .unwrap_or(0)
}

/// A short description of the machine (CPU model, cores, memory).
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned()))
        })
        .unwrap_or_else(|| "?".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next().map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_owned()))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    format!("{cpu}, {cores} cores, {mem:.0} GiB")
}

/// Writes the dirty pages of every file out (`sync`) before a measured phase, so a phase
/// does not pay for the write-back of the one before it (the raw baseline ran right after
/// the server's run and absorbed its dirty tenant pages).
pub fn sync_disks() {
    if let Err(e) = std::process::Command::new("sync").status() {
        eprintln!("sync não rodou ({e}); fases podem pagar a gravação da anterior");
    }
}

/// User + system CPU seconds in a `/proc/.../stat` line (clock ticks of 10 ms, Linux's
/// USER_HZ on every architecture Rust supports here).
fn stat_cpu_secs(stat: &str) -> Option<f64> {
    let campos: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = campos.get(11)?.parse::<f64>().ok()? + campos.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// CPU seconds this process has used so far, every thread (finished ones included).
pub fn cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/self/stat").ok().and_then(|s| stat_cpu_secs(&s)).unwrap_or(0.0)
}

/// CPU seconds used so far by each live thread, summed per name without its digits
/// (`http-3` → `http-`).
pub fn cpu_secs_por_thread() -> std::collections::HashMap<String, f64> {
    let mut por = std::collections::HashMap::new();
    for e in std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten() {
        let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
        let nome: String = comm.trim().chars().filter(|c| !c.is_ascii_digit()).collect();
        if let Some(s) = std::fs::read_to_string(e.path().join("stat")).ok().and_then(|s| stat_cpu_secs(&s)) {
            *por.entry(nome).or_insert(0.0) += s;
        }
    }
    por
}
