//! [`WsGateway`]: the saga's ARCA port over the `arca-ws` WSFEv1 client, with each issuer's WSAA
//! ticket from [`IssuerTickets`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use arca_ws::ArcaError;
use arca_ws::broker::TicketBroker;
use arca_ws::certs::{Credentials, dev_credentials};
use arca_ws::credentials::PgCredentialStore;
use arca_ws::wsaa::{SERVICE_WSFE, WsaaClient};
use arca_ws::wsfe::{Auth, CaeRequest, Code, Outcome, Request, WsfeClient};
use async_trait::async_trait;
use commands::saga::{ArcaGateway, BatchAnswer, GatewayError, Voucher};
use domain::TenantId;
use domain::invoice::ArcaMessage;
use domain::series::{
    DetailOutcome, Environment, Finding, NumberOutcome, SeriesKey, UncertainReason,
};
use domain::values::Cuit;
use sha2::{Digest as _, Sha256};
use sqlx::PgPool;

use super::metrics::SagaMetrics;
use super::voucher;

/// ARCA's "no such voucher" answer to `FECompConsultar`.
const NOT_FOUND: i32 = 602;

/// Where an issuer's WSAA ticket comes from.
#[async_trait]
pub trait IssuerTickets: Send + Sync {
    /// A valid ticket for `cuit` as registered by `tenant`, as WSFEv1's `Auth`.
    async fn auth(&self, tenant: TenantId, cuit: Cuit) -> Result<Auth, GatewayError>;
}

/// Where an issuer's certificate and key come from.
#[async_trait]
pub trait CredentialSource: Send + Sync {
    /// The credentials `tenant` installed for `cuit`, `None` when there are none.
    async fn credentials(
        &self,
        tenant: TenantId,
        cuit: Cuit,
    ) -> Result<Option<Arc<Credentials>>, String>;
}

/// The simulator's development CA: every issuer gets a leaf of it on first use, no ceremony.
pub struct DevCa {
    ca: Credentials,
    leaves: Mutex<HashMap<u64, Arc<Credentials>>>,
}

impl DevCa {
    /// Leaves signed by `ca`, which the simulator trusts.
    pub fn new(ca: Credentials) -> Self {
        Self {
            ca,
            leaves: Mutex::default(),
        }
    }
}

#[async_trait]
impl CredentialSource for DevCa {
    async fn credentials(
        &self,
        _tenant: TenantId,
        cuit: Cuit,
    ) -> Result<Option<Arc<Credentials>>, String> {
        let mut leaves = self.leaves.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(leaf) = leaves.get(&cuit.as_u64()) {
            return Ok(Some(Arc::clone(leaf)));
        }
        let leaf = Arc::new(
            dev_credentials(&self.ca, &cuit.to_string(), "arca-sim").map_err(|e| e.to_string())?,
        );
        leaves.insert(cuit.as_u64(), Arc::clone(&leaf));
        Ok(Some(leaf))
    }
}

/// The certificates issuers installed (`PUT /v1/taxpayers/{cuit}/certificate`).
pub struct StoredCredentials {
    store: PgCredentialStore,
    environment: Environment,
}

impl StoredCredentials {
    /// Certificates of `environment` in `store`.
    pub fn new(store: PgCredentialStore, environment: Environment) -> Self {
        Self { store, environment }
    }
}

#[async_trait]
impl CredentialSource for StoredCredentials {
    async fn credentials(
        &self,
        tenant: TenantId,
        cuit: Cuit,
    ) -> Result<Option<Arc<Credentials>>, String> {
        self.store
            .credentials(
                tenant.as_uuid(),
                &cuit.to_string(),
                self.environment.as_str(),
            )
            .await
            .map(|found| found.map(Arc::new))
            .map_err(|e| e.to_string())
    }
}

/// How long an issuer's credentials are used before they are looked up again (a newly
/// installed certificate takes over within this time).
const CREDENTIALS_TTL: Duration = Duration::from_secs(300);

/// An issuer's broker and when its credentials were looked up.
type Brokered = (Arc<TicketBroker>, Instant);

/// Tickets through the cluster-wide broker (one per certificate), with each issuer's
/// credentials from a [`CredentialSource`].
pub struct BrokeredTickets {
    pool: PgPool,
    wsaa: WsaaClient,
    environment: Environment,
    credentials: Arc<dyn CredentialSource>,
    brokers: tokio::sync::Mutex<HashMap<(TenantId, u64), Brokered>>,
}

impl BrokeredTickets {
    /// Tickets from `wsaa` for `environment`, brokered in `pool`'s database.
    pub fn new(
        pool: PgPool,
        wsaa: WsaaClient,
        environment: Environment,
        credentials: Arc<dyn CredentialSource>,
    ) -> Self {
        Self {
            pool,
            wsaa,
            environment,
            credentials,
            brokers: tokio::sync::Mutex::default(),
        }
    }

    async fn broker(
        &self,
        tenant: TenantId,
        cuit: Cuit,
    ) -> Result<Arc<TicketBroker>, GatewayError> {
        let mut brokers = self.brokers.lock().await;
        if let Some((broker, at)) = brokers.get(&(tenant, cuit.as_u64()))
            && at.elapsed() < CREDENTIALS_TTL
        {
            return Ok(Arc::clone(broker));
        }
        let not_sent = |e: String| GatewayError::NotSent(format!("credentials of {cuit}: {e}"));
        let creds = self
            .credentials
            .credentials(tenant, cuit)
            .await
            .map_err(not_sent)?
            .ok_or_else(|| {
                GatewayError::NotSent(format!(
                    "{cuit} has no certificate for ARCA's {} environment: install one with \
                     PUT /v1/taxpayers/{cuit}/certificate",
                    self.environment
                ))
            })?;
        let broker = TicketBroker::new(
            self.pool.clone(),
            self.wsaa.clone(),
            creds,
            SERVICE_WSFE,
            self.environment.as_str(),
        )
        .map_err(|e| not_sent(e.to_string()))?;
        let broker = Arc::new(broker);
        brokers.insert(
            (tenant, cuit.as_u64()),
            (Arc::clone(&broker), Instant::now()),
        );
        Ok(broker)
    }
}

#[async_trait]
impl IssuerTickets for BrokeredTickets {
    async fn auth(&self, tenant: TenantId, cuit: Cuit) -> Result<Auth, GatewayError> {
        let ticket = self
            .broker(tenant, cuit)
            .await?
            .ticket()
            .await
            .map_err(|e| GatewayError::NotSent(format!("WSAA ticket of {cuit}: {e}")))?;
        Auth::from_ticket(&ticket, cuit.as_u64())
            .map_err(|e| GatewayError::NotSent(format!("WSAA ticket of {cuit}: {e}")))
    }
}

/// The saga's gateway over WSFEv1.
pub struct WsGateway {
    client: WsfeClient,
    tickets: Arc<dyn IssuerTickets>,
    metrics: Option<SagaMetrics>,
}

impl WsGateway {
    /// Over `client`, with tickets from `tickets`.
    pub fn new(client: WsfeClient, tickets: Arc<dyn IssuerTickets>) -> Self {
        Self {
            client,
            tickets,
            metrics: None,
        }
    }

    /// Records every call's latency and outcome in `metrics`.
    #[must_use]
    pub fn observed(mut self, metrics: SagaMetrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    fn record<T>(&self, operation: &str, started: Instant, result: &Result<T, GatewayError>) {
        let Some(metrics) = &self.metrics else {
            return;
        };
        let outcome = match result {
            Ok(_) => "ok",
            Err(GatewayError::NotSent(_)) => "not_sent",
            Err(GatewayError::Uncertain { .. }) => "uncertain",
            Err(GatewayError::Failed(_)) => "failed",
        };
        metrics.call(operation, outcome, started.elapsed().as_secs_f64());
    }
}

fn batch_request(key: &SeriesKey, batch: &[Voucher]) -> CaeRequest {
    CaeRequest {
        point_of_sale: key.point_of_sale,
        voucher_type: key.voucher_type.code(),
        details: batch
            .iter()
            .map(|v| voucher::detail(v.number, &v.request))
            .collect(),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn messages(codes: &[Code]) -> Vec<ArcaMessage> {
    codes
        .iter()
        .map(|c| ArcaMessage {
            code: u32::try_from(c.code).unwrap_or_default(),
            message: c.msg.clone(),
        })
        .collect()
}

/// An authorization that failed without a usable answer: was anything processed?
fn authorize_failure(error: &ArcaError) -> GatewayError {
    let detail = error.to_string();
    match error {
        // Nothing left this process (or the operation is known not to have run).
        ArcaError::Invalid(_) | ArcaError::TicketExpired { .. } => GatewayError::NotSent(detail),
        ArcaError::Transport {
            retry_safe: true, ..
        } => GatewayError::NotSent(detail),
        ArcaError::Transport { message, .. } if message.contains("timed out") => {
            GatewayError::Uncertain {
                reason: UncertainReason::Timeout,
                detail,
            }
        }
        ArcaError::Transport { .. } | ArcaError::Malformed { .. } => GatewayError::Uncertain {
            reason: UncertainReason::ConnectionDropped,
            detail,
        },
        ArcaError::Fault { .. } => GatewayError::Failed(detail),
    }
}

fn read_failure(error: &ArcaError) -> GatewayError {
    GatewayError::NotSent(error.to_string())
}

#[async_trait]
impl ArcaGateway for WsGateway {
    async fn last_authorized(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
    ) -> Result<u64, GatewayError> {
        let started = Instant::now();
        let result = self.last_authorized_call(tenant, key).await;
        self.record("FECompUltimoAutorizado", started, &result);
        result
    }

    fn request_hash(&self, key: &SeriesKey, batch: &[Voucher]) -> String {
        let redacted = Auth {
            token: String::new(),
            sign: String::new(),
            cuit: key.cuit.as_u64(),
        };
        let body = Request::Authorize(batch_request(key, batch)).body(&redacted);
        sha256_hex(body.as_bytes())
    }

    async fn authorize(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
        batch: &[Voucher],
    ) -> Result<BatchAnswer, GatewayError> {
        let started = Instant::now();
        let result = self.authorize_call(tenant, key, batch).await;
        self.record("FECAESolicitar", started, &result);
        result
    }

    async fn consult(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
        number: u64,
    ) -> Result<Finding, GatewayError> {
        let started = Instant::now();
        let result = self.consult_call(tenant, key, number).await;
        self.record("FECompConsultar", started, &result);
        result
    }
}

impl WsGateway {
    async fn last_authorized_call(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
    ) -> Result<u64, GatewayError> {
        let auth = self.tickets.auth(tenant, key.cuit).await?;
        let answer = self
            .client
            .last_authorized(&auth, key.point_of_sale, key.voucher_type.code())
            .await
            .map_err(|e| read_failure(&e))?;
        match answer.data {
            Some(last) if answer.errors.is_empty() => Ok(last.number),
            _ => Err(GatewayError::Failed(format!(
                "FECompUltimoAutorizado: {:?}",
                answer.errors
            ))),
        }
    }

    async fn authorize_call(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
        batch: &[Voucher],
    ) -> Result<BatchAnswer, GatewayError> {
        let auth = self.tickets.auth(tenant, key.cuit).await?;
        let answer = self
            .client
            .authorize(&auth, &batch_request(key, batch))
            .await
            .map_err(|e| authorize_failure(&e))?;
        let canonical = serde_json::to_vec(&answer).unwrap_or_default();
        let details = answer.data.map(|r| r.details).unwrap_or_default();
        let header_errors = messages(&answer.errors);
        let mut failed = false;
        let results = batch
            .iter()
            .map(|v| {
                let detail = details.iter().find(|d| d.number_from == v.number);
                let outcome = match detail {
                    Some(d) if d.outcome == Outcome::Approved && !failed => {
                        match (d.code.clone(), d.code_due) {
                            (Some(cae), Some(cae_due_date)) => DetailOutcome::Authorized {
                                cae,
                                cae_due_date,
                                observations: messages(&d.observations),
                            },
                            _ => DetailOutcome::NotProcessed,
                        }
                    }
                    _ if failed => DetailOutcome::NotProcessed,
                    other => {
                        failed = true;
                        DetailOutcome::Rejected {
                            errors: header_errors.clone(),
                            observations: other
                                .map(|d| messages(&d.observations))
                                .unwrap_or_default(),
                        }
                    }
                };
                NumberOutcome {
                    number: v.number,
                    outcome,
                }
            })
            .collect();
        Ok(BatchAnswer {
            response_hash: sha256_hex(&canonical),
            results,
        })
    }

    async fn consult_call(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
        number: u64,
    ) -> Result<Finding, GatewayError> {
        let auth = self.tickets.auth(tenant, key.cuit).await?;
        let answer = self
            .client
            .query(&auth, key.point_of_sale, key.voucher_type.code(), number)
            .await
            .map_err(|e| read_failure(&e))?;
        if answer.has_error(NOT_FOUND) {
            return Ok(Finding::Missing);
        }
        let Some(record) = answer.data else {
            return Err(GatewayError::Failed(format!(
                "FECompConsultar: {:?}",
                answer.errors
            )));
        };
        let (Some(content), Some(cae_due_date)) = (voucher::echoed(key, &record), record.due)
        else {
            return Err(GatewayError::Failed(format!(
                "FECompConsultar at {number}: an echo this service cannot read"
            )));
        };
        Ok(Finding::Found {
            fingerprint: content.fingerprint(number),
            cae: record.authorization_code,
            cae_due_date,
        })
    }
}
