//! The saga end to end with worker processes: the simulator in-process (port 0, timeouts, HTTP
//! 500s and "authorize then drop the answer" injected), the API in-process, and two
//! `arca serve --role workers` children over the test's database, one SIGKILLed while invoices
//! are in flight and started again. Afterwards every invoice has exactly one end, the
//! simulator's ledger has no gap and no duplicate and one voucher per CAE with its amounts, and
//! the read model agrees with the event store (see `arca::harness::audit`).

#![allow(clippy::unwrap_used)] // test set-up panics on failure by design

use std::path::Path;
use std::time::Duration;

use arca::harness::audit::audit;
use arca::harness::faults::schedule;
use arca::harness::load::{Api, sim_api_config, wait_until_final};
use arca::harness::processes::{
    WorkerEnv, WorkerProcesses, kill_and_restart_midway, simulator_for_workers,
};
use arca::harness::scratch::with_database;
use arca_ws::sim::FaultMode;
use eventstore::PgEventStore;
use sqlx::PgPool;

/// 20 invoices in each of the 18 series.
const COUNT: usize = 360;

/// The test database's URL, for the children (the server of `DATABASE_URL`).
fn database_url(pool: &PgPool) -> String {
    let server = std::env::var("DATABASE_URL").unwrap();
    let name = pool.connect_options().get_database().unwrap().to_owned();
    with_database(&server, &name).unwrap()
}

fn nats_url() -> String {
    std::env::var("ARCA_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn two_worker_processes_one_killed_mid_run_give_every_invoice_exactly_one_end(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let (_, sim) = simulator_for_workers(dir.path()).await.unwrap();
    let faults = [
        FaultMode::Timeout,
        FaultMode::Http500,
        FaultMode::DropResponse,
    ];
    schedule(&sim.sim, &faults, 2, 1);
    let api = Api::start(&PgEventStore::new(pool.clone()), &sim_api_config())
        .await
        .unwrap();
    let env = WorkerEnv::new(&database_url(&pool), &sim, dir.path(), &nats_url());
    let exe = Path::new(env!("CARGO_BIN_EXE_arca"));
    let mut workers = WorkerProcesses::start(exe, env.clone(), 2).unwrap();

    let posting = api.request_all(COUNT, 16);
    let quarter = i64::try_from(COUNT / 4).unwrap();
    let killing = kill_and_restart_midway(&mut workers, &pool, quarter, Duration::from_secs(60));
    let (refused, kill) = tokio::join!(posting, killing);
    assert_eq!(refused, 0, "every invoice accepted");
    let kill = kill.unwrap();
    assert!(
        kill.open > 0,
        "killed while invoices were in flight: {kill:?}"
    );
    assert_eq!((workers.kills, workers.restarts), (1, 1));

    let settled = wait_until_final(&pool, COUNT, Duration::from_secs(90)).await;
    let crashed = workers.exited().unwrap();
    if settled.is_err() || !crashed.is_empty() {
        for i in 0..2 {
            eprintln!("worker {i}:\n{}", workers.log_tail(i));
        }
    }
    settled.unwrap();
    assert!(crashed.is_empty(), "workers {crashed:?} died on their own");
    drop(workers);
    env.delete_stream().await;

    assert!(
        sim.sim.faults().list().is_empty(),
        "every scheduled fault was injected: {:?}",
        sim.sim.faults().list()
    );
    let audit = audit(&pool, &sim.sim).await.unwrap();
    assert_eq!(audit.problems, Vec::<String>::new(), "{audit:?}");
    assert_eq!(audit.invoices, COUNT);
    assert_eq!(audit.authorized + audit.rejected, COUNT);
    assert_eq!(audit.authorized, audit.ledger_vouchers);
    assert_eq!(audit.series, 18);
    let reconciled: i64 =
        sqlx::query_scalar("select count(*) from es.events where event_type = 'series.blocked'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(
        reconciled >= 2,
        "lost answers were reconciled: {reconciled}"
    );
}

/// A worker stops within 10 s of SIGTERM even while it waits on ARCA in a reconciliation (an
/// answer that never comes, 30 s allowed for it).
#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_worker_stops_within_ten_seconds_of_sigterm_in_the_middle_of_a_reconciliation(
    pool: PgPool,
) {
    use arca_ws::sim::FaultSpec;

    let dir = tempfile::tempdir().unwrap();
    let (_, sim) = simulator_for_workers(dir.path()).await.unwrap();
    let spec = |mode, times| FaultSpec {
        mode,
        times,
        ..FaultSpec::default()
    };
    // The first authorization fails: the series blocks; every consultation then hangs.
    sim.sim
        .faults()
        .set("FECAESolicitar", spec(FaultMode::Http500, Some(1)));
    sim.sim
        .faults()
        .set("FECompConsultar", spec(FaultMode::Timeout, None));
    let api = Api::start(&PgEventStore::new(pool.clone()), &sim_api_config())
        .await
        .unwrap();
    let mut env = WorkerEnv::new(&database_url(&pool), &sim, dir.path(), &nats_url());
    env.answer_within = Duration::from_secs(30);
    let exe = Path::new(env!("CARGO_BIN_EXE_arca"));
    let mut workers = WorkerProcesses::start(exe, env.clone(), 1).unwrap();
    assert_eq!(api.request_all(1, 1).await, 0, "the invoice was accepted");

    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let blocked: i64 = sqlx::query_scalar(
            "select count(*) from es.events where event_type = 'series.blocked'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if blocked > 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the series never blocked:\n{}",
            workers.log_tail(0)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Past the first pause (250 ms): the reconciliation waits on FECompConsultar.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (took, clean) = workers
        .terminate(0, Duration::from_secs(40))
        .unwrap_or_else(|e| panic!("{e}:\n{}", workers.log_tail(0)));
    assert!(took < Duration::from_secs(10), "stopped after {took:?}");
    assert!(clean, "exited with an error:\n{}", workers.log_tail(0));
    drop(workers);
    env.delete_stream().await;
}
