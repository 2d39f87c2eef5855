//! Who may call what, and how often: the guard in front of every authenticated route.
//!
//! In order, for each request: a client address that failed to authenticate too often lately is
//! answered `429` before its key is even looked at; the bearer key is verified (`401`, saying
//! when the key has expired); the route's scope ([`scopes::required`]) is checked (`403
//! insufficient_scope`); the key's rate limit is taken from the bucket every instance shares
//! (`429 rate_limited`, with `Retry-After` and the `RateLimit` fields, [`headers`]); and the
//! key's last use is stamped, at most once per [`AccessConfig::last_used_every`] per key and
//! instance, off the request path.

pub mod headers;
pub mod scopes;
mod usage;

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::Mutex,
    time::{Duration, Instant},
};

use axum::{
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{HeaderMap, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use commands::tenants::{Authentication, Principal};
use domain::tenant::{RateLimit, Scope};
use infra::{PgLastUsed, PgRateLimiter, Quota};
use prometheus::IntCounterVec;

use crate::{error::ApiError, state::AppState};

pub use usage::Usage;

/// How callers are limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessConfig {
    /// Each key's rate limit unless its tenant has one of its own; `None`: unlimited.
    pub per_key: Option<RateLimit>,
    /// Failed authentications a client address may make per minute before it is answered `429`
    /// without a look at its key; 0: unlimited.
    pub auth_failures_per_minute: u32,
    /// How often at most a key's last use is written, per instance.
    pub last_used_every: Duration,
    /// Webhook subscriptions a tenant may have at once.
    pub subscriptions_per_tenant: u32,
}

impl Default for AccessConfig {
    fn default() -> Self {
        Self {
            per_key: Some(RateLimit {
                per_second: 100,
                burst: 200,
            }),
            auth_failures_per_minute: 30,
            last_used_every: Duration::from_secs(60),
            subscriptions_per_tenant: 25,
        }
    }
}

/// The guard's state: the shared buckets, the addresses refused for now, the use stamps.
pub struct Access {
    config: AccessConfig,
    limiter: PgRateLimiter,
    usage: Usage,
    refused: Mutex<HashMap<IpAddr, Instant>>,
    rate_limited: IntCounterVec,
}

impl Access {
    /// The guard over `limiter`'s buckets and `last_used`'s stamps, counting refusals in
    /// `rate_limited` (`{reason}`: `key` or `address`).
    pub fn new(
        config: AccessConfig,
        limiter: PgRateLimiter,
        last_used: PgLastUsed,
        rate_limited: IntCounterVec,
    ) -> Self {
        Self {
            usage: Usage::new(last_used, config.last_used_every),
            config,
            limiter,
            refused: Mutex::new(HashMap::new()),
            rate_limited,
        }
    }

    /// How callers are limited.
    pub fn config(&self) -> &AccessConfig {
        &self.config
    }

    /// The last-use stamps.
    pub fn usage(&self) -> &Usage {
        &self.usage
    }

    /// Until when `ip` is refused, if it is.
    fn refused_until(&self, ip: IpAddr) -> Option<Instant> {
        let refused = self.refused.lock().ok()?;
        refused
            .get(&ip)
            .copied()
            .filter(|until| *until > Instant::now())
    }

    /// Counts a failed authentication from `ip`; past the allowance the address is refused
    /// until its bucket has room again (on this instance; others learn it at its next failure
    /// there, since the bucket is shared).
    async fn failed(&self, ip: IpAddr) {
        if self.config.auth_failures_per_minute == 0 {
            return;
        }
        let quota = Quota::per_minute(self.config.auth_failures_per_minute);
        match self.limiter.take(&format!("addr:{ip}"), quota).await {
            Ok(decision) if !decision.allowed => {
                if let Ok(mut refused) = self.refused.lock() {
                    refused.retain(|_, until| *until > Instant::now());
                    refused.insert(
                        ip,
                        Instant::now() + decision.retry_after.max(quota.interval),
                    );
                }
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(error = ?error, "counting a failed authentication"),
        }
    }
}

/// The middleware: see the module's documentation. Add it with
/// `route_layer(axum::middleware::from_fn_with_state(state, access::guard))`.
pub async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let access = state.access();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    if let Some(until) = peer.and_then(|ip| access.refused_until(ip)) {
        access.rate_limited.with_label_values(&["address"]).inc();
        let wait = headers::ceil_seconds(until.saturating_duration_since(Instant::now())).max(1);
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many failed authentications from this address; retry later",
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, wait.into());
        return response;
    }
    let principal = match authenticate(&state, request.headers()).await {
        Ok(principal) => principal,
        Err(error) => {
            if let Some(ip) = peer.filter(|_| error.status() == StatusCode::UNAUTHORIZED) {
                access.failed(ip).await;
            }
            return error.into_response();
        }
    };
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("", MatchedPath::as_str);
    let needed = scopes::required(request.method(), route);
    if !principal.allows(needed) {
        return insufficient_scope(needed).into_response();
    }
    let limited = match principal.rate_limit.or(access.config.per_key) {
        Some(limit) => {
            let quota = Quota::per_second(limit.per_second, limit.burst);
            let subject = format!("key:{}", principal.key_id);
            match access.limiter.take(&subject, quota).await {
                Ok(decision) => Some((quota, decision)),
                Err(error) => {
                    // Open rather than shut: a database this sick fails the request anyway.
                    tracing::warn!(error = ?error, "taking from a key's rate bucket");
                    None
                }
            }
        }
        None => None,
    };
    if let Some((quota, decision)) = limited.filter(|(_, d)| !d.allowed) {
        access.rate_limited.with_label_values(&["key"]).inc();
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "this API key made more requests than its rate limit allows; retry after the \
             Retry-After seconds",
        )
        .into_response();
        headers::stamp(response.headers_mut(), quota, decision);
        return response;
    }
    access.usage.touch(principal.key_id, state.context().now);
    request.extensions_mut().insert(principal);
    let mut response = next.run(request).await;
    if let Some((quota, decision)) = limited {
        headers::stamp(response.headers_mut(), quota, decision);
    }
    response
}

/// `403 insufficient_scope`, naming the scope needed.
fn insufficient_scope(needed: Scope) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "insufficient_scope",
        format!("this API key lacks the scope `{needed}` this request needs"),
    )
}

/// The caller behind `Authorization: Bearer <api key>`, or the `401` (or `503`) to answer.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Principal, ApiError> {
    let unauthorized =
        |detail: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", detail.to_owned());
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| unauthorized("missing Authorization: Bearer <api key>"))?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(|| unauthorized("the Authorization header must be `Bearer <api key>`"))?;
    match state.keys().authenticate(token).await? {
        Authentication::Valid(principal) => Ok(principal),
        Authentication::Expired => Err(unauthorized("the API key has expired")),
        Authentication::Invalid => Err(unauthorized("unknown or revoked API key")),
    }
}
