//! The webhook client against a real receiver on loopback.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    http::{HeaderMap, StatusCode, header},
    response::IntoResponse,
    routing::post,
};
use bytes::Bytes;
use webhooks::{AddressPolicy, ClientSettings, ErrorClass, Secret, WebhookClient, sign};

type Seen = Arc<Mutex<Vec<(String, HeaderMap, Bytes)>>>;

async fn receiver() -> (SocketAddr, Seen) {
    let seen: Seen = Arc::default();
    let log = |path: &'static str, seen: Seen| {
        move |headers: HeaderMap, body: Bytes| async move {
            seen.lock()
                .expect("lock")
                .push((path.to_owned(), headers, body));
        }
    };
    let app = Router::new()
        .route("/ok", post(log("/ok", seen.clone())))
        .route(
            "/moved",
            post(|| async { (StatusCode::FOUND, [(header::LOCATION, "/ok")]) }),
        )
        .route(
            "/big",
            post(|| async { (StatusCode::BAD_GATEWAY, vec![b'x'; 1 << 20]).into_response() }),
        )
        .route(
            "/busy",
            post(|| async { (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "42")]) }),
        )
        .route(
            "/slow",
            post(|| async { tokio::time::sleep(Duration::from_secs(5)).await }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, seen)
}

fn client(allow: &[&str], timeout: Duration) -> WebhookClient {
    WebhookClient::new(&ClientSettings {
        policy: AddressPolicy::with_allow_list(allow).expect("allow-list"),
        connect_timeout: Duration::from_secs(5),
        timeout,
    })
    .expect("client")
}

fn signed(body: &[u8]) -> webhooks::SignedHeaders {
    sign(
        &[Secret::generate()],
        "msg_1",
        "invoice.authorized",
        1_700_000_000,
        body,
    )
    .expect("keys")
}

#[tokio::test]
async fn delivers_signed_bytes_to_an_allow_listed_loopback_receiver() {
    let (addr, seen) = receiver().await;
    let body = Bytes::from_static(br#"{"type":"invoice.authorized"}"#);
    let answer = client(&["127.0.0.0/8"], Duration::from_secs(15))
        .post(&format!("http://{addr}/ok"), &signed(&body), body.clone())
        .await
        .expect("answered");
    assert_eq!(answer.status, 200);
    let seen = seen.lock().expect("lock");
    let (_, headers, got) = seen.first().expect("one request");
    assert_eq!(got, &body);
    assert_eq!(headers["webhook-id"], "msg_1");
    assert_eq!(headers["x-arca-event"], "invoice.authorized");
    assert_eq!(headers["content-type"], "application/json");
    assert!(
        headers["webhook-signature"]
            .to_str()
            .expect("ascii")
            .starts_with("v1,")
    );
}

#[tokio::test]
async fn refuses_loopback_without_the_allow_list_by_literal_ip_and_by_name() {
    let (addr, seen) = receiver().await;
    let plain = client(&[], Duration::from_secs(15));
    let body = Bytes::from_static(b"{}");
    for url in [
        format!("http://{addr}/ok"),
        format!("http://localhost:{}/ok", addr.port()),
        format!("http://[::ffff:127.0.0.1]:{}/ok", addr.port()),
    ] {
        let err = plain
            .post(&url, &signed(&body), body.clone())
            .await
            .expect_err("refused");
        assert_eq!(err.class, ErrorClass::BlockedIp, "{url}: {err}");
    }
    assert!(
        seen.lock().expect("lock").is_empty(),
        "nothing reached the receiver"
    );
}

#[tokio::test]
async fn follows_no_redirect_keeps_one_kib_and_reads_retry_after() {
    let (addr, seen) = receiver().await;
    let open = client(&["127.0.0.1/32"], Duration::from_secs(15));
    let body = Bytes::from_static(b"{}");
    let moved = open
        .post(
            &format!("http://{addr}/moved"),
            &signed(&body),
            body.clone(),
        )
        .await
        .expect("answered");
    assert_eq!(moved.status, 302);
    assert!(
        seen.lock().expect("lock").is_empty(),
        "the redirect was not followed"
    );
    let big = open
        .post(&format!("http://{addr}/big"), &signed(&body), body.clone())
        .await
        .expect("answered");
    assert_eq!((big.status, big.body.len()), (502, 1024));
    let busy = open
        .post(&format!("http://{addr}/busy"), &signed(&body), body)
        .await
        .expect("answered");
    assert_eq!(
        (busy.status, busy.retry_after),
        (429, Some(Duration::from_secs(42)))
    );
}

#[tokio::test]
async fn a_receiver_slower_than_the_timeout_is_a_timeout() {
    let (addr, _) = receiver().await;
    let body = Bytes::from_static(b"{}");
    let err = client(&["127.0.0.0/8"], Duration::from_millis(300))
        .post(&format!("http://{addr}/slow"), &signed(&body), body)
        .await
        .expect_err("timed out");
    assert_eq!(err.class, ErrorClass::Timeout, "{err}");
}
