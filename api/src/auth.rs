//! The request's [`Principal`], as the guard ([`crate::access::guard`]) authenticated it.

use axum::{
    extract::FromRequestParts,
    http::{StatusCode, request::Parts},
};

use super::{error::ApiError, state::AppState};
use commands::tenants::Principal;

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        // A handler asking for a caller on a route the guard does not cover is closed, not open.
        parts.extensions.get::<Principal>().copied().ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "this route is not open to API keys",
            )
        })
    }
}
