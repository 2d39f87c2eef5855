//! The receiver's email and postal address: refused when the email is not an address, kept and
//! shown by REST and GraphQL otherwise.

use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;

use crate::graphql::graphql;
use crate::helpers::{TestApp, factura_b};

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_receiver_email_that_is_not_an_address_is_422_invalid_email_and_writes_nothing(
    pool: PgPool,
) {
    let app = TestApp::with_issuer(pool.clone()).await;
    for bad in [
        "cliente",
        "cliente@localhost",
        "a b@example.com",
        " cliente@example.com",
    ] {
        let mut body = factura_b();
        body["receiver"]["email"] = json!(bad);
        let answer = app.post("/v1/invoices", body).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad:?}: {}",
            answer.body
        );
        assert_eq!(answer.headers["content-type"], "application/problem+json");
        assert_eq!(answer.code(), "invalid_email", "{}", answer.body);
        assert_eq!(answer.body["errors"][0]["field"], "receiver.email");
        assert_eq!(answer.body["errors"][0]["code"], "invalid_email");
    }
    let (invoices,): (i64,) =
        sqlx::query_as("select count(*) from es.events where event_type = 'invoice.requested'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(invoices, 0);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_address_longer_than_300_characters_is_422_naming_it(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let mut body = factura_b();
    body["receiver"]["address"] = json!("x".repeat(301));
    let answer = app.post("/v1/invoices", body).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert_eq!(answer.code(), "invalid_address", "{}", answer.body);
    assert_eq!(answer.body["errors"][0]["field"], "receiver.address");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn the_receivers_email_and_address_read_back_over_rest_and_graphql(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let mut body = factura_b();
    body["receiver"]["email"] = json!("compras@cliente.com.ar");
    body["receiver"]["address"] = json!("  Av. Corrientes 1234, CABA ");
    let created = app.post("/v1/invoices", body).await;
    assert_eq!(created.status, StatusCode::ACCEPTED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap();

    let read = app.get_after(&format!("/v1/invoices/{id}"), &created).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert_eq!(read.body["receiver"]["email"], "compras@cliente.com.ar");
    assert_eq!(
        read.body["receiver"]["address"],
        "Av. Corrientes 1234, CABA"
    );

    let plain = app.post("/v1/invoices", factura_b()).await;
    let read = app
        .get_after(
            &format!("/v1/invoices/{}", plain.body["id"].as_str().unwrap()),
            &plain,
        )
        .await;
    assert!(read.body["receiver"]["email"].is_null(), "{}", read.body);
    assert!(read.body["receiver"]["address"].is_null(), "{}", read.body);

    let query = format!(r#"{{ invoice(id: "{id}") {{ receiver {{ email address }} }} }}"#);
    let answer = graphql(&app, &app.key, &query).await;
    assert_eq!(
        answer["data"]["invoice"]["receiver"],
        json!({"email": "compras@cliente.com.ar", "address": "Av. Corrientes 1234, CABA"}),
        "{answer}"
    );
}
