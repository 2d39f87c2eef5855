//! The port to the webhook delivery log's manual redeliveries: one delivery, or every failed
//! delivery of a subscription in a range. The delivery engine implements it over the table it
//! owns and makes the attempts; reads of the log are the read side's (`projections::query`).

use domain::TenantId;
use time::OffsetDateTime;
use uuid::Uuid;

/// What a redelivery request came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redelivery<T> {
    /// Queued for an attempt now.
    Queued(T),
    /// No such delivery (or subscription) in the tenant.
    NotFound,
    /// The delivery is still pending, or its outcome is still being recorded.
    Pending,
    /// The subscription was deleted.
    SubscriptionDeleted,
    /// The subscription is paused or disabled.
    SubscriptionNotActive,
}

/// The delivery log could not be read or changed; nothing was queued.
#[derive(Debug, thiserror::Error)]
#[error("the webhook delivery log is unavailable")]
pub struct DeliveryLogFailure(#[source] pub anyhow::Error);

/// Manual redeliveries, within one tenant.
#[async_trait::async_trait]
pub trait Redeliveries: Send + Sync {
    /// What a queued delivery is answered as (the delivery as the read side shows it).
    type Queued: Send;

    /// Queues one more attempt of delivery `id` now, as a new round of the retry schedule whose
    /// first attempt is marked `manual`; answers the delivery as queued.
    async fn redeliver(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<Redelivery<Self::Queued>, DeliveryLogFailure>;

    /// Queues again, like [`Redeliveries::redeliver`], every failed delivery of `subscription`
    /// made in `[since, until)`; answers how many.
    async fn redeliver_failed(
        &self,
        tenant: TenantId,
        subscription: Uuid,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Redelivery<u64>, DeliveryLogFailure>;
}
