//! The webhook delivery engine against a real receiver on loopback: fan-out from the store's
//! log, the dispatcher's attempts, retries, 410, the SSRF guard, rotation, a killed dispatcher.

mod bench;
mod documents;
mod lease;
mod outcomes;
mod support;
mod vacuum;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use domain::invoice::WebhookDelivered;
use domain::invoice::{CaeGranted, Invoice, InvoiceEvent, InvoiceNumberAssigned, InvoiceSubmitted};
use domain::webhook::Subscription;
use domain::{SubscriptionId, TenantId};
use sqlx::PgPool;
use support::*;
use time::macros::date;
use uuid::Uuid;
use webhooks::{Secret, verify};
use workers::webhooks::{delivery_id, webhook_id};

fn tenant() -> TenantId {
    TenantId(Uuid::new_v4())
}

fn header<'a>(got: &'a Received, name: &str) -> &'a str {
    got.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn verifies(secret: &Secret, got: &Received) -> bool {
    let ts = header(got, "webhook-timestamp").parse().unwrap_or(0);
    verify(
        secret,
        header(got, "webhook-signature"),
        header(got, "webhook-id"),
        ts,
        &got.body,
    )
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_invoice_event_reaches_the_receiver_signed_and_shows_the_read_model(pool: PgPool) {
    let (addr, receiver) = Receiver::start(&[], Duration::ZERO).await.unwrap();
    let tenant = tenant();
    let sub = subscribe(
        &pool,
        tenant,
        &format!("http://{addr}/hook"),
        &["invoice.requested"],
    )
    .await
    .unwrap();
    let invoice = invoice(&pool, tenant).await.unwrap();
    fan_out(&pool).await.unwrap();
    let (keys, secret) = keys_for(sub);
    drain(&pool, &dispatcher(&pool, true, "0s", &keys).unwrap())
        .await
        .unwrap();

    let got = receiver.received();
    assert_eq!(got.len(), 1);
    let got = &got[0];
    assert!(verifies(&secret, got), "our verifier accepts it");
    let checked = reference_verify(&secret, got).unwrap();
    eprintln!("reference verifier ran: {checked}");
    let expected_arca = webhooks::arca_signature(&secret, &got.body);
    assert_eq!(header(got, "x-arca-signature"), expected_arca);
    assert_eq!(header(got, "x-arca-event"), "invoice.requested");
    assert_eq!(header(got, "x-arca-delivery-id"), header(got, "webhook-id"));
    let body: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(body["type"], "invoice.requested");
    assert_eq!(body["tenant_id"], tenant.as_uuid().to_string());
    assert_eq!(body["data"]["invoice"]["id"], invoice.as_uuid().to_string());
    assert_eq!(body["data"]["invoice"]["status"], "requested");
    assert_eq!(body["data"]["invoice"]["totals"]["total"], "1210.00");
    let history = stream_types(&pool, Invoice::stream_id(invoice).as_str())
        .await
        .unwrap();
    let audit: Vec<_> = history
        .iter()
        .filter(|(t, _)| t == "invoice.webhook_delivered")
        .collect();
    assert_eq!(audit.len(), 1, "{history:?}");
    assert_eq!(audit[0].1["attempts"], 1);
    assert_eq!(audit[0].1["last_status"], 200);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_receiver_failing_twice_gets_one_success_after_two_retries_under_one_webhook_id(
    pool: PgPool,
) {
    let (addr, receiver) = Receiver::start(&[500, 503], Duration::ZERO).await.unwrap();
    let tenant = tenant();
    let sub = subscribe(&pool, tenant, &format!("http://{addr}/hook"), &[])
        .await
        .unwrap();
    let invoice = invoice(&pool, tenant).await.unwrap();
    fan_out(&pool).await.unwrap();
    let (keys, _) = keys_for(sub);
    drain(
        &pool,
        &dispatcher(&pool, true, "0ms,20ms,20ms,20ms", &keys).unwrap(),
    )
    .await
    .unwrap();

    let got = receiver.received();
    assert_eq!(got.len(), 3, "two failures, then the success");
    let ids: BTreeSet<&str> = got.iter().map(|g| header(g, "webhook-id")).collect();
    assert_eq!(ids.len(), 1, "the same webhook-id on every attempt");
    let statuses: Vec<(i32, Option<i32>)> =
        sqlx::query_as("select attempt, status_code from webhooks.attempts order by attempt")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(statuses, [(1, Some(500)), (2, Some(503)), (3, Some(200))]);
    let (status, attempts): (String, i32) =
        sqlx::query_as("select status, attempts from webhooks.deliveries")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts), ("delivered", 3));
    let history = stream_types(&pool, Invoice::stream_id(invoice).as_str())
        .await
        .unwrap();
    let audit: Vec<_> = history
        .iter()
        .filter(|(t, _)| t.starts_with("invoice.webhook_"))
        .collect();
    assert_eq!(audit.len(), 1, "exactly one outcome: {audit:?}");
    assert_eq!(audit[0].0, "invoice.webhook_delivered");
    assert_eq!(audit[0].1["attempts"], 3);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_410_stops_at_once_and_disables_the_subscription(pool: PgPool) {
    let (addr, receiver) = Receiver::start(&[410], Duration::ZERO).await.unwrap();
    let tenant = tenant();
    let sub = subscribe(&pool, tenant, &format!("http://{addr}/hook"), &[])
        .await
        .unwrap();
    let invoice = invoice(&pool, tenant).await.unwrap();
    fan_out(&pool).await.unwrap();
    let (keys, _) = keys_for(sub);
    drain(
        &pool,
        &dispatcher(&pool, true, "0ms,10ms,10ms", &keys).unwrap(),
    )
    .await
    .unwrap();

    assert_eq!(receiver.received().len(), 1, "no retry after a 410");
    let (status, last): (String, Option<i32>) =
        sqlx::query_as("select status, last_status from webhooks.deliveries")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), last), ("failed", Some(410)));
    let subscription = stream_types(&pool, Subscription::stream_id(SubscriptionId(sub)).as_str())
        .await
        .unwrap();
    let disabled: Vec<_> = subscription
        .iter()
        .filter(|(t, _)| t == "webhook.subscription_disabled")
        .collect();
    assert_eq!(disabled.len(), 1, "{subscription:?}");
    assert_eq!(disabled[0].1["reason"], "gone_410");
    let history = stream_types(&pool, Invoice::stream_id(invoice).as_str())
        .await
        .unwrap();
    let failed = history
        .iter()
        .find(|(t, _)| t == "invoice.webhook_delivery_failed")
        .expect("the failure is on the invoice");
    assert_eq!(
        (
            failed.1["attempts"].clone(),
            failed.1["last_status"].clone()
        ),
        (1.into(), 410.into())
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn delivery_to_loopback_without_the_allow_list_is_refused(pool: PgPool) {
    let OneEndpoint {
        receiver,
        subscription: sub,
        ..
    } = OneEndpoint::with_invoices(&pool, 1).await.unwrap();
    let (keys, _) = keys_for(sub);
    drain(&pool, &dispatcher(&pool, false, "0ms,10ms", &keys).unwrap())
        .await
        .unwrap();

    assert!(receiver.received().is_empty(), "nothing reached 127.0.0.1");
    let (status, error): (String, Option<String>) =
        sqlx::query_as("select status, last_error from webhooks.deliveries")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), error.as_deref()),
        ("failed", Some("blocked_ip"))
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn during_a_rotation_both_secrets_sign_the_current_first(pool: PgPool) {
    let (addr, receiver) = Receiver::start(&[], Duration::ZERO).await.unwrap();
    let tenant = tenant();
    let sub = subscribe(&pool, tenant, &format!("http://{addr}/hook"), &[])
        .await
        .unwrap();
    invoice(&pool, tenant).await.unwrap();
    fan_out(&pool).await.unwrap();
    let (new, old) = (Secret::generate(), Secret::generate());
    let keys = workers::webhooks::MemoryKeys::default();
    keys.set(sub, vec![new.clone(), old.clone()]);
    drain(&pool, &dispatcher(&pool, true, "0s", &keys).unwrap())
        .await
        .unwrap();

    let got = &receiver.received()[0];
    let signatures: Vec<&str> = header(got, "webhook-signature").split(' ').collect();
    assert_eq!(signatures.len(), 2, "{signatures:?}");
    for secret in [&new, &old] {
        assert!(verifies(secret, got));
        reference_verify(secret, got).unwrap();
    }
    let ts: i64 = header(got, "webhook-timestamp").parse().unwrap();
    let id = header(got, "webhook-id");
    assert_eq!(
        signatures[0],
        webhooks::signature(&new, id, ts, &got.body),
        "current key first"
    );
    // The body-only signature covers the grace period too: one per secret, current first.
    let arca: Vec<&str> = header(got, "x-arca-signature").split(',').collect();
    assert_eq!(
        arca,
        [
            webhooks::arca_signature(&new, &got.body),
            webhooks::arca_signature(&old, &got.body)
        ]
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn killing_the_dispatcher_mid_run_loses_no_delivery_and_keeps_each_webhook_id(pool: PgPool) {
    let (addr, receiver) = Receiver::start(&[], Duration::from_millis(40))
        .await
        .unwrap();
    let tenant = tenant();
    let sub = subscribe(&pool, tenant, &format!("http://{addr}/hook"), &[])
        .await
        .unwrap();
    let mut invoices = Vec::new();
    for _ in 0..12 {
        invoices.push(invoice(&pool, tenant).await.unwrap());
    }
    fan_out(&pool).await.unwrap();
    let (keys, _) = keys_for(sub);
    let lease = Duration::from_millis(300);
    let first = leased_dispatcher(&pool, true, "0s", &keys, lease).unwrap();
    let running = tokio::spawn(first.run(std::future::pending()));
    while receiver.received().len() < 3 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    running.abort();
    let _ = running.await;
    let second = leased_dispatcher(&pool, true, "0s", &keys, lease).unwrap();
    drain(&pool, &second).await.unwrap();

    let delivered: Vec<(Uuid, String)> =
        sqlx::query_as("select delivery_id, status from webhooks.deliveries")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(delivered.len(), 12);
    assert!(
        delivered.iter().all(|(_, s)| s == "delivered"),
        "{delivered:?}"
    );
    let expected: BTreeSet<String> = delivered.iter().map(|(id, _)| webhook_id(*id)).collect();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for got in receiver.received() {
        *seen
            .entry(header(&got, "webhook-id").to_owned())
            .or_default() += 1;
    }
    assert_eq!(
        seen.keys().cloned().collect::<BTreeSet<_>>(),
        expected,
        "every delivery arrived, and only under its own webhook-id"
    );
    for id in &invoices {
        let events = stream_types(&pool, Invoice::stream_id(*id).as_str())
            .await
            .unwrap();
        let outcomes = events
            .iter()
            .filter(|(t, _)| t.starts_with("invoice.webhook_"))
            .count();
        assert_eq!(outcomes, 1, "one outcome per invoice even when sent twice");
    }
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn every_attempt_of_a_pass_is_recorded_and_each_invoice_gets_every_outcome(pool: PgPool) {
    let (addr, receiver) = Receiver::start(&[], Duration::ZERO).await.unwrap();
    let tenant = tenant();
    let keys = workers::webhooks::MemoryKeys::default();
    let mut subscriptions = Vec::new();
    for _ in 0..6 {
        let sub = subscribe(&pool, tenant, &format!("http://{addr}/hook"), &[])
            .await
            .unwrap();
        keys.set(sub, vec![Secret::generate()]);
        subscriptions.push(sub);
    }
    let mut invoices = Vec::new();
    for _ in 0..3 {
        invoices.push(invoice(&pool, tenant).await.unwrap());
    }
    fan_out(&pool).await.unwrap();
    // One pass: every attempt runs at once, and each waits for its record and its outcome.
    let ran = dispatcher(&pool, true, "0s", &keys)
        .unwrap()
        .run_once()
        .await
        .unwrap();
    assert_eq!(ran, 18);
    assert_eq!(receiver.received().len(), 18);

    let (delivered, due, attempts, transactions): (i64, i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from webhooks.deliveries where status = 'delivered'), \
                (select count(*) from webhooks.outcomes_due), \
                (select count(*) from webhooks.attempts), \
                (select count(distinct xmin::text) from webhooks.attempts)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((delivered, due, attempts), (18, 0, 18));
    // How many commits they took depends on timing (batching is shown in `delivery::batch`).
    eprintln!("18 attempts recorded in {transactions} transactions");
    for id in &invoices {
        let events = stream_types(&pool, Invoice::stream_id(*id).as_str())
            .await
            .unwrap();
        let told: BTreeSet<String> = events
            .iter()
            .filter(|(t, _)| t == "invoice.webhook_delivered")
            .map(|(_, data)| data["subscription_id"].as_str().unwrap().to_owned())
            .collect();
        let expected: BTreeSet<String> = subscriptions.iter().map(Uuid::to_string).collect();
        assert_eq!(
            told, expected,
            "one outcome per subscription on every invoice"
        );
        let outcomes = events
            .iter()
            .filter(|(t, _)| t.starts_with("invoice.webhook_"))
            .count();
        assert_eq!(outcomes, 6, "{events:?}");
    }
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_slow_endpoint_gets_at_most_its_limit_at_once_and_does_not_hold_up_another(pool: PgPool) {
    let (slow_addr, slow) = Receiver::start(&[], Duration::from_secs(1)).await.unwrap();
    let (fast_addr, fast) = Receiver::start(&[], Duration::ZERO).await.unwrap();
    let tenant = tenant();
    let keys = workers::webhooks::MemoryKeys::default();
    for addr in [slow_addr, fast_addr] {
        let sub = subscribe(&pool, tenant, &format!("http://{addr}/hook"), &[])
            .await
            .unwrap();
        keys.set(sub, vec![Secret::generate()]);
    }
    for _ in 0..6 {
        invoice(&pool, tenant).await.unwrap();
    }
    fan_out(&pool).await.unwrap();
    let mut config = workers::webhooks::DispatchConfig::new(Duration::from_secs(5));
    config.per_endpoint = 2;
    let dispatcher = configured_dispatcher(&pool, true, "0s", &keys, config).unwrap();
    let running = tokio::spawn(dispatcher.run(std::future::pending()));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while fast.received().len() < 6 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the fast endpoint waited"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let slow_by_then = slow.received().len();
    while slow.received().len() < 6 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the slow endpoint was not served"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    running.abort();
    // Six requests of a second each, two at a time: at least three seconds for the slow one.
    assert!(
        slow_by_then < 6,
        "the fast endpoint finished only after the slow one ({slow_by_then} of 6)"
    );
    assert!(slow.peak() <= 2, "{} at once", slow.peak());
    assert!(fast.peak() <= 2, "{} at once", fast.peak());
    assert_eq!(slow.peak(), 2, "the limit is used");
}

/// Invariant 9 for webhooks: a tenant whose backlog waits on one slow host gets at most its share
/// of the slots and that host at most its limit, while another tenant's delivery, due later, goes
/// out at once.
#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_tenants_backlog_at_a_slow_host_holds_up_neither_the_host_limit_nor_another_tenant(
    pool: PgPool,
) {
    let (slow_addr, slow) = Receiver::start(&[], Duration::from_secs(1)).await.unwrap();
    let (fast_addr, fast) = Receiver::start(&[], Duration::ZERO).await.unwrap();
    let (busy, other) = (tenant(), tenant());
    let keys = workers::webhooks::MemoryKeys::default();
    // Three of the busy tenant's subscriptions point at the same slow host.
    for path in ["a", "b", "c"] {
        let url = format!("http://{slow_addr}/{path}");
        let sub = subscribe(&pool, busy, &url, &[]).await.unwrap();
        keys.set(sub, vec![Secret::generate()]);
    }
    for _ in 0..6 {
        invoice(&pool, busy).await.unwrap();
    }
    fan_out(&pool).await.unwrap();
    let sub = subscribe(&pool, other, &format!("http://{fast_addr}/hook"), &[])
        .await
        .unwrap();
    keys.set(sub, vec![Secret::generate()]);
    invoice(&pool, other).await.unwrap();
    fan_out(&pool).await.unwrap();

    let mut config = workers::webhooks::DispatchConfig::new(Duration::from_secs(5));
    config.max_in_flight = 4;
    config.per_tenant = 3;
    config.per_host = 2;
    let dispatcher = configured_dispatcher(&pool, true, "0s", &keys, config).unwrap();
    let started = tokio::time::Instant::now();
    let running = tokio::spawn(dispatcher.run(std::future::pending()));
    while fast.received().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the other tenant's delivery never went out"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let waited = started.elapsed();
    running.abort();
    // Eighteen deliveries of a second each to the slow host came first in time; the other
    // tenant's went out before the first of them was answered.
    assert!(waited < Duration::from_millis(900), "it waited {waited:?}");
    assert!(slow.peak() <= 2, "{} at once at the slow host", slow.peak());
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_delivery_that_exhausts_the_schedule_is_dead_lettered_with_an_event(pool: PgPool) {
    let (addr, receiver) = Receiver::start(&[503, 503, 503], Duration::ZERO)
        .await
        .unwrap();
    let tenant = tenant();
    let sub = subscribe(&pool, tenant, &format!("http://{addr}/hook"), &[])
        .await
        .unwrap();
    invoice(&pool, tenant).await.unwrap();
    fan_out(&pool).await.unwrap();
    let (keys, _) = keys_for(sub);
    drain(
        &pool,
        &dispatcher(&pool, true, "0ms,10ms,10ms", &keys).unwrap(),
    )
    .await
    .unwrap();

    assert_eq!(receiver.received().len(), 3, "three attempts, as scheduled");
    let (status, exhausted): (String, bool) =
        sqlx::query_as("select status, exhausted from webhooks.deliveries")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), exhausted), ("failed", true));
    let events = stream_types(&pool, Subscription::stream_id(SubscriptionId(sub)).as_str())
        .await
        .unwrap();
    let dead: Vec<_> = events
        .iter()
        .filter(|(t, _)| t == "webhook.delivery_exhausted")
        .collect();
    assert_eq!(dead.len(), 1, "{events:?}");
    assert_eq!(dead[0].1["attempts"], 3);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn the_fan_out_matches_types_skips_paused_subscriptions_and_never_repeats(pool: PgPool) {
    let tenant = tenant();
    let all = subscribe(&pool, tenant, "https://hooks.example.com/a", &[])
        .await
        .unwrap();
    let authorized = subscribe(
        &pool,
        tenant,
        "https://hooks.example.com/b",
        &["invoice.authorized"],
    )
    .await
    .unwrap();
    let other_tenant = subscribe(
        &pool,
        TenantId(Uuid::new_v4()),
        "https://x.example.com",
        &[],
    )
    .await
    .unwrap();
    sqlx::query("update webhooks.subscriptions set status = 'paused' where subscription_id = $1")
        .bind(authorized)
        .execute(&pool)
        .await
        .unwrap();
    let id = invoice(&pool, tenant).await.unwrap();
    append(
        &pool,
        tenant,
        &Invoice::stream_id(id),
        &[
            InvoiceEvent::NumberAssigned(InvoiceNumberAssigned { number: 1 }),
            InvoiceEvent::Submitted(InvoiceSubmitted {
                number: 1,
                request_hash: "00".repeat(32),
                submitted_at: domain::testing::NOW,
            }),
            InvoiceEvent::CaeGranted(CaeGranted {
                number: 1,
                cae: "71234567890123".into(),
                cae_due_date: date!(2025 - 07 - 11),
                observations: vec![],
            }),
        ],
    )
    .await
    .unwrap();
    append_raw(
        &pool,
        tenant,
        "arca-sim",
        "arca.unavailable",
        serde_json::json!({"since": "x"}),
    )
    .await
    .unwrap();
    let audit = InvoiceEvent::WebhookDelivered(WebhookDelivered {
        subscription_id: all,
        delivery_id: Uuid::new_v4(),
        event_id: Uuid::new_v4(),
        attempts: 1,
        last_status: 200,
        duration_ms: 5,
    });
    append(&pool, tenant, &Invoice::stream_id(id), &[audit])
        .await
        .unwrap();
    fan_out(&pool).await.unwrap();
    // The whole log applied again from the start: nothing new.
    sqlx::query("delete from rm.checkpoints where projection = 'webhook_fanout'")
        .execute(&pool)
        .await
        .unwrap();
    fan_out(&pool).await.unwrap();

    let rows: Vec<(Uuid, String, String, Uuid)> = sqlx::query_as(
        "select subscription_id, event_type, status, delivery_id from webhooks.deliveries \
         order by event_type, subscription_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let seen: Vec<(Uuid, &str, &str)> = rows
        .iter()
        .map(|(s, t, st, _)| (*s, t.as_str(), st.as_str()))
        .collect();
    let mut expected = vec![
        (all, "arca.unavailable", "pending"),
        (other_tenant, "arca.unavailable", "pending"),
        (all, "invoice.authorized", "pending"),
        (authorized, "invoice.authorized", "skipped"),
        (all, "invoice.requested", "pending"),
    ];
    expected.sort_by(|a, b| (a.1, a.0).cmp(&(b.1, b.0)));
    assert_eq!(
        seen, expected,
        "webhook events get nothing; other tenants only ARCA's availability"
    );
    for (sub, _, _, id) in &rows {
        let event: (Uuid,) =
            sqlx::query_as("select event_id from webhooks.deliveries where delivery_id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(*id, delivery_id(event.0, *sub));
    }
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_redelivery_by_hand_reaches_the_receiver_as_a_new_round_whose_outcome_is_recorded(
    pool: PgPool,
) {
    use commands::webhooks::{Redeliveries, Redelivery};
    use workers::webhooks::PgRedeliveries;

    // Three 503s exhaust the first round; the redelivered round gets two more, then a 200.
    let (addr, receiver) = Receiver::start(&[503; 5], Duration::ZERO).await.unwrap();
    let tenant = tenant();
    let sub = subscribe(&pool, tenant, &format!("http://{addr}/hook"), &[])
        .await
        .unwrap();
    let invoice = invoice(&pool, tenant).await.unwrap();
    fan_out(&pool).await.unwrap();
    let (keys, _) = keys_for(sub);
    let dispatcher = dispatcher(&pool, true, "0ms,10ms,10ms", &keys).unwrap();
    drain(&pool, &dispatcher).await.unwrap();
    assert_eq!(receiver.received().len(), 3, "the first round ran out");
    let (delivery,): (Uuid,) = sqlx::query_as("select delivery_id from webhooks.deliveries")
        .fetch_one(&pool)
        .await
        .unwrap();

    let log = PgRedeliveries::new(pool.clone());
    let queued = log.redeliver(tenant, delivery).await.unwrap();
    assert!(
        matches!(queued, Redelivery::Queued(ref d) if d.status == "pending"),
        "{queued:?}"
    );
    drain(&pool, &dispatcher).await.unwrap();

    let got = receiver.received();
    assert_eq!(
        got.len(),
        6,
        "a full new round: the manual attempt and two retries"
    );
    let ids: BTreeSet<&str> = got.iter().map(|g| header(g, "webhook-id")).collect();
    assert_eq!(ids.len(), 1, "the same webhook-id throughout");
    let attempts: Vec<(i32, String)> =
        sqlx::query_as("select attempt, trigger from webhooks.attempts order by attempt")
            .fetch_all(&pool)
            .await
            .unwrap();
    let triggers: Vec<&str> = attempts.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(
        triggers,
        [
            "scheduled",
            "scheduled",
            "scheduled",
            "manual",
            "scheduled",
            "scheduled"
        ]
    );
    let detail = projections::query::delivery(&pool, tenant, delivery)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(detail.status, "delivered");
    assert_eq!(detail.attempts, 6);
    let attempts = projections::query::attempts(&pool, tenant, &[delivery])
        .await
        .unwrap();
    assert_eq!(attempts[&delivery][5].status_code, Some(200));

    let events = stream_types(&pool, Invoice::stream_id(invoice).as_str())
        .await
        .unwrap();
    let outcomes: Vec<(&str, &serde_json::Value)> = events
        .iter()
        .filter(|(t, _)| t.starts_with("invoice.webhook_"))
        .map(|(t, d)| (t.as_str(), &d["attempts"]))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("invoice.webhook_delivery_failed", &serde_json::json!(3)),
            ("invoice.webhook_delivered", &serde_json::json!(6))
        ],
        "each round's outcome on the invoice"
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_events_body_is_stored_once_and_sent_alike_to_every_subscription_and_attempt(
    pool: PgPool,
) {
    let (failing_addr, failing) = Receiver::start(&[500], Duration::ZERO).await.unwrap();
    let (ok_addr, ok) = Receiver::start(&[], Duration::ZERO).await.unwrap();
    let tenant = tenant();
    let types = ["invoice.requested"];
    let url = |addr| format!("http://{addr}/hook");
    let first = subscribe(&pool, tenant, &url(failing_addr), &types)
        .await
        .unwrap();
    let second = subscribe(&pool, tenant, &url(ok_addr), &types)
        .await
        .unwrap();
    invoice(&pool, tenant).await.unwrap();
    fan_out(&pool).await.unwrap();
    let (keys, _) = keys_for(first);
    keys.set(second, vec![Secret::generate()]);

    // One dispatcher: the second receiver takes it, the first fails and is due in an hour.
    let one = dispatcher(&pool, true, "0s,1h", &keys).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        one.run_once().await.unwrap();
        let (attempts,): (i64,) = sqlx::query_as("select count(*) from webhooks.attempts")
            .fetch_one(&pool)
            .await
            .unwrap();
        if attempts == 2 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "two attempts");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The read model is gone: the retry, by another dispatcher (nothing built in its memory),
    // can only send the body stored for the event.
    sqlx::query("alter table rm.invoices rename to invoices_gone")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("update webhooks.deliveries set next_attempt_at = now() where status = 'pending'")
        .execute(&pool)
        .await
        .unwrap();
    drain(&pool, &dispatcher(&pool, true, "0s,1h", &keys).unwrap())
        .await
        .unwrap();

    let bodies: Vec<_> = failing
        .received()
        .into_iter()
        .chain(ok.received())
        .map(|got| got.body)
        .collect();
    assert_eq!(
        bodies.len(),
        3,
        "a failure and its retry, and the other subscription's"
    );
    assert!(bodies.iter().all(|b| *b == bodies[0]), "one body for all");
    let body: serde_json::Value = serde_json::from_slice(&bodies[0]).unwrap();
    assert_eq!(
        body["data"]["invoice"]["totals"]["total"], "1210.00",
        "as first built"
    );
    let (stored, on_deliveries): (i64, i64) = sqlx::query_as(
        "select (select count(*) from webhooks.bodies), \
                (select count(*) from webhooks.deliveries where payload is not null)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (stored, on_deliveries),
        (1, 0),
        "stored once, for the event"
    );
}
