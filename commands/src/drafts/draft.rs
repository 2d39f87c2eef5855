//! What a draft holds, and the context it is read in.

use std::collections::BTreeMap;

use domain::invoice::AssociatedVoucher;
use domain::values::{
    Concept, Currency, DocType, IssuerIvaCondition, IvaCondition, IvaRate, Money, VoucherType,
};
use rust_decimal::Decimal;
use time::Date;

/// Longer texts are refused with `text_too_long`.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// A receiver the tenant has invoiced before, matched by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownReceiver {
    /// The name as the tenant wrote it.
    pub name: String,
    /// Its document type.
    pub doc_type: DocType,
    /// Its document number.
    pub doc_number: u64,
    /// Its IVA condition.
    pub iva_condition: IvaCondition,
}

/// What the parser knows besides the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftContext {
    /// Today in Argentina.
    pub today: Date,
    /// Receivers of the tenant's earlier invoices.
    pub known_receivers: Vec<KnownReceiver>,
    /// The issuer's IVA condition, when known: it decides letters A/B/C.
    pub issuer: Option<IssuerIvaCondition>,
}

/// The fields of a draft, for confidence, `missing` and problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// The text itself.
    Text,
    /// Voucher type (letter and kind).
    VoucherType,
    /// Products, services or both.
    Concept,
    /// The receiver's name.
    ReceiverName,
    /// The receiver's document type and number.
    ReceiverDocument,
    /// The receiver's IVA condition.
    ReceiverIvaCondition,
    /// The items.
    Items,
    /// The currency.
    Currency,
    /// The exchange rate of a foreign currency.
    ExchangeRate,
    /// The service period.
    ServicePeriod,
    /// The payment due date.
    PaymentDue,
    /// The voucher a note refers to.
    Associated,
}

impl Field {
    /// The field's stable name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::VoucherType => "voucher_type",
            Self::Concept => "concept",
            Self::ReceiverName => "receiver.name",
            Self::ReceiverDocument => "receiver.document",
            Self::ReceiverIvaCondition => "receiver.iva_condition",
            Self::Items => "items",
            Self::Currency => "currency",
            Self::ExchangeRate => "exchange_rate",
            Self::ServicePeriod => "service_period",
            Self::PaymentDue => "payment_due",
            Self::Associated => "associated",
        }
    }
}

/// The receiver as far as the text tells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftReceiver {
    /// Name or company name.
    pub name: Option<String>,
    /// Document type (99 for an unidentified consumidor final).
    pub doc_type: Option<DocType>,
    /// Document number (0 with type 99).
    pub doc_number: Option<u64>,
    /// IVA condition.
    pub iva_condition: Option<IvaCondition>,
}

/// One line of the draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftItem {
    /// What is sold.
    pub description: String,
    /// How many.
    pub quantity: Decimal,
    /// Unit price net of IVA (the price as read for class C).
    pub unit_price: Money,
    /// IVA rate; none for class C.
    pub iva_rate: Option<IvaRate>,
}

/// Service dates (concepts 2 and 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceDates {
    /// First day.
    pub from: Date,
    /// Last day.
    pub to: Date,
}

/// A field-level problem with a stable code (the domain's code where a rule exists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftProblem {
    /// The field at fault.
    pub field: Field,
    /// Stable snake_case code.
    pub code: &'static str,
    /// What is wrong, in Spanish.
    pub detail: String,
}

/// A draft read from a text. Only a draft: issuing is a separate, explicit step.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// Voucher type, when known or derivable.
    pub voucher_type: Option<VoucherType>,
    /// Concept.
    pub concept: Option<Concept>,
    /// Receiver.
    pub receiver: DraftReceiver,
    /// Items.
    pub items: Vec<DraftItem>,
    /// Currency (pesos unless another is named).
    pub currency: Currency,
    /// Exchange rate, when given.
    pub exchange_rate: Option<Decimal>,
    /// Service period.
    pub service_period: Option<ServiceDates>,
    /// Payment due date.
    pub payment_due: Option<Date>,
    /// The voucher a note refers to.
    pub associated: Option<AssociatedVoucher>,
    /// Confidence per field, 0..=1.
    pub confidence: BTreeMap<Field, f32>,
    /// What was assumed, in Spanish sentences.
    pub assumed: Vec<String>,
    /// Names of required fields that are missing.
    pub missing: Vec<String>,
    /// Problems found by the domain's rules.
    pub problems: Vec<DraftProblem>,
}

impl Draft {
    pub(super) fn empty() -> Self {
        Self {
            voucher_type: None,
            concept: None,
            receiver: DraftReceiver::default(),
            items: Vec::new(),
            currency: Currency::PES,
            exchange_rate: None,
            service_period: None,
            payment_due: None,
            associated: None,
            confidence: BTreeMap::new(),
            assumed: Vec::new(),
            missing: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// The confidence of a field (0 when it was not read).
    pub fn confidence_of(&self, field: Field) -> f32 {
        self.confidence.get(&field).copied().unwrap_or(0.0)
    }

    pub(super) fn set_confidence(&mut self, field: Field, value: f32) {
        self.confidence.insert(field, value);
    }

    pub(super) fn assume(&mut self, sentence: &str) {
        if !self.assumed.iter().any(|s| s == sentence) {
            self.assumed.push(sentence.to_owned());
        }
    }

    pub(super) fn problem(&mut self, field: Field, code: &'static str, detail: &str) {
        self.problems.push(DraftProblem {
            field,
            code,
            detail: detail.to_owned(),
        });
    }

    /// Fills `missing` with the required fields that were not read.
    pub(super) fn finish_missing(&mut self) {
        let services = self.concept.is_some_and(Concept::includes_services);
        let class_a = self
            .voucher_type
            .is_some_and(|v| v.class() == domain::values::VoucherClass::A);
        let checks = [
            (Field::VoucherType, self.voucher_type.is_none()),
            (Field::Concept, self.concept.is_none()),
            (
                Field::ReceiverDocument,
                self.receiver.doc_type.is_none()
                    || self.receiver.doc_number.is_none()
                    || (class_a && self.receiver.doc_type != Some(DocType::Cuit)),
            ),
            (
                Field::ReceiverIvaCondition,
                self.receiver.iva_condition.is_none(),
            ),
            (Field::Items, self.items.is_empty()),
            (
                Field::ExchangeRate,
                !self.currency.is_pesos() && self.exchange_rate.is_none(),
            ),
            (
                Field::ServicePeriod,
                services && self.service_period.is_none(),
            ),
            (Field::PaymentDue, services && self.payment_due.is_none()),
            (
                Field::Associated,
                self.voucher_type.is_some_and(VoucherType::is_note) && self.associated.is_none(),
            ),
        ];
        self.missing = checks
            .into_iter()
            .filter(|(_, missing)| *missing)
            .map(|(field, _)| field.name().to_owned())
            .collect();
    }
}
