//! `/graphql` end to end: API-key auth, tenant isolation over the projected read model, GraphiQL
//! off by default, and the query-duration metric.

use std::time::{Duration, Instant};

use domain::{GlobalPosition, InvoiceId, invoice::Invoice};
use eventstore::{PgEventStore, ReadOptions};
use projections::{InvoicesProjector, Runner};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use workers::feeds::StoreLog;

use crate::helpers::{TestApp, factura_a, factura_b};

/// Requests an invoice as `key`; returns its id and the global position of its last event.
async fn request(app: &TestApp, key: &str, body: Value) -> (String, GlobalPosition) {
    let answer = app
        .call_as(key, Method::POST, "/v1/invoices", Some(body), &[])
        .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    let id = answer.body["id"].as_str().unwrap().to_owned();
    let tenant = tenant_of(key);
    let stream = Invoice::stream_id(InvoiceId(id.parse().unwrap()));
    let events = app
        .store
        .read_stream(tenant, &stream, ReadOptions::default())
        .await
        .unwrap();
    (id, events.last().unwrap().position)
}

/// The tenant a key belongs to (`ak_<tenant>_<key>_<secret>`).
fn tenant_of(key: &str) -> domain::TenantId {
    domain::TenantId(key.split('_').nth(1).unwrap().parse().unwrap())
}

/// Runs the invoices projection until its checkpoint reaches `target` (other databases'
/// transactions may hold the log's watermark back for a moment).
async fn project(app: &TestApp, target: GlobalPosition) {
    let runner = Runner::new(
        app.pool.clone(),
        InvoicesProjector::new(),
        StoreLog(PgEventStore::new(app.pool.clone())),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while runner.checkpoint().await.unwrap() < target {
        assert!(
            Instant::now() < deadline,
            "projection stuck before {target:?}"
        );
        if runner.run_once().await.unwrap() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

pub(crate) async fn graphql(app: &TestApp, key: &str, query: &str) -> Value {
    let answer = app
        .call_as(
            key,
            Method::POST,
            "/graphql",
            Some(json!({"query": query})),
            &[],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body
}

const COUNTS: &str = "{ analytics(from: \"2026-11-01\", to: \"2026-11-30\") { \
    daily { voucherType status count total } } }";

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_tenant_reads_none_of_another_tenants_invoices(pool: sqlx::PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let other = TestApp::new_tenant(&app.store, "other").await;
    app.register_issuer(&other, crate::helpers::RI_CUIT, "responsable_inscripto")
        .await;
    let (mine_id, _) = request(&app, &app.key, factura_b()).await;
    let (first, _) = request(&app, &other, factura_a()).await;
    let (second, last) = request(&app, &other, factura_a()).await;
    project(&app, last).await;

    let list = "{ invoices(first: 100) { nodes { id } } }";
    let ids = |answer: &Value| -> Vec<String> {
        answer["data"]["invoices"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(&graphql(&app, &app.key, list).await),
        vec![mine_id.as_str()]
    );
    let mut theirs = ids(&graphql(&app, &other, list).await);
    theirs.sort();
    let mut expected = vec![first.clone(), second];
    expected.sort();
    assert_eq!(theirs, expected);
    for (key, id) in [(&app.key, &first), (&other, &mine_id)] {
        let query = format!("{{ invoice(id: \"{id}\") {{ id events {{ eventId }} }} }}");
        let answer = graphql(&app, key, &query).await;
        assert_eq!(answer, json!({"data": {"invoice": null}}));
    }

    let mine = graphql(&app, &app.key, COUNTS).await;
    assert_eq!(
        mine["data"]["analytics"]["daily"],
        json!([{"voucherType": 6, "status": "requested", "count": 1, "total": "20470.00"}]),
        "{mine}"
    );
    let theirs = graphql(&app, &other, COUNTS).await;
    assert_eq!(
        theirs["data"]["analytics"]["daily"],
        json!([{"voucherType": 1, "status": "requested", "count": 2, "total": "837.22"}]),
        "{theirs}"
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn graphql_without_a_valid_key_is_unauthorized(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let body = json!({"query": COUNTS});
    let anonymous = app
        .raw(app.client.post(app.url("/graphql")).json(&body))
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.code(), "unauthorized");
    assert_eq!(
        anonymous.headers["content-type"],
        "application/problem+json"
    );
    let forged = app
        .call_as("ak_garbage", Method::POST, "/graphql", Some(body), &[])
        .await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn graphiql_is_off_unless_enabled(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let page = app.raw(app.client.get(app.url("/graphql"))).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(page.code(), "not_found");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn query_durations_are_recorded_by_outcome(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    graphql(&app, &app.key, COUNTS).await;
    let refused = graphql(&app, &app.key, "{ nothingHere }").await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "invalid_query");
    let text = app.metrics_text().await;
    for outcome in ["ok", "error"] {
        let line = format!("graphql_query_duration_seconds_count{{outcome=\"{outcome}\"}} 1");
        assert!(text.contains(&line), "no {line} in:\n{text}");
    }
}

/// However a query is too big (over the body limit, too deep, too costly, or too long to parse),
/// the refusal says so without quoting the query back.
#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_oversized_query_is_refused_without_being_quoted(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let marker = "needleInTheQuery";
    let post = |query: String| {
        app.call_as(
            &app.key,
            Method::POST,
            "/graphql",
            Some(json!({"query": query})),
            &[],
        )
    };
    // Over the test app's 64 KiB body limit.
    let huge = format!("{{ {} }}", format!("{marker} ").repeat(5_000));
    let answer = post(huge).await;
    assert_eq!(
        answer.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        answer.body
    );
    assert_eq!(answer.code(), "body_too_large");
    assert!(!answer.body.to_string().contains(marker), "{}", answer.body);

    let mut deep = format!("{marker}: name");
    for _ in 0..20 {
        deep = format!("ofType {{ {deep} }}");
    }
    let deep = format!("{{ __schema {{ types {{ fields {{ type {{ {deep} }} }} }} }} }}");
    let nested = format!("{}{marker}{}", "{ a ".repeat(40), " }".repeat(40));
    let costly: String = (0..60)
        .map(|i| format!("{marker}{i}: invoices(first: 100) {{ nodes {{ id }} }} "))
        .collect();
    let unparsed = format!("{{ {} (", format!("{marker} ").repeat(3_000));
    for (query, code) in [
        (deep, "query_too_deep"),
        (nested, "invalid_query"),
        (format!("{{ {costly} }}"), "query_too_complex"),
        (unparsed, "invalid_query"),
    ] {
        let answer = post(query).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let text = answer.body.to_string();
        assert_eq!(
            answer.body["errors"][0]["extensions"]["code"], code,
            "{text:.500}"
        );
        assert!(!text.contains(marker), "{text:.500}");
    }
}

/// NUL in a GraphQL argument is refused before it reaches the database: `invalid_character`
/// naming the argument, never a database error.
#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn nul_in_a_graphql_argument_is_an_invalid_character(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let body = json!({
        "query": "query($name: String) { invoices(filter: { receiverName: $name }) { nodes { id } } }",
        "variables": {"name": "a\u{0}b"},
    });
    let answer = app
        .call_as(&app.key, Method::POST, "/graphql", Some(body), &[])
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let error = &answer.body["errors"][0];
    assert_eq!(
        error["extensions"]["code"], "invalid_character",
        "{}",
        answer.body
    );
    assert_eq!(
        error["extensions"]["arguments"],
        json!(["filter.receiverName"])
    );
    assert!(answer.body["data"].is_null(), "{}", answer.body);
}
