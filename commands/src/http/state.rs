//! What every command endpoint shares.

use std::sync::Arc;

use domain::aggregate::{Context, Policy};
use eventstore::EventStore;

use crate::{issuers::IssuerCache, metrics::CommandMetrics, ports::Clock, tenants::ApiKeys};

/// Shared state of the command router; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn EventStore>,
    keys: ApiKeys,
    issuers: IssuerCache,
    clock: Arc<dyn Clock>,
    policy: Policy,
    metrics: CommandMetrics,
}

impl AppState {
    /// Builds the state from its parts.
    pub fn new(
        store: Arc<dyn EventStore>,
        keys: ApiKeys,
        issuers: IssuerCache,
        clock: Arc<dyn Clock>,
        policy: Policy,
        metrics: CommandMetrics,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                keys,
                issuers,
                clock,
                policy,
                metrics,
            }),
        }
    }

    /// The event store.
    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.inner.store
    }

    /// Where commands are counted.
    pub fn metrics(&self) -> &CommandMetrics {
        &self.inner.metrics
    }

    /// The API key verifier.
    pub fn keys(&self) -> &ApiKeys {
        &self.inner.keys
    }

    /// Cached issuer snapshots.
    pub fn issuers(&self) -> &IssuerCache {
        &self.inner.issuers
    }

    /// A decision context at the current instant.
    pub fn context(&self) -> Context {
        Context {
            now: self.inner.clock.now(),
            policy: self.inner.policy.clone(),
        }
    }
}
