//! TenantManager under concurrency: many tenants, a small LRU, every tenant keeps exactly
//! its own rows, and descriptors stay bounded by the LRU.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use helixai::config::ServerConfig;
use helixai::domain::Setor;
use helixai::provision::{criar_empresa, PedidoEmpresa};
use helixai::store::tenants::{FECHANDO_MAX, POOL_SIZE};

use crate::support::{open_app, test_config, TestDir};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// File descriptors of this process that point into `dir`.
fn fds_into(dir: &std::path::Path) -> Vec<String> {
    let prefix = dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc/self/fd")
        .map(|rd| {
            rd.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
                .map(|p| p.to_string_lossy().into_owned())
                .filter(|p| p.starts_with(&prefix))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn sixteen_threads_over_500_tenants_with_capacity_32() {
    const TENANTS: usize = 500;
    const CAPACITY: usize = 32;
    const THREADS: u64 = 16;
    const OPS: u64 = 400;
    let dir = TestDir::new();
    let app = open_app(&dir, ServerConfig { max_open_tenants: CAPACITY, ..test_config() });
    let setores = [Setor::Veiculos, Setor::Imoveis, Setor::Autopecas, Setor::Varejo, Setor::Servicos];
    let empresas: Vec<_> = (0..TENANTS)
        .map(|i| {
            criar_empresa(
                &app,
                &PedidoEmpresa {
                    nome: format!("Empresa {i}"),
                    slug: format!("empresa-{i}"),
                    setor: setores[i % 5],
                    whatsapp_phone_number_id: None,
                    plano_id: None,
                },
            )
            .expect("create")
        })
        .collect();
    let empresas = Arc::new(empresas);
    let writes: Arc<Vec<AtomicU64>> = Arc::new((0..TENANTS).map(|_| AtomicU64::new(0)).collect());
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (app, empresas, writes) = (app.clone(), empresas.clone(), writes.clone());
            std::thread::spawn(move || {
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (t + 1));
                for n in 0..OPS {
                    let i = (rng.next() % TENANTS as u64) as usize;
                    let e = &empresas[i];
                    let db = app.tenant_db(e).expect("tenant db");
                    assert_eq!(db.empresa_id(), e.id);
                    if rng.next().is_multiple_of(2) {
                        db.lead_upsert_wa(&format!("t{}-{t}-{n}", e.id), Some("Cliente")).expect("write");
                        writes[i].fetch_add(1, Ordering::Relaxed);
                    } else {
                        for lead in db.leads_listar(None, 200, None).expect("read") {
                            let wa = lead.wa_id.unwrap_or_default();
                            assert!(wa.starts_with(&format!("t{}-", e.id)), "tenant {} sees foreign lead {wa}", e.id);
                        }
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("worker thread");
    }
    let stats = app.tenants.stats();
    assert!(stats.open <= CAPACITY, "{stats:?}");
    assert!(stats.evictions > 0, "the LRU must have evicted: {stats:?}");
    // Descriptors: bounded by the LRU, not by the 500 configured tenants. Right after the
    // storm, evicted pools may still wait for the closer thread, at most FECHANDO_MAX of them.
    let transitorios = fds_into(&dir.data().join("tenants"));
    let limite = (CAPACITY + FECHANDO_MAX) * POOL_SIZE as usize * 3;
    assert!(transitorios.len() <= limite, "{} descriptors into tenants/ (bound {limite})", transitorios.len());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while app.tenants.stats().fechando > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(app.tenants.stats().fechando, 0, "the closer thread must drain");
    let fds = fds_into(&dir.data().join("tenants"));
    let main_files: Vec<_> = fds.iter().filter(|p| p.ends_with(".db")).collect();
    let distinct: HashSet<_> = main_files.iter().collect();
    assert!(distinct.len() <= CAPACITY, "{} tenant files open", distinct.len());
    assert!(main_files.len() <= CAPACITY * POOL_SIZE as usize, "{} tenant db descriptors", main_files.len());
    assert!(fds.len() <= CAPACITY * POOL_SIZE as usize * 3, "{} descriptors into tenants/", fds.len());
    // Every tenant holds exactly its own rows.
    let mut total = 0;
    for (i, e) in empresas.iter().enumerate() {
        let db = app.tenant_db(e).expect("db");
        let leads = db.leads_listar(None, 200, None).expect("list");
        let expected = writes[i].load(Ordering::Relaxed);
        assert_eq!(db.leads_total().expect("count") as u64, expected, "tenant {}", e.id);
        assert!(leads.iter().all(|l| l.wa_id.as_deref().unwrap_or("").starts_with(&format!("t{}-", e.id))));
        total += expected;
    }
    assert!(total > 0);
}

/// One tenant, more threads than it has connections: the first connection (made by the
/// opening thread) and the pool's lend and take back in turn; nothing is lost and the file
/// never has more than POOL_SIZE connections.
#[test]
fn one_tenant_under_more_threads_than_connections() {
    const THREADS: usize = 12;
    const OPS: usize = 50;
    let dir = TestDir::new();
    let app = open_app(&dir, ServerConfig { max_open_tenants: 4, ..test_config() });
    let e = criar_empresa(
        &app,
        &PedidoEmpresa {
            nome: "Concorrida".into(),
            slug: "concorrida".into(),
            setor: Setor::Varejo,
            whatsapp_phone_number_id: None,
            plano_id: None,
        },
    )
    .expect("create");
    let e = Arc::new(e);
    let pico = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (app, e, pico, dir) = (app.clone(), e.clone(), pico.clone(), dir.data().join("tenants"));
            std::thread::spawn(move || {
                for n in 0..OPS {
                    let db = app.tenant_db(&e).expect("tenant db");
                    db.lead_upsert_wa(&format!("55119{t:02}{n:05}"), Some("Cliente")).expect("write");
                    if n % 10 == 0 {
                        let abertos = fds_into(&dir).iter().filter(|p| p.ends_with(".db")).count() as u64;
                        pico.fetch_max(abertos, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("worker thread");
    }
    let db = app.tenant_db(&e).expect("db");
    assert_eq!(db.leads_total().expect("count"), (THREADS * OPS) as i64);
    let pico = pico.load(Ordering::Relaxed);
    assert!(pico >= 1 && pico <= u64::from(POOL_SIZE), "{pico} connections to one tenant file");
}

#[test]
fn missing_tenant_file_is_an_error_not_an_empty_db() {
    let dir = TestDir::new();
    let app = open_app(&dir, test_config());
    let e = criar_empresa(
        &app,
        &PedidoEmpresa {
            nome: "X".into(),
            slug: "x".into(),
            setor: Setor::Varejo,
            whatsapp_phone_number_id: None,
            plano_id: None,
        },
    )
    .expect("create");
    let path = app.tenants.path_of(&e.database_name);
    std::fs::remove_file(&path).expect("rm");
    assert!(app.tenant_db(&e).is_err());
    assert!(!path.exists(), "opening must not recreate a missing tenant file");
}

#[test]
fn a_corrupt_tenant_fails_alone_and_is_listed() {
    let dir = TestDir::new();
    let app = open_app(&dir, test_config());
    let mk = |slug: &str| {
        criar_empresa(
            &app,
            &PedidoEmpresa {
                nome: slug.into(),
                slug: slug.into(),
                setor: Setor::Varejo,
                whatsapp_phone_number_id: None,
                plano_id: None,
            },
        )
        .expect("create")
    };
    let (bad, good) = (mk("quebrada"), mk("saudavel"));
    let path = app.tenants.path_of(&bad.database_name);
    std::fs::write(&path, vec![0x5a; 8192]).expect("corrupt");
    assert!(app.tenant_db(&bad).is_err(), "a corrupt file must not open");
    let db = app.tenant_db(&good).expect("the healthy tenant still opens");
    db.lead_upsert_wa("5511999990000", Some("Cliente")).expect("and writes");
    let failures = app.tenants.failures();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].empresa_id, bad.id);
    assert!(!failures[0].erro.is_empty());
}

#[test]
fn an_evicted_tenant_with_a_big_wal_leaves_it_folded_into_the_file() {
    let dir = TestDir::new();
    let app = open_app(&dir, ServerConfig { max_open_tenants: 1, ..test_config() });
    let pedido = |slug: &str| PedidoEmpresa {
        nome: slug.into(),
        slug: slug.into(),
        setor: Setor::Varejo,
        whatsapp_phone_number_id: None,
        plano_id: None,
    };
    let a = criar_empresa(&app, &pedido("grande")).expect("a");
    let b = criar_empresa(&app, &pedido("outra")).expect("b");
    let db = app.tenant_db(&a).expect("db a");
    // ~2 MiB of leads with long notes: past the 256 KiB idle-WAL bound, under the 1,000-page
    // automatic checkpoint.
    let nota = "x".repeat(12_000);
    for i in 0..120 {
        let lead = db.lead_upsert_wa(&format!("5511900{i:06}"), Some("Cliente")).expect("lead");
        let alteracao =
            helixai::store::tenant::leads::LeadAlteracao { notas: Some(Some(nota.clone())), ..Default::default() };
        db.lead_alterar(lead, &alteracao).expect("notes");
    }
    drop(db);
    let wal = app.tenants.path_of(&a.database_name).with_extension("db-wal");
    let antes = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert!(antes > 1024 * 1024, "the test needs a big WAL, got {antes}");
    // Opening B evicts A; the closer thread checkpoints and truncates its WAL.
    app.tenant_db(&b).expect("db b").leads_total().expect("b");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let depois = loop {
        let n = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        if n < 64 * 1024 || std::time::Instant::now() > deadline {
            break n;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(depois < 64 * 1024, "WAL still {depois} bytes after eviction");
    // Nothing was lost in the fold.
    assert_eq!(app.tenant_db(&a).expect("db a").leads_total().expect("count"), 120);
}
