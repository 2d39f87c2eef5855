//! The process's metrics, wired: one [`infra::Exporter`] created at start-up, the counters every
//! role shares registered in it once (HTTP, commands, projections, GraphQL), and the event
//! store's group-commit counters. Each engine registers its own when it starts; `GET /metrics`
//! (the API) renders the whole registry. Labels are route templates and names, never an id or a
//! CUIT.

use std::sync::Arc;

use anyhow::Context as _;
use api::ApiMetrics;
use commands::CommandMetrics;
use eventstore::PgEventStore;
use infra::{Exporter, metrics::catch_up};
use prometheus::{Histogram, HistogramOpts, IntCounter};
use workers::{ProjectionMetrics, WorkerMetrics};

/// The process's metrics; cheap to clone (clones share the registry).
#[derive(Debug, Clone)]
pub struct Metrics {
    api: ApiMetrics,
    workers: WorkerMetrics,
}

impl Metrics {
    /// A fresh registry with the HTTP, command, projection and GraphQL metrics.
    ///
    /// # Errors
    /// Never in practice: the metric definitions are constants.
    pub fn new() -> anyhow::Result<Self> {
        let exporter = Exporter::new();
        let commands =
            CommandMetrics::register(exporter.registry()).context("registering command metrics")?;
        let api = ApiMetrics::register(&exporter, commands.clone())
            .context("registering HTTP metrics")?;
        let projections =
            ProjectionMetrics::register(&exporter).context("registering projection metrics")?;
        Ok(Self {
            api,
            workers: WorkerMetrics {
                exporter,
                commands,
                projections,
            },
        })
    }

    /// What the API reports into.
    pub fn api(&self) -> &ApiMetrics {
        &self.api
    }

    /// What the workers report into.
    pub fn workers(&self) -> &WorkerMetrics {
        &self.workers
    }

    /// The command handler's counters.
    pub fn commands(&self) -> &CommandMetrics {
        &self.workers.commands
    }

    /// The process's exporter.
    pub fn exporter(&self) -> &Exporter {
        &self.workers.exporter
    }

    /// Exports the store's group commit: `eventstore_appends_total` and
    /// `eventstore_group_commit_batches_total` (read from its counters at scrape time) and the
    /// `eventstore_group_commit_batch_size` histogram (fed by a batch observer).
    ///
    /// # Errors
    /// The store's metrics are already registered.
    pub fn observe_store(&self, store: &PgEventStore) -> anyhow::Result<()> {
        let appends = IntCounter::new(
            "eventstore_appends_total",
            "Appends stored through the group commit",
        )?;
        let batches = IntCounter::new(
            "eventstore_group_commit_batches_total",
            "Group-commit batches (calls of es.append_many)",
        )?;
        let sizes = Histogram::with_opts(
            HistogramOpts::new(
                "eventstore_group_commit_batch_size",
                "Appends per group-commit batch",
            )
            .buckets(vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]),
        )?;
        let registry = self.exporter().registry();
        registry.register(Box::new(appends.clone()))?;
        registry.register(Box::new(batches.clone()))?;
        registry.register(Box::new(sizes.clone()))?;
        #[allow(clippy::cast_precision_loss)] // batch sizes are small
        let observed = store.observe_batches(Arc::new(move |size| sizes.observe(size as f64)));
        if !observed {
            tracing::warn!("the store's batch sizes are already observed elsewhere");
        }
        let store = store.clone();
        self.exporter().on_scrape(move || {
            let stats = store.group_commit_stats();
            catch_up(&appends, stats.appends);
            catch_up(&batches, stats.batches);
        });
        Ok(())
    }

    /// Everything in the Prometheus text format.
    ///
    /// # Errors
    /// Encoding failed.
    pub async fn render(&self) -> anyhow::Result<String> {
        self.exporter().render().await
    }
}
