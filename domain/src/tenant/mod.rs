//! The tenant aggregate: a customer account of the service and its API keys.
//!
//! Stream `tenant-{uuid}`. Secrets never enter events: the caller hashes the API key secret
//! (hex SHA-256) and only the hash (and the secret's first 8 hex digits, to recognise a key by) is
//! recorded. Each key carries its [`Scope`]s and an optional expiry; the tenant may carry a
//! [`RateLimit`] of its own.

mod commands;
mod error;
mod events;
mod limit;
mod scopes;
mod state;
#[cfg(test)]
mod tests;

pub use commands::{
    CreateTenant, IssueApiKey, RevokeApiKey, SetContactEmail, SetRateLimit, TenantCommand,
};
pub use error::TenantError;
pub use events::{
    ApiKeyIssued, ApiKeyIssuedV1, ApiKeyRevoked, ContactEmailSet, RateLimitSet, TenantCreated,
    TenantEvent,
};
pub use limit::RateLimit;
pub use scopes::{Scope, Scopes};
pub use state::{ApiKey, Tenant};
