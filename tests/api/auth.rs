use reqwest::{Method, StatusCode};
use sqlx::PgPool;

use crate::helpers::{TestApp, factura_b};

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn requests_without_a_valid_key_are_unauthorized(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let anonymous = app
        .raw(app.client.post(app.url("/v1/invoices")).json(&factura_b()))
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.code(), "unauthorized");

    // A well-formed token whose secret is wrong.
    let mut forged = app.key.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == '0' { '1' } else { '0' });
    for key in [forged.as_str(), "ak_garbage", ""] {
        let answer = app
            .call_as(key, Method::POST, "/v1/invoices", Some(factura_b()), &[])
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "key {key:?}");
    }
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_valid_key_is_accepted(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let answer = app.post("/v1/invoices", factura_b()).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
}

/// A `401` is a problem document like any other: it quotes the request id (the client's own when
/// it sent one), on the REST API and on `/graphql` alike.
#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_unauthorized_answer_quotes_its_request_id(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let graphql = serde_json::json!({"query": "{ invoices { nodes { id } } }"});
    for (path, body) in [("/v1/invoices", factura_b()), ("/graphql", graphql)] {
        let anonymous = app.raw(app.client.post(app.url(path)).json(&body)).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(
            anonymous.headers["content-type"], "application/problem+json",
            "{path}"
        );
        let given = anonymous.headers["x-request-id"].to_str().unwrap();
        assert_eq!(
            anonymous.body["request_id"], given,
            "{path}: {}",
            anonymous.body
        );

        let quoted = app
            .call_as(
                "ak_garbage",
                Method::POST,
                path,
                Some(body),
                &[("x-request-id", "support-ticket-42")],
            )
            .await;
        assert_eq!(quoted.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(
            quoted.body["request_id"], "support-ticket-42",
            "{path}: {}",
            quoted.body
        );
    }
}
