//! The tenant's state and its decide/evolve.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::commands::{
    CreateTenant, IssueApiKey, RevokeApiKey, SetContactEmail, SetRateLimit, TenantCommand,
};
use super::error::TenantError;
use super::events::{
    ApiKeyIssued, ApiKeyRevoked, ContactEmailSet, RateLimitSet, TenantCreated, TenantEvent,
};
use super::limit::RateLimit;
use super::scopes::{Scope, Scopes};
use crate::aggregate::{Aggregate, Context};
use crate::envelope::StreamId;
use crate::ids::{ApiKeyId, TenantId};
use crate::values::EmailAddress;

const MAX_TEXT: usize = 200;

/// One API key as the tenant knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// The key.
    pub key_id: ApiKeyId,
    /// SHA-256 of the secret (hex).
    pub secret_hash: String,
    /// The secret's first 8 hex digits (`None` for keys issued before they were kept).
    pub secret_prefix: Option<String>,
    /// A note for humans.
    pub label: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// When it stops working, if ever.
    pub expires_at: Option<OffsetDateTime>,
    /// When it was issued.
    pub issued_at: OffsetDateTime,
    /// When it was revoked, if it was.
    pub revoked_at: Option<OffsetDateTime>,
}

impl ApiKey {
    /// Its scopes as a set.
    pub fn scope_set(&self) -> Scopes {
        self.scopes.iter().copied().collect()
    }

    /// Whether it has expired at `now`.
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

/// A tenant: its id, name and API keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tenant {
    id: Option<TenantId>,
    name: String,
    keys: BTreeMap<ApiKeyId, ApiKey>,
    rate_limit: Option<RateLimit>,
    contact_email: Option<EmailAddress>,
}

impl Tenant {
    /// The stream of a tenant: `tenant-{uuid}`.
    pub fn stream_id(id: TenantId) -> StreamId {
        StreamId::new(format!("tenant-{}", id.as_uuid()))
    }

    /// The tenant's id, once created.
    pub fn id(&self) -> Option<TenantId> {
        self.id
    }

    /// Whether the tenant was created.
    pub fn is_created(&self) -> bool {
        self.id.is_some()
    }

    /// Display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every key ever issued, revoked ones included.
    pub fn api_keys(&self) -> impl Iterator<Item = &ApiKey> {
        self.keys.values()
    }

    /// The keys that still work.
    pub fn active_keys(&self) -> impl Iterator<Item = &ApiKey> {
        self.keys.values().filter(|k| k.revoked_at.is_none())
    }

    /// The key `key_id` if it exists and is not revoked.
    pub fn active_key(&self, key_id: ApiKeyId) -> Option<&ApiKey> {
        self.keys.get(&key_id).filter(|k| k.revoked_at.is_none())
    }

    /// The tenant's own rate limit, if it has one (otherwise the deployment's default applies).
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit
    }

    /// Where the tenant is told about trouble with its account, if anywhere.
    pub fn contact_email(&self) -> Option<&EmailAddress> {
        self.contact_email.as_ref()
    }

    fn set_contact_email(
        &self,
        cmd: SetContactEmail,
        ctx: &Context,
    ) -> Result<Vec<TenantEvent>, TenantError> {
        if !self.is_created() {
            return Err(TenantError::NotCreated);
        }
        if cmd.email == self.contact_email {
            return Ok(vec![]);
        }
        Ok(vec![TenantEvent::ContactEmailSet(ContactEmailSet {
            email: cmd.email,
            set_at: ctx.now,
        })])
    }

    fn create(&self, cmd: &CreateTenant, ctx: &Context) -> Result<Vec<TenantEvent>, TenantError> {
        if self.is_created() {
            return Err(TenantError::AlreadyCreated);
        }
        let name = cmd.name.trim();
        if name.is_empty() || name.chars().count() > MAX_TEXT {
            return Err(TenantError::InvalidName);
        }
        Ok(vec![TenantEvent::Created(TenantCreated {
            tenant_id: cmd.tenant_id,
            name: name.to_owned(),
            created_at: ctx.now,
        })])
    }

    fn issue(&self, cmd: IssueApiKey, ctx: &Context) -> Result<Vec<TenantEvent>, TenantError> {
        if !self.is_created() {
            return Err(TenantError::NotCreated);
        }
        if self.keys.contains_key(&cmd.key_id) {
            return Err(TenantError::ApiKeyExists(cmd.key_id));
        }
        let hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
        if cmd.secret_hash.len() != 64 || !cmd.secret_hash.bytes().all(hex) {
            return Err(TenantError::InvalidSecretHash);
        }
        if cmd.secret_prefix.len() != 8 || !cmd.secret_prefix.bytes().all(hex) {
            return Err(TenantError::InvalidSecretPrefix);
        }
        if cmd.label.chars().count() > MAX_TEXT {
            return Err(TenantError::InvalidLabel);
        }
        if cmd.scopes.is_empty() {
            return Err(TenantError::NoScopes);
        }
        if cmd.expires_at.is_some_and(|at| at <= ctx.now) {
            return Err(TenantError::ExpiryInThePast);
        }
        let mut scopes = cmd.scopes;
        scopes.sort_unstable();
        scopes.dedup();
        Ok(vec![TenantEvent::ApiKeyIssued(ApiKeyIssued {
            key_id: cmd.key_id,
            secret_hash: cmd.secret_hash,
            secret_prefix: Some(cmd.secret_prefix),
            label: cmd.label.trim().to_owned(),
            scopes,
            expires_at: cmd.expires_at,
            issued_at: ctx.now,
        })])
    }

    fn set_rate_limit(
        &self,
        cmd: SetRateLimit,
        ctx: &Context,
    ) -> Result<Vec<TenantEvent>, TenantError> {
        if !self.is_created() {
            return Err(TenantError::NotCreated);
        }
        if cmd.limit.is_some_and(|l| !l.is_valid()) {
            return Err(TenantError::InvalidRateLimit);
        }
        if cmd.limit == self.rate_limit {
            return Ok(vec![]);
        }
        Ok(vec![TenantEvent::RateLimitSet(RateLimitSet {
            limit: cmd.limit,
            set_at: ctx.now,
        })])
    }

    fn revoke(&self, cmd: RevokeApiKey, ctx: &Context) -> Result<Vec<TenantEvent>, TenantError> {
        if !self.is_created() {
            return Err(TenantError::NotCreated);
        }
        match self.keys.get(&cmd.key_id) {
            None => Err(TenantError::UnknownApiKey(cmd.key_id)),
            Some(key) if key.revoked_at.is_some() => Ok(vec![]),
            Some(_) => Ok(vec![TenantEvent::ApiKeyRevoked(ApiKeyRevoked {
                key_id: cmd.key_id,
                revoked_at: ctx.now,
            })]),
        }
    }
}

impl Aggregate for Tenant {
    type Command = TenantCommand;
    type Event = TenantEvent;
    type Error = TenantError;

    fn decide(
        &self,
        command: TenantCommand,
        ctx: &Context,
    ) -> Result<Vec<TenantEvent>, TenantError> {
        match command {
            TenantCommand::Create(cmd) => self.create(&cmd, ctx),
            TenantCommand::IssueApiKey(cmd) => self.issue(cmd, ctx),
            TenantCommand::RevokeApiKey(cmd) => self.revoke(cmd, ctx),
            TenantCommand::SetRateLimit(cmd) => self.set_rate_limit(cmd, ctx),
            TenantCommand::SetContactEmail(cmd) => self.set_contact_email(cmd, ctx),
        }
    }

    fn evolve(mut self, event: &TenantEvent) -> Self {
        match event {
            TenantEvent::Created(e) => {
                self.id = Some(e.tenant_id);
                self.name.clone_from(&e.name);
            }
            TenantEvent::ApiKeyIssued(e) => {
                let key = ApiKey {
                    key_id: e.key_id,
                    secret_hash: e.secret_hash.clone(),
                    secret_prefix: e.secret_prefix.clone(),
                    label: e.label.clone(),
                    scopes: e.scopes.clone(),
                    expires_at: e.expires_at,
                    issued_at: e.issued_at,
                    revoked_at: None,
                };
                self.keys.insert(e.key_id, key);
            }
            TenantEvent::ApiKeyRevoked(e) => {
                if let Some(key) = self.keys.get_mut(&e.key_id) {
                    key.revoked_at = Some(e.revoked_at);
                }
            }
            TenantEvent::RateLimitSet(e) => self.rate_limit = e.limit,
            TenantEvent::ContactEmailSet(e) => self.contact_email.clone_from(&e.email),
        }
        self
    }
}
