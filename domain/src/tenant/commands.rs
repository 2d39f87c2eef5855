//! What a tenant can be asked to do.

use serde::{Deserialize, Serialize};

use time::OffsetDateTime;

use super::limit::RateLimit;
use super::scopes::Scope;
use crate::ids::{ApiKeyId, TenantId};
use crate::values::EmailAddress;

/// Opens a tenant account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateTenant {
    /// The new tenant's id (chosen by the caller).
    pub tenant_id: TenantId,
    /// Display name, 1–200 characters.
    pub name: String,
}

/// Records a new API key; the caller generated the secret and passes only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueApiKey {
    /// The key's id (chosen by the caller).
    pub key_id: ApiKeyId,
    /// SHA-256 of the secret, 64 lowercase hex digits.
    pub secret_hash: String,
    /// The secret's first 8 lowercase hex digits, kept to recognise the key by.
    pub secret_prefix: String,
    /// A note for humans ("ci", "shopify sync"), at most 200 characters.
    pub label: String,
    /// What the key may do; at least one scope.
    pub scopes: Vec<Scope>,
    /// When the key stops working, if ever; must be later than now.
    pub expires_at: Option<OffsetDateTime>,
}

/// Gives the tenant's keys a rate limit of their own, or (`None`) the deployment's default back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetRateLimit {
    /// The limit, or `None` for the default.
    pub limit: Option<RateLimit>,
}

/// Sets where the tenant is told about trouble with its account, or (`None`) clears it.
/// Setting the address it already has changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetContactEmail {
    /// The address, or `None` for none.
    pub email: Option<EmailAddress>,
}

/// Revokes an API key. Revoking a revoked key changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeApiKey {
    /// The key to revoke.
    pub key_id: ApiKeyId,
}

/// Every tenant command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantCommand {
    /// See [`CreateTenant`].
    Create(CreateTenant),
    /// See [`IssueApiKey`].
    IssueApiKey(IssueApiKey),
    /// See [`RevokeApiKey`].
    RevokeApiKey(RevokeApiKey),
    /// See [`SetRateLimit`].
    SetRateLimit(SetRateLimit),
    /// See [`SetContactEmail`].
    SetContactEmail(SetContactEmail),
}

impl From<CreateTenant> for TenantCommand {
    fn from(c: CreateTenant) -> Self {
        Self::Create(c)
    }
}

impl From<IssueApiKey> for TenantCommand {
    fn from(c: IssueApiKey) -> Self {
        Self::IssueApiKey(c)
    }
}

impl From<RevokeApiKey> for TenantCommand {
    fn from(c: RevokeApiKey) -> Self {
        Self::RevokeApiKey(c)
    }
}

impl From<SetContactEmail> for TenantCommand {
    fn from(c: SetContactEmail) -> Self {
        Self::SetContactEmail(c)
    }
}

impl From<SetRateLimit> for TenantCommand {
    fn from(c: SetRateLimit) -> Self {
        Self::SetRateLimit(c)
    }
}
