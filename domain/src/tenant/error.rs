//! Why a tenant command was refused.

use std::borrow::Cow;

use crate::aggregate::{ErrorCode, RejectionKind};
use crate::ids::ApiKeyId;

/// A refused tenant command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenantError {
    /// The tenant exists already.
    #[error("the tenant already exists")]
    AlreadyCreated,
    /// The tenant does not exist.
    #[error("the tenant does not exist")]
    NotCreated,
    /// Empty or longer than 200 characters.
    #[error("the tenant name must have 1 to 200 characters")]
    InvalidName,
    /// Not 64 lowercase hex digits.
    #[error("the secret hash must be a hex sha-256 (64 lowercase hex digits)")]
    InvalidSecretHash,
    /// Longer than 200 characters.
    #[error("the api key label must have at most 200 characters")]
    InvalidLabel,
    /// Not 8 lowercase hex digits.
    #[error("the secret prefix must be 8 lowercase hex digits")]
    InvalidSecretPrefix,
    /// No scope given.
    #[error("an api key needs at least one scope")]
    NoScopes,
    /// An expiry that is not in the future.
    #[error("the expiry must be later than now")]
    ExpiryInThePast,
    /// A rate or burst of 0 or above 1,000,000.
    #[error("a rate limit's per_second and burst must be 1 to 1000000")]
    InvalidRateLimit,
    /// An API key with this id exists already.
    #[error("api key {0} already exists")]
    ApiKeyExists(ApiKeyId),
    /// No API key with this id.
    #[error("api key {0} does not exist")]
    UnknownApiKey(ApiKeyId),
}

impl TenantError {
    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::AlreadyCreated => "already_created",
            Self::NotCreated => "tenant_not_found",
            Self::InvalidName => "invalid_tenant_name",
            Self::InvalidSecretHash => "invalid_secret_hash",
            Self::InvalidLabel => "invalid_label",
            Self::InvalidSecretPrefix => "invalid_secret_prefix",
            Self::NoScopes => "invalid_scopes",
            Self::ExpiryInThePast => "invalid_expires_at",
            Self::InvalidRateLimit => "invalid_rate_limit",
            Self::ApiKeyExists(_) => "api_key_exists",
            Self::UnknownApiKey(_) => "unknown_api_key",
        }
    }

    /// The request field at fault, if any.
    pub fn field(&self) -> Option<Cow<'static, str>> {
        let field = match self {
            Self::AlreadyCreated | Self::NotCreated => return None,
            Self::InvalidName => "name",
            Self::InvalidSecretHash => "secret_hash",
            Self::InvalidLabel => "label",
            Self::InvalidSecretPrefix => "secret_prefix",
            Self::NoScopes => "scopes",
            Self::ExpiryInThePast => "expires_at",
            Self::InvalidRateLimit => "limit",
            Self::ApiKeyExists(_) | Self::UnknownApiKey(_) => "key_id",
        };
        Some(Cow::Borrowed(field))
    }
}

impl ErrorCode for TenantError {
    fn kind(&self) -> RejectionKind {
        match self {
            Self::AlreadyCreated | Self::ApiKeyExists(_) => RejectionKind::Conflict,
            Self::NotCreated | Self::UnknownApiKey(_) => RejectionKind::NotFound,
            _ => RejectionKind::Invalid,
        }
    }

    fn code(&self) -> &'static str {
        TenantError::code(self)
    }

    fn field(&self) -> Option<Cow<'static, str>> {
        TenantError::field(self)
    }
}
