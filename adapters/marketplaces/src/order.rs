//! The normalized order: what any platform's order says that an invoice needs, in one shape.
//!
//! Amounts are [`Decimal`]s in the order's currency, as the platform gave them (not yet split
//! into net and IVA: that depends on the connection's settings, see [`crate::invoice`]).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The platforms we connect to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// Mercado Libre (site MLA).
    MercadoLibre,
    /// Shopify.
    Shopify,
    /// Tienda Nube / Nuvemshop.
    TiendaNube,
}

impl Platform {
    /// Stable name, as in stream ids and idempotency keys (`mercadolibre`, `shopify`, `tiendanube`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::MercadoLibre => "mercadolibre",
            Self::Shopify => "shopify",
            Self::TiendaNube => "tiendanube",
        }
    }
}

/// Where an order stands, as far as invoicing cares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Not paid yet (pending, authorized, draft …): nothing to invoice.
    Pending,
    /// Paid: invoice it.
    Paid,
    /// Paid, then part of it refunded.
    PartiallyRefunded,
    /// Paid, then all of it refunded.
    Refunded,
    /// Cancelled.
    Cancelled,
    /// A status we do not know, kept as given (never treated as paid).
    Other(String),
}

impl OrderStatus {
    /// Whether the order was paid at some point, so it is (or was) invoiceable.
    pub fn was_paid(&self) -> bool {
        matches!(self, Self::Paid | Self::PartiallyRefunded | Self::Refunded)
    }
}

/// The buyer as the platform describes them. Document type and number are kept as given: the
/// invoice mapping decides what ARCA document they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buyer {
    /// `DNI`, `CUIT`, `CUIL` … when the platform says; `None` when it gives a bare number.
    pub doc_type: Option<String>,
    /// The document number as given (may hold dashes or dots).
    pub doc_number: Option<String>,
    /// Name or business name.
    pub name: Option<String>,
    /// Email address, unchecked.
    pub email: Option<String>,
    /// One-line postal address.
    pub address: Option<String>,
    /// The buyer's IVA position as the platform words it (only Mercado Libre gives one).
    pub tax_condition: Option<String>,
}

/// One line of the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// The seller's SKU, when the product has one.
    pub sku: Option<String>,
    /// What is sold.
    pub title: String,
    /// How many.
    pub quantity: Decimal,
    /// Price of one unit before discounts, as the platform gives it (tax-inclusive or not).
    pub unit_price: Decimal,
    /// Discount on the whole line, same basis as `unit_price`.
    pub discount: Decimal,
}

/// A refund the platform recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// The platform's refund id (or a stable stand-in when it has none).
    pub id: String,
    /// The refunded amount, in the order's currency.
    pub amount: Decimal,
}

/// An order from any platform, normalized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketOrder {
    /// Where it comes from.
    pub platform: Platform,
    /// Seller id (ML), shop domain (Shopify), store id (Tienda Nube).
    pub store_id: String,
    /// The platform's order id.
    pub order_id: String,
    /// Mercado Libre's pack (cart) id: one invoice per pack.
    pub pack_id: Option<String>,
    /// A human reference for the printed voucher (`#1001`, order number).
    pub display_ref: Option<String>,
    /// Where it stands.
    pub status: OrderStatus,
    /// ISO 4217 code as the platform gives it (`ARS`, `USD`).
    pub currency: String,
    /// Who buys.
    pub buyer: Buyer,
    /// What is sold; never empty for an order that maps.
    pub lines: Vec<OrderLine>,
    /// A discount on the whole order not already in the lines (spread over them by the mapping).
    pub order_discount: Decimal,
    /// What the buyer paid for shipping.
    pub shipping_cost: Decimal,
    /// Whether the platform's prices include taxes (`None`: the platform does not say).
    pub taxes_included: Option<bool>,
    /// The total the platform reports, for cross-checks.
    pub total: Option<Decimal>,
    /// The order was sold on another platform that invoices it (Tienda Nube's `storefront:
    /// meli`): never invoice it twice.
    pub also_sold_on: Option<Platform>,
    /// Refunds recorded so far.
    pub refunds: Vec<Refund>,
}

impl MarketOrder {
    /// What one invoice is for: the pack on Mercado Libre when there is one, else the order.
    pub fn invoice_ref(&self) -> &str {
        self.pack_id.as_deref().unwrap_or(&self.order_id)
    }

    /// `{platform}:{store}:{order or pack id}`: the same for every copy of the same order,
    /// whichever notification or poll brought it.
    pub fn idempotency_key(&self) -> String {
        format!(
            "{}:{}:{}",
            self.platform.as_str(),
            self.store_id,
            self.invoice_ref()
        )
    }
}

/// Why a platform's order cannot be normalized (the order is then held with this reason).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// The JSON is not an order of that platform.
    #[error("the order payload is malformed: {0}")]
    Malformed(String),
    /// The order has no line.
    #[error("the order has no line items")]
    NoLines,
    /// A quantity is zero or negative, or a price or discount negative.
    #[error("line {index} has an invalid quantity or amount")]
    InvalidLine {
        /// The line's position.
        index: usize,
    },
}

impl OrderError {
    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed_order",
            Self::NoLines => "order_without_lines",
            Self::InvalidLine { .. } => "invalid_order_line",
        }
    }
}

/// Checks what every platform's conversion must guarantee.
pub(crate) fn checked(order: MarketOrder) -> Result<MarketOrder, OrderError> {
    if order.lines.is_empty() {
        return Err(OrderError::NoLines);
    }
    for (index, line) in order.lines.iter().enumerate() {
        let bad = line.quantity <= Decimal::ZERO
            || line.unit_price.is_sign_negative()
            || line.discount.is_sign_negative();
        if bad {
            return Err(OrderError::InvalidLine { index });
        }
    }
    Ok(order)
}

/// Joins the non-empty parts with `sep`, or `None` when all are empty.
pub(crate) fn join_parts<'a>(
    parts: impl IntoIterator<Item = Option<&'a str>>,
    sep: &str,
) -> Option<String> {
    let parts: Vec<&str> = parts
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(sep))
}
