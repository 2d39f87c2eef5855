//! The HTTP surface for machines: the REST commands and reads under `/v1`, `/graphql`,
//! `/openapi.json`, API-key auth, HTTP metrics, and problem documents (RFC 9457) for every
//! failure, including the ones axum would answer in plain text (unknown route, wrong method).
//!
//! Commands go to `commands`' handlers; reads call `projections`' queries and shape the answer
//! here. Depends on `commands`, `projections` and `domain`, and on ports only: never on a
//! concrete adapter (the event store's Postgres implementation, the ARCA client, the delivery
//! engine) nor on `workers` — the root binary builds [`Services`] from them.

pub mod access;
pub mod auth;
pub mod certificates;
pub mod documents;
pub mod drafts;
pub mod error;
pub mod extract;
pub mod fields;
pub mod graphql;
pub mod invoices;
pub mod keys;
pub mod metrics;
pub mod openapi;
pub mod plain;
pub mod series;
pub mod shapes;
pub mod state;
pub mod taxpayers;
pub mod webhooks;

use std::time::Duration;

use axum::{
    Router,
    body::{Body, to_bytes},
    extract::{DefaultBodyLimit, MatchedPath, Request, State},
    http::{HeaderName, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse as _, Response},
    routing::{delete, get, post, put},
};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

pub use access::{Access, AccessConfig};
pub use documents::{DocumentFetchError, DocumentSource};
pub use error::{ApiError, FieldError, Problem};
pub use graphql::GraphqlConfig;
pub use metrics::ApiMetrics;
pub use state::{AppState, Services};

use domain::aggregate::Policy;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What the HTTP surface is configured with (the ports and caches come in [`Services`]).
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Largest request body.
    pub body_limit_bytes: usize,
    /// Business-rule tunables.
    pub policy: Policy,
    /// Longest wait of a read for `ARCA-Read-After`.
    pub read_wait: Duration,
    /// `/graphql`'s limits and GraphiQL.
    pub graphql: GraphqlConfig,
    /// Longest a request may take before it is answered `503 request_timeout`.
    pub request_timeout: Duration,
    /// Rate limits and the throttling of failed authentications.
    pub access: AccessConfig,
}

/// The whole HTTP surface of an API instance: `/v1`, `/graphql`, `/openapi.json`, `/healthz` and
/// `/metrics` (the process's whole registry), every request counted by route template.
pub fn router(services: Services, config: &ApiConfig, metrics: &ApiMetrics) -> Router {
    let reads = services.reads.clone();
    let access = Access::new(
        config.access,
        services.limiter.clone(),
        services.last_used.clone(),
        metrics.rate_limited().clone(),
    );
    let state = AppState::new(
        services,
        config.policy.clone(),
        metrics.commands().clone(),
        config.read_wait,
        access,
    );
    let graphql = graphql::routes(
        state.clone(),
        reads,
        config.graphql,
        config.body_limit_bytes,
        metrics.graphql().clone(),
    );
    v1(state, config.body_limit_bytes)
        .merge(graphql)
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/metrics",
            get(metrics::serve).with_state(metrics.exporter().clone()),
        )
        .layer(middleware::from_fn_with_state(
            config.request_timeout,
            deadline,
        ))
        // Every answer, `/graphql`'s and the deadline's included, carries a request id, and
        // every problem document quotes it.
        .layer(middleware::from_fn(stamp_problem))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        // After the last route, so that every route's template is known to the middleware.
        .layer(middleware::from_fn_with_state(
            metrics.http().clone(),
            metrics::track,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// Answers `503 request_timeout` (with `Retry-After`) for a request still running after `limit`;
/// its work is dropped where it stands (appends already made stay, as after a lost connection).
async fn deadline(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "request_timeout",
            format!(
                "the request took longer than {} ms; retry later",
                limit.as_millis()
            ),
        )
        .into_response(),
    }
}

/// The REST API under `/v1`, every route behind the guard, plus `/openapi.json`.
fn v1(state: AppState, body_limit: usize) -> Router {
    Router::new()
        .route("/v1/api-keys", post(keys::create).get(keys::list))
        .route("/v1/api-keys/{id}", delete(keys::revoke))
        .route("/v1/taxpayers", post(taxpayers::register))
        .route("/v1/invoice-drafts", post(drafts::create))
        .route("/v1/taxpayers/{cuit}", get(taxpayers::get))
        .route(
            "/v1/taxpayers/{cuit}/points-of-sale",
            post(taxpayers::add_point_of_sale),
        )
        .route(
            "/v1/taxpayers/{cuit}/certificate-requests",
            post(certificates::request),
        )
        .route(
            "/v1/taxpayers/{cuit}/certificate",
            put(certificates::install),
        )
        .route(
            "/v1/taxpayers/{cuit}/series/{point_of_sale}/{voucher_type}",
            get(series::get),
        )
        .route(
            "/v1/taxpayers/{cuit}/series/{point_of_sale}/{voucher_type}/resume",
            post(series::resume),
        )
        .route(
            "/v1/invoices",
            post(invoices::request).get(invoices::read::list),
        )
        .route("/v1/invoices/{id}", get(invoices::read::get))
        .route("/v1/invoices/{id}/events", get(invoices::events))
        .route("/v1/invoices/{id}/pdf", get(invoices::pdf::get))
        .route(
            "/v1/webhooks/subscriptions",
            post(webhooks::manage::create).get(webhooks::read::list),
        )
        .route(
            "/v1/webhooks/subscriptions/{id}",
            get(webhooks::read::get)
                .patch(webhooks::manage::update)
                .delete(webhooks::manage::delete),
        )
        .route(
            "/v1/webhooks/subscriptions/{id}/pause",
            post(webhooks::manage::pause),
        )
        .route(
            "/v1/webhooks/subscriptions/{id}/resume",
            post(webhooks::manage::resume),
        )
        .route(
            "/v1/webhooks/subscriptions/{id}/enable",
            post(webhooks::manage::enable),
        )
        .route(
            "/v1/webhooks/subscriptions/{id}/rotate-secret",
            post(webhooks::manage::rotate_secret),
        )
        .route(
            "/v1/webhooks/subscriptions/{id}/test",
            post(webhooks::manage::test),
        )
        .route(
            "/v1/webhooks/subscriptions/{id}/redeliver",
            post(webhooks::log::redeliver_range),
        )
        .route("/v1/webhooks/deliveries", get(webhooks::log::list))
        .route("/v1/webhooks/deliveries/{id}", get(webhooks::log::get))
        .route(
            "/v1/webhooks/deliveries/{id}/redeliver",
            post(webhooks::log::redeliver),
        )
        .route(
            "/v1/invoices/{id}/evidence",
            get(invoices::evidence::evidence),
        )
        .route_layer(middleware::from_fn(check_query))
        // Routes added below are open; the ones above need a key with the right scope.
        .route_layer(middleware::from_fn_with_state(state.clone(), access::guard))
        .route("/openapi.json", get(openapi::serve))
        .fallback(|| async { ApiError::not_found("no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not accept that method",
            )
        })
        .with_state(state)
        .layer(DefaultBodyLimit::max(body_limit))
}

/// `422` for a query the operation cannot take: `invalid_character` naming each parameter that
/// holds a NUL character (`%00`; Postgres cannot store it, and no filter means it), else
/// `unknown_parameter` naming each parameter the operation does not have (a misspelt filter
/// would otherwise be ignored and answer everything).
async fn check_query(request: Request, next: Next) -> Response {
    let Some(query) = request.uri().query() else {
        return next.run(request).await;
    };
    let mut errors: Vec<FieldError> = plain::nul_in_query(query)
        .into_iter()
        .map(plain::nul_error)
        .collect();
    if errors.is_empty()
        && let Some(route) = request.extensions().get::<MatchedPath>()
    {
        errors = plain::unknown_in_query(request.method().as_str(), route.as_str(), query)
            .into_iter()
            .map(|field| FieldError {
                field,
                code: "unknown_parameter".to_owned(),
                detail: "is not a parameter of this operation".to_owned(),
            })
            .collect();
    }
    if errors.is_empty() {
        return next.run(request).await;
    }
    ApiError::validation(errors).into_response()
}

/// Adds the request id to problem documents, so a client can quote it to support.
async fn stamp_problem(request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = next.run(request).await;
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == b"application/problem+json");
    let Some(request_id) = request_id.filter(|_| is_problem) else {
        return response;
    };
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, 64 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(mut map)) => {
            map.insert("request_id".to_owned(), request_id.into());
            serde_json::to_vec(&map).map_or(bytes, Into::into)
        }
        _ => bytes,
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}
