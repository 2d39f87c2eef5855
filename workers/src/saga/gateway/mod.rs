//! [`WsGateway`]: the saga's ARCA port over the `arca-ws` WSFEv1 client, with each issuer's WSAA
//! ticket from [`IssuerTickets`], guarded by the environment's circuit [`Breaker`] and keeping
//! every authorization and consultation as [`Exchange`] evidence.

mod answer;
mod breaker;
mod evidence;
mod tickets;

use std::sync::Arc;
use std::time::Instant;

use arca_ws::ArcaError;
use arca_ws::wsfe::{Auth, Recorded, Request, WsfeClient};
use async_trait::async_trait;
use commands::saga::{ArcaGateway, BatchAnswer, GatewayError, Voucher};
use domain::TenantId;
use domain::series::{Finding, SeriesKey};
use domain::values::Cuit;
use time::OffsetDateTime;

pub use breaker::{Breaker, CircuitPolicy, Health, Outages, Phase, StoreOutages};
pub use evidence::{Exchange, ExchangeLog, PgExchanges, sha256_hex};
pub use tickets::{
    BrokeredTickets, CredentialSource, DevCa, IssuerTickets, StoredCredentials, TicketError,
};

use super::metrics::SagaMetrics;
use answer::{authorize_failure, batch_outcomes, batch_request, finding, read_failure};

/// The saga's gateway over WSFEv1.
pub struct WsGateway {
    client: WsfeClient,
    tickets: Arc<dyn IssuerTickets>,
    metrics: Option<SagaMetrics>,
    breaker: Option<Arc<Breaker>>,
    evidence: Option<Arc<dyn ExchangeLog>>,
}

impl WsGateway {
    /// Over `client`, with tickets from `tickets`.
    pub fn new(client: WsfeClient, tickets: Arc<dyn IssuerTickets>) -> Self {
        Self {
            client,
            tickets,
            metrics: None,
            breaker: None,
            evidence: None,
        }
    }

    /// Records every call's latency and outcome in `metrics`.
    #[must_use]
    pub fn observed(mut self, metrics: SagaMetrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Calls go through `breaker` (and tell it how ARCA answered).
    #[must_use]
    pub fn guarded(mut self, breaker: Arc<Breaker>) -> Self {
        self.breaker = Some(breaker);
        self
    }

    /// Every authorization and consultation is kept in `log`.
    #[must_use]
    pub fn evidenced(mut self, log: Arc<dyn ExchangeLog>) -> Self {
        self.evidence = Some(log);
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
            Err(GatewayError::NoCertificate(_) | GatewayError::CertificateRefused(_)) => {
                "no_certificate"
            }
        };
        metrics.call(operation, outcome, started.elapsed().as_secs_f64());
    }

    /// `Err(NotSent("circuit open"))` while the breaker holds calls back.
    fn admit(&self) -> Result<(), GatewayError> {
        self.breaker.as_ref().map_or(Ok(()), |b| b.admit())
    }

    /// Tells the breaker what a call's result says about ARCA.
    fn observe<T>(&self, result: &Result<T, ArcaError>) {
        let Some(breaker) = &self.breaker else {
            return;
        };
        breaker.observe(match result {
            Ok(_) => Health::Answered,
            Err(
                e @ (ArcaError::Transport { .. }
                | ArcaError::Fault { .. }
                | ArcaError::Malformed { .. }),
            ) => Health::Failed(e.to_string()),
            Err(ArcaError::Invalid(_) | ArcaError::TicketExpired { .. }) => Health::Unknown,
        });
    }

    /// The issuer's ticket; WSAA failing because ARCA is down counts against the circuit.
    async fn auth(&self, tenant: TenantId, cuit: Cuit) -> Result<Auth, GatewayError> {
        self.tickets.auth(tenant, cuit).await.map_err(|e| {
            if let (TicketError::Unreachable { cause, .. }, Some(b)) = (&e, &self.breaker) {
                // The outage is every tenant's news: its reason names no issuer.
                b.observe(Health::Failed(format!("WSAA login: {cause}")));
            }
            match e {
                TicketError::NoCertificate(text) => GatewayError::NoCertificate(text),
                TicketError::CertificateRefused(text) => GatewayError::CertificateRefused(text),
                other => GatewayError::NotSent(other.to_string()),
            }
        })
    }

    /// Keeps an exchange; a failure to store it is logged and counted, never raised.
    async fn keep(&self, exchange: Exchange) {
        let Some(log) = &self.evidence else {
            return;
        };
        if let Err(error) = log.record(&exchange).await {
            tracing::error!(
                series = %exchange.series,
                operation = exchange.operation,
                %error,
                "storing an ARCA exchange failed"
            );
            if let Some(metrics) = &self.metrics {
                metrics.evidence_lost();
            }
        }
    }
}

/// The exchange of one call, whatever its outcome.
fn exchange<T>(
    tenant: TenantId,
    key: &SeriesKey,
    operation: &'static str,
    numbers: (u64, u64),
    started_at: OffsetDateTime,
    recorded: Recorded,
    result: &Result<T, ArcaError>,
) -> Exchange {
    Exchange {
        tenant,
        series: key.stream_id().as_str().to_owned(),
        operation,
        numbers,
        request_xml: recorded.request,
        response_xml: recorded.response,
        error: result.as_ref().err().map(ToString::to_string),
        started_at,
        finished_at: OffsetDateTime::now_utc(),
    }
}

#[async_trait]
impl ArcaGateway for WsGateway {
    fn accepting(&self) -> bool {
        self.breaker.as_ref().is_none_or(|b| b.accepting())
    }

    async fn ready(&self, tenant: TenantId, key: &SeriesKey) -> Result<(), GatewayError> {
        // The ticket is kept by the broker: this costs a call to WSAA only when it is due.
        self.auth(tenant, key.cuit).await.map(|_| ())
    }

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
        let request = Request::Authorize(batch_request(key, batch));
        sha256_hex(
            self.client
                .redacted_request(&request, key.cuit.as_u64())
                .as_bytes(),
        )
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
        self.admit()?;
        let auth = self.auth(tenant, key.cuit).await?;
        let result = self
            .client
            .last_authorized(&auth, key.point_of_sale, key.voucher_type.code())
            .await;
        self.observe(&result);
        let answer = result.map_err(|e| read_failure(&e))?;
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
        self.admit()?;
        let auth = self.auth(tenant, key.cuit).await?;
        let started_at = OffsetDateTime::now_utc();
        let (result, recorded) = self
            .client
            .authorize_recorded(&auth, &batch_request(key, batch))
            .await;
        self.observe(&result);
        let mut response_hash = String::new();
        if let Some(recorded) = recorded {
            response_hash = sha256_hex(recorded.response.as_deref().unwrap_or_default().as_bytes());
            let numbers = (
                batch.first().map_or(0, |v| v.number),
                batch.last().map_or(0, |v| v.number),
            );
            let exchange = exchange(
                tenant,
                key,
                "FECAESolicitar",
                numbers,
                started_at,
                recorded,
                &result,
            );
            self.keep(exchange).await;
        }
        let answer = result.map_err(|e| authorize_failure(&e))?;
        Ok(BatchAnswer {
            response_hash,
            results: batch_outcomes(batch, answer),
        })
    }

    async fn consult_call(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
        number: u64,
    ) -> Result<Finding, GatewayError> {
        self.admit()?;
        let auth = self.auth(tenant, key.cuit).await?;
        let started_at = OffsetDateTime::now_utc();
        let (result, recorded) = self
            .client
            .query_recorded(&auth, key.point_of_sale, key.voucher_type.code(), number)
            .await;
        self.observe(&result);
        let exchange = exchange(
            tenant,
            key,
            "FECompConsultar",
            (number, number),
            started_at,
            recorded,
            &result,
        );
        self.keep(exchange).await;
        let found = finding(key, number, result.map_err(|e| read_failure(&e))?)?;
        self.not_asked_elsewhere(tenant, key, number, found).await
    }

    /// `found`, or [`Finding::AskedElsewhere`] when another tenant of the same CUIT asked ARCA
    /// for that number: one voucher is never taken by two invoices, whatever their content.
    async fn not_asked_elsewhere(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
        number: u64,
        found: Finding,
    ) -> Result<Finding, GatewayError> {
        let (Finding::Found { fingerprint, .. }, Some(log)) = (&found, &self.evidence) else {
            return Ok(found);
        };
        let series = key.stream_id();
        match log.asked_elsewhere(tenant, series.as_str(), number).await {
            Ok(false) => Ok(found),
            Ok(true) => Ok(Finding::AskedElsewhere {
                fingerprint: *fingerprint,
            }),
            // Not knowing is not a reason to take it: the reconciliation runs again later.
            Err(error) => Err(GatewayError::NotSent(format!(
                "checking who asked for number {number}: {error}"
            ))),
        }
    }
}
