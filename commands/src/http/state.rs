//! What every command endpoint shares.

use std::{sync::Arc, time::Duration};

use domain::aggregate::{Context, Policy};
use eventstore::EventStore;

use crate::{
    issuers::IssuerCache,
    metrics::CommandMetrics,
    ports::{Clock, InvoiceReads},
    tenants::ApiKeys,
};

/// Shared state of the command router; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

/// The ports and caches the endpoints use.
pub struct Services {
    /// The event store.
    pub store: Arc<dyn EventStore>,
    /// The API key verifier.
    pub keys: ApiKeys,
    /// Cached issuer snapshots.
    pub issuers: IssuerCache,
    /// The invoices read model.
    pub reads: Arc<dyn InvoiceReads>,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
}

struct Inner {
    services: Services,
    policy: Policy,
    metrics: CommandMetrics,
    read_wait: Duration,
}

impl AppState {
    /// Builds the state; reads wait at most `read_wait` for `ARCA-Read-After`.
    pub fn new(
        services: Services,
        policy: Policy,
        metrics: CommandMetrics,
        read_wait: Duration,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                services,
                policy,
                metrics,
                read_wait,
            }),
        }
    }

    /// The event store.
    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.inner.services.store
    }

    /// Where commands are counted.
    pub fn metrics(&self) -> &CommandMetrics {
        &self.inner.metrics
    }

    /// The API key verifier.
    pub fn keys(&self) -> &ApiKeys {
        &self.inner.services.keys
    }

    /// Cached issuer snapshots.
    pub fn issuers(&self) -> &IssuerCache {
        &self.inner.services.issuers
    }

    /// The invoices read model.
    pub fn reads(&self) -> &dyn InvoiceReads {
        self.inner.services.reads.as_ref()
    }

    /// The longest a read waits for `ARCA-Read-After`.
    pub fn read_wait(&self) -> Duration {
        self.inner.read_wait
    }

    /// A decision context at the current instant.
    pub fn context(&self) -> Context {
        Context {
            now: self.inner.services.clock.now(),
            policy: self.inner.policy.clone(),
        }
    }
}
