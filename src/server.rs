//! Wiring: the Postgres event store behind the command router, served over HTTP.

use std::{future::Future, sync::Arc, time::Duration};

use anyhow::Context as _;
use arca_ws::credentials::PgCredentialStore;
use axum::{Router, middleware, routing::get};
use commands::{
    AppState, Services,
    http::metrics::track,
    issuers::IssuerCache,
    ports::{Clock, SystemClock},
    tenants::ApiKeys,
    webhooks::UrlRules,
};
use domain::{aggregate::Policy, values::Money};
use eventstore::{EventStore, GroupCommit, PgEventStore};
use projections::graphql::Limits;
use secrecy::ExposeSecret;
use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::{
    credentials::PgIssuerCredentials,
    graphql::{self, GraphqlConfig},
    metrics::Metrics,
    reads::PgInvoiceReads,
    settings::Settings,
    webhooks::{PgDeliveryLog, PgSigningKeys, PgSubscriptionReads},
};

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

/// The business rules' tunables, from settings.
///
/// # Errors
/// An invalid threshold.
pub fn policy(settings: &Settings) -> anyhow::Result<Policy> {
    let threshold = Money::new(settings.threshold()?)
        .map_err(|e| anyhow::anyhow!("final_consumer_threshold: {e}"))?;
    Ok(Policy {
        final_consumer_id_threshold: threshold,
    })
}

/// What the HTTP surface needs from the settings.
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
    /// The key sealing issuers' private keys.
    pub sealing_key: arca_ws::credentials::SealingKey,
    /// Where webhooks may go: endpoints naming another literal address are refused.
    pub webhook_addresses: webhooks::AddressPolicy,
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
            policy: policy(settings)?,
            read_wait: Duration::from_millis(settings.read_wait_ms),
            graphql: GraphqlConfig {
                limits: Limits {
                    depth: settings.graphql_max_depth,
                    complexity: settings.graphql_max_complexity,
                },
                graphiql: settings.graphiql,
            },
            environment: settings.environment(),
            sealing_key: settings.sealing_key()?,
            webhook_addresses: settings.webhook_policy()?,
        })
    }
}

/// The whole HTTP surface of an API instance over `store` and the read models in `pool`'s
/// database, recording into `metrics` and serving them on `GET /metrics`.
pub fn router(
    store: Arc<dyn EventStore>,
    pool: PgPool,
    clock: Arc<dyn Clock>,
    config: &ApiConfig,
    metrics: &Metrics,
) -> Router {
    let services = Services {
        keys: ApiKeys::new(Arc::clone(&store), config.api_key_cache),
        issuers: IssuerCache::new(Arc::clone(&store), config.issuer_cache),
        reads: Arc::new(PgInvoiceReads::new(pool.clone())),
        credentials: Arc::new(PgIssuerCredentials::new(
            PgCredentialStore::new(pool.clone(), config.sealing_key.clone()),
            config.environment,
        )),
        environment: config.environment,
        webhook_secrets: Arc::new(PgSigningKeys::new(pool.clone(), config.sealing_key.clone())),
        subscriptions: Arc::new(PgSubscriptionReads::new(pool.clone())),
        deliveries: Arc::new(PgDeliveryLog::new(pool.clone())),
        webhook_urls: UrlRules {
            allow_http: config.environment == domain::series::Environment::Sim,
            addresses: Some({
                let policy = config.webhook_addresses.clone();
                Arc::new(move |ip| policy.is_allowed(ip))
            }),
        },
        store,
        clock,
    };
    let state = AppState::new(
        services,
        config.policy.clone(),
        metrics.commands().clone(),
        config.read_wait,
    );
    let graphql = graphql::routes(
        state.clone(),
        pool,
        config.graphql,
        config.body_limit_bytes,
        metrics.graphql().clone(),
    );
    commands::router(state, config.body_limit_bytes)
        .merge(graphql)
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/metrics",
            get(crate::metrics::serve).with_state(metrics.clone()),
        )
        // After the last route, so that every route's template is known to the middleware.
        .layer(middleware::from_fn_with_state(
            metrics.http().clone(),
            track,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
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
    let app = router(
        Arc::new(store),
        pool,
        Arc::new(SystemClock),
        &ApiConfig::from_settings(settings)?,
        metrics,
    );
    tracing::info!(addr = %listener.local_addr()?, "API listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .context("serving HTTP")
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
