//! `/v1/webhooks/subscriptions`: management over REST, the read table, transitions and their
//! refusals, validation, tenant isolation and test events.

use commands::handler::{self, Command, EventIds};
use domain::webhook::{DisableReason, DisableSubscription, Subscription};
use domain::{EventMetadata, SubscriptionId, aggregate::Context};
use eventstore::ReadOptions;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{Answer, NOW, TestApp};

const PATH: &str = "/v1/webhooks/subscriptions";

fn subscription() -> Value {
    json!({
        "url": "https://erp.example.com/hooks/arca",
        "event_types": ["invoice.authorized", "invoice.rejected"],
        "description": "erp"
    })
}

pub async fn create(app: &TestApp) -> (Answer, String) {
    let created = app.post(PATH, subscription()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    (created, id)
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrations = "schemas/migrations")]
async fn creation_shows_the_secret_once_and_reads_never_show_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (created, id) = create(&app).await;
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(created.body["status"], "active");
    assert_eq!(
        created.headers["location"].to_str().unwrap(),
        format!("{PATH}/{id}")
    );

    let one = app.get_after(&format!("{PATH}/{id}"), &created).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    assert_eq!(one.body["url"], "https://erp.example.com/hooks/arca");
    assert_eq!(
        one.body["event_types"],
        json!(["invoice.authorized", "invoice.rejected"])
    );
    assert_eq!(one.body["description"], "erp");
    assert!(one.body["created_at"].is_string(), "{}", one.body);
    let list = app.get_after(PATH, &created).await;
    assert_eq!(list.body["subscriptions"][0]["id"], id.as_str());
    for body in [&one.body, &list.body] {
        let text = body.to_string();
        assert!(
            !text.contains(&secret) && !text.contains("whsec_"),
            "{text}"
        );
        assert!(!text.contains("\"secret\""), "{text}");
    }
}

#[sqlx::test(migrations = "schemas/migrations")]
async fn bad_urls_and_unknown_event_types_are_refused_with_field_errors_and_nothing_stored(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool.clone()).await;
    let both = app
        .post(
            PATH,
            json!({"url": "ftp://erp.example.com/", "event_types": ["invoice.cae_granted"]}),
        )
        .await;
    assert_eq!(both.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(both.code(), "validation_failed");
    let fields: Vec<&str> = both.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["url", "event_types[0]"]);
    for (url, code) in [
        ("https://user:pw@erp.example.com/", "invalid_url"),
        ("erp.example.com/hooks", "invalid_url"),
        ("file:///etc/passwd", "webhook_url_not_allowed"),
    ] {
        let answer = app.post(PATH, json!({"url": url})).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert_eq!(answer.code(), code, "{url}");
    }
    let description = app
        .post(
            PATH,
            json!({"url": "https://erp.example.com/", "description": "x".repeat(501)}),
        )
        .await;
    assert_eq!(description.code(), "invalid_description");
    let streams = count(
        &pool,
        "select count(*) from es.streams where category = 'webhook-subscription'",
    )
    .await;
    let keys = count(&pool, "select count(*) from webhooks.signing_keys").await;
    assert_eq!((streams, keys), (0, 0));
}

#[sqlx::test(migrations = "schemas/migrations")]
async fn http_endpoints_are_accepted_in_the_simulator_environment(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let answer = app
        .post(PATH, json!({"url": "http://hooks.example.com:8080/hook"}))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    assert_eq!(answer.body["event_types"], json!([]));
}

#[sqlx::test(migrations = "schemas/migrations")]
async fn an_endpoint_at_a_non_public_address_is_refused_on_create_and_on_update(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    for url in [
        "http://127.0.0.1:9/hook",
        "https://10.0.0.7/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:192.168.1.1]/hook",
    ] {
        let answer = app.post(PATH, json!({"url": url})).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{url}: {}",
            answer.body
        );
        assert_eq!(
            answer.code(),
            "webhook_url_not_allowed",
            "{url}: {}",
            answer.body
        );
    }
    let streams = "select count(*) from es.streams where category = 'webhook-subscription'";
    assert_eq!(count(&pool, streams).await, 0, "nothing written");

    let (_, id) = create(&app).await;
    let path = format!("{PATH}/{id}");
    let moved = app
        .patch(&path, json!({"url": "https://192.168.0.10/hook"}))
        .await;
    assert_eq!(
        moved.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        moved.body
    );
    assert_eq!(moved.code(), "webhook_url_not_allowed", "{}", moved.body);
    let updates =
        "select count(*) from es.events where event_type = 'webhook.subscription_updated'";
    assert_eq!(count(&pool, updates).await, 0, "nothing written");
}

#[sqlx::test(migrations = "schemas/migrations")]
async fn an_update_changes_what_it_names_and_the_read_table_follows(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, id) = create(&app).await;
    let path = format!("{PATH}/{id}");
    let updated = app
        .patch(
            &path,
            json!({"url": "https://erp.example.com/v2", "event_types": [], "description": ""}),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    let read = app.get_after(&path, &updated).await;
    assert_eq!(read.body["url"], "https://erp.example.com/v2");
    assert_eq!(read.body["event_types"], json!([]));
    assert!(read.body.get("description").is_none(), "{}", read.body);
    assert_eq!(read.body["version"], 1);
    let bad = app
        .patch(&path, json!({"event_types": ["arca.available", "nope"]}))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["errors"][0]["field"], "event_types[1]");
}

/// Disables the subscription as the delivery engine does; answers the `ARCA-Position` token.
async fn disable(app: &TestApp, id: &str) -> String {
    let registry = prometheus::Registry::new();
    let metrics = commands::CommandMetrics::register(&registry).unwrap();
    let id = SubscriptionId(Uuid::parse_str(id).unwrap());
    let command = Command::<Subscription> {
        stream: Subscription::stream_id(id),
        command: DisableSubscription {
            reason: DisableReason::Gone410,
            since: NOW,
        }
        .into(),
        metadata: EventMetadata::for_tenant(app.tenant().await),
        expected: None,
        fresh_stream: false,
        event_ids: EventIds::Fresh,
    };
    let executed = handler::execute(&app.store, &metrics, &Context::new(NOW), command)
        .await
        .unwrap();
    let position = executed.outcome.unwrap().position;
    format!("{}-{}", position.tx_id, position.position)
}

#[sqlx::test(migrations = "schemas/migrations")]
async fn pause_resume_disable_enable_and_delete_follow_the_rules(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, id) = create(&app).await;
    let at = |action: &str| format!("{PATH}/{id}/{action}");
    let step = |status: StatusCode, code: &'static str| (status, code);
    let expectations = [
        ("pause", step(StatusCode::OK, "")),
        (
            "pause",
            step(StatusCode::CONFLICT, "subscription_already_paused"),
        ),
        ("resume", step(StatusCode::OK, "")),
        (
            "resume",
            step(StatusCode::CONFLICT, "subscription_not_paused"),
        ),
        (
            "enable",
            step(StatusCode::CONFLICT, "subscription_not_disabled"),
        ),
    ];
    for (action, (status, code)) in expectations {
        let answer = app.post(&at(action), json!({})).await;
        assert_eq!(
            (answer.status, answer.code()),
            (status, code),
            "{action}: {}",
            answer.body
        );
    }
    disable(&app, &id).await;
    let pause = app.post(&at("pause"), json!({})).await;
    assert_eq!(
        (pause.status, pause.code()),
        (StatusCode::CONFLICT, "subscription_disabled")
    );
    let enabled = app.post(&at("enable"), json!({})).await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.body);
    assert_eq!(enabled.body["status"], "active");

    let deleted = app.delete(&format!("{PATH}/{id}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let gone = app.get_after(&format!("{PATH}/{id}"), &deleted).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let list = app.get_after(PATH, &deleted).await;
    assert_eq!(list.body["subscriptions"], json!([]));
    for (method, path) in [
        (Method::DELETE, format!("{PATH}/{id}")),
        (Method::POST, at("pause")),
    ] {
        let answer = app.call_as(&app.key, method, &path, None, &[]).await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::NOT_FOUND, "subscription_not_found")
        );
    }
}

#[sqlx::test(migrations = "schemas/migrations")]
async fn a_disabled_subscription_shows_when_it_was_disabled_until_enabled(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, id) = create(&app).await;
    let path = format!("{PATH}/{id}");
    let token = disable(&app, &id).await;
    let headers = [("arca-read-after", token.as_str())];
    let read = app
        .call_as(&app.key, Method::GET, &path, None, &headers)
        .await;
    assert_eq!(read.body["status"], "disabled", "{}", read.body);
    assert!(read.body["disabled_at"].is_string(), "{}", read.body);
    let enabled = app.post(&format!("{path}/enable"), json!({})).await;
    assert_eq!(enabled.status, StatusCode::OK);
    let read = app.get_after(&path, &enabled).await;
    assert_eq!(read.body["status"], "active");
    assert!(read.body.get("disabled_at").is_none(), "{}", read.body);
    assert_eq!(read.body["version"], 2);
}

#[sqlx::test(migrations = "schemas/migrations")]
async fn another_tenants_subscription_is_not_found(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (created, id) = create(&app).await;
    app.get_after(PATH, &created).await;
    let other = TestApp::new_tenant(&app.store, "globex").await;
    let path = format!("{PATH}/{id}");
    let tries = [
        (Method::GET, path.clone(), None),
        (
            Method::PATCH,
            path.clone(),
            Some(json!({"description": "mine"})),
        ),
        (Method::DELETE, path.clone(), None),
        (Method::POST, format!("{path}/pause"), None),
        (Method::POST, format!("{path}/rotate-secret"), None),
        (Method::POST, format!("{path}/test"), None),
    ];
    for (method, path, body) in tries {
        let answer = app.call_as(&other, method.clone(), &path, body, &[]).await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {}",
            answer.body
        );
    }
    let list = app.call_as(&other, Method::GET, PATH, None, &[]).await;
    assert_eq!(list.body["subscriptions"], json!([]));
    // The owner still sees it unchanged.
    let mine = app.get(&path).await;
    assert_eq!(
        (
            mine.body["status"].clone(),
            mine.body["description"].clone()
        ),
        (json!("active"), json!("erp"))
    );
}

#[sqlx::test(migrations = "schemas/migrations")]
async fn a_test_request_appends_webhook_test_requested_on_the_subscription_stream(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, id) = create(&app).await;
    let answer = app.post(&format!("{PATH}/{id}/test"), json!({})).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    let test_id = answer.body["test_id"].as_str().unwrap();
    let stream = Subscription::stream_id(SubscriptionId(Uuid::parse_str(&id).unwrap()));
    let events = app
        .store
        .read_stream(app.tenant().await, &stream, ReadOptions::default())
        .await
        .unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.event_type, "webhook.test_requested");
    assert_eq!(
        last.data,
        json!({"subscription_id": id, "test_id": test_id})
    );
    app.post(&format!("{PATH}/{id}/pause"), json!({})).await;
    let paused = app.post(&format!("{PATH}/{id}/test"), json!({})).await;
    assert_eq!(
        (paused.status, paused.code()),
        (StatusCode::CONFLICT, "subscription_not_active")
    );
}

#[sqlx::test(migrations = "schemas/migrations")]
async fn the_list_pages_with_a_cursor(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut last = None;
    for _ in 0..3 {
        last = Some(create(&app).await.0);
    }
    let first = app
        .get_after(&format!("{PATH}?limit=2"), last.as_ref().unwrap())
        .await;
    assert_eq!(first.body["subscriptions"].as_array().unwrap().len(), 2);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app.get(&format!("{PATH}?limit=2&cursor={cursor}")).await;
    assert_eq!(second.body["subscriptions"].as_array().unwrap().len(), 1);
    assert!(second.body.get("next_cursor").is_none());
    let bad = app.get(&format!("{PATH}?cursor=nope")).await;
    assert_eq!(
        (bad.status, bad.code()),
        (StatusCode::BAD_REQUEST, "invalid_cursor")
    );
}

#[sqlx::test(migrations = "schemas/migrations")]
async fn a_tenant_may_have_only_so_many_subscriptions(pool: PgPool) {
    let access = api::AccessConfig {
        subscriptions_per_tenant: 2,
        ..crate::helpers::no_rate_limit()
    };
    let app = TestApp::spawn_guarded(pool, access).await;
    let (_, first) = create(&app).await;
    let (second, _) = create(&app).await;
    // Once the list shows both, a third is refused.
    let listed = app.get_after(PATH, &second).await;
    assert_eq!(
        listed.body["subscriptions"].as_array().unwrap().len(),
        2,
        "{}",
        listed.body
    );
    let refused = app.post(PATH, subscription()).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert_eq!(refused.code(), "subscription_limit_reached");
    // Deleting one makes room.
    let deleted = app.delete(&format!("{PATH}/{first}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.get(PATH).await.body["subscriptions"]
        .as_array()
        .unwrap()
        .len()
        > 1
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the deletion never showed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    create(&app).await;
}
