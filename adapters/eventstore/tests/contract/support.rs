//! Builders and helpers shared by the contract cases.

use std::time::Duration;

use anyhow::{Context, ensure};
use domain::{EventMetadata, GlobalPosition, NewEvent, RecordedEvent, StreamId, TenantId};
use eventstore::EventStore;
use serde_json::json;
use tokio::time::Instant;
use uuid::Uuid;

/// The tenant most cases append as.
pub const TENANT: TenantId = TenantId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001));
/// Another tenant, which must never see `TENANT`'s streams.
pub const OTHER_TENANT: TenantId =
    TenantId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002));

/// How long a case waits for the global log's watermark to pass its appends (other tests on the
/// same cluster may hold transactions open for a moment).
pub const WATERMARK_WAIT: Duration = Duration::from_secs(20);

/// A stream name.
pub fn stream(name: &str) -> StreamId {
    StreamId::new(name)
}

/// One new event of `tenant` with a fresh id and a recognisable payload.
pub fn event(tenant: TenantId, event_type: &str, n: u64) -> NewEvent {
    NewEvent {
        event_id: Uuid::new_v4(),
        event_type: event_type.to_owned(),
        schema_version: 1,
        data: json!({ "n": n, "text": "señal ✓" }),
        metadata: EventMetadata {
            correlation_id: Some(Uuid::new_v4()),
            causation_id: Some(Uuid::new_v4()),
            actor: Some("api-key:test".to_owned()),
            request_id: Some(format!("req-{n}")),
            ..EventMetadata::for_tenant(tenant)
        },
    }
}

/// `count` new events of `tenant`.
pub fn events(tenant: TenantId, count: u64) -> Vec<NewEvent> {
    (0..count)
        .map(|n| event(tenant, "test.happened", n))
        .collect()
}

/// The event ids of recorded events, in order.
pub fn ids(events: &[RecordedEvent]) -> Vec<Uuid> {
    events.iter().map(|e| e.event_id).collect()
}

/// The event ids of new events, in order.
pub fn new_ids(events: &[NewEvent]) -> Vec<Uuid> {
    events.iter().map(|e| e.event_id).collect()
}

/// A reader of the global log that checks, page after page, that it never sees an event twice
/// or at or behind its checkpoint.
#[derive(Debug, Default)]
pub struct Reader {
    /// Position of the last event read.
    pub checkpoint: GlobalPosition,
    /// Every event read, in reading order.
    pub seen: Vec<RecordedEvent>,
    ids: std::collections::HashSet<Uuid>,
}

impl Reader {
    /// Reads one page of at most `limit` events; returns how many it got.
    pub async fn page(&mut self, store: &dyn EventStore, limit: usize) -> anyhow::Result<usize> {
        let page = store.read_all(self.checkpoint, limit).await?;
        ensure!(page.len() <= limit, "read_all returned more than {limit}");
        for event in &page {
            ensure!(
                event.position > self.checkpoint,
                "event {} at {:?} is at or behind the checkpoint {:?}",
                event.event_id,
                event.position,
                self.checkpoint
            );
            ensure!(
                self.ids.insert(event.event_id),
                "event {} read twice",
                event.event_id
            );
            self.checkpoint = event.position;
        }
        self.seen.extend(page.iter().cloned());
        Ok(page.len())
    }

    /// Reads pages until `count` events have been seen in all, waiting for the watermark.
    pub async fn until(
        &mut self,
        store: &dyn EventStore,
        limit: usize,
        count: usize,
    ) -> anyhow::Result<()> {
        let deadline = Instant::now() + WATERMARK_WAIT;
        while self.seen.len() < count {
            if self.page(store, limit).await? == 0 {
                ensure!(
                    Instant::now() < deadline,
                    "read {} of {count} events; the rest never became readable",
                    self.seen.len()
                );
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        ensure!(
            self.seen.len() == count,
            "read {} events, expected {count}",
            self.seen.len()
        );
        Ok(())
    }
}

/// Reads the whole global log from the start, expecting `count` events.
pub async fn read_all_events(
    store: &dyn EventStore,
    count: usize,
) -> anyhow::Result<Vec<RecordedEvent>> {
    let mut reader = Reader::default();
    reader
        .until(store, 1_000, count)
        .await
        .context("reading the global log")?;
    Ok(reader.seen)
}

/// Waits (at most 10 s) until a session of this database whose query matches `query_like` (a SQL
/// LIKE pattern) waits for a lock: the deterministic way to know a racing call is blocked.
pub async fn wait_for_lock_waiter(pool: &sqlx::PgPool, query_like: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "select count(*) from pg_stat_activity where datname = current_database() \
             and wait_event_type = 'Lock' and query like $1",
        )
        .bind(query_like)
        .fetch_one(pool)
        .await?;
        if waiting > 0 {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "no session running {query_like} waited for a lock"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// One connection to the test's database: the table statistics it flushes on demand
/// (`pg_stat_force_next_flush`) are its own statements', where other sessions' may take seconds
/// to show.
pub async fn one_session(pool: &sqlx::PgPool) -> anyhow::Result<sqlx::PgPool> {
    Ok(sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with((*pool.connect_options()).clone())
        .await?)
}

/// A table's counters as `pg_stat_user_tables` shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct TableCounters {
    pub seq_scan: i64,
    pub n_tup_upd: i64,
    pub n_tup_hot_upd: i64,
}

/// `table`'s counters (schema-qualified), with what `session` did flushed first (see
/// [`one_session`]).
pub async fn table_counters(session: &sqlx::PgPool, table: &str) -> anyhow::Result<TableCounters> {
    sqlx::query("select pg_stat_force_next_flush()")
        .execute(session)
        .await?;
    Ok(sqlx::query_as(
        "select seq_scan, n_tup_upd, n_tup_hot_upd from pg_stat_user_tables \
         where relid = $1::regclass",
    )
    .bind(table)
    .fetch_one(session)
    .await?)
}
