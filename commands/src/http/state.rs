//! What every command endpoint shares.

use std::{sync::Arc, time::Duration};

use domain::aggregate::{Context, Policy};
use domain::series::Environment;
use eventstore::EventStore;

use crate::{
    credentials::{CertificateDeps, IssuerCredentials},
    issuers::IssuerCache,
    metrics::CommandMetrics,
    ports::{Clock, InvoiceReads},
    tenants::ApiKeys,
    webhooks::{DeliveryLog, SecretDeps, SigningSecrets, SubscriptionReads, UrlRules},
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
    /// Issuers' keys and certificates.
    pub credentials: Arc<dyn IssuerCredentials>,
    /// The ARCA environment this deployment issues in.
    pub environment: Environment,
    /// Webhook signing secrets.
    pub webhook_secrets: Arc<dyn SigningSecrets>,
    /// The webhook subscriptions read table.
    pub subscriptions: Arc<dyn SubscriptionReads>,
    /// What webhook endpoint URLs may be.
    pub webhook_urls: UrlRules,
    /// The webhook delivery log (reads and manual redelivery).
    pub deliveries: Arc<dyn DeliveryLog>,
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

    /// The webhook subscriptions read table.
    pub fn subscription_reads(&self) -> &dyn SubscriptionReads {
        self.inner.services.subscriptions.as_ref()
    }

    /// The webhook delivery log.
    pub fn delivery_log(&self) -> &dyn DeliveryLog {
        self.inner.services.deliveries.as_ref()
    }

    /// What webhook endpoint URLs may be.
    pub fn webhook_url_rules(&self) -> &UrlRules {
        &self.inner.services.webhook_urls
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
