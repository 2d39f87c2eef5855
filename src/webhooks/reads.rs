//! The subscriptions read table behind the REST reads: [`PgSubscriptionReads`] implements the
//! command router's [`SubscriptionReads`] port. Deleted subscriptions are never answered.

use std::time::Duration;

use async_trait::async_trait;
use commands::ports::ReadFailure;
use commands::webhooks::{SubscriptionReads, SubscriptionRow};
use domain::{GlobalPosition, TenantId};
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// Reads `webhooks.subscriptions` of one database.
#[derive(Debug, Clone)]
pub struct PgSubscriptionReads {
    pool: PgPool,
}

impl PgSubscriptionReads {
    /// Over `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

type Row = (
    Uuid,
    String,
    Vec<String>,
    Option<String>,
    String,
    i64,
    OffsetDateTime,
    OffsetDateTime,
    Option<OffsetDateTime>,
);

const COLUMNS: &str = "subscription_id, url, event_types, description, status, version, \
     created_at, updated_at, disabled_at";

fn row(r: &Row) -> SubscriptionRow {
    SubscriptionRow {
        subscription_id: r.0,
        url: r.1.clone(),
        event_types: r.2.clone(),
        description: r.3.clone(),
        status: r.4.clone(),
        version: u64::try_from(r.5).unwrap_or_default(),
        created_at: r.6,
        updated_at: r.7,
        disabled_at: r.8,
    }
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(unavailable)`
fn unavailable(error: sqlx::Error) -> ReadFailure {
    ReadFailure::Unavailable(error.to_string())
}

#[async_trait]
impl SubscriptionReads for PgSubscriptionReads {
    async fn subscription(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<Option<SubscriptionRow>, ReadFailure> {
        let found: Option<Row> = sqlx::query_as(&format!(
            "select {COLUMNS} from webhooks.subscriptions \
             where subscription_id = $1 and tenant_id = $2 and status <> 'deleted'"
        ))
        .bind(id)
        .bind(tenant.as_uuid())
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(found.as_ref().map(row))
    }

    async fn subscriptions(
        &self,
        tenant: TenantId,
        limit: u32,
        after: Option<Uuid>,
    ) -> Result<Vec<SubscriptionRow>, ReadFailure> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "select {COLUMNS} from webhooks.subscriptions \
             where tenant_id = $1 and status <> 'deleted' \
               and ($2::uuid is null or subscription_id > $2) \
             order by subscription_id limit $3"
        ))
        .bind(tenant.as_uuid())
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(rows.iter().map(row).collect())
    }

    async fn caught_up(
        &self,
        position: GlobalPosition,
        within: Duration,
    ) -> Result<bool, ReadFailure> {
        projections::query::caught_up(&self.pool, "webhook_subscriptions", position, within)
            .await
            .map_err(|e| ReadFailure::Unavailable(e.to_string()))
    }
}
