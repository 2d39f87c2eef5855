//! `GET /metrics`: route templates as labels, never a raw path, id or CUIT.

use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{MONO_CUIT, RI_CUIT, TestApp, factura_b};
use crate::prom::sample;

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn counts_requests_by_route_template_and_status(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let accepted = app.post("/v1/invoices", factura_b()).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.body);
    let id = accepted.body["id"].as_str().unwrap().to_owned();
    let found = app
        .get_after(&format!("/v1/invoices/{id}"), &accepted)
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    // A monotributista cannot issue a Factura B: the domain refuses it.
    let mut refused = factura_b();
    refused["issuer_cuit"] = json!(MONO_CUIT);
    let refused = app.post("/v1/invoices", refused).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let missing = Uuid::now_v7();
    let not_found = app.get(&format!("/v1/invoices/{missing}")).await;
    assert_eq!(
        not_found.status,
        StatusCode::NOT_FOUND,
        "{}",
        not_found.body
    );
    let no_route = app.get(&format!("/v1/nowhere/{missing}")).await;
    assert_eq!(no_route.status, StatusCode::NOT_FOUND);

    let text = app.metrics_text().await;
    let requests = |method: &str, route: &str, status: &str| {
        sample(
            &text,
            "http_requests_total",
            &[("method", method), ("route", route), ("status", status)],
        )
    };
    assert_eq!(requests("POST", "/v1/invoices", "202"), Some(1.0), "{text}");
    assert_eq!(requests("POST", "/v1/invoices", "422"), Some(1.0), "{text}");
    assert_eq!(
        requests("GET", "/v1/invoices/{id}", "200"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        requests("GET", "/v1/invoices/{id}", "404"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(requests("GET", "unmatched", "404"), Some(1.0), "{text}");
    assert_eq!(
        requests("POST", "/v1/taxpayers/{cuit}/points-of-sale", "201"),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "http_request_duration_seconds_count",
            &[("method", "GET"), ("route", "/v1/invoices/{id}")],
        ),
        Some(2.0),
        "{text}"
    );
    let commands = |command: &str, outcome: &str| {
        sample(
            &text,
            "commands_total",
            &[("command", command), ("outcome", outcome)],
        )
    };
    assert_eq!(commands("invoice", "ok"), Some(1.0), "{text}");
    assert_eq!(commands("invoice", "rejected"), Some(1.0), "{text}");
    assert_eq!(commands("taxpayer", "ok"), Some(4.0), "{text}");
    // Every append of the test went through the group commit (tenant, taxpayers, invoice).
    let appends = sample(&text, "eventstore_appends_total", &[]).unwrap();
    assert!(appends >= 6.0, "{text}");
    let batches = sample(&text, "eventstore_group_commit_batches_total", &[]).unwrap();
    assert!(batches >= 1.0 && batches <= appends, "{text}");
    assert_eq!(
        sample(&text, "eventstore_group_commit_batch_size_sum", &[]),
        Some(appends),
        "{text}"
    );

    for raw in [id.as_str(), &missing.to_string(), RI_CUIT, MONO_CUIT] {
        assert!(
            !text.contains(raw),
            "{raw} leaked into the metrics:\n{text}"
        );
    }
    assert!(!text.contains("/v1/nowhere"), "{text}");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn is_not_in_the_openapi_document(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let document = app.raw(app.client.get(app.url("/openapi.json"))).await;
    assert_eq!(document.status, StatusCode::OK);
    assert!(document.body["paths"]["/metrics"].is_null());
    assert!(document.body["paths"]["/v1/invoices/{id}"].is_object());
}
