use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

use crate::helpers::{TestApp, factura_a, factura_b, factura_c};

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn accepts_a_factura_b_with_its_computed_totals(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let answer = app.post("/v1/invoices", factura_b()).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    let id = answer.body["id"].as_str().unwrap();
    assert_eq!(
        answer.headers["location"].to_str().unwrap(),
        format!("/v1/invoices/{id}")
    );
    assert_eq!(answer.body["status"], "requested");
    assert_eq!(answer.body["letter"], "B");
    let totals = &answer.body["totals"];
    assert_eq!(totals["net"], "7000.00");
    assert_eq!(totals["exempt"], "12000.00");
    assert_eq!(totals["iva"], "1470.00");
    assert_eq!(totals["not_taxed"], "0.00");
    assert_eq!(totals["total"], "20470.00");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn computes_iva_per_rate_for_a_factura_a(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let answer = app.post("/v1/invoices", factura_a()).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    let totals = &answer.body["totals"];
    assert_eq!(totals["net"], "350.30");
    assert_eq!(totals["iva"], "68.31");
    assert_eq!(totals["total"], "418.61");
    let iva = answer.body["iva"].as_array().unwrap();
    assert_eq!(iva.len(), 2);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn accepts_a_factura_c_without_iva(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let answer = app.post("/v1/invoices", factura_c()).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    assert_eq!(answer.body["totals"]["iva"], "0.00");
    assert_eq!(answer.body["totals"]["total"], "15000.00");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn serves_the_state_and_the_event_history_of_an_invoice(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let created = app.post("/v1/invoices", factura_b()).await;
    let id = created.body["id"].as_str().unwrap();

    let state = app.get_after(&format!("/v1/invoices/{id}"), &created).await;
    assert_eq!(state.status, StatusCode::OK, "{}", state.body);
    assert_eq!(state.body["id"], id);
    assert_eq!(state.body["status"], "requested");
    assert_eq!(state.body["totals"], created.body["totals"]);
    assert_eq!(state.body["receiver"]["document_type"], 99);
    assert_eq!(state.body["items"].as_array().unwrap().len(), 2);

    let history = app.get(&format!("/v1/invoices/{id}/events")).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.body);
    let events = history.body["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["event_type"], "invoice.requested");
    assert_eq!(events[0]["stream_version"], 0);
    assert!(
        events[0]["metadata"]["actor"]
            .as_str()
            .unwrap()
            .starts_with("api-key:")
    );
    assert!(events[0]["metadata"]["request_id"].is_string());
    assert!(events[0]["recorded_at"].is_string());
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn another_tenant_cannot_see_an_invoice(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let created = app.post("/v1/invoices", factura_b()).await;
    let id = created.body["id"].as_str().unwrap();
    let own = app.get_after(&format!("/v1/invoices/{id}"), &created).await;
    assert_eq!(
        own.status,
        StatusCode::OK,
        "the owner sees it once projected"
    );
    let intruder = TestApp::new_tenant(&app.store, "intruder").await;
    let position = created.headers["arca-position"].to_str().unwrap();
    for path in [
        format!("/v1/invoices/{id}"),
        format!("/v1/invoices/{id}/events"),
    ] {
        let headers = [("arca-read-after", position)];
        let answer = app
            .call_as(&intruder, Method::GET, &path, None, &headers)
            .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(answer.code(), "not_found", "{path}");
    }
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn another_tenant_cannot_invoice_for_an_issuer_it_did_not_register(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let intruder = TestApp::new_tenant(&app.store, "intruder").await;
    let answer = app
        .call_as(
            &intruder,
            Method::POST,
            "/v1/invoices",
            Some(factura_b()),
            &[],
        )
        .await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert_eq!(answer.code(), "issuer_not_registered");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn the_same_idempotency_key_and_body_returns_the_first_answer(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let key = [("idempotency-key", "order-1001")];
    let first = app.post_with("/v1/invoices", factura_b(), &key).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.body);
    // The same JSON, formatted differently, is the same request.
    let text = serde_json::to_string_pretty(&factura_b()).unwrap();
    let request = app
        .client
        .post(app.url("/v1/invoices"))
        .bearer_auth(&app.key)
        .header("idempotency-key", "order-1001")
        .header("content-type", "application/json")
        .body(text);
    let second = app.raw(request).await;
    assert_eq!(second.status, StatusCode::ACCEPTED, "{}", second.body);
    assert_eq!(second.body, first.body);
    assert_eq!(second.headers["idempotent-replayed"], "true");
    let id = first.body["id"].as_str().unwrap();
    let history = app.get(&format!("/v1/invoices/{id}/events")).await;
    assert_eq!(history.body["events"].as_array().unwrap().len(), 1);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_reused_idempotency_key_with_another_body_is_a_conflict(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let key = [("idempotency-key", "order-1002")];
    let first = app.post_with("/v1/invoices", factura_b(), &key).await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    let mut other = factura_b();
    other["items"][0]["quantity"] = json!("3");
    let second = app.post_with("/v1/invoices", other, &key).await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.body);
    assert_eq!(second.code(), "idempotency_key_reused");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn concurrent_retries_with_one_idempotency_key_create_one_invoice(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let key = [("idempotency-key", "order-race")];
    let answers =
        futures::future::join_all((0..8).map(|_| app.post_with("/v1/invoices", factura_b(), &key)))
            .await;
    let ids: std::collections::BTreeSet<_> = answers
        .iter()
        .map(|a| {
            assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
            a.body["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1);
    let id = ids.into_iter().next().unwrap();
    let history = app.get(&format!("/v1/invoices/{id}/events")).await;
    assert_eq!(history.body["events"].as_array().unwrap().len(), 1);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn idempotency_keys_are_scoped_to_the_tenant(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let other = TestApp::new_tenant(&app.store, "other").await;
    app.register_issuer(&other, crate::helpers::RI_CUIT, "responsable_inscripto")
        .await;
    let key = [("idempotency-key", "shared-key")];
    let mine = app.post_with("/v1/invoices", factura_b(), &key).await;
    let theirs = app
        .call_as(
            &other,
            Method::POST,
            "/v1/invoices",
            Some(factura_b()),
            &key,
        )
        .await;
    assert_eq!(mine.status, StatusCode::ACCEPTED);
    assert_eq!(theirs.status, StatusCode::ACCEPTED, "{}", theirs.body);
    assert_ne!(mine.body["id"], theirs.body["id"]);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_point_of_sale_added_through_another_instance_is_usable_at_once(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    // This instance now holds the issuer with point of sale 1 only.
    assert_eq!(
        app.post("/v1/invoices", factura_b()).await.status,
        StatusCode::ACCEPTED
    );
    let other = app.another_instance().await;
    let path = format!("/v1/taxpayers/{}/points-of-sale", crate::helpers::RI_CUIT);
    let added = other.post(&path, json!({"number": 2})).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);

    let mut body = factura_b();
    body["point_of_sale"] = json!(2);
    let answer = app.post("/v1/invoices", body).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    assert_eq!(answer.body["point_of_sale"], 2);

    let mut unknown = factura_b();
    unknown["point_of_sale"] = json!(3);
    let refused = app.post("/v1/invoices", unknown).await;
    assert_eq!(refused.code(), "unknown_point_of_sale");
}
