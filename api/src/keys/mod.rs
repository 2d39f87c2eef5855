//! `/v1/api-keys`: a tenant manages its own API keys (with a key holding `admin`). Rotation
//! without downtime is two keys live at once: create the new key, move the clients to it, then
//! revoke the old one. A revocation takes effect at once on the instance that serves it and
//! within `api_key_cache_seconds` on the others (the time they trust a verified key).

mod body;

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use commands::tenants::{self, KeySpec, Principal};
use domain::{
    ApiKeyId, EventMetadata,
    tenant::{ApiKey, Scope},
};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use uuid::Uuid;

pub use body::{CreateKeyBody, CreatedKey, KeyList, KeyView};

use crate::{
    error::ApiError,
    extract::{ApiJson, ApiPath, CommandHeaders},
    fields::Fields,
    state::AppState,
};

/// Issues a key for the caller's tenant; the answer shows its bearer token, this once.
#[utoipa::path(post, path = "/v1/api-keys", operation_id = "create_api_key", tag = "api-keys",
    request_body = CreateKeyBody,
    responses((status = 201, body = CreatedKey), (status = 422, body = crate::Problem)))]
#[tracing::instrument(name = "api_keys.create", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    ApiJson { value: body, .. }: ApiJson<CreateKeyBody>,
) -> Result<Response, ApiError> {
    let spec = spec(body)?;
    let ctx = state.context();
    let mut scopes = spec.scopes.clone();
    scopes.sort_unstable();
    scopes.dedup();
    let issued = tenants::issue_api_key(
        state.store(),
        state.metrics(),
        &ctx,
        principal.tenant_id,
        spec.clone(),
        metadata(&principal, &headers),
    )
    .await?;
    let key = KeyView {
        id: issued.key_id.0,
        prefix: Some(issued.prefix),
        name: spec.label.trim().to_owned(),
        scopes: scopes.iter().map(|s| s.as_str().to_owned()).collect(),
        created_at: ctx.now,
        last_used_at: None,
        expires_at: spec.expires_at,
        revoked: false,
        revoked_at: None,
    };
    let mut answer = (
        StatusCode::CREATED,
        Json(CreatedKey {
            key,
            api_key: issued.token,
        }),
    )
        .into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/api-keys/{}", issued.key_id)) {
        answer.headers_mut().insert(header::LOCATION, location);
    }
    Ok(answer)
}

/// The tenant's keys, revoked ones included, oldest first (never their secrets).
#[utoipa::path(get, path = "/v1/api-keys", operation_id = "list_api_keys", tag = "api-keys",
    responses((status = 200, body = KeyList)))]
#[tracing::instrument(name = "api_keys.list", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Response, ApiError> {
    let tenant = tenants::tenant(state.store(), principal.tenant_id).await?;
    let mut keys: Vec<&ApiKey> = tenant.api_keys().collect();
    keys.sort_by_key(|k| (k.issued_at, k.key_id));
    let ids: Vec<ApiKeyId> = keys.iter().map(|k| k.key_id).collect();
    let used = state
        .access()
        .usage()
        .last_used(&ids)
        .await
        .map_err(ApiError::unavailable)?;
    let items = keys
        .into_iter()
        .map(|k| view(k, used.get(&k.key_id).copied()))
        .collect();
    Ok(Json(KeyList { items }).into_response())
}

/// Revokes one of the tenant's keys (revoking a revoked key changes nothing).
#[utoipa::path(delete, path = "/v1/api-keys/{id}", operation_id = "revoke_api_key", tag = "api-keys",
    params(("id" = Uuid, Path, description = "The key's id")),
    responses((status = 204), (status = 404, body = crate::Problem)))]
#[tracing::instrument(name = "api_keys.revoke", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn revoke(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let key_id = ApiKeyId(id);
    tenants::revoke_api_key(
        state.store(),
        state.metrics(),
        &state.context(),
        principal.tenant_id,
        key_id,
        metadata(&principal, &headers),
    )
    .await?;
    state.keys().forget(key_id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The request's key spec, or every field at fault.
fn spec(body: CreateKeyBody) -> Result<KeySpec, ApiError> {
    let mut fields = Fields::default();
    let mut scopes = Vec::with_capacity(body.scopes.len());
    for (i, name) in body.scopes.iter().enumerate() {
        match Scope::parse(name) {
            Some(scope) => scopes.push(scope),
            None => fields.add(
                &format!("scopes[{i}]"),
                "invalid_scope",
                format!(
                    "`{name}` is not a scope; one of {}",
                    Scope::ALL.map(Scope::as_str).join(", ")
                ),
            ),
        }
    }
    let expires_at = body.expires_at.as_deref().and_then(|text| {
        OffsetDateTime::parse(text, &Rfc3339)
            .map_err(|e| {
                fields.add(
                    "expires_at",
                    "invalid_expires_at",
                    format!("not RFC 3339: {e}"),
                )
            })
            .ok()
    });
    fields.finish()?;
    Ok(KeySpec {
        label: body.name,
        scopes,
        expires_at,
    })
}

fn view(key: &ApiKey, last_used_at: Option<OffsetDateTime>) -> KeyView {
    KeyView {
        id: key.key_id.0,
        prefix: key.secret_prefix.clone(),
        name: key.label.clone(),
        scopes: key.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
        created_at: key.issued_at,
        last_used_at,
        expires_at: key.expires_at,
        revoked: key.revoked_at.is_some(),
        revoked_at: key.revoked_at,
    }
}

fn metadata(principal: &Principal, headers: &CommandHeaders) -> EventMetadata {
    EventMetadata {
        actor: Some(principal.actor()),
        request_id: headers.request_id.clone(),
        correlation_id: headers.correlation_id,
        traceparent: headers.traceparent.clone(),
        tracestate: headers.tracestate.clone(),
        ..EventMetadata::for_tenant(principal.tenant_id)
    }
}
