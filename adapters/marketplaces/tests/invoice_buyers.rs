//! Each sample maps to a draft the domain accepts; buyers, currencies and holds.

mod common;

use common::*;

#[test]
fn the_mercadolibre_order_maps_to_a_factura_a_for_its_cuit_buyer_and_totals_what_was_paid() {
    let d = draft(map(&ml_order(), &settings(), None));
    assert_eq!(d.idempotency_key, "mercadolibre:123456789:2000008765432100");
    assert_eq!(d.voucher_type, VoucherType::FacturaA);
    assert_eq!(
        (d.receiver.doc_type, d.receiver.doc_number),
        (DocType::Cuit, 30_712_345_671)
    );
    assert_eq!(d.receiver.iva_condition, IvaCondition::ResponsableInscripto);
    assert_eq!((d.currency.code(), d.exchange_rate), ("PES", Decimal::ONE));
    // Two products (one discounted by 2 × 1000) and the shipping line.
    assert_eq!(d.items.len(), 3);
    assert_eq!(d.items[2].description, "Envío");
    assert!(d.items[0].discount.is_some());
    // 2 × 9000 + 4840 + 2420 shipping, all tax-inclusive.
    assert_eq!(
        accepted_total(d, IssuerIvaCondition::ResponsableInscripto),
        dec!(25260.00)
    );
}

#[test]
fn the_tiendanube_order_maps_to_a_factura_b_for_its_dni_buyer() {
    let d = draft(map(&tiendanube_paid(), &settings(), None));
    assert_eq!(d.idempotency_key, "tiendanube:97902:39138283");
    assert_eq!(d.voucher_type, VoucherType::FacturaB);
    assert_eq!(
        (d.receiver.doc_type, d.receiver.doc_number),
        (DocType::Dni, 37_894_333)
    );
    assert_eq!(d.receiver.iva_condition, IvaCondition::ConsumidorFinal);
    assert_eq!(
        d.receiver.email.as_ref().map(|e| e.as_str()),
        Some("pedro.alfonso@gmail.com")
    );
    assert_eq!(d.items[0].unit_price, Money::parse("588.43").unwrap());
    assert_eq!(
        accepted_total(d, IssuerIvaCondition::ResponsableInscripto),
        dec!(712.00)
    );
}

#[test]
fn the_shopify_order_in_dollars_carries_its_currency_and_the_callers_exchange_rate() {
    let d = draft(map(&shopify_paid(), &settings(), Some(dec!(1050.5))));
    assert_eq!((d.currency.code(), d.exchange_rate), ("DOL", dec!(1050.5)));
    assert_eq!(d.voucher_type, VoucherType::FacturaB);
    assert_eq!(
        (d.receiver.doc_type, d.receiver.doc_number),
        (DocType::Otro, 0)
    );
    // `taxes_included: false`: 199.00 are nets, IVA goes on top (Shopify's US tax lines do not).
    assert!(
        d.items
            .iter()
            .all(|i| i.unit_price == Money::parse("199.00").unwrap())
    );
    assert_eq!(
        accepted_total(d, IssuerIvaCondition::ResponsableInscripto),
        dec!(722.37)
    );
}

#[test]
fn a_foreign_currency_without_an_exchange_rate_is_held() {
    let h = held(map(&shopify_paid(), &settings(), None));
    assert_eq!(h.reason, HoldReason::ExchangeRateRequired);
    let h = held(map(&shopify_paid(), &settings(), Some(dec!(0))));
    assert_eq!(h.reason.code(), "exchange_rate_required");
}

#[test]
fn the_threshold_compares_the_total_in_pesos() {
    // USD 8 000 net → 9 680 with IVA; × 1050 = ARS 10 164 000 ≥ 10 000 000.
    let mut o = order(vec![line("A", dec!(1), dec!(8000))], false);
    o.currency = "USD".into();
    assert_eq!(
        held(map(&o, &settings(), Some(dec!(1050)))).reason,
        HoldReason::BuyerIdentificationRequired
    );
    // At 1000 it is ARS 9 680 000: an unidentified final consumer is fine.
    let d = draft(map(&o, &settings(), Some(dec!(1000))));
    assert_eq!(d.receiver.doc_type, DocType::Otro);
}

#[test]
fn an_unidentified_buyer_above_the_threshold_is_held_and_an_identified_one_is_not() {
    let mut o = order(vec![line("A", dec!(1), dec!(12100000))], true);
    let h = held(map(&o, &settings(), None));
    assert_eq!(h.reason.code(), "buyer_identification_required");
    o.buyer.doc_number = Some("27-12345678-0".into());
    let d = draft(map(&o, &settings(), None));
    assert_eq!(
        (d.receiver.doc_type, d.receiver.doc_number),
        (DocType::Cuit, 27_123_456_780)
    );
}

#[test]
fn a_cuit_with_a_wrong_check_digit_is_held_never_guessed() {
    let mut o = order(vec![line("A", dec!(1), dec!(100))], true);
    o.buyer.doc_number = Some("30712345672".into());
    assert_eq!(
        held(map(&o, &settings(), None)).reason,
        HoldReason::InvalidBuyerDocument
    );
    // The seller buying from themselves: the domain would refuse it, so it is held.
    o.buyer.doc_number = Some("20267565393".into());
    let h = held(map(&o, &settings(), None));
    assert_eq!(h.reason, HoldReason::InvalidBuyerDocument);
    assert!(h.detail.contains("issuer"), "{}", h.detail);
}

#[test]
fn a_registered_buyer_without_a_cuit_is_held() {
    let mut o = order(vec![line("A", dec!(1), dec!(100))], true);
    o.buyer.tax_condition = Some("IVA Responsable Inscripto".into());
    o.buyer.doc_type = Some("DNI".into());
    o.buyer.doc_number = Some("37894333".into());
    assert_eq!(
        held(map(&o, &settings(), None)).reason,
        HoldReason::BuyerCuitRequired
    );
    o.buyer.tax_condition = Some("Régimen que no conocemos".into());
    assert_eq!(
        held(map(&o, &settings(), None)).reason,
        HoldReason::UnknownTaxCondition
    );
}

#[test]
fn duplicates_of_an_order_share_one_idempotency_key_and_other_orders_do_not() {
    let first = draft(map(&ml_order(), &settings(), None));
    let again = draft(map(&ml_order(), &settings(), None));
    assert_eq!(first, again);
    // Another order of the same pack is the same invoice; without a pack it is its own.
    let mut sibling = ml_order();
    sibling.order_id = "2000001234567891".into();
    assert_eq!(sibling.idempotency_key(), first.idempotency_key);
    sibling.pack_id = None;
    assert_eq!(
        sibling.idempotency_key(),
        "mercadolibre:123456789:2000001234567891"
    );
    let mut other_store = ml_order();
    other_store.store_id = "987".into();
    assert_ne!(other_store.idempotency_key(), first.idempotency_key);
}

#[test]
fn a_monotributista_issues_factura_c_at_the_prices_paid_without_rates() {
    let o = tiendanube_paid();
    let issuer = issuer(IssuerIvaCondition::Monotributo);
    let cx = MappingContext::new(&issuer, &Policy::default(), None);
    let d = draft(map_order(&o, &InvoiceSettings::new(3, None), &cx));
    assert_eq!(d.voucher_type.class(), VoucherClass::C);
    assert_eq!(d.items[0].iva, None);
    assert_eq!(
        accepted_total(d, IssuerIvaCondition::Monotributo),
        dec!(712.00)
    );
}

#[test]
fn orders_that_must_not_be_invoiced_are_held_with_their_reason() {
    let base = order(vec![line("A", dec!(1), dec!(100))], true);
    type Change = fn(&mut MarketOrder, &mut InvoiceSettings);
    let cases: [(Change, &str); 5] = [
        (|o, _| o.status = OrderStatus::Pending, "not_paid"),
        (
            |o, _| o.status = OrderStatus::Other("weird".into()),
            "not_paid",
        ),
        (
            |o, _| o.also_sold_on = Some(Platform::MercadoLibre),
            "sold_on_other_platform",
        ),
        (|o, _| o.currency = "PYG".into(), "unsupported_currency"),
        (|_, s| s.point_of_sale = 4, "point_of_sale_not_registered"),
    ];
    for (change, code) in cases {
        let (mut o, mut s) = (base.clone(), settings());
        change(&mut o, &mut s);
        assert_eq!(held(map(&o, &s, None)).reason.code(), code);
    }
    assert!(matches!(map(&base, &settings(), None), Mapped::Draft(_)));
}
