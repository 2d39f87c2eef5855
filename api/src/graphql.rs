//! `/graphql`: the read API over HTTP. `POST` takes a GraphQL request as JSON and needs the same
//! `Authorization: Bearer <api key>` as the REST API (401 problem+json without a valid one), with
//! the scope `invoices:read`, and counts against the key's rate limit; the
//! key's tenant is the only tenant the query can read. `GET` serves GraphiQL when the `graphiql`
//! setting is on (404 otherwise). Every query's duration lands in
//! `graphql_query_duration_seconds`.
//!
//! A query is answered `200` with the GraphQL response (its errors, each with an
//! `extensions.code`), except when the database could not answer one of its fields: then the
//! same response comes with `503` and `Retry-After`, as a REST request would (code
//! `service_unavailable`). Failures before the query runs (authentication, an unreadable body)
//! are problem documents, as on the REST API.

use std::{sync::Arc, time::Instant};

use async_graphql::http::GraphiQLSource;
use async_trait::async_trait;
use axum::{
    Extension, Json, Router,
    extract::{DefaultBodyLimit, rejection::JsonRejection},
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::post,
};
use commands::tenants::Principal;
use domain::{InvoiceId, RecordedEvent, TenantId, invoice::Invoice};
use eventstore::{EventStore, ReadOptions};
use projections::{
    InvoiceHistory, ProjectionError,
    graphql::{self, Limits, ReadContext, ReadSchema},
};
use prometheus::HistogramVec;
use sqlx::PgPool;
use time::OffsetDateTime;

use crate::{error::ApiError, state::AppState};

/// What `/graphql` is configured with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GraphqlConfig {
    /// Depth and complexity limits.
    pub limits: Limits,
    /// Whether `GET /graphql` serves GraphiQL.
    pub graphiql: bool,
}

/// The invoice streams of the event store, as the read side's [`InvoiceHistory`].
pub struct StoreHistory(pub Arc<dyn EventStore>);

#[async_trait]
impl InvoiceHistory for StoreHistory {
    async fn events(
        &self,
        tenant: TenantId,
        invoice: InvoiceId,
        as_of: Option<OffsetDateTime>,
    ) -> Result<Vec<RecordedEvent>, ProjectionError> {
        let options = ReadOptions {
            as_of,
            ..ReadOptions::default()
        };
        self.0
            .read_stream(tenant, &Invoice::stream_id(invoice), options)
            .await
            .map_err(ProjectionError::stream)
    }

    async fn events_of_many(
        &self,
        tenant: TenantId,
        invoices: &[InvoiceId],
    ) -> Result<Vec<Vec<RecordedEvent>>, ProjectionError> {
        let streams: Vec<_> = invoices.iter().map(|id| Invoice::stream_id(*id)).collect();
        self.0
            .read_streams(tenant, &streams)
            .await
            .map_err(ProjectionError::stream)
    }
}

#[derive(Clone)]
struct Endpoint {
    schema: ReadSchema,
    durations: HistogramVec,
    graphiql: bool,
}

/// The `/graphql` routes over the read models in `pool` and the streams of `store`, authenticated
/// like the REST API (`state`'s API keys), bodies up to `body_limit` bytes, timing queries into
/// `durations`.
pub fn routes(
    state: AppState,
    pool: PgPool,
    config: GraphqlConfig,
    body_limit: usize,
    durations: HistogramVec,
) -> Router {
    let context = ReadContext {
        pool,
        history: Arc::new(StoreHistory(Arc::clone(state.store()))),
    };
    let endpoint = Endpoint {
        schema: graphql::schema(context, config.limits),
        durations,
        graphiql: config.graphiql,
    };
    let guarded = axum::middleware::from_fn_with_state(state.clone(), crate::access::guard);
    Router::new()
        .route("/graphql", post(query).route_layer(guarded).get(graphiql))
        .layer(Extension(Arc::new(endpoint)))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}

#[tracing::instrument(name = "graphql.query", skip_all, fields(tenant = %principal.tenant_id))]
async fn query(
    Extension(endpoint): Extension<Arc<Endpoint>>,
    principal: Principal,
    body: Result<Json<async_graphql::Request>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body?;
    let started = Instant::now();
    let response = graphql::execute(&endpoint.schema, principal.tenant_id, request).await;
    let outcome = if response.errors.is_empty() {
        "ok"
    } else {
        "error"
    };
    endpoint
        .durations
        .with_label_values(&[outcome])
        .observe(started.elapsed().as_secs_f64());
    if graphql::errors::is_unavailable(&response) {
        let mut answer = (StatusCode::SERVICE_UNAVAILABLE, Json(response)).into_response();
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return Ok(answer);
    }
    Ok(Json(response).into_response())
}

async fn graphiql(Extension(endpoint): Extension<Arc<Endpoint>>) -> Response {
    if endpoint.graphiql {
        Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response()
    } else {
        ApiError::not_found("GraphiQL is off (setting `graphiql`)").into_response()
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use eventstore::InMemoryEventStore;

    use super::*;

    fn endpoint(graphiql: bool) -> Arc<Endpoint> {
        let context = ReadContext {
            pool: sqlx::postgres::PgPoolOptions::new()
                .connect_lazy("postgres://nobody@127.0.0.1:1/none")
                .unwrap(),
            history: Arc::new(StoreHistory(Arc::new(InMemoryEventStore::new()))),
        };
        Arc::new(Endpoint {
            schema: graphql::schema(context, Limits::default()),
            durations: HistogramVec::new(
                prometheus::HistogramOpts::new("test_seconds", "test"),
                &["outcome"],
            )
            .unwrap(),
            graphiql,
        })
    }

    #[tokio::test]
    async fn serves_graphiql_only_when_the_setting_is_on() {
        let on = graphiql(Extension(endpoint(true))).await;
        assert_eq!(on.status(), StatusCode::OK);
        let html = axum::body::to_bytes(on.into_body(), 1 << 20).await.unwrap();
        assert!(String::from_utf8_lossy(&html).contains("/graphql"));
        let off = graphiql(Extension(endpoint(false))).await;
        assert_eq!(off.status(), StatusCode::NOT_FOUND);
    }
}
