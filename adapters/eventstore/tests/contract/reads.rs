//! Reading one stream (versions, as-of, tenants) and the global log (pages, checkpoints, order).

use std::sync::Arc;
use std::time::Duration;

use domain::GlobalPosition;
use eventstore::{EventStore, ExpectedVersion, ReadOptions};
use tokio::time::Instant;

use crate::support::{OTHER_TENANT, Reader, TENANT, events, ids, new_ids, read_all_events, stream};
use crate::writers::{Budget, dense_versions, write_until};

pub async fn read_stream_stops_at_up_to_version(store: Arc<dyn EventStore>) -> anyhow::Result<()> {
    let s = stream("invoice-1");
    let batch = events(TENANT, 4);
    store.append(&s, ExpectedVersion::NoStream, &batch).await?;
    let upto = |v| ReadOptions {
        up_to_version: Some(v),
        ..ReadOptions::default()
    };

    assert_eq!(
        ids(&store.read_stream(TENANT, &s, upto(1)).await?),
        new_ids(&batch[..2])
    );
    assert_eq!(
        ids(&store.read_stream(TENANT, &s, upto(0)).await?),
        new_ids(&batch[..1])
    );
    assert_eq!(
        store.read_stream(TENANT, &s, upto(u64::MAX)).await?.len(),
        4
    );
    Ok(())
}

pub async fn read_stream_after_version_reads_only_what_came_later(
    store: Arc<dyn EventStore>,
) -> anyhow::Result<()> {
    let s = stream("invoice-1");
    let batch = events(TENANT, 4);
    store.append(&s, ExpectedVersion::NoStream, &batch).await?;
    let after = |v| ReadOptions {
        after_version: Some(v),
        ..ReadOptions::default()
    };
    assert_eq!(
        ids(&store.read_stream(TENANT, &s, after(1)).await?),
        new_ids(&batch[2..])
    );
    assert!(store.read_stream(TENANT, &s, after(3)).await?.is_empty());
    assert!(
        store
            .read_stream(TENANT, &s, after(u64::MAX))
            .await?
            .is_empty()
    );
    let window = ReadOptions {
        after_version: Some(0),
        up_to_version: Some(2),
        ..ReadOptions::default()
    };
    assert_eq!(
        ids(&store.read_stream(TENANT, &s, window).await?),
        new_ids(&batch[1..3])
    );
    Ok(())
}

pub async fn read_stream_as_of_shows_the_stream_as_it_was(
    store: Arc<dyn EventStore>,
) -> anyhow::Result<()> {
    let s = stream("invoice-1");
    let first = events(TENANT, 2);
    store.append(&s, ExpectedVersion::NoStream, &first).await?;
    let then = store
        .read_stream(TENANT, &s, ReadOptions::default())
        .await?[1]
        .recorded_at;
    tokio::time::sleep(Duration::from_millis(20)).await;
    store
        .append(&s, ExpectedVersion::Exact(1), &events(TENANT, 1))
        .await?;

    let as_of = |t| ReadOptions {
        as_of: Some(t),
        ..ReadOptions::default()
    };
    assert_eq!(
        ids(&store.read_stream(TENANT, &s, as_of(then)).await?),
        new_ids(&first)
    );
    let before = then - time::Duration::milliseconds(1);
    assert!(
        store
            .read_stream(TENANT, &s, as_of(before))
            .await?
            .is_empty()
    );
    let now = time::OffsetDateTime::now_utc();
    assert_eq!(store.read_stream(TENANT, &s, as_of(now)).await?.len(), 3);
    let both = ReadOptions {
        up_to_version: Some(0),
        as_of: Some(now),
        ..ReadOptions::default()
    };
    assert_eq!(store.read_stream(TENANT, &s, both).await?.len(), 1);
    Ok(())
}

pub async fn another_tenant_reads_an_empty_stream(
    store: Arc<dyn EventStore>,
) -> anyhow::Result<()> {
    let s = stream("invoice-1");
    store
        .append(&s, ExpectedVersion::NoStream, &events(TENANT, 2))
        .await?;
    assert!(
        store
            .read_stream(OTHER_TENANT, &s, ReadOptions::default())
            .await?
            .is_empty()
    );
    assert!(
        store
            .read_stream(TENANT, &stream("invoice-404"), ReadOptions::default())
            .await?
            .is_empty()
    );
    Ok(())
}

pub async fn read_streams_reads_each_stream_as_read_stream_does(
    store: Arc<dyn EventStore>,
) -> anyhow::Result<()> {
    let (a, b, theirs) = (
        stream("invoice-a"),
        stream("invoice-b"),
        stream("invoice-c"),
    );
    store
        .append(&a, ExpectedVersion::NoStream, &events(TENANT, 3))
        .await?;
    store
        .append(&b, ExpectedVersion::NoStream, &events(TENANT, 2))
        .await?;
    store
        .append(&theirs, ExpectedVersion::NoStream, &events(OTHER_TENANT, 1))
        .await?;
    // Interleave the two streams' versions in the log.
    store
        .append(&a, ExpectedVersion::Exact(2), &events(TENANT, 1))
        .await?;

    let asked = [
        b.clone(),
        stream("invoice-404"),
        a.clone(),
        theirs,
        b.clone(),
    ];
    let read = store.read_streams(TENANT, &asked).await?;
    let a_alone = ids(&store
        .read_stream(TENANT, &a, ReadOptions::default())
        .await?);
    let b_alone = ids(&store
        .read_stream(TENANT, &b, ReadOptions::default())
        .await?);
    let read: Vec<_> = read.iter().map(|events| ids(events)).collect();
    assert_eq!(read.len(), 5);
    assert_eq!((read[0].len(), read[2].len()), (2, 4));
    assert_eq!(read[0], b_alone);
    assert!(read[1].is_empty(), "a missing stream reads empty");
    assert_eq!(read[2], a_alone);
    assert!(read[3].is_empty(), "another tenant's stream reads empty");
    assert_eq!(read[4], b_alone);
    Ok(())
}

pub async fn read_all_pages_the_log_in_order_from_a_checkpoint(
    store: Arc<dyn EventStore>,
) -> anyhow::Result<()> {
    let mut appended = Vec::new();
    for (name, count) in [
        ("invoice-1", 2),
        ("invoice-2", 1),
        ("invoice-1", 3),
        ("tenant-1", 1),
    ] {
        let batch = events(TENANT, count);
        store
            .append(&stream(name), ExpectedVersion::Any, &batch)
            .await?;
        appended.extend(new_ids(&batch));
    }

    let mut reader = Reader::default();
    reader.until(&*store, 2, appended.len()).await?;
    assert_eq!(
        ids(&reader.seen),
        appended,
        "sequential appends read in append order"
    );
    assert_eq!(
        reader.page(&*store, 10).await?,
        0,
        "nothing after the last event"
    );

    let resumed = store.read_all(reader.seen[2].position, 100).await?;
    assert_eq!(
        ids(&resumed),
        appended[3..].to_vec(),
        "resuming from a checkpoint"
    );
    assert!(
        store.read_all(GlobalPosition::START, 0).await?.is_empty(),
        "limit 0 reads nothing"
    );
    let from_start = read_all_events(&*store, appended.len()).await?;
    assert_eq!(
        from_start[0], reader.seen[0],
        "the same event reads the same"
    );
    Ok(())
}

pub async fn concurrent_appends_are_read_once_in_stream_order(
    store: Arc<dyn EventStore>,
) -> anyhow::Result<()> {
    let budget = Budget {
        until: Instant::now() + Duration::from_millis(600),
        appends: 150,
    };
    let writers = tokio::spawn(write_until(store.clone(), "w", 4, budget));
    let mut reader = Reader::default();
    while !writers.is_finished() {
        if reader.page(&*store, 50).await? == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    let acked = writers.await??;
    reader.until(&*store, 500, acked).await?;
    dense_versions(&reader.seen)?;
    Ok(())
}
