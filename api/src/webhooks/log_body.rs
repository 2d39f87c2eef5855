//! Request and response bodies of `/v1/webhooks/deliveries` and of a subscription's range
//! redelivery. Instants are RFC 3339 text.

use projections::query::{AttemptRow, DeliveryRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::invoices::rows::instant;

/// A delivery: one event sent (or to be sent) to one subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryView {
    /// The delivery's id; receivers see `msg_<its hex>` as `webhook-id`.
    pub id: Uuid,
    /// The subscription it goes to.
    pub subscription_id: Uuid,
    /// The event it carries.
    pub event_id: Uuid,
    /// The event's type (`invoice.authorized` …).
    pub event_type: String,
    /// `pending`, `delivered`, `failed` or `skipped` (kept while its subscription was not
    /// active).
    pub status: String,
    /// Attempts made so far.
    pub attempt_count: u32,
    /// Every attempt of the retry schedule failed (the delivery was dead-lettered).
    pub exhausted: bool,
    /// When the next attempt is due, while pending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
    /// HTTP status of the last attempt, when an answer came back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_status: Option<u16>,
    /// Why the last attempt got no answer (`timeout`, `connect`, `blocked_ip` …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When the event was recorded.
    pub occurred_at: String,
    /// When the delivery was made.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// When it finished, once it has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttemptView {
    /// 1, 2, … within the delivery.
    pub attempt: u32,
    /// `scheduled` (the retry schedule) or `manual` (a redelivery by hand).
    pub trigger: String,
    /// When it started.
    pub started_at: String,
    /// How long it took, in milliseconds.
    pub duration_ms: u32,
    /// The HTTP status, when an answer came back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// Why no answer came back (`timeout`, `connect`, `dns`, `blocked_ip` …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_class: Option<String>,
    /// The first KiB of the response body, as text (invalid UTF-8 replaced).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
    /// When the next attempt was due after this one, if one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
}

/// A delivery with every attempt made, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryDetail {
    /// The delivery.
    #[serde(flatten)]
    pub delivery: DeliveryView,
    /// Its attempts.
    pub attempts: Vec<AttemptView>,
}

/// A page of deliveries, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryPage {
    /// The deliveries of this page (attempts come with `GET /v1/webhooks/deliveries/{id}`).
    pub deliveries: Vec<DeliveryView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Body of `POST /v1/webhooks/subscriptions/{id}/redeliver`: the failed deliveries made in
/// `[since, until)` are queued again; the range is at most 31 days.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeliverRangeBody {
    /// Start of the range, included (RFC 3339).
    #[schema(value_type = crate::shapes::Instant, required = true)]
    pub since: Option<String>,
    /// End of the range, excluded (RFC 3339).
    #[schema(value_type = crate::shapes::Instant, required = true)]
    pub until: Option<String>,
}

/// `202` of a range redelivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RedeliveryQueued {
    /// How many failed deliveries were queued again.
    pub queued: u64,
}

fn http_status(code: Option<i32>) -> Option<u16> {
    code.and_then(|c| u16::try_from(c).ok())
}

impl From<&DeliveryRow> for DeliveryView {
    fn from(row: &DeliveryRow) -> Self {
        Self {
            id: row.delivery_id,
            subscription_id: row.subscription_id,
            event_id: row.event_id,
            event_type: row.event_type.clone(),
            status: row.status.clone(),
            attempt_count: u32::try_from(row.attempts).unwrap_or(0),
            exhausted: row.exhausted,
            next_attempt_at: row
                .next_attempt_at
                .filter(|_| row.status == "pending")
                .map(instant),
            last_status: http_status(row.last_status),
            last_error: row.last_error.clone(),
            occurred_at: instant(row.occurred_at),
            created_at: instant(row.created_at),
            updated_at: instant(row.updated_at),
            finished_at: row.finished_at.map(instant),
        }
    }
}

impl From<&AttemptRow> for AttemptView {
    fn from(row: &AttemptRow) -> Self {
        Self {
            attempt: u32::try_from(row.attempt).unwrap_or(0),
            trigger: row.trigger.clone(),
            started_at: instant(row.started_at),
            duration_ms: u32::try_from(row.duration_ms).unwrap_or(0),
            status_code: http_status(row.status_code),
            error_class: row.error_class.clone(),
            response_body: row
                .response_body
                .as_deref()
                .map(|b| String::from_utf8_lossy(b).into_owned()),
            next_attempt_at: row.next_attempt_at.map(instant),
        }
    }
}
