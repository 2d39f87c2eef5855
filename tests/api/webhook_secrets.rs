//! Webhook signing secrets at rest: sealed in `webhooks.signing_keys`, never in events, rotated
//! with a grace period during which both secrets sign, destroyed with the subscription.

use arca_ws::credentials::{Keyring, SealingKey};
use base64::Engine as _;
use domain::{SubscriptionId, webhook::Subscription};
use eventstore::ReadOptions;
use reqwest::StatusCode;
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::json;
use sqlx::PgPool;
use time::Duration;
use uuid::Uuid;
use workers::webhooks::PgSigningKeys;

use crate::helpers::{Answer, NOW, TestApp, keyring};
use crate::webhook_subscriptions::create;

const PATH: &str = "/v1/webhooks/subscriptions";

fn vault(app: &TestApp) -> PgSigningKeys {
    PgSigningKeys::new(app.pool.clone(), keyring())
}

fn exposed(secrets: &[SecretString]) -> Vec<String> {
    secrets
        .iter()
        .map(|s| s.expose_secret().to_owned())
        .collect()
}

async fn rotate(app: &TestApp, id: &str, body: serde_json::Value) -> Answer {
    app.post(&format!("{PATH}/{id}/rotate-secret"), body).await
}

async fn keys(pool: &PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from webhooks.signing_keys")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "schemas/migrations")]
async fn the_secret_is_stored_sealed_and_opens_back(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (created, id) = create(&app).await;
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    let key = base64::engine::general_purpose::STANDARD
        .decode(&secret["whsec_".len()..])
        .unwrap();
    assert_eq!(key.len(), 32);
    let (nonce, ciphertext): (Vec<u8>, Vec<u8>) =
        sqlx::query_as("select nonce, ciphertext from webhooks.signing_keys")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(nonce.len(), 12);
    assert!(
        !ciphertext
            .windows(secret.len())
            .any(|w| w == secret.as_bytes())
    );
    assert!(!ciphertext.windows(key.len()).any(|w| w == key.as_slice()));

    app.get_after(&format!("{PATH}/{id}"), &created).await;
    let subscription = Uuid::parse_str(&id).unwrap();
    let active = vault(&app).active(subscription, NOW).await.unwrap();
    assert_eq!(exposed(&active), [secret]);
    // Another credentials key does not open it.
    let stranger = PgSigningKeys::new(
        pool,
        Keyring::single(SealingKey::derive_dev("someone else")),
    );
    assert!(stranger.active(subscription, NOW).await.is_err());
}

#[sqlx::test(migrations = "schemas/migrations")]
async fn no_event_of_the_subscription_carries_a_secret(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (created, id) = create(&app).await;
    let rotated = rotate(&app, &id, json!({})).await;
    let stream = Subscription::stream_id(SubscriptionId(Uuid::parse_str(&id).unwrap()));
    let events = app
        .store
        .read_stream(app.tenant().await, &stream, ReadOptions::default())
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    for secret in [&created.body["secret"], &rotated.body["secret"]] {
        let secret = secret.as_str().unwrap();
        for event in &events {
            let text = event.data.to_string();
            assert!(!text.contains(secret) && !text.contains("whsec_"), "{text}");
        }
    }
}

#[sqlx::test(migrations = "schemas/migrations")]
async fn a_rotation_keeps_the_old_secret_signing_until_the_grace_ends(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (created, id) = create(&app).await;
    let old = created.body["secret"].as_str().unwrap().to_owned();
    let rotated = rotate(&app, &id, json!({"grace_period_seconds": 3600})).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    let new = rotated.body["secret"].as_str().unwrap().to_owned();
    assert!(new.starts_with("whsec_") && new != old);
    assert_eq!(
        rotated.body["previous_secret_valid_until"],
        "2026-11-23T16:00:00Z"
    );
    app.get_after(&format!("{PATH}/{id}"), &rotated).await;

    let subscription = Uuid::parse_str(&id).unwrap();
    let vault = vault(&app);
    let during = vault
        .active(subscription, NOW + Duration::minutes(59))
        .await
        .unwrap();
    assert_eq!(exposed(&during), [new.clone(), old]);
    let after = vault
        .active(subscription, NOW + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(exposed(&after), [new]);
}

#[sqlx::test(migrations = "schemas/migrations")]
async fn a_zero_grace_revokes_the_old_secret_at_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, id) = create(&app).await;
    let rotated = rotate(&app, &id, json!({"grace_period_seconds": 0})).await;
    let new = rotated.body["secret"].as_str().unwrap().to_owned();
    app.get_after(&format!("{PATH}/{id}"), &rotated).await;
    let subscription = Uuid::parse_str(&id).unwrap();
    let active = vault(&app).active(subscription, NOW).await.unwrap();
    assert_eq!(exposed(&active), [new]);
}

#[sqlx::test(migrations = "schemas/migrations")]
async fn a_refused_rotation_stores_no_key(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (_, id) = create(&app).await;
    let too_long = rotate(&app, &id, json!({"grace_period_seconds": 604_801})).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(too_long.code(), "invalid_grace_period");
    let unknown = rotate(&app, &Uuid::now_v7().to_string(), json!({})).await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, "subscription_not_found")
    );
    assert_eq!(keys(&pool).await, 1);
}

#[sqlx::test(migrations = "schemas/migrations")]
async fn a_stored_key_that_no_event_names_never_signs(pool: PgPool) {
    // What a crash between storing the key and appending its event leaves behind.
    let app = TestApp::spawn(pool).await;
    let (created, id) = create(&app).await;
    app.get_after(&format!("{PATH}/{id}"), &created).await;
    let subscription = SubscriptionId(Uuid::parse_str(&id).unwrap());
    let orphan = webhooks::Secret::generate().encode();
    let vault = vault(&app);
    vault
        .create(app.tenant().await, subscription, Uuid::now_v7(), &orphan)
        .await
        .unwrap();
    let active = vault.active(subscription.as_uuid(), NOW).await.unwrap();
    assert_eq!(exposed(&active), [created.body["secret"].as_str().unwrap()]);
}

#[sqlx::test(migrations = "schemas/migrations")]
async fn at_most_ten_old_secrets_are_kept(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (_, id) = create(&app).await;
    let mut last = None;
    for _ in 0..12 {
        last = Some(rotate(&app, &id, json!({"grace_period_seconds": 3600})).await);
    }
    let last = last.unwrap();
    app.get_after(&format!("{PATH}/{id}"), &last).await;
    let subscription = Uuid::parse_str(&id).unwrap();
    let active = vault(&app).active(subscription, NOW).await.unwrap();
    assert_eq!(active.len(), 11);
    assert_eq!(
        active[0].expose_secret(),
        last.body["secret"].as_str().unwrap()
    );
    assert_eq!(keys(&pool).await, 11);
}

#[sqlx::test(migrations = "schemas/migrations")]
async fn deleting_a_subscription_destroys_its_secrets(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (_, id) = create(&app).await;
    rotate(&app, &id, json!({})).await;
    let deleted = app.delete(&format!("{PATH}/{id}")).await;
    app.get_after(PATH, &deleted).await;
    let subscription = Uuid::parse_str(&id).unwrap();
    assert!(
        vault(&app)
            .active(subscription, NOW)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(keys(&pool).await, 0);
}
