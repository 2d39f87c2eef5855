//! The commands of `/v1/webhooks/subscriptions`.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use domain::{
    SubscriptionId,
    webhook::{
        CreateSubscription, DEFAULT_GRACE_SECONDS, RequestTest, SubscriptionCommand,
        UpdateSubscription,
    },
};
use secrecy::ExposeSecret as _;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::body::{
    CreateBody, CreatedSubscription, RotateBody, RotatedSecret, TestAccepted, UpdateBody,
};
use super::{check_event_types, checked_url, command_headers, run, view};
use crate::{
    error::ApiError,
    extract::{ApiJson, ApiPath, CommandHeaders},
    fields::Fields,
    state::AppState,
};
use commands::tenants::Principal;
use commands::webhooks::{self as flows, SecretFailure, SubscriptionFlowError};

const PATH_ID: &str = "The subscription's id";

/// Subscribes an endpoint; the answer shows its signing secret, this once.
#[utoipa::path(post, path = "/v1/webhooks/subscriptions", operation_id = "create_webhook_subscription", tag = "webhooks",
    request_body = CreateBody,
    responses((status = 201, body = CreatedSubscription),
              (status = 409, description = "The tenant has as many subscriptions as it may (`subscription_limit_reached`)", body = crate::Problem),
              (status = 422, body = crate::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "webhooks.create", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    ApiJson { value: body, .. }: ApiJson<CreateBody>,
) -> Result<Response, ApiError> {
    let mut fields = Fields::default();
    let url = checked_url(&state, &mut fields, &body.url);
    check_event_types(&mut fields, &body.event_types);
    fields.finish()?;
    within_subscription_limit(&state, &principal).await?;
    let request = CreateSubscription {
        subscription_id: SubscriptionId(Uuid::nil()),
        url: url.unwrap_or_default(),
        event_types: body.event_types,
        description: body.description,
        key_id: Uuid::nil(),
    };
    let (executed, secret) = flows::create_subscription(
        state.secret_deps(),
        &state.context(),
        headers.metadata(&principal),
        request,
    )
    .await?;
    let subscription = view(&executed.state, executed.version.unwrap_or_default());
    let mut headers = command_headers(&executed);
    let location = format!("/v1/webhooks/subscriptions/{}", subscription.id);
    if let Ok(location) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, location);
    }
    let body = CreatedSubscription {
        subscription,
        secret: secret.expose_secret().to_owned(),
    };
    Ok((StatusCode::CREATED, headers, Json(body)).into_response())
}

/// Refuses a new subscription when the tenant has as many as it may (`409
/// subscription_limit_reached`). Counted on the subscription list, which follows creations within
/// moments: creations sent all at once may pass it by their number.
async fn within_subscription_limit(
    state: &AppState,
    principal: &Principal,
) -> Result<(), ApiError> {
    let most = state.access().config().subscriptions_per_tenant;
    let count = projections::query::subscription_count(state.reads(), principal.tenant_id).await?;
    if count >= i64::from(most) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "subscription_limit_reached",
            format!(
                "this tenant has {count} webhook subscriptions, the most it may have is {most}: \
                 delete one first"
            ),
        ));
    }
    Ok(())
}

/// Changes the endpoint, its event types or its description.
#[utoipa::path(patch, path = "/v1/webhooks/subscriptions/{id}", operation_id = "update_webhook_subscription", tag = "webhooks",
    params(("id" = Uuid, Path, description = PATH_ID),
           ("If-Match" = Option<crate::shapes::Version>, Header, nullable = false, description = "ETag the change is based on")),
    request_body = UpdateBody,
    responses((status = 200, body = super::body::SubscriptionView), (status = 404, body = crate::Problem),
              (status = 409, body = crate::Problem), (status = 422, body = crate::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "webhooks.update", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn update(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson { value: body, .. }: ApiJson<UpdateBody>,
) -> Result<Response, ApiError> {
    let mut fields = Fields::default();
    let url = match body.url.as_deref() {
        Some(url) => checked_url(&state, &mut fields, url),
        None => None,
    };
    if let Some(types) = &body.event_types {
        check_event_types(&mut fields, types);
    }
    fields.finish()?;
    let command = SubscriptionCommand::Update(UpdateSubscription {
        url,
        event_types: body.event_types,
        description: body.description,
    });
    simple(&state, &principal, &headers, id, command).await
}

/// Deletes the subscription for good (its secrets are destroyed).
#[utoipa::path(delete, path = "/v1/webhooks/subscriptions/{id}", operation_id = "delete_webhook_subscription", tag = "webhooks",
    params(("id" = Uuid, Path, description = PATH_ID)),
    responses((status = 204), (status = 404, body = crate::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "webhooks.delete", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn delete(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let command = SubscriptionCommand::Delete;
    let executed = run(&state, &principal, &headers, SubscriptionId(id), command).await?;
    Ok((StatusCode::NO_CONTENT, command_headers(&executed)).into_response())
}

/// Stops deliveries until resumed; events meanwhile are recorded as skipped.
#[utoipa::path(post, path = "/v1/webhooks/subscriptions/{id}/pause", operation_id = "pause_webhook_subscription", tag = "webhooks",
    params(("id" = Uuid, Path, description = PATH_ID)),
    responses((status = 200, body = super::body::SubscriptionView), (status = 404, body = crate::Problem),
              (status = 409, body = crate::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "webhooks.pause", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn pause(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    simple(&state, &principal, &headers, id, SubscriptionCommand::Pause).await
}

/// Resumes a paused subscription.
#[utoipa::path(post, path = "/v1/webhooks/subscriptions/{id}/resume", operation_id = "resume_webhook_subscription", tag = "webhooks",
    params(("id" = Uuid, Path, description = PATH_ID)),
    responses((status = 200, body = super::body::SubscriptionView), (status = 404, body = crate::Problem),
              (status = 409, body = crate::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "webhooks.resume", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn resume(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    simple(
        &state,
        &principal,
        &headers,
        id,
        SubscriptionCommand::Resume,
    )
    .await
}

/// Re-enables a subscription the delivery engine disabled.
#[utoipa::path(post, path = "/v1/webhooks/subscriptions/{id}/enable", operation_id = "enable_webhook_subscription", tag = "webhooks",
    params(("id" = Uuid, Path, description = PATH_ID)),
    responses((status = 200, body = super::body::SubscriptionView), (status = 404, body = crate::Problem),
              (status = 409, body = crate::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "webhooks.enable", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn enable(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    simple(
        &state,
        &principal,
        &headers,
        id,
        SubscriptionCommand::Enable,
    )
    .await
}

/// Sends a `webhook.test` event to this subscription.
#[utoipa::path(post, path = "/v1/webhooks/subscriptions/{id}/test", operation_id = "test_webhook_subscription", tag = "webhooks",
    params(("id" = Uuid, Path, description = PATH_ID)),
    responses((status = 202, body = TestAccepted), (status = 404, body = crate::Problem),
              (status = 409, body = crate::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "webhooks.test", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn test(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let test_id = Uuid::now_v7();
    let command = SubscriptionCommand::RequestTest(RequestTest { test_id });
    let executed = run(&state, &principal, &headers, SubscriptionId(id), command).await?;
    let body = TestAccepted { test_id };
    Ok((StatusCode::ACCEPTED, command_headers(&executed), Json(body)).into_response())
}

/// Replaces the signing secret; the previous one keeps signing for the grace period. The answer
/// shows the new secret, this once.
#[utoipa::path(post, path = "/v1/webhooks/subscriptions/{id}/rotate-secret", operation_id = "rotate_webhook_secret", tag = "webhooks",
    params(("id" = Uuid, Path, description = PATH_ID)),
    request_body(content = Option<RotateBody>, description = "Optional: an empty body keeps the default grace period"),
    responses((status = 200, body = RotatedSecret), (status = 404, body = crate::Problem),
              (status = 422, body = crate::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "webhooks.rotate_secret", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    ApiPath(id): ApiPath<Uuid>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: RotateBody = if body.iter().all(u8::is_ascii_whitespace) {
        RotateBody::default()
    } else {
        let raw: serde_json::Value =
            serde_json::from_slice(&body).map_err(ApiError::malformed_json)?;
        if raw.is_null() {
            RotateBody::default()
        } else {
            crate::plain::body(raw, "RotateBody")?
        }
    };
    let grace = body.grace_period_seconds.unwrap_or(DEFAULT_GRACE_SECONDS);
    let ctx = state.context();
    let (executed, secret) = flows::rotate_secret(
        state.secret_deps(),
        &ctx,
        headers.metadata(&principal),
        SubscriptionId(id),
        grace,
    )
    .await?;
    let valid_until = ctx.now + time::Duration::seconds(i64::from(grace));
    let body = RotatedSecret {
        subscription_id: id,
        secret: secret.expose_secret().to_owned(),
        previous_secret_valid_until: valid_until.format(&Rfc3339).unwrap_or_default(),
    };
    Ok((StatusCode::OK, command_headers(&executed), Json(body)).into_response())
}

/// Runs `command` and answers the subscription's view.
async fn simple(
    state: &AppState,
    principal: &Principal,
    headers: &CommandHeaders,
    id: Uuid,
    command: SubscriptionCommand,
) -> Result<Response, ApiError> {
    let executed = run(state, principal, headers, SubscriptionId(id), command).await?;
    let body = view(&executed.state, executed.version.unwrap_or_default());
    Ok((StatusCode::OK, command_headers(&executed), Json(body)).into_response())
}

impl From<SubscriptionFlowError> for ApiError {
    fn from(err: SubscriptionFlowError) -> Self {
        match err {
            SubscriptionFlowError::Command(err) => err.into(),
            SubscriptionFlowError::Secret(SecretFailure::Unavailable(cause)) => {
                Self::unavailable(cause)
            }
        }
    }
}
