//! An invoice's stream through GraphQL: its events (the audit trail) and its state at an instant.

use async_graphql::{Json, Object, SimpleObject};
use domain::RecordedEvent;
use domain::invoice::{ArcaMessage, Invoice};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// One stored event of an invoice's stream.
pub struct InvoiceEvent(pub RecordedEvent);

#[Object]
impl InvoiceEvent {
    /// The event's id.
    async fn event_id(&self) -> Uuid {
        self.0.event_id
    }

    /// Stable type name, such as `invoice.cae_granted`.
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }

    /// Version of the payload's shape.
    async fn schema_version(&self) -> i32 {
        i32::from(self.0.schema_version)
    }

    /// 0-based version in the invoice's stream.
    async fn stream_version(&self) -> i64 {
        i64::try_from(self.0.stream_version).unwrap_or(i64::MAX)
    }

    /// When the store recorded it.
    async fn recorded_at(&self) -> OffsetDateTime {
        self.0.recorded_at
    }

    /// Its position in the global log.
    async fn global_position(&self) -> i64 {
        self.0.position.position
    }

    /// The payload, as stored.
    async fn data(&self) -> Json<serde_json::Value> {
        Json(self.0.data.clone())
    }

    /// Tenant, actor, correlation and causation ids, request id.
    async fn metadata(&self) -> Json<serde_json::Value> {
        Json(serde_json::to_value(&self.0.metadata).unwrap_or_default())
    }
}

/// A message from ARCA, in Spanish as ARCA sent it.
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
pub struct ArcaNote {
    /// ARCA's code.
    pub code: i64,
    /// ARCA's text.
    pub message: String,
}

fn notes(list: &[ArcaMessage]) -> Vec<ArcaNote> {
    list.iter()
        .map(|m| ArcaNote {
            code: i64::from(m.code),
            message: m.message.clone(),
        })
        .collect()
}

/// An invoice as it was at an instant: its stream folded up to then.
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
pub struct InvoiceState {
    /// Version of the last event folded.
    pub version: i64,
    /// When that event was recorded.
    pub last_event_at: OffsetDateTime,
    /// `requested`, `numbered`, `submitted`, `authorized`, `rejected` or `outcome_unknown`.
    pub status: String,
    /// Voucher number, once assigned.
    pub number: Option<i64>,
    /// The CAE, once granted.
    pub cae: Option<String>,
    /// The CAE's due date.
    pub cae_due_date: Option<Date>,
    /// ARCA's observations.
    pub observations: Vec<ArcaNote>,
    /// ARCA's errors, when rejected.
    pub errors: Vec<ArcaNote>,
}

impl InvoiceState {
    /// The state of `invoice` after the event of `version`, recorded at `last_event_at`.
    pub fn new(invoice: &Invoice, version: u64, last_event_at: OffsetDateTime) -> Self {
        let authorization = invoice.authorization();
        let rejection = invoice.rejection();
        Self {
            version: i64::try_from(version).unwrap_or(i64::MAX),
            last_event_at,
            status: invoice
                .status()
                .map_or("requested", |s| s.as_str())
                .to_owned(),
            number: invoice.number().and_then(|n| i64::try_from(n).ok()),
            cae: authorization.map(|a| a.cae.clone()),
            cae_due_date: authorization.map(|a| a.cae_due_date),
            observations: authorization
                .map(|a| notes(&a.observations))
                .or_else(|| rejection.map(|r| notes(&r.observations)))
                .unwrap_or_default(),
            errors: rejection.map(|r| notes(&r.errors)).unwrap_or_default(),
        }
    }
}
