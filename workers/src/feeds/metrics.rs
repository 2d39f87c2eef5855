//! The read side's metrics: `projection_batches_total{projection,feed}`, and
//! `projection_lag_events{projection}` and `projection_checkpoint_position{projection}` read at
//! scrape time from the projection's checkpoint and the log head.

use infra::Exporter;
use prometheus::{IntCounterVec, IntGaugeVec, Opts};
use sqlx::PgPool;

use eventstore::readings;

/// The projections' counters and gauges; cheap to clone.
#[derive(Debug, Clone)]
pub struct ProjectionMetrics {
    batches: IntCounterVec,
    lag: IntGaugeVec,
    checkpoint: IntGaugeVec,
}

impl ProjectionMetrics {
    /// Registers the projections' metrics in `exporter` (once per process).
    ///
    /// # Errors
    /// Already registered.
    pub fn register(exporter: &Exporter) -> prometheus::Result<Self> {
        let batches = IntCounterVec::new(
            Opts::new(
                "projection_batches_total",
                "Batches a projection committed, by feed (jetstream or store)",
            ),
            &["projection", "feed"],
        )?;
        let lag = IntGaugeVec::new(
            Opts::new(
                "projection_lag_events",
                "Events in the global log after the projection's checkpoint",
            ),
            &["projection"],
        )?;
        let checkpoint = IntGaugeVec::new(
            Opts::new(
                "projection_checkpoint_position",
                "Global position of the last event the projection applied",
            ),
            &["projection"],
        )?;
        let registry = exporter.registry();
        registry.register(Box::new(batches.clone()))?;
        registry.register(Box::new(lag.clone()))?;
        registry.register(Box::new(checkpoint.clone()))?;
        Ok(Self {
            batches,
            lag,
            checkpoint,
        })
    }

    /// Counts one committed batch of `projection` fed by `feed` (`jetstream` or `store`).
    pub fn batch(&self, projection: &str, feed: &str) {
        self.batches.with_label_values(&[projection, feed]).inc();
    }
}

/// Exports `projection_lag_events{projection}` and `projection_checkpoint_position{projection}`
/// of `projection`'s `generation`, read at scrape time from its checkpoint and the log head.
pub fn observe_lag(
    exporter: &Exporter,
    metrics: &ProjectionMetrics,
    pool: PgPool,
    projection: &'static str,
    generation: i32,
) {
    let lag = metrics.lag.with_label_values(&[projection]);
    let position = metrics.checkpoint.with_label_values(&[projection]);
    exporter.on_scrape_async(move || {
        let (pool, lag, position) = (pool.clone(), lag.clone(), position.clone());
        Box::pin(async move {
            let mut conn = pool.acquire().await?;
            let checkpoint = projections::load_checkpoint(&mut conn, projection, generation)
                .await?
                .position;
            drop(conn);
            let head = readings::log_head(&pool).await?;
            lag.set(readings::events_between(&pool, checkpoint, head).await?);
            position.set(checkpoint.position);
            Ok(())
        })
    });
}
