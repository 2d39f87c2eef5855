//! Extractors whose rejections are problem documents instead of axum's plain-text answers.

use axum::{
    extract::{FromRequest, FromRequestParts, Request},
    http::{HeaderMap, StatusCode, request::Parts},
};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::error::ApiError;

/// A JSON body, plus the SHA-256 of its canonical form (keys sorted, no whitespace) so that an
/// idempotent retry is recognised whatever its formatting.
pub struct ApiJson<T> {
    /// The parsed body.
    pub value: T,
    /// Hex SHA-256 of the canonical JSON.
    pub hash: String,
}

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned + utoipa::ToSchema,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(raw) = axum::Json::<serde_json::Value>::from_request(req, state).await?;
        let canonical = serde_json::to_vec(&raw)
            .map_err(|e| ApiError::internal(anyhow::Error::new(e).context("re-encoding body")))?;
        let hash = hex::encode(Sha256::digest(&canonical));
        let value = super::plain::body(raw, &T::name())?;
        Ok(Self { value, hash })
    }
}

/// Path parameters; a malformed one is a `400 invalid_path_parameter` saying what it must be.
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(rejection) => {
                let names: Vec<String> = parts
                    .extensions
                    .get::<axum::extract::MatchedPath>()
                    .map(|matched| {
                        matched
                            .as_str()
                            .split('/')
                            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                Err(super::plain::path_rejection(&rejection, &names))
            }
        }
    }
}

/// Request headers the command endpoints read.
#[derive(Debug, Clone, Default)]
pub struct CommandHeaders {
    /// `Idempotency-Key`, 1..=255 visible ASCII characters.
    pub idempotency_key: Option<String>,
    /// `If-Match: "<version>"`, the stream version the caller saw.
    pub if_match: Option<u64>,
    /// `X-Request-Id`, set by the request-id layer.
    pub request_id: Option<String>,
    /// `X-Correlation-Id`, when the caller continues a conversation.
    pub correlation_id: Option<uuid::Uuid>,
    /// W3C `traceparent`, when present and well-formed (a malformed one is ignored).
    pub traceparent: Option<String>,
    /// W3C `tracestate`, kept only with a well-formed `traceparent`.
    pub tracestate: Option<String>,
}

impl CommandHeaders {
    /// The metadata of the events a command of `principal` with these headers appends: actor,
    /// request, correlation and trace context.
    pub fn metadata(&self, principal: &commands::tenants::Principal) -> domain::EventMetadata {
        domain::EventMetadata {
            actor: Some(principal.actor()),
            request_id: self.request_id.clone(),
            correlation_id: self.correlation_id,
            traceparent: self.traceparent.clone(),
            tracestate: self.tracestate.clone(),
            ..domain::EventMetadata::for_tenant(principal.tenant_id)
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CommandHeaders {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parse_headers(&parts.headers)
    }
}

fn parse_headers(headers: &HeaderMap) -> Result<CommandHeaders, ApiError> {
    let text = |name: &str| -> Result<Option<&str>, ApiError> {
        headers
            .get(name)
            .map(|v| {
                v.to_str().map_err(|_| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_header",
                        format!("{name} must be visible ASCII"),
                    )
                })
            })
            .transpose()
    };
    let idempotency_key = match text("idempotency-key")? {
        Some(key) if key.is_empty() || key.len() > 255 => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_idempotency_key",
                "Idempotency-Key must be 1 to 255 characters",
            ));
        }
        other => other.map(str::to_owned),
    };
    let if_match = text("if-match")?
        .map(|v| {
            v.trim_start_matches("W/")
                .trim_matches('"')
                .parse::<u64>()
                .map_err(|_| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_if_match",
                        "If-Match must be the ETag of the resource, such as \"3\"",
                    )
                })
        })
        .transpose()?;
    let correlation_id = text("x-correlation-id")?
        .map(|v| {
            uuid::Uuid::try_parse(v).map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_header",
                    "X-Correlation-Id must be a UUID",
                )
            })
        })
        .transpose()?;
    let (traceparent, tracestate) = trace_context(headers);
    Ok(CommandHeaders {
        idempotency_key,
        if_match,
        request_id: text("x-request-id")?.map(str::to_owned),
        correlation_id,
        traceparent,
        tracestate,
    })
}

/// The W3C trace context (`traceparent`, `tracestate`) when `traceparent` is well-formed:
/// `version-trace_id-parent_id-flags` in lower-case hex (2-32-16-2 digits), version not `ff`,
/// ids not all zeros; version `00` has nothing after the flags, later versions may append
/// `-…`. Anything else is ignored, never an error.
fn trace_context(headers: &HeaderMap) -> (Option<String>, Option<String>) {
    let value = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let Some(parent) = value("traceparent").filter(|p| is_traceparent(p)) else {
        return (None, None);
    };
    let state = value("tracestate").filter(|s| {
        !s.is_empty() && s.len() <= 512 && s.bytes().all(|b| (0x20..0x7f).contains(&b))
    });
    (Some(parent.to_owned()), state.map(str::to_owned))
}

fn is_traceparent(value: &str) -> bool {
    let hex = |s: &str, len: usize| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let nonzero = |s: &str| s.bytes().any(|b| b != b'0');
    let (Some(head), tail) = (value.get(..55), value.get(55..).unwrap_or_default()) else {
        return false;
    };
    let parts: Vec<&str> = head.split('-').collect();
    let [version, trace_id, parent_id, flags] = parts.as_slice() else {
        return false;
    };
    let tail_ok = if *version == "00" {
        tail.is_empty()
    } else {
        tail.is_empty() || tail.starts_with('-')
    };
    hex(version, 2)
        && *version != "ff"
        && hex(trace_id, 32)
        && nonzero(trace_id)
        && hex(parent_id, 16)
        && nonzero(parent_id)
        && hex(flags, 2)
        && tail_ok
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn reads_if_match_as_a_version_with_or_without_quotes() {
        for value in ["\"7\"", "7", "W/\"7\""] {
            let parsed = parse_headers(&headers(&[("if-match", value)])).unwrap();
            assert_eq!(parsed.if_match, Some(7), "{value}");
        }
        let err = parse_headers(&headers(&[("if-match", "\"abc\"")])).unwrap_err();
        assert_eq!(err.code(), "invalid_if_match");
    }

    #[test]
    fn refuses_idempotency_keys_longer_than_255_characters() {
        let long = "k".repeat(256);
        let err = parse_headers(&headers(&[("idempotency-key", &long)])).unwrap_err();
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        assert_eq!(err.code(), "invalid_idempotency_key");
        let ok = parse_headers(&headers(&[("idempotency-key", &long[..255])])).unwrap();
        assert_eq!(ok.idempotency_key.as_deref(), Some(&long[..255]));
    }

    const PARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    #[test]
    fn keeps_a_well_formed_traceparent_and_its_tracestate() {
        let parsed = parse_headers(&headers(&[
            ("traceparent", PARENT),
            ("tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"),
        ]))
        .unwrap();
        assert_eq!(parsed.traceparent.as_deref(), Some(PARENT));
        assert_eq!(
            parsed.tracestate.as_deref(),
            Some("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7")
        );
        let future = format!("01{}-extra", &PARENT[2..]);
        let parsed = parse_headers(&headers(&[("traceparent", &future)])).unwrap();
        assert_eq!(parsed.traceparent.as_deref(), Some(future.as_str()));
    }

    #[test]
    fn ignores_a_malformed_traceparent_and_the_tracestate_with_it() {
        let malformed = [
            "garbage",
            "00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01",
            "00-00000000000000000000000000000000-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
            "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
            "00-0af7651916cd43dd8448eb211c80319-cb7ad6b7169203331-01",
        ];
        for value in malformed {
            let parsed =
                parse_headers(&headers(&[("traceparent", value), ("tracestate", "a=b")])).unwrap();
            assert_eq!(parsed.traceparent, None, "{value}");
            assert_eq!(parsed.tracestate, None, "{value}");
        }
        let parsed = parse_headers(&headers(&[("tracestate", "a=b")])).unwrap();
        assert_eq!(parsed.tracestate, None);
    }

    #[test]
    fn refuses_a_correlation_id_that_is_not_a_uuid() {
        let err = parse_headers(&headers(&[("x-correlation-id", "nope")])).unwrap_err();
        assert_eq!(err.code(), "invalid_header");
    }
}
