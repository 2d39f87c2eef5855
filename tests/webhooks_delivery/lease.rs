//! Leases: a delivery an attempt holds is not taken again until its lease ends, and taking one
//! rewrites its row in place, without a new entry in any of the table's indexes.

use std::time::Duration;

use sqlx::PgPool;

use crate::support::{OneEndpoint, keys_for, leased_dispatcher, one_session, table_stats};

/// Updates of `webhooks.deliveries` so far, and how many of them were HOT (no index entry).
async fn updates(session: &PgPool) -> (i64, i64) {
    let stats = table_stats(session, "webhooks", "deliveries").await;
    (stats.n_tup_upd, stats.n_tup_hot_upd)
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_delivery_under_another_instances_lease_is_taken_only_once_the_lease_ends(pool: PgPool) {
    let OneEndpoint {
        receiver,
        subscription: sub,
        ..
    } = OneEndpoint::with_invoices(&pool, 1).await.unwrap();
    // Another instance holds it, for an hour more.
    sqlx::query("update webhooks.deliveries set leased_until = now() + interval '1 hour'")
        .execute(&pool)
        .await
        .unwrap();
    let (keys, _) = keys_for(sub);
    let dispatcher = leased_dispatcher(&pool, true, "0s", &keys, Duration::from_secs(35)).unwrap();
    assert_eq!(
        dispatcher.run_once().await.unwrap(),
        0,
        "leased: left alone"
    );
    assert!(receiver.received().is_empty());

    // That instance died: its lease ran out.
    sqlx::query("update webhooks.deliveries set leased_until = now() - interval '1 second'")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(dispatcher.run_once().await.unwrap(), 1);
    assert_eq!(receiver.received().len(), 1);
    let (status, leased): (String, Option<time::OffsetDateTime>) =
        sqlx::query_as("select status, leased_until from webhooks.deliveries")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "delivered");
    assert!(leased.is_none(), "the record lets the lease go");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn taking_deliveries_rewrites_their_rows_without_index_entries(pool: PgPool) {
    let OneEndpoint {
        receiver,
        subscription: sub,
        ..
    } = OneEndpoint::with_invoices(&pool, 12).await.unwrap();
    // The dispatcher's statements all run on this one session, whose statistics flush on demand.
    let session = one_session(&pool).await;
    let (keys, _) = keys_for(sub);
    let dispatcher =
        leased_dispatcher(&session, true, "0s", &keys, Duration::from_secs(35)).unwrap();
    let before = updates(&session).await;
    let ran = i64::try_from(dispatcher.run_once().await.unwrap()).unwrap();
    // As many as one endpoint takes at once (8).
    assert_eq!(ran, 8);
    assert_eq!(receiver.received().len(), 8);
    let after = updates(&session).await;
    let (updated, hot) = (after.0 - before.0, after.1 - before.1);
    assert_eq!(updated, 2 * ran, "one lease and one record per delivery");
    // The records change the status, which the due index covers: never HOT. A lease is, unless
    // its page is out of room (at most the last row or so of each half-filled page).
    assert!(
        hot >= ran * 3 / 4 && hot <= ran,
        "{hot} of {ran} leases rewrote their rows in place"
    );
}
