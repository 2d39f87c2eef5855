//! The parts of a webhook bench run, wired as `serve --role workers` wires them: the tenant and
//! its subscriptions through the same flow as `POST /v1/webhooks/subscriptions` (secrets sealed
//! into `webhooks.signing_keys`), then the invoices and subscriptions projections, the fan-out and
//! the dispatchers, each started by the function `serve` calls, over the run's settings.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use commands::webhooks::{SecretDeps, UrlRules, check_url, create_subscription};
use domain::aggregate::Context;
use domain::webhook::CreateSubscription;
use domain::{EventMetadata, SubscriptionId, TenantId};
use eventstore::{EventStore, PgEventStore};
use secrecy::ExposeSecret as _;
use sqlx::PgPool;
use time::OffsetDateTime;
use tokio::task::JoinHandle;
use uuid::Uuid;
use webhooks::Secret;

use super::receiver::Receiver;
use crate::config;
use crate::metrics::Metrics;
use crate::settings::Settings;
use workers::feeds;
use workers::webhooks::{self as delivery, PgSigningKeys};

/// The bench's receivers listen on loopback over plain HTTP (its dispatchers allow-list it).
const BENCH_URLS: UrlRules = UrlRules {
    allow_http: true,
    addresses: None,
};

/// Creates a tenant and `count` subscriptions to every event type, subscription `n` posting to
/// the receiver's `/hook/{n}`; answers the tenant and the secrets, in order.
pub(super) async fn subscribe(
    store: &PgEventStore,
    settings: &Settings,
    receiver: &Receiver,
    count: usize,
) -> anyhow::Result<(TenantId, Vec<Secret>)> {
    let events: Arc<dyn EventStore> = Arc::new(store.clone());
    let ctx = Context {
        now: OffsetDateTime::now_utc(),
        policy: crate::config::policy(settings)?,
    };
    let tenant = commands::tenants::create_tenant(&events, &ctx, "webhook bench")
        .await?
        .tenant_id;
    let vault = PgSigningKeys::new(store.pool().clone(), settings.keyring()?);
    let metrics = commands::CommandMetrics::detached();
    let deps = SecretDeps {
        store: &events,
        metrics: &metrics,
        secrets: &vault,
    };
    let mut secrets = Vec::with_capacity(count);
    for n in 0..count {
        let url = check_url(&receiver.url(n), &BENCH_URLS)
            .map_err(|(code, detail)| anyhow::anyhow!("{code}: {detail}"))?;
        let request = CreateSubscription {
            subscription_id: SubscriptionId(Uuid::nil()),
            url,
            event_types: Vec::new(),
            description: Some(format!("bench endpoint {n}")),
            key_id: Uuid::nil(),
        };
        let (_, secret) =
            create_subscription(deps, &ctx, EventMetadata::for_tenant(tenant), request)
                .await
                .context("creating a subscription")?;
        secrets.push(Secret::parse(secret.expose_secret()).map_err(anyhow::Error::msg)?);
    }
    Ok((tenant, secrets))
}

/// Starts the relay (when `relay`), the projections, the fan-out and `dispatchers` dispatchers
/// (each with its own pool and metrics registry, as separate instances would have); abort the
/// handles to stop them.
pub(super) fn start(
    settings: &Arc<Settings>,
    dispatchers: usize,
    relay: bool,
) -> anyhow::Result<Vec<JoinHandle<()>>> {
    let metrics = Metrics::new()?;
    let mut tasks = Vec::with_capacity(dispatchers + 5);
    let spawn = |tasks: &mut Vec<JoinHandle<()>>, part: &'static str, run: Part| {
        let (settings, metrics) = (Arc::clone(settings), metrics.clone());
        tasks.push(tokio::spawn(async move {
            if let Err(error) = run(settings, metrics).await {
                tracing::error!(error = format!("{error:#}"), part, "a bench part stopped");
            }
        }));
    };
    if relay {
        spawn(&mut tasks, "relay", |s, m| {
            Box::pin(async move {
                let bus = config::bus_config(&s);
                let exporter = m.exporter();
                workers::relay::run(&s.database_url, &bus, exporter, std::future::pending()).await
            })
        });
    }
    spawn(&mut tasks, "invoices projection", |s, m| {
        Box::pin(async move {
            let projector = projections::InvoicesProjector::new();
            let feed = config::feed_setup(&s);
            feeds::run_projector(&feed, m.workers(), projector, std::future::pending()).await
        })
    });
    spawn(&mut tasks, "subscriptions projection", |s, m| {
        Box::pin(async move {
            let projector = workers::webhooks::SubscriptionsProjector::new();
            let feed = config::feed_setup(&s);
            feeds::run_projector(&feed, m.workers(), projector, std::future::pending()).await
        })
    });
    spawn(&mut tasks, "fan-out", |s, m| {
        Box::pin(async move {
            let (feed, delivering) = (config::feed_setup(&s), config::delivery(&s)?);
            delivery::run_fanout(&feed, &delivering, m.workers(), std::future::pending()).await
        })
    });
    spawn(&mut tasks, "vacuum", |s, m| {
        Box::pin(async move {
            let schedule = config::upkeep(&s);
            let exporter = m.exporter();
            workers::upkeep::run(&s.database_url, schedule, exporter, std::future::pending()).await
        })
    });
    for _ in 0..dispatchers {
        spawn(&mut tasks, "dispatcher", |s, _| {
            Box::pin(async move {
                let own = Metrics::new()?;
                let delivering = config::delivery(&s)?;
                let pending = std::future::pending();
                delivery::run_dispatcher(&s.database_url, &delivering, own.workers(), pending).await
            })
        });
    }
    Ok(tasks)
}

/// Deletes the run's JetStream stream; best effort.
pub(super) async fn delete_stream(settings: &Settings) {
    match nats_bus::Bus::connect(config::bus_config(settings)).await {
        Ok(bus) => {
            if let Err(error) = bus.delete_stream().await {
                tracing::warn!(%error, stream = %settings.nats_stream, "deleting the run's stream");
            }
        }
        Err(error) => tracing::warn!(%error, "connecting to NATS to delete the run's stream"),
    }
}

type Part = fn(
    Arc<Settings>,
    Metrics,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send>>;

/// Waits until the subscriptions projection shows `count` active subscriptions of `tenant`.
pub(super) async fn subscriptions_ready(
    pool: &PgPool,
    tenant: TenantId,
    count: usize,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let page = u32::try_from(count)?.saturating_add(1);
    loop {
        let rows = projections::query::subscriptions(pool, tenant, page, None).await?;
        let active = rows.iter().filter(|r| r.status == "active").count();
        if active == count {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "only {active} of {count} subscriptions became active"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
