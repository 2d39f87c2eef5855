//! Tenants and their API keys: creation, issuing and revoking keys, a tenant's rate limit and
//! contact address, and authentication of bearer tokens.
//!
//! A key reads `ak_<tenant>_<key id>_<secret>` (all hex). Only the SHA-256 of the secret (and its
//! first 8 hex digits, to recognise the key by) is stored, in the tenant's own stream
//! (`tenant.api_key_issued`); the tenant and key ids in the token say which stream to check, so
//! authentication needs no table of its own. Secrets carry 256 bits of entropy, so a fast hash is
//! enough; comparison is constant-time. Verified keys are cached for a few seconds
//! ([`ApiKeys`]), which bounds how long a revoked key keeps working on another running instance.

mod auth;
mod keys;

pub use auth::{ApiKeys, Authentication, Principal, hash_secret};
pub use keys::{
    IssuedKey, KeySpec, create_tenant, issue_api_key, revoke_api_key, set_contact_email,
    set_rate_limit, tenant,
};
