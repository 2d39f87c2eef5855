//! The projector API and the runner that feeds a projector from the global log.

use std::future::Future;
use std::ops::ControlFlow;
use std::time::Duration;

use async_trait::async_trait;
use domain::{GlobalPosition, RecordedEvent};
use infra::Backoff;
use sqlx::{PgConnection, PgPool};

use crate::schema::SERVING_SCHEMA;
use crate::{ProjectionError, checkpoint};

/// Turns batches of events into read-model rows.
#[async_trait]
pub trait Projector: Send + Sync {
    /// Stable name, the checkpoint's key (`invoices`); a plain lower-case identifier.
    fn name(&self) -> &'static str;

    /// The read-model tables this projector writes in its schema, each with a `tenant_id`
    /// column: a rebuild creates, verifies and switches exactly these. None (the default) for a
    /// checkpointed feed that keeps no rows of its own (the saga intake): it cannot be rebuilt.
    fn tables(&self) -> &'static [&'static str] {
        &[]
    }

    /// The schema written to (`rm` serves readers).
    fn schema(&self) -> &str {
        SERVING_SCHEMA
    }

    /// The same projector writing into `schema` instead (a rebuild's generation).
    ///
    /// # Errors
    /// `schema` is not a plain lower-case identifier, or (the default) the projector cannot be
    /// rebuilt.
    fn for_schema(&self, schema: &str) -> Result<Self, ProjectionError>
    where
        Self: Sized,
    {
        Err(ProjectionError::Config(format!(
            "`{}` keeps no read model of its own; it cannot be rebuilt into `{schema}`",
            self.name()
        )))
    }

    /// Applies `batch` (in log order, all above the checkpoint) set-based inside the caller's
    /// transaction: a few statements per batch, never one per event. Events it does not project
    /// are ignored. Must be idempotent per event, as a safety net under the checkpoint. A
    /// projector with [`Projector::tables`] derives every column from the events alone (no
    /// clock, no outside call): a rebuild replays the same events and must yield the same rows,
    /// and never re-runs side effects because such projectors have none.
    async fn apply(
        &self,
        conn: &mut PgConnection,
        batch: &[RecordedEvent],
    ) -> Result<(), ProjectionError>;
}

/// The store's global log, gap-safe and in order (implemented by `workers::feeds` over the event store).
#[async_trait]
pub trait GlobalLog: Send + Sync {
    /// At most `limit` events after `after`, in log order.
    async fn read_after(
        &self,
        after: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, ProjectionError>;

    /// The last position a reader can see now, when this log can tell (rebuild progress shows
    /// it); `None` otherwise.
    async fn head(&self) -> Result<Option<GlobalPosition>, ProjectionError> {
        Ok(None)
    }
}

#[async_trait]
impl<T: GlobalLog + ?Sized> GlobalLog for &T {
    async fn read_after(
        &self,
        after: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, ProjectionError> {
        (**self).read_after(after, limit).await
    }

    async fn head(&self) -> Result<Option<GlobalPosition>, ProjectionError> {
        (**self).head().await
    }
}

/// Applies the events of `batch` (in log order, as [`GlobalLog`] returns them) above the
/// checkpoint and advances the checkpoint to the last event of `batch`, inside `conn`'s open
/// transaction (the caller commits). Returns how many events were above the checkpoint.
///
/// # Errors
/// Database or decoding failures; the caller must roll back.
pub async fn apply_in(
    conn: &mut PgConnection,
    projector: &dyn Projector,
    generation: i32,
    batch: &[RecordedEvent],
) -> Result<usize, ProjectionError> {
    let current = checkpoint::lock(conn, projector.name(), generation).await?;
    let fresh = &batch[batch.partition_point(|e| e.position <= current.position)..];
    let Some(last) = fresh.last().map(|e| e.position) else {
        return Ok(0);
    };
    projector.apply(conn, fresh).await?;
    checkpoint::advance(conn, &current, last).await?;
    Ok(fresh.len())
}

/// Applies `batch` in one transaction with the checkpoint (see [`apply_in`]) and commits.
/// Re-delivered events (at or below the checkpoint) are skipped.
///
/// # Errors
/// Database or decoding failures; nothing was committed.
#[tracing::instrument(skip_all, fields(projection = projector.name(), events = batch.len()))]
pub async fn apply_batch(
    pool: &PgPool,
    projector: &dyn Projector,
    generation: i32,
    batch: &[RecordedEvent],
) -> Result<usize, ProjectionError> {
    let mut tx = pool.begin().await?;
    let applied = apply_in(&mut tx, projector, generation, batch).await?;
    tx.commit().await?;
    Ok(applied)
}

/// One batch a catch-up committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchCommitted {
    /// Events read.
    pub read: usize,
    /// Whether the read returned the full batch size (the log may hold more right away).
    pub full: bool,
    /// Events applied (above the checkpoint).
    pub applied: usize,
    /// The checkpoint committed (the batch's last position).
    pub checkpoint: GlobalPosition,
}

/// Feeds one projector generation from the global log: catch-up, rebuild, and (polling) live.
pub struct Runner<P, L> {
    pool: PgPool,
    projector: P,
    log: L,
    generation: i32,
    batch_size: usize,
    idle: Duration,
}

impl<P: Projector, L: GlobalLog> Runner<P, L> {
    /// A runner for generation 1, batches of 1,000, polling every 20 ms when idle.
    pub fn new(pool: PgPool, projector: P, log: L) -> Self {
        Self {
            pool,
            projector,
            log,
            generation: 1,
            batch_size: 1_000,
            idle: Duration::from_millis(20),
        }
    }

    /// Writes the checkpoint of another generation (a rebuild).
    #[must_use]
    pub fn generation(mut self, generation: i32) -> Self {
        self.generation = generation;
        self
    }

    /// Reads at most `size` events per batch.
    #[must_use]
    pub fn batch_size(mut self, size: usize) -> Self {
        self.batch_size = size.max(1);
        self
    }

    /// Where this generation stands.
    ///
    /// # Errors
    /// Database failures.
    pub async fn checkpoint(&self) -> Result<GlobalPosition, ProjectionError> {
        let mut conn = self.pool.acquire().await?;
        let current =
            checkpoint::load_checkpoint(&mut conn, self.projector.name(), self.generation).await?;
        Ok(current.position)
    }

    /// Reads one batch after the checkpoint and applies it; returns how many events were applied
    /// (0 when caught up).
    ///
    /// # Errors
    /// Log, database or decoding failures; nothing was committed.
    pub async fn run_once(&self) -> Result<usize, ProjectionError> {
        Ok(self.step().await?.map_or(0, |(applied, _)| applied))
    }

    /// Like [`Runner::run_once`], also returning the checkpoint the batch committed (the last
    /// position now visible in the read model); `None` when caught up or nothing was fresh.
    ///
    /// # Errors
    /// As [`Runner::run_once`].
    pub async fn step(&self) -> Result<Option<(usize, GlobalPosition)>, ProjectionError> {
        let after = self.checkpoint().await?;
        let batch = self.log.read_after(after, self.batch_size).await?;
        let Some(last) = batch.last().map(|e| e.position) else {
            return Ok(None);
        };
        let applied = apply_batch(&self.pool, &self.projector, self.generation, &batch).await?;
        Ok((applied > 0).then_some((applied, last)))
    }

    /// Runs batches until the log is exhausted; returns how many events were applied.
    ///
    /// # Errors
    /// As [`Runner::run_once`].
    pub async fn catch_up(&self) -> Result<usize, ProjectionError> {
        let mut total = 0;
        loop {
            match self.run_once().await? {
                0 => return Ok(total),
                n => total += n,
            }
        }
    }

    /// Like [`Runner::catch_up`], reading the next batch while the current one is applied (read
    /// and write overlap on two connections): the pace of a rebuild.
    ///
    /// # Errors
    /// As [`Runner::run_once`]; batches committed before the failure stay committed.
    pub async fn catch_up_overlapped(&self) -> Result<usize, ProjectionError> {
        self.catch_up_overlapped_reporting(|_| ControlFlow::Continue(()))
            .await
    }

    /// Like [`Runner::catch_up_overlapped`], calling `committed` after every batch (a rebuild's
    /// progress); stops early when it returns [`ControlFlow::Break`].
    ///
    /// # Errors
    /// As [`Runner::catch_up_overlapped`].
    pub async fn catch_up_overlapped_reporting(
        &self,
        mut committed: impl FnMut(BatchCommitted) -> ControlFlow<()> + Send,
    ) -> Result<usize, ProjectionError> {
        let mut total = 0;
        let after = self.checkpoint().await?;
        let mut batch = self.log.read_after(after, self.batch_size).await?;
        while let Some(last) = batch.last().map(|e| e.position) {
            let (next, applied) = tokio::join!(
                self.log.read_after(last, self.batch_size),
                apply_batch(&self.pool, &self.projector, self.generation, &batch),
            );
            let applied = applied?;
            total += applied;
            let report = BatchCommitted {
                read: batch.len(),
                full: batch.len() >= self.batch_size,
                applied,
                checkpoint: last,
            };
            if committed(report).is_break() {
                break;
            }
            batch = next?;
        }
        Ok(total)
    }

    /// Follows the log until `shutdown` resolves, polling when caught up and backing off on
    /// failures (logged, then retried).
    pub async fn run(&self, shutdown: impl Future<Output = ()> + Send) {
        self.run_reporting(shutdown, |_| {}).await;
    }

    /// Like [`Runner::run`], calling `committed` with the checkpoint after every batch that
    /// applied events (for lag measurements).
    pub async fn run_reporting(
        &self,
        shutdown: impl Future<Output = ()> + Send,
        mut committed: impl FnMut(GlobalPosition) + Send,
    ) {
        tokio::pin!(shutdown);
        let retry = Backoff::new(self.idle * 2, Duration::from_secs(10));
        let mut failures = 0;
        loop {
            let wait = match self.step().await {
                Ok(None) => {
                    failures = 0;
                    self.idle
                }
                Ok(Some((_, last))) => {
                    failures = 0;
                    committed(last);
                    Duration::ZERO
                }
                Err(error) => {
                    failures += 1;
                    let pause = retry.delay(failures);
                    let name = self.projector.name();
                    tracing::warn!(projection = name, error = %infra::Causes(&error), ?pause, "projection batch failed; retrying");
                    pause
                }
            };
            tokio::select! {
                biased;
                () = &mut shutdown => return,
                () = tokio::time::sleep(wait) => {}
            }
        }
    }
}
