//! An invoice as the read model holds it.

use rust_decimal::Decimal;
use serde_json::Value;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::qr::{self, QrData};

/// One row of `rm.invoices` with its items and IVA lines.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InvoiceRow {
    /// The invoice id.
    pub invoice_id: Uuid,
    /// The owning tenant.
    pub tenant_id: Uuid,
    /// The issuer's CUIT.
    pub issuer_cuit: i64,
    /// Point of sale.
    pub point_of_sale: i32,
    /// ARCA voucher type.
    pub voucher_type: i32,
    /// A, B, C or M.
    pub letter: String,
    /// Voucher number, once assigned.
    pub number: Option<i64>,
    /// 1 products, 2 services, 3 both.
    pub concept: i32,
    /// The voucher's date.
    pub issue_date: Date,
    /// Receiver's ARCA document type.
    pub receiver_doc_type: i32,
    /// Receiver's document number (0 when none).
    pub receiver_doc_number: i64,
    /// Receiver's name, when given.
    pub receiver_name: Option<String>,
    /// Receiver's IVA condition (`CondicionIVAReceptorId`).
    pub receiver_iva_condition: i32,
    /// Receiver's email, when given (the voucher is emailed there).
    pub receiver_email: Option<String>,
    /// Receiver's postal address, when given.
    pub receiver_address: Option<String>,
    /// ARCA currency code.
    pub currency: String,
    /// Pesos per unit of currency.
    pub exchange_rate: Decimal,
    /// Taxed net.
    pub net: Decimal,
    /// Not taxed.
    pub not_taxed: Decimal,
    /// Exempt.
    pub exempt: Decimal,
    /// Other taxes.
    pub tributes: Decimal,
    /// IVA.
    pub iva: Decimal,
    /// Total.
    pub total: Decimal,
    /// `requested`, `numbered`, `submitted`, `authorized`, `rejected` or `outcome_unknown`.
    pub status: String,
    /// Why it waits in its series (`waiting_for_certificate`, `certificate_refused`,
    /// `series_halted`), while something holds it there.
    pub waiting_reason: Option<String>,
    /// The CAE, once granted.
    pub cae: Option<String>,
    /// The CAE's due date.
    pub cae_due_date: Option<Date>,
    /// `{"errors": […], "observations": […]}` when rejected.
    pub rejection_errors: Option<Value>,
    /// ARCA's observations on the CAE.
    pub observations: Option<Value>,
    /// Service period start (concepts 2 and 3).
    pub service_from: Option<Date>,
    /// Service period end.
    pub service_to: Option<Date>,
    /// Payment due date.
    pub payment_due_date: Option<Date>,
    /// Other taxes, one object each.
    pub tributes_detail: Option<Value>,
    /// Vouchers a note adjusts.
    pub associated_vouchers: Option<Value>,
    /// Period a note adjusts.
    pub associated_period: Option<Value>,
    /// When it was requested.
    pub requested_at: OffsetDateTime,
    /// When it was last sent to ARCA.
    pub submitted_at: Option<OffsetDateTime>,
    /// When the CAE was recorded.
    pub authorized_at: Option<OffsetDateTime>,
    /// When the rejection was recorded.
    pub rejected_at: Option<OffsetDateTime>,
    /// When the row last changed (the last event's recording instant).
    pub updated_at: OffsetDateTime,
    /// Version of the invoice's stream the row reflects.
    pub stream_version: i64,
    /// Hex SHA-256 of its printable document (PDF), once recorded.
    pub document_sha256: Option<String>,
    /// Where the document is stored (the document store's key).
    pub document_key: Option<String>,
    /// The document's size in bytes.
    pub document_bytes: Option<i64>,
    /// The template version that rendered it.
    pub document_template: Option<String>,
    /// The lines, in request order.
    #[sqlx(skip)]
    pub items: Vec<ItemRow>,
    /// IVA per rate.
    #[sqlx(skip)]
    pub iva_lines: Vec<IvaRow>,
}

// A row of `rm.invoice_items`, served as it is by GraphQL's `InvoiceItem`.
/// One line of an invoice.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, async_graphql::SimpleObject)]
#[graphql(name = "InvoiceItem")]
pub struct ItemRow {
    /// The invoice.
    #[graphql(skip)]
    pub invoice_id: Uuid,
    /// 1-based position.
    pub line_no: i32,
    /// What was sold.
    pub description: String,
    /// How many.
    pub quantity: Decimal,
    /// Price of one, without IVA.
    pub unit_price: Decimal,
    /// Discount on the whole line.
    pub discount: Option<Decimal>,
    /// `"21"`, `"10.5"`, `"exempt"`, `"not_taxed"` …; null on class C.
    pub iva: Option<String>,
    /// The line's net.
    pub net: Decimal,
}

/// The IVA of one rate.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct IvaRow {
    /// The invoice.
    pub invoice_id: Uuid,
    /// `"0"`, `"2.5"`, `"5"`, `"10.5"`, `"21"` or `"27"`.
    pub rate: String,
    /// Taxable base.
    pub base: Decimal,
    /// IVA amount.
    pub amount: Decimal,
}

impl InvoiceRow {
    /// Where the API serves its PDF (`/v1/invoices/{id}/pdf`), once the document is recorded.
    pub fn document_path(&self) -> Option<String> {
        self.document_sha256
            .as_ref()
            .map(|_| format!("/v1/invoices/{}/pdf", self.invoice_id))
    }

    /// The RG 4892 QR URL, once the invoice is authorized.
    pub fn qr_url(&self) -> Option<String> {
        let (Some(number), Some(cae)) = (self.number, self.cae.as_deref()) else {
            return None;
        };
        qr::url(&QrData {
            date: self.issue_date,
            cuit: self.issuer_cuit,
            point_of_sale: self.point_of_sale,
            voucher_type: self.voucher_type,
            number,
            total: self.total,
            currency: &self.currency,
            exchange_rate: self.exchange_rate,
            receiver: (self.receiver_doc_type, self.receiver_doc_number),
            cae,
        })
    }
}
