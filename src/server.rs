//! Wiring of the `api` role: the Postgres event store and the adapters behind the API's ports
//! (issuers' credentials, webhook signing keys and redeliveries from `workers`, stored
//! documents), the `api`
//! crate's router over them, served over HTTP.

use std::{future::Future, sync::Arc, time::Duration};

use anyhow::Context as _;
use api::{GraphqlConfig, Services};
use arca_ws::credentials::PgCredentialStore;
use axum::Router;
use commands::{
    issuers::IssuerCache,
    ports::{Clock, SystemClock},
    tenants::ApiKeys,
    webhooks::UrlRules,
};
use domain::{aggregate::Policy, tenant::RateLimit};
use eventstore::{EventStore, GroupCommit, PgEventStore};
use infra::{PgLastUsed, PgRateLimiter};
use projections::graphql::Limits;
use secrecy::ExposeSecret;
use sqlx::PgPool;
use tokio::net::TcpListener;
use workers::credentials::PgIssuerCredentials;
use workers::webhooks::{PgRedeliveries, PgSigningKeys};

use crate::{document_source::StoredDocuments, metrics::Metrics, settings::Settings};

/// Connects to Postgres with the configured pool size.
///
/// # Errors
/// When Postgres cannot be reached.
pub async fn connect_store(settings: &Settings) -> anyhow::Result<PgEventStore> {
    connect_store_at(settings, settings.database_url.expose_secret())
        .await
        .context("connecting to Postgres (ARCA_DATABASE_URL)")
}

/// A store at `url` that appends as the API does: the configured pool size and group commit.
///
/// # Errors
/// When Postgres cannot be reached.
pub async fn connect_store_at(settings: &Settings, url: &str) -> anyhow::Result<PgEventStore> {
    Ok(PgEventStore::connect_with(
        url,
        settings.db_max_connections,
        GroupCommit {
            writers: settings.db_group_commit_writers,
            max_batch: settings.db_group_commit_max_batch,
        },
    )
    .await?)
}

/// Creates the database when it does not exist, then applies every pending migration.
///
/// # Errors
/// When Postgres cannot be reached or a migration fails.
pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    use sqlx::migrate::MigrateDatabase as _;
    let url = settings.database_url.expose_secret();
    if !sqlx::Postgres::database_exists(url)
        .await
        .context("connecting to Postgres (ARCA_DATABASE_URL)")?
    {
        sqlx::Postgres::create_database(url)
            .await
            .context("creating the database")?;
    }
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .context("connecting to Postgres (ARCA_DATABASE_URL)")?;
    eventstore::MIGRATOR
        .run(&pool)
        .await
        .context("applying migrations")?;
    pool.close().await;
    Ok(())
}

/// What the API role needs from the settings: the `api` crate's own configuration and what its
/// adapters are built with.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Largest request body.
    pub body_limit_bytes: usize,
    /// How long a verified API key is cached.
    pub api_key_cache: Duration,
    /// How long an issuer snapshot is trusted on the invoice path.
    pub issuer_cache: Duration,
    /// Business-rule tunables.
    pub policy: Policy,
    /// Longest wait of a read for `ARCA-Read-After`.
    pub read_wait: Duration,
    /// `/graphql`'s limits and GraphiQL.
    pub graphql: GraphqlConfig,
    /// The ARCA environment certificates are installed for.
    pub environment: domain::series::Environment,
    /// The keys sealing issuers' private keys and webhook signing secrets (the current one
    /// seals).
    pub keyring: arca_ws::credentials::Keyring,
    /// Where webhooks may go: endpoints naming another literal address are refused.
    pub webhook_addresses: webhooks::AddressPolicy,
    /// How long requests and reads may take, and the pool reads go through.
    pub limits: RequestLimits,
    /// Rate limits and the throttling of failed authentications.
    pub access: api::AccessConfig,
    /// Where the documents `GET /v1/invoices/{id}/pdf` serves are stored.
    pub documents: storage::StoreConfig,
}

/// What bounds the API's work per request.
#[derive(Debug, Clone, Copy)]
pub struct RequestLimits {
    /// The pool reads go through.
    pub reads: ReadPool,
    /// Longest a request may take before it is answered `503 request_timeout`.
    pub request_timeout: Duration,
    /// Longest a client may take to send a request's head before its connection is closed.
    pub header_read_timeout: Duration,
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self {
            reads: ReadPool::default(),
            request_timeout: Duration::from_secs(60),
            header_read_timeout: Duration::from_secs(10),
        }
    }
}

/// The API's pool for reads, separate from the store's: reads can never starve appends, and a
/// read statement cannot run longer than `statement_timeout`.
#[derive(Debug, Clone, Copy)]
pub struct ReadPool {
    /// Connections at most.
    pub max_connections: u32,
    /// Postgres `statement_timeout` of every read.
    pub statement_timeout: Duration,
    /// How long a read waits for a free connection before answering 503.
    pub acquire_timeout: Duration,
}

impl Default for ReadPool {
    fn default() -> Self {
        Self {
            max_connections: 6,
            statement_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

impl ReadPool {
    /// A pool on the database `like` connects to, its connections opened when first needed.
    pub fn over(&self, like: &PgPool) -> PgPool {
        let timeout = self.statement_timeout.as_millis().to_string();
        let options = (*like.connect_options())
            .clone()
            .options([("statement_timeout", timeout.as_str())]);
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(self.max_connections)
            .acquire_timeout(self.acquire_timeout)
            .connect_lazy_with(options)
    }
}

impl ApiConfig {
    /// From validated settings.
    ///
    /// # Errors
    /// Invalid settings.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        Ok(Self {
            body_limit_bytes: settings.body_limit_bytes,
            api_key_cache: Duration::from_secs(settings.api_key_cache_seconds),
            issuer_cache: Duration::from_secs(settings.issuer_cache_seconds),
            policy: crate::config::policy(settings)?,
            read_wait: Duration::from_millis(settings.read_wait_ms),
            graphql: GraphqlConfig {
                limits: Limits {
                    depth: settings.graphql_max_depth,
                    complexity: settings.graphql_max_complexity,
                },
                graphiql: settings.graphiql,
            },
            environment: settings.environment(),
            keyring: settings.keyring()?,
            webhook_addresses: settings.webhook_policy()?,
            limits: RequestLimits {
                reads: ReadPool {
                    max_connections: settings.db_read_max_connections,
                    statement_timeout: Duration::from_millis(settings.db_read_statement_timeout_ms),
                    acquire_timeout: ReadPool::default().acquire_timeout,
                },
                request_timeout: Duration::from_millis(settings.http_request_timeout_ms),
                header_read_timeout: Duration::from_millis(settings.http_header_read_timeout_ms),
            },
            access: api::AccessConfig {
                per_key: (settings.rate_limit_per_second > 0).then_some(RateLimit {
                    per_second: settings.rate_limit_per_second,
                    burst: settings.rate_limit_burst,
                }),
                auth_failures_per_minute: settings.auth_failures_per_minute,
                subscriptions_per_tenant: settings.webhook_subscriptions_per_tenant,
                ..api::AccessConfig::default()
            },
            documents: settings.document_store()?,
        })
    }
}

/// The `api` crate's router over `store` and the read models in `pool`'s database (read through a
/// pool of their own, [`ReadPool`]), its ports served by the Postgres adapters and the document
/// store, recording into `metrics` and serving them on `GET /metrics`.
///
/// # Errors
/// A document store that cannot be opened (a directory that cannot be made).
pub fn router(
    store: Arc<dyn EventStore>,
    pool: PgPool,
    clock: Arc<dyn Clock>,
    config: &ApiConfig,
    metrics: &Metrics,
) -> anyhow::Result<Router> {
    let reads = config.limits.reads.over(&pool);
    let documents =
        StoredDocuments::open(&config.documents).context("opening the document store")?;
    let services = Services {
        keys: ApiKeys::new(Arc::clone(&store), Arc::clone(&clock), config.api_key_cache),
        limiter: PgRateLimiter::new(pool.clone()),
        last_used: PgLastUsed::new(pool.clone()),
        issuers: IssuerCache::new(Arc::clone(&store), config.issuer_cache),
        credentials: Arc::new(PgIssuerCredentials::new(
            PgCredentialStore::new(pool.clone(), config.keyring.clone()),
            config.environment,
        )),
        environment: config.environment,
        webhook_secrets: Arc::new(PgSigningKeys::new(pool.clone(), config.keyring.clone())),
        redeliveries: Arc::new(PgRedeliveries::new(pool)),
        webhook_urls: UrlRules {
            allow_http: config.environment == domain::series::Environment::Sim,
            addresses: Some({
                let policy = config.webhook_addresses.clone();
                Arc::new(move |ip| policy.is_allowed(ip))
            }),
        },
        documents: Arc::new(documents),
        reads,
        store,
        clock,
    };
    let http = api::ApiConfig {
        body_limit_bytes: config.body_limit_bytes,
        policy: config.policy.clone(),
        read_wait: config.read_wait,
        graphql: config.graphql,
        request_timeout: config.limits.request_timeout,
        access: config.access,
    };
    Ok(api::router(services, &http, metrics.api()))
}

/// Serves the API on `listener` until `shutdown` resolves, then drains in-flight requests.
///
/// # Errors
/// Start-up failures.
pub async fn serve(
    settings: &Settings,
    metrics: &Metrics,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store = connect_store(settings).await?;
    metrics.observe_store(&store)?;
    let pool = store.pool().clone();
    let config = ApiConfig::from_settings(settings)?;
    let app = router(
        Arc::new(store),
        pool,
        Arc::new(SystemClock),
        &config,
        metrics,
    )?;
    tracing::info!(addr = %listener.local_addr()?, "API listening");
    crate::http::serve(listener, app, config.limits.header_read_timeout, shutdown).await;
    Ok(())
}
