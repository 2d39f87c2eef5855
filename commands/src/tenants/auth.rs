//! Authentication of bearer tokens against the tenants' streams, with a short positive cache.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use domain::{
    ApiKeyId, TenantId,
    tenant::{RateLimit, Scope, Scopes, Tenant},
};
use eventstore::EventStore;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::handler::{self, CommandError};
use crate::ports::Clock;

/// The most verified tokens an instance keeps; past it the cache starts over.
const CACHE_CAPACITY: usize = 10_000;

/// The authenticated caller of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    /// Whose data the request may touch.
    pub tenant_id: TenantId,
    /// Which key was used.
    pub key_id: ApiKeyId,
    /// What the key may do.
    pub scopes: Scopes,
    /// The tenant's own rate limit, if it has one.
    pub rate_limit: Option<RateLimit>,
}

impl Principal {
    /// The `actor` written into event metadata.
    pub fn actor(&self) -> String {
        format!("api-key:{}", self.key_id)
    }

    /// Whether the key may do what `needed` guards.
    pub fn allows(&self, needed: Scope) -> bool {
        self.scopes.allows(needed)
    }
}

/// What a presented token turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authentication {
    /// A live key.
    Valid(Principal),
    /// A key that was valid and has expired.
    Expired,
    /// Malformed, unknown, with a wrong secret, or revoked.
    Invalid,
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

struct Cached {
    principal: Principal,
    expires_at: Option<OffsetDateTime>,
    until: Instant,
}

/// Verifies bearer tokens against the tenants' streams. A verified token is trusted for `ttl`
/// without reading its tenant again: a key revoked on another instance keeps working here for at
/// most `ttl` (the instance that revokes a key forgets it at once, see [`ApiKeys::forget`]). An
/// expiry is checked on every request, cached or not.
pub struct ApiKeys {
    store: Arc<dyn EventStore>,
    clock: Arc<dyn Clock>,
    ttl: Duration,
    cache: Mutex<HashMap<[u8; 32], Cached>>,
}

impl ApiKeys {
    /// A verifier caching positive answers for `ttl`, telling expiry by `clock`.
    pub fn new(store: Arc<dyn EventStore>, clock: Arc<dyn Clock>, ttl: Duration) -> Self {
        Self {
            store,
            clock,
            ttl,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// How long a verified key is trusted without reading its tenant again: the longest a key
    /// revoked elsewhere keeps working on this instance.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// What the token is: a live key's [`Principal`], an expired key, or nothing valid.
    ///
    /// # Errors
    /// Store failures.
    pub async fn authenticate(&self, token: &str) -> Result<Authentication, CommandError> {
        let cache_key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(answer) = self.cached(&cache_key) {
            return Ok(answer);
        }
        let Some(parsed) = parse_token(token) else {
            return Ok(Authentication::Invalid);
        };
        let (tenant, _) = handler::load::<Tenant>(
            &self.store,
            parsed.tenant_id,
            &Tenant::stream_id(parsed.tenant_id),
        )
        .await?;
        let presented = hash_secret(parsed.secret);
        let Some(key) = tenant
            .active_key(parsed.key_id)
            .filter(|key| constant_time_eq(key.secret_hash.as_bytes(), presented.as_bytes()))
        else {
            return Ok(Authentication::Invalid);
        };
        if key.is_expired(self.clock.now()) {
            return Ok(Authentication::Expired);
        }
        let principal = Principal {
            tenant_id: parsed.tenant_id,
            key_id: parsed.key_id,
            scopes: key.scope_set(),
            rate_limit: tenant.rate_limit(),
        };
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
            let cached = Cached {
                principal,
                expires_at: key.expires_at,
                until: Instant::now() + self.ttl,
            };
            cache.insert(cache_key, cached);
        }
        Ok(Authentication::Valid(principal))
    }

    /// Drops the cached verifications of `key_id` (after this instance revoked it).
    pub fn forget(&self, key_id: ApiKeyId) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.retain(|_, cached| cached.principal.key_id != key_id);
        }
    }

    fn cached(&self, key: &[u8; 32]) -> Option<Authentication> {
        let cache = self.cache.lock().ok()?;
        let cached = cache.get(key).filter(|c| Instant::now() < c.until)?;
        if cached.expires_at.is_some_and(|at| at <= self.clock.now()) {
            return Some(Authentication::Expired);
        }
        Some(Authentication::Valid(cached.principal))
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
