//! Starts the app against a test database and talks to it like a client would.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use api::{AccessConfig, GraphqlConfig};
use arca::{
    metrics::Metrics,
    server::{ApiConfig, RequestLimits, router},
};
use commands::{
    ports::{Clock, FixedClock},
    tenants,
};
use domain::{
    aggregate::{Context, Policy},
    values::Money,
};
use eventstore::{EventStore, PgEventStore};
use projections::{InvoicesProjector, Runner};
use reqwest::{Method, StatusCode, header::HeaderMap};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sqlx::PgPool;
use storage::StoreConfig;
use time::macros::datetime;
use workers::feeds::StoreLog;
use workers::webhooks::SubscriptionsProjector;

/// The instant every test runs at: 2026-11-23 12:00 in Buenos Aires.
pub const NOW: time::OffsetDateTime = datetime!(2026-11-23 15:00 UTC);
/// Today in Argentina at [`NOW`].
pub const TODAY: &str = "2026-11-23";
/// A responsable inscripto issuer registered by [`TestApp::with_issuer`].
pub const RI_CUIT: &str = "20267565393";
/// A monotributista issuer registered by [`TestApp::with_issuer`].
pub const MONO_CUIT: &str = "20111111112";

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub key: String,
    pub store: Arc<dyn EventStore>,
    pub pool: PgPool,
    clock: Arc<dyn Clock>,
    limits: RequestLimits,
    access: AccessConfig,
    /// Where the app reads documents: a directory of the test's own, unless changed.
    pub documents: StoreConfig,
    _documents_dir: Arc<tempfile::TempDir>,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The problem's `code`, for error answers.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }

    /// How many of the problem's field errors are about `field`.
    pub fn field_errors_of(&self, field: &str) -> usize {
        self.body["errors"].as_array().map_or(0, |errors| {
            errors.iter().filter(|e| e["field"] == field).count()
        })
    }
}

impl TestApp {
    /// The API over a test database at [`NOW`], with the invoices projection following the log.
    pub async fn spawn(pool: PgPool) -> Self {
        Self::spawn_with(pool, Arc::new(FixedClock(NOW))).await
    }

    /// Like [`TestApp::spawn`] with another clock (the real one, to talk to the simulator).
    pub async fn spawn_with(pool: PgPool, clock: Arc<dyn Clock>) -> Self {
        Self::spawn_limited(pool, clock, RequestLimits::default()).await
    }

    /// Like [`TestApp::spawn_with`], bounded by `limits`.
    pub async fn spawn_limited(pool: PgPool, clock: Arc<dyn Clock>, limits: RequestLimits) -> Self {
        Self::spawn_full(pool, clock, limits, no_rate_limit()).await
    }

    /// Like [`TestApp::spawn`], its callers limited by `access`.
    pub async fn spawn_guarded(pool: PgPool, access: AccessConfig) -> Self {
        let clock = Arc::new(FixedClock(NOW));
        Self::spawn_full(pool, clock, RequestLimits::default(), access).await
    }

    async fn spawn_full(
        pool: PgPool,
        clock: Arc<dyn Clock>,
        limits: RequestLimits,
        access: AccessConfig,
    ) -> Self {
        let store = PgEventStore::new(pool.clone());
        let metrics = Metrics::new().unwrap();
        metrics.observe_store(&store).unwrap();
        let projection = Runner::new(
            pool.clone(),
            InvoicesProjector::new(),
            StoreLog(store.clone()),
        );
        tokio::spawn(async move { projection.run(std::future::pending()).await });
        let subscriptions = Runner::new(
            pool.clone(),
            SubscriptionsProjector::new(),
            StoreLog(store.clone()),
        );
        tokio::spawn(async move { subscriptions.run(std::future::pending()).await });
        let store: Arc<dyn EventStore> = Arc::new(store);
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let mut app = Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            client: reqwest::Client::new(),
            key: Self::new_tenant(&store, "acme").await,
            store,
            pool,
            clock,
            limits,
            access,
            documents: StoreConfig::Local {
                dir: dir.path().to_owned(),
            },
            _documents_dir: dir,
        };
        app.addr = app.serve(&metrics).await;
        app
    }

    /// A second API instance (its own caches) over the same database, used with the same key.
    pub async fn another_instance(&self) -> Self {
        self.instance_reading(self.documents.clone()).await
    }

    /// Another API instance (as [`TestApp::another_instance`]) reading documents from `documents`.
    pub async fn instance_reading(&self, documents: StoreConfig) -> Self {
        let mut app = Self {
            client: reqwest::Client::new(),
            key: self.key.clone(),
            store: Arc::clone(&self.store),
            pool: self.pool.clone(),
            clock: Arc::clone(&self.clock),
            documents,
            _documents_dir: Arc::clone(&self._documents_dir),
            ..*self
        };
        app.addr = app.serve(&Metrics::new().unwrap()).await;
        app
    }

    async fn serve(&self, metrics: &Metrics) -> SocketAddr {
        let (store, pool, clock, limits) = (&self.store, &self.pool, &self.clock, self.limits);
        let config = ApiConfig {
            body_limit_bytes: 64 * 1024,
            api_key_cache: Duration::from_secs(5),
            issuer_cache: Duration::from_secs(30),
            policy: policy(),
            read_wait: Duration::from_secs(3),
            graphql: GraphqlConfig::default(),
            environment: domain::series::Environment::Sim,
            keyring: keyring(),
            webhook_addresses: webhooks::AddressPolicy::public_only(),
            limits,
            access: self.access,
            documents: self.documents.clone(),
        };
        let app = router(
            Arc::clone(store),
            pool.clone(),
            Arc::clone(clock),
            &config,
            metrics,
        )
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let header_read = limits.header_read_timeout;
        tokio::spawn(arca::http::serve(
            listener,
            app,
            header_read,
            std::future::pending(),
        ));
        addr
    }

    /// Spawns the app with a responsable inscripto and a monotributista, each with point of sale 1.
    pub async fn with_issuer(pool: PgPool) -> Self {
        Self::with_issuer_limited(pool, RequestLimits::default()).await
    }

    /// Like [`TestApp::with_issuer`], bounded by `limits`.
    pub async fn with_issuer_limited(pool: PgPool, limits: RequestLimits) -> Self {
        let app = Self::spawn_limited(pool, Arc::new(FixedClock(NOW)), limits).await;
        app.register_issuer(&app.key, RI_CUIT, "responsable_inscripto")
            .await;
        app.register_issuer(&app.key, MONO_CUIT, "monotributo")
            .await;
        app
    }

    pub async fn new_tenant(store: &Arc<dyn EventStore>, name: &str) -> String {
        let ctx = Context {
            now: NOW,
            policy: policy(),
        };
        tenants::create_tenant(store, &ctx, name)
            .await
            .unwrap()
            .token
    }

    pub async fn register_issuer(&self, key: &str, cuit: &str, condition: &str) {
        let body = json!({"cuit": cuit, "legal_name": "Test SA", "iva_condition": condition});
        let answer = self
            .call_as(key, Method::POST, "/v1/taxpayers", Some(body), &[])
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        let path = format!("/v1/taxpayers/{cuit}/points-of-sale");
        let answer = self
            .call_as(key, Method::POST, &path, Some(json!({"number": 1})), &[])
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call_as(&self.key, Method::POST, path, Some(body), &[])
            .await
    }

    pub async fn post_with(&self, path: &str, body: Value, headers: &[(&str, &str)]) -> Answer {
        self.call_as(&self.key, Method::POST, path, Some(body), headers)
            .await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.call_as(&self.key, Method::DELETE, path, None, &[])
            .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.call_as(&self.key, Method::PATCH, path, Some(body), &[])
            .await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call_as(&self.key, Method::GET, path, None, &[]).await
    }

    /// The tenant of [`TestApp::key`].
    pub async fn tenant(&self) -> domain::TenantId {
        let id: uuid::Uuid = sqlx::query_scalar(
            "select tenant_id from es.streams where category = 'tenant' order by created_at limit 1",
        )
        .fetch_one(&self.pool)
        .await
        .unwrap();
        domain::TenantId(id)
    }

    /// GET once the read model reflects the command that answered `after` (`ARCA-Read-After`).
    pub async fn get_after(&self, path: &str, after: &Answer) -> Answer {
        let token = after.headers["arca-position"].to_str().unwrap().to_owned();
        self.call_as(
            &self.key,
            Method::GET,
            path,
            None,
            &[("arca-read-after", &token)],
        )
        .await
    }

    pub async fn call_as(
        &self,
        key: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = self
            .client
            .request(method, format!("http://{}{path}", self.addr))
            .bearer_auth(key);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        Self::answer(response).await
    }

    /// `GET /metrics` as Prometheus text (no key needed).
    pub async fn metrics_text(&self) -> String {
        let response = self.client.get(self.url("/metrics")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let kind = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(kind.starts_with("text/plain"), "{kind}");
        response.text().await.unwrap()
    }

    pub async fn raw(&self, request: reqwest::RequestBuilder) -> Answer {
        Self::answer(request.send().await.unwrap()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn answer(response: reqwest::Response) -> Answer {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
        }
    }
}

/// Callers unlimited but for failed authentications (30 a minute per address), as most tests want.
pub fn no_rate_limit() -> AccessConfig {
    AccessConfig {
        per_key: None,
        ..AccessConfig::default()
    }
}

/// The keyring the test app seals with: one development key, `default`.
pub fn keyring() -> arca_ws::credentials::Keyring {
    arca_ws::credentials::Keyring::single(arca_ws::credentials::SealingKey::derive_dev("tests"))
}

pub fn policy() -> Policy {
    Policy {
        final_consumer_id_threshold: Money::new(Decimal::new(10_000_000, 0)).unwrap(),
    }
}

/// A valid Factura B from the responsable inscripto to a final consumer.
pub fn factura_b() -> Value {
    json!({
        "issuer_cuit": RI_CUIT,
        "point_of_sale": 1,
        "voucher_type": 6,
        "concept": 1,
        "issue_date": TODAY,
        "receiver": {"document_type": 99, "document_number": "0", "iva_condition": 5},
        "currency": "PES",
        "items": [
            {"description": "Yerba mate 1kg", "quantity": "2", "unit_price": "3500.00", "iva_rate": "21"},
            {"description": "Libro", "quantity": "1", "unit_price": "12000.00", "iva_rate": "exempt"}
        ]
    })
}

/// A valid Factura A from the responsable inscripto to another responsable inscripto.
pub fn factura_a() -> Value {
    json!({
        "issuer_cuit": RI_CUIT,
        "point_of_sale": 1,
        "voucher_type": 1,
        "concept": 1,
        "issue_date": TODAY,
        "receiver": {"document_type": 80, "document_number": "30000000007", "name": "Cliente SA", "iva_condition": 1},
        "currency": "PES",
        "items": [
            {"description": "Servicio", "quantity": "3", "unit_price": "100.10", "iva_rate": "21"},
            {"description": "Alimento", "quantity": "1", "unit_price": "50.00", "iva_rate": "10.5"}
        ]
    })
}

/// A valid Factura C from the monotributista.
pub fn factura_c() -> Value {
    json!({
        "issuer_cuit": MONO_CUIT,
        "point_of_sale": 1,
        "voucher_type": 11,
        "concept": 1,
        "issue_date": TODAY,
        "receiver": {"document_type": 99, "document_number": "0", "iva_condition": 5},
        "currency": "PES",
        "items": [{"description": "Clase de guitarra", "quantity": "1", "unit_price": "15000.00"}]
    })
}
