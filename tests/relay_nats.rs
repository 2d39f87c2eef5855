//! The relay and `audit verify` against the real JetStream (`ARCA_NATS_URL`, default
//! `nats://127.0.0.1:4222`) and Postgres (a fresh database per test): each test uses a stream and
//! subject prefix of its own and deletes the stream at the end.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, ensure};
use async_trait::async_trait;
use domain::{EventMetadata, NewEvent, StreamId, TenantId};
use eventstore::relay::{
    BusFailure, PublishedMessage, Relay, RelayBus, RelayConfig, RelayMessage, verify,
};
use eventstore::{EventStore as _, ExpectedVersion, PgEventStore};
use futures::TryStreamExt as _;
use nats_bus::{Bus, BusConfig};
use serde_json::json;
use sqlx::PgPool;
use tokio::time::Instant;
use uuid::Uuid;
use workers::relay::JetStreamBus;

const DEADLINE: Duration = Duration::from_secs(30);

async fn bus() -> anyhow::Result<Bus> {
    let url = std::env::var("ARCA_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let id = Uuid::new_v4().simple().to_string();
    let bus = Bus::connect(BusConfig::new(
        &url,
        &format!("T_{id}"),
        &format!("t{id}.events"),
    ))
    .await
    .context("connecting to NATS")?;
    bus.ensure_stream().await?;
    Ok(bus)
}

fn relay(pool: &PgPool, bus: Arc<dyn RelayBus>, prefix: &str) -> Relay {
    let mut config = RelayConfig::new(prefix);
    config.batch_size = 16;
    config.idle_interval = Duration::from_millis(5);
    config.min_backoff = Duration::from_millis(5);
    Relay::new(PgEventStore::new(pool.clone()), bus, config)
}

async fn append(pool: PgPool, count: u64) -> anyhow::Result<Vec<Uuid>> {
    let store = PgEventStore::new(pool);
    let tenant = TenantId(Uuid::new_v4());
    let stream = StreamId::new(format!("invoice-{}", Uuid::new_v4()));
    let mut ids = Vec::new();
    for n in 0..count {
        let event = NewEvent {
            event_id: Uuid::new_v4(),
            event_type: "invoice.requested".into(),
            schema_version: 1,
            data: json!({ "n": n }),
            metadata: EventMetadata::for_tenant(tenant),
        };
        ids.push(event.event_id);
        store
            .append(&stream, ExpectedVersion::Any, &[event])
            .await?;
    }
    Ok(ids)
}

async fn ledger_max(pool: &PgPool) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar("select ledger_seq from es.relay_checkpoint")
            .fetch_one(pool)
            .await?,
    )
}

async fn drain(relay: &mut Relay, pool: &PgPool, count: usize) -> anyhow::Result<()> {
    let deadline = Instant::now() + DEADLINE;
    while ledger_max(pool).await? < i64::try_from(count)? {
        ensure!(Instant::now() < deadline, "the relay did not reach {count}");
        if relay.run_once().await? == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    Ok(())
}

/// JetStream holds exactly `ids`, message n carrying ledger entry n.
async fn assert_exactly_once(bus: &Bus, pool: &PgPool, ids: &[Uuid]) -> anyhow::Result<()> {
    ensure!(
        bus.last_sequence().await? == ids.len() as u64,
        "stream length"
    );
    ensure!(
        ledger_max(pool).await? == i64::try_from(ids.len())?,
        "ledger length"
    );
    let messages: Vec<_> = bus.messages(1).try_collect().await?;
    let mut seen = std::collections::HashSet::new();
    for (n, message) in (1u64..).zip(&messages) {
        ensure!(message.sequence == n && message.header("Es-Ledger-Seq") == Some(&n.to_string()));
        let id: Uuid = message
            .header("Es-Event-Id")
            .context("Es-Event-Id")?
            .parse()?;
        ensure!(seen.insert(id), "event {id} published twice");
    }
    ensure!(
        seen == ids.iter().copied().collect(),
        "published events differ from appended ones"
    );
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn concurrent_writers_reach_jetstream_exactly_once_and_the_audit_passes(
    pool: PgPool,
) -> anyhow::Result<()> {
    let bus = bus().await?;
    let result = async {
        let prefix = bus.config().subject_prefix.clone();
        let mut relay = relay(&pool, Arc::new(JetStreamBus(bus.clone())), &prefix);
        let writers: Vec<_> = (0..4)
            .map(|_| tokio::spawn(append(pool.clone(), 20)))
            .collect();
        let mut ids = Vec::new();
        for writer in writers {
            // Relay while the writers append.
            relay.run_once().await?;
            ids.extend(writer.await??);
        }
        drain(&mut relay, &pool, ids.len()).await?;
        assert_exactly_once(&bus, &pool, &ids).await?;
        let first = bus.get_message(1).await?.context("message 1")?;
        ensure!(
            first.subject.starts_with(&prefix)
                && first.subject.ends_with(".invoice.invoice.requested")
        );
        let report = verify(&PgEventStore::new(pool.clone()), &JetStreamBus(bus.clone())).await?;
        ensure!(report.ok && report.checked == 80, "{report:?}");
        // A foreign message in the stream is a break at its sequence.
        bus.client()
            .publish(format!("{prefix}.forged"), "{}".into())
            .await?;
        bus.client().flush().await?;
        let deadline = Instant::now() + DEADLINE;
        while bus.last_sequence().await? < 81 {
            ensure!(Instant::now() < deadline, "the forged message never landed");
            tokio::task::yield_now().await;
        }
        let report = verify(&PgEventStore::new(pool.clone()), &JetStreamBus(bus.clone())).await?;
        ensure!(
            report.first_break.as_ref().map(|b| b.seq) == Some(81),
            "{report:?}"
        );
        Ok(())
    }
    .await;
    bus.delete_stream().await?;
    result
}

/// Publishes through JetStream, then fails the first time as if the relay died before the acks.
struct CrashOnce {
    inner: JetStreamBus,
    crashed: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl RelayBus for CrashOnce {
    async fn publish(&self, messages: Vec<RelayMessage>) -> Result<Vec<u64>, BusFailure> {
        let sequences = self.inner.publish(messages).await?;
        if !self.crashed.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Err(BusFailure::Unavailable(
                "test: crashed after publish".into(),
            ));
        }
        Ok(sequences)
    }
    async fn last_sequence(&self) -> Result<u64, BusFailure> {
        self.inner.last_sequence().await
    }
    async fn message(&self, sequence: u64) -> Result<Option<PublishedMessage>, BusFailure> {
        self.inner.message(sequence).await
    }
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_relay_restarted_after_a_crash_fast_forwards_without_duplicates(
    pool: PgPool,
) -> anyhow::Result<()> {
    let bus = bus().await?;
    let result = async {
        let prefix = bus.config().subject_prefix.clone();
        let mut ids = append(pool.clone(), 10).await?;
        let crashing = Arc::new(CrashOnce {
            inner: JetStreamBus(bus.clone()),
            crashed: false.into(),
        });
        let mut first = relay(&pool, crashing, &prefix);
        let deadline = Instant::now() + DEADLINE;
        while bus.last_sequence().await? == 0 {
            ensure!(Instant::now() < deadline, "nothing was published");
            let _ = first.run_once().await;
        }
        ensure!(
            ledger_max(&pool).await? == 0,
            "the crash came before the checkpoint"
        );
        drop(first);
        ids.extend(append(pool.clone(), 5).await?);
        let mut second = relay(&pool, Arc::new(JetStreamBus(bus.clone())), &prefix);
        let deadline = Instant::now() + DEADLINE;
        loop {
            match second.run_once().await {
                Err(eventstore::relay::RelayError::NotLeader) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                other => break other.map(|_| ())?,
            }
        }
        drain(&mut second, &pool, ids.len()).await?;
        assert_exactly_once(&bus, &pool, &ids).await
    }
    .await;
    bus.delete_stream().await?;
    result
}
