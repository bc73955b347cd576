//! Tenancy scenarios: cold open vs warm hit, tenant creation, 10,000 configured tenants
//! (start-up, RSS, descriptors), and `migrate --all` with one pending migration.

use std::path::Path;
use std::time::Instant;

use helixai::app::App;
use helixai::config::{DataDir, ServerConfig};
use helixai::domain::Setor;
use helixai::provision::{criar_empresa, PedidoEmpresa};
use helixai::store::central::NovaEmpresa;
use helixai::store::migrate;
use helixai::store::tenant::{create_file_at_version, file_version};
use helixai::store::tenants::tenant_path;

use crate::report::{line, ms, open_fds, percentile, rss_mib, scale};

fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("helixai-bench-").tempdir().expect("tempdir")
}

fn open(dir: &Path, capacity: usize) -> std::sync::Arc<App> {
    let config = ServerConfig { max_open_tenants: capacity, ..ServerConfig::default() };
    std::env::set_var("HELIXAI_ADMIN_PASSWORD", "senha-de-bench");
    App::open(DataDir::new(dir), config).expect("open app").0
}

fn pedido(i: usize) -> PedidoEmpresa {
    PedidoEmpresa {
        nome: format!("Empresa {i}"),
        slug: format!("empresa-{i}"),
        setor: Setor::ALL[i % 5],
        whatsapp_phone_number_id: Some(format!("{}", 100_000 + i)),
        plano_id: None,
    }
}

/// Cold open (open + WAL + migrate check + first query) vs a warm LRU hit.
pub fn cold_open() {
    let dir = tempdir();
    let n = scale(300);
    let app = open(dir.path(), n + 10);
    let empresas: Vec<_> = (0..n).map(|i| criar_empresa(&app, &pedido(i)).expect("create")).collect();
    // Close everything: a fresh App has an empty LRU.
    drop(app);
    let app = open(dir.path(), n + 10);
    let mut cold = Vec::new();
    for e in &empresas {
        let t = Instant::now();
        app.tenant_db(e).expect("db").leads_total().expect("q");
        cold.push(ms(t.elapsed()));
    }
    let mut warm = Vec::new();
    for e in &empresas {
        let t = Instant::now();
        app.tenant_db(e).expect("db").leads_total().expect("q");
        warm.push(ms(t.elapsed()));
    }
    let (c50, w50) = (percentile(&mut cold, 50.0), percentile(&mut warm, 50.0));
    line(
        "tenant_cold_open_p50",
        c50,
        "ms",
        w50,
        &format!(
            "{n} tenants: cold open p50 {c50:.3} ms, p99 {:.3} ms; warm hit p50 {w50:.3} ms (baseline)",
            percentile(&mut cold, 99.0)
        ),
    );
}

/// `helixai tenant create` path (central row + migrated file) vs raw rusqlite building the
/// same schema in a new file.
pub fn create() {
    let dir = tempdir();
    let n = scale(200);
    let app = open(dir.path(), 64);
    let mut ours = Vec::new();
    for i in 0..n {
        let t = Instant::now();
        criar_empresa(&app, &pedido(i)).expect("create");
        ours.push(ms(t.elapsed()));
    }
    let raw_dir = dir.path().join("raw");
    std::fs::create_dir_all(&raw_dir).expect("mkdir");
    let schema: String = migrate::TENANT.iter().map(|m| m.sql).collect::<Vec<_>>().join("\n");
    let mut raw = Vec::new();
    for i in 0..n {
        let t = Instant::now();
        let c = rusqlite::Connection::open(raw_dir.join(format!("raw_{i}.db"))).expect("open");
        c.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(())).expect("wal");
        c.execute_batch(&format!("BEGIN; {schema} COMMIT;")).expect("schema");
        drop(c);
        raw.push(ms(t.elapsed()));
    }
    let (o, r) = (percentile(&mut ours, 50.0), percentile(&mut raw, 50.0));
    line(
        "tenant_create_p50",
        o,
        "ms",
        r,
        &format!(
            "{n} creations: p50 {o:.2} ms, p99 {:.2} ms (budget ≤ 20 ms); raw schema-in-a-new-file p50 {r:.2} ms",
            percentile(&mut ours, 99.0)
        ),
    );
}

/// Builds `n` empresas whose tenant files are at `version`, quickly (no App per tenant).
fn populate(dir: &Path, n: usize, version: u32) {
    let app = open(dir, 16);
    let tenants = app.data.tenants();
    for i in 0..n {
        let p = pedido(i);
        let nova =
            NovaEmpresa { nome: p.nome, slug: p.slug, setor: p.setor, whatsapp_phone_number_id: None, plano_id: None };
        app.central
            .empresa_criar(&nova, |e| {
                create_file_at_version(&tenant_path(&tenants, &e.database_name), e.id, &e.slug, e.setor, version)
            })
            .expect("create");
    }
}

/// 10,000 configured tenants: start-up time (independent of the count), RSS after touching
/// every tenant once with an LRU of 256, and descriptors bounded by the LRU.
pub fn ten_thousand() {
    let n = scale(10_000);
    let empty = tempdir();
    drop(open(empty.path(), 256));
    let t = Instant::now();
    let base_app = open(empty.path(), 256);
    let startup_empty = ms(t.elapsed());
    drop(base_app);

    let dir = tempdir();
    let t = Instant::now();
    populate(dir.path(), n, migrate::tenant_version());
    let populate_s = t.elapsed().as_secs_f64();
    let rss_before = rss_mib();
    let t = Instant::now();
    let app = open(dir.path(), 256);
    let server = helixai::server::start(std::sync::Arc::clone(&app)).expect("server");
    let startup = ms(t.elapsed());
    line(
        "startup_10k_tenants",
        startup,
        "ms",
        startup_empty,
        &format!("start-up with {n} configured tenants {startup:.1} ms (budget ≤ 200 ms) vs empty data dir {startup_empty:.1} ms; populating took {populate_s:.1} s"),
    );
    let empresas = app.central.empresas().expect("list");
    let t = Instant::now();
    for e in &empresas {
        app.tenant_db(e).expect("db").leads_total().expect("q");
    }
    let touch_s = t.elapsed().as_secs_f64();
    let rss = rss_mib();
    line(
        "rss_after_touching_10k",
        rss,
        "MiB",
        rss_before,
        &format!("RSS {rss:.1} MiB after touching {n} tenants once in {touch_s:.1} s (budget ≤ 100 MB); {rss_before:.1} MiB before opening the app"),
    );
    let fds = open_fds(Some(&app.data.tenants())) as f64;
    let bound = (256 * helixai::store::tenants::POOL_SIZE as usize * 3) as f64;
    line(
        "tenant_fds_10k",
        fds,
        "fds",
        bound,
        &format!("{fds} descriptors into tenants/ with {n} configured tenants; LRU bound 256 × pool 4 × 3 = {bound}; stats {:?}", app.tenants.stats()),
    );
    server.shutdown();
}

/// `helixai migrate --all` over n tenants with one pending migration vs raw rusqlite running the
/// same SQL file by file.
pub fn migrate_all() {
    let n = scale(10_000);
    let pending = migrate::tenant_version() - 1;
    let dir = tempdir();
    populate(dir.path(), n, pending);
    let bin = env!("CARGO_BIN_EXE_helixai");
    let t = Instant::now();
    let out = std::process::Command::new(bin)
        .args(["migrate", "--all", "--data-dir"])
        .arg(dir.path())
        .env("RUST_LOG", "warn")
        .output()
        .expect("run migrate");
    let ours = t.elapsed().as_secs_f64();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let raw_dir = tempdir();
    populate(raw_dir.path(), n, pending);
    let last = migrate::TENANT.last().expect("migration").sql;
    let files: Vec<_> = std::fs::read_dir(raw_dir.path().join("tenants"))
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "db"))
        .collect();
    let t = Instant::now();
    for f in &files {
        let c = rusqlite::Connection::open(f).expect("open");
        c.execute_batch(&format!("BEGIN IMMEDIATE; {last} PRAGMA user_version = {}; COMMIT;", pending + 1))
            .expect("sql");
    }
    let raw = t.elapsed().as_secs_f64();
    // Sanity: the product really migrated them.
    let sample = dir.path().join("tenants").join("empresa_1_empresa_0.db");
    assert_eq!(file_version(&sample).expect("version"), migrate::tenant_version());
    line(
        "migrate_all",
        ours,
        "s",
        raw,
        &format!("migrate --all over {n} tenants with one pending migration: {ours:.2} s (budget ≤ 20 s); raw sequential rusqlite {raw:.2} s"),
    );
}

/// What SQLite itself charges to open a closed tenant file (open + the connection pragmas +
/// the first query, which reads the schema and sets up the WAL index), against one message's
/// insert transaction on a connection already open — the unit the ingest baseline is made of.
/// It bounds the LRU-thrash ingest scenario: when every webhook misses the LRU, each one pays
/// at least this open before any HelixAI code runs.
pub fn open_floor() {
    let dir = tempdir();
    let n = scale(300);
    let files: Vec<_> = (0..n)
        .map(|i| {
            let p = dir.path().join(format!("floor_{i}.db"));
            helixai::store::tenant::create_file(
                &p,
                helixai::domain::EmpresaId(i as i64 + 1),
                &format!("f-{i}"),
                Setor::Veiculos,
            )
            .expect("file");
            p
        })
        .collect();
    let pragmas = "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000; PRAGMA synchronous=NORMAL; \
                   PRAGMA cache_size=-512; PRAGMA journal_size_limit=1048576; PRAGMA wal_autocheckpoint=256;";
    // Open every file once and keep it open (WAL and shm files exist from now on, as on a
    // server that closes without checkpointing), then time one insert transaction per file.
    let conns: Vec<_> = files
        .iter()
        .map(|p| {
            let c = rusqlite::Connection::open(p).expect("open");
            c.execute_batch(pragmas).expect("pragmas");
            // Warm: schema read, WAL index set up.
            let _: i64 = c.query_row("SELECT COUNT(*) FROM leads", [], |r| r.get(0)).expect("q");
            c
        })
        .collect();
    let mut insert = Vec::new();
    // Two messages per file, the second timed: the first write into a WAL that creation left
    // empty also writes and syncs the WAL header.
    for (i, c) in conns.iter().enumerate().flat_map(|(i, c)| [(2 * i, c), (2 * i + 1, c)]) {
        let t = Instant::now();
        c.execute_batch(&format!(
            "BEGIN; INSERT INTO leads (wa_id, nome) VALUES ('55119{i:08}', 'Cliente');
             INSERT INTO conversas (lead_id) VALUES (last_insert_rowid());
             INSERT INTO mensagens (conversa_id, direcao, autor, texto, wa_message_id) VALUES (last_insert_rowid(), 'entrada', 'cliente', 'oi', 'wamid.F{i}');
             COMMIT;"
        ))
        .expect("insert");
        if i % 2 == 1 {
            insert.push(ms(t.elapsed()));
        }
    }
    for c in conns {
        c.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true).expect("no ckpt");
        drop(c);
    }
    let mut abrir = Vec::new();
    for p in &files {
        let t = Instant::now();
        let c = rusqlite::Connection::open(p).expect("open");
        c.execute_batch(pragmas).expect("pragmas");
        let _: i64 = c.query_row("SELECT COUNT(*) FROM leads", [], |r| r.get(0)).expect("q");
        abrir.push(ms(t.elapsed()));
        c.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true).expect("no ckpt");
    }
    let (a50, i50) = (percentile(&mut abrir, 50.0), percentile(&mut insert, 50.0));
    line(
        "sqlite_open_floor_p50",
        a50,
        "ms",
        i50,
        &format!(
            "raw rusqlite open + pragmas + first query of a closed tenant file p50 {a50:.3} ms (p99 {:.3}) vs one \
             message's insert transaction on an open connection p50 {i50:.3} ms (baseline): every LRU miss costs \
             about {:.1} inserts before HelixAI runs",
            percentile(&mut abrir, 99.0),
            a50 / i50.max(1e-9)
        ),
    );
}
