//! Shopify's order (REST Admin shape; webhooks carry the same JSON), MARKETPLACES.md §3 and §5.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::de;
use crate::order::{
    Buyer, MarketOrder, OrderError, OrderLine, OrderStatus, Platform, Refund, checked, join_parts,
};

/// Where the merchant keeps the buyer's DNI/CUIT: Shopify has no native field for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ShopifyDocSource {
    /// Nowhere: every buyer is an unidentified final consumer.
    #[default]
    None,
    /// A checkout field saved under this name in `note_attributes` (case-insensitive).
    NoteAttribute(String),
    /// `billing_address.company`.
    BillingCompany,
}

/// A Shopify order.
#[derive(Debug, Clone, Deserialize)]
pub struct ShopifyOrder {
    /// Order id.
    #[serde(deserialize_with = "de::id")]
    pub id: u64,
    /// `#1001`.
    #[serde(default)]
    pub name: Option<String>,
    /// `paid`, `pending`, `authorized`, `partially_refunded`, `refunded`, `voided` …
    #[serde(default)]
    pub financial_status: Option<String>,
    /// Set when the order was cancelled.
    #[serde(default)]
    pub cancelled_at: Option<String>,
    /// The shop's currency.
    pub currency: String,
    /// Whether `price`s include tax.
    #[serde(default)]
    pub taxes_included: Option<bool>,
    /// The order's total.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub total_price: Option<Decimal>,
    /// Every discount on the order.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub total_discounts: Decimal,
    /// The order's email.
    #[serde(default)]
    pub email: Option<String>,
    /// Lines.
    #[serde(default)]
    pub line_items: Vec<ShopifyLine>,
    /// Shipping charged.
    #[serde(default)]
    pub shipping_lines: Vec<ShopifyShipping>,
    /// Billing address.
    #[serde(default)]
    pub billing_address: Option<ShopifyAddress>,
    /// The customer.
    #[serde(default)]
    pub customer: Option<ShopifyCustomer>,
    /// Checkout fields.
    #[serde(default)]
    pub note_attributes: Vec<ShopifyNoteAttribute>,
    /// Refunds.
    #[serde(default)]
    pub refunds: Vec<ShopifyRefund>,
}

/// A line item.
#[derive(Debug, Clone, Deserialize)]
pub struct ShopifyLine {
    /// Product title.
    #[serde(default)]
    pub title: Option<String>,
    /// Title with the variant (`IPod Nano - 8gb - green`).
    #[serde(default)]
    pub name: Option<String>,
    /// SKU.
    #[serde(default)]
    pub sku: Option<String>,
    /// How many.
    #[serde(deserialize_with = "de::decimal")]
    pub quantity: Decimal,
    /// Unit price before discounts.
    #[serde(deserialize_with = "de::decimal")]
    pub price: Decimal,
    /// Discount on the line (older field).
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub total_discount: Decimal,
    /// Discounts allocated to the line.
    #[serde(default)]
    pub discount_allocations: Vec<ShopifyAmount>,
}

/// Something with an `amount`.
#[derive(Debug, Clone, Deserialize)]
pub struct ShopifyAmount {
    /// The amount.
    #[serde(deserialize_with = "de::decimal")]
    pub amount: Decimal,
}

/// A shipping line.
#[derive(Debug, Clone, Deserialize)]
pub struct ShopifyShipping {
    /// Price before shipping discounts.
    #[serde(deserialize_with = "de::decimal")]
    pub price: Decimal,
    /// Price after shipping discounts, when given.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub discounted_price: Option<Decimal>,
}

/// A billing address.
#[derive(Debug, Clone, Default, Deserialize)]
#[allow(missing_docs)]
pub struct ShopifyAddress {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub address1: Option<String>,
    #[serde(default)]
    pub address2: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub province: Option<String>,
    #[serde(default)]
    pub zip: Option<String>,
    #[serde(default)]
    pub country_code: Option<String>,
}

/// The customer.
#[derive(Debug, Clone, Default, Deserialize)]
#[allow(missing_docs)]
pub struct ShopifyCustomer {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
}

/// A checkout field.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct ShopifyNoteAttribute {
    pub name: String,
    #[serde(default)]
    pub value: Option<String>,
}

/// A refund and its transactions.
#[derive(Debug, Clone, Deserialize)]
pub struct ShopifyRefund {
    /// Refund id.
    #[serde(deserialize_with = "de::id")]
    pub id: u64,
    /// Money movements; those of kind `refund` and status `success` (or no status) count.
    #[serde(default)]
    pub transactions: Vec<ShopifyTransaction>,
}

/// A transaction of a refund.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct ShopifyTransaction {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(deserialize_with = "de::decimal")]
    pub amount: Decimal,
}

impl ShopifyOrder {
    /// Reads an order from a REST answer (`{"order": {…}}`) or a webhook body (the bare order).
    pub fn from_json(bytes: &[u8]) -> Result<Self, OrderError> {
        #[derive(Deserialize)]
        struct Envelope {
            order: ShopifyOrder,
        }
        let malformed = |e: serde_json::Error| OrderError::Malformed(e.to_string());
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(malformed)?;
        if value.get("order").is_some_and(serde_json::Value::is_object) {
            return Envelope::deserialize(value)
                .map(|e| e.order)
                .map_err(malformed);
        }
        Self::deserialize(value).map_err(malformed)
    }

    /// The normalized order of shop `shop_domain`, reading the buyer's document from `doc_source`.
    pub fn to_market_order(
        &self,
        shop_domain: &str,
        doc_source: &ShopifyDocSource,
    ) -> Result<MarketOrder, OrderError> {
        let lines: Vec<OrderLine> = self.line_items.iter().map(line).collect();
        let line_discounts: Decimal = lines.iter().map(|l| l.discount).sum();
        let shipping_discounts: Decimal = self
            .shipping_lines
            .iter()
            .map(|s| s.discounted_price.map_or(Decimal::ZERO, |d| s.price - d))
            .sum();
        let shipping_cost = self
            .shipping_lines
            .iter()
            .map(|s| s.discounted_price.unwrap_or(s.price))
            .sum();
        // `total_discounts` counts the discounts already allocated to lines and (unverified)
        // to shipping: only what is left is an order-level discount.
        let order_discount =
            (self.total_discounts - line_discounts - shipping_discounts).max(Decimal::ZERO);
        checked(MarketOrder {
            platform: Platform::Shopify,
            store_id: shop_domain.to_owned(),
            order_id: self.id.to_string(),
            pack_id: None,
            display_ref: self.name.clone(),
            status: self.status(),
            currency: self.currency.clone(),
            buyer: self.buyer(doc_source),
            lines,
            order_discount,
            shipping_cost,
            taxes_included: self.taxes_included,
            total: self.total_price,
            also_sold_on: None,
            refunds: self.refunds.iter().map(refund).collect(),
        })
    }

    fn status(&self) -> OrderStatus {
        let financial = self.financial_status.as_deref().unwrap_or("");
        match financial {
            "paid" if self.cancelled_at.is_some() => OrderStatus::Cancelled,
            "paid" => OrderStatus::Paid,
            "partially_refunded" => OrderStatus::PartiallyRefunded,
            "refunded" => OrderStatus::Refunded,
            "voided" => OrderStatus::Cancelled,
            "pending" | "authorized" | "partially_paid" | "expired" => OrderStatus::Pending,
            other => OrderStatus::Other(other.to_owned()),
        }
    }

    fn buyer(&self, doc_source: &ShopifyDocSource) -> Buyer {
        let billing = self.billing_address.clone().unwrap_or_default();
        let customer = self.customer.clone().unwrap_or_default();
        let doc_number = match doc_source {
            ShopifyDocSource::None => None,
            ShopifyDocSource::BillingCompany => billing.company.clone(),
            ShopifyDocSource::NoteAttribute(name) => self
                .note_attributes
                .iter()
                .find(|a| a.name.trim().eq_ignore_ascii_case(name.trim()))
                .and_then(|a| a.value.clone()),
        };
        let name = join_parts(
            [billing.first_name.as_deref(), billing.last_name.as_deref()],
            " ",
        )
        .or_else(|| {
            join_parts(
                [
                    customer.first_name.as_deref(),
                    customer.last_name.as_deref(),
                ],
                " ",
            )
        });
        let address = join_parts(
            [
                billing.address1.as_deref(),
                billing.address2.as_deref(),
                billing.city.as_deref(),
                billing.province.as_deref(),
                billing.zip.as_deref(),
                billing.country_code.as_deref(),
            ],
            ", ",
        );
        Buyer {
            doc_type: None,
            doc_number: doc_number.filter(|d| !d.trim().is_empty()),
            name,
            email: self.email.clone().or(customer.email),
            address,
            tax_condition: None,
        }
    }
}

fn line(item: &ShopifyLine) -> OrderLine {
    let allocated: Decimal = item.discount_allocations.iter().map(|a| a.amount).sum();
    let discount = if item.discount_allocations.is_empty() {
        item.total_discount
    } else {
        allocated
    };
    OrderLine {
        sku: item.sku.clone().filter(|s| !s.trim().is_empty()),
        title: item
            .name
            .clone()
            .or_else(|| item.title.clone())
            .unwrap_or_default(),
        quantity: item.quantity,
        unit_price: item.price,
        discount,
    }
}

fn refund(r: &ShopifyRefund) -> Refund {
    let amount = r
        .transactions
        .iter()
        .filter(|t| t.kind.as_deref() == Some("refund"))
        .filter(|t| t.status.as_deref().is_none_or(|s| s == "success"))
        .map(|t| t.amount)
        .sum();
    Refund {
        id: r.id.to_string(),
        amount,
    }
}
