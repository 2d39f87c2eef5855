//! The JSON shapes of `/v1/invoices`: what a client sends and what it gets back.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Body of `POST /v1/invoices`. Amounts are decimal strings (`"1210.50"`); numbers are accepted too.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestInvoiceBody {
    /// The issuer, registered with `POST /v1/taxpayers`.
    #[schema(value_type = crate::shapes::Cuit)]
    pub issuer_cuit: String,
    /// A point of sale registered for the issuer.
    #[schema(minimum = 1, maximum = 99998, example = 1)]
    pub point_of_sale: u32,
    /// ARCA voucher type code (`CbteTipo`): 1 Factura A, 6 Factura B, 11 Factura C, 3/8/13 credit notes …
    #[schema(example = 6, minimum = 1, maximum = 999)]
    pub voucher_type: u16,
    /// 1 products, 2 services, 3 both.
    #[schema(example = 1, minimum = 1, maximum = 3)]
    pub concept: u8,
    /// `YYYY-MM-DD`; defaults to today in Argentina.
    #[schema(value_type = Option<crate::shapes::CalendarDate>)]
    pub issue_date: Option<String>,
    /// Who buys.
    pub receiver: ReceiverBody,
    /// Required for services (concepts 2 and 3), refused for products.
    pub service_period: Option<ServicePeriodBody>,
    /// ARCA currency code (`PES`, `DOL`, `060` …); defaults to `PES`.
    #[schema(value_type = Option<crate::shapes::CurrencyCode>)]
    pub currency: Option<String>,
    /// Pesos per unit of `currency`; defaults to 1 and must be 1 for `PES`.
    #[serde(default, with = "domain::values::decimal::option")]
    #[schema(value_type = Option<crate::shapes::DecimalString>)]
    pub exchange_rate: Option<Decimal>,
    /// What is sold; at least one line.
    #[schema(min_items = 1)]
    pub items: Vec<ItemBody>,
    /// Other taxes (percepciones, impuestos internos …).
    #[serde(default)]
    pub tributes: Vec<TributeBody>,
    /// The vouchers a credit or debit note refers to.
    #[serde(default)]
    pub associated_vouchers: Vec<AssociatedVoucherBody>,
    /// Or the period a credit or debit note refers to.
    pub associated_period: Option<PeriodBody>,
    /// The client's own totals; when given they must match the computed ones (±0.01).
    pub totals: Option<DeclaredTotalsBody>,
}

/// The receiver of a voucher.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiverBody {
    /// ARCA document type (`DocTipo`): 80 CUIT, 86 CUIL, 96 DNI, 99 unidentified final consumer …
    #[schema(example = 99, maximum = 999)]
    pub document_type: u16,
    /// The document number, digits only; `"0"` with type 99.
    #[schema(value_type = crate::shapes::DocumentNumber)]
    pub document_number: String,
    /// Name, shown on the voucher.
    #[schema(value_type = Option<crate::shapes::Text200>)]
    pub name: Option<String>,
    /// `CondicionIVAReceptorId` (RG 5616): 1 RI, 4 exento, 5 consumidor final, 6 monotributo …
    #[schema(example = 5, maximum = 999)]
    pub iva_condition: u16,
    /// Where the voucher's PDF is emailed once it exists (when the deployment sends email);
    /// anything but a plain address is refused with `invalid_email`.
    #[schema(value_type = Option<crate::shapes::EmailAddress>)]
    pub email: Option<String>,
    /// Postal address, printed on the voucher.
    #[schema(value_type = Option<crate::shapes::Text300>)]
    pub address: Option<String>,
}

/// Service period and payment due date.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServicePeriodBody {
    /// First day of the service, `YYYY-MM-DD`.
    #[schema(value_type = crate::shapes::CalendarDate)]
    pub from: String,
    /// Last day of the service.
    #[schema(value_type = crate::shapes::CalendarDate)]
    pub to: String,
    /// Payment due date, not before the issue date.
    #[schema(value_type = crate::shapes::CalendarDate)]
    pub payment_due: String,
}

/// A period, `YYYY-MM-DD` to `YYYY-MM-DD`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodBody {
    /// First day.
    #[schema(value_type = crate::shapes::CalendarDate)]
    pub from: String,
    /// Last day.
    #[schema(value_type = crate::shapes::CalendarDate)]
    pub to: String,
}

/// One line of the voucher.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemBody {
    /// What is sold.
    #[schema(value_type = crate::shapes::Text)]
    pub description: String,
    /// How many, > 0.
    #[serde(with = "domain::values::decimal")]
    #[schema(value_type = crate::shapes::DecimalString)]
    pub quantity: Decimal,
    /// Price of one unit: net of IVA on A and B vouchers, final on C vouchers.
    #[serde(with = "domain::values::decimal")]
    #[schema(value_type = crate::shapes::DecimalString)]
    pub unit_price: Decimal,
    /// Discount on the line, in currency.
    #[serde(default, with = "domain::values::decimal::option")]
    #[schema(value_type = Option<crate::shapes::DecimalString>)]
    pub discount: Option<Decimal>,
    /// `"21"`, `"10.5"`, `"27"`, `"5"`, `"2.5"`, `"0"`, `"exempt"` or `"not_taxed"`; absent on C vouchers.
    #[schema(value_type = Option<crate::shapes::IvaRate>)]
    pub iva_rate: Option<String>,
}

/// Another tax on the voucher.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TributeBody {
    /// ARCA tribute code: 1 national, 2 provincial, 3 municipal, 4 internos, 5 IIBB, 6 percepción IVA … 99 other.
    #[schema(maximum = 999)]
    pub kind: u16,
    /// Required for kind 99.
    #[schema(value_type = Option<crate::shapes::Text>)]
    pub description: Option<String>,
    /// Taxable base.
    #[serde(with = "domain::values::decimal")]
    #[schema(value_type = crate::shapes::DecimalString)]
    pub base: Decimal,
    /// Rate in percent, if any.
    #[serde(default, with = "domain::values::decimal::option")]
    #[schema(value_type = Option<crate::shapes::DecimalString>)]
    pub rate: Option<Decimal>,
    /// Amount of the tax.
    #[serde(with = "domain::values::decimal")]
    #[schema(value_type = crate::shapes::DecimalString)]
    pub amount: Decimal,
}

/// A voucher a note refers to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssociatedVoucherBody {
    /// Its ARCA voucher type code.
    #[schema(minimum = 1, maximum = 999)]
    pub voucher_type: u16,
    /// Its point of sale.
    #[schema(minimum = 1, maximum = 99998)]
    pub point_of_sale: u32,
    /// Its number.
    #[schema(minimum = 1, maximum = 99999999)]
    pub number: u64,
    /// Its issuer, if not the same.
    #[schema(value_type = Option<crate::shapes::Cuit>)]
    pub cuit: Option<String>,
    /// Its date, `YYYY-MM-DD`.
    #[schema(value_type = Option<crate::shapes::CalendarDate>)]
    pub date: Option<String>,
}

/// Totals as the client computed them.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclaredTotalsBody {
    /// `ImpTotConc`.
    #[serde(default, with = "domain::values::decimal::option")]
    #[schema(value_type = Option<crate::shapes::DecimalString>)]
    pub not_taxed: Option<Decimal>,
    /// `ImpNeto`.
    #[serde(default, with = "domain::values::decimal::option")]
    #[schema(value_type = Option<crate::shapes::DecimalString>)]
    pub net: Option<Decimal>,
    /// `ImpOpEx`.
    #[serde(default, with = "domain::values::decimal::option")]
    #[schema(value_type = Option<crate::shapes::DecimalString>)]
    pub exempt: Option<Decimal>,
    /// `ImpTrib`.
    #[serde(default, with = "domain::values::decimal::option")]
    #[schema(value_type = Option<crate::shapes::DecimalString>)]
    pub tributes: Option<Decimal>,
    /// `ImpIVA`.
    #[serde(default, with = "domain::values::decimal::option")]
    #[schema(value_type = Option<crate::shapes::DecimalString>)]
    pub iva: Option<Decimal>,
    /// `ImpTotal`.
    #[serde(default, with = "domain::values::decimal::option")]
    #[schema(value_type = Option<crate::shapes::DecimalString>)]
    pub total: Option<Decimal>,
}

/// Totals of a voucher, as ARCA adds them up.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TotalsView {
    /// Not taxed (`ImpTotConc`).
    pub not_taxed: String,
    /// Taxed net (`ImpNeto`).
    pub net: String,
    /// Exempt (`ImpOpEx`).
    pub exempt: String,
    /// Other taxes (`ImpTrib`).
    pub tributes: String,
    /// IVA (`ImpIVA`).
    pub iva: String,
    /// Total (`ImpTotal`).
    pub total: String,
}

/// IVA of one rate.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct IvaLineView {
    /// The rate, such as `"21"`.
    pub rate: String,
    /// ARCA's id for the rate (`AlicIva/Id`).
    pub arca_id: u16,
    /// Taxable base.
    pub base: String,
    /// IVA amount.
    pub amount: String,
}

/// The answer to `POST /v1/invoices`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvoiceAccepted {
    /// The invoice's id.
    pub id: uuid::Uuid,
    /// `requested` until the saga numbers it and ARCA answers.
    pub status: String,
    /// ARCA voucher type code.
    pub voucher_type: u16,
    /// A, B, C or M.
    pub letter: String,
    /// Point of sale.
    pub point_of_sale: u32,
    /// Computed totals.
    pub totals: TotalsView,
    /// IVA per rate.
    pub iva: Vec<IvaLineView>,
}
