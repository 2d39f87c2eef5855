//! The webhook delivery log behind the REST reads and redeliveries: [`PgDeliveryLog`] implements
//! the command router's [`DeliveryLog`] port over `webhooks.deliveries` and `webhooks.attempts`
//! (reads through the projections' queries, shared with GraphQL).
//!
//! A redelivery puts the delivery back to `pending`, due now, with `manual` set (its next attempt
//! is recorded with trigger `manual`) and `round_start` at the attempts made so far, so the retry
//! schedule starts over for the new round; the dispatcher then sends it like any due delivery,
//! and its final outcome is recorded on the invoice again (the invoice tells rounds apart by
//! their attempt count). A delivery still pending, or whose last outcome is still being
//! recorded (queued in `webhooks.outcomes_due`), is left alone.

use async_trait::async_trait;
use commands::http::webhooks::log_body::{AttemptView, DeliveryDetail, DeliveryPage, DeliveryView};
use commands::ports::ReadFailure;
use commands::webhooks::{DeliveryLog, DeliveryQuery, Redelivery};
use domain::TenantId;
use projections::query::{self, AttemptRow, DELIVERY_COLUMNS, DeliveryFilter, DeliveryRow};
use sqlx::PgPool;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::reads::{cursor, failure};

/// Reads and requeues the deliveries of one database.
#[derive(Debug, Clone)]
pub struct PgDeliveryLog {
    pool: PgPool,
}

impl PgDeliveryLog {
    /// Over `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

/// What a redelivery sets: a new round, due now, its first attempt by hand.
const REQUEUE: &str = "update webhooks.deliveries d set status = 'pending', manual = true, \
         round_start = attempts, next_attempt_at = now(), exhausted = false, finished_at = null, \
         leased_until = null, updated_at = now()";

/// Whether the delivery's last outcome is still to be recorded on its invoice.
const OUTCOME_QUEUED: &str =
    "exists (select 1 from webhooks.outcomes_due o where o.delivery_id = d.delivery_id)";

#[allow(clippy::needless_pass_by_value)] // used as `map_err(unavailable)`
fn unavailable(error: sqlx::Error) -> ReadFailure {
    ReadFailure::Unavailable(error.to_string())
}

fn instant(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn http_status(code: Option<i32>) -> Option<u16> {
    code.and_then(|c| u16::try_from(c).ok())
}

fn view(row: &DeliveryRow) -> DeliveryView {
    DeliveryView {
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

fn attempt_view(row: &AttemptRow) -> AttemptView {
    AttemptView {
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

/// Why a subscription in `status` (`None`: no row) takes no redelivery, if it does not.
fn refusal<T>(status: Option<&str>) -> Option<Redelivery<T>> {
    match status {
        Some("active") => None,
        None | Some("deleted") => Some(Redelivery::SubscriptionDeleted),
        Some(_) => Some(Redelivery::SubscriptionNotActive),
    }
}

#[async_trait]
impl DeliveryLog for PgDeliveryLog {
    async fn deliveries(
        &self,
        tenant: TenantId,
        q: &DeliveryQuery,
    ) -> Result<DeliveryPage, ReadFailure> {
        let after = cursor(q.cursor.as_deref())?;
        let filter = DeliveryFilter {
            subscription: q.subscription,
            status: q.status.clone(),
            event_type: q.event_type.clone(),
        };
        let page = query::deliveries(&self.pool, tenant, &filter, q.limit, after.as_ref())
            .await
            .map_err(failure)?;
        Ok(DeliveryPage {
            deliveries: page.items.iter().map(view).collect(),
            next_cursor: page.next.map(|c| c.encode()),
        })
    }

    async fn delivery(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<Option<DeliveryDetail>, ReadFailure> {
        let Some(row) = query::delivery(&self.pool, tenant, id)
            .await
            .map_err(failure)?
        else {
            return Ok(None);
        };
        let mut attempts = query::attempts(&self.pool, tenant, &[id])
            .await
            .map_err(failure)?;
        Ok(Some(DeliveryDetail {
            delivery: view(&row),
            attempts: attempts
                .remove(&id)
                .unwrap_or_default()
                .iter()
                .map(attempt_view)
                .collect(),
        }))
    }

    async fn redeliver(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<Redelivery<DeliveryView>, ReadFailure> {
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        let found: Option<(String, Option<String>)> = sqlx::query_as(
            "select d.status, s.status from webhooks.deliveries d \
                 left join webhooks.subscriptions s using (subscription_id) \
             where d.tenant_id = $1 and d.delivery_id = $2 for update of d",
        )
        .bind(tenant.as_uuid())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(unavailable)?;
        let Some((status, subscription)) = found else {
            return Ok(Redelivery::NotFound);
        };
        if let Some(refused) = refusal(subscription.as_deref()) {
            return Ok(refused);
        }
        if status == "pending" {
            return Ok(Redelivery::Pending);
        }
        // A statement of its own, after the row's lock: it sees the queue of outcomes as the
        // transaction that finished the delivery (and held the lock) left it.
        let row: Option<DeliveryRow> = sqlx::query_as(&format!(
            "{REQUEUE} where delivery_id = $1 and not {OUTCOME_QUEUED} returning {DELIVERY_COLUMNS}"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(unavailable)?;
        let Some(row) = row else {
            return Ok(Redelivery::Pending);
        };
        tx.commit().await.map_err(unavailable)?;
        Ok(Redelivery::Queued(view(&row)))
    }

    async fn redeliver_failed(
        &self,
        tenant: TenantId,
        subscription: Uuid,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Redelivery<u64>, ReadFailure> {
        // The subscription's row is held (shared) until the deliveries are queued, so a pause or
        // a deletion recorded meanwhile waits for this and then applies to them.
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        let found: Option<(String,)> = sqlx::query_as(
            "select status from webhooks.subscriptions \
             where tenant_id = $1 and subscription_id = $2 for share",
        )
        .bind(tenant.as_uuid())
        .bind(subscription)
        .fetch_optional(&mut *tx)
        .await
        .map_err(unavailable)?;
        let Some((status,)) = found else {
            return Ok(Redelivery::NotFound);
        };
        if let Some(refused) = refusal(Some(status.as_str())) {
            return Ok(refused);
        }
        let done = sqlx::query(&format!(
            "{REQUEUE} where tenant_id = $1 and subscription_id = $2 and status = 'failed' \
                 and not {OUTCOME_QUEUED} and created_at >= $3 and created_at < $4"
        ))
        .bind(tenant.as_uuid())
        .bind(subscription)
        .bind(since)
        .bind(until)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        Ok(Redelivery::Queued(done.rows_affected()))
    }
}
