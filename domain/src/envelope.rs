//! The envelope every stored event travels in, shared by the store, the relay and the read side.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ids::TenantId;

/// Stream categories whose name holds a `-` themselves.
pub const COMPOUND_CATEGORIES: &[&str] = &["webhook-subscription"];

/// Name of an event stream, such as `invoice-0190…` or `taxpayer-<tenant>-20267565393`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StreamId(String);

impl StreamId {
    /// Wraps a stream name. Names are built by the aggregates (`Invoice::stream_id` …), never by users.
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The stream name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The category: everything before the first `-` (`invoice`, `taxpayer`, `tenant` …), or
    /// one of the [`COMPOUND_CATEGORIES`] the stream starts with (`webhook-subscription`).
    pub fn category(&self) -> &str {
        let compound = COMPOUND_CATEGORIES.iter().find(|c| {
            self.0
                .strip_prefix(**c)
                .is_some_and(|rest| rest.starts_with('-'))
        });
        match compound {
            Some(category) => category,
            None => self.0.split_once('-').map_or(self.0.as_str(), |(c, _)| c),
        }
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who caused an event and in which conversation; travels from the HTTP request into the store,
/// NATS headers and the commands a saga sends back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventMetadata {
    /// Owner of the stream; a tenant never reads another tenant's events.
    pub tenant_id: TenantId,
    /// The conversation this event belongs to (the first request's id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<Uuid>,
    /// The message (request or event) that directly caused this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub causation_id: Option<Uuid>,
    /// Who acted: `api-key:<id>`, `cli`, `saga:arca` …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The HTTP request id, when the event came from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// SHA-256 (hex) of the request that produced the event, used to recognise a reused
    /// idempotency key with a different body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_hash: Option<String>,
    /// The W3C `traceparent` of the request that produced the event (well-formed, lower case),
    /// carried on to NATS headers so the readers continue the trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    /// The W3C `tracestate` that came with [`EventMetadata::traceparent`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracestate: Option<String>,
}

impl EventMetadata {
    /// Metadata with only the tenant set.
    pub fn for_tenant(tenant_id: TenantId) -> Self {
        Self {
            tenant_id,
            correlation_id: None,
            causation_id: None,
            actor: None,
            request_id: None,
            request_hash: None,
            traceparent: None,
            tracestate: None,
        }
    }
}

/// An event about to be appended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    /// Unique id; appending the same id twice stores the event once.
    pub event_id: Uuid,
    /// Stable type name, such as `invoice.requested`; never changes once released.
    pub event_type: String,
    /// Version of the payload shape for this type.
    pub schema_version: u16,
    /// The payload.
    pub data: serde_json::Value,
    /// Tenant, correlation, causation, actor.
    pub metadata: EventMetadata,
}

/// Position of an event in the global log: the writing transaction's id, then the insertion order.
/// Readers page in this order and stop below the oldest running transaction, so no event is skipped.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
pub struct GlobalPosition {
    /// `pg_current_xact_id()` of the appending transaction.
    pub tx_id: u64,
    /// The store's insertion counter (unique, not dense, not commit-ordered on its own).
    pub position: i64,
}

impl GlobalPosition {
    /// Before the first event.
    pub const START: Self = Self {
        tx_id: 0,
        position: 0,
    };
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedEvent {
    /// Unique id given at append time.
    pub event_id: Uuid,
    /// Stream the event belongs to.
    pub stream_id: StreamId,
    /// 0-based version of the event inside its stream (dense, gapless).
    pub stream_version: u64,
    /// Stable type name.
    pub event_type: String,
    /// Version of the payload shape.
    pub schema_version: u16,
    /// The payload.
    pub data: serde_json::Value,
    /// Tenant, correlation, causation, actor.
    pub metadata: EventMetadata,
    /// When the store wrote it.
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// Where it sits in the global log.
    pub position: GlobalPosition,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_written_before_trace_context_existed_still_decodes() {
        let tenant = Uuid::from_u128(7);
        let old = serde_json::json!({ "tenant_id": tenant, "actor": "cli" });
        let decoded: EventMetadata = serde_json::from_value(old).unwrap();
        assert_eq!(decoded.traceparent, None);
        assert_eq!(decoded.tracestate, None);
        assert_eq!(decoded.actor.as_deref(), Some("cli"));
    }

    #[test]
    fn metadata_without_trace_context_serializes_without_its_keys() {
        let metadata = EventMetadata::for_tenant(TenantId(Uuid::from_u128(7)));
        let json = serde_json::to_value(&metadata).unwrap();
        assert_eq!(
            json.as_object().map(serde_json::Map::len),
            Some(1),
            "{json}"
        );
        let traced = EventMetadata {
            traceparent: Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into()),
            ..metadata
        };
        let back: EventMetadata =
            serde_json::from_value(serde_json::to_value(&traced).unwrap()).unwrap();
        assert_eq!(back, traced);
    }
}
