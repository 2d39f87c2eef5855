//! The body of a webhook: the Standard Webhooks envelope `{id, type, timestamp, tenant_id, data}`,
//! compact JSON serialized once and stored, so every attempt signs and sends the same bytes.
//!
//! `data` is the event's own data for ARCA availability and test events (made by the fan-out),
//! and for invoice events the invoice as the read model shows it (made at the first attempt,
//! once the invoices projection has applied the event): ids, number, status, CAE, totals.

use std::time::Duration;

use domain::{GlobalPosition, TenantId};
use projections::query::InvoiceRow;
use serde_json::{Value, json};
use sqlx::PgPool;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// How long the first attempt waits for the invoices read model to show the event.
const READ_MODEL_WAIT: Duration = Duration::from_secs(2);

/// What a payload is about.
pub(super) struct About<'a> {
    pub event_id: Uuid,
    pub event_type: &'a str,
    pub occurred_at: OffsetDateTime,
    pub tenant_id: Uuid,
}

/// The envelope's bytes.
pub(super) fn envelope(about: &About<'_>, data: &Value) -> Vec<u8> {
    let timestamp = about.occurred_at.format(&Rfc3339).unwrap_or_default();
    let body = json!({
        "id": about.event_id,
        "type": about.event_type,
        "timestamp": timestamp,
        "tenant_id": about.tenant_id,
        "data": data,
    });
    serde_json::to_vec(&body).unwrap_or_default()
}

/// The invoice id of an `invoice-{uuid}` stream.
pub(super) fn invoice_of(stream_id: &str) -> Option<Uuid> {
    stream_id.strip_prefix("invoice-")?.parse().ok()
}

/// `data` of an invoice event: the invoice as `rm.invoices` shows it once it has applied the
/// event at `position` (or after [`READ_MODEL_WAIT`], as it stands then).
pub(super) async fn invoice_data(
    pool: &PgPool,
    tenant: Uuid,
    invoice: Uuid,
    position: GlobalPosition,
) -> Result<Value, projections::ProjectionError> {
    if !projections::query::caught_up(pool, "invoices", position, READ_MODEL_WAIT).await? {
        tracing::warn!(%invoice, "the invoices read model lags; sending the invoice as it stands");
    }
    let row = projections::query::invoice(pool, TenantId(tenant), invoice).await?;
    Ok(json!({ "invoice": row.as_ref().map_or_else(|| json!({ "invoice_id": invoice }), summary) }))
}

/// The fields of an invoice a webhook carries (no items: payloads stay small).
fn summary(row: &InvoiceRow) -> Value {
    json!({
        "invoice_id": row.invoice_id,
        "issuer_cuit": row.issuer_cuit.to_string(),
        "point_of_sale": row.point_of_sale,
        "voucher_type": row.voucher_type,
        "letter": row.letter,
        "number": row.number,
        "issue_date": row.issue_date.to_string(),
        "status": row.status,
        "cae": row.cae,
        "cae_due_date": row.cae_due_date.map(|d| d.to_string()),
        "currency": row.currency,
        "net": row.net.to_string(),
        "iva": row.iva.to_string(),
        "total": row.total.to_string(),
        "rejection": row.rejection_errors,
        "receiver_doc_type": row.receiver_doc_type,
        "receiver_doc_number": row.receiver_doc_number.to_string(),
        "aggregate_version": row.stream_version,
    })
}
