//! How an invoice reads through the API.

use domain::{
    RecordedEvent,
    invoice::{InvoiceRequested, IvaLine, Totals},
};
use serde::Serialize;
use utoipa::ToSchema;

use super::body::{InvoiceAccepted, IvaLineView, TotalsView};

/// An invoice's current state, as the invoices read model shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvoiceView {
    /// Its id.
    pub id: uuid::Uuid,
    /// `requested`, `numbered`, `submitted`, `authorized`, `rejected` or `outcome_unknown`.
    pub status: String,
    /// Why it waits in its series, while something other than ARCA's answer holds it:
    /// `waiting_for_certificate` (its issuer has no certificate for this ARCA environment:
    /// install one), `certificate_refused` (WSAA refused the installed one) or `series_halted`
    /// (its series waits for an operator's resume). It goes on by itself once the cause is gone.
    #[schema(value_type = Option<String>, example = "waiting_for_certificate")]
    pub waiting_reason: Option<String>,
    /// Version of its stream the view reflects.
    pub version: u64,
    /// The issuer's CUIT.
    pub issuer_cuit: String,
    /// Point of sale.
    pub point_of_sale: u32,
    /// ARCA voucher type code.
    pub voucher_type: u16,
    /// A, B, C or M.
    pub letter: String,
    /// Voucher number, once assigned.
    pub number: Option<u64>,
    /// 1 products, 2 services, 3 both.
    pub concept: u8,
    /// `YYYY-MM-DD`.
    pub issue_date: String,
    /// The receiver.
    pub receiver: ReceiverView,
    /// Service period, for concepts 2 and 3.
    pub service_period: Option<ServicePeriodView>,
    /// ARCA currency code.
    pub currency: String,
    /// Pesos per unit of currency.
    pub exchange_rate: String,
    /// Lines with their computed nets.
    pub items: Vec<ItemView>,
    /// IVA per rate.
    pub iva: Vec<IvaLineView>,
    /// Other taxes (`type`, `description`, `base`, `rate`, `amount`).
    #[schema(value_type = Vec<Object>)]
    pub tributes: serde_json::Value,
    /// Vouchers a note refers to.
    #[schema(value_type = Vec<Object>)]
    pub associated_vouchers: serde_json::Value,
    /// Totals.
    pub totals: TotalsView,
    /// The CAE, once granted.
    pub cae: Option<String>,
    /// The CAE's due date.
    pub cae_due_date: Option<String>,
    /// ARCA's QR code URL (RG 4892), once authorized.
    pub qr_url: Option<String>,
    /// Where its PDF is served (`GET /v1/invoices/{id}/pdf`); null until the document is
    /// rendered and stored.
    #[schema(example = "/v1/invoices/0192f0c4-7d2e-7a51-9c3b-6a1f0e2d4c5b/pdf")]
    pub document_url: Option<String>,
    /// Hex SHA-256 of its PDF, as recorded on its stream (the PDF's `ETag`); null until the
    /// document exists.
    pub document_sha256: Option<String>,
    /// ARCA's observations.
    pub observations: Vec<ArcaMessageView>,
    /// ARCA's errors, when rejected.
    pub errors: Vec<ArcaMessageView>,
    /// When it was requested (RFC 3339).
    pub requested_at: String,
    /// When the CAE was recorded (RFC 3339).
    pub authorized_at: Option<String>,
}

/// Who the invoice is for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReceiverView {
    /// ARCA document type (80 CUIT, 96 DNI, 99 none …).
    pub document_type: u16,
    /// Document number, as digits (`"0"` when none).
    pub document_number: String,
    /// Name, when given.
    pub name: Option<String>,
    /// `CondicionIVAReceptorId`.
    pub iva_condition: u8,
    /// Where the voucher is emailed, when given.
    pub email: Option<String>,
    /// Postal address, when given.
    pub address: Option<String>,
}

/// The period a service invoice covers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServicePeriodView {
    /// `YYYY-MM-DD`.
    pub from: String,
    /// `YYYY-MM-DD`.
    pub to: String,
    /// `YYYY-MM-DD`.
    pub payment_due: String,
}

/// One line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemView {
    /// What was sold.
    pub description: String,
    /// How many.
    pub quantity: String,
    /// Price of one.
    pub unit_price: String,
    /// Discount on the line.
    pub discount: Option<String>,
    /// `"21"`, `"10.5"`, `"exempt"`, `"not_taxed"`; absent on class C.
    pub iva: Option<String>,
    /// The line's net.
    pub net: String,
}

/// A message from ARCA, in Spanish as ARCA sent it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArcaMessageView {
    /// ARCA's code.
    pub code: u32,
    /// ARCA's text.
    pub message: String,
}

/// An invoice's event history.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceEvents {
    /// Every event of its stream, oldest first, with metadata and global position.
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<RecordedEvent>,
}

/// The answer to a successful request, derived from the `invoice.requested` event only, so that
/// an idempotent replay gets the very same answer.
pub fn accepted(requested: &InvoiceRequested) -> InvoiceAccepted {
    InvoiceAccepted {
        id: requested.invoice_id.as_uuid(),
        status: "requested".to_owned(),
        voucher_type: requested.voucher_type.code(),
        letter: requested.voucher_type.class().to_string(),
        point_of_sale: requested.point_of_sale,
        totals: totals(&requested.totals),
        iva: iva_lines(&requested.iva),
    }
}

fn totals(t: &Totals) -> TotalsView {
    TotalsView {
        not_taxed: t.not_taxed.to_string(),
        net: t.net.to_string(),
        exempt: t.exempt.to_string(),
        tributes: t.tributes.to_string(),
        iva: t.iva.to_string(),
        total: t.total.to_string(),
    }
}

fn iva_lines(lines: &[IvaLine]) -> Vec<IvaLineView> {
    lines
        .iter()
        .map(|line| IvaLineView {
            rate: line.rate.label().to_owned(),
            arca_id: line.rate.id(),
            base: line.base.to_string(),
            amount: line.amount.to_string(),
        })
        .collect()
}
