//! Manual redeliveries for the API: [`PgRedeliveries`] implements `commands`' [`Redeliveries`]
//! port over `webhooks.deliveries`, answering a queued delivery as the read side's
//! [`DeliveryRow`] (its reads are `projections::query`'s).
//!
//! A redelivery puts the delivery back to `pending`, due now, with `manual` set (its next attempt
//! is recorded with trigger `manual`) and `round_start` at the attempts made so far, so the retry
//! schedule starts over for the new round; the dispatcher then sends it like any due delivery,
//! and its final outcome is recorded on the invoice again (the invoice tells rounds apart by
//! their attempt count). A delivery still pending, or whose last outcome is still being
//! recorded (queued in `webhooks.outcomes_due`), is left alone.

use async_trait::async_trait;
use commands::webhooks::{DeliveryLogFailure, Redeliveries, Redelivery};
use domain::TenantId;
use projections::query::{DELIVERY_COLUMNS, DeliveryRow};
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// Requeues the deliveries of one database.
#[derive(Debug, Clone)]
pub struct PgRedeliveries {
    pool: PgPool,
}

impl PgRedeliveries {
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
fn unavailable(error: sqlx::Error) -> DeliveryLogFailure {
    DeliveryLogFailure(anyhow::Error::new(error))
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
impl Redeliveries for PgRedeliveries {
    type Queued = DeliveryRow;

    async fn redeliver(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<Redelivery<DeliveryRow>, DeliveryLogFailure> {
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
        Ok(Redelivery::Queued(row))
    }

    async fn redeliver_failed(
        &self,
        tenant: TenantId,
        subscription: Uuid,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Redelivery<u64>, DeliveryLogFailure> {
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
