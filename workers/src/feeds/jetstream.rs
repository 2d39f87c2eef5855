//! The live feed of a projection from JetStream: a durable pull consumer on the events stream
//! whose batches are decoded back into [`RecordedEvent`]s (the relay's payload) and applied with
//! [`apply_in`], the checkpoint committing with the rows in one transaction; the batch is acknowledged only after
//! that commit, and on failure asked again (nak with the backoff's delay).
//!
//! # Nothing missed, nothing applied twice
//!
//! JetStream's order is the ledger's, which is the global log's, so positions only grow along the
//! stream. A batch is applied only when its new events (those after the checkpoint) are exactly
//! the events the global log holds between the checkpoint and the last of them: one count in
//! Postgres per batch. When they are not (the consumer was created after events existed, its
//! acknowledgements ran ahead of this checkpoint, or a message is still waiting for redelivery),
//! the feed first catches up from the store with the same projector ([`Runner`]), then goes on
//! with JetStream. Re-delivered events are at or below the checkpoint and skipped.
//!
//! Instances share the durable consumer; its `max_ack_pending` equals the batch size, which bounds
//! what is in flight. When instances interleave (one holds a short batch, another fetched the
//! next), the checkpoint row lock orders their commits, and one whose batch does not follow the
//! checkpoint catches up from the store: slower, never wrong.

use std::future::Future;
use std::time::Duration;

use domain::{GlobalPosition, RecordedEvent};
use eventstore::{PgEventStore, readings};
use futures::FutureExt as _;
use infra::Backoff;
use nats_bus::{Bus, BusError, Consumer, ConsumerConfig, Delivery};
use projections::{ProjectionError, Projector, Runner, apply_in, load_checkpoint};
use sqlx::{PgConnection, PgPool};

use super::StoreLog;
use super::metrics::ProjectionMetrics;

/// The `feed` label of batches applied from JetStream.
pub const FEED_JETSTREAM: &str = "jetstream";
/// The `feed` label of batches applied from the store (catch-up, or `projection_feed = "store"`).
pub const FEED_STORE: &str = "store";

/// How the feed fetches and retries.
#[derive(Debug, Clone)]
pub struct FeedConfig {
    /// Subject prefix of the events stream; the consumer takes `<prefix>.>`.
    pub subject_prefix: String,
    /// Most messages per batch (and unacknowledged at once across instances).
    pub batch_size: usize,
    /// Longest a fetch waits for the first message.
    pub fetch_wait: Duration,
    /// How long a batch may stay unacknowledged before JetStream delivers it again.
    pub ack_wait: Duration,
    /// First retry delay after a failure; doubles up to `max_backoff`.
    pub min_backoff: Duration,
    /// Longest retry delay.
    pub max_backoff: Duration,
}

impl FeedConfig {
    /// Batches of 500, fetches waiting up to 1 s, ack wait 30 s, backoff 100 ms → 10 s.
    pub fn new(subject_prefix: &str) -> Self {
        Self {
            subject_prefix: subject_prefix.to_owned(),
            batch_size: 500,
            fetch_wait: Duration::from_secs(1),
            ack_wait: Duration::from_secs(30),
            min_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(10),
        }
    }
}

/// Why a round of the feed failed; nothing of its batch was acknowledged.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// JetStream failed (unreachable, stream or consumer missing).
    #[error("JetStream: {0}")]
    Bus(#[from] BusError),
    /// Applying the batch failed; nothing was committed.
    #[error("projecting: {0}")]
    Projection(#[from] ProjectionError),
    /// Reading the global log failed.
    #[error("reading the global log: {0}")]
    Log(#[from] sqlx::Error),
    /// The delivered events still do not follow the checkpoint after a catch-up from the store
    /// (the store's watermark held them back); retried later.
    #[error("the delivered events do not follow the checkpoint yet")]
    Gap,
}

/// One projection generation fed from a durable JetStream consumer.
pub struct JetStreamFeed<P> {
    pool: PgPool,
    bus: Bus,
    projector: P,
    runner: Runner<P, StoreLog>,
    generation: i32,
    config: FeedConfig,
    durable: Option<String>,
    consumer: Option<Consumer>,
    metrics: Option<ProjectionMetrics>,
    failures: u32,
}

/// What a batch came to: the first `handled` deliveries (in stream order) can be acknowledged.
struct Plan {
    events: Vec<RecordedEvent>,
    handled: usize,
}

impl<P: Projector + Clone> JetStreamFeed<P> {
    /// A feed of `projector` (generation 1) from `bus`'s stream, catching up from `store`.
    pub fn new(store: PgEventStore, bus: Bus, projector: P, config: FeedConfig) -> Self {
        let pool = store.pool().clone();
        let runner = Runner::new(pool.clone(), projector.clone(), StoreLog(store));
        Self {
            pool,
            bus,
            projector,
            runner,
            generation: 1,
            config,
            durable: None,
            consumer: None,
            metrics: None,
            failures: 0,
        }
    }

    /// Feeds another generation.
    #[must_use]
    pub fn generation(mut self, generation: i32) -> Self {
        self.generation = generation;
        self.runner = self.runner.generation(generation);
        self
    }

    /// Counts committed batches into `metrics` (`projection_batches_total`).
    #[must_use]
    pub fn with_metrics(mut self, metrics: ProjectionMetrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Uses the durable consumer `name` instead of the default one.
    #[must_use]
    pub fn durable(mut self, name: &str) -> Self {
        self.durable = Some(name.to_owned());
        self
    }

    /// The durable consumer's name: `projection_<name>_g<generation>` unless set with
    /// [`JetStreamFeed::durable`].
    pub fn durable_name(&self) -> String {
        self.durable
            .clone()
            .unwrap_or_else(|| format!("projection_{}_g{}", self.projector.name(), self.generation))
    }

    /// Catches up from the store, then creates (starting right after the checkpoint) or binds
    /// the durable consumer. Returns how many events the catch-up applied.
    ///
    /// # Errors
    /// Postgres or JetStream failures (the stream missing included).
    pub async fn start(&mut self) -> Result<usize, FeedError> {
        let applied = self.catch_up_from_store().await?;
        let checkpoint = self.runner.checkpoint().await?;
        let mut config = ConsumerConfig::new(
            &self.durable_name(),
            &format!("{}.>", self.config.subject_prefix),
        );
        config.ack_wait = self.config.ack_wait;
        config.max_ack_pending = i64::try_from(self.config.batch_size).unwrap_or(i64::MAX);
        config.start_sequence = Some(readings::first_sequence_after(&self.pool, checkpoint).await?);
        self.consumer = Some(self.bus.durable_consumer(&config).await?);
        tracing::info!(consumer = %self.durable_name(), caught_up = applied, "following JetStream");
        Ok(applied)
    }

    /// One round: starts when needed, fetches one batch (waiting up to `fetch_wait`), applies
    /// what follows the checkpoint and acknowledges it. Returns how many events were applied
    /// (those of a catch-up from the store included).
    ///
    /// # Errors
    /// As [`FeedError`]; the batch is asked again after the backoff's delay.
    pub async fn run_once(&mut self) -> Result<usize, FeedError> {
        let result = self.round().await;
        match &result {
            Ok(_) => self.failures = 0,
            Err(_) => self.failures = self.failures.saturating_add(1),
        }
        result
    }

    async fn round(&mut self) -> Result<usize, FeedError> {
        let mut applied = 0;
        if self.consumer.is_none() {
            applied += self.start().await?;
        }
        let Some(consumer) = self.consumer.clone() else {
            return Ok(applied);
        };
        let mut batch = match consumer
            .fetch(self.config.batch_size, self.config.fetch_wait)
            .await
        {
            Ok(batch) => batch,
            Err(error) => {
                self.consumer = None;
                return Err(error.into());
            }
        };
        if batch.is_empty() {
            return Ok(applied);
        }
        batch.sort_by_key(|d| d.message.sequence);
        match self.apply(&batch).await {
            Ok((handled, count)) => {
                let (done, later) = batch.split_at(handled);
                consumer.ack(done).await?;
                if !later.is_empty() {
                    consumer.nak(later, Duration::ZERO).await?;
                }
                Ok(applied + count)
            }
            Err(error) => {
                let delay = self.pause_after(self.failures.saturating_add(1));
                if let Err(nak) = consumer.nak(&batch, delay).await {
                    tracing::warn!(error = %nak, "could not ask for the batch again");
                }
                Err(error)
            }
        }
    }

    /// Applies the part of `batch` (sorted by sequence) that follows the checkpoint, catching up
    /// from the store first when it does not follow it; returns how many deliveries can be
    /// acknowledged and how many events were applied (the catch-up's included).
    ///
    /// The check runs in the applying transaction, after locking the checkpoint row: a batch
    /// another instance is committing lands first, and the checkpoint cannot move in between.
    #[tracing::instrument(skip_all, fields(projection = self.projector.name(), messages = batch.len()))]
    async fn apply(&self, batch: &[Delivery]) -> Result<(usize, usize), FeedError> {
        let events: Vec<Option<RecordedEvent>> = batch.iter().map(decode).collect();
        let name = self.projector.name();
        let mut caught_up = 0;
        for attempt in 0..2 {
            let mut tx = self.pool.begin().await?;
            // An empty batch only locks (or creates) the checkpoint row.
            apply_in(&mut tx, &self.projector, self.generation, &[]).await?;
            let checkpoint = load_checkpoint(&mut tx, name, self.generation)
                .await?
                .position;
            let plan = plan(batch, &events, checkpoint);
            if follows(&mut tx, checkpoint, &plan.events).await? {
                let applied =
                    apply_in(&mut tx, &self.projector, self.generation, &plan.events).await?;
                tx.commit().await?;
                if applied > 0 {
                    self.count_batch(FEED_JETSTREAM);
                }
                return Ok((plan.handled, caught_up + applied));
            }
            tx.rollback().await?;
            if attempt == 0 {
                tracing::info!(
                    projection = name,
                    "JetStream is not contiguous with the checkpoint; catching up from the store"
                );
                caught_up += self.catch_up_from_store().await?;
            }
        }
        Err(FeedError::Gap)
    }

    async fn catch_up_from_store(&self) -> Result<usize, FeedError> {
        let mut total = 0;
        loop {
            match self.runner.run_once().await? {
                0 => return Ok(total),
                applied => {
                    total += applied;
                    self.count_batch(FEED_STORE);
                }
            }
        }
    }

    fn count_batch(&self, feed: &str) {
        if let Some(metrics) = &self.metrics {
            metrics.batch(self.projector.name(), feed);
        }
    }

    /// `min_backoff · 2^(failures−1)`, capped at `max_backoff`.
    fn pause_after(&self, failures: u32) -> Duration {
        Backoff::new(self.config.min_backoff, self.config.max_backoff).delay(failures)
    }

    /// Follows JetStream until `shutdown` resolves (finishing the round in progress, at most
    /// `fetch_wait` when idle); failures are logged and retried with backoff.
    pub async fn run(mut self, shutdown: impl Future<Output = ()> + Send) {
        let shutdown = shutdown.fuse();
        futures::pin_mut!(shutdown);
        loop {
            if (&mut shutdown).now_or_never().is_some() {
                return;
            }
            if let Err(error) = self.run_once().await {
                let pause = self.pause_after(self.failures);
                tracing::warn!(
                    projection = self.projector.name(),
                    error = %infra::Causes(&error),
                    ?pause,
                    "projection batch from JetStream failed; retrying"
                );
                tokio::select! {
                    () = &mut shutdown => return,
                    () = tokio::time::sleep(pause) => {}
                }
            }
        }
    }
}

/// Whether `events` (after `checkpoint`, positions growing) are exactly the global log's events
/// after `checkpoint` up to the last of them.
async fn follows(
    conn: &mut PgConnection,
    checkpoint: GlobalPosition,
    events: &[RecordedEvent],
) -> Result<bool, FeedError> {
    let Some(last) = events.last() else {
        return Ok(true);
    };
    let in_log = readings::events_between(conn, checkpoint, last.position).await?;
    Ok(usize::try_from(in_log).is_ok_and(|n| n == events.len()))
}

/// The event a message carries; `None` (logged) for a message that is not one.
fn decode(delivery: &Delivery) -> Option<RecordedEvent> {
    match serde_json::from_slice(&delivery.message.payload) {
        Ok(event) => Some(event),
        Err(error) => {
            tracing::error!(
                sequence = delivery.message.sequence,
                error = %infra::Causes(&error),
                "a message on the events stream is not an event; skipped"
            );
            None
        }
    }
}

/// The events of `batch` after `checkpoint`, up to the first hole in the sequence after the
/// first of them (the rest is asked again).
fn plan(batch: &[Delivery], events: &[Option<RecordedEvent>], checkpoint: GlobalPosition) -> Plan {
    let mut plan = Plan {
        events: Vec::new(),
        handled: 0,
    };
    let mut previous: Option<u64> = None;
    let mut last = checkpoint;
    for (index, (delivery, event)) in batch.iter().zip(events).enumerate() {
        let sequence = delivery.message.sequence;
        if previous.is_some_and(|p| sequence > p + 1) && !plan.events.is_empty() {
            break;
        }
        previous = Some(sequence);
        plan.handled = index + 1;
        if let Some(event) = event.as_ref().filter(|e| e.position > last) {
            last = event.position;
            plan.events.push(event.clone());
        }
    }
    plan
}
