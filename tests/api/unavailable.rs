//! The same failure, the same answer: when the database stops answering, every request that
//! needs it (a REST write, a REST read, a GraphQL query, an API key not seen lately) is answered
//! `503 service_unavailable` with `Retry-After`, never a `500`; once it is back, the same requests
//! succeed.

use std::{net::SocketAddr, time::Duration};

use arca::server::{ReadPool, RequestLimits};
use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::{PgPool, postgres::PgPoolOptions};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
};

use crate::helpers::{Answer, RI_CUIT, TestApp, factura_b};

/// A TCP relay in front of Postgres that can be cut: while cut it has closed every connection it
/// carried and closes each new one at once, as a database gone from the network would.
struct Plug {
    addr: SocketAddr,
    cut: watch::Sender<bool>,
}

impl Plug {
    /// A relay to the Postgres `pool` connects to, connected.
    async fn to(pool: &PgPool) -> Self {
        let options = pool.connect_options();
        let upstream = tokio::net::lookup_host((options.get_host(), options.get_port()))
            .await
            .unwrap()
            .next()
            .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (cut, watching) = watch::channel(false);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if *watching.borrow() {
                    continue;
                }
                tokio::spawn(relay(client, upstream, watching.clone()));
            }
        });
        Self { addr, cut }
    }

    fn set_cut(&self, cut: bool) {
        self.cut.send_replace(cut);
    }
}

/// Carries `client` to `upstream` until either closes or the plug is cut.
async fn relay(mut client: TcpStream, upstream: SocketAddr, mut cut: watch::Receiver<bool>) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = cut.wait_for(|cut| *cut) => {}
    }
}

/// A pool on `pool`'s database through `plug`, giving up on a connection after a second.
fn through(plug: &Plug, pool: &PgPool) -> PgPool {
    let options = (*pool.connect_options())
        .clone()
        .host(&plug.addr.ip().to_string())
        .port(plug.addr.port());
    PgPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(1))
        .connect_lazy_with(options)
}

fn assert_unavailable(what: &str, answer: &Answer) {
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{what}: {}",
        answer.body
    );
    assert_eq!(answer.headers["retry-after"], "1", "{what}");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_database_gone_is_503_service_unavailable_on_reads_writes_and_graphql(pool: PgPool) {
    let plug = Plug::to(&pool).await;
    let limits = RequestLimits {
        reads: ReadPool {
            acquire_timeout: Duration::from_secs(1),
            ..ReadPool::default()
        },
        ..RequestLimits::default()
    };
    let app = TestApp::with_issuer_limited(through(&plug, &pool), limits).await;
    // Seen lately: its key is verified from the instance's cache, so the request goes as far as
    // the database; the other tenant's key has to be looked up.
    let page = app.get("/v1/invoices").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let unseen = TestApp::new_tenant(&app.store, "unseen").await;
    let graphql = json!({"query": "{ invoices { nodes { id } } }"});
    let requests = || async {
        let id = uuid::Uuid::now_v7();
        let taxpayer = format!("/v1/taxpayers/{RI_CUIT}");
        let reads = [
            "/v1/invoices".to_owned(),
            format!("/v1/invoices/{id}"),
            format!("/v1/invoices/{id}/events"),
            format!("/v1/invoices/{id}/evidence"),
            taxpayer.clone(),
            format!("{taxpayer}/series/1/6"),
            "/v1/api-keys".to_owned(),
            "/v1/webhooks/subscriptions".to_owned(),
            format!("/v1/webhooks/subscriptions/{id}"),
            "/v1/webhooks/deliveries".to_owned(),
            format!("/v1/webhooks/deliveries/{id}"),
        ];
        let reads = join_all(reads.iter().map(|path| app.get(path)));
        let writes = [
            ("/v1/invoices".to_owned(), factura_b()),
            (
                "/v1/api-keys".to_owned(),
                json!({"name": "ci", "scopes": ["invoices:read"]}),
            ),
            (format!("{taxpayer}/points-of-sale"), json!({"number": 2})),
            (
                "/v1/webhooks/subscriptions".to_owned(),
                json!({"url": "https://erp.example.com/hooks/arca"}),
            ),
            (format!("/v1/webhooks/deliveries/{id}/redeliver"), json!({})),
        ];
        let writes = join_all(
            writes
                .iter()
                .map(|(path, body)| app.post(path, body.clone())),
        );
        let query = app.call_as(
            &app.key,
            Method::POST,
            "/graphql",
            Some(graphql.clone()),
            &[],
        );
        let stranger = app.call_as(&unseen, Method::GET, "/v1/invoices", None, &[]);
        tokio::join!(reads, writes, query, stranger)
    };

    plug.set_cut(true);
    let (reads, writes, query, stranger) =
        tokio::time::timeout(Duration::from_secs(30), requests())
            .await
            .expect("no request may hang on a database gone");
    for (index, answer) in reads.iter().enumerate() {
        assert_unavailable(&format!("read {index}"), answer);
        assert_eq!(answer.code(), "service_unavailable", "{}", answer.body);
        assert!(answer.body["request_id"].is_string(), "{}", answer.body);
    }
    for (index, answer) in writes.iter().enumerate() {
        assert_unavailable(&format!("write {index}"), answer);
        assert_eq!(answer.code(), "service_unavailable", "{}", answer.body);
    }
    assert_unavailable("graphql", &query);
    assert_eq!(
        query.body["errors"][0]["extensions"]["code"], "service_unavailable",
        "{}",
        query.body
    );
    assert_unavailable("an unseen key", &stranger);
    assert_eq!(stranger.code(), "service_unavailable", "{}", stranger.body);

    // Back on the network: retrying is all it takes.
    plug.set_cut(false);
    let (reads, writes, query, stranger) = requests().await;
    assert_eq!(reads[0].status, StatusCode::OK, "{}", reads[0].body);
    assert_eq!(writes[0].status, StatusCode::ACCEPTED, "{}", writes[0].body);
    assert_eq!(query.status, StatusCode::OK, "{}", query.body);
    assert!(query.body["errors"].is_null(), "{}", query.body);
    assert_eq!(stranger.status, StatusCode::OK, "{}", stranger.body);
}
