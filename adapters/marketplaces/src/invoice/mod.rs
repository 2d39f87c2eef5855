//! A [`MarketOrder`] and a connection's settings → an invoice draft of the domain, or a hold with
//! a reason. Never a guess: whatever the order and settings do not say is a [`Held`].
//!
//! Why here and not in `commands/src/orders/`: this translation needs only `domain` values
//! (`Money`, `Cuit`, `IvaRate`, `Item`, `Receiver`, `IssuerSnapshot`, the totals rules) and this
//! crate's own [`MarketOrder`]; it is pure, and `commands` may not name an adapter's types. What
//! *does* belong in `commands` — gating on "paid" once per order stream, keeping the draft for
//! review, submitting with the idempotency key, credit notes for refunds — calls [`map_order`]
//! through a port and is left for the order stream.
//!
//! - [`buyer`]: the buyer's document → `DocTipo` (CUIT/CUIL check digit, DNI) or final consumer.
//! - [`lines`]: lines, discounts and shipping → items with net unit prices and IVA rates.

mod buyer;
mod lines;

use std::collections::BTreeMap;

use domain::invoice::{IssuerSnapshot, Item, Receiver, RequestInvoice};
use domain::values::{
    Concept, Currency, ExchangeRate, IvaCondition, IvaTreatment, Money, VoucherClass, VoucherType,
};
use domain::{InvoiceId, Policy};
use rust_decimal::Decimal;
use time::Date;

use crate::order::MarketOrder;

/// How the platform's prices are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PriceBasis {
    /// As the order says (Shopify's `taxes_included`); tax-inclusive when it says nothing, the
    /// rule for Argentine final prices on Mercado Libre and Tienda Nube.
    #[default]
    FromOrder,
    /// Prices include IVA.
    TaxInclusive,
    /// Prices are net of IVA.
    Net,
}

/// What happens to the shipping the buyer paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shipping {
    /// A line of its own, at this rate (`None`: the default rate).
    OwnLine {
        /// The IVA treatment of the shipping line.
        iva: Option<IvaTreatment>,
    },
    /// Not on our invoice: someone else collects and invoices it (Mercado Envíos, a carrier).
    InvoicedByOthers,
}

/// Per-connection invoicing settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceSettings {
    /// The point of sale invoices are issued from.
    pub point_of_sale: u32,
    /// IVA treatment per SKU (a rate, exempt or not taxed).
    pub iva_by_sku: BTreeMap<String, IvaTreatment>,
    /// The treatment of lines whose SKU has none; `None` holds such orders.
    pub default_iva: Option<IvaTreatment>,
    /// How prices are read.
    pub price_basis: PriceBasis,
    /// What happens to shipping.
    pub shipping: Shipping,
    /// The receiver's IVA condition when the platform gives none (usually Consumidor Final).
    pub assumed_iva_condition: IvaCondition,
    /// The description of the shipping line.
    pub shipping_description: String,
}

impl InvoiceSettings {
    /// Settings for `point_of_sale` with one default rate, tax-inclusive-as-the-order-says prices,
    /// shipping on its own line, buyers assumed final consumers.
    pub fn new(point_of_sale: u32, default_iva: Option<IvaTreatment>) -> Self {
        Self {
            point_of_sale,
            iva_by_sku: BTreeMap::new(),
            default_iva,
            price_basis: PriceBasis::FromOrder,
            shipping: Shipping::OwnLine { iva: None },
            assumed_iva_condition: IvaCondition::ConsumidorFinal,
            shipping_description: "Envío".to_owned(),
        }
    }
}

/// What the mapping needs besides the order and the settings.
#[derive(Debug, Clone)]
pub struct MappingContext<'a> {
    /// The issuer (letters it may issue, its points of sale).
    pub issuer: &'a IssuerSnapshot,
    /// From this total in pesos on, the receiver must be identified
    /// ([`Policy::final_consumer_id_threshold`]).
    pub final_consumer_threshold: Money,
    /// Pesos per unit of the order's currency, from ARCA's `FEParamGetCotizacion`; required for
    /// any currency but pesos.
    pub exchange_rate: Option<Decimal>,
}

impl<'a> MappingContext<'a> {
    /// A context with the policy's threshold.
    pub fn new(
        issuer: &'a IssuerSnapshot,
        policy: &Policy,
        exchange_rate: Option<Decimal>,
    ) -> Self {
        Self {
            issuer,
            final_consumer_threshold: policy.final_consumer_id_threshold,
            exchange_rate,
        }
    }
}

/// An order that maps: everything a [`RequestInvoice`] needs but its id and date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceDraft {
    /// `{platform}:{store}:{order or pack id}`.
    pub idempotency_key: String,
    /// The point of sale.
    pub point_of_sale: u32,
    /// Factura A, B or C, by the issuer's and the receiver's conditions.
    pub voucher_type: VoucherType,
    /// Who receives it.
    pub receiver: Receiver,
    /// ARCA's currency.
    pub currency: Currency,
    /// 1 for pesos; the caller's rate otherwise.
    pub exchange_rate: Decimal,
    /// Items with net unit prices (gross for class C).
    pub items: Vec<Item>,
}

impl InvoiceDraft {
    /// The domain's command, with the id and issue date the caller's context supplies.
    pub fn into_request(
        self,
        invoice_id: InvoiceId,
        issuer: IssuerSnapshot,
        issue_date: Date,
    ) -> RequestInvoice {
        RequestInvoice {
            invoice_id,
            issuer,
            point_of_sale: self.point_of_sale,
            voucher_type: self.voucher_type,
            concept: Concept::Products,
            issue_date,
            receiver: self.receiver,
            service_period: None,
            currency: self.currency,
            exchange_rate: self.exchange_rate,
            items: self.items,
            tributes: Vec::new(),
            associated: Vec::new(),
            associated_period: None,
            declared_totals: None,
        }
    }
}

/// Why an order is held for a person instead of invoiced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldReason {
    /// Not paid (pending, cancelled, or a status we do not know).
    NotPaid,
    /// Sold on another platform that invoices it.
    SoldOnOtherPlatform,
    /// The total needs an identified buyer and the order has none.
    BuyerIdentificationRequired,
    /// The buyer's document is malformed or fails its check digit.
    InvalidBuyerDocument,
    /// The receiver's IVA condition needs a CUIT the order does not give.
    BuyerCuitRequired,
    /// The platform words the buyer's IVA condition in a way we do not know.
    UnknownTaxCondition,
    /// A line's SKU has no IVA rate and there is no default.
    UnknownSkuRate,
    /// A currency ARCA's table does not map.
    UnsupportedCurrency,
    /// A foreign currency without (or with an invalid) exchange rate.
    ExchangeRateRequired,
    /// The settings' point of sale is not one of the issuer's.
    PointOfSaleNotRegistered,
    /// A line the domain refuses (no description, an amount negative or too large, a discount
    /// above the line).
    InvalidLine,
}

impl HoldReason {
    /// Stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotPaid => "not_paid",
            Self::SoldOnOtherPlatform => "sold_on_other_platform",
            Self::BuyerIdentificationRequired => "buyer_identification_required",
            Self::InvalidBuyerDocument => "invalid_buyer_document",
            Self::BuyerCuitRequired => "buyer_cuit_required",
            Self::UnknownTaxCondition => "unknown_tax_condition",
            Self::UnknownSkuRate => "unknown_sku_rate",
            Self::UnsupportedCurrency => "unsupported_currency",
            Self::ExchangeRateRequired => "exchange_rate_required",
            Self::PointOfSaleNotRegistered => "point_of_sale_not_registered",
            Self::InvalidLine => "invalid_line",
        }
    }
}

/// An order that is not invoiced automatically, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// The reason, matchable.
    pub reason: HoldReason,
    /// For the person reviewing it.
    pub detail: String,
}

impl Held {
    pub(crate) fn new(reason: HoldReason, detail: impl Into<String>) -> Self {
        Self {
            reason,
            detail: detail.into(),
        }
    }
}

/// What became of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mapped {
    /// Ready to request.
    Draft(InvoiceDraft),
    /// Held for review.
    Held(Held),
}

/// Maps an order to an invoice draft, or holds it.
pub fn map_order(
    order: &MarketOrder,
    settings: &InvoiceSettings,
    cx: &MappingContext<'_>,
) -> Mapped {
    match try_map(order, settings, cx) {
        Ok(draft) => Mapped::Draft(draft),
        Err(held) => Mapped::Held(held),
    }
}

fn try_map(
    order: &MarketOrder,
    settings: &InvoiceSettings,
    cx: &MappingContext<'_>,
) -> Result<InvoiceDraft, Held> {
    if let Some(other) = order.also_sold_on {
        let detail = format!("sold on {}, which invoices it", other.as_str());
        return Err(Held::new(HoldReason::SoldOnOtherPlatform, detail));
    }
    if !order.status.was_paid() {
        let detail = format!("order status is {:?}", order.status);
        return Err(Held::new(HoldReason::NotPaid, detail));
    }
    if !cx.issuer.has_point_of_sale(settings.point_of_sale) {
        let detail = format!(
            "point of sale {} is not the issuer's",
            settings.point_of_sale
        );
        return Err(Held::new(HoldReason::PointOfSaleNotRegistered, detail));
    }
    let (currency, exchange_rate) = currency(&order.currency, cx.exchange_rate)?;
    let identity = buyer::identify(&order.buyer, settings.assumed_iva_condition)?;
    let class = cx.issuer.letter_for(identity.iva_condition);
    let items = lines::items(order, settings, class)?;
    let total = lines::total(class, &items)?;
    let receiver = buyer::receiver(&order.buyer, identity, total * exchange_rate, cx)?;
    Ok(InvoiceDraft {
        idempotency_key: order.idempotency_key(),
        point_of_sale: settings.point_of_sale,
        voucher_type: invoice_type(class),
        receiver,
        currency,
        exchange_rate,
        items,
    })
}

fn invoice_type(class: VoucherClass) -> VoucherType {
    match class {
        VoucherClass::A => VoucherType::FacturaA,
        VoucherClass::B => VoucherType::FacturaB,
        VoucherClass::C => VoucherType::FacturaC,
        VoucherClass::M => VoucherType::FacturaM,
    }
}

/// ISO 4217 (as platforms give it) → ARCA's table, and the rate that goes with it.
fn currency(iso: &str, rate: Option<Decimal>) -> Result<(Currency, Decimal), Held> {
    let code = match iso.trim().to_ascii_uppercase().as_str() {
        "ARS" => "PES",
        "USD" => "DOL",
        "EUR" => "060",
        "BRL" => "012",
        "UYU" => "011",
        "CLP" => "033",
        other => {
            let detail = format!("currency `{other}` has no ARCA code we map");
            return Err(Held::new(HoldReason::UnsupportedCurrency, detail));
        }
    };
    let currency = Currency::parse(code)
        .map_err(|e| Held::new(HoldReason::UnsupportedCurrency, e.to_string()))?;
    if currency.is_pesos() {
        return Ok((currency, Decimal::ONE));
    }
    let missing = || format!("{iso} needs an exchange rate (FEParamGetCotizacion)");
    let rate = rate.ok_or_else(|| Held::new(HoldReason::ExchangeRateRequired, missing()))?;
    let rate = ExchangeRate::for_currency(currency, rate)
        .map_err(|e| Held::new(HoldReason::ExchangeRateRequired, e.to_string()))?;
    Ok((currency, rate.value()))
}
