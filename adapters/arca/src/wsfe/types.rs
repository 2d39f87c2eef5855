//! WSFEv1 data in English names; the codes are ARCA's (see ARCA.md §5).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::Date;

time::serde::format_description!(pub(crate) ymd, Date, "[year][month][day]");

/// `Option<Date>` as `"yyyymmdd"` or `null`.
pub(crate) mod opt_ymd {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&super::super::codec::fmt_date(*d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(t) => super::super::codec::parse_date(&t)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("{t:?} is not a yyyymmdd date"))),
        }
    }
}

/// Credentials of every call but FEDummy: the ticket's token and sign and the CUIT acted for.
#[derive(Clone, PartialEq, Eq)]
pub struct Auth {
    pub token: String,
    pub sign: String,
    pub cuit: u64,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("cuit", &self.cuit)
            .finish_non_exhaustive()
    }
}

/// A code and message from `Errors/Err`, `Events/Evt` or `Observaciones/Obs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Code {
    pub code: i32,
    pub msg: String,
}

/// Any answer: the payload (absent when ARCA sent only errors), plus errors and events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer<T> {
    pub data: Option<T>,
    pub errors: Vec<Code>,
    pub events: Vec<Code>,
}

impl<T> Answer<T> {
    /// True when ARCA reported an error with this code.
    pub fn has_error(&self, code: i32) -> bool {
        self.errors.iter().any(|e| e.code == code)
    }
}

/// `CbteAsoc`: a voucher this one refers to (credit/debit notes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssociatedVoucher {
    pub voucher_type: u16,
    pub point_of_sale: u32,
    pub number: u64,
    pub cuit: Option<u64>,
    #[serde(with = "opt_ymd", default)]
    pub date: Option<Date>,
}

/// `Tributo`: another tax on the voucher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherTax {
    pub id: u16,
    pub description: Option<String>,
    pub base: Option<Decimal>,
    pub rate: Option<Decimal>,
    pub amount: Decimal,
}

/// `AlicIva`: one VAT rate line (`id` from FEParamGetTiposIva: 3 = 0 %, 4 = 10.5 %, 5 = 21 % …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatLine {
    pub id: u16,
    pub base: Decimal,
    pub amount: Decimal,
}

/// `Opcional`: an optional datum by id (e.g. 2101 CBU for FCE).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionalField {
    pub id: String,
    pub value: String,
}

/// `Comprador`: a buyer and its share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buyer {
    pub doc_type: u16,
    pub doc_number: u64,
    pub share: Decimal,
}

/// One voucher (`FECAEDetRequest`, and the echo inside FECompConsultar).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherDetail {
    /// `Concepto`: 1 products, 2 services, 3 both.
    pub concept: u8,
    pub doc_type: u16,
    pub doc_number: u64,
    pub number_from: u64,
    pub number_to: u64,
    #[serde(with = "opt_ymd", default)]
    pub date: Option<Date>,
    pub total: Decimal,
    /// `ImpTotConc`: amount not taxed.
    pub untaxed: Decimal,
    pub net: Decimal,
    /// `ImpOpEx`: exempt amount.
    pub exempt: Decimal,
    /// `ImpTrib`.
    pub other_taxes_total: Decimal,
    /// `ImpIVA`.
    pub vat_total: Decimal,
    #[serde(with = "opt_ymd", default)]
    pub service_from: Option<Date>,
    #[serde(with = "opt_ymd", default)]
    pub service_to: Option<Date>,
    #[serde(with = "opt_ymd", default)]
    pub payment_due: Option<Date>,
    /// `MonId` (PES, DOL, 060 …).
    pub currency: String,
    pub exchange_rate: Option<Decimal>,
    /// `CanMisMonExt` (S/N).
    pub paid_in_same_currency: Option<String>,
    /// `CondicionIVAReceptorId` (RG 5616).
    pub receiver_vat_condition: Option<u16>,
    pub associated: Vec<AssociatedVoucher>,
    pub other_taxes: Vec<OtherTax>,
    pub vat: Vec<VatLine>,
    pub optionals: Vec<OptionalField>,
    pub buyers: Vec<Buyer>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub associated_period: Option<(Date, Date)>,
    pub activities: Vec<u64>,
}

/// FECAESolicitar: one point of sale, one voucher type, up to `FECompTotXRequest` details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaeRequest {
    pub point_of_sale: u32,
    pub voucher_type: u16,
    pub details: Vec<VoucherDetail>,
}

/// `Resultado`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// `A`
    Approved,
    /// `R`
    Rejected,
    /// `P`: some details approved, some rejected.
    Partial,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Self::Approved => "A",
            Self::Rejected => "R",
            Self::Partial => "P",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "A" => Some(Self::Approved),
            "R" => Some(Self::Rejected),
            "P" => Some(Self::Partial),
            _ => None,
        }
    }
}

/// `FeCabResp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaeHeader {
    pub cuit: u64,
    pub point_of_sale: u32,
    pub voucher_type: u16,
    /// `yyyymmddhhmmss`.
    pub processed_at: String,
    pub count: u32,
    pub outcome: Outcome,
    pub reprocessed: String,
}

/// `FECAEDetResponse` (and `FECAEADetResponse`, whose code is the CAEA).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaeDetail {
    pub concept: u8,
    pub doc_type: u16,
    pub doc_number: u64,
    pub number_from: u64,
    pub number_to: u64,
    #[serde(with = "opt_ymd", default)]
    pub date: Option<Date>,
    pub outcome: Outcome,
    pub observations: Vec<Code>,
    /// The CAE (or CAEA), `None` when rejected.
    pub code: Option<String>,
    #[serde(with = "opt_ymd", default)]
    pub code_due: Option<Date>,
}

/// FECAESolicitar / FECAEARegInformativo answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaeResponse {
    pub header: Option<CaeHeader>,
    pub details: Vec<CaeDetail>,
}

/// FECompConsultar's `ResultGet`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoucherRecord {
    pub detail: VoucherDetail,
    pub outcome: Outcome,
    pub authorization_code: String,
    /// `CAE` or `CAEA`.
    pub emission_type: String,
    #[serde(with = "opt_ymd", default)]
    pub due: Option<Date>,
    pub processed_at: String,
    pub observations: Vec<Code>,
    pub point_of_sale: u32,
    pub voucher_type: u16,
}

/// FECompUltimoAutorizado.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastAuthorized {
    pub point_of_sale: u32,
    pub voucher_type: u16,
    pub number: u64,
}

/// FEDummy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerStatus {
    pub app_server: String,
    pub db_server: String,
    pub auth_server: String,
}

/// A row of the `FEParamGetTipos*` tables (dates `yyyymmdd` or the literal `NULL`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParamItem {
    pub id: String,
    pub description: String,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
}

/// FEParamGetPtosVenta row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PointOfSale {
    pub number: u32,
    pub emission_type: String,
    pub blocked: bool,
    pub closed_on: Option<String>,
}

/// FEParamGetCotizacion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExchangeRate {
    pub currency: String,
    pub rate: Decimal,
    #[serde(with = "opt_ymd", default)]
    pub date: Option<Date>,
}

/// FEParamGetCondicionIvaReceptor row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiverVatCondition {
    pub id: u16,
    pub description: String,
    pub classes: String,
}

/// CAEA grant (FECAEASolicitar / FECAEAConsultar `ResultGet`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaeaGrant {
    pub caea: Option<String>,
    pub period: u32,
    pub order: u8,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    pub report_deadline: Option<String>,
    pub processed_at: Option<String>,
    pub observations: Vec<Code>,
}

/// FECAEASinMovimientoInformar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaeaNoActivity {
    pub caea: String,
    pub processed_at: String,
    pub point_of_sale: u32,
    pub outcome: Option<Outcome>,
}
