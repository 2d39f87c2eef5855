//! Tenants and their API keys: creation (from the CLI) and authentication of bearer tokens.
//!
//! A key reads `ak_<tenant>_<key id>_<secret>` (all hex). Only the SHA-256 of the secret is stored,
//! in the tenant's own stream (`tenant.api_key_issued`); the tenant and key ids in the token say
//! which stream to check, so authentication needs no table of its own. Secrets carry 256 bits of
//! entropy, so a fast hash is enough; comparison is constant-time. Verified keys are cached for a
//! few seconds, which bounds how long a revoked key keeps working on a running instance.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use domain::{
    ApiKeyId, EventMetadata, TenantId,
    aggregate::Context,
    tenant::{CreateTenant, IssueApiKey, Tenant, TenantCommand},
};
use eventstore::EventStore;
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::handler::{self, Command, CommandError, EventIds};
use crate::metrics::CommandMetrics;

/// The authenticated caller of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    /// Whose data the request may touch.
    pub tenant_id: TenantId,
    /// Which key was used.
    pub key_id: ApiKeyId,
}

impl Principal {
    /// The `actor` written into event metadata.
    pub fn actor(&self) -> String {
        format!("api-key:{}", self.key_id)
    }
}

/// A freshly issued key; the token is shown once and never stored.
#[derive(Debug, Clone)]
pub struct IssuedKey {
    /// The tenant the key belongs to.
    pub tenant_id: TenantId,
    /// The key's id.
    pub key_id: ApiKeyId,
    /// The bearer token to give to the user.
    pub token: String,
}

/// Creates a tenant and its first API key.
///
/// # Errors
/// Store failures.
pub async fn create_tenant(
    store: &Arc<dyn EventStore>,
    ctx: &Context,
    name: &str,
) -> Result<IssuedKey, CommandError> {
    let tenant_id = TenantId(Uuid::now_v7());
    let create = CreateTenant {
        tenant_id,
        name: name.to_owned(),
    };
    run_as_cli(store, ctx, tenant_id, create.into(), true).await?;
    issue_api_key(store, ctx, tenant_id, "default").await
}

/// Issues a new API key for an existing tenant.
///
/// # Errors
/// The tenant does not exist (rejected), or store failures.
pub async fn issue_api_key(
    store: &Arc<dyn EventStore>,
    ctx: &Context,
    tenant_id: TenantId,
    label: &str,
) -> Result<IssuedKey, CommandError> {
    let key_id = ApiKeyId(Uuid::now_v7());
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let secret_hex = hex::encode(secret);
    let issue = IssueApiKey {
        key_id,
        secret_hash: hash_secret(&secret_hex),
        label: label.to_owned(),
    };
    run_as_cli(store, ctx, tenant_id, issue.into(), false).await?;
    Ok(IssuedKey {
        tenant_id,
        key_id,
        token: format!(
            "ak_{}_{}_{secret_hex}",
            tenant_id.0.simple(),
            key_id.0.simple()
        ),
    })
}

/// Runs a tenant command on behalf of the command line (actor `cli`, not counted in metrics).
async fn run_as_cli(
    store: &Arc<dyn EventStore>,
    ctx: &Context,
    tenant_id: TenantId,
    command: TenantCommand,
    fresh_stream: bool,
) -> Result<(), CommandError> {
    let metadata = EventMetadata {
        actor: Some("cli".to_owned()),
        ..EventMetadata::for_tenant(tenant_id)
    };
    let command = Command::<Tenant> {
        stream: Tenant::stream_id(tenant_id),
        command,
        metadata,
        expected: None,
        fresh_stream,
        event_ids: EventIds::Fresh,
    };
    handler::execute(store, &CommandMetrics::detached(), ctx, command).await?;
    Ok(())
}

/// Hex SHA-256 of a key's secret part, as stored in `tenant.api_key_issued`.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

struct ParsedToken<'a> {
    tenant_id: TenantId,
    key_id: ApiKeyId,
    secret: &'a str,
}

fn parse_token(token: &str) -> Option<ParsedToken<'_>> {
    let mut parts = token.strip_prefix("ak_")?.splitn(3, '_');
    let tenant_id = TenantId(Uuid::try_parse(parts.next()?).ok()?);
    let key_id = ApiKeyId(Uuid::try_parse(parts.next()?).ok()?);
    let secret = parts.next()?;
    (secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit())).then_some(ParsedToken {
        tenant_id,
        key_id,
        secret,
    })
}

/// Verifies bearer tokens against the tenants' streams, with a short positive cache.
pub struct ApiKeys {
    store: Arc<dyn EventStore>,
    ttl: Duration,
    cache: Mutex<HashMap<[u8; 32], (Principal, Instant)>>,
}

impl ApiKeys {
    /// A verifier caching positive answers for `ttl`.
    pub fn new(store: Arc<dyn EventStore>, ttl: Duration) -> Self {
        Self {
            store,
            ttl,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Who the token belongs to, or `None` when it is unknown, malformed or revoked.
    ///
    /// # Errors
    /// Store failures.
    pub async fn authenticate(&self, token: &str) -> Result<Option<Principal>, CommandError> {
        let cache_key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(principal) = self.cached(&cache_key) {
            return Ok(Some(principal));
        }
        let Some(parsed) = parse_token(token) else {
            return Ok(None);
        };
        let (tenant, _) = handler::load::<Tenant>(
            &self.store,
            parsed.tenant_id,
            &Tenant::stream_id(parsed.tenant_id),
        )
        .await?;
        let presented = hash_secret(parsed.secret);
        let valid = tenant
            .active_key(parsed.key_id)
            .is_some_and(|key| constant_time_eq(key.secret_hash.as_bytes(), presented.as_bytes()));
        if !valid {
            return Ok(None);
        }
        let principal = Principal {
            tenant_id: parsed.tenant_id,
            key_id: parsed.key_id,
        };
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() > 10_000 {
                cache.clear();
            }
            cache.insert(cache_key, (principal, Instant::now() + self.ttl));
        }
        Ok(Some(principal))
    }

    fn cached(&self, key: &[u8; 32]) -> Option<Principal> {
        let cache = self.cache.lock().ok()?;
        let (principal, until) = cache.get(key)?;
        (Instant::now() < *until).then_some(*principal)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_token_it_issues_and_nothing_else() {
        let tenant = Uuid::now_v7();
        let key = Uuid::now_v7();
        let secret = "ab".repeat(32);
        let token = format!("ak_{}_{}_{secret}", tenant.simple(), key.simple());
        let parsed = parse_token(&token).expect("well-formed token");
        assert_eq!(parsed.tenant_id.0, tenant);
        assert_eq!(parsed.key_id.0, key);
        assert!(parse_token(&token[..token.len() - 1]).is_none());
        assert!(parse_token(&token.replace("ak_", "xx_")).is_none());
        assert!(parse_token("ak_nothing").is_none());
    }
}
