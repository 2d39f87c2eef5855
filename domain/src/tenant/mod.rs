//! The tenant aggregate: a customer account of the service and its API keys.
//!
//! Stream `tenant-{uuid}`. Secrets never enter events: the caller hashes the API key secret
//! (hex SHA-256) and only the hash is recorded.

mod commands;
mod error;
mod events;
mod state;
#[cfg(test)]
mod tests;

pub use commands::{CreateTenant, IssueApiKey, RevokeApiKey, TenantCommand};
pub use error::TenantError;
pub use events::{ApiKeyIssued, ApiKeyRevoked, TenantCreated, TenantEvent};
pub use state::{ApiKey, Tenant};
