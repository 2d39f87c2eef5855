//! What only the Postgres store has: the append-only table, caller transactions, races between
//! connections, and the mapping of connection failures.

use std::time::Duration;

use anyhow::{Context, ensure};
use eventstore::{EventStore, ExpectedVersion, PgEventStore, ReadOptions, StoreError};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::support::{TENANT, events, one_session, stream, table_counters, wait_for_lock_waiter};

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn stored_events_cannot_be_updated_deleted_or_truncated(pool: PgPool) -> anyhow::Result<()> {
    let store = PgEventStore::new(pool.clone());
    store
        .append(
            &stream("invoice-1"),
            ExpectedVersion::NoStream,
            &events(TENANT, 2),
        )
        .await?;
    for sql in [
        "update es.events set event_type = 'tampered'",
        "delete from es.events",
        "truncate es.events",
    ] {
        let err = sqlx::query(sql).execute(&pool).await.expect_err(sql);
        let code = err
            .as_database_error()
            .and_then(|e| e.code())
            .context("a database error")?;
        assert_eq!(code, "ES010", "{sql}: {err}");
    }
    let read = store
        .read_stream(TENANT, &stream("invoice-1"), ReadOptions::default())
        .await?;
    assert_eq!(read.len(), 2);
    assert!(read.iter().all(|e| e.event_type == "test.happened"));
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn append_in_commits_and_rolls_back_with_the_callers_transaction(
    pool: PgPool,
) -> anyhow::Result<()> {
    let store = PgEventStore::new(pool.clone());
    let s = stream("invoice-1");
    let mut tx = pool.begin().await?;
    PgEventStore::append_in(&mut tx, &s, ExpectedVersion::NoStream, &events(TENANT, 2)).await?;
    tx.rollback().await?;
    assert!(
        store
            .read_stream(TENANT, &s, ReadOptions::default())
            .await?
            .is_empty()
    );

    let mut tx = pool.begin().await?;
    let outcome =
        PgEventStore::append_in(&mut tx, &s, ExpectedVersion::NoStream, &events(TENANT, 2)).await?;
    assert_eq!((outcome.first_version, outcome.last_version), (0, 1));
    tx.commit().await?;
    assert_eq!(
        store
            .read_stream(TENANT, &s, ReadOptions::default())
            .await?
            .len(),
        2
    );
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_retry_racing_the_original_append_is_stored_once(pool: PgPool) -> anyhow::Result<()> {
    let store = PgEventStore::new(pool.clone());
    for (name, expected) in [
        ("invoice-1", ExpectedVersion::NoStream),
        ("invoice-2", ExpectedVersion::Any),
    ] {
        let s = stream(name);
        let batch = events(TENANT, 2);
        let mut tx = pool.begin().await?;
        let original = PgEventStore::append_in(&mut tx, &s, expected, &batch).await?;
        let retry = {
            let (store, s, batch) = (store.clone(), s.clone(), batch.clone());
            tokio::spawn(async move { store.append(&s, expected, &batch).await })
        };
        wait_for_lock_waiter(&pool, "%").await?;
        tx.commit().await?;
        let retried = retry.await??;
        assert!(retried.already_stored, "{expected:?}");
        assert_eq!(retried.position, original.position, "{expected:?}");
        assert_eq!(
            store
                .read_stream(TENANT, &s, ReadOptions::default())
                .await?
                .len(),
            2
        );
    }
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_event_id_raced_onto_another_stream_is_rejected(pool: PgPool) -> anyhow::Result<()> {
    let store = PgEventStore::new(pool.clone());
    let batch = events(TENANT, 1);
    let mut tx = pool.begin().await?;
    PgEventStore::append_in(
        &mut tx,
        &stream("invoice-1"),
        ExpectedVersion::NoStream,
        &batch,
    )
    .await?;
    let racing = {
        let (store, batch) = (store.clone(), batch.clone());
        tokio::spawn(async move {
            store
                .append(&stream("invoice-2"), ExpectedVersion::Any, &batch)
                .await
        })
    };
    wait_for_lock_waiter(&pool, "%").await?;
    tx.commit().await?;
    let err = racing.await?.expect_err("the id went to invoice-1");
    assert!(
        matches!(err, StoreError::EventIdReused { event_id } if event_id == batch[0].event_id),
        "got {err:?}"
    );
    assert!(
        store
            .read_stream(TENANT, &stream("invoice-2"), ReadOptions::default())
            .await?
            .is_empty()
    );
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_unreachable_or_exhausted_database_is_unavailable(pool: PgPool) -> anyhow::Result<()> {
    let short = || PgPoolOptions::new().acquire_timeout(Duration::from_millis(300));
    let nowhere = PgConnectOptions::new()
        .host("127.0.0.1")
        .port(1)
        .username("postgres");
    let unreachable = PgEventStore::new(short().connect_lazy_with(nowhere));
    let err = unreachable
        .append(
            &stream("invoice-1"),
            ExpectedVersion::Any,
            &events(TENANT, 1),
        )
        .await
        .expect_err("nothing listens on port 1");
    assert!(matches!(err, StoreError::Unavailable(_)), "got {err:?}");

    let one = short()
        .max_connections(1)
        .connect_with((*pool.connect_options()).clone())
        .await?;
    let exhausted = PgEventStore::new(one.clone());
    let _held = one.acquire().await?;
    let err = exhausted
        .read_all(domain::GlobalPosition::START, 10)
        .await
        .expect_err("no connection");
    assert!(matches!(err, StoreError::Unavailable(_)), "got {err:?}");
    Ok(())
}

#[tokio::test]
async fn connect_guards_the_watermark_against_idle_transactions() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL").context("DATABASE_URL")?;
    let store = PgEventStore::connect(&url, 1).await?;
    let timeout: String = sqlx::query_scalar("show idle_in_transaction_session_timeout")
        .fetch_one(store.pool())
        .await?;
    assert_eq!(timeout, "10s");
    Ok(())
}

/// Plans cached while the tables were empty must not stay sequential scans as they grow: the
/// append functions run without sequential scans, so every cached plan is an index lookup.
#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn append_functions_plan_key_lookups_through_indexes(pool: PgPool) -> anyhow::Result<()> {
    let configs: Vec<(String, Option<Vec<String>>)> = sqlx::query_as(
        "select p.proname::text, p.proconfig from pg_proc p \
         join pg_namespace n on n.oid = p.pronamespace \
         where n.nspname = 'es' and p.proname in ('append', 'append_many', 'replayed') \
         order by 1",
    )
    .fetch_all(&pool)
    .await?;
    ensure!(
        configs.len() == 3,
        "expected the three append functions, got {configs:?}"
    );
    for (name, config) in configs {
        let config = config.unwrap_or_default();
        ensure!(
            config.iter().any(|c| c == "enable_seqscan=off"),
            "es.{name} may cache sequential-scan plans: {config:?}"
        );
    }
    Ok(())
}

/// Reading many streams at once looks each one up through its index, even where the planner's
/// figures for a small log would rather scan all of it (a full scan per call as the log grows).
#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn reading_many_streams_looks_each_up_through_its_index(pool: PgPool) -> anyhow::Result<()> {
    sqlx::query(
        "insert into es.streams (stream_id, tenant_id, category, version) \
         select 'invoice-' || i, $1, 'invoice', 2 from generate_series(1, 2000) i",
    )
    .bind(TENANT.as_uuid())
    .execute(&pool)
    .await?;
    sqlx::query(
        "insert into es.events (stream_id, stream_version, event_id, event_type, schema_version, \
           tenant_id, data, metadata, recorded_at) \
         select 'invoice-' || i, v, gen_random_uuid(), 'test.happened', 1, $1, \
           jsonb_build_object('n', v), jsonb_build_object('tenant_id', $1), now() \
         from generate_series(1, 2000) i, generate_series(0, 2) v",
    )
    .bind(TENANT.as_uuid())
    .execute(&pool)
    .await?;
    sqlx::query("analyze es.events").execute(&pool).await?;
    // One connection, so the counters flushed below are the read's own.
    let one = one_session(&pool).await?;
    let before = table_counters(&one, "es.events").await?.seq_scan;
    let asked: Vec<_> = (1..=300)
        .map(|i| stream(&format!("invoice-{}", i * 5)))
        .collect();
    let read = PgEventStore::new(one.clone())
        .read_streams(TENANT, &asked)
        .await?;
    let after = table_counters(&one, "es.events").await?.seq_scan;
    ensure!(
        read.iter().all(|events| events.len() == 3),
        "every stream read whole"
    );
    ensure!(
        after == before,
        "reading {} streams scanned es.events sequentially {} times",
        asked.len(),
        after - before
    );
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn appending_to_a_stream_rewrites_its_row_in_place(pool: PgPool) -> anyhow::Result<()> {
    // One connection, so the counters flushed below are the appends' own.
    let one = one_session(&pool).await?;
    let store = PgEventStore::new(one.clone());
    let streams: Vec<_> = (1..=8).map(|i| stream(&format!("invoice-{i}"))).collect();
    for s in &streams {
        store
            .append(s, ExpectedVersion::NoStream, &events(TENANT, 1))
            .await?;
    }
    let before = table_counters(&one, "es.streams").await?;
    for s in &streams {
        store
            .append(s, ExpectedVersion::Exact(0), &events(TENANT, 1))
            .await?;
    }
    let after = table_counters(&one, "es.streams").await?;
    let (moved, in_place) = (
        after.n_tup_upd - before.n_tup_upd,
        after.n_tup_hot_upd - before.n_tup_hot_upd,
    );
    ensure!(moved == 8, "{moved} stream rows moved forward, not 8");
    ensure!(
        in_place == moved,
        "only {in_place} of {moved} stream rows were rewritten in place"
    );
    Ok(())
}
