//! The bus against the real NATS server (`ARCA_NATS_URL`, default `nats://127.0.0.1:4222`), each
//! test on a stream and subject prefix of its own, deleted at the end.

use std::time::Duration;

use anyhow::{Context as _, ensure};
use bytes::Bytes;
use futures::TryStreamExt as _;
use nats_bus::{Bus, BusConfig, BusError, Outgoing};
use uuid::Uuid;

async fn bus() -> anyhow::Result<Bus> {
    let url = std::env::var("ARCA_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let id = Uuid::new_v4().simple().to_string();
    let mut config = BusConfig::new(&url, &format!("T_{id}"), &format!("t{id}.events"));
    config.publish_window = 4;
    let bus = Bus::connect(config).await.context("connecting to NATS")?;
    bus.ensure_stream().await?;
    Ok(bus)
}

fn message(bus: &Bus, n: u64, expected_last: u64) -> Outgoing {
    Outgoing {
        subject: format!(
            "{}.tenant.invoice.invoice.requested",
            bus.config().subject_prefix
        ),
        headers: vec![
            ("Nats-Msg-Id".into(), format!("msg-{n}")),
            (
                "Nats-Expected-Last-Sequence".into(),
                expected_last.to_string(),
            ),
            ("Es-Ledger-Seq".into(), n.to_string()),
        ],
        payload: Bytes::from(format!("{{\"n\":{n}}}")),
    }
}

#[tokio::test]
async fn publishes_in_order_and_reads_back_by_sequence() -> anyhow::Result<()> {
    let bus = bus().await?;
    let result = async {
        ensure!(bus.last_message().await?.is_none(), "a new stream is empty");
        let batch: Vec<Outgoing> = (1..=10).map(|n| message(&bus, n, n - 1)).collect();
        let sequences = bus.publish_all(batch).await?;
        ensure!(sequences == (1..=10).collect::<Vec<_>>(), "{sequences:?}");
        let last = bus.last_message().await?.context("a last message")?;
        ensure!(last.sequence == 10 && last.header("es-ledger-seq") == Some("10"));
        let third = bus.get_message(3).await?.context("message 3")?;
        ensure!(third.payload == Bytes::from_static(b"{\"n\":3}"));
        ensure!(bus.get_message(11).await?.is_none());
        let all: Vec<_> = bus.messages(1).try_collect().await?;
        ensure!(
            all.iter().map(|m| m.sequence).eq(1..=10),
            "every message in order"
        );
        Ok(())
    }
    .await;
    bus.delete_stream().await?;
    result
}

#[tokio::test]
async fn a_wrong_expected_sequence_stores_nothing_and_a_repeated_id_is_stored_once()
-> anyhow::Result<()> {
    let bus = bus().await?;
    let result = async {
        bus.publish(message(&bus, 1, 0)).await?;
        match bus.publish(message(&bus, 2, 5)).await {
            Err(BusError::WrongLastSequence) => {}
            other => anyhow::bail!("expected WrongLastSequence, got {other:?}"),
        }
        // The same message id again (within the duplicate window) is acknowledged, not stored.
        let again = bus.publish(message(&bus, 1, 0)).await?;
        ensure!(
            again == 1,
            "the duplicate is acknowledged with its original sequence"
        );
        ensure!(bus.last_sequence().await? == 1, "nothing else was stored");
        Ok(())
    }
    .await;
    bus.delete_stream().await?;
    result
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_not_a_panic() -> anyhow::Result<()> {
    // Port 9 (discard) on loopback: nothing listens there.
    let mut config = BusConfig::new("nats://127.0.0.1:9", "T_UNREACHABLE", "t.unreachable");
    config.timeout = Duration::from_millis(500);
    match Bus::connect(config).await {
        Err(BusError::Unavailable { .. }) => Ok(()),
        other => anyhow::bail!("expected Unavailable, got {other:?}"),
    }
}
