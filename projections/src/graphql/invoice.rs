//! `invoice(id)` and `invoices(filter, first, after)`: the invoices read model, with each
//! invoice's items, IVA lines, QR URL, event stream, evidence and state at an instant.

use async_graphql::{Context, Json, Object, Result, SimpleObject};
use domain::{InvoiceId, RecordedEvent};
use rust_decimal::Decimal;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::events::{InvoiceEvent, InvoiceState};
use super::{errors, scope};
use crate::analytics::RateAmount;
use crate::history;
use crate::query::{InvoiceRow, ItemRow};

/// An invoice as the read model holds it, with its stream when the page read it ahead (a list
/// asking for `events` or `asOf` reads every invoice's stream in one go, not one by one).
pub struct Invoice(pub InvoiceRow, pub Option<Vec<RecordedEvent>>);

/// The receiver of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
pub struct Receiver {
    /// ARCA document type code (80 CUIT, 96 DNI, 99 none …).
    pub doc_type: i32,
    /// Document number (0 when none).
    pub doc_number: String,
    /// Name, when given.
    pub name: Option<String>,
    /// ARCA IVA condition code of the receiver.
    pub iva_condition: i32,
    /// Email the voucher is sent to, when given.
    pub email: Option<String>,
    /// Postal address, when given.
    pub address: Option<String>,
}

fn json(value: Option<&serde_json::Value>) -> Option<Json<serde_json::Value>> {
    value.cloned().map(Json)
}

#[Object]
impl Invoice {
    /// The invoice id.
    async fn id(&self) -> Uuid {
        self.0.invoice_id
    }
    /// `requested`, `numbered`, `submitted`, `authorized`, `rejected` or `outcome_unknown`.
    async fn status(&self) -> &str {
        &self.0.status
    }
    /// Why it waits in its series (`waiting_for_certificate`, `certificate_refused`,
    /// `series_halted`), while something other than ARCA's answer holds it there.
    async fn waiting_reason(&self) -> Option<&str> {
        self.0.waiting_reason.as_deref()
    }
    /// Version of its stream the read model reflects.
    async fn version(&self) -> i64 {
        self.0.stream_version
    }
    /// The issuer's CUIT (11 digits).
    async fn issuer_cuit(&self) -> String {
        self.0.issuer_cuit.to_string()
    }
    /// Point of sale.
    async fn point_of_sale(&self) -> i32 {
        self.0.point_of_sale
    }
    /// ARCA voucher type code.
    async fn voucher_type(&self) -> i32 {
        self.0.voucher_type
    }
    /// A, B, C or M.
    async fn letter(&self) -> &str {
        &self.0.letter
    }
    /// Voucher number, once assigned.
    async fn number(&self) -> Option<i64> {
        self.0.number
    }
    /// 1 products, 2 services, 3 both.
    async fn concept(&self) -> i32 {
        self.0.concept
    }
    /// The voucher's date.
    async fn issue_date(&self) -> Date {
        self.0.issue_date
    }
    /// Who receives it.
    async fn receiver(&self) -> Receiver {
        Receiver {
            doc_type: self.0.receiver_doc_type,
            doc_number: self.0.receiver_doc_number.to_string(),
            name: self.0.receiver_name.clone(),
            iva_condition: self.0.receiver_iva_condition,
            email: self.0.receiver_email.clone(),
            address: self.0.receiver_address.clone(),
        }
    }
    /// ARCA currency code.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// Pesos per unit of currency.
    async fn exchange_rate(&self) -> Decimal {
        self.0.exchange_rate
    }
    /// Taxed net.
    async fn net(&self) -> Decimal {
        self.0.net
    }
    /// Not taxed.
    async fn not_taxed(&self) -> Decimal {
        self.0.not_taxed
    }
    /// Exempt.
    async fn exempt(&self) -> Decimal {
        self.0.exempt
    }
    /// Other taxes.
    async fn tributes(&self) -> Decimal {
        self.0.tributes
    }
    /// IVA.
    async fn iva(&self) -> Decimal {
        self.0.iva
    }
    /// Total.
    async fn total(&self) -> Decimal {
        self.0.total
    }
    /// The lines, in request order.
    async fn items(&self) -> &[ItemRow] {
        &self.0.items
    }
    /// IVA per rate.
    async fn iva_lines(&self) -> Vec<RateAmount> {
        self.0
            .iva_lines
            .iter()
            .map(|l| RateAmount {
                rate: l.rate.clone(),
                base: l.base,
                amount: l.amount,
            })
            .collect()
    }
    /// Other taxes, one object each (`type`, `description`, `base`, `rate`, `amount`).
    async fn tributes_detail(&self) -> Option<Json<serde_json::Value>> {
        json(self.0.tributes_detail.as_ref())
    }
    /// Vouchers a note adjusts.
    async fn associated_vouchers(&self) -> Option<Json<serde_json::Value>> {
        json(self.0.associated_vouchers.as_ref())
    }
    /// Period a note adjusts (`from`, `to`).
    async fn associated_period(&self) -> Option<Json<serde_json::Value>> {
        json(self.0.associated_period.as_ref())
    }
    /// Service period start (concepts 2 and 3).
    async fn service_from(&self) -> Option<Date> {
        self.0.service_from
    }
    /// Service period end.
    async fn service_to(&self) -> Option<Date> {
        self.0.service_to
    }
    /// Payment due date of services.
    async fn payment_due_date(&self) -> Option<Date> {
        self.0.payment_due_date
    }
    /// The CAE, once granted.
    async fn cae(&self) -> Option<&str> {
        self.0.cae.as_deref()
    }
    /// The CAE's due date.
    async fn cae_due_date(&self) -> Option<Date> {
        self.0.cae_due_date
    }
    /// ARCA's observations on the CAE.
    async fn observations(&self) -> Option<Json<serde_json::Value>> {
        json(self.0.observations.as_ref())
    }
    /// ARCA's errors and observations, when rejected.
    async fn rejection(&self) -> Option<Json<serde_json::Value>> {
        json(self.0.rejection_errors.as_ref())
    }
    /// RG 4892 QR URL, once authorized.
    async fn qr_url(&self) -> Option<String> {
        self.0.qr_url()
    }
    /// Where its PDF is served (`/v1/invoices/{id}/pdf`, with the API key); null until the
    /// document is rendered and stored.
    async fn document_url(&self) -> Option<String> {
        self.0.document_path()
    }
    /// Hex SHA-256 of its PDF (the `ETag` it is served with, as recorded on its stream); null
    /// until the document exists.
    async fn document_sha256(&self) -> Option<&str> {
        self.0.document_sha256.as_deref()
    }
    /// When it was requested.
    async fn requested_at(&self) -> OffsetDateTime {
        self.0.requested_at
    }
    /// When it was last sent to ARCA.
    async fn submitted_at(&self) -> Option<OffsetDateTime> {
        self.0.submitted_at
    }
    /// When the CAE was recorded.
    async fn authorized_at(&self) -> Option<OffsetDateTime> {
        self.0.authorized_at
    }
    /// When the rejection was recorded.
    async fn rejected_at(&self) -> Option<OffsetDateTime> {
        self.0.rejected_at
    }
    /// When the read model last changed it.
    async fn updated_at(&self) -> OffsetDateTime {
        self.0.updated_at
    }

    /// Its event stream, oldest first, with metadata: the audit trail. Costs 10 events' worth of
    /// its selection.
    #[graphql(complexity = "10 * child_complexity")]
    async fn events(&self, ctx: &Context<'_>) -> Result<Vec<InvoiceEvent>> {
        let events = match &self.1 {
            Some(read) => read.clone(),
            None => self.history(ctx, None).await?,
        };
        Ok(events.into_iter().map(InvoiceEvent).collect())
    }

    /// Its exchanges with ARCA (every authorization and consultation of one of its numbers),
    /// oldest first, with the request and response XML: the evidence of its CAE. Costs 4
    /// exchanges' worth of its selection.
    #[graphql(complexity = "4 * child_complexity")]
    async fn evidence(&self, ctx: &Context<'_>) -> Result<Vec<super::evidence::Exchange>> {
        super::evidence::of(ctx, InvoiceId(self.0.invoice_id)).await
    }

    /// Its state at `instant`: its stream replayed up to then; null before it was requested.
    /// Costs a replay of 10 events plus its selection.
    #[graphql(complexity = "10 + child_complexity")]
    async fn as_of(
        &self,
        ctx: &Context<'_>,
        instant: OffsetDateTime,
    ) -> Result<Option<InvoiceState>> {
        let events = match &self.1 {
            Some(read) => read
                .iter()
                .filter(|e| e.recorded_at <= instant)
                .cloned()
                .collect(),
            None => self.history(ctx, Some(instant)).await?,
        };
        let Some(last) = events.last().map(|e| e.recorded_at) else {
            return Ok(None);
        };
        let folded = history::fold(&events).map_err(|e| errors::failed(&e))?;
        Ok(folded.map(|(invoice, version)| InvoiceState::new(&invoice, version, last)))
    }
}

impl Invoice {
    /// Its stream read now (up to `as_of` when given).
    async fn history(
        &self,
        ctx: &Context<'_>,
        as_of: Option<OffsetDateTime>,
    ) -> Result<Vec<RecordedEvent>> {
        let (tenant, read) = scope(ctx)?;
        read.history
            .events(tenant, InvoiceId(self.0.invoice_id), as_of)
            .await
            .map_err(|e| errors::failed(&e))
    }
}
