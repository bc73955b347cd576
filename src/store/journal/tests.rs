//! Tests of the journal file: group commit, deferred deletes, checkpoints off the commit,
//! and the connections a webhook never waits for.

use std::path::Path;

use rusqlite::Connection;

use super::*;

fn eventos(l: &[Linha]) -> Vec<&str> {
    l.iter().map(|x| x.evento.as_str()).collect()
}

#[test]
fn rows_are_found_by_the_ids_anotar_gave_and_rebuilt_per_empresa_on_open() {
    let dir = tempfile::tempdir().expect("tmp");
    let j = JournalDb::open(&dir.path().join("journal.db")).expect("open");
    let ids = j
        .anotar(&[(EmpresaId(2), "a".into()), (EmpresaId(1), "b".into()), (EmpresaId(2), "c".into())], 1)
        .expect("anotar");
    assert_eq!(ids.len(), 3);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids in the order given: {ids:?}");
    assert_eq!(eventos(&j.lote(&[ids[0], ids[2]]).expect("lote")), ["a", "c"]);
    assert_eq!(
        j.pendentes().expect("p"),
        vec![(EmpresaId(2), vec![ids[0], ids[2]]), (EmpresaId(1), vec![ids[1]])],
        "per empresa, the empresa with the oldest row first"
    );
    j.marcar_invalida(ids[2]).expect("invalida");
    assert_eq!(eventos(&j.lote(&[ids[0], ids[2]]).expect("lote")), ["a"], "a row set aside is left out");
    j.concluir(&[ids[0]]);
    assert_eq!(j.por_apagar(), 1);
    assert_eq!(j.totais().expect("t"), (2, 1), "applied rows stay in the file until deleted");
    j.descarregar().expect("descarregar");
    assert_eq!(j.totais().expect("t"), (1, 1));
    drop(j);
    // Reopened: what was pending is still there, the row set aside is not handed out.
    let j = JournalDb::open(&dir.path().join("journal.db")).expect("reopen");
    assert_eq!(j.pendentes().expect("p"), vec![(EmpresaId(1), vec![ids[1]])]);
    assert_eq!(eventos(&j.lote(&[ids[1]]).expect("lote")), ["b"]);
    assert_eq!(j.descartar(&[ids[1]]).expect("descartar"), 1);
    assert_eq!(j.totais().expect("t"), (0, 1));
    j.integrity_check().expect("integrity");
}

#[test]
fn a_journal_written_with_the_empresa_index_opens_without_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("journal.db");
    Connection::open(&p)
        .and_then(|c| {
            c.execute_batch(
                "PRAGMA journal_mode = WAL;
                 CREATE TABLE entradas (id INTEGER PRIMARY KEY, empresa_id INTEGER NOT NULL, evento TEXT NOT NULL,
                     recebido_ms INTEGER NOT NULL, invalida INTEGER NOT NULL DEFAULT 0);
                 CREATE INDEX entradas_por_empresa ON entradas (empresa_id, id) WHERE invalida = 0;
                 INSERT INTO entradas (empresa_id, evento, recebido_ms) VALUES (7, 'x', 1), (3, 'y', 1), (7, 'z', 1);
                 PRAGMA user_version = 1;",
            )
        })
        .expect("old journal");
    let j = JournalDb::open(&p).expect("open");
    // A one-file journal's ids become the first file's (even: doubled, in the same order).
    assert_eq!(j.pendentes().expect("p"), vec![(EmpresaId(7), vec![2, 6]), (EmpresaId(3), vec![4])]);
    assert_eq!(eventos(&j.lote(&[2, 4, 6]).expect("lote")), ["x", "y", "z"]);
    let novos = j.anotar(&[(EmpresaId(3), "w".into())], 2).expect("anotar");
    assert!(novos[0] > 6, "new ids follow the old ones: {novos:?}");
    let indices: i64 = j.arquivos[0]
        .escrita()
        .query_row("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index'", [], |r| r.get(0))
        .expect("schema");
    assert_eq!(indices, 0, "one page written per commit, not two");
}

#[test]
fn applied_rows_are_deleted_by_later_group_commits_and_a_crash_before_that_hands_them_out_again() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("journal.db");
    let contar = |p: &Path| -> i64 {
        Connection::open(p).and_then(|c| c.query_row("SELECT COUNT(*) FROM entradas", [], |r| r.get(0))).expect("n")
    };
    let j = JournalDb::open(&p).expect("open");
    let rows: Vec<_> = (1..=100).map(|e| (EmpresaId(e), format!("ev-{e}"))).collect();
    let ids = j.anotar(&rows, 1).expect("anotar");
    j.concluir(&ids[..90]);
    assert_eq!(contar(&p), 100, "concluding deletes nothing by itself");
    // The next webhook's commit takes its share of the deletes: its own row, 32 + 2 × 1.
    j.anotar(&[(EmpresaId(7), "novo".into())], 2).expect("anotar");
    assert_eq!(contar(&p), 101 - (DESCARGA_POR_COMMIT as i64 + 2), "a bounded share rides on the commit");
    assert_eq!(j.por_apagar(), 90 - DESCARGA_POR_COMMIT - 2);
    drop(j); // a crash: the rest never deleted
    let j = JournalDb::open(&p).expect("reopen");
    let pendentes: usize = j.pendentes().expect("p").iter().map(|(_, v)| v.len()).sum();
    assert_eq!(pendentes, 101 - DESCARGA_POR_COMMIT - 2, "applied rows not yet deleted come back (harmless)");
    let todos: Vec<i64> = j.pendentes().expect("p").into_iter().flat_map(|(_, v)| v).collect();
    j.concluir(&todos);
    j.descarregar().expect("descarregar");
    assert_eq!(contar(&p), 0, "an explicit flush deletes the rest");
}

#[test]
fn housekeeping_waits_for_quiet_webhooks_and_checkpoints_off_the_commit() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("journal.db");
    let j = JournalDb::open(&p).expect("open");
    let auto: i64 = j.arquivos[0].escrita().query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0)).expect("pragma");
    assert_eq!(auto, 0, "a commit never checkpoints");
    let ids = j.anotar(&[(EmpresaId(1), "a".into())], 1_000).expect("anotar");
    j.concluir(&ids);
    assert!(!j.manutencao(1_000 + QUIETO_MS - 1, 5_000).expect("m"), "webhooks not quiet: nothing");
    assert_eq!(j.por_apagar(), 1, "no delete while webhooks come");
    assert!(!j.manutencao(1_000 + QUIETO_MS, 5_000).expect("m"), "quiet: deletes, no checkpoint yet");
    assert_eq!(j.por_apagar(), 0);
    let wal = dir.path().join("journal.db-wal");
    assert!(std::fs::metadata(&wal).expect("wal").len() > 0);
    assert!(j.manutencao(1_000 + 5_000, 5_000).expect("m"), "quiet long enough: checkpoint");
    let (log, copiados): (i64, i64) = j.arquivos[0]
        .escrita()
        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get(1)?, r.get(2)?)))
        .expect("ckpt");
    assert_eq!(log, copiados, "the housekeeping checkpoint copied the whole WAL");
    assert_eq!(std::fs::metadata(&wal).expect("wal").len(), 0, "and gave its disk back");
    assert!(!j.manutencao(1_000 + 60_000, 5_000).expect("m"), "nothing written since: no checkpoint");
    // A commit never truncates the WAL (after a burst that took 184 ms on a webhook's path).
    let limite: i64 = j.arquivos[0].escrita().query_row("PRAGMA journal_size_limit", [], |r| r.get(0)).expect("pragma");
    assert_eq!(limite, -1);
}

#[test]
fn a_webhook_never_waits_for_a_worker_reading_or_checkpointing() {
    // The workers run at nice 10: a connection they hold while descheduled must never be
    // one the webhooks need (issue #20).
    let dir = tempfile::tempdir().expect("tmp");
    let j = std::sync::Arc::new(JournalDb::open(&dir.path().join("journal.db")).expect("open"));
    let ids = j.anotar(&[(EmpresaId(1), "a".into())], 1).expect("anotar");
    let leituras = (j.arquivos[0].leitura(), j.arquivos[1].leitura());
    let checkpoints = (j.arquivos[0].conexao_checkpoint(), j.arquivos[1].conexao_checkpoint());
    let (tx, rx) = std::sync::mpsc::channel();
    let j2 = j.clone();
    let t = std::thread::spawn(move || {
        let r = j2.anotar(&[(EmpresaId(2), "b".into())], 2);
        let _ = tx.send(r.is_ok());
    });
    let feito = rx.recv_timeout(std::time::Duration::from_secs(10));
    drop((leituras, checkpoints));
    t.join().expect("thread");
    assert_eq!(feito, Ok(true), "the append went through while the worker's connections were held");
    assert_eq!(j.lote(&ids).expect("lote").len(), 1);
}

#[test]
fn concurrent_appends_share_commits_and_every_row_lands_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let j = std::sync::Arc::new(JournalDb::open(&dir.path().join("journal.db")).expect("open"));
    let hs: Vec<_> = (0..8)
        .map(|t| {
            let j = j.clone();
            std::thread::spawn(move || {
                let mut ids = Vec::new();
                for i in 0..200 {
                    let rows = [(EmpresaId(t), format!("{t}-{i}-a")), (EmpresaId(t), format!("{t}-{i}-b"))];
                    let novos = j.anotar(&rows, 1).expect("anotar");
                    assert_eq!(novos.len(), 2);
                    ids.extend(novos);
                }
                (t, ids)
            })
        })
        .collect();
    let hs_ids: Vec<_> = hs.into_iter().map(|h| h.join().expect("thread")).collect();
    assert_eq!(j.totais().expect("t"), (3200, 0));
    let mut todos = Vec::new();
    for (t, ids) in hs_ids {
        let l = j.lote(&ids).expect("lote");
        let esperado: Vec<String> = (0..200).flat_map(|i| [format!("{t}-{i}-a"), format!("{t}-{i}-b")]).collect();
        assert_eq!(l.into_iter().map(|x| x.evento).collect::<Vec<_>>(), esperado, "each call got its own ids");
        todos.extend(ids);
    }
    todos.sort_unstable();
    todos.dedup();
    assert_eq!(todos.len(), 3200, "no id handed to two rows");
}

#[test]
fn every_call_in_a_failed_group_commit_fails_and_nothing_is_left_behind() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("journal.db");
    let j = std::sync::Arc::new(JournalDb::open(&p).expect("open"));
    // Every commit fails from now on: the table is gone under the journal's feet.
    Connection::open(&p).and_then(|c| c.execute_batch("DROP TABLE entradas")).expect("drop");
    let hs: Vec<_> = (0..8)
        .map(|t| {
            let j = j.clone();
            std::thread::spawn(move || {
                (0..25).filter(|i| j.anotar(&[(EmpresaId(t), format!("{t}-{i}"))], 1).is_err()).count()
            })
        })
        .collect();
    let falhas: usize = hs.into_iter().map(|h| h.join().expect("thread")).sum();
    assert_eq!(falhas, 200, "no call of a failed group is acknowledged");
    let g = j.grupo.lock().expect("grupo");
    assert!(g.falhas.is_empty() && g.fila.is_empty() && !g.escrevendo, "every failure read once, then dropped");
    assert!(g.ids.is_empty() && g.chamadas.is_empty(), "no ids kept for calls that failed");
}

#[test]
fn a_journal_of_a_newer_binary_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("journal.db");
    Connection::open(&p).and_then(|c| c.execute_batch("PRAGMA user_version = 99")).expect("newer");
    let e = JournalDb::open(&p).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("versão mais nova"), "{e}");
}

#[test]
fn a_group_commit_deletes_the_oldest_applied_rows_first() {
    let dir = tempfile::tempdir().expect("tmp");
    let j = JournalDb::open(&dir.path().join("journal.db")).expect("open");
    let rows: Vec<(EmpresaId, String)> = (0..100).map(|i| (EmpresaId(i % 7), format!("e{i}"))).collect();
    let ids = j.anotar(&rows, 1).expect("anotar");
    // Applied newest first, as batches of different empresas finish in any order.
    for lote in ids.chunks(10).rev() {
        j.concluir(lote);
    }
    j.anotar(&[(EmpresaId(1), "novo".into())], 2).expect("commit");
    let apagados = DESCARGA_POR_COMMIT + 2;
    assert_eq!(j.por_apagar(), 100 - apagados);
    assert!(j.lote(&ids[..apagados]).expect("lote").is_empty(), "the oldest ones went");
    assert_eq!(j.lote(&ids[apagados..]).expect("lote").len(), 100 - apagados, "the newer ones wait");
}

#[test]
fn group_commits_move_to_the_other_file_whose_wal_is_then_reused_from_its_start() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("journal.db");
    let j = JournalDb::open(&p).expect("open").com_limite_quadros(64);
    let wal = |nome: &str| std::fs::metadata(dir.path().join(nome)).map_or(0, |m| m.len());
    let (mut todos, mut esperando) = (Vec::new(), Vec::new());
    let mut wal_primeira_rodada = 0;
    for rodada in 0..6 {
        for k in 0..100 {
            let ids = j.anotar(&[(EmpresaId(k % 5), format!("{rodada}-{k}-{}", "x".repeat(300)))], 1).expect("anotar");
            todos.extend(&ids);
            if k % 2 == 0 {
                j.concluir(&ids);
            } else {
                esperando.extend(ids);
            }
        }
        if rodada == 0 {
            wal_primeira_rodada = wal("journal.db-wal");
        }
        // Webhooks still coming (not quiet): the worker readies the file commits left.
        assert!(!j.manutencao(1, 5_000).expect("manutencao"));
    }
    assert_eq!(j.trocas(), 5, "one move per round once the second file was ready");
    let reinicios: i64 = j
        .arquivos
        .iter()
        .map(|a| {
            a.escrita()
                .query_row("SELECT COALESCE(SUM(vezes), 0) FROM reinicios", [], |r| r.get::<_, i64>(0))
                .expect("reinicios")
        })
        .sum();
    assert!(reinicios >= 5, "a worker restarted each WAL before commits came back to it: {reinicios}");
    assert!(todos.windows(2).all(|w| w[0] < w[1]), "one sequence of ids across both files");
    assert!(todos.iter().any(|id| arquivo_de(*id) == 0) && todos.iter().any(|id| arquivo_de(*id) == 1));
    // The first file was written in rounds 0, 2 and 4: appended, its WAL would be ~3 times
    // the first round's; reused from the start, it stays that size.
    let (wal0, wal1) = (wal("journal.db-wal"), wal("journal-2.db-wal"));
    assert!(wal_primeira_rodada > 64 * 4096, "{wal_primeira_rodada}");
    assert!(wal0 <= wal_primeira_rodada + wal_primeira_rodada / 4, "{wal0} vs {wal_primeira_rodada}");
    assert!(wal1 > 0 && wal1 <= wal_primeira_rodada + wal_primeira_rodada / 4, "{wal1}");
    assert_eq!(j.lote(&esperando).expect("lote").len(), esperando.len(), "every waiting row found in its file");
    j.descarregar().expect("descarregar");
    assert_eq!(j.totais().expect("totais"), (esperando.len() as i64, 0), "the applied rows of both files deleted");
    j.integrity_check().expect("integrity");
    drop(j);
    let j = JournalDb::open(&p).expect("reopen");
    let mut por_empresa: Vec<(EmpresaId, Vec<i64>)> = Vec::new();
    for id in &esperando {
        let e = j.lote(&[*id]).expect("lote").remove(0).evento;
        let k: i64 = e.split('-').nth(1).and_then(|k| k.parse().ok()).expect("k");
        match por_empresa.iter_mut().find(|(emp, _)| emp.0 == k % 5) {
            Some((_, v)) => v.push(*id),
            None => por_empresa.push((EmpresaId(k % 5), vec![*id])),
        }
    }
    assert_eq!(j.pendentes().expect("pendentes"), por_empresa, "rebuilt from both files, in arrival order");
    let novo = j.anotar(&[(EmpresaId(1), "depois".into())], 2).expect("anotar");
    assert!(novo[0] > *todos.last().expect("ids"), "the sequence goes on after a restart");
}

#[test]
fn the_second_file_sits_next_to_the_first() {
    assert_eq!(segundo_arquivo(Path::new("/d/journal.db")), Path::new("/d/journal-2.db"));
    assert_eq!(segundo_arquivo(Path::new("j")), Path::new("j-2"));
}
