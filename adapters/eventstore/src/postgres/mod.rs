//! The Postgres event store: schema `es` (migration `20261123000001_event_store.sql`), appends
//! of concurrent callers combined through `es.append_many` (group commit, see `group`) or one
//! by one through `es.append`, reads of one stream and of the global log.

mod append;
mod error;
mod group;
#[macro_use]
mod read;
pub mod readings;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use domain::{GlobalPosition, NewEvent, RecordedEvent, StreamId, TenantId};
use sqlx::PgConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use self::append::Batch;
use self::error::infrastructure;
pub use self::error::is_unavailable;
use self::group::GroupCommitter;
pub use self::group::{BatchObserver, GroupCommit, GroupCommitStats};
use crate::port::{
    AppendOutcome, EventStore, ExpectedVersion, ReadOptions, StoreError, batch_tenant,
};

/// How long a connection may sit idle inside a transaction before Postgres ends it: an idle
/// transaction that holds an xid holds back every reader of the global log.
const IDLE_IN_TRANSACTION_TIMEOUT: &str = "10s";
/// How long a caller waits for a pooled connection before getting `Unavailable`.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Event store over a Postgres pool. Clones share the pool and the group commit's writers.
#[derive(Debug, Clone)]
pub struct PgEventStore {
    pool: PgPool,
    group: Arc<GroupCommitter>,
}

impl PgEventStore {
    /// Opens a pool of at most `max_connections` to `url` (8–16 suit a 2-core database). Sessions
    /// get an `idle_in_transaction_session_timeout`, so a forgotten transaction cannot stall the
    /// global log's readers for long, and connections are not pinged before each use. Fails with
    /// `Unavailable` when the database cannot be reached.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        Self::connect_with(url, max_connections, GroupCommit::default()).await
    }

    /// Like [`Self::connect`], with `group` writers and batch size for the group commit.
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        group: GroupCommit,
    ) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(StoreError::Unexpected)?
            .options([(
                "idle_in_transaction_session_timeout",
                IDLE_IN_TRANSACTION_TIMEOUT,
            )]);
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // No ping before each use: an append stays one round trip. A dead connection fails
            // the call with `Unavailable`, and the retry is safe.
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(infrastructure)?;
        Ok(Self::with_group_commit(pool, group))
    }

    /// Uses an existing pool (whose database has been migrated with [`crate::MIGRATOR`]). For the
    /// one-round-trip append, build it with `test_before_acquire(false)`. Appends go through the
    /// default [`GroupCommit`] (2 writers, batches of at most 64).
    pub fn new(pool: PgPool) -> Self {
        Self::with_group_commit(pool, GroupCommit::default())
    }

    /// Like [`Self::new`], with `config` writers and batch size. Each writer holds one pooled
    /// connection while it stores a batch; the writers start with the first append, on the
    /// runtime it runs on, and end when the last clone of the store is dropped.
    pub fn with_group_commit(pool: PgPool, config: GroupCommit) -> Self {
        Self {
            pool,
            group: Arc::new(GroupCommitter::new(config)),
        }
    }

    /// The group commit's counters (batches, appends, largest batch, fallbacks).
    pub fn group_commit_stats(&self) -> GroupCommitStats {
        self.group.stats()
    }

    /// Calls `observer` with the size of every group-commit batch from now on (for a batch-size
    /// histogram; the store keeps only the counters of [`Self::group_commit_stats`]). Set once
    /// per store and its clones; returns `false` when an observer was already set.
    pub fn observe_batches(&self, observer: BatchObserver) -> bool {
        self.group.observe_batches(observer)
    }

    /// The pool, for callers that append inside their own transaction ([`Self::append_in`]).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Appends inside a transaction the caller manages (to write other rows atomically with the
    /// events), with the same semantics as [`EventStore::append`], except that losing a race to a
    /// concurrent append of the same event ids to another stream aborts the caller's transaction
    /// and returns `Unavailable`: retry the whole transaction. The transaction must be READ
    /// COMMITTED (the default) and should call this before it writes anything else, so that its
    /// transaction id is taken under the stream's lock (see the crate docs).
    #[tracing::instrument(skip_all, fields(stream = %stream, events = events.len()))]
    pub async fn append_in(
        conn: &mut PgConnection,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: &[NewEvent],
    ) -> Result<AppendOutcome, StoreError> {
        let batch = Batch::new(stream, expected, events)?;
        batch.run(conn).await.map_err(|e| batch.error(e))
    }
}

#[async_trait]
impl EventStore for PgEventStore {
    #[tracing::instrument(skip_all, fields(stream = %stream, events = events.len()))]
    async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: &[NewEvent],
    ) -> Result<AppendOutcome, StoreError> {
        let tenant = batch_tenant(expected, events)?;
        self.group
            .append(&self.pool, stream, expected, tenant, events)
            .await
    }

    #[tracing::instrument(skip_all, fields(stream = %stream))]
    async fn read_stream(
        &self,
        tenant: TenantId,
        stream: &StreamId,
        options: ReadOptions,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        read::read_stream(&self.pool, tenant, stream, options)
            .await
            .map_err(infrastructure)
    }

    #[tracing::instrument(skip_all, fields(streams = streams.len()))]
    async fn read_streams(
        &self,
        tenant: TenantId,
        streams: &[StreamId],
    ) -> Result<Vec<Vec<RecordedEvent>>, StoreError> {
        read::read_streams(&self.pool, tenant, streams)
            .await
            .map_err(infrastructure)
    }

    #[tracing::instrument(skip_all, fields(after_tx = after.tx_id, after_position = after.position, limit))]
    async fn read_all(
        &self,
        after: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        read::read_all(&self.pool, after, limit)
            .await
            .map_err(infrastructure)
    }
}
