use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::TestApp;

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn serves_the_committed_openapi_document(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let served = app.raw(app.client.get(app.url("/openapi.json"))).await;
    assert_eq!(served.status, StatusCode::OK);
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schemas/api/openapi.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(served.body, committed);
    assert!(served.body["paths"]["/v1/invoices"]["post"].is_object());
}
