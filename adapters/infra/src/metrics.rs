//! The Prometheus registry of one process, created once and passed explicitly to every part that
//! reports (no global default registry, so tests build their own), rendered on each scrape.
//!
//! Values other parts keep themselves (counters of the store and the relay) are read just before
//! each scrape ([`Exporter::on_scrape`]); values counted in Postgres are read then too
//! ([`Exporter::on_scrape_async`]), each bounded by [`SCRAPE_QUERY_TIMEOUT`] (a failed one leaves
//! the previous value and is logged).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context as _;
use futures::future::BoxFuture;
use prometheus::{Encoder as _, IntCounter, Registry, TextEncoder};

/// Longest a scrape waits for one asynchronous reading.
pub const SCRAPE_QUERY_TIMEOUT: Duration = Duration::from_secs(2);

/// Reads a component's own counters into the registry's metrics just before a scrape.
type Refresh = Box<dyn Fn() + Send + Sync>;
/// Reads a value (from Postgres, say) into the registry's metrics just before a scrape.
type AsyncRefresh = Arc<dyn Fn() -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync>;

/// The registry and its scrape-time readings; cheap to clone (clones share both).
#[derive(Clone, Default)]
pub struct Exporter {
    registry: Registry,
    refresh: Arc<Mutex<Vec<Refresh>>>,
    async_refresh: Arc<Mutex<Vec<AsyncRefresh>>>,
}

impl std::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exporter").finish_non_exhaustive()
    }
}

impl Exporter {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The registry metrics are registered in.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Runs `refresh` before every scrape.
    pub fn on_scrape(&self, refresh: impl Fn() + Send + Sync + 'static) {
        self.refresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Box::new(refresh));
    }

    /// Runs the future `refresh` makes before every scrape, at most [`SCRAPE_QUERY_TIMEOUT`].
    pub fn on_scrape_async(
        &self,
        refresh: impl Fn() -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync + 'static,
    ) {
        self.async_refresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Arc::new(refresh));
    }

    /// Everything in the Prometheus text format, after the scrape-time readings.
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
                Ok(Err(error)) => tracing::warn!(error = ?error, "reading a metric failed"),
                Err(_) => tracing::warn!("reading a metric timed out"),
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
pub fn catch_up(counter: &IntCounter, value: u64) {
    let seen = counter.get();
    if value > seen {
        counter.inc_by(value - seen);
    }
}
