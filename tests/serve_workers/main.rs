//! `arca serve --role workers` as a child process, end to end for webhooks: a subscription made
//! through the API, an invoice requested through the API, and the worker process (relay,
//! projections, saga against the in-process simulator, fan-out, dispatcher) delivers
//! `invoice.authorized` to a receiver on loopback, signed with the secret the API showed once,
//! carrying the invoice as `GET /v1/invoices/{id}` shows it, and records the delivery on the
//! invoice's stream.

#![allow(clippy::unwrap_used)] // test set-up panics on failure by design

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arca::harness::load::{Api, sim_api_config};
use arca::harness::processes::{WorkerEnv, WorkerProcesses, simulator_for_workers};
use arca::harness::scratch::with_database;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use eventstore::PgEventStore;
use serde_json::{Value, json};
use sqlx::PgPool;
use webhooks::{AddressPolicy, Secret, verify};

/// What the receiver got: headers and body of each request.
type Inbox = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A receiver on 127.0.0.1:0 answering 204 to every POST on `/hook`.
async fn receiver() -> (String, Inbox) {
    let inbox: Inbox = Arc::default();
    let app = Router::new()
        .route(
            "/hook",
            post(
                |State(inbox): State<Inbox>, headers: HeaderMap, body: Bytes| async move {
                    inbox.lock().unwrap().push((headers, body));
                    axum::http::StatusCode::NO_CONTENT
                },
            ),
        )
        .with_state(Arc::clone(&inbox));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, inbox)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The JSON body of the answer to `request`.
async fn json_of(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

/// The keys and JSON types of `value`, all the way down: what a client parsing it relies on.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(fields) => fields
            .iter()
            .map(|(key, field)| (key.clone(), shape(field)))
            .collect(),
        Value::Array(items) => items.iter().map(shape).collect(),
        Value::String(_) => "string".into(),
        Value::Number(_) => "number".into(),
        Value::Bool(_) => "boolean".into(),
        Value::Null => "null".into(),
    }
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_worker_process_delivers_the_authorized_invoice_signed_to_its_subscriber(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let (_, sim) = simulator_for_workers(dir.path()).await.unwrap();
    let mut api_config = sim_api_config();
    api_config.webhook_addresses = AddressPolicy::with_allow_list(&["127.0.0.0/8"]).unwrap();
    let api = Api::start(&PgEventStore::new(pool.clone()), &api_config)
        .await
        .unwrap();
    let (url, inbox) = receiver().await;
    let created = json_of(
        api.client
            .post(format!("{}/v1/webhooks/subscriptions", api.base))
            .bearer_auth(&api.key)
            .json(&json!({"url": url, "event_types": ["invoice.authorized"]})),
    )
    .await;
    let secret = Secret::parse(created["secret"].as_str().unwrap()).unwrap();

    let server = std::env::var("DATABASE_URL").unwrap();
    let name = pool.connect_options().get_database().unwrap().to_owned();
    let nats = std::env::var("ARCA_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let mut env = WorkerEnv::new(
        &with_database(&server, &name).unwrap(),
        &sim,
        dir.path(),
        &nats,
    );
    env.webhook_allow_cidrs = "127.0.0.0/8".into();
    let exe = Path::new(env!("CARGO_BIN_EXE_arca"));
    let mut workers = WorkerProcesses::start(exe, env.clone(), 1).unwrap();
    assert_eq!(api.request_all(1, 1).await, 0, "the invoice is accepted");

    let deadline = Instant::now() + Duration::from_secs(90);
    while inbox.lock().unwrap().is_empty() {
        if Instant::now() > deadline || !workers.exited().unwrap().is_empty() {
            panic!(
                "no webhook arrived; the worker's log:\n{}",
                workers.log_tail(0)
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (headers, body) = inbox.lock().unwrap()[0].clone();
    let timestamp = header(&headers, "webhook-timestamp").parse().unwrap();
    assert!(
        verify(
            &secret,
            header(&headers, "webhook-signature"),
            header(&headers, "webhook-id"),
            timestamp,
            &body,
        ),
        "signed with the secret shown at creation"
    );
    assert_eq!(header(&headers, "x-arca-event"), "invoice.authorized");
    let body: Value = serde_json::from_slice(&body).unwrap();
    let invoice = &body["data"]["invoice"];
    assert_eq!(invoice["status"], "authorized", "{body}");
    assert_eq!(invoice["cae"].as_str().unwrap().len(), 14, "{body}");

    // It is the invoice `GET /v1/invoices/{id}` answers: the same fields of the same types, and
    // the same values but for the stream's version (the delivery's record moves it on).
    let id = invoice["id"].as_str().unwrap();
    let read = json_of(
        api.client
            .get(format!("{}/v1/invoices/{id}", api.base))
            .bearer_auth(&api.key),
    )
    .await;
    assert_eq!(
        shape(invoice),
        shape(&read),
        "webhook {invoice}\nGET {read}"
    );
    let unversioned = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("version");
        v
    };
    assert_eq!(unversioned(invoice), unversioned(&read));

    // The invoice's own history tells who was told.
    let stream = format!("invoice-{id}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let told: i64 = sqlx::query_scalar(
            "select count(*) from es.events where stream_id = $1 \
             and event_type = 'invoice.webhook_delivered'",
        )
        .bind(&stream)
        .fetch_one(&pool)
        .await
        .unwrap();
        if told == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the delivery was not recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // And its PDF: rendered by the worker, stored where its settings say, recorded on the stream.
    let deadline = Instant::now() + Duration::from_secs(30);
    let document: Value = loop {
        let found: Option<Value> = sqlx::query_scalar(
            "select data from es.events where stream_id = $1 \
             and event_type = 'invoice.document_issued'",
        )
        .bind(&stream)
        .fetch_optional(&pool)
        .await
        .unwrap();
        if let Some(found) = found {
            break found;
        }
        assert!(
            Instant::now() < deadline,
            "no document was recorded; the worker's log:\n{}",
            workers.log_tail(0)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let stored =
        std::fs::read(env.documents_dir().join(document["key"].as_str().unwrap())).unwrap();
    assert!(stored.starts_with(b"%PDF-"));
    assert_eq!(document["bytes"], stored.len());
    drop(workers);
    env.delete_stream().await;
}
