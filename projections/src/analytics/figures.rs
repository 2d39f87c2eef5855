//! Counts, amounts, rates and latencies over `rm.invoices` and `rm.invoice_iva`.

use async_graphql::{Enum, SimpleObject};
use rust_decimal::Decimal;
use sqlx::PgPool;
use time::Date;

use super::{Scope, credit_note_codes};
use crate::ProjectionError;

/// The filter every figure shares: tenant `$1`, issuer `$2` (or all), issue dates `$3`–`$4`.
const SCOPE: &str = "i.tenant_id = $1 and ($2::bigint is null or i.issuer_cuit = $2) \
     and i.issue_date between $3 and $4";

/// A bucket's width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum Granularity {
    /// One bucket per issue date.
    Day,
    /// One bucket per calendar month (dated on its first day).
    Month,
}

/// Vouchers of one type and status issued in one period.
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
pub struct Bucket {
    /// The day, or the first day of the month.
    pub period: Date,
    /// ARCA voucher type code.
    pub voucher_type: i32,
    /// `requested`, `numbered`, `submitted`, `authorized`, `rejected` or `outcome_unknown`.
    pub status: String,
    /// How many vouchers.
    pub count: i64,
    /// Their totals added up, in pesos.
    pub total: Decimal,
}

/// IVA of authorized vouchers at one rate, in pesos (credit notes subtract).
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
pub struct RateAmount {
    /// `"0"`, `"2.5"`, `"5"`, `"10.5"`, `"21"` or `"27"`.
    pub rate: String,
    /// The taxed base.
    pub base: Decimal,
    /// The IVA.
    pub amount: Decimal,
}

/// How many decided vouchers ARCA authorized.
#[derive(Debug, Clone, PartialEq, SimpleObject)]
pub struct Approval {
    /// Authorized vouchers.
    pub authorized: i64,
    /// Rejected vouchers.
    pub rejected: i64,
    /// authorized / (authorized + rejected); null when none was decided.
    pub rate: Option<f64>,
}

/// Time from request to CAE of authorized vouchers, in seconds.
#[derive(Debug, Clone, PartialEq, SimpleObject)]
pub struct CaeLatency {
    /// Authorized vouchers measured.
    pub count: i64,
    /// Mean; null without any.
    pub average_seconds: Option<f64>,
    /// 95th percentile (continuous); null without any.
    pub p95_seconds: Option<f64>,
}

/// A receiver of authorized vouchers, by amount.
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
pub struct TopReceiver {
    /// ARCA document type code.
    pub doc_type: i32,
    /// Document number (0 for unidentified final consumers).
    pub doc_number: String,
    /// A name it was given, if any.
    pub name: Option<String>,
    /// Authorized vouchers.
    pub count: i64,
    /// Their totals in pesos, credit notes subtracted.
    pub amount: Decimal,
}

/// Vouchers per period, voucher type and status, oldest period first.
///
/// # Errors
/// Database failures.
pub async fn buckets(
    pool: &PgPool,
    scope: &Scope,
    granularity: Granularity,
) -> Result<Vec<Bucket>, ProjectionError> {
    let period = match granularity {
        Granularity::Day => "i.issue_date",
        Granularity::Month => "date_trunc('month', i.issue_date)::date",
    };
    let sql = format!(
        "select {period} as period, i.voucher_type, i.status, count(*), \
           coalesce(sum(round(i.total * i.exchange_rate, 2)), 0) \
         from rm.invoices i where {SCOPE} group by 1, 2, 3 order by 1, 2, 3"
    );
    let rows: Vec<(Date, i32, String, i64, Decimal)> =
        bind(sqlx::query_as(&sql), scope).fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|(period, voucher_type, status, count, total)| Bucket {
            period,
            voucher_type,
            status,
            count,
            total,
        })
        .collect())
}

/// IVA per rate of the authorized vouchers, lowest rate first.
///
/// # Errors
/// Database failures.
pub async fn iva_by_rate(pool: &PgPool, scope: &Scope) -> Result<Vec<RateAmount>, ProjectionError> {
    // Each line converted and rounded on its own, as the sales book does.
    let sql = format!(
        "select v.rate, \
           sum(case when i.voucher_type = any($5) then -1 else 1 end \
               * round(v.base * i.exchange_rate, 2)), \
           sum(case when i.voucher_type = any($5) then -1 else 1 end \
               * round(v.amount * i.exchange_rate, 2)) \
         from rm.invoices i \
         join rm.invoice_iva v on v.invoice_id = i.invoice_id and v.tenant_id = i.tenant_id \
         where {SCOPE} and i.status = 'authorized' \
         group by v.rate"
    );
    let rows: Vec<(String, Decimal, Decimal)> = bind(sqlx::query_as(&sql), scope)
        .bind(credit_note_codes())
        .fetch_all(pool)
        .await?;
    let mut out: Vec<RateAmount> = rows
        .into_iter()
        .map(|(rate, base, amount)| RateAmount { rate, base, amount })
        .collect();
    out.sort_by_key(|r| rate_order(&r.rate));
    Ok(out)
}

/// Sort key of a rate label: numeric (`"2.5"` before `"21"`).
pub(super) fn rate_order(rate: &str) -> Decimal {
    rate.parse().unwrap_or(Decimal::MAX)
}

/// Authorized versus rejected vouchers.
///
/// # Errors
/// Database failures.
pub async fn approval(pool: &PgPool, scope: &Scope) -> Result<Approval, ProjectionError> {
    let sql = format!(
        "select count(*) filter (where i.status = 'authorized'), \
           count(*) filter (where i.status = 'rejected') \
         from rm.invoices i where {SCOPE}"
    );
    let (authorized, rejected): (i64, i64) =
        bind(sqlx::query_as(&sql), scope).fetch_one(pool).await?;
    let decided = authorized + rejected;
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let rate = (decided > 0).then(|| authorized as f64 / decided as f64);
    Ok(Approval {
        authorized,
        rejected,
        rate,
    })
}

/// Mean and 95th percentile of `authorized_at − requested_at` over authorized vouchers.
///
/// # Errors
/// Database failures.
pub async fn cae_latency(pool: &PgPool, scope: &Scope) -> Result<CaeLatency, ProjectionError> {
    let sql = format!(
        "select count(*), avg(s), percentile_cont(0.95) within group (order by s) \
         from (select extract(epoch from i.authorized_at - i.requested_at)::float8 as s \
               from rm.invoices i \
               where {SCOPE} and i.status = 'authorized' and i.authorized_at is not null) l"
    );
    let (count, average_seconds, p95_seconds): (i64, Option<f64>, Option<f64>) =
        bind(sqlx::query_as(&sql), scope).fetch_one(pool).await?;
    Ok(CaeLatency {
        count,
        average_seconds,
        p95_seconds,
    })
}

/// The `limit` receivers with the largest authorized amounts (largest first).
///
/// # Errors
/// Database failures.
pub async fn top_receivers(
    pool: &PgPool,
    scope: &Scope,
    limit: i64,
) -> Result<Vec<TopReceiver>, ProjectionError> {
    let sql = format!(
        "select i.receiver_doc_type, i.receiver_doc_number, max(i.receiver_name), count(*), \
           sum(case when i.voucher_type = any($5) then -1 else 1 end \
               * round(i.total * i.exchange_rate, 2)) as amount \
         from rm.invoices i where {SCOPE} and i.status = 'authorized' \
         group by 1, 2 order by amount desc, 2 limit $6"
    );
    let rows: Vec<(i32, i64, Option<String>, i64, Decimal)> = bind(sqlx::query_as(&sql), scope)
        .bind(credit_note_codes())
        .bind(limit)
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(doc_type, doc_number, name, count, amount)| TopReceiver {
            doc_type,
            doc_number: doc_number.to_string(),
            name,
            count,
            amount,
        })
        .collect())
}

type QueryAs<'q, T> = sqlx::query::QueryAs<'q, sqlx::Postgres, T, sqlx::postgres::PgArguments>;

/// Binds `$1`–`$4` of [`SCOPE`].
fn bind<'q, T>(query: QueryAs<'q, T>, scope: &Scope) -> QueryAs<'q, T> {
    query
        .bind(scope.tenant.as_uuid())
        .bind(scope.issuer_param())
        .bind(scope.from)
        .bind(scope.to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_sort_numerically_not_as_text() {
        let mut rates = ["21", "10.5", "2.5", "27", "0", "5"];
        rates.sort_by_key(|r| rate_order(r));
        assert_eq!(rates, ["0", "2.5", "5", "10.5", "21", "27"]);
    }
}
