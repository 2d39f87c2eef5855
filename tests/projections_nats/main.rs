//! The invoices projection fed through a durable JetStream consumer, against the real NATS
//! (`ARCA_NATS_URL`, default `nats://127.0.0.1:4222`, a stream of its own per test, deleted at
//! the end) and Postgres (a fresh database per test): same rows as the store feed, re-delivery is
//! a no-op, nothing is missed when the consumer is behind or ahead, lag metrics.

#[path = "../common/prom.rs"]
mod prom;
mod support;

use std::time::Duration;

use anyhow::ensure;
use arca::metrics::Metrics;
use nats_bus::ConsumerConfig;
use sqlx::PgPool;
use tokio::time::Instant;

use prom::sample;
use support::{
    DEADLINE, bus, checkpoint, drain_feed, feed, invoices, relay_up_to, rows, store_copy,
};

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_projection_fed_through_jetstream_ends_with_the_same_rows_as_one_fed_from_the_store(
    pool: PgPool,
) -> anyhow::Result<()> {
    let bus = bus().await?;
    let result = async {
        let metrics = Metrics::new()?;
        let mut feed = feed(&pool, &bus, 7).with_metrics(metrics.workers().projections.clone());
        ensure!(feed.start().await? == 0, "nothing to catch up yet");
        let target = invoices(&pool, 12).await?;
        relay_up_to(&pool, &bus, target).await?;
        let applied = drain_feed(&mut feed, &pool, target).await?;
        ensure!(
            applied == 36,
            "12 invoices make 36 events, applied {applied}"
        );
        store_copy(&pool, target).await?;
        let (fed, copied) = (rows(&pool, "rm").await?, rows(&pool, "copy").await?);
        ensure!(
            fed.len() == 24,
            "12 invoices and their 12 items: {}",
            fed.len()
        );
        ensure!(
            fed == copied,
            "JetStream-fed rows differ:\n{fed:#?}\n{copied:#?}"
        );
        let text = metrics.render().await?;
        let batches = |feed: &str| {
            sample(
                &text,
                "projection_batches_total",
                &[("projection", "invoices"), ("feed", feed)],
            )
        };
        ensure!(batches("jetstream") >= Some(6.0), "{text}");
        ensure!(batches("store").is_none(), "{text}");
        Ok(())
    }
    .await;
    bus.delete_stream().await?;
    result
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn the_same_jetstream_batches_delivered_twice_leave_the_rows_unchanged(
    pool: PgPool,
) -> anyhow::Result<()> {
    let bus = bus().await?;
    let result = async {
        let mut first = feed(&pool, &bus, 5);
        first.start().await?;
        // Two more consumers over the same checkpoint that will deliver everything again.
        let everything =
            ConsumerConfig::new("replay", &format!("{}.>", bus.config().subject_prefix));
        bus.durable_consumer(&everything).await?;
        bus.durable_consumer(&ConsumerConfig {
            durable: "again".into(),
            ..everything
        })
        .await?;
        let target = invoices(&pool, 6).await?;
        relay_up_to(&pool, &bus, target).await?;
        // The first feed applies one batch only; the replay re-delivers it, then the rest.
        let deadline = Instant::now() + DEADLINE;
        let mut early = 0;
        while early == 0 {
            ensure!(Instant::now() < deadline, "no first batch");
            early = first.run_once().await?;
        }
        ensure!(early == 5, "one batch of five, got {early}");
        let mut replay = feed(&pool, &bus, 100).durable("replay");
        let rest = drain_feed(&mut replay, &pool, target).await?;
        ensure!(
            rest == 18 - 5,
            "the first batch was skipped, applied {rest}"
        );
        store_copy(&pool, target).await?;
        let before = rows(&pool, "rm").await?;
        ensure!(
            before == rows(&pool, "copy").await?,
            "rows differ from the store copy"
        );
        let mut again = feed(&pool, &bus, 100).durable("again");
        let mut applied = 0;
        for _ in 0..3 {
            applied += again.run_once().await?;
        }
        ensure!(
            applied == 0,
            "a re-delivered batch applied {applied} events"
        );
        // `applied` is 0 also when nothing was delivered: the consumer must have nothing left,
        // so the feed did receive the 18 events again and acknowledged them.
        let subject = format!("{}.>", bus.config().subject_prefix);
        let again_consumer = bus
            .durable_consumer(&ConsumerConfig::new("again", &subject))
            .await?;
        let left = again_consumer
            .fetch(100, std::time::Duration::from_millis(300))
            .await?;
        ensure!(
            left.is_empty(),
            "{} events were never delivered to the feed",
            left.len()
        );
        ensure!(
            rows(&pool, "rm").await? == before,
            "re-delivery changed the rows"
        );
        ensure!(
            checkpoint(&pool, 1).await? == target,
            "the checkpoint moved"
        );
        Ok(())
    }
    .await;
    bus.delete_stream().await?;
    result
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_consumer_started_after_events_already_existed_catches_up_with_nothing_missed(
    pool: PgPool,
) -> anyhow::Result<()> {
    let bus = bus().await?;
    let result = async {
        let metrics = Metrics::new()?;
        let earlier = invoices(&pool, 5).await?;
        relay_up_to(&pool, &bus, earlier).await?;
        let mut feed = feed(&pool, &bus, 4).with_metrics(metrics.workers().projections.clone());
        ensure!(
            feed.start().await? == 14,
            "the store catch-up applies what existed"
        );
        let target = invoices(&pool, 5).await?;
        relay_up_to(&pool, &bus, target).await?;
        let applied = drain_feed(&mut feed, &pool, target).await?;
        ensure!(
            applied == 14,
            "only the later events came through JetStream: {applied}"
        );
        store_copy(&pool, target).await?;
        ensure!(rows(&pool, "rm").await? == rows(&pool, "copy").await?);
        let text = metrics.render().await?;
        for feed in ["store", "jetstream"] {
            let labels = [("projection", "invoices"), ("feed", feed)];
            ensure!(
                sample(&text, "projection_batches_total", &labels) >= Some(1.0),
                "{text}"
            );
        }
        Ok(())
    }
    .await;
    bus.delete_stream().await?;
    result
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_consumer_whose_acknowledgements_ran_ahead_of_the_checkpoint_misses_nothing(
    pool: PgPool,
) -> anyhow::Result<()> {
    let bus = bus().await?;
    let result = async {
        let mut feed = feed(&pool, &bus, 50);
        feed.start().await?;
        let target = invoices(&pool, 4).await?;
        relay_up_to(&pool, &bus, target).await?;
        // Someone else takes and acknowledges the first messages without projecting them (a
        // consumer reused after the read model was restored from an older backup).
        let name = feed.durable_name();
        let config = ConsumerConfig::new(&name, &format!("{}.>", bus.config().subject_prefix));
        let thief = bus.durable_consumer(&config).await?;
        let taken = thief.fetch(5, Duration::from_secs(2)).await?;
        ensure!(taken.len() == 5, "took {}", taken.len());
        thief.ack(&taken).await?;
        let applied = drain_feed(&mut feed, &pool, target).await?;
        ensure!(applied == 12, "every event applied once: {applied}");
        store_copy(&pool, target).await?;
        ensure!(rows(&pool, "rm").await? == rows(&pool, "copy").await?);
        Ok(())
    }
    .await;
    bus.delete_stream().await?;
    result
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn metrics_report_relay_and_projection_lag_until_both_catch_up(
    pool: PgPool,
) -> anyhow::Result<()> {
    let bus = bus().await?;
    let result = async {
        let metrics = Metrics::new()?;
        workers::relay::observe_lag(metrics.exporter(), pool.clone())?;
        workers::feeds::observe_lag(
            metrics.exporter(),
            &metrics.workers().projections,
            pool.clone(),
            "invoices",
            1,
        );
        let target = invoices(&pool, 3).await?;
        let lags = |text: &str| {
            (
                sample(text, "relay_lag_events", &[]),
                sample(text, "projection_lag_events", &[("projection", "invoices")]),
                sample(
                    text,
                    "projection_checkpoint_position",
                    &[("projection", "invoices")],
                ),
            )
        };
        // Other tests' transactions can hold the log's watermark back for a moment.
        let deadline = Instant::now() + DEADLINE;
        loop {
            let text = metrics.render().await?;
            if lags(&text) == (Some(8.0), Some(8.0), Some(0.0)) {
                break;
            }
            ensure!(Instant::now() < deadline, "{:?}\n{text}", lags(&text));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        relay_up_to(&pool, &bus, target).await?;
        let mut feed = feed(&pool, &bus, 100);
        drain_feed(&mut feed, &pool, target).await?;
        #[allow(clippy::cast_precision_loss)] // positions of a test database are small
        let caught_up = (Some(0.0), Some(0.0), Some(target.position as f64));
        let text = metrics.render().await?;
        ensure!(lags(&text) == caught_up, "{:?}\n{text}", lags(&text));
        Ok(())
    }
    .await;
    bus.delete_stream().await?;
    result
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn two_instances_sharing_the_consumer_apply_every_event_exactly_once(
    pool: PgPool,
) -> anyhow::Result<()> {
    let bus = bus().await?;
    let result = async {
        let (mut one, mut two) = (feed(&pool, &bus, 4), feed(&pool, &bus, 4));
        one.start().await?;
        two.start().await?;
        let target = invoices(&pool, 12).await?;
        relay_up_to(&pool, &bus, target).await?;
        let (a, b) = tokio::join!(
            drain_feed(&mut one, &pool, target),
            drain_feed(&mut two, &pool, target)
        );
        let (a, b) = (a?, b?);
        ensure!(a + b == 36, "applied {a} + {b} events of 36");
        store_copy(&pool, target).await?;
        ensure!(rows(&pool, "rm").await? == rows(&pool, "copy").await?);
        Ok(())
    }
    .await;
    bus.delete_stream().await?;
    result
}
