//! Unit tests of the journal's scheduling: which worker takes which empresa's batch, backoff,
//! wake-ups, the bound, and the counting rule (a batch only takes counted ids).

use super::fila::QUIETO;
use super::*;
use crate::pipeline::evento::MensagemAnotada;
use crate::store::journal::LIMITE_QUADROS;

fn evento(i: usize) -> Evento {
    Evento::Mensagem(MensagemAnotada { wa_message_id: format!("wamid.{i}"), ..MensagemAnotada::default() })
}

#[test]
fn extra_workers_only_take_a_backlog_and_one_empresa_is_never_taken_twice() {
    let dir = tempfile::tempdir().expect("tmp");
    let j = Journal::open(&dir.path().join("journal.db"), LIMITE_QUADROS).expect("open");
    let poucos: Vec<_> = (0..10).map(|i| (EmpresaId(1 + (i as i64 % 2)), evento(i))).collect();
    j.anotar(&poucos).expect("anotar");
    assert_eq!(j.tomar(Duration::ZERO, ATRASO_PARA_AJUDA, Duration::ZERO), None, "a trickle is the first worker's");
    let (primeira, lote1) = j.tomar(Duration::ZERO, 0, Duration::ZERO).expect("a batch");
    assert_eq!((primeira, lote1.len()), (EmpresaId(1), 5), "oldest first, all it has");
    let (segunda, lote2) = j.tomar(Duration::ZERO, 0, Duration::ZERO).expect("a batch");
    assert_eq!(segunda, EmpresaId(2));
    assert_eq!(j.tomar(Duration::ZERO, 0, Duration::ZERO), None, "empresa 1 is being applied: not handed out again");
    let muitos: Vec<_> = (0..ATRASO_PARA_AJUDA).map(|i| (EmpresaId(3), evento(100 + i))).collect();
    j.anotar(&muitos).expect("anotar");
    let ajuda = j.tomar(Duration::ZERO, ATRASO_PARA_AJUDA, Duration::ZERO).map(|(id, l)| (id, l.len()));
    assert_eq!(ajuda, Some((EmpresaId(3), LOTE_MAX)), "a backlog gets help, LOTE_MAX at a time");
    // A failed batch holds its empresa back; a good one leaves.
    j.devolver(EmpresaId(1), lote1.clone(), Some("arquivo corrompido".into()));
    j.devolver(EmpresaId(2), lote2, None);
    assert_eq!(j.stats(), JournalStats { pendentes: 5 + ATRASO_PARA_AJUDA, retidas: 5 });
    let r = j.retidos();
    assert_eq!((r.len(), r[0].empresa_id, r[0].pendentes, r[0].tentativas), (1, EmpresaId(1), 5, 1));
    assert_eq!(j.tomar(Duration::ZERO, 0, Duration::ZERO), None, "held back until its backoff passes");
    assert_eq!(
        j.tomar(ESPERA_BASE * 4, 0, Duration::ZERO),
        Some((EmpresaId(1), lote1)),
        "then tried again: the same events, in the same order"
    );
}

#[test]
fn a_batch_takes_only_counted_events_and_one_committed_meanwhile_waits_for_the_next() {
    let dir = tempfile::tempdir().expect("tmp");
    let j = Journal::open(&dir.path().join("journal.db"), LIMITE_QUADROS).expect("open");
    j.anotar(&[(EmpresaId(1), evento(1))]).expect("anotar");
    let (_, primeiro) = j.tomar(Duration::ZERO, 0, Duration::ZERO).expect("a batch");
    // A webhook commits its row while the batch runs and has not counted it yet (the
    // interleaving that once left a phantom count the worker spun on forever).
    let json = serde_json::to_string(&evento(2)).expect("json");
    let tarde = j.db.anotar(&[(EmpresaId(1), json)], 1).expect("commit");
    assert_eq!(j.db.lote(&primeiro).expect("lote").len(), 1, "the batch reads its own ids only");
    j.devolver(EmpresaId(1), primeiro, None);
    assert_eq!(j.stats(), JournalStats { pendentes: 0, retidas: 0 });
    assert_eq!(j.tomar(Duration::ZERO, 0, Duration::ZERO), None, "not counted yet: not handed out");
    j.contar(std::iter::once((EmpresaId(1), tarde[0])));
    assert_eq!(j.stats().pendentes, 1);
    assert_eq!(j.tomar(Duration::ZERO, 0, Duration::ZERO), Some((EmpresaId(1), tarde)), "counted: the next batch");
}

#[test]
fn a_new_event_wakes_the_first_worker_even_when_a_helper_sleeps_too() {
    // A wake-up, not a speed figure: a worker not woken sleeps out its whole wait (20 s
    // here), so the bound below only separates "woken" from "not woken".
    let dir = tempfile::tempdir().expect("tmp");
    let j = Arc::new(Journal::open(&dir.path().join("journal.db"), LIMITE_QUADROS).expect("open"));
    let helpers: Vec<_> = (0..4)
        .map(|_| {
            let j = j.clone();
            std::thread::spawn(move || j.tomar(Duration::from_millis(300), ATRASO_PARA_AJUDA, Duration::ZERO))
        })
        .collect();
    let primeiro = {
        let j = j.clone();
        std::thread::spawn(move || {
            let t = Instant::now();
            (j.tomar(Duration::from_secs(20), 0, Duration::ZERO), t.elapsed())
        })
    };
    std::thread::sleep(Duration::from_millis(50));
    j.anotar(&[(EmpresaId(1), evento(1))]).expect("anotar");
    let (tomada, levou) = primeiro.join().expect("thread");
    assert_eq!(tomada.map(|(id, _)| id), Some(EmpresaId(1)));
    assert!(levou < Duration::from_secs(10), "the first worker was not woken: {levou:?}");
    for h in helpers {
        assert_eq!(h.join().expect("helper"), None, "one event is no backlog");
    }
}

#[test]
fn past_the_bound_a_webhook_is_refused_whole_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tmp");
    let j = Journal::open(&dir.path().join("journal.db"), LIMITE_QUADROS).expect("open");
    assert_eq!(j.limite, JOURNAL_MAX, "the product's bound");
    let j = j.com_limite(1_000);
    let quase: Vec<_> = (0..990).map(|i| (EmpresaId(1), evento(i))).collect();
    j.anotar(&quase).expect("within the bound");
    let demais: Vec<_> = (990..=1_000).map(|i| (EmpresaId(2), evento(i))).collect();
    let e = j.anotar(&demais).err();
    assert!(matches!(e, Some(Error::Unavailable(_))), "{e:?}");
    assert_eq!(j.stats().pendentes, 990);
    assert_eq!(j.db.totais().expect("totais"), (990, 0), "nothing of the refused webhook in the file");
    j.anotar(&demais[..10]).expect("exactly at the bound is still taken");
}

#[test]
fn in_a_burst_the_front_empresa_waits_for_its_age_or_a_pause_and_never_otherwise() {
    let t0 = Instant::now();
    let ms = |n: u64| t0 + Duration::from_millis(n);
    let reter = Duration::from_secs(2);
    let mut e = Estado { total: ATRASO_PARA_AJUDA, ..Estado::default() };
    e.fila.push_back((EmpresaId(1), Some(t0)));
    e.na_fila.insert(EmpresaId(1));
    e.ultima_chegada = Some(ms(1000));
    assert_eq!(e.escolher(ms(1005), 0, reter), (Some(0), None), "no backlog: nothing held, however fresh");
    e.total = ATRASO_PARA_AJUDA + 500;
    assert_eq!(e.adiar_ate(ms(1005), reter), Some(ms(1000) + QUIETO), "held until the pause or its age");
    e.ultima_chegada = Some(ms(1995));
    assert_eq!(e.adiar_ate(ms(1996), reter), Some(ms(2000)), "the age comes first");
    assert_eq!(e.adiar_ate(ms(2000), reter), None, "old enough: applied though arrivals go on");
    e.ultima_chegada = Some(ms(1000));
    assert_eq!(e.adiar_ate(ms(1000) + QUIETO, reter), None, "arrivals paused: the burst is over");
    e.ultima_chegada = Some(ms(1005));
    assert_eq!(e.adiar_ate(ms(1006), Duration::ZERO), None, "reter 0 (no debounce, a drain): never held");
    // Events of an empresa held back after a failure are no backlog the workers can work on.
    e.retidos.insert(
        EmpresaId(9),
        Retido { ate: ms(60_000), tentativas: 1, erro: "disco cheio".into(), desde: String::new() },
    );
    e.pendentes.insert(EmpresaId(9), (0..501).collect());
    assert_eq!(e.adiar_ate(ms(1006), reter), None, "999 workable events: no burst");
    e.pendentes.insert(EmpresaId(9), (0..499).collect());
    assert!(e.adiar_ate(ms(1006), reter).is_some(), "1,001 workable events: a burst");
    // Held back: nothing for a worker, unless something is due whatever the load (a full
    // batch's rest, a retry, start-up) — taken from behind the front.
    assert_eq!(e.escolher(ms(1006), 0, reter), (None, Some(ms(1005) + QUIETO)));
    e.fila.push_back((EmpresaId(2), Some(ms(10))));
    e.fila.push_back((EmpresaId(3), None));
    assert_eq!(e.escolher(ms(1006), 0, reter), (Some(2), Some(ms(1005) + QUIETO)));
    assert_eq!(e.escolher(ms(1006), e.total, reter).0, None, "a helper below its backlog takes nothing");
    assert_eq!(e.escolher(ms(1006), 0, Duration::ZERO), (Some(0), None), "not held: the oldest");
    e.fila[0].1 = None;
    assert_eq!(e.adiar_ate(ms(1006), reter), None, "a due front is not held");
}

#[test]
fn a_worker_holding_back_a_burst_is_released_when_the_arrivals_pause() {
    let dir = tempfile::tempdir().expect("tmp");
    let j = Arc::new(Journal::open(&dir.path().join("journal.db"), LIMITE_QUADROS).expect("open"));
    let rajada: Vec<_> = (0..ATRASO_PARA_AJUDA + 100).map(|i| (EmpresaId(1 + (i % 50) as i64), evento(i))).collect();
    j.anotar(&rajada).expect("anotar");
    // Held for up to 60 s by age; the pause (QUIETO) must end the wait, not the 60 s.
    let worker = {
        let j = j.clone();
        std::thread::spawn(move || {
            let t = Instant::now();
            (j.tomar(Duration::from_secs(60), 0, Duration::from_secs(60)), t.elapsed())
        })
    };
    let (tomada, levou) = worker.join().expect("worker");
    assert_eq!(tomada.map(|(id, l)| (id, l.len())), Some((EmpresaId(1), 22)), "the oldest, all it has");
    assert!(levou < Duration::from_secs(30), "held past the pause: {levou:?}");
}

#[test]
fn a_webhook_never_waits_for_the_workers_queue() {
    // A worker holds the queue while it picks an empresa; descheduled there (it runs at nice
    // 10), it must not hold an acknowledgement up (issue #20).
    let dir = tempfile::tempdir().expect("tmp");
    let j = Arc::new(Journal::open(&dir.path().join("journal.db"), LIMITE_QUADROS).expect("open"));
    let fila = j.lock();
    let (tx, rx) = std::sync::mpsc::channel();
    let j2 = j.clone();
    let t = std::thread::spawn(move || {
        let _ = tx.send(j2.anotar(&[(EmpresaId(1), evento(1))]).is_ok());
    });
    let feito = rx.recv_timeout(Duration::from_secs(10));
    drop(fila);
    t.join().expect("thread");
    assert_eq!(feito, Ok(true), "the webhook was answered while a worker held the queue");
    assert_eq!(j.stats().pendentes, 1);
    assert_eq!(j.tomar(Duration::ZERO, 0, Duration::ZERO).map(|(id, l)| (id, l.len())), Some((EmpresaId(1), 1)));
}
