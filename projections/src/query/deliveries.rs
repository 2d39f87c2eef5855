//! The webhook delivery log (`webhooks.deliveries` and `webhooks.attempts`, kept by the delivery
//! engine), always within one tenant: pages of deliveries newest first under a few filters, and
//! the attempts of the deliveries of a page.

use std::collections::HashMap;

use domain::TenantId;
use sqlx::{PgPool, Postgres, QueryBuilder};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Cursor, MAX_PAGE, Page, group};
use crate::ProjectionError;

/// The statuses a delivery can be in.
pub const DELIVERY_STATUSES: [&str; 4] = ["pending", "delivered", "failed", "skipped"];

/// One delivery: an event sent (or to be sent) to one subscription.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryRow {
    /// The delivery (receivers see `msg_<hex>` of it as `webhook-id`).
    pub delivery_id: Uuid,
    /// The subscription it goes to.
    pub subscription_id: Uuid,
    /// The event it carries.
    pub event_id: Uuid,
    /// The event's public type.
    pub event_type: String,
    /// One of [`DELIVERY_STATUSES`].
    pub status: String,
    /// Attempts made.
    pub attempts: i32,
    /// Every attempt of the schedule failed.
    pub exhausted: bool,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<OffsetDateTime>,
    /// HTTP status of the last attempt, when one came back.
    pub last_status: Option<i32>,
    /// Why the last attempt got no HTTP answer.
    pub last_error: Option<String>,
    /// When the event was recorded.
    pub occurred_at: OffsetDateTime,
    /// When the delivery was made.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
    /// When it finished, once it has.
    pub finished_at: Option<OffsetDateTime>,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AttemptRow {
    /// The delivery.
    pub delivery_id: Uuid,
    /// 1, 2, … within the delivery.
    pub attempt: i32,
    /// `scheduled` or `manual` (a redelivery by hand).
    pub trigger: String,
    /// When it started.
    pub started_at: OffsetDateTime,
    /// How long it took.
    pub duration_ms: i32,
    /// The HTTP status, when an answer came back.
    pub status_code: Option<i32>,
    /// Why no answer came back (`timeout`, `connect`, `blocked_ip` …).
    pub error_class: Option<String>,
    /// The first KiB of the response body.
    pub response_body: Option<Vec<u8>>,
    /// When the next attempt was due after this one, if any.
    pub next_attempt_at: Option<OffsetDateTime>,
}

/// Which deliveries to list; every field given narrows the list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryFilter {
    /// One subscription.
    pub subscription: Option<Uuid>,
    /// One of [`DELIVERY_STATUSES`].
    pub status: Option<String>,
    /// One public event type.
    pub event_type: Option<String>,
}

/// The columns of a [`DeliveryRow`].
pub const DELIVERY_COLUMNS: &str = "delivery_id, subscription_id, event_id, event_type, status, \
     attempts, exhausted, next_attempt_at, last_status, last_error, occurred_at, created_at, \
     updated_at, finished_at";

/// Delivery `id` of `tenant`, or `None` (also when it belongs to another tenant).
///
/// # Errors
/// Database failures.
pub async fn delivery(
    pool: &PgPool,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<DeliveryRow>, ProjectionError> {
    let row = sqlx::query_as(&format!(
        "select {DELIVERY_COLUMNS} from webhooks.deliveries \
         where tenant_id = $1 and delivery_id = $2"
    ))
    .bind(tenant.as_uuid())
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

/// Up to `first` (1..=[`MAX_PAGE`]) deliveries of `tenant` matching `filter`, newest first,
/// after `after` (a cursor from an earlier page).
///
/// # Errors
/// Database failures.
pub async fn deliveries(
    pool: &PgPool,
    tenant: TenantId,
    filter: &DeliveryFilter,
    first: u32,
    after: Option<&Cursor>,
) -> Result<Page<DeliveryRow>, ProjectionError> {
    let first = first.clamp(1, MAX_PAGE);
    let mut sql = QueryBuilder::<Postgres>::new(format!(
        "select {DELIVERY_COLUMNS} from webhooks.deliveries where tenant_id = "
    ));
    sql.push_bind(tenant.as_uuid());
    if let Some(subscription) = filter.subscription {
        sql.push(" and subscription_id = ").push_bind(subscription);
    }
    if let Some(status) = &filter.status {
        sql.push(" and status = ").push_bind(status.clone());
    }
    if let Some(event_type) = &filter.event_type {
        sql.push(" and event_type = ").push_bind(event_type.clone());
    }
    if let Some(cursor) = after {
        cursor.push_on(&mut sql, "created_at, delivery_id");
    }
    sql.push(" order by created_at desc, delivery_id desc limit ")
        .push_bind(i64::from(first) + 1);
    let mut rows: Vec<DeliveryRow> = sql.build_query_as().fetch_all(pool).await?;
    let more = rows.len() > first as usize;
    rows.truncate(first as usize);
    let next = rows
        .last()
        .filter(|_| more)
        .map(|last| Cursor::after(last.created_at, last.delivery_id));
    Ok(Page { items: rows, next })
}

/// The attempts of deliveries `ids` of `tenant`, by delivery, each list in attempt order.
///
/// # Errors
/// Database failures.
pub async fn attempts(
    pool: &PgPool,
    tenant: TenantId,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<AttemptRow>>, ProjectionError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<AttemptRow> = sqlx::query_as(
        "select delivery_id, attempt, trigger, started_at, duration_ms, status_code, \
             error_class, response_body, next_attempt_at \
         from webhooks.attempts where tenant_id = $1 and delivery_id = any($2) \
         order by delivery_id, attempt",
    )
    .bind(tenant.as_uuid())
    .bind(ids)
    .fetch_all(pool)
    .await?;
    Ok(group(rows, |a| a.delivery_id))
}
