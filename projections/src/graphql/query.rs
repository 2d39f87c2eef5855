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
pub struct Query;

#[Object]
impl Query {
    /// The tenant's invoices matching `filter`, newest first: `first` (1–100) of them after the
    /// cursor `after` (a page's `pageInfo.endCursor`).
    #[graphql(complexity = "(first.max(1) as usize) * child_complexity")]
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
    /// status or of one event type: `first` (1–100) of them after the cursor `after`.
    #[graphql(complexity = "(first.max(1) as usize) * child_complexity")]
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
