//! The W3C trace context of a command request travels through the event's metadata and the relay
//! onto the NATS message (real JetStream, a stream of its own deleted at the end).

use std::sync::Arc;
use std::time::Duration;

use eventstore::PgEventStore;
use eventstore::relay::{Relay, RelayConfig};
use futures::TryStreamExt as _;
use nats_bus::{Bus, BusConfig, StoredMessage};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;
use tokio::time::Instant;
use uuid::Uuid;
use workers::relay::JetStreamBus;

use crate::helpers::{MONO_CUIT, RI_CUIT, TestApp};

const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

async fn bus() -> Bus {
    let url = std::env::var("ARCA_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let id = Uuid::new_v4().simple().to_string();
    let config = BusConfig::new(&url, &format!("T_{id}"), &format!("t{id}.events"));
    let bus = Bus::connect(config).await.unwrap();
    bus.ensure_stream().await.unwrap();
    bus
}

/// Relays every stored event and returns the stream's messages.
async fn relay_everything(pool: &PgPool, bus: &Bus) -> Vec<StoredMessage> {
    let stored: i64 = sqlx::query_scalar("select count(*) from es.events")
        .fetch_one(pool)
        .await
        .unwrap();
    let mut config = RelayConfig::new(&bus.config().subject_prefix);
    config.batch_size = 16;
    let mut relay = Relay::new(
        PgEventStore::new(pool.clone()),
        Arc::new(JetStreamBus(bus.clone())),
        config,
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while bus.last_sequence().await.unwrap() < u64::try_from(stored).unwrap() {
        assert!(
            Instant::now() < deadline,
            "the relay did not publish {stored} events"
        );
        if relay.run_once().await.unwrap_or(0) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    relay.resign().await;
    bus.messages(1).try_collect().await.unwrap()
}

fn registered<'a>(messages: &'a [StoredMessage], cuit: &str) -> &'a StoredMessage {
    messages
        .iter()
        .find(|m| {
            m.header("Es-Event-Type") == Some("taxpayer.registered")
                && String::from_utf8_lossy(&m.payload).contains(cuit)
        })
        .unwrap_or_else(|| panic!("no taxpayer.registered message for {cuit}"))
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn the_traceparent_of_a_request_shows_up_on_the_nats_message_of_its_event(pool: PgPool) {
    let bus = bus().await;
    let app = TestApp::spawn(pool.clone()).await;
    let traced = app
        .call_as(
            &app.key,
            Method::POST,
            "/v1/taxpayers",
            Some(json!({"cuit": RI_CUIT, "legal_name": "Traza SA", "iva_condition": "responsable_inscripto"})),
            &[("traceparent", PARENT), ("tracestate", "rojo=00f067aa0ba902b7")],
        )
        .await;
    assert_eq!(traced.status, StatusCode::CREATED, "{}", traced.body);
    // A malformed traceparent is ignored, not refused.
    let untraced = app
        .call_as(
            &app.key,
            Method::POST,
            "/v1/taxpayers",
            Some(json!({"cuit": MONO_CUIT, "legal_name": "Sin Traza", "iva_condition": "monotributo"})),
            &[("traceparent", "00-not-a-trace-01"), ("tracestate", "rojo=1")],
        )
        .await;
    assert_eq!(untraced.status, StatusCode::CREATED, "{}", untraced.body);

    let messages = relay_everything(&pool, &bus).await;
    bus.delete_stream().await.unwrap();
    let message = registered(&messages, RI_CUIT);
    assert_eq!(message.header("traceparent"), Some(PARENT));
    assert_eq!(message.header("tracestate"), Some("rojo=00f067aa0ba902b7"));
    let payload: serde_json::Value = serde_json::from_slice(&message.payload).unwrap();
    assert_eq!(payload["metadata"]["traceparent"], PARENT);
    let message = registered(&messages, MONO_CUIT);
    assert_eq!(message.header("traceparent"), None);
    assert_eq!(message.header("tracestate"), None);
}
