//! Reads of the invoices read model through `projections::query`, shaped into the API's views:
//! one invoice, a page of them, and an invoice's exchanges with ARCA.

use domain::TenantId;
use domain::arca_service::ExchangeScope;
use domain::values::{IvaRate, date};
use projections::query::{self, Cursor, ExchangeRow, InvoiceFilter, InvoiceRow};
use rust_decimal::Decimal;
use serde_json::Value;
use sqlx::PgPool;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::body::{IvaLineView, TotalsView};
use super::evidence::ExchangeView;
use super::view::{ArcaMessageView, InvoiceView, ItemView, ReceiverView, ServicePeriodView};
use crate::error::ApiError;

/// One page of invoices.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct InvoicePage {
    /// The invoices, newest first.
    pub invoices: Vec<InvoiceView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A list cursor a client sent back, read.
pub(crate) fn cursor(text: Option<&str>) -> Result<Option<Cursor>, ApiError> {
    Ok(text.map(Cursor::decode).transpose()?)
}

/// One invoice of `tenant`, or `None` (also when it belongs to another tenant).
pub(crate) async fn invoice(
    pool: &PgPool,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<InvoiceView>, ApiError> {
    Ok(query::invoice(pool, tenant, id).await?.as_ref().map(view))
}

/// A page of `tenant`'s invoices matching `filter`, newest first.
pub(crate) async fn invoices(
    pool: &PgPool,
    tenant: TenantId,
    filter: &InvoiceFilter,
    limit: u32,
    after: Option<&str>,
) -> Result<InvoicePage, ApiError> {
    let after = cursor(after)?;
    let page = query::invoices(pool, tenant, filter, limit, after.as_ref()).await?;
    Ok(InvoicePage {
        invoices: page.items.iter().map(view).collect(),
        next_cursor: page.next.map(|c| c.encode()),
    })
}

/// A read-model row as `GET /v1/invoices/{id}` answers it, as JSON: the invoice that webhooks
/// carry (the root hands this to the delivery engine), so a subscriber reads the same object.
pub fn invoice_json(row: &InvoiceRow) -> Value {
    serde_json::to_value(view(row)).unwrap_or(Value::Null)
}

/// The exchanges with ARCA of `tenant` within `scope`, oldest first.
pub(crate) async fn evidence(
    pool: &PgPool,
    tenant: TenantId,
    scope: &ExchangeScope,
) -> Result<Vec<ExchangeView>, ApiError> {
    let rows = query::evidence(pool, tenant, scope).await?;
    Ok(rows.into_iter().map(exchange_view).collect())
}

fn exchange_view(row: ExchangeRow) -> ExchangeView {
    let number = |n: i64| u64::try_from(n).unwrap_or_default();
    ExchangeView {
        operation: row.operation,
        number_from: number(row.number_from),
        number_to: number(row.number_to),
        started_at: instant(row.started_at),
        finished_at: instant(row.finished_at),
        request_hash: row.request_hash,
        response_hash: row.response_hash,
        request_xml: row.request_xml,
        response_xml: row.response_xml,
        error: row.error,
    }
}

/// Two decimals always (`0` reads `0.00`), as the command answers write amounts.
fn money(mut value: Decimal) -> String {
    value.rescale(2);
    value.to_string()
}

/// An instant as RFC 3339.
pub(crate) fn instant(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn messages(value: Option<&Value>) -> Vec<ArcaMessageView> {
    let list = value
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    list.iter()
        .map(|m| ArcaMessageView {
            code: m["code"]
                .as_u64()
                .and_then(|c| u32::try_from(c).ok())
                .unwrap_or_default(),
            message: m["message"].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

/// The API's view of a read-model row.
fn view(row: &InvoiceRow) -> InvoiceView {
    let narrow = |n: i32| u16::try_from(n).unwrap_or_default();
    let rejection = row.rejection_errors.as_ref();
    let observations = match rejection {
        Some(r) => messages(r.get("observations")),
        None => messages(row.observations.as_ref()),
    };
    InvoiceView {
        id: row.invoice_id,
        status: row.status.clone(),
        waiting_reason: row.waiting_reason.clone(),
        version: u64::try_from(row.stream_version).unwrap_or_default(),
        issuer_cuit: row.issuer_cuit.to_string(),
        point_of_sale: u32::try_from(row.point_of_sale).unwrap_or_default(),
        voucher_type: narrow(row.voucher_type),
        letter: row.letter.clone(),
        number: row.number.and_then(|n| u64::try_from(n).ok()),
        concept: u8::try_from(row.concept).unwrap_or_default(),
        issue_date: date::format(row.issue_date),
        receiver: ReceiverView {
            document_type: narrow(row.receiver_doc_type),
            document_number: row.receiver_doc_number.to_string(),
            name: row.receiver_name.clone(),
            iva_condition: u8::try_from(row.receiver_iva_condition).unwrap_or_default(),
            email: row.receiver_email.clone(),
            address: row.receiver_address.clone(),
        },
        service_period: match (row.service_from, row.service_to, row.payment_due_date) {
            (Some(from), Some(to), Some(due)) => Some(ServicePeriodView {
                from: date::format(from),
                to: date::format(to),
                payment_due: date::format(due),
            }),
            _ => None,
        },
        currency: row.currency.clone(),
        exchange_rate: row.exchange_rate.normalize().to_string(),
        items: row
            .items
            .iter()
            .map(|i| ItemView {
                description: i.description.clone(),
                quantity: i.quantity.normalize().to_string(),
                unit_price: money(i.unit_price),
                discount: i.discount.map(money),
                iva: i.iva.clone(),
                net: money(i.net),
            })
            .collect(),
        iva: row
            .iva_lines
            .iter()
            .map(|l| IvaLineView {
                rate: l.rate.clone(),
                arca_id: IvaRate::parse(&l.rate).map(IvaRate::id).unwrap_or_default(),
                base: money(l.base),
                amount: money(l.amount),
            })
            .collect(),
        tributes: row
            .tributes_detail
            .clone()
            .unwrap_or_else(|| Value::Array(vec![])),
        associated_vouchers: row
            .associated_vouchers
            .clone()
            .unwrap_or_else(|| Value::Array(vec![])),
        totals: TotalsView {
            not_taxed: money(row.not_taxed),
            net: money(row.net),
            exempt: money(row.exempt),
            tributes: money(row.tributes),
            iva: money(row.iva),
            total: money(row.total),
        },
        cae: row.cae.clone(),
        cae_due_date: row.cae_due_date.map(date::format),
        qr_url: row.qr_url(),
        document_url: row.document_path(),
        document_sha256: row.document_sha256.clone(),
        observations,
        errors: messages(rejection.and_then(|r| r.get("errors"))),
        requested_at: instant(row.requested_at),
        authorized_at: row.authorized_at.map(instant),
    }
}
