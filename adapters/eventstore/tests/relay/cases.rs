//! Exactly once, crash recovery, failover and outages.

use std::sync::Arc;

use anyhow::ensure;
use eventstore::relay::{RelayBus, RelayError, RelaySnapshot};
use sqlx::PgPool;
use tokio::time::Instant;

use crate::support::{DEADLINE, MemoryBus, append, assert_exactly_once, drain, ledger_max, relay};

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn every_event_of_concurrent_writers_is_published_exactly_once(
    pool: PgPool,
) -> anyhow::Result<()> {
    let bus = MemoryBus::default();
    let relay = relay(&pool, Arc::new(bus.clone()) as Arc<dyn RelayBus>, 7);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(relay.run(async {
        let _ = stopped.await;
    }));
    let writers: Vec<_> = (0..6)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { append(&pool, 25).await })
        })
        .collect();
    let mut ids = Vec::new();
    for writer in writers {
        ids.extend(writer.await??);
    }
    let deadline = Instant::now() + DEADLINE;
    while ledger_max(&pool).await? < ids.len() as u64 {
        ensure!(Instant::now() < deadline, "the relay did not catch up");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let _ = stop.send(());
    running.await?;
    assert_exactly_once(&pool, &bus, &ids).await
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_crash_between_publish_and_checkpoint_is_fast_forwarded_without_republishing(
    pool: PgPool,
) -> anyhow::Result<()> {
    let bus = MemoryBus::default();
    // Three events relayed and checkpointed; only then the next ones exist, so however the
    // watermark splits the reads, the ledger stands at exactly 3 before the crash.
    let mut ids = append(&pool, 3).await?;
    let mut first = relay(&pool, Arc::new(bus.clone()), 3);
    drain(&mut first, &pool, 3).await?;
    ids.extend(append(&pool, 2).await?);
    bus.crash_after_next_publish();
    let deadline = Instant::now() + DEADLINE;
    // Ok(0) while another test's transaction holds the watermark back.
    loop {
        match first.run_once().await {
            Ok(0) => {
                ensure!(
                    Instant::now() < deadline,
                    "the relay never published the batch"
                );
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            Ok(n) => anyhow::bail!("relayed {n} events through a crash"),
            Err(_) => break,
        }
    }
    let published = bus.messages().len();
    ensure!(published > 3, "the batch reached the bus");
    ensure!(ledger_max(&pool).await? == 3, "but not the ledger");
    drop(first);

    ids.extend(append(&pool, 4).await?);
    let mut second = relay(&pool, Arc::new(bus.clone()), 3);
    drain(&mut second, &pool, 9).await?;
    assert_exactly_once(&pool, &bus, &ids).await
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_second_relay_waits_and_takes_over_when_the_leader_dies(
    pool: PgPool,
) -> anyhow::Result<()> {
    let bus = MemoryBus::default();
    let mut ids = append(&pool, 4).await?;
    let mut leader = relay(&pool, Arc::new(bus.clone()), 100);
    let mut follower = relay(&pool, Arc::new(bus.clone()), 100);
    drain(&mut leader, &pool, 4).await?;
    ensure!(leader.is_leader());
    ensure!(
        matches!(follower.run_once().await, Err(RelayError::NotLeader)),
        "only one relay leads"
    );
    let (leading, following) = (leader.stats().snapshot(), follower.stats().snapshot());
    ensure!(
        leading
            == RelaySnapshot {
                published: 4,
                ledger_seq: 4,
                leader: true
            },
        "{leading:?}"
    );
    ensure!(
        !following.leader && following.published == 0,
        "{following:?}"
    );
    ids.extend(append(&pool, 3).await?);
    // The leader publishes the next events, then dies before committing them.
    bus.crash_after_next_publish();
    let deadline = Instant::now() + DEADLINE;
    while bus.messages().len() < 7 {
        ensure!(Instant::now() < deadline, "the leader never published");
        let _ = leader.run_once().await;
    }
    drop(leader);
    ids.extend(append(&pool, 2).await?);
    let deadline = Instant::now() + DEADLINE;
    loop {
        match follower.run_once().await {
            Err(RelayError::NotLeader) => {
                ensure!(Instant::now() < deadline, "the follower never took over");
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            other => {
                other?;
                break;
            }
        }
    }
    drain(&mut follower, &pool, 9).await?;
    assert_exactly_once(&pool, &bus, &ids).await
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn while_the_bus_is_down_the_relay_retries_and_loses_nothing(
    pool: PgPool,
) -> anyhow::Result<()> {
    let bus = MemoryBus::default();
    let ids = append(&pool, 6).await?;
    bus.fail_next(5);
    let relay = relay(&pool, Arc::new(bus.clone()), 4);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(relay.run(async {
        let _ = stopped.await;
    }));
    let deadline = Instant::now() + DEADLINE;
    while ledger_max(&pool).await? < 6 {
        ensure!(
            Instant::now() < deadline,
            "events never flowed after the outage"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let _ = stop.send(());
    running.await?;
    ensure!(bus.failures() == 5, "every failure was retried");
    assert_exactly_once(&pool, &bus, &ids).await
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_stream_behind_the_ledger_stops_the_relay(pool: PgPool) -> anyhow::Result<()> {
    let bus = MemoryBus::default();
    append(&pool, 3).await?;
    let mut first = relay(&pool, Arc::new(bus.clone()), 10);
    drain(&mut first, &pool, 3).await?;
    drop(first);
    // The stream was lost (recreated empty): republishing would break sequence equality.
    let empty = MemoryBus::default();
    let mut second = relay(&pool, Arc::new(empty.clone()), 10);
    let deadline = Instant::now() + DEADLINE;
    loop {
        match second.run_once().await {
            Err(RelayError::NotLeader) if Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            Err(RelayError::Diverged { seq: 1, .. }) => break,
            other => anyhow::bail!("expected Diverged at 1, got {other:?}"),
        }
    }
    ensure!(empty.messages().is_empty(), "nothing was republished");
    Ok(())
}
