//! The webhook delivery log over REST and GraphQL: pages and filters, a delivery with its
//! attempts, tenant isolation, manual redelivery of one delivery and of a range, and the
//! refusals. Deliveries are written the way the delivery engine writes them (its tables); the
//! dispatcher sending a redelivery is shown in `tests/webhooks_delivery`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::graphql::graphql;
use crate::helpers::{Answer, NOW, TestApp};
use crate::webhook_subscriptions::create;

const DELIVERIES: &str = "/v1/webhooks/deliveries";

/// A delivery row as the engine leaves it.
struct Made<'a> {
    subscription: Uuid,
    status: &'a str,
    event_type: &'a str,
    /// Minutes before [`NOW`] it was made.
    age_minutes: i64,
    attempts: i32,
}

async fn deliver(app: &TestApp, made: Made<'_>) -> Uuid {
    let id = Uuid::new_v4();
    let created = NOW - Duration::minutes(made.age_minutes);
    sqlx::query(
        "insert into webhooks.deliveries (delivery_id, tenant_id, subscription_id, event_id, \
             event_type, stream_id, event_tx_id, event_position, occurred_at, status, attempts, \
             last_status, created_at, updated_at, finished_at) \
         values ($1, $2, $3, gen_random_uuid(), $4, 'invoice-x', 1, 1, $5, $6, $7, \
             case when $6 = 'delivered' then 200 when $6 = 'failed' then 503 end, $5, $5, \
             case when $6 in ('delivered', 'failed') then $5 end)",
    )
    .bind(id)
    .bind(app.tenant().await.as_uuid())
    .bind(made.subscription)
    .bind(made.event_type)
    .bind(created)
    .bind(made.status)
    .bind(made.attempts)
    .execute(&app.pool)
    .await
    .unwrap();
    id
}

async fn failed(app: &TestApp, subscription: Uuid, age_minutes: i64) -> Uuid {
    let made = Made {
        subscription,
        status: "failed",
        event_type: "invoice.authorized",
        age_minutes,
        attempts: 3,
    };
    deliver(app, made).await
}

/// A subscription of the app's tenant, once its read row exists.
async fn subscription(app: &TestApp) -> Uuid {
    let (created, id) = create(app).await;
    let seen = app
        .get_after(&format!("/v1/webhooks/subscriptions/{id}"), &created)
        .await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    id.parse().unwrap()
}

/// Runs a command on subscription `id` and waits for the read table to show it.
async fn subscription_command(app: &TestApp, id: Uuid, answer: Answer) {
    assert!(answer.status.is_success(), "{}", answer.body);
    app.get_after(&format!("/v1/webhooks/subscriptions/{id}"), &answer)
        .await;
}

fn ids(page: &Value) -> Vec<String> {
    page["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn row(pool: &PgPool, id: Uuid) -> (String, bool, i32, bool, Option<OffsetDateTime>) {
    sqlx::query_as(
        "select status, manual, round_start, exhausted, finished_at \
         from webhooks.deliveries where delivery_id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn deliveries_are_listed_newest_first_filtered_and_a_page_at_a_time(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (a, b) = (subscription(&app).await, subscription(&app).await);
    let mut made = Vec::new();
    for (age, status, event_type) in [
        (50, "delivered", "invoice.requested"),
        (40, "failed", "invoice.authorized"),
        (30, "pending", "invoice.authorized"),
        (20, "failed", "invoice.rejected"),
        (10, "skipped", "invoice.authorized"),
    ] {
        let row = Made {
            subscription: a,
            status,
            event_type,
            age_minutes: age,
            attempts: 1,
        };
        made.push(deliver(&app, row).await.to_string());
    }
    let theirs = failed(&app, b, 5).await.to_string();

    let mut seen = Vec::new();
    let mut path = format!("{DELIVERIES}?subscription={a}&limit=2");
    loop {
        let page = app.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(ids(&page.body).len() <= 2);
        seen.extend(ids(&page.body));
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("{DELIVERIES}?subscription={a}&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    made.reverse();
    assert_eq!(seen, made, "every delivery once, newest first");

    let all = app.get(DELIVERIES).await;
    assert_eq!(ids(&all.body)[0], theirs);
    assert_eq!(ids(&all.body).len(), 6);
    let failures = app.get(&format!("{DELIVERIES}?status=failed")).await;
    assert_eq!(
        ids(&failures.body),
        [theirs.clone(), made[1].clone(), made[3].clone()]
    );
    let rejected = app
        .get(&format!("{DELIVERIES}?event_type=invoice.rejected"))
        .await;
    assert_eq!(ids(&rejected.body), [made[1].clone()]);
    let first = &failures.body["deliveries"][0];
    assert_eq!(first["subscription_id"], b.to_string());
    assert_eq!(first["last_status"], 503);
    assert_eq!(first["attempt_count"], 3);
    assert!(first.get("attempts").is_none(), "lists carry no attempts");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_delivery_comes_with_every_attempt_and_is_another_tenants_404(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let sub = subscription(&app).await;
    let id = failed(&app, sub, 10).await;
    let tenant = app.tenant().await;
    for (n, trigger, status, error, body) in [
        (1, "scheduled", Some(503), None, b"busy\xff".to_vec()),
        (2, "scheduled", None, Some("timeout"), Vec::new()),
        (3, "manual", Some(500), None, b"oops".to_vec()),
    ] {
        sqlx::query(
            "insert into webhooks.attempts (delivery_id, attempt, tenant_id, trigger, \
                 started_at, duration_ms, status_code, error_class, response_body, \
                 next_attempt_at) \
             values ($1, $2, $3, $4, $5, 120, $6, $7, $8, \
                 case when $2 < 3 then $5 + interval '1 minute' end)",
        )
        .bind(id)
        .bind(n)
        .bind(tenant.as_uuid())
        .bind(trigger)
        .bind(NOW - Duration::minutes(10 - i64::from(n)))
        .bind(status)
        .bind(error)
        .bind(body)
        .execute(&app.pool)
        .await
        .unwrap();
    }

    let one = app.get(&format!("{DELIVERIES}/{id}")).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    assert_eq!(one.body["status"], "failed");
    let attempts = one.body["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3);
    assert_eq!(attempts[0]["attempt"], 1);
    assert_eq!(attempts[0]["trigger"], "scheduled");
    assert_eq!(attempts[0]["status_code"], 503);
    assert_eq!(attempts[0]["duration_ms"], 120);
    assert_eq!(attempts[0]["response_body"], "busy\u{fffd}");
    assert!(attempts[0]["next_attempt_at"].is_string());
    assert_eq!(attempts[1]["error_class"], "timeout");
    assert!(attempts[1].get("status_code").is_none());
    assert_eq!(attempts[2]["trigger"], "manual");
    assert!(attempts[2].get("next_attempt_at").is_none());

    let other = TestApp::new_tenant(&app.store, "other").await;
    let one_path = format!("{DELIVERIES}/{id}");
    let get = app.call_as(&other, Method::GET, &one_path, None, &[]).await;
    assert_eq!(
        (get.status, get.code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let again_path = format!("{DELIVERIES}/{id}/redeliver");
    let again = app
        .call_as(&other, Method::POST, &again_path, None, &[])
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.body);
    let list = app
        .call_as(&other, Method::GET, DELIVERIES, None, &[])
        .await;
    assert_eq!(list.body["deliveries"], json!([]));
    let range = app
        .call_as(
            &other,
            Method::POST,
            &format!("/v1/webhooks/subscriptions/{sub}/redeliver"),
            Some(json!({"since": "2026-11-23T00:00:00Z", "until": "2026-11-24T00:00:00Z"})),
            &[],
        )
        .await;
    assert_eq!(range.status, StatusCode::NOT_FOUND, "{}", range.body);
    assert_eq!(row(&app.pool, id).await.0, "failed", "nothing was queued");
    let missing = app.get(&format!("{DELIVERIES}/{}", Uuid::new_v4())).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn bad_list_parameters_are_reported_together(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let bad = app
        .get(&format!(
            "{DELIVERIES}?subscription=nope&status=lost&event_type=invoice.cae_granted&limit=500"
        ))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.code(), "validation_failed");
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["subscription", "status", "event_type", "limit"]);
    let cursor = app.get(&format!("{DELIVERIES}?cursor=not-ours")).await;
    assert_eq!(
        (cursor.status, cursor.code()),
        (StatusCode::BAD_REQUEST, "invalid_cursor")
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn redelivering_one_queues_a_manual_round_unless_pending_or_its_subscription_is_not_active(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let sub = subscription(&app).await;
    let id = failed(&app, sub, 10).await;
    sqlx::query("update webhooks.deliveries set exhausted = true where delivery_id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let path = format!("{DELIVERIES}/{id}/redeliver");

    let queued = app.post(&path, json!({})).await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.body);
    assert_eq!(queued.body["id"], id.to_string());
    assert_eq!(queued.body["status"], "pending");
    assert_eq!(queued.body["exhausted"], false);
    assert!(queued.body["next_attempt_at"].is_string());
    assert_eq!(
        row(&app.pool, id).await,
        ("pending".to_owned(), true, 3, false, None),
        "pending, by hand, a round starting after the 3 attempts made"
    );
    let again = app.post(&path, json!({})).await;
    assert_eq!(
        (again.status, again.code()),
        (StatusCode::CONFLICT, "delivery_pending")
    );

    let other = failed(&app, sub, 5).await;
    let other_path = format!("{DELIVERIES}/{other}/redeliver");
    let pause = app
        .post(
            &format!("/v1/webhooks/subscriptions/{sub}/pause"),
            json!({}),
        )
        .await;
    subscription_command(&app, sub, pause).await;
    let paused = app.post(&other_path, json!({})).await;
    assert_eq!(
        (paused.status, paused.code()),
        (StatusCode::CONFLICT, "subscription_not_active")
    );
    let deleted = app
        .delete(&format!("/v1/webhooks/subscriptions/{sub}"))
        .await;
    subscription_command(&app, sub, deleted).await;
    let gone = app.post(&other_path, json!({})).await;
    assert_eq!(
        (gone.status, gone.code()),
        (StatusCode::GONE, "subscription_deleted")
    );
    assert_eq!(row(&app.pool, other).await.0, "failed");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn redelivering_a_range_queues_only_the_failed_deliveries_made_within_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (sub, neighbour) = (subscription(&app).await, subscription(&app).await);
    let inside = [failed(&app, sub, 50).await, failed(&app, sub, 20).await];
    let at_until = failed(&app, sub, 10).await;
    let before = failed(&app, sub, 61).await;
    let delivered = Made {
        subscription: sub,
        status: "delivered",
        event_type: "invoice.authorized",
        age_minutes: 30,
        attempts: 1,
    };
    let delivered = deliver(&app, delivered).await;
    let theirs = failed(&app, neighbour, 30).await;
    let at = |minutes: i64| {
        (NOW - Duration::minutes(minutes))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let path = format!("/v1/webhooks/subscriptions/{sub}/redeliver");

    let queued = app
        .post(&path, json!({"since": at(60), "until": at(10)}))
        .await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.body);
    assert_eq!(queued.body, json!({"queued": 2}));
    for id in inside {
        assert_eq!(row(&app.pool, id).await.0, "pending");
        assert!(row(&app.pool, id).await.1, "marked manual");
    }
    for (id, status) in [
        (at_until, "failed"),
        (before, "failed"),
        (delivered, "delivered"),
        (theirs, "failed"),
    ] {
        assert_eq!(row(&app.pool, id).await.0, status);
    }
    let none_left = app
        .post(&path, json!({"since": at(60), "until": at(10)}))
        .await;
    assert_eq!(none_left.body, json!({"queued": 0}));

    for (body, code, fields) in [
        (json!({}), "validation_failed", vec!["since", "until"]),
        (
            json!({"since": "yesterday", "until": at(10)}),
            "invalid_instant",
            vec!["since"],
        ),
        (
            json!({"since": at(10), "until": at(60)}),
            "empty_range",
            vec!["until"],
        ),
        (
            json!({"since": "2026-10-01T00:00:00Z", "until": "2026-11-02T00:00:00Z"}),
            "range_too_long",
            vec!["until"],
        ),
    ] {
        let bad = app.post(&path, body.clone()).await;
        assert_eq!(
            (bad.status, bad.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, code),
            "{body}"
        );
        let got: Vec<&str> = bad.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(got, fields, "{body}");
    }
    let unknown = app
        .post(
            &format!("/v1/webhooks/subscriptions/{}/redeliver", Uuid::new_v4()),
            json!({"since": at(60), "until": at(10)}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

const PAGE: &str = "{ webhookDeliveries(status: FAILED, first: 1) { \
    nodes { id status attemptCount lastStatus attempts { attempt trigger statusCode responseBody } } \
    pageInfo { hasNextPage endCursor } } }";

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn graphql_pages_the_tenants_deliveries_with_their_attempts(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let sub = subscription(&app).await;
    let older = failed(&app, sub, 20).await;
    let newer = failed(&app, sub, 10).await;
    let skipped = Made {
        subscription: sub,
        status: "skipped",
        event_type: "invoice.authorized",
        age_minutes: 5,
        attempts: 0,
    };
    deliver(&app, skipped).await;
    sqlx::query(
        "insert into webhooks.attempts (delivery_id, attempt, tenant_id, trigger, started_at, \
             duration_ms, status_code, response_body) \
         values ($1, 1, $2, 'scheduled', now(), 80, 503, 'busy')",
    )
    .bind(newer)
    .bind(app.tenant().await.as_uuid())
    .execute(&app.pool)
    .await
    .unwrap();

    let first = graphql(&app, &app.key, PAGE).await;
    let page = &first["data"]["webhookDeliveries"];
    assert_eq!(page["nodes"][0]["id"], newer.to_string(), "{first}");
    assert_eq!(page["nodes"][0]["status"], "FAILED");
    assert_eq!(
        page["nodes"][0]["attempts"],
        json!([{"attempt": 1, "trigger": "scheduled", "statusCode": 503, "responseBody": "busy"}])
    );
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let cursor = page["pageInfo"]["endCursor"].as_str().unwrap();
    let next = PAGE.replace("first: 1", &format!("first: 1, after: \"{cursor}\""));
    let second = graphql(&app, &app.key, &next).await;
    let page = &second["data"]["webhookDeliveries"];
    assert_eq!(page["nodes"][0]["id"], older.to_string(), "{second}");
    assert_eq!(page["nodes"][0]["attempts"], json!([]));
    assert_eq!(page["pageInfo"]["hasNextPage"], false);

    let mine = format!("{{ webhookDeliveries(subscription: \"{sub}\") {{ nodes {{ id }} }} }}");
    let all = graphql(&app, &app.key, &mine).await;
    assert_eq!(
        all["data"]["webhookDeliveries"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let other = TestApp::new_tenant(&app.store, "other").await;
    let theirs = graphql(&app, &other, &mine).await;
    assert_eq!(theirs["data"]["webhookDeliveries"]["nodes"], json!([]));
    let bad = graphql(
        &app,
        &app.key,
        "{ webhookDeliveries(subscription: \"nope\") { nodes { id } } }",
    )
    .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "invalid_argument");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_failed_delivery_whose_outcome_is_still_being_recorded_is_left_alone(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let sub = subscription(&app).await;
    let (one, other) = (failed(&app, sub, 30).await, failed(&app, sub, 20).await);
    // Both finished; their outcomes are not on their invoices yet.
    sqlx::query("insert into webhooks.outcomes_due (delivery_id) select unnest($1::uuid[])")
        .bind([one, other])
        .execute(&app.pool)
        .await
        .unwrap();
    let path = format!("{DELIVERIES}/{one}/redeliver");
    let refused = app.post(&path, json!({})).await;
    assert_eq!(
        (refused.status, refused.code()),
        (StatusCode::CONFLICT, "delivery_pending")
    );
    let at = |minutes: i64| {
        (NOW - Duration::minutes(minutes))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let range = app
        .post(
            &format!("/v1/webhooks/subscriptions/{sub}/redeliver"),
            json!({"since": at(60), "until": at(10)}),
        )
        .await;
    assert_eq!(range.status, StatusCode::ACCEPTED, "{}", range.body);
    assert_eq!(range.body, json!({"queued": 0}));
    assert_eq!(row(&app.pool, one).await.0, "failed");

    // Recorded: both may go again.
    sqlx::query("delete from webhooks.outcomes_due")
        .execute(&app.pool)
        .await
        .unwrap();
    let queued = app.post(&path, json!({})).await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.body);
    assert_eq!(row(&app.pool, one).await.0, "pending");
    assert_eq!(row(&app.pool, other).await.0, "failed");
}
