//! Wiring of the relay: [`JetStreamBus`] adapts `nats-bus` to the event store's relay port,
//! [`run`] runs the relay worker (leader election inside) for `serve --role workers|all`, and
//! [`audit_verify`] backs `arca audit verify`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_trait::async_trait;
use bytes::Bytes;
use eventstore::PgEventStore;
use eventstore::relay::{
    AuditReport, BusFailure, PublishedMessage, Relay, RelayBus, RelayConfig, RelayMessage,
};
use futures::FutureExt as _;
use nats_bus::{Bus, BusConfig, BusError, Outgoing, StoredMessage};
use secrecy::ExposeSecret as _;

use crate::{metrics::Metrics, settings::Settings};

/// Postgres connections the relay uses besides its leader connection.
const RELAY_POOL: u32 = 2;

/// The relay port over a JetStream stream.
#[derive(Debug, Clone)]
pub struct JetStreamBus(pub Bus);

fn failure(error: BusError) -> BusFailure {
    match error {
        BusError::WrongLastSequence => BusFailure::WrongLastSequence,
        BusError::Unavailable(why) | BusError::StreamNotFound(why) => BusFailure::Unavailable(why),
        BusError::Config(why) | BusError::Rejected(why) => BusFailure::Refused(why),
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

/// The stream settings.
pub fn bus_config(settings: &Settings) -> BusConfig {
    BusConfig::new(
        &settings.nats_url,
        &settings.nats_stream,
        &settings.nats_subject_prefix,
    )
}

/// Runs the relay until `shutdown` resolves. Starts while NATS is down (and keeps retrying until
/// the stream exists); waits for the leadership when another instance leads. Reports into
/// `metrics` (`relay_*`).
///
/// # Errors
/// Invalid NATS settings, or Postgres unreachable at start-up.
pub async fn run(
    settings: &Settings,
    metrics: &Metrics,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let store = PgEventStore::connect(settings.database_url.expose_secret(), RELAY_POOL)
        .await
        .context("connecting the relay to Postgres (ARCA_DATABASE_URL)")?;
    let bus = Bus::connect_lazily(bus_config(settings))
        .await
        .context("configuring NATS (ARCA_NATS_URL, nats_stream, nats_subject_prefix)")?;
    let shutdown = shutdown.fuse();
    futures::pin_mut!(shutdown);
    let mut pause = Duration::from_millis(200);
    while let Err(error) = bus.ensure_stream().await {
        tracing::warn!(%error, ?pause, "JetStream stream not ready; retrying");
        tokio::select! {
            () = &mut shutdown => return Ok(()),
            () = tokio::time::sleep(pause) => {}
        }
        pause = (pause * 2).min(Duration::from_secs(10));
    }
    let pool = store.pool().clone();
    let relay = Relay::new(
        store,
        Arc::new(JetStreamBus(bus)),
        RelayConfig::new(&settings.nats_subject_prefix),
    );
    metrics.observe_relay(relay.stats())?;
    metrics.observe_relay_lag(pool)?;
    tracing::info!(stream = %settings.nats_stream, "relay started");
    relay.run(shutdown).await;
    Ok(())
}

/// Verifies the ledger against the JetStream stream.
///
/// # Errors
/// Postgres or NATS unreachable, or the stream missing.
pub async fn audit_verify(settings: &Settings) -> anyhow::Result<AuditReport> {
    let store = PgEventStore::connect(settings.database_url.expose_secret(), 2)
        .await
        .context("connecting to Postgres (ARCA_DATABASE_URL)")?;
    let bus = Bus::connect(bus_config(settings))
        .await
        .context("connecting to NATS (ARCA_NATS_URL)")?;
    eventstore::relay::verify(&store, &JetStreamBus(bus))
        .await
        .context("auditing the ledger")
}

/// Prints the audit's outcome (the first break, then a one-line JSON summary) and fails when
/// it found a break.
///
/// # Errors
/// A break, or the audit could not run.
pub async fn audit_command(settings: &Settings) -> anyhow::Result<()> {
    let report = audit_verify(settings).await?;
    if let Some(found) = &report.first_break {
        println!("first break at sequence {}: {}", found.seq, found.what);
    }
    println!("{}", serde_json::to_string(&report)?);
    anyhow::ensure!(report.ok, "the ledger does not verify");
    Ok(())
}

/// A shutdown signal that several tasks can wait on.
#[derive(Debug, Clone)]
pub struct Shutdown(tokio::sync::watch::Receiver<bool>);

impl Shutdown {
    /// Fires on Ctrl-C or SIGTERM.
    pub fn on_signal() -> Self {
        let (tx, rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            crate::server::shutdown_signal().await;
            let _sent = tx.send(true);
        });
        Self(rx)
    }

    /// Resolves when the signal fires.
    pub fn wait(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.0.clone();
        async move {
            let _fired = rx.wait_for(|fired| *fired).await;
        }
    }
}
