//! The relay engine: [`JetStreamBus`] adapts `nats-bus` to the event store's relay port, [`run`]
//! runs the relay worker (leader election inside) for `serve --role workers|all`, and
//! [`audit_verify`] backs `arca audit verify`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_trait::async_trait;
use bytes::Bytes;
use eventstore::relay::{
    AuditReport, BusFailure, PublishedMessage, Relay, RelayBus, RelayConfig, RelayMessage,
    RelayStats,
};
use eventstore::{PgEventStore, readings};
use futures::FutureExt as _;
use infra::metrics::catch_up;
use infra::{Backoff, Exporter};
use nats_bus::{Bus, BusConfig, BusError, Outgoing, StoredMessage};
use prometheus::{IntCounter, IntGauge};
use secrecy::{ExposeSecret as _, SecretString};
use sqlx::PgPool;

/// Postgres connections the relay uses besides its leader connection.
const RELAY_POOL: u32 = 2;
/// Waits between tries to find (or make) the JetStream stream.
const STREAM_RETRY: Backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(10));

/// The relay port over a JetStream stream.
#[derive(Debug, Clone)]
pub struct JetStreamBus(pub Bus);

fn failure(error: BusError) -> BusFailure {
    match error {
        BusError::WrongLastSequence => BusFailure::WrongLastSequence,
        unavailable @ (BusError::Unavailable { .. } | BusError::StreamNotFound(_)) => {
            BusFailure::Unavailable(unavailable.into())
        }
        refused @ (BusError::Config(_) | BusError::Rejected { .. }) => {
            BusFailure::Refused(refused.into())
        }
    }
}

fn published(message: StoredMessage) -> PublishedMessage {
    PublishedMessage {
        sequence: message.sequence,
        headers: message.headers,
        payload: message.payload.to_vec(),
    }
}

#[async_trait]
impl RelayBus for JetStreamBus {
    async fn publish(&self, messages: Vec<RelayMessage>) -> Result<Vec<u64>, BusFailure> {
        let outgoing = messages
            .into_iter()
            .map(|m| Outgoing {
                subject: m.subject,
                headers: m.headers,
                payload: Bytes::from(m.payload),
            })
            .collect();
        self.0.publish_all(outgoing).await.map_err(failure)
    }

    async fn last_sequence(&self) -> Result<u64, BusFailure> {
        self.0.last_sequence().await.map_err(failure)
    }

    async fn message(&self, sequence: u64) -> Result<Option<PublishedMessage>, BusFailure> {
        Ok(self
            .0
            .get_message(sequence)
            .await
            .map_err(failure)?
            .map(published))
    }
}

/// Runs the relay until `shutdown` resolves. Starts while NATS is down (and keeps retrying until
/// the stream exists); waits for the leadership when another instance leads. Reports into
/// `metrics` (`relay_*`).
///
/// # Errors
/// Invalid NATS settings, or Postgres unreachable at start-up.
pub async fn run(
    database_url: &SecretString,
    bus: &BusConfig,
    exporter: &Exporter,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let store = PgEventStore::connect(database_url.expose_secret(), RELAY_POOL)
        .await
        .context("connecting the relay to Postgres (ARCA_DATABASE_URL)")?;
    let subject_prefix = bus.subject_prefix.clone();
    let stream = bus.stream.clone();
    let bus = Bus::connect_lazily(bus.clone())
        .await
        .context("configuring NATS (ARCA_NATS_URL, nats_stream, nats_subject_prefix)")?;
    let shutdown = shutdown.fuse();
    futures::pin_mut!(shutdown);
    let mut failures = 0;
    while let Err(error) = bus.ensure_stream().await {
        failures += 1;
        let pause = STREAM_RETRY.delay(failures);
        tracing::warn!(error = %infra::Causes(&error), ?pause, "JetStream stream not ready; retrying");
        tokio::select! {
            () = &mut shutdown => return Ok(()),
            () = tokio::time::sleep(pause) => {}
        }
    }
    let pool = store.pool().clone();
    let relay = Relay::new(
        store,
        Arc::new(JetStreamBus(bus)),
        RelayConfig::new(&subject_prefix),
    );
    observe(exporter, relay.stats())?;
    observe_lag(exporter, pool)?;
    tracing::info!(%stream, "relay started");
    relay.run(shutdown).await;
    Ok(())
}

/// Verifies the ledger against the JetStream stream.
///
/// # Errors
/// Postgres or NATS unreachable, or the stream missing.
pub async fn audit_verify(
    database_url: &SecretString,
    bus: &BusConfig,
) -> anyhow::Result<AuditReport> {
    let store = PgEventStore::connect(database_url.expose_secret(), 2)
        .await
        .context("connecting to Postgres (ARCA_DATABASE_URL)")?;
    let bus = Bus::connect(bus.clone())
        .await
        .context("connecting to NATS (ARCA_NATS_URL)")?;
    eventstore::relay::verify(&store, &JetStreamBus(bus))
        .await
        .context("auditing the ledger")
}

/// Exports a relay's `relay_published_total`, `relay_ledger_sequence` and `relay_is_leader`,
/// read from its stats at scrape time.
///
/// # Errors
/// The relay's metrics are already registered.
pub fn observe(exporter: &Exporter, stats: RelayStats) -> prometheus::Result<()> {
    let published = IntCounter::new(
        "relay_published_total",
        "Events this relay published to JetStream",
    )?;
    let sequence = IntGauge::new(
        "relay_ledger_sequence",
        "Last ledger sequence this relay committed or reconciled to",
    )?;
    let leader = IntGauge::new("relay_is_leader", "1 while this relay holds the leadership")?;
    let registry = exporter.registry();
    registry.register(Box::new(published.clone()))?;
    registry.register(Box::new(sequence.clone()))?;
    registry.register(Box::new(leader.clone()))?;
    exporter.on_scrape(move || {
        let now = stats.snapshot();
        catch_up(&published, now.published);
        sequence.set(i64::try_from(now.ledger_seq).unwrap_or(i64::MAX));
        leader.set(i64::from(now.leader));
    });
    Ok(())
}

/// Exports `relay_lag_events`: events in the global log after the relay's checkpoint, read at
/// scrape time.
///
/// # Errors
/// The metric is already registered.
pub fn observe_lag(exporter: &Exporter, pool: PgPool) -> prometheus::Result<()> {
    let lag = IntGauge::new(
        "relay_lag_events",
        "Events in the global log the relay has not published yet",
    )?;
    exporter.registry().register(Box::new(lag.clone()))?;
    exporter.on_scrape_async(move || {
        let (pool, lag) = (pool.clone(), lag.clone());
        Box::pin(async move {
            let published = readings::relay_position(&pool).await?;
            let head = readings::log_head(&pool).await?;
            lag.set(readings::events_between(&pool, published, head).await?);
            Ok(())
        })
    });
    Ok(())
}
