//! What happened to a tenant.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::aggregate::domain_events;
use crate::ids::{ApiKeyId, TenantId};

/// `tenant.created` v1: a tenant account was opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TenantCreated {
    /// The tenant.
    pub tenant_id: TenantId,
    /// Display name.
    pub name: String,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub created_at: OffsetDateTime,
}

/// `tenant.api_key_issued` v1: an API key was issued; only the secret's hash is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ApiKeyIssued {
    /// The key.
    pub key_id: ApiKeyId,
    /// SHA-256 of the secret, 64 lowercase hex digits.
    pub secret_hash: String,
    /// A note for humans.
    pub label: String,
    /// When it was issued.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub issued_at: OffsetDateTime,
}

/// `tenant.api_key_revoked` v1: an API key stopped working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ApiKeyRevoked {
    /// The key.
    pub key_id: ApiKeyId,
    /// When it was revoked.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub revoked_at: OffsetDateTime,
}

domain_events! {
    /// Every tenant event.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum TenantEvent {
        /// See [`TenantCreated`].
        Created(TenantCreated) = "tenant.created",
        /// See [`ApiKeyIssued`].
        ApiKeyIssued(ApiKeyIssued) = "tenant.api_key_issued",
        /// See [`ApiKeyRevoked`].
        ApiKeyRevoked(ApiKeyRevoked) = "tenant.api_key_revoked",
    }
}
