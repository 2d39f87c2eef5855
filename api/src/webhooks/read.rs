//! `GET /v1/webhooks/subscriptions[/{id}]`: reads of the subscriptions read table within the
//! caller's tenant. A command's `ARCA-Position` sent back as `ARCA-Read-After` makes the read
//! wait (bounded) until the table shows that write; past the bound the read answers anyway with
//! `ARCA-Read-Stale: true` (or `404 not_yet_visible`).

use axum::{
    Json,
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use uuid::Uuid;

use super::body::{SubscriptionPage, SubscriptionView};
use crate::{
    error::ApiError,
    extract::ApiPath,
    fields::Fields,
    invoices::read::{one_row, read_after, stale_headers},
    state::AppState,
};
use commands::tenants::Principal;
use projections::query::{self, SubscriptionRow};

const DEFAULT_LIMIT: u32 = 50;

/// Waits for `ARCA-Read-After` when present; answers whether the table is stale.
async fn await_position(state: &AppState, headers: &HeaderMap) -> Result<bool, ApiError> {
    let Some(position) = read_after(headers)? else {
        return Ok(false);
    };
    let reached = query::caught_up(
        state.reads(),
        "webhook_subscriptions",
        position,
        state.read_wait(),
    )
    .await?;
    Ok(!reached)
}

fn instant(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// The API's view of a read-table row.
pub fn row_view(row: &SubscriptionRow) -> SubscriptionView {
    SubscriptionView {
        id: row.subscription_id,
        url: row.url.clone(),
        event_types: row.event_types.clone(),
        description: row.description.clone(),
        status: row.status.clone(),
        version: u64::try_from(row.version).unwrap_or_default(),
        created_at: Some(instant(row.created_at)),
        updated_at: Some(instant(row.updated_at)),
        disabled_at: row.disabled_at.map(instant),
    }
}

/// One subscription (never its secret).
#[utoipa::path(get, path = "/v1/webhooks/subscriptions/{id}", tag = "webhooks",
    operation_id = "get_webhook_subscription",
    params(("id" = Uuid, Path, description = "The subscription's id"),
           ("ARCA-Read-After" = Option<crate::shapes::Position>, Header, nullable = false, description = "Wait (bounded) until the read table reflects this `ARCA-Position`")),
    responses((status = 200, body = SubscriptionView), (status = 404, body = crate::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "webhooks.get", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let stale = await_position(&state, &headers).await?;
    let found = query::subscription(state.reads(), principal.tenant_id, id).await?;
    one_row(
        stale,
        found.as_ref().map(row_view),
        "the subscription is not in the read table yet; retry shortly",
        "no such subscription",
    )
}

/// Query parameters of `GET /v1/webhooks/subscriptions`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1..=100 (default 50).
    #[param(value_type = Option<crate::shapes::PageSize>)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<crate::shapes::Text>)]
    cursor: Option<String>,
}

/// The tenant's subscriptions, oldest first, a page at a time.
#[utoipa::path(get, path = "/v1/webhooks/subscriptions", tag = "webhooks",
    operation_id = "list_webhook_subscriptions",
    params(ListParams,
           ("ARCA-Read-After" = Option<crate::shapes::Position>, Header, nullable = false, description = "Wait (bounded) until the read table reflects this `ARCA-Position`")),
    responses((status = 200, body = SubscriptionPage), (status = 400, body = crate::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "webhooks.list", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|_| crate::plain::unreadable_query())?;
    let mut fields = Fields::default();
    let limit = fields.page_size(params.limit.as_deref(), DEFAULT_LIMIT);
    fields.finish()?;
    let after = params
        .cursor
        .map(|c| Uuid::try_parse(&c))
        .transpose()
        .map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_cursor",
                "the cursor is not one this service gave out; start again without it",
            )
        })?;
    let stale = await_position(&state, &headers).await?;
    let mut rows =
        query::subscriptions(state.reads(), principal.tenant_id, limit + 1, after).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| rows.last().map(|r| r.subscription_id.to_string()))
        .flatten();
    let page = SubscriptionPage {
        subscriptions: rows.iter().map(row_view).collect(),
        next_cursor,
    };
    Ok((stale_headers(stale), Json(page)).into_response())
}
