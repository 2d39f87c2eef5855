//! Wiring of the read side: [`StoreLog`] adapts the event store's gap-safe global log to the
//! projections' [`GlobalLog`] port, and [`run`] keeps the invoices read model (`rm.invoices`)
//! up to date for `serve --role workers|all` ([`run_projector`] any other projection, such as
//! the webhook subscriptions), fed as `projection_feed` says:
//!
//! - `jetstream` (the default): a durable JetStream consumer ([`JetStreamFeed`]), after a
//!   catch-up from the store; several instances share the consumer and take batches in turn.
//! - `store`: polling the store's global log (the path a rebuild and a catch-up use).
//!
//! Either way the checkpoint commits with the rows, so each event takes effect once.

mod jetstream;
pub(crate) mod log;
mod status;

use std::future::Future;

use anyhow::Context as _;
use async_trait::async_trait;
use domain::{GlobalPosition, RecordedEvent};
use eventstore::{EventStore, PgEventStore};
use nats_bus::Bus;
use projections::{GlobalLog, InvoicesProjector, ProjectionError, Projector, Runner};
use secrecy::ExposeSecret as _;

pub use jetstream::{FEED_JETSTREAM, FEED_STORE, FeedConfig, FeedError, JetStreamFeed};
pub use status::status;

use crate::metrics::Metrics;
use crate::settings::{ProjectionFeed, Settings};

/// Postgres connections of the projection runner.
pub(crate) const PROJECTION_POOL: u32 = 2;

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
            .map_err(|error| ProjectionError::Log(error.to_string()))
    }
}

/// Runs the invoices projection until `shutdown` resolves, from the feed `projection_feed`
/// names; failed batches are logged and retried. Reports into `metrics` (`projection_*`).
///
/// # Errors
/// Postgres unreachable at start-up, or invalid NATS settings.
pub async fn run(
    settings: &Settings,
    metrics: &Metrics,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    run_projector(settings, metrics, InvoicesProjector::new(), shutdown).await
}

/// Runs `projector` (its serving generation) like [`run`] runs the invoices projection: its own
/// checkpoint, its own durable consumer (`projection_<name>_g1`), its own lag metric.
///
/// # Errors
/// Postgres unreachable at start-up, or invalid NATS settings.
pub async fn run_projector<P: Projector + Clone + 'static>(
    settings: &Settings,
    metrics: &Metrics,
    projector: P,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let store = PgEventStore::connect(settings.database_url.expose_secret(), PROJECTION_POOL)
        .await
        .context("connecting the projections to Postgres (ARCA_DATABASE_URL)")?;
    let name = projector.name();
    metrics.observe_projection(store.pool().clone(), name, LIVE_GENERATION);
    let counters = metrics.projections().clone();
    match settings.projection_feed {
        ProjectionFeed::Store => {
            let runner = Runner::new(store.pool().clone(), projector, StoreLog(store))
                .generation(LIVE_GENERATION);
            tracing::info!(projection = name, feed = FEED_STORE, "projection started");
            runner
                .run_reporting(shutdown, |_| counters.batch(name, FEED_STORE))
                .await;
        }
        ProjectionFeed::Jetstream => {
            let bus = Bus::connect_lazily(crate::relay::bus_config(settings))
                .await
                .context("configuring NATS (ARCA_NATS_URL, nats_stream, nats_subject_prefix)")?;
            let feed = JetStreamFeed::new(
                store,
                bus,
                projector,
                FeedConfig::new(&settings.nats_subject_prefix),
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
