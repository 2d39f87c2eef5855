//! What a printed voucher shows, as plain data. The caller fills it from the invoices read model
//! (`rm.invoices` with its items and IVA lines) and the issuer's profile; names and types follow
//! that row. Amounts are in the voucher's currency, as ARCA authorized them: the renderer prints
//! them and never recomputes a total.

use rust_decimal::Decimal;
use time::Date;

/// An authorized voucher, ready to print.
#[derive(Debug, Clone, PartialEq)]
pub struct Voucher {
    /// Who issues it.
    pub issuer: Issuer,
    /// ARCA voucher type (`CbteTipo`); its letter, name and code are printed from it.
    pub voucher_type: u16,
    /// Point of sale.
    pub point_of_sale: u32,
    /// Voucher number.
    pub number: u64,
    /// The voucher's date.
    pub issue_date: Date,
    /// 1 products, 2 services, 3 both.
    pub concept: u8,
    /// Service period and payment due date, for concepts 2 and 3.
    pub service_period: Option<ServicePeriod>,
    /// Who receives it.
    pub receiver: Receiver,
    /// `Contado`, `Cuenta corriente` …; not printed when absent.
    pub sale_condition: Option<String>,
    /// The lines, in request order.
    pub items: Vec<Item>,
    /// Base and IVA per rate (classes A, B and M).
    pub iva: Vec<IvaLine>,
    /// Taxes other than IVA.
    pub tributes: Vec<Tribute>,
    /// The totals ARCA authorized.
    pub totals: Totals,
    /// The currency of every amount, with its exchange rate.
    pub currency: Currency,
    /// Vouchers a credit or debit note adjusts.
    pub associated_vouchers: Vec<AssociatedVoucher>,
    /// The period a note adjusts, when it adjusts a period rather than vouchers.
    pub associated_period: Option<Period>,
    /// The CAE and the QR.
    pub authorization: Authorization,
}

/// The issuing taxpayer.
#[derive(Debug, Clone, PartialEq)]
pub struct Issuer {
    /// Razón social.
    pub legal_name: String,
    /// Domicilio comercial.
    pub address: String,
    /// Its IVA condition, as ARCA's `CondicionIVAReceptorId` code (1 Responsable Inscripto,
    /// 4 Exento, 6 Monotributo …).
    pub iva_condition: u16,
    /// CUIT, 11 digits.
    pub cuit: u64,
    /// Ingresos Brutos registration number, when known.
    pub gross_income_number: Option<String>,
    /// Fecha de inicio de actividades, when known.
    pub activities_start: Option<Date>,
}

/// The receiving party.
#[derive(Debug, Clone, PartialEq)]
pub struct Receiver {
    /// ARCA document type (`DocTipo`: 80 CUIT, 96 DNI, 99 none …).
    pub doc_type: u16,
    /// Document number (0 when none).
    pub doc_number: u64,
    /// Name or razón social.
    pub name: Option<String>,
    /// `CondicionIVAReceptorId`.
    pub iva_condition: u16,
    /// Domicilio.
    pub address: Option<String>,
}

/// When services were provided and when they are due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServicePeriod {
    /// First day of service.
    pub from: Date,
    /// Last day of service.
    pub to: Date,
    /// Payment due date.
    pub payment_due: Date,
}

/// A date range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: Date,
    /// Last day.
    pub to: Date,
}

/// One line.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// What was sold.
    pub description: String,
    /// How many.
    pub quantity: Decimal,
    /// Price of one, without IVA.
    pub unit_price: Decimal,
    /// Discount on the whole line.
    pub discount: Option<Decimal>,
    /// How IVA treats the line; `None` on class C.
    pub iva: Option<LineIva>,
    /// The line's net: quantity × unit price − discount, rounded.
    pub net: Decimal,
}

/// How IVA treats one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineIva {
    /// Taxed at a rate, in percent (21, 10.5 …).
    Taxed(Decimal),
    /// Exento.
    Exempt,
    /// No gravado.
    NotTaxed,
}

impl LineIva {
    /// Reads the read model's form: `"21"`, `"10.5"`, `"exempt"`, `"not_taxed"`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "exempt" => Some(Self::Exempt),
            "not_taxed" => Some(Self::NotTaxed),
            rate => rate.parse::<Decimal>().ok().map(Self::Taxed),
        }
    }
}

/// The IVA of one rate.
#[derive(Debug, Clone, PartialEq)]
pub struct IvaLine {
    /// The rate, in percent (0, 2.5, 5, 10.5, 21, 27).
    pub rate: Decimal,
    /// Taxable base.
    pub base: Decimal,
    /// IVA amount.
    pub amount: Decimal,
}

/// A tax other than IVA.
#[derive(Debug, Clone, PartialEq)]
pub struct Tribute {
    /// ARCA tribute code (`Tributo/Id`: 1 national, 2 provincial, 4 internal, 99 other …).
    pub kind: u16,
    /// ARCA's `Desc`, printed instead of the kind's name when given.
    pub description: Option<String>,
    /// Taxable base.
    pub base: Decimal,
    /// Rate in percent, when the tribute has one.
    pub rate: Option<Decimal>,
    /// Amount.
    pub amount: Decimal,
}

/// The totals, as ARCA authorized them.
#[derive(Debug, Clone, PartialEq)]
pub struct Totals {
    /// Taxed net (`ImpNeto`).
    pub net: Decimal,
    /// Not taxed (`ImpTotConc`).
    pub not_taxed: Decimal,
    /// Exempt (`ImpOpEx`).
    pub exempt: Decimal,
    /// Other taxes (`ImpTrib`).
    pub tributes: Decimal,
    /// IVA (`ImpIVA`).
    pub iva: Decimal,
    /// Total (`ImpTotal`).
    pub total: Decimal,
}

/// The voucher's currency.
#[derive(Debug, Clone, PartialEq)]
pub struct Currency {
    /// ARCA currency code (`PES`, `DOL`, `060` …).
    pub code: String,
    /// ARCA's name for it (`Dólar Estadounidense`).
    pub name: String,
    /// Pesos per unit of the currency (1 for `PES`).
    pub exchange_rate: Decimal,
}

impl Currency {
    /// Argentine pesos.
    pub fn pesos() -> Self {
        Self {
            code: "PES".to_owned(),
            name: "Pesos Argentinos".to_owned(),
            exchange_rate: Decimal::ONE,
        }
    }

    /// Whether this is the peso.
    pub fn is_pesos(&self) -> bool {
        self.code == "PES"
    }
}

/// A voucher a note refers to.
#[derive(Debug, Clone, PartialEq)]
pub struct AssociatedVoucher {
    /// ARCA voucher type.
    pub voucher_type: u16,
    /// Point of sale.
    pub point_of_sale: u32,
    /// Number.
    pub number: u64,
    /// Its issuer's CUIT, when given.
    pub cuit: Option<u64>,
    /// Its date, when given.
    pub date: Option<Date>,
}

/// What ARCA granted.
#[derive(Debug, Clone, PartialEq)]
pub struct Authorization {
    /// The CAE (14 digits).
    pub cae: String,
    /// The CAE's due date.
    pub cae_due_date: Date,
    /// The RG 4892 QR URL, as the read model computes it; drawn as given.
    pub qr_url: String,
}
