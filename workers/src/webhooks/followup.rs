//! What follows a final outcome: `invoice.webhook_delivered` / `invoice.webhook_delivery_failed`
//! on the invoice's stream, `webhook.delivery_exhausted` on the subscription's, and disabling a
//! subscription that answered 410 or kept failing.
//!
//! The transaction that finishes a delivery queues it in `webhooks.outcomes_due`; the events are
//! appended right after, the queue's row is deleted once they are stored, and a sweep appends
//! whatever a crash or a failed append left queued. Both targets are
//! idempotent (the invoice records each delivery's outcome once; the exhausted event's id is
//! derived from the delivery), so the sweep may repeat an append safely.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use domain::invoice::{RecordWebhookOutcome, WebhookDelivered, WebhookDeliveryFailed};
use domain::webhook::DisableReason;
use domain::{InvoiceId, TenantId};
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::batch::{Batcher, relaxed};
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

    /// Records several outcomes of `tenant`'s invoices (several may concern one invoice); one
    /// answer per outcome, in order. By default one after the other.
    async fn record_outcomes(
        &self,
        tenant: TenantId,
        outcomes: Vec<(InvoiceId, RecordWebhookOutcome)>,
    ) -> Vec<anyhow::Result<()>> {
        let mut answers = Vec::with_capacity(outcomes.len());
        for (invoice, outcome) in outcomes {
            answers.push(self.record_outcome(tenant, invoice, outcome).await);
        }
        answers
    }

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

const DUE: &str = "select d.delivery_id, d.tenant_id, d.subscription_id, d.event_id, \
         d.stream_id, d.status, d.attempts, d.last_status, d.last_error, d.exhausted, \
         (extract(epoch from coalesce(d.finished_at, now()) - d.occurred_at) * 1000)::int8 \
             as duration_ms \
     from webhooks.outcomes_due o join webhooks.deliveries d using (delivery_id)";

/// Outcomes settled in one go at most.
const SETTLE_BATCH: usize = 256;

/// Appends the events of finished deliveries.
#[derive(Clone)]
pub(super) struct Followups {
    appender: Appender,
    settler: Arc<Batcher<Uuid, ()>>,
}

/// What appends a batch of outcomes.
#[derive(Clone)]
struct Appender {
    pool: PgPool,
    control: Arc<dyn SubscriptionControl>,
}

impl Followups {
    /// Starts the task that settles finished deliveries in batches: call within a Tokio runtime.
    pub fn new(pool: PgPool, control: Arc<dyn SubscriptionControl>) -> Self {
        let appender = Appender { pool, control };
        let writer = appender.clone();
        let settler = Batcher::spawn(SETTLE_BATCH, move |ids: Vec<Uuid>| {
            let writer = writer.clone();
            async move {
                writer.settle(&ids).await;
                vec![(); ids.len()]
            }
        });
        Self {
            appender,
            settler: Arc::new(settler),
        }
    }

    /// Appends the events of `delivery_id` (with those of the deliveries finished meanwhile);
    /// failures are left to the sweep.
    pub async fn settle(&self, delivery_id: Uuid) {
        if self.settler.submit(delivery_id).await.is_none() {
            tracing::warn!(%delivery_id, "the outcome settler stopped; the sweep appends it");
        }
    }

    /// Appends the events still due for deliveries finished a while ago (a crash, a failed
    /// append). Returns how many deliveries it found due.
    ///
    /// # Errors
    /// Database failures.
    pub async fn sweep(&self) -> anyhow::Result<usize> {
        let due: Vec<Due> = sqlx::query_as(&format!(
            "{DUE} where o.finished_at < now() - interval '2 seconds' \
             order by o.finished_at limit 100"
        ))
        .fetch_all(&self.appender.pool)
        .await?;
        let count = due.len();
        self.appender.append(due).await;
        Ok(count)
    }

    /// Disables a subscription; a failure is logged (the next failing attempt tries again).
    pub async fn disable(
        &self,
        tenant: TenantId,
        subscription: Uuid,
        reason: DisableReason,
        since: OffsetDateTime,
    ) {
        self.appender
            .disable(tenant, subscription, reason, since)
            .await;
    }
}

impl Appender {
    /// Appends the events due for `ids`; failures are logged and left to the sweep.
    async fn settle(&self, ids: &[Uuid]) {
        let due: Result<Vec<Due>, _> =
            sqlx::query_as(&format!("{DUE} where o.delivery_id = any($1)"))
                .bind(ids)
                .fetch_all(&self.pool)
                .await;
        match due {
            Ok(due) => self.append(due).await,
            Err(error) => {
                tracing::warn!(error = %infra::Causes(&error), "reading finished deliveries")
            }
        }
    }

    /// Records the outcomes on the invoices (per tenant, in one batch), the exhaustions on the
    /// subscriptions, then takes every delivery whose events are all stored off the queue.
    async fn append(&self, due: Vec<Due>) {
        let mut by_tenant: BTreeMap<Uuid, Vec<usize>> = BTreeMap::new();
        for (i, row) in due.iter().enumerate() {
            by_tenant.entry(row.tenant_id).or_default().push(i);
        }
        let mut stored = vec![true; due.len()];
        for (tenant, rows) in by_tenant {
            let tenant = TenantId(tenant);
            let on_invoices: Vec<(usize, InvoiceId)> = rows
                .iter()
                .filter_map(|&i| Some((i, InvoiceId(invoice_of(&due[i].stream_id)?))))
                .collect();
            let outcomes = on_invoices
                .iter()
                .map(|&(i, invoice)| (invoice, outcome(&due[i])))
                .collect();
            let answers = self.control.record_outcomes(tenant, outcomes).await;
            for (&(i, _), answer) in on_invoices.iter().zip(answers) {
                if let Err(error) = answer {
                    stored[i] = false;
                    tracing::warn!(
                        delivery = %due[i].delivery_id,
                        error = format!("{error:#}"),
                        "recording a webhook outcome on its invoice failed; the sweep retries it"
                    );
                }
            }
            for &i in &rows {
                let row = &due[i];
                if !row.exhausted {
                    continue;
                }
                let exhausted = Exhausted {
                    subscription_id: row.subscription_id,
                    delivery_id: row.delivery_id,
                    event_id: row.event_id,
                    attempts: u32::try_from(row.attempts).unwrap_or(0),
                };
                if let Err(error) = self.control.exhausted(tenant, exhausted).await {
                    stored[i] = false;
                    tracing::warn!(
                        delivery = %row.delivery_id,
                        error = format!("{error:#}"),
                        "recording an exhausted delivery failed; the sweep retries it"
                    );
                }
            }
        }
        let done: Vec<Uuid> = due
            .iter()
            .zip(&stored)
            .filter(|(_, stored)| **stored)
            .map(|(row, _)| row.delivery_id)
            .collect();
        if done.is_empty() {
            return;
        }
        let cleared = async {
            let mut tx = relaxed(&self.pool).await?;
            sqlx::query("delete from webhooks.outcomes_due where delivery_id = any($1)")
                .bind(&done)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        }
        .await;
        if let Err(error) = cleared {
            tracing::warn!(error = %infra::Causes(&error), "clearing settled deliveries failed; the sweep repeats them");
        }
    }

    async fn disable(
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
                tracing::warn!(error = %infra::Causes(&error), %subscription, "keeping a disabled subscription's deliveries");
            }
        }
    }
}

/// The invoice's record of a finished delivery.
fn outcome(due: &Due) -> RecordWebhookOutcome {
    let attempts = u32::try_from(due.attempts).unwrap_or(0);
    let duration_ms = u64::try_from(due.duration_ms).unwrap_or(0);
    let last_status = due.last_status.and_then(|s| u16::try_from(s).ok());
    if due.status == "delivered" {
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
    }
}
