//! `arca tenant …`: the operator's tenant administration, straight on the event store: create a
//! tenant, issue, list and revoke its API keys, give it a rate limit of its own, and set the
//! address it is told at about trouble with its account.

use std::sync::Arc;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use commands::{
    CommandMetrics,
    ports::{Clock, SystemClock},
    tenants::{self, KeySpec},
};
use domain::{
    ApiKeyId, EventMetadata, TenantId,
    aggregate::Context,
    tenant::{RateLimit, Scope},
    values::EmailAddress,
};
use eventstore::EventStore;
use infra::PgLastUsed;
use serde_json::json;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use uuid::Uuid;

use crate::{config, server, settings::Settings};

/// Tenant administration.
#[derive(Debug, Subcommand)]
pub enum TenantCmd {
    /// Create a tenant and print its first API key (`admin`, shown once).
    Create {
        /// Display name.
        name: String,
        /// Where the tenant is told when a webhook subscription is disabled or a delivery given
        /// up (needs email: `smtp_host`).
        #[arg(long)]
        contact_email: Option<String>,
    },
    /// The address the tenant is told at about trouble with its account.
    #[command(subcommand)]
    Contact(ContactCmd),
    /// A tenant's API keys.
    #[command(subcommand)]
    Keys(KeysCmd),
    /// A tenant's rate limit (each of its keys), instead of the deployment's default.
    #[command(subcommand)]
    Limits(LimitsCmd),
}

/// `arca tenant keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// Issue a key and print it (shown once).
    Create(CreateKey),
    /// Print the tenant's keys as JSON lines (never their secrets).
    List {
        /// The tenant's id.
        tenant: Uuid,
    },
    /// Revoke a key: refused at once by new API instances, within `api_key_cache_seconds` by
    /// running ones.
    Revoke {
        /// The tenant's id.
        tenant: Uuid,
        /// The key's id.
        key: Uuid,
    },
}

/// `arca tenant keys create`.
#[derive(Debug, Args)]
pub struct CreateKey {
    /// The tenant's id.
    pub tenant: Uuid,
    /// A note for humans.
    #[arg(long)]
    pub name: String,
    /// A scope (repeat for several): invoices:write, invoices:read, webhooks:manage,
    /// taxpayers:manage, admin.
    #[arg(long = "scope", required = true)]
    pub scopes: Vec<String>,
    /// When the key stops working (RFC 3339).
    #[arg(long)]
    pub expires_at: Option<String>,
}

/// `arca tenant contact …`.
#[derive(Debug, Subcommand)]
pub enum ContactCmd {
    /// Email the tenant at this address when a webhook subscription is disabled or a delivery
    /// given up.
    Set {
        /// The tenant's id.
        tenant: Uuid,
        /// The address.
        email: String,
    },
    /// Email the tenant no more.
    Clear {
        /// The tenant's id.
        tenant: Uuid,
    },
}

/// `arca tenant limits …`.
#[derive(Debug, Subcommand)]
pub enum LimitsCmd {
    /// Give the tenant's keys a rate limit of their own.
    Set {
        /// The tenant's id.
        tenant: Uuid,
        /// Requests per second on average.
        #[arg(long)]
        per_second: u32,
        /// Requests at once.
        #[arg(long)]
        burst: u32,
    },
    /// Back to the deployment's default (`rate_limit_per_second`, `rate_limit_burst`).
    Clear {
        /// The tenant's id.
        tenant: Uuid,
    },
}

/// Runs `arca tenant …`.
///
/// # Errors
/// The store is unreachable, or the command was refused (printed with its reason).
pub async fn run(settings: &Settings, cmd: TenantCmd) -> anyhow::Result<()> {
    let pg = server::connect_store(settings).await?;
    let pool = pg.pool().clone();
    let store: Arc<dyn EventStore> = Arc::new(pg);
    let ctx = Context {
        now: SystemClock.now(),
        policy: config::policy(settings)?,
    };
    match cmd {
        TenantCmd::Create {
            name,
            contact_email,
        } => {
            let contact = contact_email
                .as_deref()
                .map(EmailAddress::parse)
                .transpose()?;
            let issued = tenants::create_tenant(&store, &ctx, &name)
                .await
                .context("creating the tenant")?;
            if let Some(email) = contact {
                tenants::set_contact_email(&store, &ctx, issued.tenant_id, Some(email))
                    .await
                    .context("setting the contact address")?;
            }
            println!("tenant_id={}", issued.tenant_id);
            println!("api_key={}", issued.token);
            eprintln!("keep the API key now: it is not stored and cannot be shown again");
        }
        TenantCmd::Keys(KeysCmd::Create(args)) => create_key(&store, &ctx, args).await?,
        TenantCmd::Keys(KeysCmd::List { tenant }) => {
            list_keys(&store, &PgLastUsed::new(pool), TenantId(tenant)).await?;
        }
        TenantCmd::Keys(KeysCmd::Revoke { tenant, key }) => {
            let tenant = TenantId(tenant);
            let detached = CommandMetrics::detached();
            tenants::revoke_api_key(&store, &detached, &ctx, tenant, ApiKeyId(key), cli(tenant))
                .await
                .context("revoking the key")?;
            println!("revoked key_id={key}");
        }
        TenantCmd::Contact(ContactCmd::Set { tenant, email }) => {
            let email = EmailAddress::parse(&email)?;
            tenants::set_contact_email(&store, &ctx, TenantId(tenant), Some(email.clone()))
                .await
                .context("setting the contact address")?;
            println!("tenant {tenant}: notices go to {email}");
        }
        TenantCmd::Contact(ContactCmd::Clear { tenant }) => {
            tenants::set_contact_email(&store, &ctx, TenantId(tenant), None)
                .await
                .context("clearing the contact address")?;
            println!("tenant {tenant}: no notices by email");
        }
        TenantCmd::Limits(LimitsCmd::Set {
            tenant,
            per_second,
            burst,
        }) => {
            let limit = RateLimit { per_second, burst };
            tenants::set_rate_limit(&store, &ctx, TenantId(tenant), Some(limit))
                .await
                .context("setting the rate limit")?;
            println!("tenant {tenant}: {per_second} requests/s, bursts of {burst}");
        }
        TenantCmd::Limits(LimitsCmd::Clear { tenant }) => {
            tenants::set_rate_limit(&store, &ctx, TenantId(tenant), None)
                .await
                .context("clearing the rate limit")?;
            println!("tenant {tenant}: the default rate limit");
        }
    }
    Ok(())
}

async fn create_key(
    store: &Arc<dyn EventStore>,
    ctx: &Context,
    args: CreateKey,
) -> anyhow::Result<()> {
    let mut scopes = Vec::new();
    for name in &args.scopes {
        match Scope::parse(name) {
            Some(scope) => scopes.push(scope),
            None => bail!("`{name}` is not a scope"),
        }
    }
    let expires_at = args
        .expires_at
        .as_deref()
        .map(|text| OffsetDateTime::parse(text, &Rfc3339))
        .transpose()
        .context("--expires-at must be RFC 3339")?;
    let tenant = TenantId(args.tenant);
    let spec = KeySpec {
        label: args.name,
        scopes,
        expires_at,
    };
    let detached = CommandMetrics::detached();
    let issued = tenants::issue_api_key(store, &detached, ctx, tenant, spec, cli(tenant))
        .await
        .context("issuing the key")?;
    println!("key_id={}", issued.key_id);
    println!("prefix={}", issued.prefix);
    println!("api_key={}", issued.token);
    eprintln!("keep the API key now: it is not stored and cannot be shown again");
    Ok(())
}

async fn list_keys(
    store: &Arc<dyn EventStore>,
    usage: &PgLastUsed,
    tenant: TenantId,
) -> anyhow::Result<()> {
    let state = tenants::tenant(store, tenant).await?;
    if !state.is_created() {
        bail!("no tenant {tenant}");
    }
    let ids: Vec<Uuid> = state.api_keys().map(|k| k.key_id.0).collect();
    let used = usage.read(&ids).await?;
    let stamp = |t: Option<OffsetDateTime>| t.and_then(|t| t.format(&Rfc3339).ok());
    for key in state.api_keys() {
        let last_used = used
            .iter()
            .find(|(id, _)| *id == key.key_id.0)
            .map(|(_, at)| *at);
        let line = json!({
            "id": key.key_id.0,
            "prefix": key.secret_prefix,
            "name": key.label,
            "scopes": key.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "created_at": stamp(Some(key.issued_at)),
            "last_used_at": stamp(last_used),
            "expires_at": stamp(key.expires_at),
            "revoked": key.revoked_at.is_some(),
        });
        println!("{line}");
    }
    if let Some(limit) = state.rate_limit() {
        eprintln!(
            "rate limit: {} requests/s, bursts of {}",
            limit.per_second, limit.burst
        );
    }
    Ok(())
}

/// Metadata of a command from the command line.
fn cli(tenant: TenantId) -> EventMetadata {
    EventMetadata {
        actor: Some("cli".to_owned()),
        ..EventMetadata::for_tenant(tenant)
    }
}
