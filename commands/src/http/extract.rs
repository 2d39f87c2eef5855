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
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(raw) = axum::Json::<serde_json::Value>::from_request(req, state).await?;
        let canonical = serde_json::to_vec(&raw)
            .map_err(|e| ApiError::internal(anyhow::Error::new(e).context("re-encoding body")))?;
        let hash = hex::encode(Sha256::digest(&canonical));
        let value = serde_json::from_value(raw).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                e.to_string(),
            )
        })?;
        Ok(Self { value, hash })
    }
}

/// A path parameter; a malformed one reads as "not found".
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(value) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(Self(value))
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
    Ok(CommandHeaders {
        idempotency_key,
        if_match,
        request_id: text("x-request-id")?.map(str::to_owned),
        correlation_id,
    })
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

    #[test]
    fn refuses_a_correlation_id_that_is_not_a_uuid() {
        let err = parse_headers(&headers(&[("x-correlation-id", "nope")])).unwrap_err();
        assert_eq!(err.code(), "invalid_header");
    }
}
