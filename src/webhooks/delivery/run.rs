//! The delivery engine for `serve --role workers|all`: the fan-out (a projection with a durable
//! consumer of its own) and the dispatcher, over the settings' address policy, schedule, timeout,
//! per-endpoint limit and disable time, signing with the subscriptions' sealed keys (kept
//! unsealed between attempts by [`CachedKeys`]).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_trait::async_trait;
use eventstore::PgEventStore;
use secrecy::ExposeSecret;
use time::OffsetDateTime;
use uuid::Uuid;
use webhooks::{ClientSettings, Secret, WebhookClient};

use super::{
    CachedKeys, DispatchConfig, Dispatcher, DispatcherParts, FanOut, SigningKeys, StoreControl,
};
use crate::metrics::Metrics;
use crate::settings::Settings;
use crate::webhooks::PgSigningKeys;

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

/// Fans matching events out to deliveries until `shutdown` resolves.
///
/// # Errors
/// Invalid webhook settings, Postgres or NATS unusable at start-up.
pub async fn run_fanout(
    settings: &Settings,
    metrics: &Metrics,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let first_delay = settings.webhook_schedule()?.first_delay();
    crate::projections::run_projector(settings, metrics, FanOut::new(first_delay), shutdown).await
}

/// Sends due deliveries until `shutdown` resolves.
///
/// # Errors
/// Invalid webhook settings, Postgres unreachable at start-up.
pub async fn run_dispatcher(
    settings: &Settings,
    metrics: &Metrics,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let store = PgEventStore::connect(settings.database_url.expose_secret(), DISPATCH_POOL)
        .await
        .context("connecting the webhook dispatcher to Postgres (ARCA_DATABASE_URL)")?;
    let pool = store.pool().clone();
    let timeout = Duration::from_secs(settings.webhook_timeout_seconds);
    let client = WebhookClient::new(&ClientSettings {
        policy: settings.webhook_policy()?,
        connect_timeout: CONNECT_TIMEOUT.min(timeout),
        timeout,
    })
    .context("building the webhook HTTP client")?;
    let mut config = DispatchConfig::new(timeout);
    config.per_endpoint = settings.webhook_concurrency_per_endpoint;
    config.disable_after = Duration::from_secs(settings.webhook_disable_after_hours * 3600);
    let dispatcher = Dispatcher::new(DispatcherParts {
        pool: pool.clone(),
        client,
        schedule: settings.webhook_schedule()?,
        keys: Arc::new(CachedKeys::new(PgSigningKeys::new(
            pool.clone(),
            settings.sealing_key()?,
        ))),
        control: Arc::new(StoreControl::new(
            Arc::new(store),
            metrics.commands().clone(),
        )),
        config,
        metrics: Some(metrics.observe_webhooks(pool)?),
    });
    tracing::info!("webhook dispatcher started");
    dispatcher.run(shutdown).await;
    Ok(())
}
