//! The evidence of an invoice: the exchanges with ARCA (`arca_ws.exchanges`) of its series whose
//! number range covers one of its numbers, oldest first.

use domain::TenantId;
use domain::arca_service::ExchangeScope;
use domain::series::MAX_BATCH;
use sqlx::PgPool;
use time::OffsetDateTime;

use crate::ProjectionError;

/// One exchange as stored: the request sent (ticket redacted) and the response received.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExchangeRow {
    /// `FECAESolicitar` or `FECompConsultar`.
    pub operation: String,
    /// The first number the request was about.
    pub number_from: i64,
    /// The last number the request was about.
    pub number_to: i64,
    /// SHA-256 (hex) of `request_xml`.
    pub request_hash: String,
    /// SHA-256 (hex) of `response_xml`, when one came.
    pub response_hash: Option<String>,
    /// The envelope sent, with the ticket's token and sign redacted.
    pub request_xml: String,
    /// The response body as received; `None` when it was lost.
    pub response_xml: Option<String>,
    /// Why the call gave no usable answer, if it did not.
    pub error: Option<String>,
    /// When the call started.
    pub started_at: OffsetDateTime,
    /// When its answer (or failure) came.
    pub finished_at: OffsetDateTime,
}

/// The exchanges of `tenant` within `scope`, oldest first.
///
/// # Errors
/// Database failures.
pub async fn evidence(
    pool: &PgPool,
    tenant: TenantId,
    scope: &ExchangeScope,
) -> Result<Vec<ExchangeRow>, ProjectionError> {
    if scope.numbers.is_empty() {
        return Ok(Vec::new());
    }
    let series: Vec<&str> = scope.series.iter().map(|s| s.as_str()).collect();
    let numbers: Vec<i64> = scope
        .numbers
        .iter()
        .filter_map(|n| i64::try_from(*n).ok())
        .collect();
    // A request covers at most MAX_BATCH numbers, so its first number lies at most that far
    // below any number it covers: the index on (series, number_from) bounds the scan.
    let span = i64::try_from(MAX_BATCH).unwrap_or(i64::MAX) - 1;
    let rows = sqlx::query_as::<_, ExchangeRow>(
        "select e.operation, e.number_from, e.number_to, e.request_hash, e.response_hash, \
         e.request_xml, e.response_xml, e.error, e.started_at, e.finished_at \
         from arca_ws.exchanges e \
         where e.id in (select x.id from unnest($3::bigint[]) as n(n) \
                        join arca_ws.exchanges x on x.tenant_id = $1 \
                         and x.series_stream = any($2) \
                         and x.number_from between n.n - $4 and n.n and x.number_to >= n.n) \
         order by e.started_at, e.id",
    )
    .bind(tenant.as_uuid())
    .bind(&series)
    .bind(&numbers)
    .bind(span)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}
