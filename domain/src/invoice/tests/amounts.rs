use rust_decimal::Decimal;

use super::*;
use crate::testing::{factura_a, factura_b, factura_c, item, money, rich_request};
use crate::values::{IvaRate, IvaTreatment, Money, TributeKind};

fn taxed(rate: IvaRate) -> Option<IvaTreatment> {
    Some(IvaTreatment::Taxed(rate))
}

fn with_items(request: RequestInvoice, items: Vec<Item>) -> RequestInvoice {
    RequestInvoice { items, ..request }
}

fn tribute(kind: TributeKind, description: Option<&str>, amount: &str) -> Tribute {
    Tribute {
        kind,
        description: description.map(str::to_owned),
        base: money("1000.00"),
        rate: None,
        amount: money(amount),
    }
}

#[test]
fn rejects_invoice_c_that_carries_iva() {
    let err = refused(with_items(
        factura_c(),
        vec![
            item(1, "10.00", None),
            item(1, "10.00", taxed(IvaRate::TwentyOne)),
        ],
    ));
    assert_eq!(err, InvoiceError::IvaOnCVoucher(1));
    assert_code(&err, "iva_on_c_voucher", Some("items[1].iva_rate"));
}

#[test]
fn rejects_invoice_c_with_exempt_or_not_taxed_items() {
    for treatment in [IvaTreatment::Exempt, IvaTreatment::NotTaxed] {
        let err = refused(with_items(
            factura_c(),
            vec![item(1, "10.00", Some(treatment))],
        ));
        assert_eq!(err, InvoiceError::IvaOnCVoucher(0));
    }
}

#[test]
fn totals_invoice_c_as_net_plus_tributes() {
    let mut request = factura_c();
    request.tributes = vec![tribute(TributeKind::GrossIncome, None, "30.00")];
    let event = accepted(request);
    let t = event.totals;
    assert_eq!(
        (t.net, t.tributes, t.total),
        (money("1000.00"), money("30.00"), money("1030.00"))
    );
    assert_eq!(
        (t.iva, t.exempt, t.not_taxed),
        (Money::ZERO, Money::ZERO, Money::ZERO)
    );
    assert!(event.iva.is_empty());
}

#[test]
fn requires_an_iva_treatment_on_every_item_of_a_class_a_or_b_voucher() {
    let err = refused(with_items(factura_b(), vec![item(1, "10.00", None)]));
    assert_eq!(err, InvoiceError::IvaRateRequired(0));
    assert_code(&err, "iva_rate_required", Some("items[0].iva_rate"));
}

#[test]
fn requires_at_least_one_item() {
    let err = refused(with_items(factura_a(), vec![]));
    assert_code(&err, "items_required", Some("items"));
}

#[test]
fn requires_quantities_greater_than_zero() {
    for quantity in [0, -1] {
        let items = vec![
            item(1, "10.00", taxed(IvaRate::TwentyOne)),
            item(quantity, "10.00", taxed(IvaRate::TwentyOne)),
        ];
        let err = refused(with_items(factura_a(), items));
        assert_code(&err, "invalid_quantity", Some("items[1].quantity"));
    }
}

#[test]
fn requires_a_description_on_every_item() {
    let mut nameless = item(1, "10.00", taxed(IvaRate::TwentyOne));
    nameless.description = "  ".to_owned();
    assert_code(
        &refused(with_items(factura_a(), vec![nameless])),
        "item_description_required",
        Some("items[0].description"),
    );
}

#[test]
fn refuses_a_discount_above_the_line_amount() {
    let mut discounted = item(2, "10.00", taxed(IvaRate::TwentyOne));
    discounted.discount = Some(money("20.01"));
    assert_code(
        &refused(with_items(factura_a(), vec![discounted.clone()])),
        "discount_exceeds_amount",
        Some("items[0].discount"),
    );
    discounted.discount = Some(money("20.00"));
    assert_eq!(
        accepted(with_items(factura_a(), vec![discounted]))
            .totals
            .total,
        Money::ZERO
    );
}

#[test]
fn rounds_line_nets_and_iva_half_to_even() {
    // 0.5 × 0.25 = 0.125 → 0.12; 0.50 at 5 % = 0.025 → 0.02 (half-up would give 0.13 and 0.03).
    let mut half = item(1, "0.25", taxed(IvaRate::TwentyOne));
    half.quantity = Decimal::new(5, 1);
    let event = accepted(with_items(
        factura_a(),
        vec![half, item(1, "0.50", taxed(IvaRate::Five))],
    ));
    assert_eq!(event.items[0].net, money("0.12"));
    assert_eq!(
        event.iva[0],
        IvaLine {
            rate: IvaRate::Five,
            base: money("0.50"),
            amount: money("0.02")
        }
    );
    assert_eq!(
        event.iva[1],
        IvaLine {
            rate: IvaRate::TwentyOne,
            base: money("0.12"),
            amount: money("0.03")
        }
    );
}

#[test]
fn groups_iva_by_rate_and_adds_totals_like_arca() {
    let event = accepted(rich_request());
    assert_eq!(
        event.iva,
        vec![
            IvaLine {
                rate: IvaRate::TenAndAHalf,
                base: money("90.00"),
                amount: money("9.45")
            },
            IvaLine {
                rate: IvaRate::TwentyOne,
                base: money("1000.00"),
                amount: money("210.00")
            },
        ]
    );
    let expected = Totals {
        not_taxed: money("25.00"),
        net: money("1090.00"),
        exempt: money("50.00"),
        tributes: money("10.00"),
        iva: money("219.45"),
        total: money("1394.45"),
    };
    assert_eq!(event.totals, expected);
    let nets: Vec<_> = event.items.iter().map(|l| l.net).collect();
    assert_eq!(
        nets,
        vec![
            money("1000.00"),
            money("90.00"),
            money("50.00"),
            money("25.00")
        ]
    );
}

#[test]
fn accepts_declared_totals_within_tolerance_and_keeps_the_computed_ones() {
    let computed = accepted(factura_a()).totals;
    let declared = Totals {
        iva: money("210.01"),
        total: money("1210.01"),
        ..computed
    };
    let event = accepted(RequestInvoice {
        declared_totals: Some(declared),
        ..factura_a()
    });
    assert_eq!(event.totals, computed);
}

#[test]
fn rejects_declared_totals_that_do_not_match() {
    let computed = accepted(factura_a()).totals;
    let declared = Totals {
        total: money("1211.00"),
        ..computed
    };
    let err = refused(RequestInvoice {
        declared_totals: Some(declared),
        ..factura_a()
    });
    assert_eq!(
        err,
        InvoiceError::TotalsMismatch {
            field: TotalsField::Total,
            expected: money("1210.00"),
            got: money("1211.00")
        }
    );
    assert_code(&err, "totals_mismatch", Some("totals.total"));
    let declared = Totals {
        net: money("999.00"),
        ..computed
    };
    assert_code(
        &refused(RequestInvoice {
            declared_totals: Some(declared),
            ..factura_a()
        }),
        "totals_mismatch",
        Some("totals.net"),
    );
}

#[test]
fn requires_a_description_for_tributes_of_kind_other() {
    let request = RequestInvoice {
        tributes: vec![tribute(TributeKind::Other, Some(" "), "1.00")],
        ..factura_a()
    };
    assert_code(
        &refused(request),
        "tribute_description_required",
        Some("tributes[0].description"),
    );
}

#[test]
fn refuses_amounts_beyond_what_arca_accepts() {
    let huge = with_items(
        factura_a(),
        vec![item(10, "9999999999999.99", taxed(IvaRate::Zero))],
    );
    assert_code(&refused(huge), "amount_too_large", Some("items[0]"));
    let big = item(1, "6000000000000.00", taxed(IvaRate::Zero));
    assert_code(
        &refused(with_items(factura_a(), vec![big.clone(), big])),
        "amount_too_large",
        Some("totals.net"),
    );
}
