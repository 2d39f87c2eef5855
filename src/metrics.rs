//! The Prometheus registry of one process, created once and passed explicitly to every part that
//! reports (no global default registry, so tests build their own), and served on `GET /metrics`.
//!
//! Exported: `http_requests_total{method,route,status}`, `http_request_duration_seconds{method,route}`,
//! `commands_total{command,outcome}`, `eventstore_appends_total`,
//! `eventstore_group_commit_batches_total`, `eventstore_group_commit_batch_size`,
//! `relay_published_total`, `relay_ledger_sequence`, `relay_is_leader`,
//! `graphql_query_duration_seconds{outcome}`. Labels are route
//! templates and names, never an id or a CUIT.

use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context as _;
use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use commands::{CommandMetrics, http::metrics::HttpMetrics};
use eventstore::{PgEventStore, relay::RelayStats};
use prometheus::{
    Encoder as _, Histogram, HistogramOpts, HistogramVec, IntCounter, IntGauge, Registry,
    TextEncoder,
};

/// Reads a component's own counters into the registry's metrics just before a scrape.
type Refresh = Box<dyn Fn() + Send + Sync>;

/// The process's metrics; cheap to clone (clones share the registry).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    http: HttpMetrics,
    commands: CommandMetrics,
    graphql: HistogramVec,
    refresh: Arc<Mutex<Vec<Refresh>>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// A fresh registry with the HTTP and command metrics.
    ///
    /// # Errors
    /// Never in practice: the metric definitions are constants.
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new();
        let http = HttpMetrics::register(&registry).context("registering HTTP metrics")?;
        let commands =
            CommandMetrics::register(&registry).context("registering command metrics")?;
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
            graphql,
            refresh: Arc::default(),
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

    fn on_scrape(&self, refresh: impl Fn() + Send + Sync + 'static) {
        self.refresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Box::new(refresh));
    }

    /// Everything in the Prometheus text format.
    ///
    /// # Errors
    /// Encoding failed.
    pub fn render(&self) -> anyhow::Result<String> {
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
    match metrics.render() {
        Ok(text) => ([(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)], text).into_response(),
        Err(error) => {
            tracing::error!(%error, "rendering metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
