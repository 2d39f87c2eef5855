//! Bodies of `/v1/api-keys`. A key's bearer token appears in one answer only (its creation), and
//! its `Debug` never prints it.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// Body of `POST /v1/api-keys`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKeyBody {
    /// A note for humans ("ci", "shopify sync"), at most 200 characters; `label` is accepted too.
    #[serde(alias = "label")]
    #[schema(value_type = crate::shapes::Text200)]
    pub name: String,
    /// What the key may do: `invoices:write`, `invoices:read`, `webhooks:manage`,
    /// `taxpayers:manage`, `admin` (everything, managing API keys included); at least one.
    #[schema(value_type = Vec<crate::shapes::Scope>, min_items = 1)]
    pub scopes: Vec<String>,
    /// When the key stops working (RFC 3339, in the future); absent: never.
    #[schema(value_type = Option<crate::shapes::Instant>)]
    pub expires_at: Option<String>,
}

/// An API key as listed (never its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyView {
    /// The key's id.
    pub id: Uuid,
    /// The secret's first 8 hex digits, to recognise the key by; `null` for keys issued before
    /// they were kept.
    pub prefix: Option<String>,
    /// A note for humans.
    pub name: String,
    /// What the key may do.
    pub scopes: Vec<String>,
    /// When it was issued.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was last used, to the minute (written at most once a minute per key and API
    /// instance); `null` if never.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    /// When it stops working; `null`: never.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// Whether it was revoked.
    pub revoked: bool,
    /// When it was revoked.
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// Answer of `POST /v1/api-keys`: the key and its bearer token, shown this once.
#[derive(Clone, Serialize, ToSchema)]
pub struct CreatedKey {
    /// The key.
    #[serde(flatten)]
    pub key: KeyView,
    /// The bearer token (`ak_<tenant>_<key>_<secret>`): keep it now, it is never shown again.
    pub api_key: String,
}

impl fmt::Debug for CreatedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedKey")
            .field("key", &self.key)
            .field("api_key", &"***")
            .finish()
    }
}

/// Answer of `GET /v1/api-keys`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyList {
    /// Every key of the tenant, revoked ones included, oldest first.
    pub items: Vec<KeyView>,
}
