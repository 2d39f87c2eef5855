//! The evidence of each call: the FECAESolicitar and FECompConsultar exchanges as they went over
//! the wire (ticket redacted), kept in `arca_ws.exchanges` for the audit view of each invoice.

use async_trait::async_trait;
use domain::TenantId;
use sha2::{Digest as _, Sha256};
use sqlx::PgPool;
use time::OffsetDateTime;

/// One exchange with ARCA about a range of numbers of a series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// On whose behalf.
    pub tenant: TenantId,
    /// The series' stream id.
    pub series: String,
    /// `FECAESolicitar` or `FECompConsultar`.
    pub operation: &'static str,
    /// The first and last number the request is about.
    pub numbers: (u64, u64),
    /// The envelope sent, the ticket redacted.
    pub request_xml: String,
    /// The response body as received, `None` when none came back.
    pub response_xml: Option<String>,
    /// Why the call gave no usable answer, if it did not.
    pub error: Option<String>,
    /// When the call started and ended.
    pub started_at: OffsetDateTime,
    /// When the answer (or the failure) came.
    pub finished_at: OffsetDateTime,
}

/// SHA-256 (hex) of `text`: the request and response hashes of the evidence.
pub fn sha256_hex(text: &[u8]) -> String {
    hex::encode(Sha256::digest(text))
}

/// Where exchanges are kept.
#[async_trait]
pub trait ExchangeLog: Send + Sync {
    /// Keeps `exchange`.
    async fn record(&self, exchange: &Exchange) -> Result<(), String>;

    /// Whether a tenant other than `tenant` sent an authorization covering `number` of the
    /// series labelled `series` (another tenant of the same CUIT).
    async fn asked_elsewhere(
        &self,
        _tenant: TenantId,
        _series: &str,
        _number: u64,
    ) -> Result<bool, String> {
        Ok(false)
    }
}

/// `arca_ws.exchanges` in Postgres.
#[derive(Debug, Clone)]
pub struct PgExchanges {
    pool: PgPool,
}

impl PgExchanges {
    /// Over `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

const INSERT: &str = "insert into arca_ws.exchanges (tenant_id, series_stream, operation, \
     number_from, number_to, request_hash, response_hash, request_xml, response_xml, error, \
     started_at, finished_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

#[async_trait]
impl ExchangeLog for PgExchanges {
    async fn record(&self, exchange: &Exchange) -> Result<(), String> {
        let number = |n: u64| i64::try_from(n).map_err(|e| e.to_string());
        sqlx::query(INSERT)
            .bind(exchange.tenant.as_uuid())
            .bind(&exchange.series)
            .bind(exchange.operation)
            .bind(number(exchange.numbers.0)?)
            .bind(number(exchange.numbers.1)?)
            .bind(sha256_hex(exchange.request_xml.as_bytes()))
            .bind(
                exchange
                    .response_xml
                    .as_ref()
                    .map(|r| sha256_hex(r.as_bytes())),
            )
            .bind(&exchange.request_xml)
            .bind(&exchange.response_xml)
            .bind(&exchange.error)
            .bind(exchange.started_at)
            .bind(exchange.finished_at)
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    async fn asked_elsewhere(
        &self,
        tenant: TenantId,
        series: &str,
        number: u64,
    ) -> Result<bool, String> {
        let number = i64::try_from(number).map_err(|e| e.to_string())?;
        sqlx::query_scalar(ASKED_ELSEWHERE)
            .bind(series)
            .bind(tenant.as_uuid())
            .bind(number)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| e.to_string())
    }
}

/// Authorizations of the series by another tenant whose range covers a number (the index on
/// (series_stream, number_from) bounds the scan).
const ASKED_ELSEWHERE: &str = "select exists (select 1 from arca_ws.exchanges \
     where series_stream = $1 and tenant_id <> $2 and operation = 'FECAESolicitar' \
       and number_from <= $3 and number_to >= $3 and number_from > $3 - 250)";
