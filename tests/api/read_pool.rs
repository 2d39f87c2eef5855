//! Reads go through a pool of their own with a statement timeout: a read that cannot finish
//! answers 503 with `Retry-After`, and however many reads are stuck, appends go on. A request
//! past its deadline answers `503 request_timeout`.

use std::time::Duration;

use arca::server::{ReadPool, RequestLimits};
use futures::future::join_all;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{TestApp, factura_b};

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn stuck_reads_answer_503_and_never_hold_back_appends(pool: PgPool) {
    let limits = RequestLimits {
        reads: ReadPool {
            max_connections: 1,
            statement_timeout: Duration::from_millis(1500),
            acquire_timeout: Duration::from_millis(500),
        },
        ..RequestLimits::default()
    };
    let app = TestApp::with_issuer_limited(pool, limits).await;
    let created = app.post("/v1/invoices", factura_b()).await;
    assert_eq!(created.status, StatusCode::ACCEPTED, "{}", created.body);

    // Every read of the invoices read model now waits on this lock.
    let mut lock = app.pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE rm.invoices IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    // More stuck reads than the store's pool has connections.
    let stuck = join_all((0..24).map(|_| app.get("/v1/invoices")));
    let append = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        app.post("/v1/invoices", factura_b()).await
    };
    let (answers, appended) = tokio::time::timeout(Duration::from_secs(20), async {
        tokio::join!(stuck, append)
    })
    .await
    .expect("neither the reads nor the append may hang");
    assert_eq!(appended.status, StatusCode::ACCEPTED, "{}", appended.body);
    for answer in &answers {
        assert_eq!(
            answer.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            answer.body
        );
        assert_eq!(answer.code(), "service_unavailable");
        assert_eq!(answer.headers["retry-after"], "1");
    }
    lock.rollback().await.unwrap();

    let page = app.get("/v1/invoices").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_request_past_its_deadline_answers_503_request_timeout(pool: PgPool) {
    let limits = RequestLimits {
        // The read would wait out a long statement timeout: the request's deadline comes first.
        reads: ReadPool {
            statement_timeout: Duration::from_secs(30),
            ..ReadPool::default()
        },
        request_timeout: Duration::from_millis(800),
    };
    let app = TestApp::with_issuer_limited(pool, limits).await;
    let mut lock = app.pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE rm.invoices IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(10), app.get("/v1/invoices"))
        .await
        .expect("the request may not hang");
    lock.rollback().await.unwrap();
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.body
    );
    assert_eq!(answer.code(), "request_timeout", "{}", answer.body);
    assert_eq!(answer.headers["retry-after"], "1");
    assert_eq!(
        answer.headers["content-type"], "application/problem+json",
        "{:?}",
        answer.headers
    );
}
