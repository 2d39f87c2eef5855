//! `analytics { … }` and `ivaSalesBook(month)`.

use async_graphql::{Context, Object, Result};
use domain::values::Cuit;
use time::Date;

use super::{errors, scope};
use crate::analytics::{
    self as figures, Approval, Bucket, CaeLatency, Granularity, Month, RateAmount, SalesBook,
    Scope, TopReceiver,
};

/// Figures of the tenant (one issuer or all) over a range of issue dates.
pub struct Analytics {
    scope: Scope,
}

/// Parses an optional issuer CUIT argument.
pub(super) fn issuer(cuit: Option<&str>) -> Result<Option<Cuit>> {
    cuit.map(|text| Cuit::parse(text).map_err(|e| errors::invalid_argument("issuerCuit", e)))
        .transpose()
}

impl Analytics {
    /// The figures of `tenant` between `from` and `to` (included).
    pub(super) fn new(scope: Scope) -> Result<Self> {
        if scope.from > scope.to {
            return Err(errors::invalid_argument("from", "must not be after `to`"));
        }
        Ok(Self { scope })
    }
}

#[Object]
impl Analytics {
    /// Vouchers and their totals (pesos) per issue date, voucher type and status.
    async fn daily(&self, ctx: &Context<'_>) -> Result<Vec<Bucket>> {
        let (_, read) = scope(ctx)?;
        figures::buckets(&read.pool, &self.scope, Granularity::Day)
            .await
            .map_err(|e| errors::failed(&e))
    }

    /// Vouchers and their totals (pesos) per month, voucher type and status.
    async fn monthly(&self, ctx: &Context<'_>) -> Result<Vec<Bucket>> {
        let (_, read) = scope(ctx)?;
        figures::buckets(&read.pool, &self.scope, Granularity::Month)
            .await
            .map_err(|e| errors::failed(&e))
    }

    /// IVA of authorized vouchers per rate (pesos; credit notes subtract).
    async fn iva_by_rate(&self, ctx: &Context<'_>) -> Result<Vec<RateAmount>> {
        let (_, read) = scope(ctx)?;
        figures::iva_by_rate(&read.pool, &self.scope)
            .await
            .map_err(|e| errors::failed(&e))
    }

    /// The receivers with the largest authorized amounts (pesos; credit notes subtract).
    async fn top_receivers(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 10)] limit: i32,
    ) -> Result<Vec<TopReceiver>> {
        if !(1..=100).contains(&limit) {
            return Err(errors::invalid_argument(
                "limit",
                "must be between 1 and 100",
            ));
        }
        let (_, read) = scope(ctx)?;
        figures::top_receivers(&read.pool, &self.scope, i64::from(limit))
            .await
            .map_err(|e| errors::failed(&e))
    }

    /// Authorized / (authorized + rejected).
    async fn approval_rate(&self, ctx: &Context<'_>) -> Result<Approval> {
        let (_, read) = scope(ctx)?;
        figures::approval(&read.pool, &self.scope)
            .await
            .map_err(|e| errors::failed(&e))
    }

    /// Time from request to CAE of authorized vouchers.
    async fn cae_latency(&self, ctx: &Context<'_>) -> Result<CaeLatency> {
        let (_, read) = scope(ctx)?;
        figures::cae_latency(&read.pool, &self.scope)
            .await
            .map_err(|e| errors::failed(&e))
    }
}

/// `ivaSalesBook(month, issuerCuit)`.
pub(super) async fn sales_book(
    ctx: &Context<'_>,
    month: &str,
    issuer_cuit: Option<&str>,
) -> Result<SalesBook> {
    let (tenant, read) = scope(ctx)?;
    let month: Month = month
        .parse()
        .map_err(|e| errors::invalid_argument("month", e))?;
    figures::sales_book(&read.pool, tenant, issuer(issuer_cuit)?, month)
        .await
        .map_err(|e| errors::failed(&e))
}

/// `analytics(from, to, issuerCuit)`.
pub(super) fn analytics(
    ctx: &Context<'_>,
    from: Date,
    to: Date,
    issuer_cuit: Option<&str>,
) -> Result<Analytics> {
    let (tenant, _) = scope(ctx)?;
    Analytics::new(Scope {
        tenant,
        issuer: issuer(issuer_cuit)?,
        from,
        to,
    })
}
