//! Mercado Libre's order (`GET /orders/{id}`) and the buyer's billing info, MARKETPLACES.md §2
//! and §5. No verbatim order was available: the shapes follow the documented field list, every
//! field is optional where that list is unsure, and unknown fields are ignored. Prices shown in
//! Argentina are final (tax-inclusive).

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::de;
use crate::order::{
    Buyer, MarketOrder, OrderError, OrderLine, OrderStatus, Platform, Refund, checked, join_parts,
};

/// A Mercado Libre order.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct MlOrder {
    #[serde(deserialize_with = "de::id")]
    pub id: u64,
    /// `paid`, `cancelled`, `confirmed`, `payment_required`, `payment_in_process` …
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "de::opt_id")]
    pub pack_id: Option<u64>,
    pub currency_id: String,
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub total_amount: Option<Decimal>,
    #[serde(default)]
    pub order_items: Vec<MlOrderItem>,
    #[serde(default)]
    pub payments: Vec<MlPayment>,
}

/// An order line.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct MlOrderItem {
    pub item: MlItem,
    #[serde(deserialize_with = "de::decimal")]
    pub quantity: Decimal,
    /// What the buyer paid per unit.
    #[serde(deserialize_with = "de::decimal")]
    pub unit_price: Decimal,
    /// The price before the discount.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub full_unit_price: Option<Decimal>,
}

/// The item of a line.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct MlItem {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub seller_sku: Option<String>,
}

/// A payment of the order.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct MlPayment {
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<u64>,
    /// `approved`, `refunded`, `cancelled`, `rejected` …
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub transaction_amount: Decimal,
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub transaction_amount_refunded: Option<Decimal>,
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub shipping_cost: Decimal,
}

/// The buyer's fiscal data (billing-info endpoint; fields may be null while ML is still
/// `PROCESSING` the document, so everything is optional).
#[derive(Debug, Clone, Default, Deserialize)]
#[allow(missing_docs)]
pub struct MlBillingInfo {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub identification: Option<MlIdentification>,
    #[serde(default)]
    pub taxes: Option<MlTaxes>,
    #[serde(default)]
    pub address: Option<MlAddress>,
}

/// `identification{type, number}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[allow(missing_docs)]
pub struct MlIdentification {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub number: Option<String>,
}

/// `taxes{taxpayer_type{id, description}}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[allow(missing_docs)]
pub struct MlTaxes {
    #[serde(default)]
    pub taxpayer_type: Option<MlTaxpayerType>,
}

/// The buyer's IVA position, as ML words it.
#[derive(Debug, Clone, Default, Deserialize)]
#[allow(missing_docs)]
pub struct MlTaxpayerType {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// A billing address.
#[derive(Debug, Clone, Default, Deserialize)]
#[allow(missing_docs)]
pub struct MlAddress {
    #[serde(default)]
    pub street_name: Option<String>,
    #[serde(default)]
    pub street_number: Option<String>,
    #[serde(default)]
    pub city_name: Option<String>,
    #[serde(default)]
    pub state_name: Option<String>,
    #[serde(default)]
    pub zip_code: Option<String>,
}

impl MlBillingInfo {
    /// Reads billing info bare, or under `billing_info` or `buyer.billing_info` (the endpoint's
    /// generations wrap it differently).
    pub fn from_json(bytes: &[u8]) -> Result<Self, OrderError> {
        let malformed = |e: serde_json::Error| OrderError::Malformed(e.to_string());
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(malformed)?;
        let inner = value
            .pointer("/buyer/billing_info")
            .or_else(|| value.get("billing_info"))
            .unwrap_or(&value);
        Self::deserialize(inner).map_err(malformed)
    }
}

impl MlOrder {
    /// Reads an order.
    pub fn from_json(bytes: &[u8]) -> Result<Self, OrderError> {
        serde_json::from_slice(bytes).map_err(|e| OrderError::Malformed(e.to_string()))
    }

    /// The normalized order of seller `seller_id`, with the buyer from `billing` when it is
    /// known (without it the buyer is unidentified, and the mapping holds the order when the
    /// amount needs an identified buyer).
    pub fn to_market_order(
        &self,
        seller_id: u64,
        billing: Option<&MlBillingInfo>,
    ) -> Result<MarketOrder, OrderError> {
        let approved = || {
            self.payments
                .iter()
                .filter(|p| matches!(p.status.as_deref(), Some("approved" | "refunded")))
        };
        checked(MarketOrder {
            platform: Platform::MercadoLibre,
            store_id: seller_id.to_string(),
            order_id: self.id.to_string(),
            pack_id: self.pack_id.map(|p| p.to_string()),
            display_ref: Some(self.id.to_string()),
            status: self.status(),
            currency: self.currency_id.clone(),
            buyer: billing.map(buyer).unwrap_or_default(),
            lines: self.order_items.iter().map(line).collect(),
            order_discount: Decimal::ZERO,
            shipping_cost: approved().map(|p| p.shipping_cost).sum(),
            taxes_included: Some(true),
            total: self.total_amount,
            also_sold_on: None,
            refunds: self.refunds(),
        })
    }

    fn refunds(&self) -> Vec<Refund> {
        self.payments
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let amount = match (p.status.as_deref(), p.transaction_amount_refunded) {
                    (_, Some(a)) if a > Decimal::ZERO => a,
                    (Some("refunded"), _) => p.transaction_amount,
                    _ => return None,
                };
                let id =
                    p.id.map_or_else(|| format!("payment-{i}"), |id| id.to_string());
                Some(Refund { id, amount })
            })
            .collect()
    }

    fn status(&self) -> OrderStatus {
        let refunded: Decimal = self.refunds().iter().map(|r| r.amount).sum();
        let paid: Decimal = self.payments.iter().map(|p| p.transaction_amount).sum();
        let was_refunded = refunded > Decimal::ZERO;
        match self.status.as_deref() {
            _ if was_refunded && refunded >= paid => OrderStatus::Refunded,
            _ if was_refunded => OrderStatus::PartiallyRefunded,
            Some("paid") => OrderStatus::Paid,
            Some("cancelled" | "invalid") => OrderStatus::Cancelled,
            Some("confirmed" | "payment_required" | "payment_in_process" | "partially_paid") => {
                OrderStatus::Pending
            }
            other => OrderStatus::Other(other.unwrap_or("").to_owned()),
        }
    }
}

fn line(i: &MlOrderItem) -> OrderLine {
    let full = i.full_unit_price.filter(|f| *f > i.unit_price);
    let unit_price = full.unwrap_or(i.unit_price);
    OrderLine {
        sku: i.item.seller_sku.clone().filter(|s| !s.trim().is_empty()),
        title: i.item.title.clone().unwrap_or_default(),
        quantity: i.quantity,
        unit_price,
        discount: (unit_price - i.unit_price) * i.quantity,
    }
}

fn buyer(b: &MlBillingInfo) -> Buyer {
    let id = b.identification.clone().unwrap_or_default();
    let address = b.address.clone().unwrap_or_default();
    let taxpayer = b.taxes.as_ref().and_then(|t| t.taxpayer_type.clone());
    let street = join_parts(
        [
            address.street_name.as_deref(),
            address.street_number.as_deref(),
        ],
        " ",
    );
    Buyer {
        doc_type: id.kind,
        doc_number: id.number,
        name: join_parts([b.name.as_deref(), b.last_name.as_deref()], " "),
        email: None,
        address: join_parts(
            [
                street.as_deref(),
                address.city_name.as_deref(),
                address.state_name.as_deref(),
                address.zip_code.as_deref(),
            ],
            ", ",
        ),
        tax_condition: taxpayer.and_then(|t| t.description.or(t.id)),
    }
}
