//! Every sample in `samples/` parses, and normalizes into the MarketOrder MARKETPLACES.md §5 says.

use marketplaces::platforms::mercadolibre::{MlBillingInfo, MlOrder};
use marketplaces::platforms::shopify::{ShopifyDocSource, ShopifyOrder};
use marketplaces::platforms::tiendanube::{TiendaNubeNotification, TiendaNubeOrder};
use marketplaces::{OrderStatus, Platform};
use rust_decimal_macros::dec;

const SHOPIFY: &[u8] = include_bytes!("samples/shopify-order-rest-fixture.json");
const TIENDANUBE: &[u8] = include_bytes!("samples/tiendanube-order-ars-draft-confirm.json");
const TIENDANUBE_WEBHOOK: &[u8] = include_bytes!("samples/tiendanube-webhook-order-created.json");
const ML_ORDER: &[u8] = include_bytes!("samples/mercadolibre-order-constructed.json");
const ML_BILLING: &[u8] = include_bytes!("samples/mercadolibre-billing-info-constructed.json");

#[test]
fn the_shopify_fixture_normalizes_with_its_lines_buyer_and_unpaid_status() {
    let order = ShopifyOrder::from_json(SHOPIFY).unwrap();
    let m = order
        .to_market_order("shop.myshopify.com", &ShopifyDocSource::None)
        .unwrap();
    assert_eq!(
        (m.platform, m.order_id.as_str()),
        (Platform::Shopify, "450789469")
    );
    assert_eq!(m.idempotency_key(), "shopify:shop.myshopify.com:450789469");
    assert_eq!(m.display_ref.as_deref(), Some("#1001"));
    // `authorized` is not paid: nothing to invoice yet.
    assert_eq!(m.status, OrderStatus::Pending);
    assert_eq!(
        (m.currency.as_str(), m.taxes_included),
        ("USD", Some(false))
    );
    let skus: Vec<_> = m.lines.iter().map(|l| l.sku.clone().unwrap()).collect();
    assert_eq!(skus, ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"]);
    assert_eq!(m.lines[0].title, "IPod Nano - 8gb - green");
    assert!(
        m.lines
            .iter()
            .all(|l| l.unit_price == dec!(199.00) && l.quantity == dec!(1))
    );
    assert_eq!((m.shipping_cost, m.order_discount), (dec!(0), dec!(0)));
    assert_eq!(m.total, Some(dec!(409.94)));
    assert_eq!(m.buyer.name.as_deref(), Some("Bob Norman"));
    assert_eq!(m.buyer.email.as_deref(), Some("bob.norman@hostmail.com"));
    assert_eq!(m.buyer.doc_number, None);
    assert!(
        m.buyer
            .address
            .as_deref()
            .unwrap()
            .starts_with("Chestnut Street 92, Louisville")
    );
}

#[test]
fn a_shopify_buyer_document_comes_from_the_source_the_merchant_chose() {
    let order = ShopifyOrder::from_json(SHOPIFY).unwrap();
    let source = ShopifyDocSource::NoteAttribute("Custom Engraving".into());
    let m = order.to_market_order("shop", &source).unwrap();
    assert_eq!(m.buyer.doc_number.as_deref(), Some("Happy Birthday"));
}

#[test]
fn a_shopify_webhook_body_is_the_bare_order() {
    let value: serde_json::Value = serde_json::from_slice(SHOPIFY).unwrap();
    let bare = serde_json::to_vec(&value["order"]).unwrap();
    let order = ShopifyOrder::from_json(&bare).unwrap();
    assert_eq!(order.id, 450_789_469);
}

#[test]
fn shopify_line_discounts_come_from_their_allocations_and_the_rest_is_order_level() {
    let mut value: serde_json::Value = serde_json::from_slice(SHOPIFY).unwrap();
    value["order"]["line_items"][0]["discount_allocations"] =
        serde_json::json!([{"amount": "19.90"}]);
    value["order"]["total_discounts"] = "29.90".into();
    let order = ShopifyOrder::from_json(&serde_json::to_vec(&value).unwrap()).unwrap();
    let m = order
        .to_market_order("shop", &ShopifyDocSource::None)
        .unwrap();
    assert_eq!(m.lines[0].discount, dec!(19.90));
    assert_eq!(m.order_discount, dec!(10.00));
}

#[test]
fn the_tiendanube_order_normalizes_with_its_dni_and_tax_inclusive_prices() {
    let order = TiendaNubeOrder::from_json(TIENDANUBE).unwrap();
    let m = order.to_market_order(97902).unwrap();
    assert_eq!(m.idempotency_key(), "tiendanube:97902:39138283");
    assert_eq!((m.currency.as_str(), m.taxes_included), ("ARS", Some(true)));
    assert_eq!(m.buyer.doc_number.as_deref(), Some("37894333"));
    assert_eq!(m.buyer.name.as_deref(), Some("Pedro Alfonso"));
    assert_eq!(m.buyer.email.as_deref(), Some("pedro.alfonso@gmail.com"));
    assert_eq!(m.lines.len(), 1);
    assert_eq!(
        (m.lines[0].title.as_str(), m.lines[0].sku.as_deref()),
        ("Oleo Esencial Barba", None)
    );
    assert_eq!(
        (m.lines[0].unit_price, m.lines[0].quantity),
        (dec!(712.00), dec!(1))
    );
    assert_eq!((m.order_discount, m.shipping_cost), (dec!(0), dec!(0)));
    // The sample has no payment_status: never read as paid.
    assert!(!m.status.was_paid());
    assert_eq!(m.also_sold_on, None);
}

#[test]
fn a_tiendanube_quantity_given_as_a_string_parses_and_meli_orders_are_flagged() {
    let mut value: serde_json::Value = serde_json::from_slice(TIENDANUBE).unwrap();
    value["products"][0]["quantity"] = "2".into();
    value["payment_status"] = "paid".into();
    value["storefront"] = "meli".into();
    let order = TiendaNubeOrder::from_json(&serde_json::to_vec(&value).unwrap()).unwrap();
    let m = order.to_market_order(97902).unwrap();
    assert_eq!(m.lines[0].quantity, dec!(2));
    assert_eq!(m.status, OrderStatus::Paid);
    assert_eq!(m.also_sold_on, Some(Platform::MercadoLibre));
}

#[test]
fn the_tiendanube_webhook_sample_parses_as_ids_only() {
    let n: TiendaNubeNotification = serde_json::from_slice(TIENDANUBE_WEBHOOK).unwrap();
    assert_eq!(
        (n.store_id, n.event.as_str(), n.id),
        (5_665_778, "order/created", 1_639_882_221)
    );
}

#[test]
fn the_mercadolibre_order_normalizes_per_pack_with_its_discount_and_shipping() {
    let order = MlOrder::from_json(ML_ORDER).unwrap();
    let billing = MlBillingInfo::from_json(ML_BILLING).unwrap();
    let m = order.to_market_order(123_456_789, Some(&billing)).unwrap();
    assert_eq!(
        m.idempotency_key(),
        "mercadolibre:123456789:2000008765432100"
    );
    assert_eq!(m.status, OrderStatus::Paid);
    assert_eq!(
        (m.lines[0].unit_price, m.lines[0].discount),
        (dec!(10000), dec!(2000))
    );
    assert_eq!(
        (m.lines[1].unit_price, m.lines[1].discount),
        (dec!(4840.00), dec!(0))
    );
    assert_eq!(m.shipping_cost, dec!(2420));
    assert_eq!(m.buyer.doc_type.as_deref(), Some("CUIT"));
    assert_eq!(m.buyer.doc_number.as_deref(), Some("30-71234567-1"));
    assert_eq!(
        m.buyer.tax_condition.as_deref(),
        Some("IVA Responsable Inscripto")
    );
    assert_eq!(m.buyer.name.as_deref(), Some("Ferretería Sur SRL"));
}

#[test]
fn a_refunded_mercadolibre_payment_becomes_a_refund() {
    let mut value: serde_json::Value = serde_json::from_slice(ML_ORDER).unwrap();
    value["status"] = "cancelled".into();
    value["payments"][0]["status"] = "refunded".into();
    let order = MlOrder::from_json(&serde_json::to_vec(&value).unwrap()).unwrap();
    let m = order.to_market_order(123_456_789, None).unwrap();
    assert_eq!(m.status, OrderStatus::Refunded);
    assert_eq!(m.refunds.len(), 1);
    assert_eq!(
        (m.refunds[0].id.as_str(), m.refunds[0].amount),
        ("91000000001", dec!(22840))
    );
    assert_eq!(m.buyer, Default::default());
}

#[test]
fn malformed_orders_are_errors_with_stable_codes() {
    assert_eq!(
        ShopifyOrder::from_json(b"{}").unwrap_err().code(),
        "malformed_order"
    );
    assert_eq!(
        TiendaNubeOrder::from_json(b"[1]").unwrap_err().code(),
        "malformed_order"
    );
    let mut value: serde_json::Value = serde_json::from_slice(ML_ORDER).unwrap();
    value["order_items"] = serde_json::json!([]);
    let order = MlOrder::from_json(&serde_json::to_vec(&value).unwrap()).unwrap();
    assert_eq!(
        order.to_market_order(1, None).unwrap_err().code(),
        "order_without_lines"
    );
    value["order_items"] =
        serde_json::json!([{"item": {"title": "x"}, "quantity": 0, "unit_price": 1}]);
    let order = MlOrder::from_json(&serde_json::to_vec(&value).unwrap()).unwrap();
    assert_eq!(
        order.to_market_order(1, None).unwrap_err().code(),
        "invalid_order_line"
    );
}
