//! The root `Query`.

use async_graphql::{Context, Object, Result};
use time::Date;

use super::analytics::{self, Analytics};
use crate::analytics::SalesBook;

/// Read queries, all within the authenticated tenant.
pub struct Query;

#[Object]
impl Query {
    /// Figures over the invoices issued between `from` and `to` (included), for one issuer
    /// (CUIT, 11 digits) or all of the tenant's.
    async fn analytics(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        issuer_cuit: Option<String>,
    ) -> Result<Analytics> {
        analytics::analytics(ctx, from, to, issuer_cuit.as_deref())
    }

    /// The IVA sales book (libro IVA ventas) of `month` (`YYYY-MM`): authorized vouchers, in
    /// pesos, credit notes negative.
    async fn iva_sales_book(
        &self,
        ctx: &Context<'_>,
        month: String,
        issuer_cuit: Option<String>,
    ) -> Result<SalesBook> {
        analytics::sales_book(ctx, &month, issuer_cuit.as_deref()).await
    }
}
