use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

use crate::helpers::{RI_CUIT, TestApp};

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn registers_an_issuer_and_its_points_of_sale(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let body = json!({"cuit": "20-26756539-3", "legal_name": "Demo SRL", "iva_condition": "responsable_inscripto"});
    let created = app.post("/v1/taxpayers", body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.headers["location"], "/v1/taxpayers/20267565393");
    assert_eq!(created.headers["etag"], "\"0\"");

    let pos = app
        .post_with(
            "/v1/taxpayers/20267565393/points-of-sale",
            json!({"number": 3, "name": "Sucursal"}),
            &[("if-match", "\"0\"")],
        )
        .await;
    assert_eq!(pos.status, StatusCode::CREATED, "{}", pos.body);
    assert_eq!(pos.headers["etag"], "\"1\"");

    let state = app.get("/v1/taxpayers/20267565393").await;
    assert_eq!(state.status, StatusCode::OK);
    assert_eq!(state.body["legal_name"], "Demo SRL");
    assert_eq!(state.body["points_of_sale"][0]["number"], 3);
    assert_eq!(state.headers["etag"], "\"1\"");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_stale_expected_version_is_a_conflict_and_writes_nothing(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await; // RI_CUIT is at version 1 (registered + pos 1)
    let path = format!("/v1/taxpayers/{RI_CUIT}/points-of-sale");
    let stale = app
        .post_with(&path, json!({"number": 2}), &[("if-match", "\"0\"")])
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert_eq!(stale.code(), "version_conflict");
    let state = app.get(&format!("/v1/taxpayers/{RI_CUIT}")).await;
    assert_eq!(state.body["points_of_sale"].as_array().unwrap().len(), 1);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn concurrent_additions_without_if_match_all_land(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let path = format!("/v1/taxpayers/{RI_CUIT}/points-of-sale");
    let answers =
        futures::future::join_all((2..10).map(|n| app.post(&path, json!({"number": n})))).await;
    for answer in &answers {
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    }
    let state = app.get(&format!("/v1/taxpayers/{RI_CUIT}")).await;
    assert_eq!(state.body["points_of_sale"].as_array().unwrap().len(), 9);
    assert_eq!(state.headers["etag"], "\"9\"");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn registration_rules_get_their_own_codes(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let bad = app
        .post(
            "/v1/taxpayers",
            json!({"cuit": "20123456789", "legal_name": "X", "iva_condition": "monotributo"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.code(), "invalid_cuit");

    let again = app
        .post(
            "/v1/taxpayers",
            json!({"cuit": RI_CUIT, "legal_name": "X", "iva_condition": "monotributo"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "already_registered");

    let pos = app
        .post(
            &format!("/v1/taxpayers/{RI_CUIT}/points-of-sale"),
            json!({"number": 1}),
        )
        .await;
    assert_eq!(pos.status, StatusCode::CONFLICT);
    assert_eq!(pos.code(), "point_of_sale_exists");

    let unknown = app
        .post(
            "/v1/taxpayers/30000000007/points-of-sale",
            json!({"number": 1}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn tenants_register_the_same_cuit_independently(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let other = TestApp::new_tenant(&app.store, "accountant").await;
    let theirs = app
        .call_as(
            &other,
            Method::GET,
            &format!("/v1/taxpayers/{RI_CUIT}"),
            None,
            &[],
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    app.register_issuer(&other, RI_CUIT, "responsable_inscripto")
        .await;
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_issuer_keeps_what_its_printed_vouchers_show(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let body = json!({
        "cuit": "20-26756539-3", "legal_name": "Demo SRL", "iva_condition": "responsable_inscripto",
        "address": " Av. Corrientes 1234, CABA ", "gross_income_number": "901-123456-7",
        "activity_start_date": "2010-03-01"
    });
    let created = app.post("/v1/taxpayers", body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let state = app.get("/v1/taxpayers/20267565393").await;
    assert_eq!(state.body["address"], "Av. Corrientes 1234, CABA");
    assert_eq!(state.body["gross_income_number"], "901-123456-7");
    assert_eq!(state.body["activity_start_date"], "2010-03-01");

    let bad = app
        .post(
            "/v1/taxpayers",
            json!({"cuit": "20111111112", "legal_name": "X", "iva_condition": "monotributo",
                   "activity_start_date": "01/03/2010", "address": "x".repeat(201)}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.body["errors"][0]["field"], "activity_start_date");
    assert_eq!(bad.body["errors"][0]["code"], "invalid_date");
    let absent = app.get("/v1/taxpayers/20111111112").await;
    assert_eq!(absent.status, StatusCode::NOT_FOUND, "nothing was written");
}
