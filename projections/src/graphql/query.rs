//! The root `Query`.

use async_graphql::{Context, ID, Object, Result};
use time::Date;
use uuid::Uuid;

use super::analytics::{self, Analytics};
use super::deliveries::{self, WebhookDeliveryPage, WebhookDeliveryStatus};
use super::invoice::Invoice;
use super::list::{self, InvoiceFilterInput, InvoicePage};
use crate::analytics::SalesBook;

/// Read queries, all within the authenticated tenant.
///
/// What a query costs (checked against the schema's complexity limit before it runs) follows
/// the rows it can touch: a page costs its size times what is asked of each row, a range of
/// dates its days, an invoice's history or evidence its likely length; aliases of a field add up,
/// as each is run.
pub struct Query;

/// The days of a sales book, for its cost.
const DAYS_IN_A_BOOK: usize = 31;

/// The cost multiplier of a page of `first` rows: as many as a page can hold (out-of-range
/// values are refused by the resolver as invalid arguments, not as too costly).
fn page(first: i32) -> usize {
    usize::try_from(first.clamp(1, i32::try_from(crate::query::MAX_PAGE).unwrap_or(i32::MAX)))
        .unwrap_or(1)
}

/// The days from `from` to `to` (included), at least one.
fn days(from: Date, to: Date) -> usize {
    usize::try_from((to - from).whole_days() + 1)
        .unwrap_or(1)
        .max(1)
}

#[Object]
impl Query {
    /// The tenant's invoices matching `filter`, newest first: `first` (1–100) of them after the
    /// cursor `after` (a page's `pageInfo.endCursor`). Costs `first` times its selection.
    #[graphql(complexity = "page(first) * child_complexity")]
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        filter: Option<InvoiceFilterInput>,
        #[graphql(default = 20)] first: i32,
        after: Option<String>,
    ) -> Result<InvoicePage> {
        list::invoices(ctx, filter, first, after).await
    }

    /// The tenant's webhook deliveries, newest first, optionally of one subscription, in one
    /// status or of one event type: `first` (1–100) of them after the cursor `after`. Costs
    /// `first` times its selection.
    #[graphql(complexity = "page(first) * child_complexity")]
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        subscription: Option<ID>,
        status: Option<WebhookDeliveryStatus>,
        event_type: Option<String>,
        #[graphql(default = 20)] first: i32,
        after: Option<String>,
    ) -> Result<WebhookDeliveryPage> {
        deliveries::deliveries(ctx, subscription, status, event_type, first, after).await
    }

    /// One of the tenant's invoices; null when it has none with this id.
    async fn invoice(&self, ctx: &Context<'_>, id: Uuid) -> Result<Option<Invoice>> {
        list::invoice(ctx, id).await
    }

    /// Figures over the invoices issued between `from` and `to` (included), for one issuer
    /// (CUIT, 11 digits) or all of the tenant's. Each figure asked for reads every day of the
    /// range: costs the days times the figures.
    #[graphql(complexity = "days(from, to) * child_complexity")]
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
    /// pesos, credit notes negative. Reads a whole month: costs 31 times its selection.
    #[graphql(complexity = "DAYS_IN_A_BOOK * child_complexity")]
    async fn iva_sales_book(
        &self,
        ctx: &Context<'_>,
        month: String,
        issuer_cuit: Option<String>,
    ) -> Result<SalesBook> {
        analytics::sales_book(ctx, &month, issuer_cuit.as_deref()).await
    }
}
