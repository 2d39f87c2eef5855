//! The parts of an invoice that its request and its events share: the receiver, the service
//! period, a date range, other taxes and associated vouchers. Both `commands` and `events` use
//! them; neither of those two files uses the other for them.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::values::{Cuit, DocType, EmailAddress, IvaCondition, Money, TributeKind, VoucherType};

/// The longest receiver address (`receiver.address`), in characters.
pub const MAX_ADDRESS_LEN: usize = 300;

/// The receiver of a voucher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Receiver {
    /// `DocTipo`.
    #[serde(rename = "document_type")]
    pub doc_type: DocType,
    /// `DocNro`; 0 for an unidentified receiver (99).
    #[serde(rename = "document_number")]
    pub doc_number: u64,
    /// Name or razón social, for the printed voucher.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `CondicionIVAReceptorId`.
    pub iva_condition: IvaCondition,
    /// Where the voucher is emailed once its PDF exists (since `invoice.requested` v2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailAddress>,
    /// Postal address, for the printed voucher; at most [`MAX_ADDRESS_LEN`] characters (since
    /// `invoice.requested` v2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// When services were provided and when they are due (`FchServDesde`, `FchServHasta`, `FchVtoPago`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ServicePeriod {
    /// First day of service.
    #[serde(with = "crate::values::date")]
    #[schemars(schema_with = "crate::values::date::schema")]
    pub from: Date,
    /// Last day of service; not before `from`.
    #[serde(with = "crate::values::date")]
    #[schemars(schema_with = "crate::values::date::schema")]
    pub to: Date,
    /// Payment due date; not before the issue date.
    #[serde(with = "crate::values::date")]
    #[schemars(schema_with = "crate::values::date::schema")]
    pub payment_due: Date,
}

/// A date range (`PeriodoAsoc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Period {
    /// First day.
    #[serde(with = "crate::values::date")]
    #[schemars(schema_with = "crate::values::date::schema")]
    pub from: Date,
    /// Last day; not before `from`.
    #[serde(with = "crate::values::date")]
    #[schemars(schema_with = "crate::values::date::schema")]
    pub to: Date,
}

/// A tax other than IVA (`Tributo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Tribute {
    /// `Tributo/Id`.
    pub kind: TributeKind,
    /// `Desc`; required for kind 99 ("Otro").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `BaseImp`.
    pub base: Money,
    /// `Alic`, a percentage, when the tribute has one.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::values::decimal::option"
    )]
    #[schemars(with = "Option<Decimal>")]
    pub rate: Option<Decimal>,
    /// `Importe`.
    pub amount: Money,
}

/// A voucher this one refers to (`CbteAsoc`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AssociatedVoucher {
    /// `Tipo`.
    pub voucher_type: VoucherType,
    /// `PtoVta`, 1..=99998.
    pub point_of_sale: u32,
    /// `Nro`, 1..=99999999.
    pub number: u64,
    /// `Cuit` of its issuer, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cuit: Option<Cuit>,
    /// `CbteFch`, when given.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::values::date::option"
    )]
    #[schemars(schema_with = "crate::values::date::option::schema")]
    pub date: Option<Date>,
}
