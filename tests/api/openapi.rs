use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::TestApp;

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn serves_the_committed_openapi_document(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let served = app.raw(app.client.get(app.url("/openapi.json"))).await;
    assert_eq!(served.status, StatusCode::OK);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/api/openapi.json");
    // `UPDATE_OPENAPI=1` rewrites the committed document from the served one.
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        let mut text = serde_json::to_string_pretty(&served.body).unwrap();
        text.push('\n');
        std::fs::write(path, text).unwrap();
    }
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(served.body, committed);
    assert!(served.body["paths"]["/v1/invoices"]["post"].is_object());
}
