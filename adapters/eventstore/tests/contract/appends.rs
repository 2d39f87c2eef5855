//! Invariant 1: optimistic concurrency, idempotent appends, stream ownership.

use std::sync::Arc;

use eventstore::{EventStore, ExpectedVersion, ReadOptions, StoreError};

use crate::support::{OTHER_TENANT, TENANT, event, events, ids, new_ids, stream};

pub async fn appends_a_new_stream_with_consecutive_versions(
    store: Arc<dyn EventStore>,
) -> anyhow::Result<()> {
    let s = stream("invoice-1");
    let first = events(TENANT, 3);
    let outcome = store.append(&s, ExpectedVersion::NoStream, &first).await?;
    assert_eq!((outcome.first_version, outcome.last_version), (0, 2));
    assert!(!outcome.already_stored);

    let second = events(TENANT, 2);
    let next = store.append(&s, ExpectedVersion::Exact(2), &second).await?;
    assert_eq!((next.first_version, next.last_version), (3, 4));
    assert!(
        next.position > outcome.position,
        "a later append sorts later"
    );

    let read = store
        .read_stream(TENANT, &s, ReadOptions::default())
        .await?;
    let versions: Vec<u64> = read.iter().map(|e| e.stream_version).collect();
    assert_eq!(versions, vec![0, 1, 2, 3, 4]);
    assert_eq!(ids(&read), [new_ids(&first), new_ids(&second)].concat());
    assert_eq!(
        read[4].position, next.position,
        "the outcome names the last event"
    );
    for (recorded, sent) in read.iter().zip(first.iter().chain(&second)) {
        assert_eq!(recorded.stream_id, s);
        assert_eq!(recorded.event_type, sent.event_type);
        assert_eq!(recorded.schema_version, sent.schema_version);
        assert_eq!(recorded.data, sent.data);
        assert_eq!(recorded.metadata, sent.metadata);
    }
    assert_eq!(
        read[0].recorded_at, read[2].recorded_at,
        "one instant per append"
    );
    Ok(())
}

pub async fn a_stale_expected_version_conflicts_and_writes_nothing(
    store: Arc<dyn EventStore>,
) -> anyhow::Result<()> {
    let s = stream("invoice-1");
    store
        .append(&s, ExpectedVersion::NoStream, &events(TENANT, 2))
        .await?;

    let late = events(TENANT, 3);
    let err = store
        .append(&s, ExpectedVersion::Exact(0), &late)
        .await
        .expect_err("version 0 is stale");
    assert!(
        matches!(&err, StoreError::Conflict { stream, expected: ExpectedVersion::Exact(0), actual: Some(1) } if *stream == s),
        "got {err:?}"
    );
    let err = store
        .append(&s, ExpectedVersion::Exact(5), &late)
        .await
        .expect_err("version 5 is ahead");
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                actual: Some(1),
                ..
            }
        ),
        "got {err:?}"
    );

    let read = store
        .read_stream(TENANT, &s, ReadOptions::default())
        .await?;
    assert_eq!(
        read.len(),
        2,
        "a conflicting batch writes none of its events"
    );
    // The conflicting ids were not consumed: the same batch appends at the right version.
    let outcome = store.append(&s, ExpectedVersion::Exact(1), &late).await?;
    assert_eq!(
        (
            outcome.first_version,
            outcome.last_version,
            outcome.already_stored
        ),
        (2, 4, false)
    );
    Ok(())
}

pub async fn no_stream_and_exact_conflict_on_the_streams_existence(
    store: Arc<dyn EventStore>,
) -> anyhow::Result<()> {
    let s = stream("series-1");
    let err = store
        .append(&s, ExpectedVersion::Exact(0), &events(TENANT, 1))
        .await
        .expect_err("the stream does not exist");
    assert!(
        matches!(err, StoreError::Conflict { actual: None, .. }),
        "got {err:?}"
    );

    store
        .append(&s, ExpectedVersion::NoStream, &events(TENANT, 1))
        .await?;
    let err = store
        .append(&s, ExpectedVersion::NoStream, &events(TENANT, 1))
        .await
        .expect_err("the stream exists");
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                expected: ExpectedVersion::NoStream,
                actual: Some(0),
                ..
            }
        ),
        "got {err:?}"
    );
    Ok(())
}

pub async fn any_appends_whatever_the_version(store: Arc<dyn EventStore>) -> anyhow::Result<()> {
    let s = stream("taxpayer-1");
    let created = store
        .append(&s, ExpectedVersion::Any, &events(TENANT, 2))
        .await?;
    assert_eq!((created.first_version, created.last_version), (0, 1));
    let extended = store
        .append(&s, ExpectedVersion::Any, &events(TENANT, 1))
        .await?;
    assert_eq!((extended.first_version, extended.last_version), (2, 2));
    let read = store
        .read_stream(TENANT, &s, ReadOptions::default())
        .await?;
    assert_eq!(read.len(), 3);
    Ok(())
}

pub async fn the_same_event_ids_appended_twice_are_stored_once(
    store: Arc<dyn EventStore>,
) -> anyhow::Result<()> {
    let s = stream("invoice-1");
    let batch = events(TENANT, 2);
    let original = store.append(&s, ExpectedVersion::NoStream, &batch).await?;

    // The response was lost and the request retried: same outcome, nothing new.
    let retried = store.append(&s, ExpectedVersion::NoStream, &batch).await?;
    assert!(retried.already_stored);
    assert_eq!(
        (
            retried.first_version,
            retried.last_version,
            retried.position
        ),
        (
            original.first_version,
            original.last_version,
            original.position
        )
    );

    // Still a no-op after the stream moved on, although the expected version is now stale.
    let later = store
        .append(&s, ExpectedVersion::Exact(1), &events(TENANT, 1))
        .await?;
    let again = store.append(&s, ExpectedVersion::NoStream, &batch).await?;
    assert!(again.already_stored);
    assert_eq!(again.position, original.position);
    let with_any = store.append(&s, ExpectedVersion::Any, &batch).await?;
    assert!(with_any.already_stored);
    assert_eq!((with_any.first_version, with_any.last_version), (0, 1));

    let next = [event(TENANT, "test.happened", 9)];
    let appended = store.append(&s, ExpectedVersion::Exact(2), &next).await?;
    let replayed = store.append(&s, ExpectedVersion::Exact(2), &next).await?;
    assert!(replayed.already_stored);
    assert_eq!(replayed.position, appended.position);

    let read = store
        .read_stream(TENANT, &s, ReadOptions::default())
        .await?;
    assert_eq!(read.len(), 4, "each event stored once");
    assert_eq!(read[2].position, later.position);
    Ok(())
}

pub async fn an_event_id_reused_as_another_event_is_rejected(
    store: Arc<dyn EventStore>,
) -> anyhow::Result<()> {
    let s = stream("invoice-1");
    let batch = events(TENANT, 2);
    store.append(&s, ExpectedVersion::NoStream, &batch).await?;
    let reused = batch[1].event_id;

    let err = store
        .append(&stream("invoice-2"), ExpectedVersion::Any, &batch[1..])
        .await
        .expect_err("the id lives on invoice-1");
    assert!(
        matches!(err, StoreError::EventIdReused { event_id } if event_id == reused),
        "got {err:?}"
    );

    let err = store
        .append(&s, ExpectedVersion::Exact(1), &batch[1..])
        .await
        .expect_err("the id is stored at version 1, not 2");
    assert!(
        matches!(err, StoreError::EventIdReused { event_id } if event_id == reused),
        "got {err:?}"
    );

    let mut other_type = batch.clone();
    other_type[1].event_type = "test.other".to_owned();
    let err = store
        .append(&s, ExpectedVersion::NoStream, &other_type)
        .await
        .expect_err("same id, other event type");
    assert!(
        matches!(err, StoreError::EventIdReused { event_id } if event_id == reused),
        "got {err:?}"
    );

    let mut mixed = events(TENANT, 1);
    mixed.push(batch[0].clone());
    let err = store
        .append(&s, ExpectedVersion::Exact(1), &mixed)
        .await
        .expect_err("a new id with a stored one");
    assert!(
        matches!(err, StoreError::EventIdReused { event_id } if event_id == batch[0].event_id),
        "got {err:?}"
    );

    assert!(
        store
            .read_stream(TENANT, &stream("invoice-2"), ReadOptions::default())
            .await?
            .is_empty()
    );
    assert_eq!(
        store
            .read_stream(TENANT, &s, ReadOptions::default())
            .await?
            .len(),
        2
    );
    Ok(())
}

pub async fn appending_to_another_tenants_stream_is_rejected(
    store: Arc<dyn EventStore>,
) -> anyhow::Result<()> {
    let s = stream("taxpayer-20267565393");
    store
        .append(&s, ExpectedVersion::NoStream, &events(TENANT, 1))
        .await?;

    for expected in [
        ExpectedVersion::Any,
        ExpectedVersion::Exact(0),
        ExpectedVersion::NoStream,
    ] {
        let err = store
            .append(&s, expected, &events(OTHER_TENANT, 1))
            .await
            .expect_err("the stream is TENANT's");
        assert!(
            matches!(&err, StoreError::TenantMismatch { stream } if *stream == s),
            "{expected:?}: got {err:?}"
        );
    }
    assert_eq!(
        store
            .read_stream(TENANT, &s, ReadOptions::default())
            .await?
            .len(),
        1
    );
    Ok(())
}

pub async fn malformed_batches_are_invalid(store: Arc<dyn EventStore>) -> anyhow::Result<()> {
    let s = stream("invoice-1");
    let err = store
        .append(&s, ExpectedVersion::Any, &[])
        .await
        .expect_err("empty");
    assert!(matches!(err, StoreError::Invalid(_)), "got {err:?}");

    let mixed = vec![event(TENANT, "a", 0), event(OTHER_TENANT, "a", 1)];
    let err = store
        .append(&s, ExpectedVersion::Any, &mixed)
        .await
        .expect_err("two tenants");
    assert!(matches!(err, StoreError::Invalid(_)), "got {err:?}");

    let one = event(TENANT, "a", 0);
    let twice = vec![one.clone(), one];
    let err = store
        .append(&s, ExpectedVersion::Any, &twice)
        .await
        .expect_err("same id twice");
    assert!(matches!(err, StoreError::Invalid(_)), "got {err:?}");

    assert!(
        store
            .read_stream(TENANT, &s, ReadOptions::default())
            .await?
            .is_empty()
    );
    Ok(())
}
