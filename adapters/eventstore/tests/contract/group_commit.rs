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

use crate::support::{
    OTHER_TENANT, TENANT, event, events, read_all_events, stream, wait_for_lock_waiter,
};
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

/// One append of a direct `es.append_many` call: stream, expected version code, events (the
/// append's tenant is its first event's).
type Call = Vec<(&'static str, i64, Vec<NewEvent>)>;

/// Status rows of `function` (es.append_many or es.append_each) for `call`, and how often the
/// per-append function ran, in the transaction `tx` (left open).
async fn call_in(
    tx: &mut Transaction<'_, Postgres>,
    function: &str,
    call: &Call,
) -> anyhow::Result<(Vec<AppendRow>, i64)> {
    sqlx::query("set local track_functions = 'pl'")
        .execute(&mut **tx)
        .await?;
    let before = each_calls(tx).await?;
    let flat = || call.iter().flat_map(|(_, _, events)| events);
    let sql = format!(
        "select o_index, o_status, o_first, o_last, o_position, o_actual, o_event_id, \
                o_tx_id = (pg_current_xact_id()::text)::bigint \
         from es.{function}($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) order by o_index"
    );
    let rows: Vec<AppendRow> = sqlx::query_as(&sql)
        .bind(call.iter().map(|(s, ..)| *s).collect::<Vec<_>>())
        .bind(
            call.iter()
                .map(|(s, ..)| stream(s).category().to_owned())
                .collect::<Vec<_>>(),
        )
        .bind(
            call.iter()
                .map(|(.., events)| events.first().map_or(TENANT, |e| e.metadata.tenant_id))
                .map(|tenant| tenant.as_uuid())
                .collect::<Vec<_>>(),
        )
        .bind(call.iter().map(|(_, e, _)| *e).collect::<Vec<_>>())
        .bind(
            call.iter()
                .map(|(.., events)| i32::try_from(events.len()))
                .collect::<Result<Vec<_>, _>>()?,
        )
        .bind(flat().map(|e| e.event_id).collect::<Vec<_>>())
        .bind(flat().map(|e| e.event_type.clone()).collect::<Vec<_>>())
        .bind(
            flat()
                .map(|e| i32::from(e.schema_version))
                .collect::<Vec<_>>(),
        )
        .bind(flat().map(|e| e.data.clone()).collect::<Vec<_>>())
        .bind(
            flat()
                .map(|e| serde_json::to_value(&e.metadata))
                .collect::<Result<Vec<_>, _>>()?,
        )
        .fetch_all(&mut **tx)
        .await?;
    let after = each_calls(tx).await?;
    Ok((rows, after - before))
}

/// Calls of es.append_each this backend has not reported yet (none is reported mid-transaction).
async fn each_calls(tx: &mut Transaction<'_, Postgres>) -> anyhow::Result<i64> {
    let calls: Option<i64> = sqlx::query_scalar(
        "select calls from pg_stat_xact_user_functions \
         where schemaname = 'es' and funcname = 'append_each'",
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(calls.unwrap_or(0))
}

/// index, status, first, last, position, actual version, event id, whether the tx id is the
/// caller's transaction.
type AppendRow = (
    i32,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<Uuid>,
    Option<bool>,
);

/// Every stored column of every event but its position and transaction, in log order.
async fn log_in(tx: &mut Transaction<'_, Postgres>) -> anyhow::Result<Vec<serde_json::Value>> {
    Ok(sqlx::query_scalar(
        "select to_jsonb(e) - 'global_position' - 'tx_id' - 'recorded_at' from es.events e \
         order by global_position",
    )
    .fetch_all(&mut **tx)
    .await?)
}

/// Runs `call` through both functions (each in a transaction rolled back) and checks they store
/// and answer alike: the same rows but for the positions, which must rank alike. Returns whether
/// `es.append_many` handed the call to the per-append function.
async fn same_as_each(pool: &PgPool, call: &Call) -> anyhow::Result<bool> {
    let mut runs = Vec::new();
    for function in ["append_each", "append_many"] {
        let mut tx = pool.begin().await?;
        let (rows, each) = call_in(&mut tx, function, call).await?;
        let log = log_in(&mut tx).await?;
        let versions: Vec<(String, i64)> =
            sqlx::query_as("select stream_id, version from es.streams order by stream_id")
                .fetch_all(&mut *tx)
                .await?;
        tx.rollback().await?;
        let mut ranked: Vec<i64> = rows.iter().filter_map(|r| r.4).collect();
        ranked.sort_unstable();
        let rows: Vec<_> = rows
            .into_iter()
            .map(
                |(i, status, first, last, position, actual, event, own_tx)| {
                    let rank = position.and_then(|p| ranked.iter().position(|r| *r == p));
                    (i, status, first, last, rank, actual, event, own_tx)
                },
            )
            .collect();
        runs.push((rows, log, versions, each));
    }
    let (each, many) = (&runs[0], &runs[1]);
    assert_eq!(many.0, each.0, "status rows");
    assert_eq!(many.1, each.1, "the log");
    assert_eq!(many.2, each.2, "stream versions");
    Ok(many.3 > 0)
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_plain_call_is_stored_set_based_exactly_as_append_by_append(
    pool: PgPool,
) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await?;
    for (name, count) in [("invoice-held", 2), ("series-held", 1)] {
        PgEventStore::append_in(
            &mut conn,
            &stream(name),
            ExpectedVersion::NoStream,
            &events(TENANT, count),
        )
        .await?;
    }
    drop(conn);
    // New and existing streams, every kind of expectation, one to three events each, submitted
    // out of stream-id order.
    let plain: Call = vec![
        ("invoice-new-b", -1, events(TENANT, 2)),
        ("invoice-held", 1, events(TENANT, 1)),
        ("invoice-new-a", -2, events(TENANT, 1)),
        ("series-held", -2, events(TENANT, 3)),
    ];
    assert!(
        !same_as_each(&pool, &plain).await?,
        "a plain call is stored without the per-append function"
    );
    // Anything not plain goes append by append, answered the same.
    let twice = events(TENANT, 1);
    let not_plain: [Call; 6] = [
        vec![
            ("invoice-new", -1, events(TENANT, 1)),
            ("invoice-held", 0, events(TENANT, 1)),
        ],
        vec![
            ("invoice-held", 1, events(TENANT, 1)),
            ("invoice-held", -2, events(TENANT, 1)),
        ],
        vec![
            ("invoice-new", -1, events(TENANT, 1)),
            ("invoice-held", -1, events(TENANT, 1)),
        ],
        vec![
            ("invoice-new", -1, vec![]),
            ("series-new", -1, events(TENANT, 1)),
        ],
        vec![
            ("invoice-new", -1, events(TENANT, 1)),
            ("invoice-held", -2, events(OTHER_TENANT, 1)),
        ],
        vec![
            ("invoice-new", -1, twice.clone()),
            ("series-new", -1, twice),
        ],
    ];
    for call in &not_plain {
        assert!(same_as_each(&pool, call).await?, "{call:?}");
    }
    // A retried call (its events stored already) is answered from the log.
    let mut tx = pool.begin().await?;
    let (first, _) = call_in(&mut tx, "append_many", &plain).await?;
    let (again, each) = call_in(&mut tx, "append_many", &plain).await?;
    tx.rollback().await?;
    assert!(first.iter().all(|r| r.1 == "ok"), "{first:?}");
    assert!(again.iter().all(|r| r.1 == "already_stored"), "{again:?}");
    assert_eq!(each, 1, "the retry went append by append");
    let positions = |rows: &[AppendRow]| rows.iter().map(|r| (r.2, r.3, r.4)).collect::<Vec<_>>();
    assert_eq!(positions(&again), positions(&first));
    Ok(())
}
