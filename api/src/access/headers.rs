//! The rate-limit fields of answers, after draft-ietf-httpapi-ratelimit-headers-09 (March 2025):
//! `RateLimit-Policy: "default";q=<quota>;w=<window seconds>` names the policy, and
//! `RateLimit: "default";r=<remaining>;t=<seconds until the quota is whole again>` the caller's
//! standing; a refusal adds `Retry-After` (RFC 9110).

use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use infra::{Decision, Quota};

/// `RateLimit-Policy`.
pub const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
/// `RateLimit`.
pub const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// Whole seconds, rounded up (a client waiting that long is never early).
pub fn ceil_seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// Adds the policy and the standing of `decision` under `quota` to `headers`; `Retry-After` too
/// when the request was refused.
pub fn stamp(headers: &mut HeaderMap, quota: Quota, decision: Decision) {
    let window = ceil_seconds(quota.window()).max(1);
    let policy = format!("\"default\";q={};w={window}", quota.burst);
    let standing = format!(
        "\"default\";r={};t={}",
        decision.remaining,
        ceil_seconds(decision.reset)
    );
    for (name, value) in [(RATELIMIT_POLICY, policy), (RATELIMIT, standing)] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    if !decision.allowed {
        let wait = ceil_seconds(decision.retry_after).max(1);
        headers.insert(header::RETRY_AFTER, HeaderValue::from(wait));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_draft_fields() {
        let quota = Quota::per_second(100, 100);
        let decision = Decision {
            allowed: false,
            remaining: 0,
            reset: Duration::from_millis(1500),
            retry_after: Duration::from_millis(10),
        };
        let mut headers = HeaderMap::new();
        stamp(&mut headers, quota, decision);
        assert_eq!(headers[RATELIMIT_POLICY], "\"default\";q=100;w=1");
        assert_eq!(headers[RATELIMIT], "\"default\";r=0;t=2");
        assert_eq!(headers[header::RETRY_AFTER], "1");
    }
}
