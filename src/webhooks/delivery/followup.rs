//! What follows a final outcome: `invoice.webhook_delivered` / `invoice.webhook_delivery_failed`
//! on the invoice's stream, `webhook.delivery_exhausted` on the subscription's, and disabling a
//! subscription that answered 410 or kept failing.
//!
//! A delivery is marked `followup_due` in the transaction that finishes it; the events are
//! appended right after, and a sweep appends whatever a crash left due. Both targets are
//! idempotent (the invoice records each delivery's outcome once; the exhausted event's id is
//! derived from the delivery), so the sweep may repeat an append safely.

use std::sync::Arc;

use async_trait::async_trait;
use domain::invoice::{RecordWebhookOutcome, WebhookDelivered, WebhookDeliveryFailed};
use domain::webhook::DisableReason;
use domain::{InvoiceId, TenantId};
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::payload::invoice_of;

/// A delivery that ran out of attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exhausted {
    /// The subscription.
    pub subscription_id: Uuid,
    /// The delivery.
    pub delivery_id: Uuid,
    /// The event it carried.
    pub event_id: Uuid,
    /// Attempts made.
    pub attempts: u32,
}

/// The write side the engine reports to.
#[async_trait]
pub trait SubscriptionControl: Send + Sync {
    /// Records a delivery's final outcome on its invoice (once per delivery).
    async fn record_outcome(
        &self,
        tenant: TenantId,
        invoice: InvoiceId,
        outcome: RecordWebhookOutcome,
    ) -> anyhow::Result<()>;

    /// Appends `webhook.delivery_exhausted` to the subscription's stream (once per delivery).
    async fn exhausted(&self, tenant: TenantId, exhausted: Exhausted) -> anyhow::Result<()>;

    /// Disables the subscription (nothing when it is disabled or deleted already).
    async fn disable(
        &self,
        tenant: TenantId,
        subscription: Uuid,
        reason: DisableReason,
        since: OffsetDateTime,
    ) -> anyhow::Result<()>;
}

/// A finished delivery whose events are due.
#[derive(Debug, sqlx::FromRow)]
struct Due {
    delivery_id: Uuid,
    tenant_id: Uuid,
    subscription_id: Uuid,
    event_id: Uuid,
    stream_id: String,
    status: String,
    attempts: i32,
    last_status: Option<i32>,
    last_error: Option<String>,
    exhausted: bool,
    duration_ms: i64,
}

const DUE: &str = "select delivery_id, tenant_id, subscription_id, event_id, stream_id, status, \
         attempts, last_status, last_error, exhausted, \
         (extract(epoch from coalesce(finished_at, now()) - occurred_at) * 1000)::int8 \
             as duration_ms \
     from webhooks.deliveries where followup_due";

/// Appends the events of finished deliveries.
#[derive(Clone)]
pub(super) struct Followups {
    pool: PgPool,
    control: Arc<dyn SubscriptionControl>,
}

impl Followups {
    pub fn new(pool: PgPool, control: Arc<dyn SubscriptionControl>) -> Self {
        Self { pool, control }
    }

    /// Appends the events of `delivery_id` now; failures are left to the sweep.
    pub async fn settle(&self, delivery_id: Uuid) {
        let due: Result<Option<Due>, _> = sqlx::query_as(&format!("{DUE} and delivery_id = $1"))
            .bind(delivery_id)
            .fetch_optional(&self.pool)
            .await;
        match due {
            Ok(Some(due)) => self.settle_one(due).await,
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, %delivery_id, "reading a finished delivery"),
        }
    }

    /// Appends the events still due for deliveries finished a while ago (a crash, a failed
    /// append). Returns how many deliveries it settled.
    ///
    /// # Errors
    /// Database failures.
    pub async fn sweep(&self) -> anyhow::Result<usize> {
        let due: Vec<Due> = sqlx::query_as(&format!(
            "{DUE} and updated_at < now() - interval '2 seconds' order by updated_at limit 100"
        ))
        .fetch_all(&self.pool)
        .await?;
        let count = due.len();
        for row in due {
            self.settle_one(row).await;
        }
        Ok(count)
    }

    async fn settle_one(&self, due: Due) {
        let delivery = due.delivery_id;
        if let Err(error) = self.append(due).await {
            tracing::warn!(
                %delivery,
                error = format!("{error:#}"),
                "appending a webhook outcome failed; the sweep retries it"
            );
        }
    }

    async fn append(&self, due: Due) -> anyhow::Result<()> {
        let tenant = TenantId(due.tenant_id);
        let attempts = u32::try_from(due.attempts).unwrap_or(0);
        let duration_ms = u64::try_from(due.duration_ms).unwrap_or(0);
        let last_status = due.last_status.and_then(|s| u16::try_from(s).ok());
        if let Some(invoice) = invoice_of(&due.stream_id) {
            let outcome = if due.status == "delivered" {
                RecordWebhookOutcome::Delivered(WebhookDelivered {
                    subscription_id: due.subscription_id,
                    delivery_id: due.delivery_id,
                    event_id: due.event_id,
                    attempts,
                    last_status: last_status.unwrap_or(200),
                    duration_ms,
                })
            } else {
                RecordWebhookOutcome::Failed(WebhookDeliveryFailed {
                    subscription_id: due.subscription_id,
                    delivery_id: due.delivery_id,
                    event_id: due.event_id,
                    attempts,
                    last_status,
                    last_error: due.last_error.clone(),
                    duration_ms,
                })
            };
            self.control
                .record_outcome(tenant, InvoiceId(invoice), outcome)
                .await?;
        }
        if due.exhausted {
            let exhausted = Exhausted {
                subscription_id: due.subscription_id,
                delivery_id: due.delivery_id,
                event_id: due.event_id,
                attempts,
            };
            self.control.exhausted(tenant, exhausted).await?;
        }
        sqlx::query("update webhooks.deliveries set followup_due = false where delivery_id = $1")
            .bind(due.delivery_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Disables a subscription; a failure is logged (the next failing attempt tries again).
    pub async fn disable(
        &self,
        tenant: TenantId,
        subscription: Uuid,
        reason: DisableReason,
        since: OffsetDateTime,
    ) {
        if let Err(error) = self
            .control
            .disable(tenant, subscription, reason, since)
            .await
        {
            tracing::warn!(
                %subscription,
                reason = reason.as_str(),
                error = format!("{error:#}"),
                "disabling a webhook subscription failed"
            );
        } else {
            tracing::warn!(%subscription, reason = reason.as_str(), "webhook subscription disabled");
            // What waits for it is kept as skipped, to recover once it is enabled again.
            let skipped = sqlx::query(
                "update webhooks.deliveries set status = 'skipped', next_attempt_at = null, \
                     updated_at = now() where subscription_id = $1 and status = 'pending'",
            )
            .bind(subscription)
            .execute(&self.pool)
            .await;
            if let Err(error) = skipped {
                tracing::warn!(%error, %subscription, "keeping a disabled subscription's deliveries");
            }
        }
    }
}
