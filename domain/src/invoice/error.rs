//! Why an invoice command was refused.

use std::borrow::Cow;
use std::fmt;

use rust_decimal::Decimal;
use time::Date;

use super::state::InvoiceStatus;
use crate::aggregate::{ErrorCode, RejectionKind};
use crate::values::{
    CuitError, DocType, ExchangeRateError, IssuerIvaCondition, IvaCondition, Money, VoucherClass,
    VoucherType,
};

/// One of the totals (`totals.<name>` in a request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TotalsField {
    /// `ImpTotConc`.
    NotTaxed,
    /// `ImpNeto`.
    Net,
    /// `ImpOpEx`.
    Exempt,
    /// `ImpTrib`.
    Tributes,
    /// `ImpIVA`.
    Iva,
    /// `ImpTotal`.
    Total,
}

impl TotalsField {
    /// The request field (`totals.net` …).
    pub const fn path(self) -> &'static str {
        match self {
            Self::NotTaxed => "totals.not_taxed",
            Self::Net => "totals.net",
            Self::Exempt => "totals.exempt",
            Self::Tributes => "totals.tributes",
            Self::Iva => "totals.iva",
            Self::Total => "totals.total",
        }
    }
}

impl fmt::Display for TotalsField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

/// A refused invoice command. [`InvoiceError::code`] is stable; [`InvoiceError::field`] names
/// the request field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceError {
    /// The invoice was requested already.
    #[error("the invoice was already requested")]
    AlreadyRequested,
    /// A lifecycle command on an invoice that was never requested.
    #[error("the invoice was not requested, cannot {command}")]
    NotRequested {
        /// The command's name.
        command: &'static str,
    },
    /// The point of sale is not one of the issuer's.
    #[error("point of sale {0} is not registered for the issuer")]
    UnknownPointOfSale(u32),
    /// The issuer may not issue this letter (a monotributista issuing A, anyone issuing M …).
    #[error("a {issuer} issuer may not issue class {class} vouchers")]
    LetterNotAllowedForIssuer {
        /// The voucher's letter.
        class: VoucherClass,
        /// The issuer's condition.
        issuer: IssuerIvaCondition,
    },
    /// The receiver's IVA condition may not receive this letter (ARCA 10243).
    #[error("a receiver in iva condition {receiver} may not receive class {class} vouchers")]
    LetterNotAllowedForReceiver {
        /// The voucher's letter.
        class: VoucherClass,
        /// The receiver's condition.
        receiver: IvaCondition,
    },
    /// Class A, M and FCE vouchers need a receiver identified by CUIT (ARCA 10013, 10176).
    #[error("voucher type {0} needs a receiver identified by cuit (document type 80)")]
    ReceiverCuitRequired(VoucherType),
    /// A CUIT, CUIL or CDI with a bad check digit.
    #[error("receiver document {doc_type} is not valid: {error}")]
    InvalidReceiverCuit {
        /// The document type.
        doc_type: DocType,
        /// What is wrong.
        error: CuitError,
    },
    /// Document 99 with a number other than 0, or another type with number 0.
    #[error("document number is not valid for document type {0} (99 takes 0, the others a number)")]
    InvalidDocumentNumber(DocType),
    /// The receiver is the issuer (ARCA 10069).
    #[error("the receiver's document is the issuer's cuit")]
    ReceiverIsIssuer,
    /// A class B voucher to an unidentified receiver at or above the threshold (ARCA 10015).
    #[error("a total of {amount} pesos needs an identified receiver (threshold {threshold})")]
    ReceiverIdentificationRequired {
        /// The policy threshold in pesos.
        threshold: Money,
        /// total × exchange rate.
        amount: Decimal,
    },
    /// The receiver's address is longer than [`super::MAX_ADDRESS_LEN`] characters.
    #[error("the receiver's address has more than {0} characters")]
    ReceiverAddressTooLong(usize),
    /// An email outcome without a `Message-ID` or attempts, or a failure without its reason.
    #[error("an email outcome needs a message id (when sent), a reason (when failed) and attempts")]
    InvalidEmailOutcome,
    /// Services (concepts 2, 3) need a service period and payment due date (ARCA 10049).
    #[error("services need a service period and a payment due date")]
    ServiceDatesRequired,
    /// Products (concept 1) take no service dates.
    #[error("service dates are only allowed for services (concepts 2 and 3)")]
    ServiceDatesNotAllowed,
    /// A period that ends before it starts (ARCA 10032).
    #[error("{0} ends before it starts")]
    InvalidPeriod(&'static str),
    /// Payment due before the issue date (ARCA 10036).
    #[error("the payment due date is before the issue date")]
    PaymentDueBeforeIssueDate,
    /// The issue date is outside the window ARCA allows around today (ARCA 10016).
    #[error("issue date {date} is outside {earliest}..={latest}")]
    VoucherDateOutOfWindow {
        /// The issue date.
        date: Date,
        /// First allowed date.
        earliest: Date,
        /// Last allowed date.
        latest: Date,
    },
    /// A debit or credit note without associated vouchers nor period (ARCA 10197).
    #[error("a debit or credit note needs an associated voucher or an associated period")]
    AssociatedVoucherRequired,
    /// An associated period on something that is not a note (ARCA 10198).
    #[error("only debit and credit notes may carry an associated period")]
    AssociatedPeriodNotAllowed,
    /// An associated voucher with a point of sale or number out of range.
    #[error("associated voucher {0} has a point of sale or number out of range")]
    InvalidAssociatedVoucher(usize),
    /// The exchange rate is not valid for the currency (ARCA 10039).
    #[error("{0}")]
    InvalidExchangeRate(ExchangeRateError),
    /// No items.
    #[error("an invoice needs at least one item")]
    NoItems,
    /// An item without description.
    #[error("item {0} needs a description")]
    ItemDescriptionRequired(usize),
    /// A quantity of zero or less.
    #[error("item {0}: the quantity must be greater than zero")]
    InvalidQuantity(usize),
    /// A discount above quantity × unit price.
    #[error("item {0}: the discount exceeds quantity × unit price")]
    DiscountExceedsAmount(usize),
    /// An item of a class A, B or M voucher without IVA treatment.
    #[error("item {0} needs an iva rate (or exempt / not_taxed)")]
    IvaRateRequired(usize),
    /// An item of a class C voucher with an IVA treatment (ARCA 10071, 10043, 10044).
    #[error("item {0}: class c vouchers carry no iva, exempt or not-taxed amounts")]
    IvaOnCVoucher(usize),
    /// A tribute of kind 99 without description.
    #[error("tribute {0} of kind 99 (other) needs a description")]
    TributeDescriptionRequired(usize),
    /// A computed amount above 9 999 999 999 999.99.
    #[error("{0} exceeds the largest amount arca accepts")]
    AmountTooLarge(Cow<'static, str>),
    /// The client's totals differ from the computed ones beyond ARCA's tolerance (ARCA 10048).
    #[error("{field} is {got}, expected {expected}")]
    TotalsMismatch {
        /// Which total.
        field: TotalsField,
        /// The computed amount.
        expected: Money,
        /// The client's amount.
        got: Money,
    },
    /// A lifecycle command in a status that does not allow it.
    #[error("cannot {command} an invoice that is {from}")]
    InvalidTransition {
        /// The current status.
        from: InvoiceStatus,
        /// The command's name.
        command: &'static str,
    },
    /// A second, different CAE for an authorized invoice.
    #[error("the invoice already has a cae")]
    AlreadyAuthorized,
    /// A voucher number outside 1..=99999999.
    #[error("voucher number {0} is outside 1..=99999999")]
    InvalidVoucherNumber(u64),
    /// A CAE for another number than the assigned one.
    #[error("the cae is for number {got}, the invoice has number {assigned}")]
    NumberMismatch {
        /// The assigned number.
        assigned: u64,
        /// The number in the command.
        got: u64,
    },
    /// A CAE that is not 14 digits.
    #[error("a cae has 14 digits")]
    InvalidCae,
    /// An empty request hash.
    #[error("the request hash must not be empty")]
    InvalidRequestHash,
    /// A rejection without any error or observation.
    #[error("a rejection needs at least one error or observation")]
    RejectionReasonRequired,
    /// A number release without a reason.
    #[error("a number release needs a reason")]
    ReleaseReasonRequired,
    /// A document record without a 64-digit hex SHA-256, a key, a size or a template version.
    #[error("a document needs its hex sha-256, its size, its key and its template version")]
    InvalidDocument,
    /// Other bytes than the recorded ones for a template version already rendered.
    #[error("template version {template_version} already rendered this invoice to other bytes")]
    DocumentMismatch {
        /// The template version.
        template_version: String,
    },
}

impl ErrorCode for InvoiceError {
    fn kind(&self) -> RejectionKind {
        use InvoiceError::*;
        match self {
            AlreadyRequested
            | AlreadyAuthorized
            | InvalidTransition { .. }
            | DocumentMismatch { .. } => RejectionKind::Conflict,
            NotRequested { .. } => RejectionKind::NotFound,
            _ => RejectionKind::Invalid,
        }
    }

    fn code(&self) -> &'static str {
        InvoiceError::code(self)
    }

    fn field(&self) -> Option<Cow<'static, str>> {
        InvoiceError::field(self)
    }
}

impl InvoiceError {
    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        use InvoiceError::*;
        match self {
            AlreadyRequested => "already_requested",
            NotRequested { .. } => "not_requested",
            UnknownPointOfSale(_) => "unknown_point_of_sale",
            LetterNotAllowedForIssuer { .. } => "letter_not_allowed_for_issuer",
            LetterNotAllowedForReceiver { .. } => "letter_not_allowed_for_receiver",
            ReceiverCuitRequired(_) => "receiver_cuit_required",
            InvalidReceiverCuit { .. } => "invalid_cuit",
            InvalidDocumentNumber(_) => "invalid_document_number",
            ReceiverIsIssuer => "receiver_is_issuer",
            ReceiverIdentificationRequired { .. } => "receiver_identification_required",
            ReceiverAddressTooLong(_) => "invalid_address",
            InvalidEmailOutcome => "invalid_email_outcome",
            ServiceDatesRequired => "service_dates_required",
            ServiceDatesNotAllowed => "service_dates_not_allowed",
            InvalidPeriod(_) => "invalid_period",
            PaymentDueBeforeIssueDate => "payment_due_before_issue_date",
            VoucherDateOutOfWindow { .. } => "voucher_date_out_of_window",
            AssociatedVoucherRequired => "associated_voucher_required",
            AssociatedPeriodNotAllowed => "associated_period_not_allowed",
            InvalidAssociatedVoucher(_) => "invalid_associated_voucher",
            InvalidExchangeRate(e) => e.code(),
            NoItems => "items_required",
            ItemDescriptionRequired(_) => "item_description_required",
            InvalidQuantity(_) => "invalid_quantity",
            DiscountExceedsAmount(_) => "discount_exceeds_amount",
            IvaRateRequired(_) => "iva_rate_required",
            IvaOnCVoucher(_) => "iva_on_c_voucher",
            TributeDescriptionRequired(_) => "tribute_description_required",
            AmountTooLarge(_) => "amount_too_large",
            TotalsMismatch { .. } => "totals_mismatch",
            InvalidTransition { .. } => "invalid_transition",
            AlreadyAuthorized => "already_authorized",
            InvalidVoucherNumber(_) => "invalid_voucher_number",
            NumberMismatch { .. } => "number_mismatch",
            InvalidCae => "invalid_cae",
            InvalidRequestHash => "invalid_request_hash",
            RejectionReasonRequired => "rejection_reason_required",
            ReleaseReasonRequired => "release_reason_required",
            InvalidDocument => "invalid_document",
            DocumentMismatch { .. } => "document_mismatch",
        }
    }

    /// The request field at fault (`receiver.document_number`, `items[2].iva_rate`, `totals.total` …).
    pub fn field(&self) -> Option<Cow<'static, str>> {
        use InvoiceError::*;
        let item = |i: &usize, name: &str| Some(Cow::Owned(format!("items[{i}].{name}")));
        let fixed = |name: &'static str| Some(Cow::Borrowed(name));
        match self {
            AlreadyRequested
            | NotRequested { .. }
            | InvalidTransition { .. }
            | AlreadyAuthorized
            | InvalidDocument
            | InvalidEmailOutcome
            | DocumentMismatch { .. } => None,
            ReceiverAddressTooLong(_) => fixed("receiver.address"),
            InvalidRequestHash => fixed("request_hash"),
            RejectionReasonRequired => fixed("errors"),
            ReleaseReasonRequired => fixed("reason"),
            UnknownPointOfSale(_) => fixed("point_of_sale"),
            LetterNotAllowedForIssuer { .. } => fixed("voucher_type"),
            LetterNotAllowedForReceiver { .. } => fixed("receiver.iva_condition"),
            ReceiverCuitRequired(_) | ReceiverIdentificationRequired { .. } => {
                fixed("receiver.document_type")
            }
            InvalidReceiverCuit { .. } | InvalidDocumentNumber(_) | ReceiverIsIssuer => {
                fixed("receiver.document_number")
            }
            ServiceDatesRequired | ServiceDatesNotAllowed => fixed("service_period"),
            InvalidPeriod(field) => fixed(field),
            PaymentDueBeforeIssueDate => fixed("service_period.payment_due"),
            VoucherDateOutOfWindow { .. } => fixed("issue_date"),
            AssociatedVoucherRequired => fixed("associated"),
            AssociatedPeriodNotAllowed => fixed("associated_period"),
            InvalidAssociatedVoucher(i) => Some(Cow::Owned(format!("associated[{i}]"))),
            InvalidExchangeRate(_) => fixed("exchange_rate"),
            NoItems => fixed("items"),
            ItemDescriptionRequired(i) => item(i, "description"),
            InvalidQuantity(i) => item(i, "quantity"),
            DiscountExceedsAmount(i) => item(i, "discount"),
            IvaRateRequired(i) | IvaOnCVoucher(i) => item(i, "iva_rate"),
            TributeDescriptionRequired(i) => Some(Cow::Owned(format!("tributes[{i}].description"))),
            AmountTooLarge(field) => Some(field.clone()),
            TotalsMismatch { field, .. } => fixed(field.path()),
            InvalidVoucherNumber(_) | NumberMismatch { .. } => fixed("number"),
            InvalidCae => fixed("cae"),
        }
    }
}
