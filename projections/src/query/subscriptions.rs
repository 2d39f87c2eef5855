//! The webhook subscriptions read table (`webhooks.subscriptions`, kept by the
//! `workers::webhooks::SubscriptionsProjector`), always within one tenant: one subscription, or a page of
//! them oldest first. Deleted subscriptions are never answered.

use domain::TenantId;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ProjectionError;

/// A subscription as the read table holds it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SubscriptionRow {
    /// The subscription.
    pub subscription_id: Uuid,
    /// The endpoint.
    pub url: String,
    /// Event types; empty means all.
    pub event_types: Vec<String>,
    /// A note for humans.
    pub description: Option<String>,
    /// `active`, `paused` or `disabled`.
    pub status: String,
    /// Stream version applied.
    pub version: i64,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
    /// When it was disabled, while it is.
    pub disabled_at: Option<OffsetDateTime>,
}

const COLUMNS: &str = "subscription_id, url, event_types, description, status, version, \
     created_at, updated_at, disabled_at";

/// Subscription `id` of `tenant`, or `None` (also when it belongs to another tenant or was
/// deleted).
///
/// # Errors
/// Database failures.
pub async fn subscription(
    pool: &PgPool,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<SubscriptionRow>, ProjectionError> {
    let row = sqlx::query_as(&format!(
        "select {COLUMNS} from webhooks.subscriptions \
         where subscription_id = $1 and tenant_id = $2 and status <> 'deleted'"
    ))
    .bind(id)
    .bind(tenant.as_uuid())
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

/// How many subscriptions `tenant` has (deleted ones aside).
///
/// # Errors
/// Database failures.
pub async fn subscription_count(pool: &PgPool, tenant: TenantId) -> Result<i64, ProjectionError> {
    let count = sqlx::query_scalar(
        "select count(*) from webhooks.subscriptions where tenant_id = $1 and status <> 'deleted'",
    )
    .bind(tenant.as_uuid())
    .fetch_one(pool)
    .await?;
    Ok(count)
}

/// Up to `limit` subscriptions of `tenant` after `after` (by id, oldest first).
///
/// # Errors
/// Database failures.
pub async fn subscriptions(
    pool: &PgPool,
    tenant: TenantId,
    limit: u32,
    after: Option<Uuid>,
) -> Result<Vec<SubscriptionRow>, ProjectionError> {
    let rows = sqlx::query_as(&format!(
        "select {COLUMNS} from webhooks.subscriptions \
         where tenant_id = $1 and status <> 'deleted' \
           and ($2::uuid is null or subscription_id > $2) \
         order by subscription_id limit $3"
    ))
    .bind(tenant.as_uuid())
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    Ok(rows)
}
