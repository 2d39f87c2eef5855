//! The invoices read model behind the REST reads: [`PgInvoiceReads`] implements the command
//! router's [`InvoiceReads`] port with the projections' queries (the invoice's evidence included)
//! and shapes rows into the API's views.

use std::time::Duration;

use async_trait::async_trait;
use commands::http::invoices::body::{IvaLineView, TotalsView};
use commands::http::invoices::evidence::ExchangeView;
use commands::http::invoices::view::{
    ArcaMessageView, InvoiceView, ItemView, ReceiverView, ServicePeriodView,
};
use commands::ports::{InvoicePage, InvoiceQuery, InvoiceReads, ReadFailure};
use domain::arca_service::ExchangeScope;
use domain::values::{IvaRate, date};
use domain::{GlobalPosition, TenantId};
use projections::ProjectionError;
use projections::query::{self, Cursor, ExchangeRow, InvoiceFilter, InvoiceRow};
use rust_decimal::Decimal;
use serde_json::Value;
use sqlx::PgPool;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// Reads `rm.invoices` of one database.
#[derive(Debug, Clone)]
pub struct PgInvoiceReads {
    pool: PgPool,
}

impl PgInvoiceReads {
    /// Over `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

/// A projections' failure as the read ports report it.
pub(crate) fn failure(error: ProjectionError) -> ReadFailure {
    match error {
        ProjectionError::InvalidCursor => ReadFailure::InvalidCursor,
        other => ReadFailure::Unavailable(other.to_string()),
    }
}

/// A list cursor a client sent back, read.
pub(crate) fn cursor(text: Option<&str>) -> Result<Option<Cursor>, ReadFailure> {
    text.map(Cursor::decode).transpose().map_err(failure)
}

#[async_trait]
impl InvoiceReads for PgInvoiceReads {
    async fn invoice(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<Option<InvoiceView>, ReadFailure> {
        let row = query::invoice(&self.pool, tenant, id)
            .await
            .map_err(failure)?;
        Ok(row.as_ref().map(view))
    }

    async fn invoices(
        &self,
        tenant: TenantId,
        q: &InvoiceQuery,
    ) -> Result<InvoicePage, ReadFailure> {
        let after = cursor(q.cursor.as_deref())?;
        let page = query::invoices(&self.pool, tenant, &filter(q), q.limit, after.as_ref())
            .await
            .map_err(failure)?;
        Ok(InvoicePage {
            invoices: page.items.iter().map(view).collect(),
            next_cursor: page.next.map(|c| c.encode()),
        })
    }

    async fn evidence(
        &self,
        tenant: TenantId,
        scope: &ExchangeScope,
    ) -> Result<Vec<ExchangeView>, ReadFailure> {
        let rows = query::evidence(&self.pool, tenant, scope)
            .await
            .map_err(failure)?;
        Ok(rows.into_iter().map(exchange_view).collect())
    }

    async fn caught_up(
        &self,
        position: GlobalPosition,
        within: Duration,
    ) -> Result<bool, ReadFailure> {
        query::caught_up(&self.pool, "invoices", position, within)
            .await
            .map_err(failure)
    }
}

fn exchange_view(row: ExchangeRow) -> ExchangeView {
    let number = |n: i64| u64::try_from(n).unwrap_or_default();
    ExchangeView {
        operation: row.operation,
        number_from: number(row.number_from),
        number_to: number(row.number_to),
        started_at: row.started_at.format(&Rfc3339).unwrap_or_default(),
        finished_at: row.finished_at.format(&Rfc3339).unwrap_or_default(),
        request_hash: row.request_hash,
        response_hash: row.response_hash,
        request_xml: row.request_xml,
        response_xml: row.response_xml,
        error: row.error,
    }
}

fn filter(q: &InvoiceQuery) -> InvoiceFilter {
    let wide = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    InvoiceFilter {
        status: q.status.map(|s| s.as_str().to_owned()),
        voucher_type: q.voucher_type.map(i32::from),
        point_of_sale: q
            .point_of_sale
            .map(|p| i32::try_from(p).unwrap_or(i32::MAX)),
        issuer_cuit: q.issuer_cuit.map(|c| wide(c.as_u64())),
        receiver_doc_number: q.receiver_document.map(wide),
        issued_from: q.issued_from,
        issued_to: q.issued_to,
        total_min: q.total_min,
        total_max: q.total_max,
        receiver_name: q.receiver_name.clone(),
    }
}

/// Two decimals always (`0` reads `0.00`), as the command answers write amounts.
fn money(mut value: Decimal) -> String {
    value.rescale(2);
    value.to_string()
}

fn instant(at: OffsetDateTime) -> String {
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
        observations,
        errors: messages(rejection.and_then(|r| r.get("errors"))),
        requested_at: instant(row.requested_at),
        authorized_at: row.authorized_at.map(instant),
    }
}
