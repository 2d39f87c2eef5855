//! Rate limits per API key, shared by every API instance, a tenant's own limit, and the throttling
//! of failed authentications per client address.

use api::AccessConfig;
use commands::tenants;
use domain::{aggregate::Context, tenant::RateLimit};
use reqwest::{Method, StatusCode};
use sqlx::PgPool;

use crate::helpers::{Answer, NOW, TestApp, policy};
use crate::prom::sample;

fn limited(per_second: u32, burst: u32) -> AccessConfig {
    AccessConfig {
        per_key: Some(RateLimit { per_second, burst }),
        ..AccessConfig::default()
    }
}

fn header<'a>(answer: &'a Answer, name: &str) -> &'a str {
    answer.headers[name].to_str().unwrap()
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_key_over_its_rate_limit_is_answered_429_with_when_to_retry(pool: PgPool) {
    let app = TestApp::spawn_guarded(pool, limited(1, 3)).await;
    for remaining in [2, 1, 0] {
        let answer = app.get("/v1/invoices").await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(header(&answer, "ratelimit-policy"), "\"default\";q=3;w=3");
        let standing = header(&answer, "ratelimit");
        assert!(
            standing.starts_with(&format!("\"default\";r={remaining};t=")),
            "{standing}"
        );
    }
    let refused = app.get("/v1/invoices").await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    assert_eq!(refused.code(), "rate_limited");
    assert_eq!(header(&refused, "content-type"), "application/problem+json");
    assert_eq!(header(&refused, "retry-after"), "1");
    assert!(header(&refused, "ratelimit").starts_with("\"default\";r=0;t="));
    let text = app.metrics_text().await;
    assert_eq!(
        sample(&text, "http_rate_limited_total", &[("reason", "key")]),
        Some(1.0)
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn instances_share_each_keys_bucket(pool: PgPool) {
    let app = TestApp::spawn_guarded(pool, limited(1, 2)).await;
    let other = app.another_instance().await;
    assert_eq!(app.get("/v1/invoices").await.status, StatusCode::OK);
    assert_eq!(other.get("/v1/invoices").await.status, StatusCode::OK);
    assert_eq!(
        app.get("/v1/invoices").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        other.get("/v1/invoices").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_tenants_own_limit_overrides_the_default_for_its_keys_only(pool: PgPool) {
    let app = TestApp::spawn_guarded(pool, limited(1000, 1000)).await;
    let tenant = app.tenant().await;
    let ctx = Context {
        now: NOW,
        policy: policy(),
    };
    let own = RateLimit {
        per_second: 1,
        burst: 1,
    };
    tenants::set_rate_limit(&app.store, &ctx, tenant, Some(own))
        .await
        .unwrap();
    assert_eq!(app.get("/v1/invoices").await.status, StatusCode::OK);
    let refused = app.get("/v1/invoices").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&refused, "ratelimit-policy"), "\"default\";q=1;w=1");
    // Another tenant keeps the default.
    let neighbour = TestApp::new_tenant(&app.store, "neighbour").await;
    for _ in 0..5 {
        let answer = app
            .call_as(&neighbour, Method::GET, "/v1/invoices", None, &[])
            .await;
        assert_eq!(answer.status, StatusCode::OK);
    }
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_address_failing_to_authenticate_is_refused_before_its_key_is_checked(pool: PgPool) {
    let access = AccessConfig {
        auth_failures_per_minute: 3,
        ..crate::helpers::no_rate_limit()
    };
    let app = TestApp::spawn_guarded(pool, access).await;
    // The key with its last hex digit changed (to another digit, whatever it was).
    let last = if app.key.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}", &app.key[..app.key.len() - 1]);
    for _ in 0..3 {
        let answer = app
            .call_as(&forged, Method::GET, "/v1/invoices", None, &[])
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    let refused = app
        .call_as(&forged, Method::GET, "/v1/invoices", None, &[])
        .await;
    assert_eq!(
        (refused.status, refused.code()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    // The fourth failure spent the allowance: from now on the address waits, good key or not.
    let blocked = app.get("/v1/invoices").await;
    assert_eq!(
        (blocked.status, blocked.code()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    assert!(header(&blocked, "retry-after").parse::<u64>().unwrap() >= 1);
    let text = app.metrics_text().await;
    assert_eq!(
        sample(&text, "http_rate_limited_total", &[("reason", "address")]),
        Some(1.0)
    );
}
