//! `GET /v1/invoices/{id}/pdf` end to end: invoices requested over HTTP, driven to their CAE
//! and their document through the command handlers, the PDF written into the app's document
//! store; two tenants.

use bytes::Bytes;
use commands::handler::{self, Command, EventIds};
use domain::invoice::{
    ArcaMessage, AssignNumber, DocumentIssued, Invoice, InvoiceCommand, MarkSubmitted, RecordCae,
    RecordDocument, RecordRejection,
};
use domain::{Context, EventMetadata, InvoiceId, TenantId};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use sqlx::PgPool;
use storage::{DocumentKey, DocumentStore, S3Config, StoreConfig};
use uuid::Uuid;

use crate::graphql::graphql;
use crate::helpers::{NOW, RI_CUIT, TestApp, factura_b};

const PDF: &[u8] = b"%PDF-1.7\n% a voucher\n%%EOF\n";

/// An invoice of the app's tenant, requested over HTTP; answers its id.
async fn request(app: &TestApp, body: Value) -> Uuid {
    let answer = app.post("/v1/invoices", body).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    answer.body["id"].as_str().unwrap().parse().unwrap()
}

/// Runs `commands` on invoice `id` of `tenant` as the saga and the documents worker would;
/// answers the `ARCA-Position` token of the last.
async fn run(app: &TestApp, tenant: TenantId, id: Uuid, commands: Vec<InvoiceCommand>) -> String {
    let metrics = commands::CommandMetrics::detached();
    let mut token = String::new();
    for command in commands {
        let command = Command::<Invoice> {
            stream: Invoice::stream_id(InvoiceId(id)),
            command,
            metadata: EventMetadata::for_tenant(tenant),
            expected: None,
            fresh_stream: false,
            event_ids: EventIds::Fresh,
        };
        let executed = handler::execute(&app.store, &metrics, &Context::new(NOW), command)
            .await
            .unwrap();
        let at = executed.outcome.unwrap().position;
        token = format!("{}-{}", at.tx_id, at.position);
    }
    token
}

fn authorize(number: u64) -> Vec<InvoiceCommand> {
    vec![
        AssignNumber { number }.into(),
        MarkSubmitted {
            number,
            request_hash: "00".repeat(32),
        }
        .into(),
        RecordCae {
            number,
            cae: "71234567890123".into(),
            cae_due_date: NOW.date() + time::Duration::days(10),
            observations: vec![],
        }
        .into(),
    ]
}

/// Stores `bytes` for invoice `id` (voucher `kind`, `number`) in the app's store and records
/// them on its stream; answers the key and the position token.
async fn issue(app: &TestApp, tenant: TenantId, id: Uuid, kind: u16, number: u64) -> String {
    let key = format!(
        "{}/sim/{RI_CUIT}/00001-{kind:03}-{number:08}.v1.pdf",
        tenant.as_uuid()
    );
    let store = DocumentStore::open(&app.documents).unwrap();
    let parsed = DocumentKey::parse(&key).unwrap();
    store.put(&parsed, Bytes::from_static(PDF)).await.unwrap();
    let issued = DocumentIssued {
        sha256: hex::encode(Sha256::digest(PDF)),
        bytes: PDF.len() as u64,
        key,
        template_version: "1".into(),
    };
    run(app, tenant, id, vec![RecordDocument(issued).into()]).await
}

/// A Factura B of the app's tenant, authorized as number 42, its PDF stored and recorded and
/// shown by the read model; answers its id and its PDF's file in the app's directory.
async fn factura_with_pdf(app: &TestApp) -> (Uuid, std::path::PathBuf) {
    let tenant = app.tenant().await;
    let id = request(app, factura_b()).await;
    run(app, tenant, id, authorize(42)).await;
    let issued = issue(app, tenant, id, 6, 42).await;
    caught_up(app, id, &issued).await;
    let StoreConfig::Local { dir } = &app.documents else {
        panic!("the test app stores documents in a directory");
    };
    let file = format!(
        "{}/sim/{RI_CUIT}/00001-006-00000042.v1.pdf",
        tenant.as_uuid()
    );
    (id, dir.join(file))
}

/// `GET /v1/invoices/{id}/pdf` as `key` (after [`caught_up`]: the route reads the read model as
/// it stands), with `If-None-Match: etag` when given.
async fn pdf(app: &TestApp, key: &str, id: Uuid, etag: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .get(app.url(&format!("/v1/invoices/{id}/pdf")))
        .bearer_auth(key);
    if let Some(etag) = etag {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    request.send().await.unwrap()
}

/// Waits until the invoices read model reached `after`.
async fn caught_up(app: &TestApp, id: Uuid, after: &str) -> Value {
    let path = format!("/v1/invoices/{id}");
    let answer = app
        .call_as(
            &app.key,
            Method::GET,
            &path,
            None,
            &[("arca-read-after", after)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(answer.headers.get("arca-read-stale").is_none());
    answer.body
}

fn text(answer: &reqwest::Response, name: header::HeaderName) -> String {
    answer.headers()[name].to_str().unwrap().to_owned()
}

async fn problem(answer: reqwest::Response) -> (StatusCode, Option<String>, String) {
    let status = answer.status();
    let retry = answer
        .headers()
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_owned());
    let body: Value = answer.json().await.unwrap();
    (
        status,
        retry,
        body["code"].as_str().unwrap_or_default().to_owned(),
    )
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn serves_the_stored_pdf_with_its_sha256_as_etag_and_the_vouchers_file_name(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let tenant = app.tenant().await;
    let in_flight = request(&app, factura_b()).await;
    let id = request(&app, factura_b()).await;
    let authorized = run(&app, tenant, id, authorize(42)).await;

    let before = caught_up(&app, id, &authorized).await;
    assert_eq!(
        (&before["document_url"], &before["document_sha256"]),
        (&Value::Null, &Value::Null)
    );
    for invoice in [in_flight, id] {
        let (status, retry, code) = problem(pdf(&app, &app.key, invoice, None).await).await;
        assert_eq!(
            (status, retry.as_deref(), code.as_str()),
            (StatusCode::NOT_FOUND, Some("2"), "document_not_ready")
        );
    }

    let issued = issue(&app, tenant, id, 6, 42).await;
    let shown = caught_up(&app, id, &issued).await;
    let sha256 = hex::encode(Sha256::digest(PDF));
    assert_eq!(shown["document_url"], format!("/v1/invoices/{id}/pdf"));
    assert_eq!(shown["document_sha256"], sha256);
    let answer = pdf(&app, &app.key, id, None).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(text(&answer, header::CONTENT_TYPE), "application/pdf");
    assert_eq!(text(&answer, header::ETAG), format!("\"{sha256}\""));
    assert_eq!(
        text(&answer, header::CONTENT_DISPOSITION),
        "attachment; filename=\"FACTURA_B_00001-00000042.pdf\""
    );
    assert_eq!(answer.bytes().await.unwrap(), PDF);

    let etag = format!("\"{sha256}\"");
    let again = pdf(&app, &app.key, id, Some(&etag)).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(text(&again, header::ETAG), etag);
    assert!(again.bytes().await.unwrap().is_empty());
    let stale = pdf(&app, &app.key, id, Some("\"0000\"")).await;
    assert_eq!(stale.status(), StatusCode::OK);

    let query = format!("{{ invoice(id: \"{id}\") {{ documentUrl documentSha256 }} }}");
    let found = graphql(&app, &app.key, &query).await;
    assert_eq!(
        found["data"]["invoice"],
        json!({"documentUrl": format!("/v1/invoices/{id}/pdf"), "documentSha256": sha256})
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_credit_note_is_named_as_one(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let tenant = app.tenant().await;
    let invoice = request(&app, factura_b()).await;
    let authorized = run(&app, tenant, invoice, authorize(42)).await;
    caught_up(&app, invoice, &authorized).await;
    let mut body = factura_b();
    body["voucher_type"] = json!(8);
    body["associated_vouchers"] = json!([{"voucher_type": 6, "point_of_sale": 1, "number": 42}]);
    let note = request(&app, body).await;
    run(&app, tenant, note, authorize(7)).await;
    let issued = issue(&app, tenant, note, 8, 7).await;
    caught_up(&app, note, &issued).await;

    let answer = pdf(&app, &app.key, note, None).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(
        text(&answer, header::CONTENT_DISPOSITION),
        "attachment; filename=\"NOTA_DE_CREDITO_B_00001-00000007.pdf\""
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn another_tenants_pdf_is_as_unknown_as_an_invoice_that_does_not_exist(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let (id, _) = factura_with_pdf(&app).await;
    let other = TestApp::new_tenant(&app.store, "other").await;

    let theirs = problem(pdf(&app, &other, id, None).await).await;
    let unknown = problem(pdf(&app, &other, Uuid::now_v7(), None).await).await;
    assert_eq!(
        theirs,
        (StatusCode::NOT_FOUND, None, "not_found".to_owned())
    );
    assert_eq!(theirs, unknown);
    let mine = pdf(&app, &app.key, id, None).await;
    assert_eq!(mine.status(), StatusCode::OK);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_rejected_invoice_never_gets_a_pdf_and_is_told_so_without_retry(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let tenant = app.tenant().await;
    let id = request(&app, factura_b()).await;
    let mut commands = authorize(42);
    commands.pop();
    commands.push(
        RecordRejection {
            errors: vec![ArcaMessage {
                code: 10016,
                message: "El numero o fecha del comprobante no se corresponde".into(),
            }],
            observations: vec![],
        }
        .into(),
    );
    let rejected = run(&app, tenant, id, commands).await;
    caught_up(&app, id, &rejected).await;

    let answer = problem(pdf(&app, &app.key, id, None).await).await;
    assert_eq!(
        answer,
        (
            StatusCode::NOT_FOUND,
            None,
            "document_unavailable".to_owned()
        )
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_stored_file_that_differs_from_the_recorded_one_is_never_served(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let (id, file) = factura_with_pdf(&app).await;
    std::fs::write(&file, b"%PDF-1.7\n% someone else's voucher\n%%EOF\n").unwrap();

    let answer = pdf(&app, &app.key, id, None).await;
    assert_eq!(answer.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = answer.text().await.unwrap();
    assert!(
        body.contains("internal_error") && !body.contains("someone"),
        "{body}"
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_unreachable_document_store_answers_503_with_retry_after(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let (id, _) = factura_with_pdf(&app).await;
    // A bucket on a loopback port nothing listens on.
    let mut s3 = S3Config::new(
        "http://127.0.0.1:9",
        "pdfs",
        "id",
        "secret".to_owned().into(),
    );
    s3.allow_http = true;
    s3.max_retries = 0;
    let down = app.instance_reading(StoreConfig::S3(s3)).await;

    let (status, retry, code) = problem(pdf(&down, &app.key, id, None).await).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(retry.is_some(), "{code}");
    assert_eq!(code, "service_unavailable");
}
