//! The API's metrics: `http_requests_total{method, route, status}`,
//! `http_request_duration_seconds{method, route}`, `graphql_query_duration_seconds{outcome}` and
//! `http_rate_limited_total{reason}` (`key`: a key over its rate limit; `address`: a client address
//! refused after too many failed authentications),
//! and `GET /metrics`, which serves the process's whole registry. `route` is the matched route
//! template (`/v1/invoices/{id}`), or `unmatched` for the fallback: never a raw path, id or CUIT.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request, State},
    http::{Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use commands::CommandMetrics;
use infra::Exporter;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};

/// What the API reports into, and the exporter `GET /metrics` renders; cheap to clone.
#[derive(Debug, Clone)]
pub struct ApiMetrics {
    exporter: Exporter,
    http: HttpMetrics,
    commands: CommandMetrics,
    graphql: HistogramVec,
    rate_limited: IntCounterVec,
}

impl ApiMetrics {
    /// Registers the HTTP and GraphQL metrics in `exporter`; commands are counted in `commands`
    /// (registered once per process, shared with the workers).
    ///
    /// # Errors
    /// The metrics are registered already.
    pub fn register(exporter: &Exporter, commands: CommandMetrics) -> prometheus::Result<Self> {
        let http = HttpMetrics::register(exporter.registry())?;
        let graphql = HistogramVec::new(
            HistogramOpts::new(
                "graphql_query_duration_seconds",
                "GraphQL queries, from parsed request to response, by outcome (ok, error)",
            ),
            &["outcome"],
        )?;
        exporter.registry().register(Box::new(graphql.clone()))?;
        let rate_limited = IntCounterVec::new(
            Opts::new(
                "http_rate_limited_total",
                "Requests answered 429, by reason (key: over the key's rate limit; address: too \
                 many failed authentications from the client's address)",
            ),
            &["reason"],
        )?;
        exporter
            .registry()
            .register(Box::new(rate_limited.clone()))?;
        Ok(Self {
            exporter: exporter.clone(),
            http,
            commands,
            graphql,
            rate_limited,
        })
    }

    /// The exporter `GET /metrics` renders.
    pub fn exporter(&self) -> &Exporter {
        &self.exporter
    }

    /// The HTTP middleware's metrics.
    pub fn http(&self) -> &HttpMetrics {
        &self.http
    }

    /// The command handler's counters.
    pub fn commands(&self) -> &CommandMetrics {
        &self.commands
    }

    /// `http_rate_limited_total{reason}`.
    pub fn rate_limited(&self) -> &IntCounterVec {
        &self.rate_limited
    }

    /// `graphql_query_duration_seconds{outcome}`.
    pub fn graphql(&self) -> &HistogramVec {
        &self.graphql
    }
}

/// `GET /metrics`: the text exposition format (kept out of the OpenAPI document).
pub async fn serve(State(exporter): State<Exporter>) -> Response {
    match exporter.render().await {
        Ok(text) => ([(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)], text).into_response(),
        Err(error) => {
            tracing::error!(error = ?error, "rendering metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The `route` label of requests no route matched.
pub const UNMATCHED: &str = "unmatched";

/// The HTTP request counters and latency histogram; cheap to clone.
#[derive(Debug, Clone)]
pub struct HttpMetrics {
    requests: IntCounterVec,
    duration: HistogramVec,
}

impl HttpMetrics {
    /// Creates the metrics and registers them in `registry`.
    ///
    /// # Errors
    /// A metric of the same name is already registered.
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests, by method, route template and status",
            ),
            &["method", "route", "status"],
        )?;
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency, by method and route template",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["method", "route"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        Ok(Self { requests, duration })
    }
}

/// Middleware recording every request; add it with
/// `router.layer(axum::middleware::from_fn_with_state(metrics, api::metrics::track))` after the
/// last route, so that each route's template is known.
pub async fn track(State(metrics): State<HttpMetrics>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let response = next.run(request).await;
    let status = response.status();
    metrics
        .requests
        .with_label_values(&[method, &route, status.as_str()])
        .inc();
    metrics
        .duration
        .with_label_values(&[method, &route])
        .observe(started.elapsed().as_secs_f64());
    response
}

/// The standard methods by name, anything else as `other` (a client cannot invent labels).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
