//! Helpers shared by the invoice mapping tests.
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

pub use std::collections::BTreeSet;

pub use domain::invoice::{Invoice, InvoiceCommand, IssuerSnapshot, Item};
pub use domain::values::{
    Cuit, DocType, IssuerIvaCondition, IvaCondition, IvaRate, IvaTreatment, Money, VoucherClass,
    VoucherType,
};
pub use domain::{Aggregate, Context, InvoiceId, Policy};
pub use marketplaces::invoice::{
    Held, HoldReason, InvoiceDraft, InvoiceSettings, Mapped, MappingContext, PriceBasis, Shipping,
    map_order,
};
pub use marketplaces::platforms::mercadolibre::{MlBillingInfo, MlOrder};
pub use marketplaces::platforms::shopify::{ShopifyDocSource, ShopifyOrder};
pub use marketplaces::platforms::tiendanube::TiendaNubeOrder;
pub use marketplaces::{Buyer, MarketOrder, OrderLine, OrderStatus, Platform};
pub use rust_decimal::Decimal;
pub use rust_decimal_macros::dec;
pub use time::macros::datetime;

pub const SHOPIFY: &[u8] = include_bytes!("../samples/shopify-order-rest-fixture.json");
pub const TIENDANUBE: &[u8] = include_bytes!("../samples/tiendanube-order-ars-draft-confirm.json");
pub const ML_ORDER: &[u8] = include_bytes!("../samples/mercadolibre-order-constructed.json");
pub const ML_BILLING: &[u8] =
    include_bytes!("../samples/mercadolibre-billing-info-constructed.json");

pub const TWENTY_ONE: IvaTreatment = IvaTreatment::Taxed(IvaRate::TwentyOne);

pub fn issuer(condition: IssuerIvaCondition) -> IssuerSnapshot {
    IssuerSnapshot {
        cuit: Cuit::parse("20267565393").unwrap(),
        iva_condition: condition,
        points_of_sale: BTreeSet::from([3]),
    }
}

pub fn settings() -> InvoiceSettings {
    InvoiceSettings::new(3, Some(TWENTY_ONE))
}

pub fn map(order: &MarketOrder, settings: &InvoiceSettings, rate: Option<Decimal>) -> Mapped {
    let issuer = issuer(IssuerIvaCondition::ResponsableInscripto);
    map_order(
        order,
        settings,
        &MappingContext::new(&issuer, &Policy::default(), rate),
    )
}

pub fn draft(mapped: Mapped) -> InvoiceDraft {
    match mapped {
        Mapped::Draft(d) => d,
        Mapped::Held(h) => panic!("held: {} ({})", h.reason.code(), h.detail),
    }
}

pub fn held(mapped: Mapped) -> Held {
    match mapped {
        Mapped::Held(h) => h,
        Mapped::Draft(d) => panic!("mapped: {d:?}"),
    }
}

/// The voucher's total as the domain computes it, after the domain accepted the request.
pub fn accepted_total(draft: InvoiceDraft, condition: IssuerIvaCondition) -> Decimal {
    let class = draft.voucher_type.class();
    let items = draft.items.clone();
    let request = draft.into_request(
        "01900000-0000-7000-8000-000000000001"
            .parse::<InvoiceId>()
            .unwrap(),
        issuer(condition),
        time::macros::date!(2026 - 12 - 07),
    );
    let ctx = Context::new(datetime!(2026-12-07 12:00 UTC));
    Invoice::default()
        .decide(InvoiceCommand::from(request), &ctx)
        .expect("the domain accepts the draft");
    domain::invoice::totals::compute(class, &items, &[])
        .unwrap()
        .totals
        .total
        .amount()
}

pub fn ml_order() -> MarketOrder {
    let billing = MlBillingInfo::from_json(ML_BILLING).unwrap();
    MlOrder::from_json(ML_ORDER)
        .unwrap()
        .to_market_order(123_456_789, Some(&billing))
        .unwrap()
}

pub fn paid(bytes: &[u8], field: &str, pointer: Option<&str>) -> Vec<u8> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    let target = match pointer {
        Some(p) => value.pointer_mut(p).unwrap(),
        None => &mut value,
    };
    target[field] = "paid".into();
    serde_json::to_vec(&value).unwrap()
}

pub fn shopify_paid() -> MarketOrder {
    let bytes = paid(SHOPIFY, "financial_status", Some("/order"));
    ShopifyOrder::from_json(&bytes)
        .unwrap()
        .to_market_order("shop", &ShopifyDocSource::None)
        .unwrap()
}

pub fn tiendanube_paid() -> MarketOrder {
    let bytes = paid(TIENDANUBE, "payment_status", None);
    TiendaNubeOrder::from_json(&bytes)
        .unwrap()
        .to_market_order(97902)
        .unwrap()
}

pub fn order(lines: Vec<OrderLine>, taxes_included: bool) -> MarketOrder {
    MarketOrder {
        platform: Platform::TiendaNube,
        store_id: "1".into(),
        order_id: "9".into(),
        pack_id: None,
        display_ref: None,
        status: OrderStatus::Paid,
        currency: "ARS".into(),
        buyer: Buyer::default(),
        lines,
        order_discount: Decimal::ZERO,
        shipping_cost: Decimal::ZERO,
        taxes_included: Some(taxes_included),
        total: None,
        also_sold_on: None,
        refunds: Vec::new(),
    }
}

pub fn line(sku: &str, quantity: Decimal, unit_price: Decimal) -> OrderLine {
    OrderLine {
        sku: Some(sku.into()),
        title: format!("Producto {sku}"),
        quantity,
        unit_price,
        discount: Decimal::ZERO,
    }
}
