//! What happened to an invoice.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::parts::{AssociatedVoucher, Period, Receiver, ServicePeriod, Tribute};
use crate::aggregate::{DecodeError, Payload, decode, domain_events};
use crate::ids::InvoiceId;
use crate::values::{
    Concept, Cuit, Currency, EmailAddress, ExchangeRate, IssuerIvaCondition, IvaRate, IvaTreatment,
    Money, VoucherType,
};

/// The amounts of a voucher as ARCA adds them up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Totals {
    /// `ImpTotConc`: not taxed.
    pub not_taxed: Money,
    /// `ImpNeto`: taxed bases (for class C, the whole subtotal).
    pub net: Money,
    /// `ImpOpEx`: exempt.
    pub exempt: Money,
    /// `ImpTrib`: other taxes.
    pub tributes: Money,
    /// `ImpIVA`: IVA.
    pub iva: Money,
    /// `ImpTotal` = not_taxed + net + exempt + tributes + iva.
    pub total: Money,
}

/// One line of a requested invoice, with its computed net.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InvoiceLine {
    /// What it is.
    pub description: String,
    /// How many.
    #[serde(with = "crate::values::decimal")]
    #[schemars(with = "Decimal")]
    pub quantity: Decimal,
    /// Price of one unit without IVA.
    pub unit_price: Money,
    /// Discount on the whole line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Money>,
    /// IVA treatment; absent on class C vouchers.
    #[serde(default, rename = "iva_rate", skip_serializing_if = "Option::is_none")]
    pub iva: Option<IvaTreatment>,
    /// round(quantity × unit_price − discount), half-even.
    pub net: Money,
}

/// The IVA of one rate (`AlicIva`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct IvaLine {
    /// The rate (its ARCA id is `rate.id()`).
    pub rate: IvaRate,
    /// `BaseImp`: sum of the nets of the items taxed at this rate.
    pub base: Money,
    /// `Importe`: round(base × rate), half-even.
    pub amount: Money,
}

/// A message from ARCA (`Err`, `Obs` or `Evt`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ArcaMessage {
    /// ARCA's code, such as 10016.
    pub code: u32,
    /// ARCA's text, verbatim.
    pub message: String,
}

/// `invoice.requested` v2: a voucher passed validation, with everything needed to number,
/// authorize, print and email it. Version 2 added the receiver's optional `email` and `address`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InvoiceRequested {
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// The issuer's CUIT.
    pub issuer_cuit: Cuit,
    /// The issuer's IVA condition when requested.
    pub issuer_iva_condition: IssuerIvaCondition,
    /// `PtoVta`.
    pub point_of_sale: u32,
    /// `CbteTipo`.
    pub voucher_type: VoucherType,
    /// `Concepto`.
    pub concept: Concept,
    /// `CbteFch`.
    #[serde(with = "crate::values::date")]
    #[schemars(schema_with = "crate::values::date::schema")]
    pub issue_date: Date,
    /// Who receives it.
    pub receiver: Receiver,
    /// Service dates (concepts 2 and 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_period: Option<ServicePeriod>,
    /// `MonId`.
    pub currency: Currency,
    /// `MonCotiz`.
    pub exchange_rate: ExchangeRate,
    /// The items with their computed nets.
    pub items: Vec<InvoiceLine>,
    /// IVA per rate, lowest rate first (empty on class C).
    pub iva: Vec<IvaLine>,
    /// Other taxes.
    pub tributes: Vec<Tribute>,
    /// Vouchers it refers to.
    pub associated: Vec<AssociatedVoucher>,
    /// Period it refers to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associated_period: Option<Period>,
    /// The computed totals.
    pub totals: Totals,
    /// When it was requested.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub requested_at: OffsetDateTime,
}

/// The JSON Schema of `invoice.requested` v1 as it was released (committed under
/// `schemas/events/`): released shapes never change, so the file is read rather than generated.
const REQUESTED_V1_SCHEMA: &str = include_str!("../../../schemas/events/invoice.requested.v1.json");

impl Payload for Box<InvoiceRequested> {
    const VERSION: u16 = 2;

    /// Version 1 is version 2 without the receiver's `email` and `address` (both optional), so
    /// it reads as version 2 with neither.
    fn decode(
        event_type: &str,
        version: u16,
        data: &serde_json::Value,
    ) -> Result<Self, DecodeError> {
        match version {
            1 => decode(event_type, 1, 1, data),
            _ => decode(event_type, version, Self::VERSION, data),
        }
    }

    fn json_schemas() -> Vec<(u16, schemars::schema::RootSchema)> {
        let v1 = serde_json::from_str(REQUESTED_V1_SCHEMA).unwrap_or_default();
        vec![(1, v1), (Self::VERSION, schemars::schema_for!(Self))]
    }
}

/// `invoice.number_assigned` v1: the invoice got its number in its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InvoiceNumberAssigned {
    /// `CbteDesde` = `CbteHasta`.
    pub number: u64,
}

/// `invoice.submitted` v1: the invoice was sent to ARCA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InvoiceSubmitted {
    /// The number sent.
    pub number: u64,
    /// Hash of the request sent.
    pub request_hash: String,
    /// When it was sent.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub submitted_at: OffsetDateTime,
}

/// `invoice.cae_granted` v1: ARCA authorized the invoice. At most one per invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CaeGranted {
    /// The authorized number.
    pub number: u64,
    /// The CAE, 14 digits.
    pub cae: String,
    /// `CAEFchVto`.
    #[serde(with = "crate::values::date")]
    #[schemars(schema_with = "crate::values::date::schema")]
    pub cae_due_date: Date,
    /// Observations on the approved voucher.
    pub observations: Vec<ArcaMessage>,
}

/// `invoice.rejected` v1: ARCA refused the invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InvoiceRejected {
    /// Request-level errors.
    pub errors: Vec<ArcaMessage>,
    /// Detail-level reasons.
    pub observations: Vec<ArcaMessage>,
}

/// `invoice.submission_outcome_unknown` v1: ARCA's answer was lost; reconcile before retrying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SubmissionOutcomeUnknown {
    /// What went wrong.
    pub reason: String,
}

/// `invoice.number_released` v1: the series took the number back; the invoice waits for a new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InvoiceNumberReleased {
    /// The number given back.
    pub number: u64,
    /// Why.
    pub reason: String,
}

/// `invoice.webhook_delivered` v1: a webhook about this invoice reached a subscriber (2xx), so
/// the invoice's history shows who was told and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WebhookDelivered {
    /// The webhook subscription told.
    pub subscription_id: uuid::Uuid,
    /// The delivery (its `webhook-id` is `msg_` + these hex digits).
    pub delivery_id: uuid::Uuid,
    /// The event the webhook carried.
    pub event_id: uuid::Uuid,
    /// Attempts made, the successful one included.
    pub attempts: u32,
    /// The HTTP status of the last attempt.
    pub last_status: u16,
    /// Time from the event to the successful answer, in milliseconds.
    pub duration_ms: u64,
}

/// `invoice.webhook_delivery_failed` v1: a webhook about this invoice will not be delivered (a
/// final answer, a refused address, or every attempt of the schedule failed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WebhookDeliveryFailed {
    /// The webhook subscription.
    pub subscription_id: uuid::Uuid,
    /// The delivery (its `webhook-id` is `msg_` + these hex digits).
    pub delivery_id: uuid::Uuid,
    /// The event the webhook carried.
    pub event_id: uuid::Uuid,
    /// Attempts made.
    pub attempts: u32,
    /// The HTTP status of the last attempt, when one came back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<u16>,
    /// Why the last attempt got no answer (`timeout`, `blocked_ip` …), when it got none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Time from the event to the last attempt's end, in milliseconds.
    pub duration_ms: u64,
}

/// `invoice.document_issued` v1: the printable voucher (PDF) of the authorized invoice was
/// rendered and stored; an auditor re-hashes the stored bytes against `sha256`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DocumentIssued {
    /// Hex SHA-256 of the stored bytes (64 lower-case digits).
    pub sha256: String,
    /// Their length.
    pub bytes: u64,
    /// Where they are stored (the document store's key).
    pub key: String,
    /// The renderer's template version that produced them.
    pub template_version: String,
}

/// `invoice.emailed` v1: the voucher's PDF was handed to the receiver's mail server. At most
/// one per invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InvoiceEmailed {
    /// The receiver's address it was sent to.
    pub to: EmailAddress,
    /// The message's `Message-ID` (derived from the invoice, so a resend is recognisable).
    pub message_id: String,
    /// The template version of the attached PDF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_version: Option<String>,
    /// Attempts made, the successful one included.
    pub attempts: u32,
}

/// `invoice.email_failed` v1: every attempt to email the voucher failed; nothing more is tried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InvoiceEmailFailed {
    /// The receiver's address.
    pub to: EmailAddress,
    /// Attempts made.
    pub attempts: u32,
    /// Why the last attempt failed, as the mail server or the network said it.
    pub last_error: String,
}

domain_events! {
    /// Every invoice event.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum InvoiceEvent {
        /// See [`InvoiceRequested`].
        Requested(Box<InvoiceRequested>) = "invoice.requested" upcast,
        /// See [`InvoiceNumberAssigned`].
        NumberAssigned(InvoiceNumberAssigned) = "invoice.number_assigned",
        /// See [`InvoiceSubmitted`].
        Submitted(InvoiceSubmitted) = "invoice.submitted",
        /// See [`CaeGranted`].
        CaeGranted(CaeGranted) = "invoice.cae_granted",
        /// See [`InvoiceRejected`].
        Rejected(InvoiceRejected) = "invoice.rejected",
        /// See [`SubmissionOutcomeUnknown`].
        OutcomeUnknown(SubmissionOutcomeUnknown) = "invoice.submission_outcome_unknown",
        /// See [`InvoiceNumberReleased`].
        NumberReleased(InvoiceNumberReleased) = "invoice.number_released",
        /// See [`WebhookDelivered`].
        WebhookDelivered(WebhookDelivered) = "invoice.webhook_delivered",
        /// See [`WebhookDeliveryFailed`].
        WebhookDeliveryFailed(WebhookDeliveryFailed) = "invoice.webhook_delivery_failed",
        /// See [`DocumentIssued`].
        DocumentIssued(DocumentIssued) = "invoice.document_issued",
        /// See [`InvoiceEmailed`].
        Emailed(InvoiceEmailed) = "invoice.emailed",
        /// See [`InvoiceEmailFailed`].
        EmailFailed(InvoiceEmailFailed) = "invoice.email_failed",
    }
}
