//! How an event becomes a message: subject, headers and payload.

use domain::RecordedEvent;

use super::chain::LedgerRow;
use super::port::RelayMessage;

/// Header names the relay sets besides `Nats-Msg-Id` and `Nats-Expected-Last-Sequence`.
pub mod headers {
    /// JetStream's de-duplication id: the event id.
    pub const MSG_ID: &str = "Nats-Msg-Id";
    /// JetStream's optimistic check: the ledger sequence minus one.
    pub const EXPECTED_LAST_SEQUENCE: &str = "Nats-Expected-Last-Sequence";
    /// The event id.
    pub const EVENT_ID: &str = "Es-Event-Id";
    /// The event type, such as `invoice.requested`.
    pub const EVENT_TYPE: &str = "Es-Event-Type";
    /// The stream name.
    pub const STREAM_ID: &str = "Es-Stream-Id";
    /// The 0-based version in its stream.
    pub const STREAM_VERSION: &str = "Es-Stream-Version";
    /// The store's global position (insertion counter).
    pub const GLOBAL_POSITION: &str = "Es-Global-Position";
    /// The writing transaction's id.
    pub const TX_ID: &str = "Es-Tx-Id";
    /// The ledger sequence (equals the JetStream sequence).
    pub const LEDGER_SEQ: &str = "Es-Ledger-Seq";
    /// The chain hash, lowercase hex.
    pub const LEDGER_HASH: &str = "Es-Ledger-Hash";
    /// The owning tenant.
    pub const TENANT_ID: &str = "Es-Tenant-Id";
    /// The correlation id, when the event has one.
    pub const CORRELATION_ID: &str = "Es-Correlation-Id";
    /// The causation id, when the event has one.
    pub const CAUSATION_ID: &str = "Es-Causation-Id";
    /// The W3C trace context of the request that produced the event, when it came with one.
    pub const TRACEPARENT: &str = "traceparent";
    /// The W3C `tracestate` that came with the `traceparent`.
    pub const TRACESTATE: &str = "tracestate";
}

/// `<prefix>.<tenant uuid, simple>.<category>.<event type>`: the category and every dot-separated
/// token of the event type keep `[A-Za-z0-9_-]` and have any other character replaced by `_`
/// (an empty token becomes `_`), so a subject never holds a wildcard or an empty token.
pub fn subject(prefix: &str, event: &RecordedEvent) -> String {
    let event_type: Vec<String> = event.event_type.split('.').map(token).collect();
    format!(
        "{prefix}.{}.{}.{}",
        event.metadata.tenant_id.as_uuid().simple(),
        token(event.stream_id.category()),
        event_type.join(".")
    )
}

fn token(raw: &str) -> String {
    if raw.is_empty() {
        return "_".to_owned();
    }
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The message for `event` stamped with `row`.
pub(crate) fn build(
    prefix: &str,
    event: &RecordedEvent,
    row: &LedgerRow,
) -> Result<RelayMessage, serde_json::Error> {
    let payload = serde_json::to_vec(event)?;
    let mut list = vec![
        (headers::MSG_ID, event.event_id.to_string()),
        (
            headers::EXPECTED_LAST_SEQUENCE,
            (row.ledger_seq - 1).to_string(),
        ),
        (headers::EVENT_ID, event.event_id.to_string()),
        (headers::EVENT_TYPE, event.event_type.clone()),
        (headers::STREAM_ID, event.stream_id.to_string()),
        (headers::STREAM_VERSION, event.stream_version.to_string()),
        (
            headers::GLOBAL_POSITION,
            event.position.position.to_string(),
        ),
        (headers::TX_ID, event.position.tx_id.to_string()),
        (headers::LEDGER_SEQ, row.ledger_seq.to_string()),
        (headers::LEDGER_HASH, hex::encode(row.hash)),
        (headers::TENANT_ID, event.metadata.tenant_id.to_string()),
    ];
    if let Some(id) = event.metadata.correlation_id {
        list.push((headers::CORRELATION_ID, id.to_string()));
    }
    if let Some(id) = event.metadata.causation_id {
        list.push((headers::CAUSATION_ID, id.to_string()));
    }
    if let Some(parent) = &event.metadata.traceparent {
        list.push((headers::TRACEPARENT, parent.clone()));
        if let Some(state) = &event.metadata.tracestate {
            list.push((headers::TRACESTATE, state.clone()));
        }
    }
    Ok(RelayMessage {
        subject: subject(prefix, event),
        headers: list.into_iter().map(|(n, v)| (n.to_owned(), v)).collect(),
        payload,
        ledger_seq: row.ledger_seq,
        event_id: event.event_id,
    })
}

#[cfg(test)]
mod tests {
    use domain::{EventMetadata, GlobalPosition, StreamId, TenantId};
    use time::OffsetDateTime;
    use uuid::Uuid;

    use super::*;

    const PARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    fn event(metadata: EventMetadata) -> RecordedEvent {
        RecordedEvent {
            event_id: Uuid::from_u128(1),
            stream_id: StreamId::new("invoice-1"),
            stream_version: 0,
            event_type: "invoice.requested".into(),
            schema_version: 1,
            data: serde_json::json!({}),
            metadata,
            recorded_at: OffsetDateTime::UNIX_EPOCH,
            position: GlobalPosition {
                tx_id: 9,
                position: 3,
            },
        }
    }

    fn row() -> LedgerRow {
        LedgerRow {
            ledger_seq: 1,
            position: GlobalPosition {
                tx_id: 9,
                position: 3,
            },
            event_id: Uuid::from_u128(1),
            hash: [0; 32],
        }
    }

    #[test]
    fn the_trace_context_of_the_event_travels_in_w3c_headers() {
        let tenant = TenantId(Uuid::from_u128(2));
        let traced = event(EventMetadata {
            traceparent: Some(PARENT.into()),
            tracestate: Some("rojo=00f067aa0ba902b7".into()),
            ..EventMetadata::for_tenant(tenant)
        });
        let message = build("arca.events", &traced, &row()).unwrap();
        let header = |name: &str| {
            message
                .headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(header("traceparent"), Some(PARENT));
        assert_eq!(header("tracestate"), Some("rojo=00f067aa0ba902b7"));
        let plain = build(
            "arca.events",
            &event(EventMetadata::for_tenant(tenant)),
            &row(),
        )
        .unwrap();
        assert!(
            plain.headers.iter().all(|(n, _)| !n.starts_with("trace")),
            "{:?}",
            plain.headers
        );
    }
}
