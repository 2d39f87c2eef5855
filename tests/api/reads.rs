//! REST reads from the invoices read model: one invoice, filtered pages, read-your-writes.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use sqlx::PgPool;

use crate::helpers::{Answer, TestApp, factura_a, factura_b};

fn ids(page: &Answer) -> Vec<String> {
    page.body["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_invoice_reads_back_from_the_read_model_once_its_position_is_reached(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let created = app.post("/v1/invoices", factura_a()).await;
    assert_eq!(created.status, StatusCode::ACCEPTED, "{}", created.body);
    assert!(created.headers.contains_key("arca-position"));
    let id = created.body["id"].as_str().unwrap();

    let read = app.get_after(&format!("/v1/invoices/{id}"), &created).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert!(!read.headers.contains_key("arca-read-stale"));
    let body = &read.body;
    assert_eq!(body["status"], "requested");
    assert_eq!(body["version"], 0);
    assert_eq!(body["issuer_cuit"], "20267565393");
    assert_eq!(body["receiver"]["document_number"], "30000000007");
    assert_eq!(body["receiver"]["name"], "Cliente SA");
    assert_eq!(body["totals"], created.body["totals"]);
    assert_eq!(body["iva"], created.body["iva"]);
    assert_eq!(body["items"][0]["description"], "Servicio");
    assert_eq!(body["items"][0]["net"], "300.30");
    assert!(body["qr_url"].is_null(), "no QR before the CAE");
    assert!(body["cae"].is_null());
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn lists_the_tenants_invoices_filtered_and_in_pages(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let mut mine = BTreeSet::new();
    let mut last = None;
    for body in [factura_b(), factura_b(), factura_a()] {
        let created = app.post("/v1/invoices", body).await;
        mine.insert(created.body["id"].as_str().unwrap().to_owned());
        last = Some(created);
    }
    let last = last.unwrap();
    let other = TestApp::new_tenant(&app.store, "other").await;
    app.register_issuer(&other, "20111111112", "responsable_inscripto")
        .await;

    let all = app.get_after("/v1/invoices", &last).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(ids(&all).into_iter().collect::<BTreeSet<_>>(), mine);
    let theirs = app
        .call_as(&other, Method::GET, "/v1/invoices", None, &[])
        .await;
    assert_eq!(
        ids(&theirs),
        Vec::<String>::new(),
        "another tenant sees nothing of mine"
    );

    let only_a = app
        .get("/v1/invoices?voucher_type=1&receiver_name=cliente")
        .await;
    assert_eq!(ids(&only_a).len(), 1);
    let first = app.get("/v1/invoices?limit=2").await;
    assert_eq!(ids(&first).len(), 2);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("/v1/invoices?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(ids(&second).len(), 1);
    assert!(second.body.get("next_cursor").is_none());
    let paged: BTreeSet<String> = ids(&first).into_iter().chain(ids(&second)).collect();
    assert_eq!(paged, mine);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn refuses_bad_list_parameters_cursors_and_positions(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let bad = app
        .get("/v1/invoices?status=paid&limit=500&issued_from=2026-13-01")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.code(), "validation_failed");
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["status", "issued_from", "limit"]);

    let cursor = app.get("/v1/invoices?cursor=not-ours").await;
    assert_eq!(cursor.status, StatusCode::BAD_REQUEST);
    assert_eq!(cursor.code(), "invalid_cursor");

    let position = app
        .call_as(
            &app.key,
            Method::GET,
            "/v1/invoices",
            None,
            &[("arca-read-after", "soon")],
        )
        .await;
    assert_eq!(position.status, StatusCode::BAD_REQUEST);
    assert_eq!(position.code(), "invalid_read_after");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_read_that_waited_in_vain_says_it_is_stale(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let future = [("arca-read-after", "999999999999-999999999999")];
    let id = uuid::Uuid::now_v7();
    let path = format!("/v1/invoices/{id}");
    let missing = app
        .call_as(&app.key, Method::GET, &path, None, &future)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.code(), "not_yet_visible");
    let list = app
        .call_as(&app.key, Method::GET, "/v1/invoices", None, &future)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.headers["arca-read-stale"], "true");
}
