//! What happened to a tenant.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::limit::RateLimit;
use super::scopes::Scope;
use crate::aggregate::{DecodeError, Payload, decode, domain_events};
use crate::ids::{ApiKeyId, TenantId};
use crate::values::EmailAddress;

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

/// `tenant.api_key_issued` v2: an API key was issued, with what it may do and until when; only
/// the secret's hash (and its first characters, to recognise it by) is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ApiKeyIssued {
    /// The key.
    pub key_id: ApiKeyId,
    /// SHA-256 of the secret, 64 lowercase hex digits.
    pub secret_hash: String,
    /// The secret's first 8 hex digits, safe to show; `null` for keys issued in version 1.
    pub secret_prefix: Option<String>,
    /// A note for humans.
    pub label: String,
    /// What the key may do; keys issued in version 1 have `admin`.
    pub scopes: Vec<Scope>,
    /// When the key stops working, if ever.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schemars(schema_with = "crate::values::date::optional_timestamp_schema")]
    pub expires_at: Option<OffsetDateTime>,
    /// When it was issued.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub issued_at: OffsetDateTime,
}

/// `tenant.api_key_issued` v1, as released before keys had scopes and expiry: read back as a
/// version 2 key with every permission (`admin`) and no expiry, so existing keys keep working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(
    title = "ApiKeyIssued",
    description = "`tenant.api_key_issued` v1: an API key was issued; only the secret's hash is kept."
)]
pub struct ApiKeyIssuedV1 {
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

impl From<ApiKeyIssuedV1> for ApiKeyIssued {
    fn from(v1: ApiKeyIssuedV1) -> Self {
        Self {
            key_id: v1.key_id,
            secret_hash: v1.secret_hash,
            secret_prefix: None,
            label: v1.label,
            scopes: vec![Scope::Admin],
            expires_at: None,
            issued_at: v1.issued_at,
        }
    }
}

impl Payload for ApiKeyIssued {
    const VERSION: u16 = 2;

    fn decode(
        event_type: &str,
        version: u16,
        data: &serde_json::Value,
    ) -> Result<Self, DecodeError> {
        match version {
            1 => decode::<ApiKeyIssuedV1>(event_type, 1, 1, data).map(Self::from),
            _ => decode(event_type, version, Self::VERSION, data),
        }
    }

    fn json_schemas() -> Vec<(u16, schemars::schema::RootSchema)> {
        vec![
            (1, schemars::schema_for!(ApiKeyIssuedV1)),
            (Self::VERSION, schemars::schema_for!(Self)),
        ]
    }
}

/// `tenant.rate_limit_set` v1: the tenant's keys got a rate limit of their own, or (`null`) went
/// back to the deployment's default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RateLimitSet {
    /// The limit, or `null` for the default.
    pub limit: Option<RateLimit>,
    /// When it was set.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub set_at: OffsetDateTime,
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

/// `tenant.contact_email_set` v1: where the tenant is told about trouble with its account (a
/// webhook subscription disabled, a delivery given up), or (`null`) nowhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ContactEmailSet {
    /// The address, or `null` for none.
    pub email: Option<EmailAddress>,
    /// When it was set.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub set_at: OffsetDateTime,
}

domain_events! {
    /// Every tenant event.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum TenantEvent {
        /// See [`TenantCreated`].
        Created(TenantCreated) = "tenant.created",
        /// See [`ApiKeyIssued`].
        ApiKeyIssued(ApiKeyIssued) = "tenant.api_key_issued" upcast,
        /// See [`ApiKeyRevoked`].
        ApiKeyRevoked(ApiKeyRevoked) = "tenant.api_key_revoked",
        /// See [`RateLimitSet`].
        RateLimitSet(RateLimitSet) = "tenant.rate_limit_set",
        /// See [`ContactEmailSet`].
        ContactEmailSet(ContactEmailSet) = "tenant.contact_email_set",
    }
}
