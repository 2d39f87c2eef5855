//! The port to the webhook delivery log: reads of deliveries and their attempts, and the two
//! manual redeliveries (one delivery, or every failed delivery of a subscription in a range).
//! The root implements it over `webhooks.deliveries`; the delivery engine makes the attempts.

use domain::TenantId;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::http::webhooks::log_body::{DeliveryDetail, DeliveryPage, DeliveryView};
use crate::ports::ReadFailure;

/// The filters and page of `GET /v1/webhooks/deliveries`, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryQuery {
    /// One subscription.
    pub subscription: Option<Uuid>,
    /// `pending`, `delivered`, `failed` or `skipped`.
    pub status: Option<String>,
    /// One public event type.
    pub event_type: Option<String>,
    /// Page size, 1..=100.
    pub limit: u32,
    /// Where the previous page ended.
    pub cursor: Option<String>,
}

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

/// The webhook delivery log, within one tenant.
#[async_trait::async_trait]
pub trait DeliveryLog: Send + Sync {
    /// A page of the tenant's deliveries matching `query`, newest first (without attempts).
    async fn deliveries(
        &self,
        tenant: TenantId,
        query: &DeliveryQuery,
    ) -> Result<DeliveryPage, ReadFailure>;

    /// One delivery of `tenant` with all its attempts, or `None` (also another tenant's).
    async fn delivery(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<Option<DeliveryDetail>, ReadFailure>;

    /// Queues one more attempt of delivery `id` now, as a new round of the retry schedule whose
    /// first attempt is marked `manual`; answers the delivery as queued.
    async fn redeliver(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<Redelivery<DeliveryView>, ReadFailure>;

    /// Queues again, like [`DeliveryLog::redeliver`], every failed delivery of `subscription`
    /// made in `[since, until)`; answers how many.
    async fn redeliver_failed(
        &self,
        tenant: TenantId,
        subscription: Uuid,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Redelivery<u64>, ReadFailure>;
}
