//! The documents engine's metrics: `documents_issued_total{outcome}` (issued, already_issued,
//! not_owed, failed), `documents_issue_duration_seconds` (render, store and record of one PDF),
//! and — read from Postgres at scrape time — `documents_pending` and
//! `documents_oldest_pending_seconds`. No label carries an id.

use std::time::Duration;

use prometheus::{Gauge, Histogram, HistogramOpts, IntCounterVec, IntGauge, Opts};
use sqlx::PgPool;

use super::jobs;

/// The engine's instruments; cheap to clone.
#[derive(Clone)]
pub struct DocumentMetrics {
    issued: IntCounterVec,
    duration: Histogram,
    pending: IntGauge,
    oldest: Gauge,
}

impl DocumentMetrics {
    /// Registers the metrics in `exporter`; the pending gauges are read from `pool` at scrape
    /// time.
    ///
    /// # Errors
    /// Already registered.
    pub fn observe(exporter: &infra::Exporter, pool: PgPool) -> anyhow::Result<Self> {
        let registry = exporter.registry();
        let metrics = Self {
            issued: IntCounterVec::new(
                Opts::new(
                    "documents_issued_total",
                    "Invoice documents (PDFs) handled, by outcome (issued, already_issued, \
                     not_owed, failed)",
                ),
                &["outcome"],
            )?,
            duration: Histogram::with_opts(
                HistogramOpts::new(
                    "documents_issue_duration_seconds",
                    "Time to render, store and record one invoice document",
                )
                .buckets(vec![
                    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
                ]),
            )?,
            pending: IntGauge::new(
                "documents_pending",
                "Authorized invoices whose document is not recorded yet",
            )?,
            oldest: Gauge::new(
                "documents_oldest_pending_seconds",
                "Age of the oldest authorized invoice still owed its document",
            )?,
        };
        registry.register(Box::new(metrics.issued.clone()))?;
        registry.register(Box::new(metrics.duration.clone()))?;
        registry.register(Box::new(metrics.pending.clone()))?;
        registry.register(Box::new(metrics.oldest.clone()))?;
        let gauges = metrics.clone();
        exporter.on_scrape_async(move || {
            let (pool, gauges) = (pool.clone(), gauges.clone());
            Box::pin(async move {
                let (count, oldest) = jobs::depth(&pool).await?;
                gauges.pending.set(count);
                gauges.oldest.set(oldest);
                Ok(())
            })
        });
        Ok(metrics)
    }

    /// Counts one job's outcome.
    pub fn issued(&self, outcome: &str) {
        self.issued.with_label_values(&[outcome]).inc();
    }

    /// Records how long one document took.
    pub fn took(&self, elapsed: Duration) {
        self.duration.observe(elapsed.as_secs_f64());
    }
}
