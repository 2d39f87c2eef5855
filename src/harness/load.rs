//! The load of a saga run: the API in-process over the run's database, a tenant with three
//! issuers × three points of sale, invoices of two voucher types (18 series) posted concurrently,
//! and the wait until each reached its end. Shared by `arca bench saga` and the end-to-end tests.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::ensure;
use commands::ports::SystemClock;
use domain::aggregate::{Context, Policy};
use domain::series::Environment;
use eventstore::{EventStore, PgEventStore};
use futures::StreamExt as _;
use serde_json::{Value, json};

use crate::metrics::Metrics;
use crate::server::{ApiConfig, router};
use api::GraphqlConfig;

/// Issuers of the run (responsables inscriptos, valid CUITs).
pub const ISSUERS: [&str; 3] = ["20267565393", "20111111112", "30500010912"];
/// Points of sale of each issuer.
pub const POINTS_OF_SALE: u32 = 3;

/// An API config for a `sim` run on a scratch database (default limits and policy), sealing
/// secrets with the key a `sim` worker without `ARCA_CREDENTIALS_KEY` uses, so what the API
/// stores (webhook secrets, issuers' keys) the run's workers can open.
pub fn sim_api_config() -> ApiConfig {
    ApiConfig {
        body_limit_bytes: 256 * 1024,
        api_key_cache: Duration::from_secs(5),
        issuer_cache: Duration::from_secs(30),
        policy: Policy::default(),
        read_wait: Duration::from_secs(2),
        graphql: GraphqlConfig::default(),
        environment: Environment::Sim,
        keyring: arca_ws::credentials::Keyring::single(
            arca_ws::credentials::SealingKey::derive_dev(crate::settings::SIM_CREDENTIALS_SEED),
        ),
        webhook_addresses: webhooks::AddressPolicy::public_only(),
        limits: crate::server::RequestLimits::default(),
        // A run's load is the point: its one key is not rate limited.
        access: api::AccessConfig {
            per_key: None,
            ..api::AccessConfig::default()
        },
        // Outside the working tree: a run serves what its workers stored, if they stored any.
        documents: storage::StoreConfig::Local {
            dir: std::env::temp_dir().join("arca-documents"),
        },
    }
}

/// The API serving on loopback, with the run's tenant and issuers registered.
pub struct Api {
    /// `http://127.0.0.1:port`.
    pub base: String,
    /// The tenant's API key.
    pub key: String,
    /// The client requests go through.
    pub client: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Api {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Api {
    /// Serves the API over `store` on 127.0.0.1:0, creates a tenant and registers [`ISSUERS`]
    /// with points of sale `1..=POINTS_OF_SALE`.
    ///
    /// # Errors
    /// Binding, the store, or a registration the API refused.
    pub async fn start(store: &PgEventStore, config: &ApiConfig) -> anyhow::Result<Self> {
        let api = Self::serve(store, config).await?;
        api.register().await?;
        Ok(api)
    }

    /// Serves the API over `store` on 127.0.0.1:0 with a tenant of its own and nothing
    /// registered yet, as `./ops/run` leaves it for the README's first session.
    ///
    /// # Errors
    /// Binding, or the store.
    pub async fn serve(store: &PgEventStore, config: &ApiConfig) -> anyhow::Result<Self> {
        let events: Arc<dyn EventStore> = Arc::new(store.clone());
        let app = router(
            Arc::clone(&events),
            store.pool().clone(),
            Arc::new(SystemClock),
            config,
            &Metrics::new()?,
        )?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "the run's API stopped");
            }
        });
        let ctx = Context {
            now: time::OffsetDateTime::now_utc(),
            policy: config.policy.clone(),
        };
        let key = commands::tenants::create_tenant(&events, &ctx, "saga run")
            .await?
            .token;
        Ok(Self {
            base,
            key,
            client: reqwest::Client::new(),
            task,
        })
    }

    async fn register(&self) -> anyhow::Result<()> {
        for cuit in ISSUERS {
            let body = json!({"cuit": cuit, "legal_name": "Saga Run SA", "iva_condition": "responsable_inscripto"});
            self.post("/v1/taxpayers", &body).await?;
            for pos in 1..=POINTS_OF_SALE {
                let path = format!("/v1/taxpayers/{cuit}/points-of-sale");
                self.post(&path, &json!({"number": pos})).await?;
            }
        }
        Ok(())
    }

    async fn post(&self, path: &str, body: &Value) -> anyhow::Result<()> {
        let answer = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .json(body)
            .send()
            .await?;
        let status = answer.status();
        ensure!(
            status.is_success(),
            "POST {path}: {status} {}",
            answer.text().await?
        );
        Ok(())
    }

    /// POSTs invoices `0..count` ([`invoice`]), `concurrency` at a time; answers how many were
    /// not accepted. The bodies are serialized once (there are [`SERIES`] distinct ones), so the
    /// load generator spends as little as it can of the cores it shares with what it measures.
    pub async fn request_all(&self, count: usize, concurrency: usize) -> usize {
        let url = format!("{}/v1/invoices", self.base);
        let bodies: Vec<bytes::Bytes> = (0..SERIES)
            .map(|i| bytes::Bytes::from(invoice(i).to_string()))
            .collect();
        futures::stream::iter(0..count)
            .map(|i| {
                let request = self
                    .client
                    .post(&url)
                    .bearer_auth(&self.key)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(bodies[i % SERIES].clone());
                async move {
                    request
                        .send()
                        .await
                        .is_ok_and(|r| r.status() == reqwest::StatusCode::ACCEPTED)
                }
            })
            .buffer_unordered(concurrency.max(1))
            .filter(|accepted| std::future::ready(!accepted))
            .count()
            .await
    }
}

/// Series of a run: every issuer × point of sale × voucher type.
const SERIES: usize = ISSUERS.len() * POINTS_OF_SALE as usize * 2;

/// Invoice `i`: a Factura B or A, dated today, of the issuer, point of sale and type chosen
/// round robin over the [`SERIES`] series (invoice `i` and `i + SERIES` are alike).
pub fn invoice(i: usize) -> Value {
    let issuers = ISSUERS.len();
    let points = POINTS_OF_SALE as usize;
    let cuit = ISSUERS[i % issuers];
    let pos = (i / issuers) % points + 1;
    let item = json!({"description": "Yerba mate 1kg", "quantity": "2", "unit_price": "3500.00", "iva_rate": "21"});
    if (i / (issuers * points)).is_multiple_of(2) {
        json!({"issuer_cuit": cuit, "point_of_sale": pos, "voucher_type": 6, "concept": 1,
               "receiver": {"document_type": 99, "document_number": "0", "iva_condition": 5},
               "items": [item]})
    } else {
        json!({"issuer_cuit": cuit, "point_of_sale": pos, "voucher_type": 1, "concept": 1,
               "receiver": {"document_type": 80, "document_number": "30000000007", "name": "Cliente SA", "iva_condition": 1},
               "items": [item]})
    }
}

/// Invoices in the read model: (all, not yet authorized or rejected, authorized).
///
/// # Errors
/// Postgres failures.
pub async fn progress(pool: &sqlx::PgPool) -> anyhow::Result<(i64, i64, i64)> {
    Ok(sqlx::query_as(
        "select count(*), \
                count(*) filter (where status not in ('authorized', 'rejected')), \
                count(*) filter (where status = 'authorized') \
         from rm.invoices",
    )
    .fetch_one(pool)
    .await?)
}

/// Waits until `count` invoices are in the read model and every one reached its end, printing
/// progress to stderr each second.
///
/// # Errors
/// Still open after `within`, or Postgres failures.
pub async fn wait_until_final(
    pool: &sqlx::PgPool,
    count: usize,
    within: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + within;
    loop {
        let (total, open, _) = progress(pool).await?;
        if total == i64::try_from(count)? && open == 0 {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "{open} of {total} invoices never reached their end"
        );
        eprintln!("waiting: {open} of {total} invoices in flight");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
