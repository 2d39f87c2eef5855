//! What every endpoint shares: the ports and caches of the write side, and the read models'
//! database, which reads query through `projections`.

use std::{sync::Arc, time::Duration};

use infra::{PgLastUsed, PgRateLimiter};

use crate::access::Access;
use crate::documents::DocumentSource;
use commands::{
    credentials::{CertificateDeps, IssuerCredentials},
    issuers::IssuerCache,
    metrics::CommandMetrics,
    ports::Clock,
    tenants::ApiKeys,
    webhooks::{Redeliveries, SecretDeps, SigningSecrets, UrlRules},
};
use domain::aggregate::{Context, Policy};
use domain::series::Environment;
use eventstore::EventStore;
use projections::query::DeliveryRow;
use sqlx::PgPool;

/// The delivery log's manual redeliveries, answering a queued delivery as the read side reads it.
pub type DeliveryRedeliveries = dyn Redeliveries<Queued = DeliveryRow>;

/// Shared state of the router; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

/// The ports and caches the endpoints use.
pub struct Services {
    /// The event store.
    pub store: Arc<dyn EventStore>,
    /// The read models (`rm.*`, the webhook subscriptions and delivery log), read through
    /// `projections::query`.
    pub reads: PgPool,
    /// The API key verifier.
    pub keys: ApiKeys,
    /// Cached issuer snapshots.
    pub issuers: IssuerCache,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
    /// Issuers' keys and certificates.
    pub credentials: Arc<dyn IssuerCredentials>,
    /// The ARCA environment this deployment issues in.
    pub environment: Environment,
    /// Webhook signing secrets.
    pub webhook_secrets: Arc<dyn SigningSecrets>,
    /// What webhook endpoint URLs may be.
    pub webhook_urls: UrlRules,
    /// Manual redeliveries of the webhook delivery log.
    pub redeliveries: Arc<DeliveryRedeliveries>,
    /// The rate buckets every API instance shares.
    pub limiter: PgRateLimiter,
    /// When API keys were last used.
    pub last_used: PgLastUsed,
    /// The stored documents (invoice PDFs).
    pub documents: Arc<dyn DocumentSource>,
}

struct Inner {
    services: Services,
    policy: Policy,
    metrics: CommandMetrics,
    read_wait: Duration,
    access: Access,
    finals: crate::invoices::finals::Finals,
}

impl AppState {
    /// Builds the state; reads wait at most `read_wait` for `ARCA-Read-After`; callers are
    /// guarded by `access`.
    pub fn new(
        services: Services,
        policy: Policy,
        metrics: CommandMetrics,
        read_wait: Duration,
        access: Access,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                services,
                policy,
                metrics,
                read_wait,
                access,
                finals: crate::invoices::finals::Finals::default(),
            }),
        }
    }

    /// Who waits for which invoice's final state.
    pub fn finals(&self) -> &crate::invoices::finals::Finals {
        &self.inner.finals
    }

    /// The guard's state: rate buckets, refused addresses, use stamps.
    pub fn access(&self) -> &Access {
        &self.inner.access
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

    /// The read models' database.
    pub fn reads(&self) -> &PgPool {
        &self.inner.services.reads
    }

    /// What the certificate flows need.
    pub fn certificate_deps(&self) -> CertificateDeps<'_> {
        CertificateDeps {
            store: &self.inner.services.store,
            metrics: &self.inner.metrics,
            credentials: self.inner.services.credentials.as_ref(),
        }
    }

    /// The ARCA environment this deployment issues in.
    pub fn environment(&self) -> Environment {
        self.inner.services.environment
    }

    /// What the webhook secret flows need.
    pub fn secret_deps(&self) -> SecretDeps<'_> {
        SecretDeps {
            store: &self.inner.services.store,
            metrics: &self.inner.metrics,
            secrets: self.inner.services.webhook_secrets.as_ref(),
        }
    }

    /// Manual redeliveries of the webhook delivery log.
    pub fn redeliveries(&self) -> &DeliveryRedeliveries {
        self.inner.services.redeliveries.as_ref()
    }

    /// What webhook endpoint URLs may be.
    pub fn webhook_url_rules(&self) -> &UrlRules {
        &self.inner.services.webhook_urls
    }

    /// The stored documents (invoice PDFs).
    pub fn documents(&self) -> &dyn DocumentSource {
        self.inner.services.documents.as_ref()
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
