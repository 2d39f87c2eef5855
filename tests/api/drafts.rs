use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

use crate::helpers::{RI_CUIT, TestApp};

const CONSULTING: &str = "Factura B a consumidor final por 2 horas de consultoría a $5000 + IVA";

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn reads_a_factura_b_for_a_final_consumer_from_spanish(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let body = json!({"text": CONSULTING, "issuer_cuit": RI_CUIT});
    let draft = app.post("/v1/invoice-drafts", body).await;
    assert_eq!(draft.status, StatusCode::OK, "{}", draft.body);
    let d = &draft.body;
    assert_eq!(d["text"], CONSULTING);
    assert_eq!(d["voucher_type"], 6);
    assert_eq!(d["concept"], 2);
    assert_eq!(d["receiver"]["document_type"], 99);
    assert_eq!(d["receiver"]["iva_condition"], 5);
    assert_eq!(d["currency"], "PES");
    assert_eq!(d["items"].as_array().unwrap().len(), 1);
    assert_eq!(d["items"][0]["quantity"], "2");
    assert_eq!(d["items"][0]["unit_price"], "5000.00");
    assert_eq!(d["items"][0]["iva_rate"], "21");
    assert_eq!(d["items"][0]["description"], "Horas de consultoría");
    assert_eq!(d["missing"], json!(["service_period", "payment_due"]));
    assert_eq!(d["assumed"], json!(["IVA 21 % por defecto"]));
    assert_eq!(d["problems"], json!([]));
    let voucher = d["confidence"]["voucher_type"].as_f64().unwrap();
    assert!(voucher > 0.5 && voucher <= 1.0, "{voucher}");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn the_same_text_gives_the_same_draft_id_per_tenant(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let first = app
        .post("/v1/invoice-drafts", json!({"text": CONSULTING}))
        .await;
    let padded = format!("  {CONSULTING}\n");
    let second = app
        .post("/v1/invoice-drafts", json!({"text": padded}))
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["id"], second.body["id"]);
    let other = app
        .post("/v1/invoice-drafts", json!({"text": "Factura C por $100"}))
        .await;
    assert_ne!(first.body["id"], other.body["id"]);

    let stranger = TestApp::new_tenant(&app.store, "other").await;
    let theirs = app
        .call_as(
            &stranger,
            Method::POST,
            "/v1/invoice-drafts",
            Some(json!({"text": CONSULTING})),
            &[],
        )
        .await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.body);
    assert_ne!(first.body["id"], theirs.body["id"]);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_text_without_an_amount_says_the_items_are_missing(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let body =
        json!({"text": "Factura B a consumidor final por consultoría", "issuer_cuit": RI_CUIT});
    let draft = app.post("/v1/invoice-drafts", body).await;
    assert_eq!(draft.status, StatusCode::OK, "{}", draft.body);
    let missing = draft.body["missing"].as_array().unwrap();
    assert!(missing.contains(&json!("items")), "{}", draft.body);
    assert_eq!(draft.body["items"], json!([]));
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn empty_and_overlong_texts_answer_a_draft_that_says_so(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    for (text, code) in [
        (String::new(), "empty_text"),
        ("   ".to_owned(), "empty_text"),
        ("a".repeat(10_001), "text_too_long"),
    ] {
        let draft = app.post("/v1/invoice-drafts", json!({"text": text})).await;
        assert_eq!(draft.status, StatusCode::OK, "{}", draft.body);
        assert_eq!(draft.body["problems"][0]["field"], "text");
        assert_eq!(draft.body["problems"][0]["code"], code);
    }
    let fits = app
        .post("/v1/invoice-drafts", json!({"text": "a".repeat(10_000)}))
        .await;
    assert_eq!(fits.status, StatusCode::OK);
    assert_eq!(
        fits.body["problems"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["field"] == "text")
            .count(),
        0
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_issuer_of_another_tenant_or_a_bad_cuit_is_refused(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let stranger = TestApp::new_tenant(&app.store, "other").await;
    let body = json!({"text": CONSULTING, "issuer_cuit": RI_CUIT});
    let theirs = app
        .call_as(
            &stranger,
            Method::POST,
            "/v1/invoice-drafts",
            Some(body),
            &[],
        )
        .await;
    assert_eq!(
        theirs.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        theirs.body
    );
    assert_eq!(theirs.body["errors"][0]["code"], "issuer_not_registered");

    let bad = json!({"text": CONSULTING, "issuer_cuit": "20267565394"});
    let answer = app.post("/v1/invoice-drafts", bad).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.field_errors_of("issuer_cuit"), 1);

    let unknown = json!({"text": CONSULTING, "source": "model"});
    let answer = app.post("/v1/invoice-drafts", unknown).await;
    assert!(answer.status.is_client_error(), "{}", answer.body);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_receiver_invoiced_before_is_recognised_by_name(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let mut invoice = crate::helpers::factura_a();
    invoice["receiver"]["name"] = json!("Juan Pérez");
    let requested = app.post("/v1/invoices", invoice).await;
    assert_eq!(requested.status, StatusCode::ACCEPTED, "{}", requested.body);
    let id = requested.body["id"].as_str().unwrap().to_owned();
    let read = app
        .get_after(&format!("/v1/invoices/{id}"), &requested)
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);

    let text = "Factura A para juan perez por 3 horas de consultoría a $5000 + IVA";
    let draft = app
        .post(
            "/v1/invoice-drafts",
            json!({"text": text, "issuer_cuit": RI_CUIT}),
        )
        .await;
    assert_eq!(draft.status, StatusCode::OK, "{}", draft.body);
    let receiver = &draft.body["receiver"];
    assert_eq!(receiver["document_type"], 80, "{}", draft.body);
    assert_eq!(receiver["document_number"], "30000000007");
    assert_eq!(receiver["iva_condition"], 1);

    // Another tenant has never invoiced him: nothing to recognise.
    let stranger = TestApp::new_tenant(&app.store, "other").await;
    let theirs = app
        .call_as(
            &stranger,
            Method::POST,
            "/v1/invoice-drafts",
            Some(json!({"text": text})),
            &[],
        )
        .await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.body);
    assert_ne!(theirs.body["receiver"]["document_number"], "30000000007");
}
