//! Tienda Nube's order (`GET /v1/{store_id}/orders/{id}`), MARKETPLACES.md §4 and §5. Prices are
//! final, tax-included (inferred: no VAT breakdown is given).

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::de;
use crate::order::{
    Buyer, MarketOrder, OrderError, OrderLine, OrderStatus, Platform, checked, join_parts,
};

/// A Tienda Nube order.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct TiendaNubeOrder {
    #[serde(deserialize_with = "de::id")]
    pub id: u64,
    #[serde(default, deserialize_with = "de::opt_id")]
    pub number: Option<u64>,
    #[serde(default, deserialize_with = "de::opt_id")]
    pub store_id: Option<u64>,
    /// `open`, `closed`, `cancelled`.
    #[serde(default)]
    pub status: Option<String>,
    /// `pending`, `authorized`, `paid`, `abandoned`, `refunded`, `voided`.
    #[serde(default)]
    pub payment_status: Option<String>,
    pub currency: String,
    /// `store`, `meli`, `api`, `form`.
    #[serde(default)]
    pub storefront: Option<String>,
    /// "CPF/CNPJ/DNI/CUIT": a bare number.
    #[serde(default)]
    pub contact_identification: Option<String>,
    #[serde(default)]
    pub contact_name: Option<String>,
    #[serde(default)]
    pub contact_email: Option<String>,
    #[serde(default)]
    pub customer: Option<TiendaNubeCustomer>,
    #[serde(default)]
    pub billing_name: Option<String>,
    #[serde(default)]
    pub billing_address: Option<String>,
    #[serde(default)]
    pub billing_number: Option<String>,
    #[serde(default)]
    pub billing_floor: Option<String>,
    #[serde(default)]
    pub billing_locality: Option<String>,
    #[serde(default)]
    pub billing_zipcode: Option<String>,
    #[serde(default)]
    pub billing_city: Option<String>,
    #[serde(default)]
    pub billing_province: Option<String>,
    #[serde(default)]
    pub products: Vec<TiendaNubeProduct>,
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub subtotal: Option<Decimal>,
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub discount: Decimal,
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub discount_coupon: Decimal,
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub discount_gateway: Decimal,
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub shipping_cost_customer: Decimal,
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub total: Option<Decimal>,
}

/// The customer.
#[derive(Debug, Clone, Default, Deserialize)]
#[allow(missing_docs)]
pub struct TiendaNubeCustomer {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub identification: Option<String>,
}

/// A product line; `quantity` is a number in some answers and a string in others.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct TiendaNubeProduct {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(deserialize_with = "de::decimal")]
    pub price: Decimal,
    #[serde(deserialize_with = "de::decimal")]
    pub quantity: Decimal,
}

/// The body of a Tienda Nube webhook: ids only.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TiendaNubeNotification {
    /// The store.
    #[serde(deserialize_with = "de::id")]
    pub store_id: u64,
    /// `order/created`, `order/paid` …
    pub event: String,
    /// The order id (for order events).
    #[serde(deserialize_with = "de::id")]
    pub id: u64,
}

impl TiendaNubeOrder {
    /// Reads an order.
    pub fn from_json(bytes: &[u8]) -> Result<Self, OrderError> {
        serde_json::from_slice(bytes).map_err(|e| OrderError::Malformed(e.to_string()))
    }

    /// The normalized order of store `store_id`.
    pub fn to_market_order(&self, store_id: u64) -> Result<MarketOrder, OrderError> {
        let lines: Vec<OrderLine> = self.products.iter().map(line).collect();
        checked(MarketOrder {
            platform: Platform::TiendaNube,
            store_id: store_id.to_string(),
            order_id: self.id.to_string(),
            pack_id: None,
            display_ref: self.number.map(|n| n.to_string()),
            status: self.status(),
            currency: self.currency.clone(),
            buyer: self.buyer(),
            order_discount: self.order_discount()?,
            lines,
            shipping_cost: self.shipping_cost_customer,
            taxes_included: Some(true),
            total: self.total,
            also_sold_on: (self.storefront.as_deref() == Some("meli"))
                .then_some(Platform::MercadoLibre),
            refunds: Vec::new(),
        })
    }

    /// The discount on the whole order. How `discount`, `discount_coupon` and
    /// `discount_gateway` overlap is not documented, so it is read off the order's own sum
    /// (subtotal + shipping − total) when both ends are given, and else their sum.
    fn order_discount(&self) -> Result<Decimal, OrderError> {
        let Some((subtotal, total)) = self.subtotal.zip(self.total) else {
            return Ok(self.discount + self.discount_coupon + self.discount_gateway);
        };
        let derived = subtotal + self.shipping_cost_customer - total;
        if derived.is_sign_negative() && !derived.is_zero() {
            return Err(OrderError::Malformed(format!(
                "total {total} exceeds subtotal {subtotal} plus shipping {}",
                self.shipping_cost_customer
            )));
        }
        Ok(derived)
    }

    fn status(&self) -> OrderStatus {
        match (self.payment_status.as_deref(), self.status.as_deref()) {
            (Some("refunded"), _) => OrderStatus::Refunded,
            (Some("voided"), _) | (_, Some("cancelled")) => OrderStatus::Cancelled,
            (Some("paid"), _) => OrderStatus::Paid,
            (Some("pending" | "authorized" | "abandoned"), _) => OrderStatus::Pending,
            (other, _) => OrderStatus::Other(other.unwrap_or("").to_owned()),
        }
    }

    fn buyer(&self) -> Buyer {
        let customer = self.customer.clone().unwrap_or_default();
        let street = join_parts(
            [
                self.billing_address.as_deref(),
                self.billing_number.as_deref(),
                self.billing_floor.as_deref(),
            ],
            " ",
        );
        let address = join_parts(
            [
                street.as_deref(),
                self.billing_locality.as_deref(),
                self.billing_city.as_deref(),
                self.billing_province.as_deref(),
                self.billing_zipcode.as_deref(),
            ],
            ", ",
        );
        let non_empty = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
        Buyer {
            doc_type: None,
            doc_number: non_empty(&self.contact_identification)
                .or_else(|| non_empty(&customer.identification)),
            name: non_empty(&self.billing_name)
                .or_else(|| non_empty(&self.contact_name))
                .or_else(|| non_empty(&customer.name)),
            email: non_empty(&self.contact_email).or_else(|| non_empty(&customer.email)),
            address,
            tax_condition: None,
        }
    }
}

fn line(p: &TiendaNubeProduct) -> OrderLine {
    OrderLine {
        sku: p.sku.clone().filter(|s| !s.trim().is_empty()),
        title: p.name.clone().unwrap_or_default(),
        quantity: p.quantity,
        unit_price: p.price,
        discount: Decimal::ZERO,
    }
}
