//! What an invoice can be asked to do.
//!
//! Serde names are the request's JSON names, and the ones [`super::InvoiceError::field`] points at:
//! `receiver.document_type`, `receiver.document_number`, `items[i].iva_rate`, `totals.total` …

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::Date;

use super::events::{ArcaMessage, Totals};
use super::parts::{AssociatedVoucher, Period, Receiver, ServicePeriod, Tribute};
use crate::ids::InvoiceId;
use crate::taxpayer::IssuerSnapshot;
use crate::values::{Concept, Currency, IvaTreatment, Money, VoucherType};

/// The client's own totals; when given they must match the computed ones within ARCA's tolerance.
pub type DeclaredTotals = Totals;

/// Asks for a new voucher. Validated against ARCA's rules; numbering and authorization come later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestInvoice {
    /// The new invoice's id (chosen by the caller).
    pub invoice_id: InvoiceId,
    /// The issuer, from the taxpayer's state ([`crate::taxpayer::Taxpayer::snapshot`]).
    pub issuer: IssuerSnapshot,
    /// `PtoVta`: one of the issuer's points of sale.
    pub point_of_sale: u32,
    /// `CbteTipo`.
    pub voucher_type: VoucherType,
    /// Products, services or both.
    pub concept: Concept,
    /// `CbteFch`.
    #[serde(with = "crate::values::date")]
    pub issue_date: Date,
    /// Who receives the voucher.
    pub receiver: Receiver,
    /// Required for services (concepts 2 and 3), refused for products.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_period: Option<ServicePeriod>,
    /// `MonId`.
    pub currency: Currency,
    /// `MonCotiz`: exactly 1 for pesos, > 0 otherwise.
    #[serde(with = "crate::values::decimal")]
    pub exchange_rate: Decimal,
    /// What is sold; at least one.
    pub items: Vec<Item>,
    /// Other taxes (`Tributos`), possibly none.
    #[serde(default)]
    pub tributes: Vec<Tribute>,
    /// Vouchers this one refers to (`CbtesAsoc`); notes need these or a period.
    #[serde(default)]
    pub associated: Vec<AssociatedVoucher>,
    /// Period this note refers to (`PeriodoAsoc`); invoices must not carry one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associated_period: Option<Period>,
    /// The client's totals, checked against the computed ones.
    #[serde(default, rename = "totals", skip_serializing_if = "Option::is_none")]
    pub declared_totals: Option<DeclaredTotals>,
}

/// One line of what is sold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// What it is; not empty.
    pub description: String,
    /// How many; greater than zero.
    #[serde(with = "crate::values::decimal")]
    pub quantity: Decimal,
    /// Price of one unit without IVA: IVA is computed on top of line nets, for every letter
    /// (class C vouchers carry none).
    pub unit_price: Money,
    /// Discount on the whole line; not more than quantity × unit price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Money>,
    /// IVA treatment; required on class A, B and M vouchers, refused on class C.
    #[serde(default, rename = "iva_rate", skip_serializing_if = "Option::is_none")]
    pub iva: Option<IvaTreatment>,
}

/// Records the voucher number reserved for this invoice in its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignNumber {
    /// `CbteDesde` = `CbteHasta`, 1..=99999999.
    pub number: u64,
}

/// Records that the invoice was sent to ARCA (`FECAESolicitar`) under `number`: the number its
/// series reserved for it, which the invoice learns here unless it was assigned before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkSubmitted {
    /// The voucher number sent; must be the assigned one when the invoice has one.
    pub number: u64,
    /// Hash of the request sent, to recognise it when reconciling.
    pub request_hash: String,
}

/// Records the CAE ARCA granted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCae {
    /// The voucher number ARCA authorized; must be the assigned one.
    pub number: u64,
    /// The CAE: 14 digits.
    pub cae: String,
    /// `CAEFchVto`.
    #[serde(with = "crate::values::date")]
    pub cae_due_date: Date,
    /// ARCA's observations on an approved voucher.
    #[serde(default)]
    pub observations: Vec<ArcaMessage>,
}

/// Records that ARCA rejected the invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordRejection {
    /// Request-level errors (`Errors/Err`).
    #[serde(default)]
    pub errors: Vec<ArcaMessage>,
    /// Detail-level reasons (`Observaciones/Obs`).
    #[serde(default)]
    pub observations: Vec<ArcaMessage>,
}

/// Records that ARCA's answer was lost (timeout, connection reset): reconcile before retrying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordUnknownOutcome {
    /// What went wrong, for humans.
    pub reason: String,
}

/// Gives the invoice's number back to its series (the series released it): the invoice is
/// requested again and will be renumbered, or finally rejected by the saga.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseNumber {
    /// Why, for humans and the audit trail (`not_processed`, `series_resumed` …).
    pub reason: String,
}

/// Records the final outcome of a webhook about the invoice (accepted in any status once the
/// invoice is requested: it is history, not a transition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordWebhookOutcome {
    /// A subscriber answered 2xx.
    Delivered(super::events::WebhookDelivered),
    /// The delivery ended without a 2xx.
    Failed(super::events::WebhookDeliveryFailed),
}

/// Records the stored PDF of an authorized invoice. Recording the same document again (same
/// template version and bytes) changes nothing; other bytes under a template version already
/// recorded are refused, since rendering is deterministic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordDocument(pub super::events::DocumentIssued);

/// Records how emailing the voucher to its receiver ended (accepted once the invoice is
/// authorized). At most one `emailed` per invoice: recording another changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordEmailOutcome {
    /// The receiver's mail server accepted the message.
    Sent(super::events::InvoiceEmailed),
    /// Every attempt failed.
    Failed(super::events::InvoiceEmailFailed),
}

/// Every invoice command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvoiceCommand {
    /// See [`RequestInvoice`].
    Request(Box<RequestInvoice>),
    /// See [`AssignNumber`].
    AssignNumber(AssignNumber),
    /// See [`MarkSubmitted`].
    MarkSubmitted(MarkSubmitted),
    /// See [`RecordCae`].
    RecordCae(RecordCae),
    /// See [`RecordRejection`].
    RecordRejection(RecordRejection),
    /// See [`RecordUnknownOutcome`].
    RecordUnknownOutcome(RecordUnknownOutcome),
    /// See [`ReleaseNumber`].
    ReleaseNumber(ReleaseNumber),
    /// See [`RecordWebhookOutcome`].
    RecordWebhookOutcome(RecordWebhookOutcome),
    /// See [`RecordDocument`].
    RecordDocument(RecordDocument),
    /// See [`RecordEmailOutcome`].
    RecordEmailOutcome(RecordEmailOutcome),
}

impl InvoiceCommand {
    /// The command's name, as used in [`super::InvoiceError::InvalidTransition`].
    pub fn name(&self) -> &'static str {
        match self {
            Self::Request(_) => "request_invoice",
            Self::AssignNumber(_) => "assign_number",
            Self::MarkSubmitted(_) => "mark_submitted",
            Self::RecordCae(_) => "record_cae",
            Self::RecordRejection(_) => "record_rejection",
            Self::RecordUnknownOutcome(_) => "record_unknown_outcome",
            Self::ReleaseNumber(_) => "release_number",
            Self::RecordWebhookOutcome(_) => "record_webhook_outcome",
            Self::RecordDocument(_) => "record_document",
            Self::RecordEmailOutcome(_) => "record_email_outcome",
        }
    }
}

impl From<RequestInvoice> for InvoiceCommand {
    fn from(c: RequestInvoice) -> Self {
        Self::Request(Box::new(c))
    }
}

macro_rules! from_command {
    ($($variant:ident),+) => {
        $(impl From<$variant> for InvoiceCommand {
            fn from(c: $variant) -> Self {
                Self::$variant(c)
            }
        })+
    };
}

from_command!(
    AssignNumber,
    MarkSubmitted,
    RecordCae,
    RecordRejection,
    RecordUnknownOutcome,
    ReleaseNumber,
    RecordWebhookOutcome,
    RecordDocument,
    RecordEmailOutcome
);
