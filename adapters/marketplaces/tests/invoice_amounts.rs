//! Net and tax-inclusive prices, discounts, shipping and IVA rates per SKU.

mod common;

use common::*;

#[test]
fn net_and_tax_inclusive_prices_of_the_same_goods_give_the_same_total() {
    let net = order(
        vec![
            line("A", dec!(3), dec!(100.00)),
            line("B", dec!(2), dec!(57.85)),
        ],
        false,
    );
    let gross = order(
        vec![
            line("A", dec!(3), dec!(121.00)),
            line("B", dec!(2), dec!(70.00)),
        ],
        true,
    );
    let rb = IssuerIvaCondition::ResponsableInscripto;
    let net_total = accepted_total(draft(map(&net, &settings(), None)), rb);
    let gross_total = accepted_total(draft(map(&gross, &settings(), None)), rb);
    assert_eq!(gross_total, dec!(503.00));
    assert!(
        (net_total - gross_total).abs() <= dec!(0.01),
        "{net_total} vs {gross_total}"
    );
}

#[test]
fn tax_inclusive_lines_add_up_to_what_the_buyer_paid_within_a_cent_per_rate() {
    let prices = [
        dec!(0.99),
        dec!(33.33),
        dec!(99.99),
        dec!(1234.57),
        dec!(10.01),
        dec!(7.77),
    ];
    let mut s = settings();
    s.iva_by_sku
        .insert("half".into(), IvaTreatment::Taxed(IvaRate::TenAndAHalf));
    for n in 1..=prices.len() {
        for quantity in [dec!(1), dec!(3), dec!(7)] {
            let lines: Vec<_> = prices[..n]
                .iter()
                .enumerate()
                .map(|(i, p)| line(if i % 2 == 0 { "std" } else { "half" }, quantity, *p))
                .collect();
            let paid: Decimal = lines.iter().map(|l| l.quantity * l.unit_price).sum();
            let rates = if n > 1 { dec!(2) } else { dec!(1) };
            let d = draft(map(&order(lines, true), &s, None));
            let total = accepted_total(d, IssuerIvaCondition::ResponsableInscripto);
            assert!(
                (total - paid).abs() <= dec!(0.01) * rates,
                "{n} × {quantity}: {total} vs {paid}"
            );
        }
    }
}

#[test]
fn shipping_is_its_own_line_or_left_to_whoever_invoices_it() {
    let mut o = order(vec![line("A", dec!(1), dec!(121))], true);
    o.shipping_cost = dec!(110.50);
    let mut s = settings();
    s.shipping = Shipping::OwnLine {
        iva: Some(IvaTreatment::Taxed(IvaRate::TenAndAHalf)),
    };
    let d = draft(map(&o, &s, None));
    let ship: &Item = &d.items[1];
    assert_eq!(
        (ship.description.as_str(), ship.iva),
        ("Envío", Some(IvaTreatment::Taxed(IvaRate::TenAndAHalf)))
    );
    assert_eq!(ship.unit_price, Money::parse("100.00").unwrap());
    assert_eq!(
        accepted_total(d, IssuerIvaCondition::ResponsableInscripto),
        dec!(231.50)
    );
    s.shipping = Shipping::InvoicedByOthers;
    let d = draft(map(&o, &s, None));
    assert_eq!(d.items.len(), 1);
}

#[test]
fn line_and_order_discounts_lower_the_total_by_what_they_took_off() {
    let mut o = order(
        vec![line("A", dec!(2), dec!(121)), line("B", dec!(1), dec!(242))],
        true,
    );
    o.lines[0].discount = dec!(24.20);
    o.order_discount = dec!(48.40);
    let d = draft(map(&o, &settings(), None));
    assert!(d.items.iter().all(|i| i.discount.is_some()));
    // 242 + 242 − 24.20 − 48.40
    assert_eq!(
        accepted_total(d, IssuerIvaCondition::ResponsableInscripto),
        dec!(411.40)
    );
    o.order_discount = dec!(1000);
    assert_eq!(
        held(map(&o, &settings(), None)).reason,
        HoldReason::InvalidLine
    );
}

#[test]
fn a_sku_without_a_rate_is_held_when_there_is_no_default() {
    let o = order(
        vec![
            line("BOOK", dec!(1), dec!(100)),
            line("MATE", dec!(1), dec!(121)),
        ],
        true,
    );
    let mut s = InvoiceSettings::new(3, None);
    s.iva_by_sku.insert("MATE".into(), TWENTY_ONE);
    let h = held(map(&o, &s, None));
    assert_eq!(h.reason, HoldReason::UnknownSkuRate);
    assert!(h.detail.contains("BOOK"), "{}", h.detail);
    s.iva_by_sku.insert("BOOK".into(), IvaTreatment::Exempt);
    let d = draft(map(&o, &s, None));
    assert_eq!(d.items[0].iva, Some(IvaTreatment::Exempt));
    assert_eq!(
        accepted_total(d, IssuerIvaCondition::ResponsableInscripto),
        dec!(221.00)
    );
}

#[test]
fn prices_read_as_net_when_the_settings_say_so_whatever_the_order_says() {
    let o = order(vec![line("A", dec!(1), dec!(100))], true);
    let mut s = settings();
    s.price_basis = PriceBasis::Net;
    let d = draft(map(&o, &s, None));
    assert_eq!(
        accepted_total(d, IssuerIvaCondition::ResponsableInscripto),
        dec!(121.00)
    );
}

#[test]
fn many_small_tax_inclusive_lines_do_not_pile_up_rounding() {
    // 0.99 ÷ 1.21 = 0.818…: rounded line by line, twelve lines would overshoot by three cents.
    let lines = (0..12)
        .map(|i| line(&format!("S{i}"), dec!(1), dec!(0.99)))
        .collect();
    let d = draft(map(&order(lines, true), &settings(), None));
    assert_eq!(
        accepted_total(d, IssuerIvaCondition::ResponsableInscripto),
        dec!(11.88)
    );
}
