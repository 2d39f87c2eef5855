//! Group commit on the real Postgres: concurrent `PgEventStore::append` calls stored together by
//! `es.append_many`, each answered on its own, and the fallback when a batch fails as a whole.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, ensure};
use domain::{NewEvent, StreamId};
use eventstore::{
    AppendOutcome, EventStore, ExpectedVersion, GroupCommit, PgEventStore, ReadOptions, StoreError,
};
use sqlx::{PgPool, Postgres, Transaction};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use uuid::Uuid;

use crate::support::{TENANT, event, events, read_all_events, stream, wait_for_lock_waiter};
use crate::writers::dense_versions;

type Answer = JoinHandle<Result<AppendOutcome, StoreError>>;

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn concurrent_appends_to_distinct_streams_are_batched_and_stored_once(
    pool: PgPool,
) -> anyhow::Result<()> {
    const APPENDS: usize = 200;
    let store = PgEventStore::new(pool.clone());
    let observed = Arc::new(AtomicU64::new(0));
    let sizes = Arc::clone(&observed);
    ensure!(store.observe_batches(Arc::new(move |size| {
        sizes.fetch_add(size, Ordering::Relaxed);
    })));
    ensure!(
        !store.observe_batches(Arc::new(|_| {})),
        "one observer per store"
    );
    let sent: Vec<(StreamId, Vec<NewEvent>)> = (0..APPENDS)
        .map(|i| (stream(&format!("invoice-{i}")), events(TENANT, 2)))
        .collect();
    let answers: Vec<Answer> = sent
        .iter()
        .map(|(s, batch)| spawn_append(&store, s.clone(), ExpectedVersion::NoStream, batch))
        .collect();
    for answer in answers {
        let outcome = answer.await??;
        assert_eq!((outcome.first_version, outcome.last_version), (0, 1));
        assert!(!outcome.already_stored);
    }
    let stored: i64 = sqlx::query_scalar("select count(distinct event_id) from es.events")
        .fetch_one(&pool)
        .await?;
    assert_eq!(stored, i64::try_from(APPENDS * 2)?);
    let read = read_all_events(&store, APPENDS * 2).await?;
    let sent_ids: HashSet<Uuid> = sent
        .iter()
        .flat_map(|(_, batch)| batch.iter().map(|e| e.event_id))
        .collect();
    let read_ids: HashSet<Uuid> = read.iter().map(|e| e.event_id).collect();
    assert_eq!(read_ids, sent_ids);
    dense_versions(&read)?;

    let stats = store.group_commit_stats();
    assert_eq!(stats.appends, u64::try_from(APPENDS)?, "{stats:?}");
    assert!(
        stats.largest_batch > 1 && stats.batches < stats.appends,
        "no append shared a batch: {stats:?}"
    );
    assert_eq!(stats.fallbacks, 0, "{stats:?}");
    assert_eq!(
        observed.load(Ordering::Relaxed),
        stats.appends,
        "every batch observed"
    );
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_stale_append_conflicts_while_its_batch_commits(pool: PgPool) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await?;
    PgEventStore::append_in(
        &mut conn,
        &stream("stale-setup"),
        ExpectedVersion::NoStream,
        &events(TENANT, 1),
    )
    .await?;
    drop(conn);
    let plugged = Plugged::new(&pool).await?;
    let answers = plugged
        .queue(vec![
            (
                stream("good-1"),
                ExpectedVersion::NoStream,
                events(TENANT, 1),
            ),
            (
                stream("stale-setup"),
                ExpectedVersion::NoStream,
                events(TENANT, 1),
            ),
            (stream("good-2"), ExpectedVersion::Any, events(TENANT, 2)),
        ])
        .await;
    let store = plugged.release(3).await?;
    let mut answers = answers.into_iter();
    let good_1 = next(&mut answers).await??;
    let err = next(&mut answers).await?.expect_err("the stream exists");
    let good_2 = next(&mut answers).await??;
    assert!(
        matches!(&err, StoreError::Conflict { actual: Some(0), expected: ExpectedVersion::NoStream, stream } if stream.as_str() == "stale-setup"),
        "got {err:?}"
    );
    assert_eq!((good_1.first_version, good_1.last_version), (0, 0));
    assert_eq!((good_2.first_version, good_2.last_version), (0, 1));
    assert_eq!(
        good_1.position.tx_id, good_2.position.tx_id,
        "one transaction"
    );
    assert_eq!(versions(&store, "stale-setup").await?, vec![0]);
    assert_eq!(versions(&store, "good-2").await?, vec![0, 1]);
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn the_same_stream_twice_in_one_batch_keeps_submission_order(
    pool: PgPool,
) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await?;
    let s = stream("twice");
    PgEventStore::append_in(&mut conn, &s, ExpectedVersion::NoStream, &events(TENANT, 1)).await?;
    drop(conn);
    let plugged = Plugged::new(&pool).await?;
    let answers = plugged
        .queue(vec![
            (s.clone(), ExpectedVersion::Exact(0), events(TENANT, 1)),
            (s.clone(), ExpectedVersion::Exact(0), events(TENANT, 1)),
            (s.clone(), ExpectedVersion::Any, events(TENANT, 2)),
            (s.clone(), ExpectedVersion::Any, events(TENANT, 1)),
        ])
        .await;
    let store = plugged.release(4).await?;
    let mut answers = answers.into_iter();
    let first = next(&mut answers).await??;
    let stale = next(&mut answers)
        .await?
        .expect_err("the first took version 1");
    let any_1 = next(&mut answers).await??;
    let any_2 = next(&mut answers).await??;
    assert_eq!((first.first_version, first.last_version), (1, 1));
    assert!(
        matches!(
            stale,
            StoreError::Conflict {
                actual: Some(1),
                ..
            }
        ),
        "got {stale:?}"
    );
    assert_eq!((any_1.first_version, any_1.last_version), (2, 3));
    assert_eq!((any_2.first_version, any_2.last_version), (4, 4));
    assert_eq!(versions(&store, "twice").await?, vec![0, 1, 2, 3, 4]);
    // With the plug stream's two events.
    dense_versions(&read_all_events(&store, 7).await?)
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn retried_appends_in_a_batch_are_already_stored(pool: PgPool) -> anyhow::Result<()> {
    let earlier = events(TENANT, 2);
    let mut conn = pool.acquire().await?;
    let original = PgEventStore::append_in(
        &mut conn,
        &stream("r1"),
        ExpectedVersion::NoStream,
        &earlier,
    )
    .await?;
    drop(conn);
    let twice = events(TENANT, 3);
    let plugged = Plugged::new(&pool).await?;
    let answers = plugged
        .queue(vec![
            // A retry of an append stored earlier: its expected version is stale by now.
            (stream("r1"), ExpectedVersion::NoStream, earlier.clone()),
            // An append and its retry racing into the same batch.
            (stream("r2"), ExpectedVersion::NoStream, twice.clone()),
            (stream("r2"), ExpectedVersion::NoStream, twice.clone()),
            // The earlier ids at other versions of their stream: reused.
            (stream("r1"), ExpectedVersion::Exact(1), earlier.clone()),
        ])
        .await;
    let store = plugged.release(4).await?;
    let mut answers = answers.into_iter();
    let retried = next(&mut answers).await??;
    assert!(retried.already_stored);
    assert_eq!(
        AppendOutcome {
            already_stored: false,
            ..retried
        },
        original
    );
    let stored = next(&mut answers).await??;
    let replayed = next(&mut answers).await??;
    assert!(!stored.already_stored && replayed.already_stored);
    assert_eq!(
        AppendOutcome {
            already_stored: false,
            ..replayed
        },
        stored
    );
    let err = next(&mut answers)
        .await?
        .expect_err("ids at other versions");
    assert!(
        matches!(err, StoreError::EventIdReused { event_id } if event_id == earlier[0].event_id),
        "got {err:?}"
    );
    assert_eq!(versions(&store, "r1").await?, vec![0, 1]);
    assert_eq!(versions(&store, "r2").await?, vec![0, 1, 2]);
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_batch_that_fails_as_a_whole_answers_each_append_on_its_own(
    pool: PgPool,
) -> anyhow::Result<()> {
    // An uncommitted append holds event id `raced`: the batch that appends it to another stream
    // waits for it, then fails with a unique violation when it commits.
    let raced = vec![event(TENANT, "test.happened", 0)];
    let mut holder = pool.begin().await?;
    PgEventStore::append_in(
        &mut holder,
        &stream("holder"),
        ExpectedVersion::NoStream,
        &raced,
    )
    .await?;
    let plugged = Plugged::new(&pool).await?;
    let answers = plugged
        .queue(vec![
            (
                stream("good-1"),
                ExpectedVersion::NoStream,
                events(TENANT, 1),
            ),
            (stream("other"), ExpectedVersion::Any, raced.clone()),
            (
                stream("good-2"),
                ExpectedVersion::NoStream,
                events(TENANT, 2),
            ),
        ])
        .await;
    let store = plugged.release(3).await?;
    wait_for_lock_waiter(&pool, "%es.append\\_many(%").await?;
    holder.commit().await?;

    let mut answers = answers.into_iter();
    let good_1 = next(&mut answers).await??;
    let err = next(&mut answers)
        .await?
        .expect_err("the id went to holder");
    let good_2 = next(&mut answers).await??;
    assert!(
        matches!(err, StoreError::EventIdReused { event_id } if event_id == raced[0].event_id),
        "got {err:?}"
    );
    assert_eq!((good_1.first_version, good_1.last_version), (0, 0));
    assert_eq!((good_2.first_version, good_2.last_version), (0, 1));
    assert!(!good_1.already_stored && !good_2.already_stored);
    assert!(versions(&store, "other").await?.is_empty());
    assert_eq!(versions(&store, "good-2").await?, vec![0, 1]);
    let stats = store.group_commit_stats();
    assert_eq!(stats.fallbacks, 1, "{stats:?}");
    Ok(())
}

/// A store with one writer, held up by an open transaction that holds the lock of stream
/// `plug`: the appends queued meanwhile are stored together by the writer's next batch.
struct Plugged {
    store: PgEventStore,
    holder: Transaction<'static, Postgres>,
    plug: Answer,
}

impl Plugged {
    async fn new(pool: &PgPool) -> anyhow::Result<Self> {
        let store = PgEventStore::with_group_commit(
            pool.clone(),
            GroupCommit {
                writers: 1,
                max_batch: 64,
            },
        );
        let plug = stream("plug");
        let mut holder = pool.begin().await?;
        PgEventStore::append_in(&mut holder, &plug, ExpectedVersion::Any, &events(TENANT, 1))
            .await?;
        let plug = spawn_append(&store, plug, ExpectedVersion::Any, &events(TENANT, 1));
        wait_for_lock_waiter(pool, "%es.append\\_many(%").await?;
        Ok(Self {
            store,
            holder,
            plug,
        })
    }

    /// Queues the appends in this order (each is in the queue before the next is sent).
    async fn queue(&self, appends: Vec<(StreamId, ExpectedVersion, Vec<NewEvent>)>) -> Vec<Answer> {
        let mut answers = Vec::new();
        for (s, expected, batch) in appends {
            answers.push(spawn_append(&self.store, s, expected, &batch));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        answers
    }

    /// Lets the writer go; checks that the next batch will carry the `queued` appends.
    async fn release(self, queued: u64) -> anyhow::Result<PgEventStore> {
        self.holder.commit().await?;
        self.plug.await??;
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.store.group_commit_stats().batches < 2 {
            ensure!(Instant::now() < deadline, "the writer never took the queue");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let stats = self.store.group_commit_stats();
        ensure!(
            stats.batches == 2 && stats.largest_batch == queued,
            "the queued appends were not one batch: {stats:?}"
        );
        Ok(self.store)
    }
}

fn spawn_append(
    store: &PgEventStore,
    s: StreamId,
    expected: ExpectedVersion,
    batch: &[NewEvent],
) -> Answer {
    let (store, batch) = (store.clone(), batch.to_vec());
    tokio::spawn(async move { store.append(&s, expected, &batch).await })
}

async fn next(
    answers: &mut impl Iterator<Item = Answer>,
) -> anyhow::Result<Result<AppendOutcome, StoreError>> {
    Ok(answers.next().context("an answer")?.await?)
}

async fn versions(store: &PgEventStore, name: &str) -> anyhow::Result<Vec<u64>> {
    Ok(store
        .read_stream(TENANT, &stream(name), ReadOptions::default())
        .await?
        .iter()
        .map(|e| e.stream_version)
        .collect())
}
