//! The webhook delivery log over REST: `GET /v1/webhooks/deliveries[/{id}]`, and manual
//! redelivery of one delivery (`POST /v1/webhooks/deliveries/{id}/redeliver`) or of a
//! subscription's failed deliveries in a time range (`POST /v1/webhooks/subscriptions/{id}/
//! redeliver`). Everything is within the caller's tenant; another tenant's delivery or
//! subscription answers 404, as a missing one does.

use axum::{
    Json,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use commands::handler::CommandError;
use domain::SubscriptionId;
use domain::webhook::{EVENT_TYPES, Subscription};
use eventstore::ReadOptions;
use serde::Deserialize;
use time::{Duration, OffsetDateTime, format_description::well_known::Rfc3339};
use uuid::Uuid;

use super::log_body::{
    AttemptView, DeliveryDetail, DeliveryPage, DeliveryView, RedeliverRangeBody, RedeliveryQueued,
};
use crate::invoices::rows::cursor;
use crate::{error::ApiError, extract::ApiJson, extract::ApiPath, fields::Fields};
use crate::{invoices::read::DEFAULT_LIMIT, state::AppState};
use commands::tenants::Principal;
use commands::webhooks::{DeliveryLogFailure, Redelivery};
use projections::query::{self, DeliveryFilter};

/// The statuses a delivery can be in.
const STATUSES: [&str; 4] = query::DELIVERY_STATUSES;
/// The longest range a redelivery request may cover.
const MAX_RANGE: Duration = Duration::days(31);

/// Query parameters of `GET /v1/webhooks/deliveries`, as text so every bad one is reported.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// Only this subscription's deliveries.
    #[param(value_type = Option<uuid::Uuid>)]
    subscription: Option<String>,
    /// `pending`, `delivered`, `failed` or `skipped`.
    #[param(value_type = Option<crate::shapes::DeliveryStatus>)]
    status: Option<String>,
    /// Only deliveries of this event type (`invoice.authorized` …).
    #[param(value_type = Option<crate::shapes::EventType>)]
    event_type: Option<String>,
    /// Page size, 1..=100 (default 25).
    #[param(value_type = Option<crate::shapes::PageSize>)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<crate::shapes::Text>)]
    cursor: Option<String>,
}

/// The filters and page of `GET /v1/webhooks/deliveries`, parsed.
#[derive(Debug)]
struct DeliveryQuery {
    filter: DeliveryFilter,
    limit: u32,
    cursor: Option<String>,
}

fn parse_query(p: DeliveryParams) -> Result<DeliveryQuery, ApiError> {
    let mut fields = Fields::default();
    let subscription = p.subscription.and_then(|text| {
        let parsed = Uuid::try_parse(text.trim()).ok();
        if parsed.is_none() {
            fields.add(
                "subscription",
                "invalid_id",
                format!("`{text}` is not a subscription id"),
            );
        }
        parsed
    });
    let mut one_of = |name: &str, code: &str, known: &[&str], text: Option<String>| {
        let text = text?;
        if known.contains(&text.as_str()) {
            return Some(text);
        }
        fields.add(
            name,
            code,
            format!("`{text}` is not one of {}", known.join(", ")),
        );
        None
    };
    let status = one_of("status", "invalid_status", &STATUSES, p.status);
    let event_type = one_of(
        "event_type",
        "unknown_event_type",
        EVENT_TYPES,
        p.event_type,
    );
    let limit = fields.page_size(p.limit.as_deref(), DEFAULT_LIMIT);
    fields.finish()?;
    Ok(DeliveryQuery {
        filter: DeliveryFilter {
            subscription,
            status,
            event_type,
        },
        limit,
        cursor: p.cursor.filter(|c| !c.is_empty()),
    })
}

/// The tenant's webhook deliveries, newest first, filtered, a page at a time.
#[utoipa::path(get, path = "/v1/webhooks/deliveries", tag = "webhooks",
    operation_id = "list_webhook_deliveries",
    params(DeliveryParams),
    responses((status = 200, body = DeliveryPage), (status = 400, body = crate::Problem),
              (status = 422, body = crate::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "webhooks.deliveries", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    params: Result<Query<DeliveryParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<DeliveryPage>, ApiError> {
    let Query(params) = params.map_err(|_| crate::plain::unreadable_query())?;
    let asked = parse_query(params)?;
    let after = cursor(asked.cursor.as_deref())?;
    let page = query::deliveries(
        state.reads(),
        principal.tenant_id,
        &asked.filter,
        asked.limit,
        after.as_ref(),
    )
    .await?;
    Ok(Json(DeliveryPage {
        deliveries: page.items.iter().map(DeliveryView::from).collect(),
        next_cursor: page.next.map(|c| c.encode()),
    }))
}

/// One delivery with every attempt made (status, duration, the first KiB of each answer).
#[utoipa::path(get, path = "/v1/webhooks/deliveries/{id}", tag = "webhooks",
    operation_id = "get_webhook_delivery",
    params(("id" = Uuid, Path, description = "The delivery's id")),
    responses((status = 200, body = DeliveryDetail), (status = 404, body = crate::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "webhooks.delivery", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<DeliveryDetail>, ApiError> {
    let pool = state.reads();
    let Some(row) = query::delivery(pool, principal.tenant_id, id).await? else {
        return Err(ApiError::not_found("no such delivery"));
    };
    let mut attempts = query::attempts(pool, principal.tenant_id, &[id]).await?;
    Ok(Json(DeliveryDetail {
        delivery: DeliveryView::from(&row),
        attempts: attempts
            .remove(&id)
            .unwrap_or_default()
            .iter()
            .map(AttemptView::from)
            .collect(),
    }))
}

impl From<DeliveryLogFailure> for ApiError {
    fn from(failure: DeliveryLogFailure) -> Self {
        if infra::unavailable::unavailable_in_chain(&failure) {
            Self::unavailable(anyhow::Error::new(failure))
        } else {
            Self::internal(anyhow::Error::new(failure))
        }
    }
}

/// The answer to a redelivery that was not queued.
fn refused<T>(redelivery: Redelivery<T>, missing: &str) -> Result<T, ApiError> {
    match redelivery {
        Redelivery::Queued(value) => Ok(value),
        Redelivery::NotFound => Err(ApiError::not_found(missing.to_owned())),
        Redelivery::Pending => Err(ApiError::new(
            StatusCode::CONFLICT,
            "delivery_pending",
            "the delivery is still pending (or its outcome is being recorded); wait until it \
             finishes",
        )),
        Redelivery::SubscriptionDeleted => Err(ApiError::new(
            StatusCode::GONE,
            "subscription_deleted",
            "the delivery's subscription was deleted; nothing can be sent to it",
        )),
        Redelivery::SubscriptionNotActive => Err(ApiError::new(
            StatusCode::CONFLICT,
            "subscription_not_active",
            "the subscription is paused or disabled; resume or enable it first",
        )),
    }
}

/// Queues one more attempt of a delivery now (marked `manual`), as a fresh round of the retry
/// schedule. Its outcome is recorded on the invoice like the first one's.
#[utoipa::path(post, path = "/v1/webhooks/deliveries/{id}/redeliver", tag = "webhooks",
    operation_id = "redeliver_webhook_delivery",
    params(("id" = Uuid, Path, description = "The delivery's id")),
    responses((status = 202, body = DeliveryView), (status = 404, body = crate::Problem),
              (status = 409, body = crate::Problem), (status = 410, body = crate::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "webhooks.redeliver", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn redeliver(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let outcome = state
        .redeliveries()
        .redeliver(principal.tenant_id, id)
        .await?;
    let row = refused(outcome, "no such delivery")?;
    Ok((StatusCode::ACCEPTED, Json(DeliveryView::from(&row))).into_response())
}

/// Reads one bound of a range; records what is wrong with it.
fn instant(fields: &mut Fields, name: &str, text: Option<&str>) -> Option<OffsetDateTime> {
    let Some(text) = text else {
        fields.add(name, "required", format!("`{name}` is required"));
        return None;
    };
    let parsed = OffsetDateTime::parse(text, &Rfc3339).ok();
    if parsed.is_none() {
        fields.add(
            name,
            "invalid_instant",
            format!("`{text}` is not an RFC 3339 instant"),
        );
    }
    parsed
}

fn parse_range(body: &RedeliverRangeBody) -> Result<(OffsetDateTime, OffsetDateTime), ApiError> {
    let mut fields = Fields::default();
    let since = instant(&mut fields, "since", body.since.as_deref());
    let until = instant(&mut fields, "until", body.until.as_deref());
    if let (Some(since), Some(until)) = (since, until) {
        if since >= until {
            fields.add("until", "empty_range", "`until` must be after `since`");
        } else if until - since > MAX_RANGE {
            fields.add(
                "until",
                "range_too_long",
                "the range covers more than 31 days; split it",
            );
        }
    }
    fields.finish()?;
    match (since, until) {
        (Some(since), Some(until)) => Ok((since, until)),
        _ => Err(ApiError::internal(anyhow::anyhow!(
            "a checked bound is missing"
        ))),
    }
}

/// Queues again every failed delivery of the subscription made in `[since, until)` (at most 31
/// days); answers how many.
#[utoipa::path(post, path = "/v1/webhooks/subscriptions/{id}/redeliver", tag = "webhooks",
    operation_id = "redeliver_failed_webhook_deliveries",
    params(("id" = Uuid, Path, description = "The subscription's id")),
    request_body = RedeliverRangeBody,
    responses((status = 202, body = RedeliveryQueued), (status = 404, body = crate::Problem),
              (status = 409, body = crate::Problem), (status = 410, body = crate::Problem),
              (status = 422, body = crate::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "webhooks.redeliver_range", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn redeliver_range(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    body: ApiJson<RedeliverRangeBody>,
) -> Result<Response, ApiError> {
    let (since, until) = parse_range(&body.value)?;
    let outcome = state
        .redeliveries()
        .redeliver_failed(principal.tenant_id, id, since, until)
        .await?;
    if matches!(outcome, Redelivery::NotFound) && exists(&state, &principal, id).await? {
        // Created, but not yet seen by the delivery engine: nothing of it can have failed.
        return Ok((StatusCode::ACCEPTED, Json(RedeliveryQueued { queued: 0 })).into_response());
    }
    let queued = refused(outcome, "no such subscription")?;
    Ok((StatusCode::ACCEPTED, Json(RedeliveryQueued { queued })).into_response())
}

/// Whether the tenant's subscription `id` has a stream (it was created, whatever the delivery
/// engine's table knows yet).
async fn exists(state: &AppState, principal: &Principal, id: Uuid) -> Result<bool, ApiError> {
    let stream = Subscription::stream_id(SubscriptionId(id));
    let options = ReadOptions {
        up_to_version: Some(0),
        ..ReadOptions::default()
    };
    let events = state
        .store()
        .read_stream(principal.tenant_id, &stream, options)
        .await
        .map_err(|e| ApiError::from(CommandError::from(e)))?;
    Ok(!events.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(since: Option<&str>, until: Option<&str>) -> Result<(), Vec<(String, String)>> {
        let body = RedeliverRangeBody {
            since: since.map(str::to_owned),
            until: until.map(str::to_owned),
        };
        parse_range(&body).map(|_| ()).map_err(|e| {
            e.field_errors()
                .iter()
                .map(|f| (f.field.clone(), f.code.clone()))
                .collect()
        })
    }

    fn pair(field: &str, code: &str) -> (String, String) {
        (field.to_owned(), code.to_owned())
    }

    #[test]
    fn a_range_must_be_two_instants_in_order_within_31_days() {
        assert_eq!(
            range(Some("2026-11-01T00:00:00Z"), Some("2026-12-02T00:00:00Z")),
            Ok(())
        );
        assert_eq!(
            range(None, Some("yesterday")),
            Err(vec![
                pair("since", "required"),
                pair("until", "invalid_instant")
            ])
        );
        assert_eq!(
            range(Some("2026-11-02T00:00:00Z"), Some("2026-11-02T00:00:00Z")),
            Err(vec![pair("until", "empty_range")])
        );
        assert_eq!(
            range(Some("2026-11-01T00:00:00Z"), Some("2026-12-02T00:00:01Z")),
            Err(vec![pair("until", "range_too_long")])
        );
    }

    #[test]
    fn every_bad_list_parameter_is_reported_at_once() {
        let params = DeliveryParams {
            subscription: Some("nope".to_owned()),
            status: Some("lost".to_owned()),
            event_type: Some("invoice.cae_granted".to_owned()),
            limit: Some("0".to_owned()),
            cursor: None,
        };
        let error = parse_query(params).err().map(|e| {
            e.field_errors()
                .iter()
                .map(|f| f.field.clone())
                .collect::<Vec<_>>()
        });
        assert_eq!(
            error,
            Some(vec![
                "subscription".to_owned(),
                "status".to_owned(),
                "event_type".to_owned(),
                "limit".to_owned()
            ])
        );
    }
}
