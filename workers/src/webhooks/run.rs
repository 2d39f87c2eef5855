//! The delivery engine for `serve --role workers|all`: the fan-out (a projection with a durable
//! consumer of its own) and the dispatcher, over the configured address policy, schedule,
//! timeout, per-endpoint limit and disable time, signing with the subscriptions' sealed keys
//! (kept unsealed between attempts by [`CachedKeys`]).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use arca_ws::credentials::Keyring;
use async_trait::async_trait;
use eventstore::PgEventStore;
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use uuid::Uuid;
use webhooks::{AddressPolicy, ClientSettings, RetrySchedule, Secret, WebhookClient};

use super::{
    CachedKeys, DeliveryMetrics, DispatchConfig, Dispatcher, DispatcherParts, FanOut, InvoiceShape,
    PgSigningKeys, SigningKeys, StoreControl,
};
use crate::WorkerMetrics;
use crate::feeds::{self, FeedSetup};

/// Postgres connections of the dispatcher (claims, attempts, follow-up appends).
const DISPATCH_POOL: u32 = 8;
/// Longest time to connect to an endpoint.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[async_trait]
impl SigningKeys for PgSigningKeys {
    async fn active(
        &self,
        subscription: Uuid,
        _current: Option<Uuid>,
        now: OffsetDateTime,
    ) -> anyhow::Result<Vec<Secret>> {
        let sealed = PgSigningKeys::active(self, subscription, now)
            .await
            .with_context(|| format!("signing keys of subscription {subscription}"))?;
        sealed
            .iter()
            .map(|secret| {
                Secret::parse(secret.expose_secret())
                    .map_err(|e| anyhow::anyhow!("a stored signing key does not parse: {e}"))
            })
            .collect()
    }
}

/// How the delivery engine delivers.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Where webhooks may go.
    pub addresses: AddressPolicy,
    /// When attempts are made.
    pub schedule: RetrySchedule,
    /// Longest one attempt may take.
    pub timeout: Duration,
    /// Requests in flight at once per endpoint (per instance).
    pub per_endpoint: usize,
    /// Webhook requests in flight at once per destination host (per instance).
    pub per_host: usize,
    /// Webhook attempts in flight at once per tenant (per instance).
    pub per_tenant: usize,
    /// An endpoint failing with no success for this long is disabled.
    pub disable_after: Duration,
    /// The keys sealing the signing secrets (the current one seals).
    pub keyring: Keyring,
    /// How an invoice reads in the payloads of its events (the API's view of it).
    pub invoice_shape: InvoiceShape,
}

/// Fans matching events out to deliveries until `shutdown` resolves.
///
/// # Errors
/// Postgres or NATS unusable at start-up.
pub async fn run_fanout(
    feed: &FeedSetup,
    config: &DeliveryConfig,
    metrics: &WorkerMetrics,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let first_delay = config.schedule.first_delay();
    feeds::run_projector(feed, metrics, FanOut::new(first_delay), shutdown).await
}

/// Sends due deliveries until `shutdown` resolves.
///
/// # Errors
/// Postgres unreachable at start-up.
pub async fn run_dispatcher(
    database_url: &SecretString,
    config: &DeliveryConfig,
    metrics: &WorkerMetrics,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let store = PgEventStore::connect(database_url.expose_secret(), DISPATCH_POOL)
        .await
        .context("connecting the webhook dispatcher to Postgres (ARCA_DATABASE_URL)")?;
    let pool = store.pool().clone();
    let client = WebhookClient::new(&ClientSettings {
        policy: config.addresses.clone(),
        connect_timeout: CONNECT_TIMEOUT.min(config.timeout),
        timeout: config.timeout,
    })
    .context("building the webhook HTTP client")?;
    let mut dispatch = DispatchConfig::new(config.timeout);
    dispatch.per_endpoint = config.per_endpoint;
    dispatch.per_host = config.per_host;
    dispatch.per_tenant = config.per_tenant;
    dispatch.disable_after = config.disable_after;
    let dispatcher = Dispatcher::new(DispatcherParts {
        pool: pool.clone(),
        client,
        schedule: config.schedule.clone(),
        keys: Arc::new(CachedKeys::new(PgSigningKeys::new(
            pool.clone(),
            config.keyring.clone(),
        ))),
        invoice_shape: config.invoice_shape,
        control: Arc::new(StoreControl::new(Arc::new(store), metrics.commands.clone())),
        config: dispatch,
        metrics: Some(DeliveryMetrics::observe(&metrics.exporter, pool)?),
    });
    tracing::info!("webhook dispatcher started");
    dispatcher.run(shutdown).await;
    Ok(())
}
