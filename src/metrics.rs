//! The Prometheus registry of one process, created once and passed explicitly to every part that
//! reports (no global default registry, so tests build their own), and served on `GET /metrics`.
//!
//! Exported: `http_requests_total{method,route,status}`, `http_request_duration_seconds{method,route}`,
//! `commands_total{command,outcome}`, `eventstore_appends_total`,
//! `eventstore_group_commit_batches_total`, `eventstore_group_commit_batch_size`,
//! `relay_published_total`, `relay_ledger_sequence`, `relay_is_leader`, `relay_lag_events`,
//! `projection_lag_events{projection}`, `projection_checkpoint_position{projection}`,
//! `projection_batches_total{projection,feed}`, `graphql_query_duration_seconds{outcome}` and
//! `table_maintenance_total{table,operation}`.
//! Labels are route templates and names, never an id or a CUIT.
//!
//! Values other parts keep themselves (counters of the store and the relay) are read just before
//! each scrape; lags are counted in Postgres at scrape time (each query bounded by
//! [`SCRAPE_QUERY_TIMEOUT`]; a failed one leaves the previous value and is logged).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context as _;
use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use commands::{CommandMetrics, http::metrics::HttpMetrics};
use eventstore::{PgEventStore, relay::RelayStats};
use futures::future::BoxFuture;
use prometheus::{
    Encoder as _, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};
use sqlx::PgPool;

use crate::projections::log;

/// Longest a scrape waits for one Postgres reading.
pub const SCRAPE_QUERY_TIMEOUT: Duration = Duration::from_secs(2);

/// Reads a component's own counters into the registry's metrics just before a scrape.
type Refresh = Box<dyn Fn() + Send + Sync>;
/// Reads a value from Postgres into the registry's metrics just before a scrape.
type AsyncRefresh = Arc<dyn Fn() -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync>;

/// The read side's metrics: batches by feed, lag and checkpoint by projection.
#[derive(Clone)]
pub struct ProjectionMetrics {
    batches: IntCounterVec,
    lag: IntGaugeVec,
    checkpoint: IntGaugeVec,
}

impl ProjectionMetrics {
    fn register(registry: &Registry) -> anyhow::Result<Self> {
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

/// The process's metrics; cheap to clone (clones share the registry).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    http: HttpMetrics,
    commands: CommandMetrics,
    projections: ProjectionMetrics,
    graphql: HistogramVec,
    refresh: Arc<Mutex<Vec<Refresh>>>,
    async_refresh: Arc<Mutex<Vec<AsyncRefresh>>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// A fresh registry with the HTTP, command and projection metrics.
    ///
    /// # Errors
    /// Never in practice: the metric definitions are constants.
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new();
        let http = HttpMetrics::register(&registry).context("registering HTTP metrics")?;
        let commands =
            CommandMetrics::register(&registry).context("registering command metrics")?;
        let projections =
            ProjectionMetrics::register(&registry).context("registering projection metrics")?;
        let graphql = HistogramVec::new(
            HistogramOpts::new(
                "graphql_query_duration_seconds",
                "GraphQL queries, from parsed request to response, by outcome (ok, error)",
            ),
            &["outcome"],
        )?;
        registry.register(Box::new(graphql.clone()))?;
        Ok(Self {
            registry,
            http,
            commands,
            projections,
            graphql,
            refresh: Arc::default(),
            async_refresh: Arc::default(),
        })
    }

    /// The HTTP middleware's metrics.
    pub fn http(&self) -> &HttpMetrics {
        &self.http
    }

    /// The command handler's counters.
    pub fn commands(&self) -> &CommandMetrics {
        &self.commands
    }

    /// `graphql_query_duration_seconds{outcome}`.
    pub fn graphql(&self) -> &HistogramVec {
        &self.graphql
    }

    /// The read side's counters.
    pub fn projections(&self) -> &ProjectionMetrics {
        &self.projections
    }

    /// Exports `projection_lag_events{projection}` and `projection_checkpoint_position{projection}`
    /// of `projection`'s `generation`, read at scrape time from `rm.checkpoints` and the log head.
    pub fn observe_projection(&self, pool: PgPool, projection: &'static str, generation: i32) {
        let lag = self.projections.lag.with_label_values(&[projection]);
        let position = self.projections.checkpoint.with_label_values(&[projection]);
        self.on_scrape_async(move || {
            let (pool, lag, position) = (pool.clone(), lag.clone(), position.clone());
            Box::pin(async move {
                let mut conn = pool.acquire().await?;
                let checkpoint = projections::load_checkpoint(&mut conn, projection, generation)
                    .await?
                    .position;
                drop(conn);
                let head = log::head(&pool).await?;
                lag.set(log::between(&pool, checkpoint, head).await?);
                position.set(checkpoint.position);
                Ok(())
            })
        });
    }

    /// Exports `relay_lag_events`: events in the global log after the relay's checkpoint, read
    /// at scrape time.
    ///
    /// # Errors
    /// The metric is already registered.
    pub fn observe_relay_lag(&self, pool: PgPool) -> anyhow::Result<()> {
        let lag = IntGauge::new(
            "relay_lag_events",
            "Events in the global log the relay has not published yet",
        )?;
        self.registry.register(Box::new(lag.clone()))?;
        self.on_scrape_async(move || {
            let (pool, lag) = (pool.clone(), lag.clone());
            Box::pin(async move {
                let published = log::relay_position(&pool).await?;
                let head = log::head(&pool).await?;
                lag.set(log::between(&pool, published, head).await?);
                Ok(())
            })
        });
        Ok(())
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
        self.registry.register(Box::new(appends.clone()))?;
        self.registry.register(Box::new(batches.clone()))?;
        self.registry.register(Box::new(sizes.clone()))?;
        #[allow(clippy::cast_precision_loss)] // batch sizes are small
        let observed = store.observe_batches(Arc::new(move |size| sizes.observe(size as f64)));
        if !observed {
            tracing::warn!("the store's batch sizes are already observed elsewhere");
        }
        let store = store.clone();
        self.on_scrape(move || {
            let stats = store.group_commit_stats();
            catch_up(&appends, stats.appends);
            catch_up(&batches, stats.batches);
        });
        Ok(())
    }

    /// Exports a relay's `relay_published_total`, `relay_ledger_sequence` and `relay_is_leader`,
    /// read from its stats at scrape time.
    ///
    /// # Errors
    /// The relay's metrics are already registered.
    pub fn observe_relay(&self, stats: RelayStats) -> anyhow::Result<()> {
        let published = IntCounter::new(
            "relay_published_total",
            "Events this relay published to JetStream",
        )?;
        let sequence = IntGauge::new(
            "relay_ledger_sequence",
            "Last ledger sequence this relay committed or reconciled to",
        )?;
        let leader = IntGauge::new("relay_is_leader", "1 while this relay holds the leadership")?;
        self.registry.register(Box::new(published.clone()))?;
        self.registry.register(Box::new(sequence.clone()))?;
        self.registry.register(Box::new(leader.clone()))?;
        self.on_scrape(move || {
            let now = stats.snapshot();
            catch_up(&published, now.published);
            sequence.set(i64::try_from(now.ledger_seq).unwrap_or(i64::MAX));
            leader.set(i64::from(now.leader));
        });
        Ok(())
    }

    /// Registers the ARCA saga's metrics, its gauges read from `pool` at scrape time.
    ///
    /// # Errors
    /// Already registered.
    pub fn observe_saga(&self, pool: PgPool) -> anyhow::Result<crate::saga::SagaMetrics> {
        let saga = crate::saga::SagaMetrics::register(&self.registry)?;
        let gauges = saga.clone();
        self.on_scrape_async(move || {
            let (pool, gauges) = (pool.clone(), gauges.clone());
            Box::pin(async move { gauges.refresh(&pool).await })
        });
        Ok(saga)
    }

    /// Registers `table_maintenance_total{table,operation}`: the vacuums and analyses
    /// [`crate::vacuum`] ran.
    ///
    /// # Errors
    /// Already registered.
    pub fn observe_maintenance(&self) -> anyhow::Result<IntCounterVec> {
        let maintenance = IntCounterVec::new(
            Opts::new(
                "table_maintenance_total",
                "Vacuums and analyses the workers ran on tables of the system that were due",
            ),
            &["table", "operation"],
        )?;
        self.registry.register(Box::new(maintenance.clone()))?;
        Ok(maintenance)
    }

    /// Registers the webhook delivery metrics; the queue gauges are read from `pool` at scrape
    /// time.
    ///
    /// # Errors
    /// The metrics are registered already.
    pub fn observe_webhooks(
        &self,
        pool: PgPool,
    ) -> anyhow::Result<crate::webhooks::delivery::DeliveryMetrics> {
        let webhooks = crate::webhooks::delivery::DeliveryMetrics::register(&self.registry)?;
        let gauges = webhooks.clone();
        self.on_scrape_async(move || {
            let (pool, gauges) = (pool.clone(), gauges.clone());
            Box::pin(async move { gauges.refresh(&pool).await })
        });
        Ok(webhooks)
    }

    fn on_scrape(&self, refresh: impl Fn() + Send + Sync + 'static) {
        self.refresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Box::new(refresh));
    }

    fn on_scrape_async(
        &self,
        refresh: impl Fn() -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync + 'static,
    ) {
        self.async_refresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Arc::new(refresh));
    }

    /// Everything in the Prometheus text format.
    ///
    /// # Errors
    /// Encoding failed.
    pub async fn render(&self) -> anyhow::Result<String> {
        let readings: Vec<AsyncRefresh> = self
            .async_refresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let outcomes = futures::future::join_all(
            readings
                .iter()
                .map(|read| tokio::time::timeout(SCRAPE_QUERY_TIMEOUT, read())),
        )
        .await;
        for outcome in outcomes {
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::warn!(%error, "reading a metric from Postgres"),
                Err(_) => tracing::warn!("reading a metric from Postgres timed out"),
            }
        }
        for refresh in self
            .refresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            refresh();
        }
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .context("encoding metrics")?;
        String::from_utf8(out).context("encoding metrics")
    }
}

/// Advances a counter to a monotonic source's value.
fn catch_up(counter: &IntCounter, value: u64) {
    let seen = counter.get();
    if value > seen {
        counter.inc_by(value - seen);
    }
}

/// `GET /metrics`: the text exposition format (kept out of the OpenAPI document).
pub async fn serve(State(metrics): State<Metrics>) -> Response {
    match metrics.render().await {
        Ok(text) => ([(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)], text).into_response(),
        Err(error) => {
            tracing::error!(%error, "rendering metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
