use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;

use crate::helpers::{TestApp, factura_a, factura_b, factura_c};

async fn rejected(app: &TestApp, body: serde_json::Value) -> crate::helpers::Answer {
    let answer = app.post("/v1/invoices", body).await;
    assert!(
        answer.status.is_client_error(),
        "{} {}",
        answer.status,
        answer.body
    );
    assert_eq!(
        answer.headers["content-type"], "application/problem+json",
        "{}",
        answer.body
    );
    assert!(answer.body["request_id"].is_string(), "{}", answer.body);
    answer
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_bad_receiver_cuit_is_named(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let mut body = factura_a();
    body["receiver"]["document_number"] = json!("20123456789");
    let answer = rejected(&app, body).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.code(), "invalid_cuit");
    assert_eq!(
        answer.body["errors"][0]["field"],
        "receiver.document_number"
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_bad_issuer_cuit_is_named(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let mut body = factura_b();
    body["issuer_cuit"] = json!("20123456783");
    let answer = rejected(&app, body).await;
    assert_eq!(answer.code(), "invalid_cuit");
    assert_eq!(answer.body["errors"][0]["field"], "issuer_cuit");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn declared_totals_that_do_not_add_up_are_refused(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let mut body = factura_b();
    body["totals"] =
        json!({"net": "7000.00", "iva": "1470.00", "exempt": "12000.00", "total": "20500.00"});
    let answer = rejected(&app, body).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.code(), "totals_mismatch");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn iva_on_a_c_voucher_is_refused(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let mut body = factura_c();
    body["items"][0]["iva_rate"] = json!("21");
    let answer = rejected(&app, body).await;
    assert_eq!(answer.code(), "iva_on_c_voucher");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn services_without_service_dates_are_refused(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let mut body = factura_b();
    body["concept"] = json!(2);
    let answer = rejected(&app, body).await;
    assert_eq!(answer.code(), "service_dates_required");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_date_outside_the_window_is_refused(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let mut body = factura_b();
    body["issue_date"] = json!("2026-11-10");
    let answer = rejected(&app, body).await;
    assert_eq!(answer.code(), "voucher_date_out_of_window");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn several_invalid_fields_are_listed_together(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let mut body = factura_b();
    body["voucher_type"] = json!(777);
    body["currency"] = json!("XXX");
    let answer = rejected(&app, body).await;
    assert_eq!(answer.code(), "validation_failed");
    let fields: Vec<_> = answer.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert!(fields.contains(&"voucher_type".to_owned()), "{fields:?}");
    assert!(fields.contains(&"currency".to_owned()), "{fields:?}");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn malformed_and_oversized_bodies_get_problems(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let post = |body: String, content_type: &str| {
        app.client
            .post(app.url("/v1/invoices"))
            .bearer_auth(&app.key)
            .header("content-type", content_type)
            .body(body)
    };
    let syntax = app
        .raw(post("{\"issuer_cuit\":".into(), "application/json"))
        .await;
    assert_eq!(syntax.status, StatusCode::BAD_REQUEST);
    assert_eq!(syntax.code(), "malformed_json");

    let media = app.raw(post("{}".into(), "text/plain")).await;
    assert_eq!(media.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(media.code(), "unsupported_media_type");

    let shape = app
        .raw(post("{\"items\": 3}".into(), "application/json"))
        .await;
    assert_eq!(shape.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(shape.code(), "invalid_type");
    assert_eq!(shape.body["errors"][0]["field"], "items");
    assert_eq!(shape.body["detail"], "`items` must be a list, not a number");

    let list = app.raw(post("[1, 2]".into(), "application/json")).await;
    assert_eq!(list.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        list.body["detail"],
        "the body must be a JSON object, not a list"
    );

    let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(100 * 1024));
    let big = app.raw(post(huge, "application/json")).await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(big.code(), "body_too_large");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn unknown_routes_methods_and_ids_get_problems(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let route = app.get("/v1/nothing-here").await;
    assert_eq!(route.status, StatusCode::NOT_FOUND);
    assert_eq!(route.code(), "not_found");
    assert!(route.body["request_id"].is_string());

    let id = app.get("/v1/invoices/not-a-uuid").await;
    assert_eq!(id.status, StatusCode::BAD_REQUEST);
    assert_eq!(id.code(), "invalid_path_parameter");
    assert!(id.body["request_id"].is_string());
    let detail = id.body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.starts_with("`id` in the path must be a UUID") && !detail.contains("Uuid"),
        "{detail}"
    );
    let number = app.get("/v1/taxpayers/20267565393/series/1/x").await;
    assert_eq!(number.code(), "invalid_path_parameter");
    let detail = number.body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.starts_with("`voucher_type` in the path must be a whole number from 1 to 999"),
        "{detail}"
    );

    let missing = app
        .get(&format!("/v1/invoices/{}", uuid::Uuid::now_v7()))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.code(), "not_found");

    let method = app
        .raw(
            app.client
                .delete(app.url("/v1/invoices"))
                .bearer_auth(&app.key),
        )
        .await;
    assert_eq!(method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(method.code(), "method_not_allowed");
}

/// A value of the wrong type is named by its path and explained in words, never with the
/// server's type names; a misspelt query parameter is named rather than ignored.
#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn wrong_types_and_unknown_parameters_are_explained_in_plain_words(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let mut body = factura_b();
    body["receiver"]["document_type"] = json!("ninety-nine");
    let refused = app.post("/v1/invoices", body).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.code(), "invalid_type");
    assert_eq!(refused.body["errors"][0]["field"], "receiver.document_type");
    let detail = refused.body["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        detail.starts_with("`receiver.document_type` must be a whole number from 0 to 999"),
        "{detail}"
    );
    for rust in [
        "u16", "u32", "u64", "Decimal", "struct", "sequence", "expected",
    ] {
        assert!(!detail.contains(rust), "{detail}");
    }

    let mut body = factura_b();
    body["items"][0]["quantity"] = json!([2]);
    let refused = app.post("/v1/invoices", body).await;
    assert_eq!(
        refused.body["detail"],
        "`items[0].quantity` must be a decimal number as a string, e.g. \"1210.50\", not a list"
    );

    let misspelt = app.get("/v1/invoices?stauts=authorized").await;
    assert_eq!(misspelt.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(misspelt.code(), "unknown_parameter");
    assert_eq!(misspelt.body["errors"][0]["field"], "stauts");

    let nul = app.get("/v1/invoices?receiver_name=a%00b").await;
    assert_eq!(nul.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(nul.code(), "invalid_character");
    assert_eq!(nul.body["errors"][0]["field"], "receiver_name");
}
