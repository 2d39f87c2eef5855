//! `Authorization: Bearer <api key>` → the request's [`Principal`].

use axum::{
    extract::FromRequestParts,
    http::{StatusCode, header, request::Parts},
};

use super::{error::ApiError, state::AppState};
use commands::tenants::Principal;

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unauthorized = |detail: &str| {
            ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", detail.to_owned())
        };
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| unauthorized("missing Authorization: Bearer <api key>"))?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| unauthorized("the Authorization header must be `Bearer <api key>`"))?;
        state
            .keys()
            .authenticate(token)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(|| unauthorized("unknown or revoked API key"))
    }
}
