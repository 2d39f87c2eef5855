//! Outcomes queued by a finished delivery: a crash between the delivery's record and its
//! outcome's event leaves the outcome queued, and the dispatcher's sweep records it.

use domain::invoice::Invoice;
use sqlx::PgPool;

use crate::support::{OneEndpoint, dispatcher, keys_for, stream_types};

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_outcome_a_crash_left_queued_is_recorded_on_its_invoice_by_the_sweep(pool: PgPool) {
    let OneEndpoint {
        receiver,
        subscription: sub,
        invoices,
        ..
    } = OneEndpoint::with_invoices(&pool, 1).await.unwrap();
    let id = invoices[0];
    // Delivered a minute ago by an instance that died before appending the outcome's event.
    sqlx::query(
        "update webhooks.deliveries set status = 'delivered', attempts = 1, last_status = 200, \
             finished_at = now() - interval '1 minute', next_attempt_at = null",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into webhooks.outcomes_due (delivery_id, finished_at) \
         select delivery_id, now() - interval '1 minute' from webhooks.deliveries",
    )
    .execute(&pool)
    .await
    .unwrap();

    let (keys, _) = keys_for(sub);
    let ran = dispatcher(&pool, true, "0s", &keys)
        .unwrap()
        .run_once()
        .await
        .unwrap();
    assert_eq!(ran, 0, "nothing to send");
    assert!(receiver.received().is_empty());
    let events = stream_types(&pool, Invoice::stream_id(id).as_str())
        .await
        .unwrap();
    let told: Vec<_> = events
        .iter()
        .filter(|(t, _)| t == "invoice.webhook_delivered")
        .collect();
    assert_eq!(told.len(), 1, "{events:?}");
    assert_eq!(told[0].1["subscription_id"], sub.to_string());
    assert_eq!(told[0].1["attempts"], 1);
    let (queued,): (i64,) = sqlx::query_as("select count(*) from webhooks.outcomes_due")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(queued, 0, "taken off the queue once recorded");
}
