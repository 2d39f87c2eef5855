//! The invoices projector's batch, as column arrays: one set of arrays per statement.

use std::collections::HashMap;

use domain::RecordedEvent;
use domain::invoice::{DocumentIssued, InvoiceEvent, InvoiceRequested};
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

fn int(value: impl TryInto<i64>) -> i64 {
    value.try_into().unwrap_or(i64::MAX)
}

/// The JSON of a non-empty list; `None` for an empty one.
fn json_unless_empty<T: serde::Serialize>(list: &[T]) -> Option<String> {
    (!list.is_empty()).then(|| json!(list).to_string())
}

/// `invoice.requested` rows for `rm.invoices`.
#[derive(Debug, Default)]
pub(super) struct NewInvoices {
    pub invoice_id: Vec<Uuid>,
    pub tenant_id: Vec<Uuid>,
    pub issuer_cuit: Vec<i64>,
    pub point_of_sale: Vec<i32>,
    pub voucher_type: Vec<i32>,
    pub letter: Vec<String>,
    pub concept: Vec<i32>,
    pub issue_date: Vec<Date>,
    pub doc_type: Vec<i32>,
    pub doc_number: Vec<i64>,
    pub receiver_name: Vec<Option<String>>,
    pub iva_condition: Vec<i32>,
    pub currency: Vec<String>,
    pub exchange_rate: Vec<String>,
    /// net, not_taxed, exempt, tributes, iva, total.
    pub amounts: [Vec<String>; 6],
    pub requested_at: Vec<OffsetDateTime>,
    pub updated_at: Vec<OffsetDateTime>,
    pub position: Vec<i64>,
    pub version: Vec<i64>,
    /// Service period: from, to, payment due.
    pub service: [Vec<Option<Date>>; 3],
    /// JSON of the other taxes, the associated vouchers and the associated period.
    pub details: [Vec<Option<String>>; 3],
    /// The receiver's email and postal address.
    pub contact: [Vec<Option<String>>; 2],
}

/// `invoice.requested` IVA per rate for `rm.invoice_iva`.
#[derive(Debug, Default)]
pub(super) struct NewIva {
    pub invoice_id: Vec<Uuid>,
    pub rate: Vec<&'static str>,
    pub tenant_id: Vec<Uuid>,
    pub base: Vec<String>,
    pub amount: Vec<String>,
}

/// `invoice.requested` items for `rm.invoice_items`.
#[derive(Debug, Default)]
pub(super) struct NewItems {
    pub invoice_id: Vec<Uuid>,
    pub line_no: Vec<i32>,
    pub tenant_id: Vec<Uuid>,
    pub description: Vec<String>,
    pub quantity: Vec<String>,
    pub unit_price: Vec<String>,
    pub discount: Vec<Option<String>>,
    pub iva: Vec<Option<String>>,
    pub net: Vec<String>,
}

/// The net effect of an invoice's later events in this batch (folded in stream order).
#[derive(Debug)]
struct Patch {
    tenant_id: Uuid,
    number: Option<i64>,
    /// The number was released (and not assigned again) within the batch.
    clear_number: bool,
    /// `None` when only the document changed (the row keeps its status).
    status: Option<&'static str>,
    cae: Option<String>,
    cae_due_date: Option<Date>,
    rejection: Option<String>,
    observations: Option<String>,
    /// submitted, authorized, rejected.
    instants: [Option<OffsetDateTime>; 3],
    /// The latest document recorded in the batch.
    document: Option<DocumentIssued>,
    updated_at: OffsetDateTime,
    position: i64,
    version: i64,
}

/// Lifecycle updates for `rm.invoices`, one entry per invoice.
#[derive(Debug, Default)]
pub(super) struct Updates {
    pub invoice_id: Vec<Uuid>,
    pub tenant_id: Vec<Uuid>,
    pub number: Vec<Option<i64>>,
    pub clear_number: Vec<bool>,
    pub status: Vec<Option<&'static str>>,
    pub cae: Vec<Option<String>>,
    pub cae_due_date: Vec<Option<Date>>,
    pub rejection: Vec<Option<String>>,
    pub observations: Vec<Option<String>>,
    /// submitted_at, authorized_at, rejected_at.
    pub instants: [Vec<Option<OffsetDateTime>>; 3],
    /// The document's sha256, key and template version.
    pub document: [Vec<Option<String>>; 3],
    /// The document's size.
    pub document_bytes: Vec<Option<i64>>,
    pub updated_at: Vec<OffsetDateTime>,
    pub position: Vec<i64>,
    pub version: Vec<i64>,
}

/// Everything one batch writes.
#[derive(Debug, Default)]
pub(super) struct Batch {
    pub invoices: NewInvoices,
    pub items: NewItems,
    pub iva: NewIva,
    order: Vec<Uuid>,
    patches: HashMap<Uuid, Patch>,
}

impl Batch {
    pub fn add_requested(&mut self, event: &RecordedEvent, r: &InvoiceRequested) {
        let id = r.invoice_id.as_uuid();
        let tenant = event.metadata.tenant_id.as_uuid();
        let t = &r.totals;
        let rows = &mut self.invoices;
        rows.invoice_id.push(id);
        rows.tenant_id.push(tenant);
        rows.issuer_cuit.push(r.issuer_cuit.as_i64());
        rows.point_of_sale
            .push(i32::try_from(r.point_of_sale).unwrap_or(i32::MAX));
        rows.voucher_type.push(i32::from(r.voucher_type.code()));
        rows.letter.push(r.voucher_type.class().to_string());
        rows.concept.push(i32::from(r.concept.code()));
        rows.issue_date.push(r.issue_date);
        rows.doc_type.push(i32::from(r.receiver.doc_type.code()));
        rows.doc_number.push(int(r.receiver.doc_number));
        rows.receiver_name.push(r.receiver.name.clone());
        rows.contact[0].push(r.receiver.email.as_ref().map(ToString::to_string));
        rows.contact[1].push(r.receiver.address.clone());
        rows.iva_condition
            .push(i32::from(r.receiver.iva_condition.code()));
        rows.currency.push(r.currency.code().to_owned());
        rows.exchange_rate.push(r.exchange_rate.value().to_string());
        let amounts = [t.net, t.not_taxed, t.exempt, t.tributes, t.iva, t.total];
        for (column, money) in rows.amounts.iter_mut().zip(amounts) {
            column.push(money.amount().to_string());
        }
        rows.requested_at.push(r.requested_at);
        rows.updated_at.push(event.recorded_at);
        rows.position.push(event.position.position);
        rows.version.push(int(event.stream_version));
        let period = r.service_period.as_ref();
        let [from, to, due] = &mut rows.service;
        from.push(period.map(|p| p.from));
        to.push(period.map(|p| p.to));
        due.push(period.map(|p| p.payment_due));
        let [tributes, associated, associated_period] = &mut rows.details;
        tributes.push(json_unless_empty(&r.tributes));
        associated.push(json_unless_empty(&r.associated));
        associated_period.push(r.associated_period.as_ref().map(|p| json!(p).to_string()));
        for line in &r.iva {
            let iva = &mut self.iva;
            iva.invoice_id.push(id);
            iva.rate.push(line.rate.label());
            iva.tenant_id.push(tenant);
            iva.base.push(line.base.amount().to_string());
            iva.amount.push(line.amount.amount().to_string());
        }
        for (line_no, item) in (1..).zip(&r.items) {
            let items = &mut self.items;
            items.invoice_id.push(id);
            items.line_no.push(line_no);
            items.tenant_id.push(tenant);
            items.description.push(item.description.clone());
            items.quantity.push(item.quantity.to_string());
            items.unit_price.push(item.unit_price.amount().to_string());
            items
                .discount
                .push(item.discount.map(|d| d.amount().to_string()));
            items.iva.push(item.iva.map(|i| i.label().to_owned()));
            items.net.push(item.net.amount().to_string());
        }
    }

    /// Folds a lifecycle event into its invoice's patch. `Requested` is handled by
    /// [`Batch::add_requested`]; webhook audit events change no column. A document replaces the
    /// one folded or shown before it (the latest recorded wins) and leaves the status alone.
    pub fn add_lifecycle(&mut self, event: &RecordedEvent, invoice: Uuid, change: &InvoiceEvent) {
        if matches!(
            change,
            InvoiceEvent::Requested(_)
                | InvoiceEvent::WebhookDelivered(_)
                | InvoiceEvent::WebhookDeliveryFailed(_)
                | InvoiceEvent::Emailed(_)
                | InvoiceEvent::EmailFailed(_)
        ) {
            return;
        }
        let patch = self.patches.entry(invoice).or_insert_with(|| {
            self.order.push(invoice);
            Patch {
                tenant_id: event.metadata.tenant_id.as_uuid(),
                number: None,
                clear_number: false,
                status: None,
                cae: None,
                cae_due_date: None,
                rejection: None,
                observations: None,
                instants: [None; 3],
                document: None,
                updated_at: event.recorded_at,
                position: 0,
                version: 0,
            }
        });
        match change {
            InvoiceEvent::Requested(_)
            | InvoiceEvent::WebhookDelivered(_)
            | InvoiceEvent::WebhookDeliveryFailed(_)
            | InvoiceEvent::Emailed(_)
            | InvoiceEvent::EmailFailed(_) => return,
            InvoiceEvent::DocumentIssued(e) => patch.document = Some(e.clone()),
            InvoiceEvent::NumberAssigned(e) => {
                patch.number = Some(int(e.number));
                patch.status = Some("numbered");
            }
            InvoiceEvent::Submitted(e) => {
                patch.number = Some(int(e.number));
                patch.status = Some("submitted");
                patch.instants[0] = Some(e.submitted_at);
            }
            InvoiceEvent::CaeGranted(e) => {
                patch.number = Some(int(e.number));
                patch.cae = Some(e.cae.clone());
                patch.cae_due_date = Some(e.cae_due_date);
                patch.observations = json_unless_empty(&e.observations);
                patch.status = Some("authorized");
                patch.instants[1] = Some(event.recorded_at);
            }
            InvoiceEvent::Rejected(e) => {
                let reasons = json!({ "errors": e.errors, "observations": e.observations });
                patch.rejection = Some(reasons.to_string());
                patch.status = Some("rejected");
                patch.instants[2] = Some(event.recorded_at);
            }
            InvoiceEvent::OutcomeUnknown(_) => patch.status = Some("outcome_unknown"),
            InvoiceEvent::NumberReleased(_) => {
                patch.number = None;
                patch.clear_number = true;
                patch.status = Some("requested");
            }
        }
        if patch.number.is_some() {
            patch.clear_number = false;
        }
        patch.updated_at = event.recorded_at;
        patch.position = event.position.position;
        patch.version = int(event.stream_version);
    }

    /// The folded patches as column arrays, in first-seen order.
    pub fn updates(&mut self) -> Updates {
        let mut out = Updates::default();
        for id in &self.order {
            let Some(p) = self.patches.remove(id) else {
                continue;
            };
            out.invoice_id.push(*id);
            out.tenant_id.push(p.tenant_id);
            out.number.push(p.number);
            out.clear_number.push(p.clear_number);
            out.status.push(p.status);
            out.cae.push(p.cae);
            out.cae_due_date.push(p.cae_due_date);
            out.rejection.push(p.rejection);
            out.observations.push(p.observations);
            for (column, instant) in out.instants.iter_mut().zip(p.instants) {
                column.push(instant);
            }
            let document = p.document.map(|d| {
                let bytes = int(d.bytes);
                ([d.sha256, d.key, d.template_version], bytes)
            });
            let (texts, bytes) = document.map_or(([None, None, None], None), |(texts, bytes)| {
                (texts.map(Some), Some(bytes))
            });
            for (column, text) in out.document.iter_mut().zip(texts) {
                column.push(text);
            }
            out.document_bytes.push(bytes);
            out.updated_at.push(p.updated_at);
            out.position.push(p.position);
            out.version.push(p.version);
        }
        out
    }
}
