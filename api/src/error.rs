//! The one place where errors become HTTP answers: RFC 9457 `application/problem+json` with a stable
//! snake_case `code`, a human `detail`, field-level errors and the request id. 5xx bodies are opaque
//! and the cause is logged once, here.

use axum::{
    Json,
    extract::rejection::{JsonRejection, PathRejection},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

use commands::handler::CommandError;
use domain::RejectionKind;
use projections::ProjectionError;

/// One field that was wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Path of the field in the request body, such as `receiver.document_number` or `items[1].iva_rate`.
    pub field: String,
    /// Stable code of what is wrong with it.
    pub code: String,
    /// Human explanation.
    pub detail: String,
}

/// A problem document (RFC 9457) as served by every endpoint on failure.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// URI reference naming the problem type (`/problems/<code>`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// Stable snake_case code clients can match on.
    pub code: String,
    /// Human explanation of this occurrence.
    pub detail: String,
    /// Field-level errors, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Request id, for support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// An error on its way to becoming a problem+json answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: String,
    detail: String,
    errors: Vec<FieldError>,
    /// Logged (at `error`) when the answer is a 5xx; never shown to the client.
    cause: Option<anyhow::Error>,
}

impl ApiError {
    /// A client error with a code and a detail.
    pub fn new(status: StatusCode, code: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            detail: detail.into(),
            errors: Vec::new(),
            cause: None,
        }
    }

    /// The field-level errors it carries.
    pub fn field_errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// 422 for invalid request content. One field error keeps its own code at the top level, so a
    /// client can match on `code` alone; several are grouped under `validation_failed`.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let (code, detail) = match errors.as_slice() {
            [one] => (one.code.clone(), format!("{}: {}", one.field, one.detail)),
            _ => (
                "validation_failed".to_owned(),
                format!("{} fields are invalid", errors.len()),
            ),
        };
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code,
            detail,
            errors,
            cause: None,
        }
    }

    /// The same error with another human explanation.
    #[must_use]
    pub fn with_detail(self, detail: impl Into<String>) -> Self {
        Self {
            detail: detail.into(),
            ..self
        }
    }

    /// `400 malformed_json`: the body is not JSON, for `reason`.
    pub fn malformed_json(reason: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the body is not valid JSON: {reason}"),
        )
    }

    /// 404 with code `not_found`.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", what)
    }

    /// 500 with an opaque body; the cause is logged.
    pub fn internal(cause: anyhow::Error) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal_error".to_owned(),
            detail: "the server failed to handle the request; it has been logged".to_owned(),
            errors: Vec::new(),
            cause: Some(cause),
        }
    }

    /// 503: a dependency (the database) is unavailable; retrying later is safe.
    pub fn unavailable(cause: anyhow::Error) -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "service_unavailable".to_owned(),
            detail: "a dependency is unavailable; retry later".to_owned(),
            errors: Vec::new(),
            cause: Some(cause),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// Renders the problem document (the request-id layer adds `request_id` on the way out).
    pub fn into_problem(self) -> (StatusCode, Problem) {
        if let Some(cause) = &self.cause
            && self.status.is_server_error()
        {
            tracing::error!(code = %self.code, error = ?cause, "request failed");
        }
        let problem = Problem {
            kind: format!("/problems/{}", self.code),
            title: title(self.status),
            status: self.status.as_u16(),
            code: self.code,
            detail: self.detail,
            errors: self.errors,
            request_id: None,
        };
        (self.status, problem)
    }
}

fn title(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or("Error").to_owned()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, problem) = self.into_problem();
        let mut response = (status, Json(problem)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

impl From<CommandError> for ApiError {
    fn from(err: CommandError) -> Self {
        match err {
            CommandError::Rejected(refusal) => {
                let (code, detail) = (refusal.code(), refusal.to_string());
                match (refusal.kind(), refusal.field()) {
                    (RejectionKind::Conflict, _) => Self::new(StatusCode::CONFLICT, code, detail),
                    (RejectionKind::NotFound, _) => Self::new(StatusCode::NOT_FOUND, code, detail),
                    (RejectionKind::Invalid, Some(field)) => Self::validation(vec![FieldError {
                        field: field.into_owned(),
                        code: code.to_owned(),
                        detail,
                    }]),
                    (RejectionKind::Invalid, None) => {
                        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
                    }
                }
            }
            CommandError::StaleVersion { expected, actual } => Self::new(
                StatusCode::CONFLICT,
                "version_conflict",
                format!(
                    "the resource is at version {}, not {expected}; reload it and retry",
                    actual.map_or_else(|| "none".to_owned(), |v| v.to_string())
                ),
            ),
            CommandError::Contended => Self::new(
                StatusCode::CONFLICT,
                "concurrent_modification",
                "the resource kept changing while the command was retried; retry the request",
            ),
            CommandError::Unavailable(cause) => Self::unavailable(cause),
            CommandError::Unexpected(cause) => Self::internal(cause),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match &rejection {
            JsonRejection::JsonSyntaxError(e) => Self::malformed_json(
                std::error::Error::source(e)
                    .and_then(std::error::Error::source)
                    .map_or_else(|| e.body_text(), ToString::to_string),
            ),
            JsonRejection::MissingJsonContentType(_) => Self::new(
                rejection.status(),
                "unsupported_media_type",
                "send the body as JSON, with `Content-Type: application/json`",
            ),
            _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "the body is larger than this service accepts",
            ),
            JsonRejection::JsonDataError(_) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                "the body does not have the fields this operation takes",
            ),
            _ => Self::new(
                rejection.status(),
                "unreadable_body",
                "the body could not be read",
            ),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        super::plain::path_rejection(&rejection, &[])
    }
}

impl From<ProjectionError> for ApiError {
    fn from(error: ProjectionError) -> Self {
        match error {
            ProjectionError::InvalidCursor => Self::new(
                StatusCode::BAD_REQUEST,
                "invalid_cursor",
                "the cursor is not one this service gave out; start again without it",
            ),
            other if other.is_unavailable() => {
                Self::unavailable(anyhow::Error::new(other).context("reading the read model"))
            }
            other => Self::internal(anyhow::Error::new(other).context("reading the read model")),
        }
    }
}
