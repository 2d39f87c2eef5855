//! A tenant manages its own API keys: create (the token shown once), list, revoke, rotate; scopes
//! and expiry are enforced on every route.

use std::{sync::Arc, time::Duration};

use commands::tenants::{self, KeySpec};
use commands::{CommandMetrics, ports::FixedClock};
use domain::{
    ApiKeyId, EventMetadata, NewEvent, TenantId,
    aggregate::Context,
    tenant::{Scope, Tenant},
};
use eventstore::ExpectedVersion;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{NOW, TestApp, factura_b, policy};

/// Creates a key with `scopes` through the API, as the app's (admin) key; returns the answer.
async fn create_key(app: &TestApp, scopes: &[&str]) -> Value {
    let answer = app
        .post("/v1/api-keys", json!({"name": "ci", "scopes": scopes}))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    answer.body
}

fn token(created: &Value) -> String {
    created["api_key"].as_str().unwrap().to_owned()
}

async fn call(
    app: &TestApp,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> StatusCode {
    app.call_as(key, method, path, body, &[]).await.status
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_tenant_creates_lists_and_revokes_its_own_keys(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let created = create_key(&app, &["invoices:read", "invoices:write"]).await;
    let key = token(&created);
    let secret = key.rsplit('_').next().unwrap();
    assert_eq!(created["prefix"].as_str().unwrap(), &secret[..8]);
    assert_eq!(
        created["scopes"],
        json!(["invoices:write", "invoices:read"])
    );
    assert_eq!(created["revoked"], json!(false));
    assert_eq!(
        call(&app, &key, Method::GET, "/v1/invoices", None).await,
        StatusCode::OK
    );

    let listed = app.get("/v1/api-keys").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{items:?}");
    let mine = items.iter().find(|k| k["id"] == created["id"]).unwrap();
    assert_eq!(mine["name"], "ci");
    assert_eq!(mine["prefix"], created["prefix"]);
    for field in [
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked",
        "scopes",
    ] {
        assert!(mine.get(field).is_some(), "{field} missing in {mine}");
    }
    assert!(
        !listed.body.to_string().contains(secret),
        "a secret was listed"
    );

    let path = format!("/v1/api-keys/{}", created["id"].as_str().unwrap());
    assert_eq!(app.delete(&path).await.status, StatusCode::NO_CONTENT);
    // The instance that revoked the key forgets it at once.
    let refused = app
        .call_as(&key, Method::GET, "/v1/invoices", None, &[])
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let listed = app.get("/v1/api-keys").await;
    let mine = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == created["id"])
        .cloned()
        .unwrap();
    assert_eq!(mine["revoked"], json!(true));
    let unknown = app
        .delete(&format!("/v1/api-keys/{}", Uuid::now_v7()))
        .await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, "unknown_api_key")
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_read_only_key_may_read_invoices_and_nothing_more(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let reader = token(&create_key(&app, &["invoices:read"]).await);
    let write = app
        .call_as(
            &reader,
            Method::POST,
            "/v1/invoices",
            Some(factura_b()),
            &[],
        )
        .await;
    assert_eq!(write.status, StatusCode::FORBIDDEN, "{}", write.body);
    assert_eq!(write.code(), "insufficient_scope");
    assert!(
        write.body["detail"]
            .as_str()
            .unwrap()
            .contains("invoices:write")
    );
    assert_eq!(write.headers["content-type"], "application/problem+json");
    assert_eq!(
        call(&app, &reader, Method::GET, "/v1/invoices", None).await,
        StatusCode::OK
    );
    let graphql = json!({"query": "{ invoices(first: 1) { nodes { id } } }"});
    assert_eq!(
        call(
            &app,
            &reader,
            Method::POST,
            "/graphql",
            Some(graphql.clone())
        )
        .await,
        StatusCode::OK
    );

    let manage = app
        .call_as(
            &reader,
            Method::POST,
            "/v1/api-keys",
            Some(json!({"name": "x", "scopes": ["admin"]})),
            &[],
        )
        .await;
    assert_eq!(
        (manage.status, manage.code()),
        (StatusCode::FORBIDDEN, "insufficient_scope")
    );
    assert!(manage.body["detail"].as_str().unwrap().contains("`admin`"));

    let hooks = token(&create_key(&app, &["webhooks:manage"]).await);
    let read = app
        .call_as(&hooks, Method::POST, "/graphql", Some(graphql), &[])
        .await;
    assert_eq!(read.status, StatusCode::FORBIDDEN);
    assert!(
        read.body["detail"]
            .as_str()
            .unwrap()
            .contains("invoices:read")
    );
    assert_eq!(
        call(
            &app,
            &hooks,
            Method::GET,
            "/v1/webhooks/subscriptions",
            None
        )
        .await,
        StatusCode::OK
    );
    let taxpayer = call(&app, &hooks, Method::GET, "/v1/taxpayers/20267565393", None).await;
    assert_eq!(taxpayer, StatusCode::FORBIDDEN);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn keys_are_rotated_without_downtime(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let old = app.key.clone();
    let new = create_key(&app, &["admin"]).await;
    let new_key = token(&new);
    // Both live at once while clients move over.
    for key in [&old, &new_key] {
        let answer = app
            .call_as(key, Method::POST, "/v1/invoices", Some(factura_b()), &[])
            .await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    }
    let listed = app
        .call_as(&new_key, Method::GET, "/v1/api-keys", None, &[])
        .await;
    let old_id = listed.body["items"][0]["id"].as_str().unwrap().to_owned();
    assert_ne!(old_id, new["id"].as_str().unwrap());
    let path = format!("/v1/api-keys/{old_id}");
    assert_eq!(
        call(&app, &new_key, Method::DELETE, &path, None).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&app, &old, Method::GET, "/v1/invoices", None).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(&app, &new_key, Method::GET, "/v1/invoices", None).await,
        StatusCode::OK
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_key_revoked_elsewhere_stops_working_within_the_cache_window(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let other = app.another_instance().await;
    let key = token(&create_key(&app, &["invoices:read"]).await);
    // The other instance verifies the key and trusts it for api_key_cache (5 s in these tests).
    assert_eq!(
        call(&other, &key, Method::GET, "/v1/invoices", None).await,
        StatusCode::OK
    );
    let id = app.get("/v1/api-keys").await.body["items"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.delete(&format!("/v1/api-keys/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    let revoked = std::time::Instant::now();
    assert_eq!(
        call(&other, &key, Method::GET, "/v1/invoices", None).await,
        StatusCode::OK,
        "cached"
    );
    loop {
        if call(&other, &key, Method::GET, "/v1/invoices", None).await == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            revoked.elapsed() < Duration::from_secs(6),
            "still accepted past the cache window"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_expired_key_is_refused_saying_so(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let tenant = app.tenant().await;
    let past = Context {
        now: NOW - time::Duration::hours(2),
        policy: policy(),
    };
    let spec = KeySpec {
        label: "temp".to_owned(),
        scopes: vec![Scope::Admin],
        expires_at: Some(NOW - time::Duration::hours(1)),
    };
    let metadata = EventMetadata::for_tenant(tenant);
    let issued = tenants::issue_api_key(
        &app.store,
        &CommandMetrics::detached(),
        &past,
        tenant,
        spec,
        metadata,
    )
    .await
    .unwrap();
    let answer = app
        .call_as(&issued.token, Method::GET, "/v1/invoices", None, &[])
        .await;
    assert_eq!(
        (answer.status, answer.code()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    assert!(
        answer.body["detail"].as_str().unwrap().contains("expired"),
        "{}",
        answer.body
    );

    let in_past = app
        .post(
            "/v1/api-keys",
            json!({"name": "x", "scopes": ["admin"], "expires_at": "2026-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(
        (in_past.status, in_past.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_expires_at")
    );
    let bad_scope = app
        .post(
            "/v1/api-keys",
            json!({"name": "x", "scopes": ["invoices:delete"]}),
        )
        .await;
    assert_eq!(bad_scope.code(), "invalid_scope");
    assert_eq!(bad_scope.field_errors_of("scopes[0]"), 1);
    let live = app
        .post("/v1/api-keys", json!({"label": "until june", "scopes": ["admin"], "expires_at": "2027-06-30T23:59:59Z"}))
        .await;
    assert_eq!(live.status, StatusCode::CREATED, "{}", live.body);
    assert_eq!(live.body["expires_at"], "2027-06-30T23:59:59Z");
    assert_eq!(
        call(&app, &token(&live.body), Method::GET, "/v1/invoices", None).await,
        StatusCode::OK
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn keys_issued_before_scopes_existed_keep_full_access(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let tenant: TenantId = app.tenant().await;
    let key_id = ApiKeyId(Uuid::now_v7());
    let secret = "5e".repeat(32);
    let v1 = NewEvent {
        event_id: Uuid::now_v7(),
        event_type: "tenant.api_key_issued".to_owned(),
        schema_version: 1,
        data: json!({
            "key_id": key_id.0, "secret_hash": tenants::hash_secret(&secret),
            "label": "old", "issued_at": "2026-01-01T00:00:00Z"
        }),
        metadata: EventMetadata::for_tenant(tenant),
    };
    app.store
        .append(&Tenant::stream_id(tenant), ExpectedVersion::Any, &[v1])
        .await
        .unwrap();
    let key = format!("ak_{}_{}_{secret}", tenant.0.simple(), key_id.0.simple());
    let register = json!({"cuit": "20267565393", "legal_name": "Old SA", "iva_condition": "responsable_inscripto"});
    assert_eq!(
        call(&app, &key, Method::POST, "/v1/taxpayers", Some(register)).await,
        StatusCode::CREATED
    );
    let listed = app
        .call_as(&key, Method::GET, "/v1/api-keys", None, &[])
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    let old = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == json!(key_id.0))
        .cloned()
        .unwrap();
    assert_eq!(
        (old["scopes"].clone(), old["prefix"].clone()),
        (json!(["admin"]), Value::Null)
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn last_use_is_stamped_at_most_once_a_minute_per_key(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Arc::new(FixedClock(NOW))).await;
    let id = app.get("/v1/api-keys").await.body["items"][0]["id"].clone();
    let stamp = || async {
        let listed = app.get("/v1/api-keys").await;
        listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == id)
            .unwrap()["last_used_at"]
            .clone()
    };
    let mut waited = 0;
    while stamp().await.is_null() {
        assert!(waited < 40, "last_used_at was never written");
        waited += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(stamp().await, "2026-11-23T15:00:00Z");
    sqlx::query("update api_access.last_used set at = at - interval '1 hour'")
        .execute(&app.pool)
        .await
        .unwrap();
    for _ in 0..5 {
        app.get("/v1/invoices").await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        stamp().await,
        "2026-11-23T14:00:00Z",
        "stamped again within the minute"
    );
}
