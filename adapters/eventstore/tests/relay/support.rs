//! An in-memory bus with JetStream's publish semantics (dense sequence from 1,
//! `Nats-Expected-Last-Sequence`, `Nats-Msg-Id` de-duplication) and switches to fail or "crash";
//! plus helpers to append events and drain a relay.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context as _, ensure};
use async_trait::async_trait;
use domain::{EventMetadata, NewEvent, StreamId, TenantId};
use eventstore::relay::{BusFailure, PublishedMessage, Relay, RelayBus, RelayConfig, RelayMessage};
use eventstore::{EventStore as _, ExpectedVersion, PgEventStore};
use serde_json::json;
use tokio::time::Instant;
use uuid::Uuid;

/// How long a test waits for the watermark or a relay to catch up before failing.
pub const DEADLINE: Duration = Duration::from_secs(30);

#[derive(Debug, Default)]
struct Inner {
    messages: Vec<PublishedMessage>,
    ids: HashMap<String, u64>,
    fail_next: usize,
    failures: usize,
    crash_after_next_publish: bool,
    duplicates: usize,
}

/// The in-memory stream.
#[derive(Debug, Default, Clone)]
pub struct MemoryBus {
    inner: Arc<Mutex<Inner>>,
}

impl MemoryBus {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Fail the next `n` requests of any kind with `Unavailable`.
    pub fn fail_next(&self, n: usize) {
        self.lock().fail_next = n;
    }

    /// How many requests failed on purpose so far.
    pub fn failures(&self) -> usize {
        self.lock().failures
    }

    /// Store the next publish's messages, then answer `Unavailable` as if the relay had died
    /// before seeing the acks.
    pub fn crash_after_next_publish(&self) {
        self.lock().crash_after_next_publish = true;
    }

    /// How many publishes repeated an already stored message id.
    pub fn duplicates(&self) -> usize {
        self.lock().duplicates
    }

    /// Every stored message.
    pub fn messages(&self) -> Vec<PublishedMessage> {
        self.lock().messages.clone()
    }

    /// Appends a message as a foreign publisher would (no checks).
    pub fn inject(&self, headers: Vec<(String, String)>) {
        let mut inner = self.lock();
        let sequence = inner.messages.len() as u64 + 1;
        inner.messages.push(PublishedMessage {
            sequence,
            headers,
            payload: b"{}".to_vec(),
        });
    }

    fn failing(inner: &mut Inner) -> Result<(), BusFailure> {
        if inner.fail_next > 0 {
            inner.fail_next -= 1;
            inner.failures += 1;
            return Err(BusFailure::Unavailable("test: NATS is down".into()));
        }
        Ok(())
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[async_trait]
impl RelayBus for MemoryBus {
    async fn publish(&self, messages: Vec<RelayMessage>) -> Result<Vec<u64>, BusFailure> {
        let mut inner = self.lock();
        Self::failing(&mut inner)?;
        let mut sequences = Vec::new();
        for message in messages {
            let id = header(&message.headers, "Nats-Msg-Id")
                .unwrap_or_default()
                .to_owned();
            if let Some(seq) = inner.ids.get(&id).copied() {
                // JetStream would acknowledge it as a duplicate: the relay should never rely on it.
                inner.duplicates += 1;
                sequences.push(seq);
                continue;
            }
            let last = inner.messages.len() as u64;
            if let Some(expected) = header(&message.headers, "Nats-Expected-Last-Sequence")
                && expected != last.to_string()
            {
                return Err(BusFailure::WrongLastSequence);
            }
            inner.ids.insert(id, last + 1);
            inner.messages.push(PublishedMessage {
                sequence: last + 1,
                headers: message.headers,
                payload: message.payload,
            });
            sequences.push(last + 1);
        }
        if std::mem::take(&mut inner.crash_after_next_publish) {
            return Err(BusFailure::Unavailable(
                "test: crashed after publish".into(),
            ));
        }
        Ok(sequences)
    }

    async fn last_sequence(&self) -> Result<u64, BusFailure> {
        let mut inner = self.lock();
        Self::failing(&mut inner)?;
        Ok(inner.messages.len() as u64)
    }

    async fn message(&self, sequence: u64) -> Result<Option<PublishedMessage>, BusFailure> {
        let mut inner = self.lock();
        Self::failing(&mut inner)?;
        let index = usize::try_from(sequence).unwrap_or(usize::MAX);
        Ok(index
            .checked_sub(1)
            .and_then(|i| inner.messages.get(i))
            .cloned())
    }
}

/// A relay over `pool` and `bus`, in batches of `batch`.
pub fn relay(pool: &sqlx::PgPool, bus: Arc<dyn RelayBus>, batch: usize) -> Relay {
    let mut config = RelayConfig::new("t.events");
    config.batch_size = batch;
    config.idle_interval = Duration::from_millis(5);
    config.election_interval = Duration::from_millis(50);
    config.min_backoff = Duration::from_millis(5);
    config.max_backoff = Duration::from_millis(50);
    Relay::new(PgEventStore::new(pool.clone()), bus, config)
}

/// Appends `count` events to a new stream `invoice-<uuid>` of a fresh tenant, one per append;
/// returns their ids.
pub async fn append(pool: &sqlx::PgPool, count: u64) -> anyhow::Result<Vec<Uuid>> {
    let store = PgEventStore::new(pool.clone());
    let tenant = TenantId(Uuid::new_v4());
    let stream = StreamId::new(format!("invoice-{}", Uuid::new_v4()));
    let mut ids = Vec::new();
    for n in 0..count {
        let event = NewEvent {
            event_id: Uuid::new_v4(),
            event_type: "invoice.requested".into(),
            schema_version: 1,
            data: json!({ "n": n, "total": "121.00", "text": "señal ✓" }),
            metadata: EventMetadata {
                correlation_id: Some(Uuid::new_v4()),
                ..EventMetadata::for_tenant(tenant)
            },
        };
        ids.push(event.event_id);
        store
            .append(&stream, ExpectedVersion::Any, &[event])
            .await?;
    }
    Ok(ids)
}

/// The relay checkpoint's ledger sequence.
pub async fn ledger_max(pool: &sqlx::PgPool) -> anyhow::Result<u64> {
    let seq: i64 = sqlx::query_scalar("select ledger_seq from es.relay_checkpoint")
        .fetch_one(pool)
        .await?;
    Ok(u64::try_from(seq)?)
}

/// Runs `relay` step by step until the ledger holds `count` entries.
pub async fn drain(relay: &mut Relay, pool: &sqlx::PgPool, count: u64) -> anyhow::Result<()> {
    let deadline = Instant::now() + DEADLINE;
    while ledger_max(pool).await? < count {
        ensure!(
            Instant::now() < deadline,
            "the relay did not reach {count} in time"
        );
        if relay.run_once().await? == 0 {
            // The watermark has not passed the last appends yet.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    Ok(())
}

/// Checks that the bus holds exactly `ids` (each once), at sequences 1..=n equal to the
/// ledger's, with `Es-Ledger-Seq` n on message n.
pub async fn assert_exactly_once(
    pool: &sqlx::PgPool,
    bus: &MemoryBus,
    ids: &[Uuid],
) -> anyhow::Result<()> {
    let messages = bus.messages();
    ensure!(
        messages.len() == ids.len(),
        "{} messages for {} events",
        messages.len(),
        ids.len()
    );
    ensure!(
        ledger_max(pool).await? == ids.len() as u64,
        "ledger max differs"
    );
    let ledger: Vec<(i64, Uuid)> =
        sqlx::query_as("select ledger_seq, event_id from es.ledger order by ledger_seq")
            .fetch_all(pool)
            .await?;
    let mut seen = std::collections::HashSet::new();
    for (message, (seq, id)) in messages.iter().zip(&ledger) {
        ensure!(
            message.sequence == u64::try_from(*seq)?,
            "sequence {} vs ledger {seq}",
            message.sequence
        );
        let got = message.header("Es-Event-Id").context("Es-Event-Id")?;
        ensure!(
            got == id.to_string(),
            "message {seq} carries {got}, ledger {id}"
        );
        ensure!(message.header("Es-Ledger-Seq") == Some(seq.to_string().as_str()));
        ensure!(seen.insert(*id), "event {id} published twice");
    }
    let expected: std::collections::HashSet<_> = ids.iter().copied().collect();
    ensure!(
        seen == expected,
        "the published events are not the appended ones"
    );
    ensure!(
        bus.duplicates() == 0,
        "{} duplicate publishes",
        bus.duplicates()
    );
    Ok(())
}
