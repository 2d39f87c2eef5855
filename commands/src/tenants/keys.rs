//! Issuing and revoking API keys, setting a tenant's rate limit and contact address, and reading
//! a tenant back.

use std::sync::Arc;

use domain::{
    ApiKeyId, EventMetadata, TenantId,
    aggregate::Context,
    tenant::{
        CreateTenant, IssueApiKey, RateLimit, RevokeApiKey, Scope, SetContactEmail, SetRateLimit,
        Tenant, TenantCommand,
    },
};
use eventstore::EventStore;
use rand::RngCore;
use time::OffsetDateTime;
use uuid::Uuid;

use super::auth::hash_secret;
use crate::handler::{self, Command, CommandError, EventIds};
use crate::metrics::CommandMetrics;

/// A freshly issued key; the token is shown once and never stored.
#[derive(Debug, Clone)]
pub struct IssuedKey {
    /// The tenant the key belongs to.
    pub tenant_id: TenantId,
    /// The key's id.
    pub key_id: ApiKeyId,
    /// The bearer token to give to the user.
    pub token: String,
    /// The secret's first 8 hex digits, as listed later.
    pub prefix: String,
}

/// What a new key is to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySpec {
    /// A note for humans.
    pub label: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// When it stops working, if ever.
    pub expires_at: Option<OffsetDateTime>,
}

impl KeySpec {
    /// A key with every permission that never expires.
    pub fn admin(label: &str) -> Self {
        Self {
            label: label.to_owned(),
            scopes: vec![Scope::Admin],
            expires_at: None,
        }
    }
}

/// Creates a tenant and its first API key (`admin`, labelled `default`).
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
    let metadata = cli_metadata(tenant_id);
    run(
        store,
        &CommandMetrics::detached(),
        ctx,
        tenant_id,
        create.into(),
        metadata,
        true,
    )
    .await?;
    let metadata = cli_metadata(tenant_id);
    let detached = CommandMetrics::detached();
    issue_api_key(
        store,
        &detached,
        ctx,
        tenant_id,
        KeySpec::admin("default"),
        metadata,
    )
    .await
}

/// Issues a new API key for an existing tenant, recording `metadata` (who asked) on its event.
///
/// # Errors
/// The tenant does not exist or the spec is refused (no scope, an expiry not in the future, a
/// label too long), or store failures.
pub async fn issue_api_key(
    store: &Arc<dyn EventStore>,
    metrics: &CommandMetrics,
    ctx: &Context,
    tenant_id: TenantId,
    spec: KeySpec,
    metadata: EventMetadata,
) -> Result<IssuedKey, CommandError> {
    let key_id = ApiKeyId(Uuid::now_v7());
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let secret_hex = hex::encode(secret);
    let prefix = secret_hex[..8].to_owned();
    let issue = IssueApiKey {
        key_id,
        secret_hash: hash_secret(&secret_hex),
        secret_prefix: prefix.clone(),
        label: spec.label,
        scopes: spec.scopes,
        expires_at: spec.expires_at,
    };
    run(
        store,
        metrics,
        ctx,
        tenant_id,
        issue.into(),
        metadata,
        false,
    )
    .await?;
    Ok(IssuedKey {
        tenant_id,
        key_id,
        token: format!(
            "ak_{}_{}_{secret_hex}",
            tenant_id.0.simple(),
            key_id.0.simple()
        ),
        prefix,
    })
}

/// Revokes one of the tenant's keys (revoking a revoked key changes nothing).
///
/// # Errors
/// No such key for this tenant (rejected), or store failures.
pub async fn revoke_api_key(
    store: &Arc<dyn EventStore>,
    metrics: &CommandMetrics,
    ctx: &Context,
    tenant_id: TenantId,
    key_id: ApiKeyId,
    metadata: EventMetadata,
) -> Result<(), CommandError> {
    let revoke = RevokeApiKey { key_id };
    run(
        store,
        metrics,
        ctx,
        tenant_id,
        revoke.into(),
        metadata,
        false,
    )
    .await
}

/// Gives the tenant's keys a rate limit of their own, or (`None`) the default back; from the
/// command line.
///
/// # Errors
/// No such tenant or an invalid limit (rejected), or store failures.
pub async fn set_rate_limit(
    store: &Arc<dyn EventStore>,
    ctx: &Context,
    tenant_id: TenantId,
    limit: Option<RateLimit>,
) -> Result<(), CommandError> {
    from_cli(store, ctx, tenant_id, SetRateLimit { limit }.into()).await
}

/// Sets where the tenant is told about trouble with its account (a webhook subscription
/// disabled, a delivery given up), or (`None`) clears it; from the command line.
///
/// # Errors
/// No such tenant (rejected), or store failures.
pub async fn set_contact_email(
    store: &Arc<dyn EventStore>,
    ctx: &Context,
    tenant_id: TenantId,
    email: Option<domain::values::EmailAddress>,
) -> Result<(), CommandError> {
    from_cli(store, ctx, tenant_id, SetContactEmail { email }.into()).await
}

/// Runs a command on an existing tenant from the command line (actor `cli`, uncounted).
async fn from_cli(
    store: &Arc<dyn EventStore>,
    ctx: &Context,
    tenant_id: TenantId,
    command: TenantCommand,
) -> Result<(), CommandError> {
    let metadata = cli_metadata(tenant_id);
    let detached = CommandMetrics::detached();
    run(store, &detached, ctx, tenant_id, command, metadata, false).await
}

/// The tenant as its stream tells it (not created when the stream is empty).
///
/// # Errors
/// Store failures.
pub async fn tenant(
    store: &Arc<dyn EventStore>,
    tenant_id: TenantId,
) -> Result<Tenant, CommandError> {
    let (tenant, _) =
        handler::load::<Tenant>(store, tenant_id, &Tenant::stream_id(tenant_id)).await?;
    Ok(tenant)
}

/// Metadata of a command from the command line (actor `cli`).
fn cli_metadata(tenant_id: TenantId) -> EventMetadata {
    EventMetadata {
        actor: Some("cli".to_owned()),
        ..EventMetadata::for_tenant(tenant_id)
    }
}

async fn run(
    store: &Arc<dyn EventStore>,
    metrics: &CommandMetrics,
    ctx: &Context,
    tenant_id: TenantId,
    command: TenantCommand,
    metadata: EventMetadata,
    fresh_stream: bool,
) -> Result<(), CommandError> {
    let command = Command::<Tenant> {
        stream: Tenant::stream_id(tenant_id),
        command,
        metadata,
        expected: None,
        fresh_stream,
        event_ids: EventIds::Fresh,
    };
    handler::execute(store, metrics, ctx, command).await?;
    Ok(())
}
