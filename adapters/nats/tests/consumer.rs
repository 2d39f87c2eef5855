//! Durable pull consumers against the real NATS server (`ARCA_NATS_URL`, default
//! `nats://127.0.0.1:4222`), each test on a stream of its own, deleted at the end.

use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use bytes::Bytes;
use nats_bus::{Bus, BusConfig, ConsumerConfig, Outgoing};
use uuid::Uuid;

async fn bus_with(count: u64) -> anyhow::Result<Bus> {
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
    let messages = (1..=count)
        .map(|n| Outgoing {
            subject: format!("{}.tenant.invoice.requested", bus.config().subject_prefix),
            headers: vec![("Es-Ledger-Seq".into(), n.to_string())],
            payload: Bytes::from(format!("{{\"n\":{n}}}")),
        })
        .collect();
    bus.publish_all(messages).await?;
    Ok(bus)
}

fn config(bus: &Bus, name: &str) -> ConsumerConfig {
    let mut config = ConsumerConfig::new(name, &format!("{}.>", bus.config().subject_prefix));
    config.max_ack_pending = 4;
    config
}

fn sequences(batch: &[nats_bus::Delivery]) -> Vec<u64> {
    batch.iter().map(|d| d.message.sequence).collect()
}

#[tokio::test]
async fn a_durable_consumer_delivers_batches_in_order_and_acked_ones_never_again()
-> anyhow::Result<()> {
    let bus = bus_with(6).await?;
    let result = async {
        let consumer = bus.durable_consumer(&config(&bus, "reader")).await?;
        let wait = Duration::from_secs(2);
        let first = consumer.fetch(4, wait).await?;
        ensure!(sequences(&first) == [1, 2, 3, 4], "{first:?}");
        ensure!(first[0].message.header("es-ledger-seq") == Some("1"));
        ensure!(first.iter().all(|d| d.delivered == 1));
        consumer.ack(&first).await?;
        // Binding the same durable name again continues where the acks left it.
        let again = bus.durable_consumer(&config(&bus, "reader")).await?;
        let rest = again.fetch(4, wait).await?;
        ensure!(sequences(&rest) == [5, 6], "{rest:?}");
        again.ack(&rest).await?;
        let started = Instant::now();
        let none = again.fetch(4, Duration::from_millis(300)).await?;
        ensure!(none.is_empty(), "{none:?}");
        ensure!(
            started.elapsed() < Duration::from_secs(3),
            "an empty fetch returns after its wait"
        );
        Ok(())
    }
    .await;
    bus.delete_stream().await?;
    result
}

#[tokio::test]
async fn a_nakked_batch_is_delivered_again_and_a_new_consumer_can_start_later() -> anyhow::Result<()>
{
    let bus = bus_with(5).await?;
    let result = async {
        let consumer = bus.durable_consumer(&config(&bus, "retry")).await?;
        let wait = Duration::from_secs(2);
        let first = consumer.fetch(3, wait).await?;
        ensure!(sequences(&first) == [1, 2, 3], "{first:?}");
        consumer.nak(&first, Duration::from_millis(50)).await?;
        // Fetching before the delay ends may deliver later messages first: wait it out.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        let redelivered = loop {
            let batch = consumer.fetch(3, wait).await?;
            if !batch.is_empty() {
                break batch;
            }
            ensure!(Instant::now() < deadline, "never delivered again");
        };
        ensure!(sequences(&redelivered) == [1, 2, 3], "{redelivered:?}");
        ensure!(redelivered.iter().all(|d| d.delivered == 2));
        consumer.ack(&redelivered).await?;
        let mut late = config(&bus, "late");
        late.start_sequence = Some(4);
        let late = bus.durable_consumer(&late).await?;
        let batch = late.fetch(10, wait).await?;
        ensure!(sequences(&batch) == [4, 5], "{batch:?}");
        Ok(())
    }
    .await;
    bus.delete_stream().await?;
    result
}

#[tokio::test]
async fn a_consumer_delivers_nothing_beyond_its_pending_limit_until_a_batch_is_acked()
-> anyhow::Result<()> {
    let bus = bus_with(4).await?;
    let result = async {
        let mut limited = config(&bus, "limited");
        limited.max_ack_pending = 2;
        let consumer = bus.durable_consumer(&limited).await?;
        let held = consumer.fetch(2, Duration::from_secs(2)).await?;
        ensure!(sequences(&held) == [1, 2], "{held:?}");
        let started = Instant::now();
        let blocked = consumer.fetch(2, Duration::from_millis(400)).await?;
        ensure!(blocked.is_empty(), "{blocked:?}");
        ensure!(
            started.elapsed() >= Duration::from_millis(350),
            "returned after {:?}",
            started.elapsed()
        );
        consumer.ack(&held).await?;
        let next = consumer.fetch(2, Duration::from_secs(2)).await?;
        ensure!(sequences(&next) == [3, 4], "{next:?}");
        Ok(())
    }
    .await;
    bus.delete_stream().await?;
    result
}
