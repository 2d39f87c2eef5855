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
        ..RequestLimits::default()
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
    assert!(answer.body["request_id"].is_string(), "{}", answer.body);
    assert_eq!(answer.headers["retry-after"], "1");
    assert_eq!(
        answer.headers["content-type"], "application/problem+json",
        "{:?}",
        answer.headers
    );
}

/// A client that sends a request's head too slowly is disconnected: it holds no connection and no
/// task past `header_read_timeout`, while a whole request on another connection is served.
#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_client_trickling_its_headers_is_disconnected(pool: PgPool) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let limits = RequestLimits {
        header_read_timeout: Duration::from_millis(500),
        ..RequestLimits::default()
    };
    let app = TestApp::with_issuer_limited(pool, limits).await;
    let mut slow = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    slow.write_all(b"GET /v1/invoices HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    // Still trickling: one header line a while later, never the blank line.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _ = slow.write_all(b"X-Slow: 1\r\n").await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the connection was kept open");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "closed after {took:?}");
    assert!(
        !String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    // Whole requests are served as usual.
    assert_eq!(app.get("/v1/invoices").await.status, StatusCode::OK);
}
