//! `Prefer: wait=N` (RFC 7240) on `POST /v1/invoices`: the client would rather wait up to N
//! seconds (at most 30) for ARCA's answer than poll for it. The wait looks at the read model
//! when the invoices projection reports the invoice final ([`super::finals`]), and every second
//! besides.

use std::time::Duration;

use axum::{
    Json,
    extract::FromRequestParts,
    http::{HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use domain::TenantId;
use uuid::Uuid;

use crate::{error::ApiError, state::AppState};

/// The longest wait a client may ask for.
pub const MAX_WAIT: Duration = Duration::from_secs(30);

/// The wait a request prefers, if any (a malformed preference is ignored, as RFC 7240 allows).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PreferWait(pub Option<Duration>);

impl<S: Send + Sync> FromRequestParts<S> for PreferWait {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parse(parts.headers.get_all("prefer").iter())))
    }
}

fn parse<'a>(values: impl Iterator<Item = &'a HeaderValue>) -> Option<Duration> {
    values
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|pref| {
            let (name, value) = pref.split_once('=')?;
            (name.trim().eq_ignore_ascii_case("wait")).then_some(value.trim().trim_matches('"'))
        })
        .find_map(|seconds| seconds.parse::<u64>().ok())
        .map(|seconds| Duration::from_secs(seconds).min(MAX_WAIT))
}

/// The invoice's final state once ARCA answered, if that happens within `wait`: `201` when
/// authorized, `200` when rejected, with `Preference-Applied`; `None` when the wait ran out.
///
/// # Errors
/// The read model failed.
pub async fn outcome_within(
    state: &AppState,
    tenant: TenantId,
    id: Uuid,
    wait: Duration,
) -> Result<Option<Response>, ApiError> {
    let deadline = tokio::time::Instant::now() + wait;
    let waiter = state.finals().wait_for(state.reads(), id);
    loop {
        // Before looking, so a report that comes while we look still wakes us.
        let reported = waiter.notified();
        if let Some(view) = super::rows::invoice(state.reads(), tenant, id).await?
            && matches!(view.status.as_str(), "authorized" | "rejected")
        {
            let status = match view.status.as_str() {
                "authorized" => StatusCode::CREATED,
                _ => StatusCode::OK,
            };
            let mut response = (status, Json(view)).into_response();
            let headers = response.headers_mut();
            if let Ok(location) = HeaderValue::from_str(&format!("/v1/invoices/{id}")) {
                headers.insert(header::LOCATION, location);
            }
            let applied = format!("wait={}", wait.as_secs());
            if let Ok(applied) = HeaderValue::from_str(&applied) {
                headers.insert("preference-applied", applied);
            }
            return Ok(Some(response));
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        let look_again = super::finals::FALLBACK.min(deadline - now);
        tokio::select! {
            () = reported => {}
            () = tokio::time::sleep(look_again) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefer(values: &[&str]) -> Option<Duration> {
        let values: Vec<HeaderValue> = values
            .iter()
            .filter_map(|v| HeaderValue::from_str(v).ok())
            .collect();
        parse(values.iter())
    }

    #[test]
    fn reads_the_wait_among_other_preferences_and_caps_it_at_30_seconds() {
        assert_eq!(prefer(&["wait=5"]), Some(Duration::from_secs(5)));
        assert_eq!(
            prefer(&["return=minimal, wait=10"]),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            prefer(&["respond-async", "Wait = 3"]),
            Some(Duration::from_secs(3))
        );
        assert_eq!(prefer(&["wait=3600"]), Some(MAX_WAIT));
    }

    #[test]
    fn ignores_what_is_not_a_wait_in_seconds() {
        assert_eq!(prefer(&[]), None);
        assert_eq!(prefer(&["wait=soon"]), None);
        assert_eq!(prefer(&["wait=-1"]), None);
        assert_eq!(prefer(&["return=representation"]), None);
    }
}
