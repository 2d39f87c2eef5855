//! What a tenant can be asked to do.

use serde::{Deserialize, Serialize};

use crate::ids::{ApiKeyId, TenantId};

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
    /// A note for humans ("ci", "shopify sync"), at most 200 characters.
    pub label: String,
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
