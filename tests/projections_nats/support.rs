//! Fixtures: a stream of its own per test, invoices appended through the real store, the relay
//! drained into JetStream, feeds and runners drained to the log head, read-model rows.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, ensure};
use domain::invoice::{CaeGranted, InvoiceEvent, InvoiceNumberAssigned, InvoiceSubmitted};
use domain::testing::{NOW, factura_a, requested};
use domain::{
    DomainEvent, EventMetadata, GlobalPosition, InvoiceId, NewEvent, TenantId, invoice::Invoice,
    invoice::RequestInvoice,
};
use eventstore::relay::{Relay, RelayConfig};
use eventstore::{EventStore as _, ExpectedVersion, PgEventStore};
use nats_bus::{Bus, BusConfig};
use projections::{InvoicesProjector, Runner, load_checkpoint};
use sqlx::PgPool;
use time::macros::date;
use tokio::time::Instant;
use uuid::Uuid;
use workers::feeds::{FeedConfig, JetStreamFeed, StoreLog};
use workers::relay::JetStreamBus;

pub const DEADLINE: Duration = Duration::from_secs(30);

/// A connection to a fresh stream (`T_<uuid>`, subjects `t<uuid>.events.>`).
pub async fn bus() -> anyhow::Result<Bus> {
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

/// A feed of the invoices projection into `rm` (generation 1) with small batches.
pub fn feed(pool: &PgPool, bus: &Bus, batch_size: usize) -> JetStreamFeed<InvoicesProjector> {
    let mut config = FeedConfig::new(&bus.config().subject_prefix);
    config.batch_size = batch_size;
    config.fetch_wait = Duration::from_millis(200);
    config.min_backoff = Duration::from_millis(5);
    JetStreamFeed::new(
        PgEventStore::new(pool.clone()),
        bus.clone(),
        InvoicesProjector::new(),
        config,
    )
}

/// Appends `count` Factura A invoices, every other one authorized; returns the last position.
pub async fn invoices(pool: &PgPool, count: u64) -> anyhow::Result<GlobalPosition> {
    let store = PgEventStore::new(pool.clone());
    let tenant = TenantId(Uuid::new_v4());
    let mut last = GlobalPosition::START;
    for number in 1..=count {
        let id = InvoiceId(Uuid::new_v4());
        let mut events = requested(RequestInvoice {
            invoice_id: id,
            ..factura_a()
        });
        events.push(InvoiceEvent::NumberAssigned(InvoiceNumberAssigned {
            number,
        }));
        if number % 2 == 0 {
            events.push(InvoiceEvent::Submitted(InvoiceSubmitted {
                number,
                request_hash: "00".repeat(32),
                submitted_at: NOW,
            }));
            events.push(InvoiceEvent::CaeGranted(CaeGranted {
                number,
                cae: "71234567890123".into(),
                cae_due_date: date!(2025 - 07 - 11),
                observations: vec![],
            }));
        }
        for event in events {
            let new = NewEvent {
                event_id: Uuid::new_v4(),
                event_type: event.event_type().to_owned(),
                schema_version: event.schema_version(),
                data: event.to_data(),
                metadata: EventMetadata::for_tenant(tenant),
            };
            let outcome = store
                .append(&Invoice::stream_id(id), ExpectedVersion::Any, &[new])
                .await?;
            last = last.max(outcome.position);
        }
    }
    Ok(last)
}

/// Relays every event up to `target` into the stream.
pub async fn relay_up_to(pool: &PgPool, bus: &Bus, target: GlobalPosition) -> anyhow::Result<()> {
    let mut config = RelayConfig::new(&bus.config().subject_prefix);
    config.batch_size = 16;
    let mut relay = Relay::new(
        PgEventStore::new(pool.clone()),
        Arc::new(JetStreamBus(bus.clone())),
        config,
    );
    let deadline = Instant::now() + DEADLINE;
    loop {
        let (tx, position): (i64, i64) = sqlx::query_as(
            "select (tx_id::text)::bigint, global_position from es.relay_checkpoint",
        )
        .fetch_one(pool)
        .await?;
        if (GlobalPosition {
            tx_id: u64::try_from(tx)?,
            position,
        }) >= target
        {
            break;
        }
        ensure!(
            Instant::now() < deadline,
            "the relay did not reach {target:?}"
        );
        if relay.run_once().await.unwrap_or(0) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    relay.resign().await;
    Ok(())
}

/// Where generation `generation` of the invoices projection stands.
pub async fn checkpoint(pool: &PgPool, generation: i32) -> anyhow::Result<GlobalPosition> {
    let mut conn = pool.acquire().await?;
    Ok(load_checkpoint(&mut conn, "invoices", generation)
        .await?
        .position)
}

/// Runs feed rounds until generation 1 reaches `target`; returns the events applied.
pub async fn drain_feed(
    feed: &mut JetStreamFeed<InvoicesProjector>,
    pool: &PgPool,
    target: GlobalPosition,
) -> anyhow::Result<usize> {
    let deadline = Instant::now() + DEADLINE;
    let mut applied = 0;
    while checkpoint(pool, 1).await? < target {
        ensure!(
            Instant::now() < deadline,
            "the feed did not reach {target:?}"
        );
        applied += feed.run_once().await?;
    }
    Ok(applied)
}

/// Projects the store's log into schema `copy` (generation 2) up to `target`.
pub async fn store_copy(pool: &PgPool, target: GlobalPosition) -> anyhow::Result<()> {
    let projector = InvoicesProjector::in_schema("copy")?;
    projector.prepare(&mut *pool.acquire().await?).await?;
    let runner = Runner::new(
        pool.clone(),
        projector,
        StoreLog(PgEventStore::new(pool.clone())),
    )
    .generation(2);
    let deadline = Instant::now() + DEADLINE;
    while runner.checkpoint().await? < target {
        ensure!(
            Instant::now() < deadline,
            "the store copy did not reach {target:?}"
        );
        if runner.run_once().await? == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    Ok(())
}

/// Every row of `<schema>.invoices` and `<schema>.invoice_items`, as JSON text.
pub async fn rows(pool: &PgPool, schema: &str) -> anyhow::Result<Vec<String>> {
    let mut all = Vec::new();
    for (table, order) in [("invoices", "invoice_id"), ("invoice_items", "1")] {
        let sql = format!("select to_jsonb(t)::text from {schema}.{table} t order by {order}");
        let mut found: Vec<String> = sqlx::query_scalar(&sql).fetch_all(pool).await?;
        found.sort();
        all.extend(found);
    }
    Ok(all)
}
