//! The body of a webhook: the Standard Webhooks envelope `{id, type, timestamp, tenant_id, data}`,
//! compact JSON serialized once and stored, so every attempt signs and sends the same bytes.
//!
//! `data` is the event's own data for ARCA availability and test events (made by the fan-out),
//! and for invoice events `{"invoice": …}`, the invoice as the read model shows it (made at the
//! first attempt, once the invoices projection has applied the event) in the shape an
//! [`InvoiceShape`] gives it: the API's own view, handed in by whoever runs the engine, so a
//! subscriber reads the same object as `GET /v1/invoices/{id}` answers.

use std::time::Duration;

use domain::{GlobalPosition, TenantId};
use projections::query::InvoiceRow;
use serde_json::{Value, json};
use sqlx::PgPool;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// How an invoice of the read model reads in a payload.
pub type InvoiceShape = fn(&InvoiceRow) -> Value;

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

/// `data` of an invoice event: the invoice in `shape` as `rm.invoices` shows it once it has
/// applied the event at `position` (or after [`READ_MODEL_WAIT`], as it stands then; only its
/// `id` when the read model has no row for it yet).
pub(super) async fn invoice_data(
    pool: &PgPool,
    shape: InvoiceShape,
    tenant: Uuid,
    invoice: Uuid,
    position: GlobalPosition,
) -> Result<Value, projections::ProjectionError> {
    if !projections::query::caught_up(pool, "invoices", position, READ_MODEL_WAIT).await? {
        tracing::warn!(%invoice, "the invoices read model lags; sending the invoice as it stands");
    }
    let row = projections::query::invoice(pool, TenantId(tenant), invoice).await?;
    Ok(json!({ "invoice": row.as_ref().map_or_else(|| json!({ "id": invoice }), shape) }))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::webhooks::mapped_public_types;

    /// `schemas/webhooks/payload.v2.json`, the payload as subscribers are told it is.
    fn schema() -> Value {
        serde_json::from_str(include_str!("../../../schemas/webhooks/payload.v2.json")).unwrap()
    }

    fn strings(list: &Value) -> BTreeSet<String> {
        let list = list.as_array().unwrap();
        list.iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn the_published_schema_names_the_envelopes_fields_and_every_public_type() {
        let schema = schema();
        let about = About {
            event_id: Uuid::from_u128(1),
            event_type: "webhook.test",
            occurred_at: OffsetDateTime::UNIX_EPOCH,
            tenant_id: Uuid::from_u128(2),
        };
        let body: Value = serde_json::from_slice(&envelope(&about, &json!({}))).unwrap();
        let fields: BTreeSet<String> = body.as_object().unwrap().keys().cloned().collect();
        assert_eq!(fields, strings(&schema["required"]));
        let types: BTreeSet<String> = mapped_public_types().map(str::to_owned).collect();
        assert_eq!(types, strings(&schema["properties"]["type"]["enum"]));
    }
}
