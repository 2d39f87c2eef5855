//! `invoices(filter, first, after)`: pages of the tenant's invoices, newest first, and
//! `invoice(id)`.

use async_graphql::{Context, InputObject, Result, SimpleObject};
use domain::InvoiceId;
use domain::values::Cuit;
use rust_decimal::Decimal;
use time::Date;
use uuid::Uuid;

use super::invoice::Invoice;
use super::status::Status;
use super::{errors, scope};
use crate::query::{self, Cursor, InvoiceFilter, MAX_PAGE};

/// Which invoices to list; every field given narrows the list.
#[derive(Debug, Clone, Default, InputObject)]
#[graphql(name = "InvoiceFilter")]
pub struct InvoiceFilterInput {
    /// One status.
    pub status: Option<Status>,
    /// ARCA voucher type code.
    pub voucher_type: Option<i32>,
    /// Point of sale.
    pub point_of_sale: Option<i32>,
    /// The issuer's CUIT (11 digits).
    pub issuer_cuit: Option<String>,
    /// The receiver's document number.
    pub receiver_doc_number: Option<String>,
    /// Issued on or after.
    pub issued_from: Option<Date>,
    /// Issued on or before.
    pub issued_to: Option<Date>,
    /// Total at least.
    pub total_min: Option<Decimal>,
    /// Total at most.
    pub total_max: Option<Decimal>,
    /// Text contained in the receiver's name (case-insensitive).
    pub receiver_name: Option<String>,
}

impl InvoiceFilterInput {
    fn parse(self) -> Result<InvoiceFilter> {
        let issuer_cuit = self
            .issuer_cuit
            .map(|text| {
                Cuit::parse(&text)
                    .map(Cuit::as_i64)
                    .map_err(|e| errors::invalid_argument("filter.issuerCuit", e))
            })
            .transpose()?;
        let receiver_doc_number = self
            .receiver_doc_number
            .map(|text| {
                text.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| {
                        errors::invalid_argument("filter.receiverDocNumber", "must be digits")
                    })
            })
            .transpose()?;
        Ok(InvoiceFilter {
            status: self.status.map(|s| s.0.as_str().to_owned()),
            voucher_type: self.voucher_type,
            point_of_sale: self.point_of_sale,
            issuer_cuit,
            receiver_doc_number,
            issued_from: self.issued_from,
            issued_to: self.issued_to,
            total_min: self.total_min,
            total_max: self.total_max,
            receiver_name: self.receiver_name,
        })
    }
}

/// Where a page stands in the list.
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
pub struct PageInfo {
    /// Whether more items follow.
    pub has_next_page: bool,
    /// Pass as `after` to get the next page; null on the last page.
    pub end_cursor: Option<String>,
}

/// `first` (1..=[`MAX_PAGE`]) and `after` (a cursor this list gave out) of a paged query.
pub(super) fn page_args(first: i32, after: Option<String>) -> Result<(u32, Option<Cursor>)> {
    let first = u32::try_from(first)
        .ok()
        .filter(|n| (1..=MAX_PAGE).contains(n))
        .ok_or_else(|| {
            errors::invalid_argument("first", format!("must be between 1 and {MAX_PAGE}"))
        })?;
    let after = after
        .map(|text| Cursor::decode(&text))
        .transpose()
        .map_err(|_| errors::coded(errors::INVALID_CURSOR, "after: not a cursor of this list"))?;
    Ok((first, after))
}

/// One page of invoices, newest first.
#[derive(SimpleObject)]
pub struct InvoicePage {
    /// The invoices of this page.
    pub nodes: Vec<Invoice>,
    /// How to get the next page.
    pub page_info: PageInfo,
}

/// `invoices(filter, first, after)`.
pub(super) async fn invoices(
    ctx: &Context<'_>,
    filter: Option<InvoiceFilterInput>,
    first: i32,
    after: Option<String>,
) -> Result<InvoicePage> {
    let (tenant, read) = scope(ctx)?;
    let (first, after) = page_args(first, after)?;
    let filter = filter.unwrap_or_default().parse()?;
    let page = query::invoices(&read.pool, tenant, &filter, first, after.as_ref())
        .await
        .map_err(|e| errors::failed(&e))?;
    let nodes = ctx.look_ahead().field("nodes");
    let mut streams = if nodes.field("events").exists() || nodes.field("asOf").exists() {
        let ids: Vec<InvoiceId> = page.items.iter().map(|r| InvoiceId(r.invoice_id)).collect();
        let read = read
            .history
            .events_of_many(tenant, &ids)
            .await
            .map_err(|e| errors::failed(&e))?;
        read.into_iter().map(Some).collect()
    } else {
        Vec::new()
    };
    streams.resize_with(page.items.len(), || None);
    Ok(InvoicePage {
        page_info: PageInfo {
            has_next_page: page.next.is_some(),
            end_cursor: page.next.map(|c| c.encode()),
        },
        nodes: page
            .items
            .into_iter()
            .zip(streams)
            .map(|(row, stream)| Invoice(row, stream))
            .collect(),
    })
}

/// `invoice(id)`: null when the tenant has no such invoice.
pub(super) async fn invoice(ctx: &Context<'_>, id: Uuid) -> Result<Option<Invoice>> {
    let (tenant, read) = scope(ctx)?;
    let row = query::invoice(&read.pool, tenant, id)
        .await
        .map_err(|e| errors::failed(&e))?;
    Ok(row.map(|row| Invoice(row, None)))
}
