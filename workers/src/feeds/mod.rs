//! The feeds of the read side: [`StoreLog`] adapts the event store's gap-safe global log to the
//! projections' [`GlobalLog`] port, and [`run_projector`] keeps a projection's read model (the
//! invoices, the webhook subscriptions, the webhook fan-out's deliveries) up to date for
//! `serve --role workers|all`, fed as [`Feed`] says:
//!
//! - `jetstream` (the default): a durable JetStream consumer ([`JetStreamFeed`]), after a
//!   catch-up from the store; several instances share the consumer and take batches in turn.
//! - `store`: polling the store's global log (the path a rebuild and a catch-up use).
//!
//! Either way the checkpoint commits with the rows, so each event takes effect once.

mod jetstream;
mod metrics;

use std::future::Future;

use anyhow::Context as _;
use async_trait::async_trait;
use domain::{GlobalPosition, RecordedEvent};
use eventstore::{EventStore, PgEventStore};
use nats_bus::{Bus, BusConfig};
use projections::{GlobalLog, ProjectionError, Projector, Runner};
use secrecy::{ExposeSecret as _, SecretString};

pub use jetstream::{FEED_JETSTREAM, FEED_STORE, FeedConfig, FeedError, JetStreamFeed};
pub use metrics::{ProjectionMetrics, observe_lag};

use crate::WorkerMetrics;

/// Postgres connections of the projection runner.
pub const PROJECTION_POOL: u32 = 2;

/// Where the live projections read events from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// A durable JetStream consumer (after a catch-up from the store).
    Jetstream,
    /// Polling the store's global log.
    Store,
}

/// How a live projection is fed: its database, the events stream, and which of the two.
#[derive(Debug, Clone)]
pub struct FeedSetup {
    /// Postgres with the event store and the read models.
    pub database_url: SecretString,
    /// The JetStream stream of events.
    pub bus: BusConfig,
    /// Which feed.
    pub feed: Feed,
}

/// The generation the live feed writes (the serving read model).
pub const LIVE_GENERATION: i32 = projections::SERVING_GENERATION;

/// The global log of a Postgres event store.
#[derive(Debug, Clone)]
pub struct StoreLog(pub PgEventStore);

#[async_trait]
impl GlobalLog for StoreLog {
    async fn read_after(
        &self,
        after: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, ProjectionError> {
        self.0
            .read_all(after, limit)
            .await
            .map_err(ProjectionError::log)
    }
}

/// Runs `projector` (its serving generation) until `shutdown` resolves: its own checkpoint, its
/// own durable consumer (`projection_<name>_g1`), its own lag metric; failed batches are logged
/// and retried. Reports into `metrics` (`projection_*`).
///
/// # Errors
/// Postgres unreachable at start-up, or invalid NATS settings.
pub async fn run_projector<P: Projector + Clone + 'static>(
    setup: &FeedSetup,
    metrics: &WorkerMetrics,
    projector: P,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let store = PgEventStore::connect(setup.database_url.expose_secret(), PROJECTION_POOL)
        .await
        .context("connecting the projections to Postgres (ARCA_DATABASE_URL)")?;
    let name = projector.name();
    metrics::observe_lag(
        &metrics.exporter,
        &metrics.projections,
        store.pool().clone(),
        name,
        LIVE_GENERATION,
    );
    let counters = metrics.projections.clone();
    match setup.feed {
        Feed::Store => {
            let runner = Runner::new(store.pool().clone(), projector, StoreLog(store))
                .generation(LIVE_GENERATION);
            tracing::info!(projection = name, feed = FEED_STORE, "projection started");
            runner
                .run_reporting(shutdown, |_| counters.batch(name, FEED_STORE))
                .await;
        }
        Feed::Jetstream => {
            let bus = Bus::connect_lazily(setup.bus.clone())
                .await
                .context("configuring NATS (ARCA_NATS_URL, nats_stream, nats_subject_prefix)")?;
            let feed = JetStreamFeed::new(
                store,
                bus,
                projector,
                FeedConfig::new(&setup.bus.subject_prefix),
            )
            .generation(LIVE_GENERATION)
            .with_metrics(counters);
            tracing::info!(
                projection = name,
                feed = FEED_JETSTREAM,
                "projection started"
            );
            feed.run(shutdown).await;
        }
    }
    Ok(())
}
