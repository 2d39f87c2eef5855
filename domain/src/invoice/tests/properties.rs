use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};

use super::*;
use crate::values::{IvaRate, IvaTreatment, Money, TributeKind, VoucherClass};

fn treatment() -> impl Strategy<Value = IvaTreatment> {
    prop_oneof![
        4 => (0..IvaRate::ALL.len()).prop_map(|i| IvaTreatment::Taxed(IvaRate::ALL[i])),
        1 => Just(IvaTreatment::Exempt),
        1 => Just(IvaTreatment::NotTaxed),
    ]
}

/// Quantity in thousandths, unit price in cents, discount as a percentage of the line.
fn item(iva: impl Strategy<Value = Option<IvaTreatment>>) -> impl Strategy<Value = Item> {
    (1i64..1_000_000, 0u64..10_000_000_000, 0u32..=100, iva).prop_map(|(qty, cents, pct, iva)| {
        let quantity = Decimal::new(qty, 3);
        let unit_price = Money::from_cents(cents).unwrap();
        let gross = quantity * unit_price.amount();
        let share = (gross * Decimal::from(pct) / Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(2, RoundingStrategy::ToZero);
        let discount = (pct > 0).then(|| Money::new(share).unwrap());
        Item {
            description: "x".to_owned(),
            quantity,
            unit_price,
            discount,
            iva,
        }
    })
}

fn tribute() -> impl Strategy<Value = Tribute> {
    (0u64..100_000_000).prop_map(|cents| Tribute {
        kind: TributeKind::GrossIncome,
        description: None,
        base: Money::ZERO,
        rate: None,
        amount: Money::from_cents(cents).unwrap(),
    })
}

fn sum(amounts: impl Iterator<Item = Money>) -> Decimal {
    amounts.map(Money::amount).sum()
}

proptest! {
    #[test]
    fn totals_add_up_exactly_and_iva_follows_each_rate(
        items in prop::collection::vec(item(treatment().prop_map(Some)), 1..12),
        tributes in prop::collection::vec(tribute(), 0..3),
    ) {
        let computed = totals::compute(VoucherClass::A, &items, &tributes).unwrap();
        let t = computed.totals;
        let parts = t.not_taxed.amount() + t.net.amount() + t.exempt.amount() + t.tributes.amount() + t.iva.amount();
        prop_assert_eq!(t.total.amount(), parts);
        prop_assert_eq!(t.iva.amount(), sum(computed.iva.iter().map(|l| l.amount)));
        prop_assert_eq!(t.net.amount(), sum(computed.iva.iter().map(|l| l.base)));
        prop_assert_eq!(t.tributes.amount(), sum(tributes.iter().map(|x| x.amount)));
        prop_assert_eq!(t.net.amount() + t.exempt.amount() + t.not_taxed.amount(), sum(computed.lines.iter().map(|l| l.net)));
        for line in &computed.iva {
            let exact = line.base.amount() * line.rate.rate();
            prop_assert!((line.amount.amount() - exact).abs() <= Decimal::new(5, 3), "{:?}", line);
        }
        let mut rates: Vec<_> = computed.iva.iter().map(|l| l.rate).collect();
        rates.dedup();
        prop_assert_eq!(rates.len(), computed.iva.len());
    }

    #[test]
    fn class_c_totals_are_net_plus_tributes(
        items in prop::collection::vec(item(Just(None)), 1..12),
        tributes in prop::collection::vec(tribute(), 0..3),
    ) {
        let computed = totals::compute(VoucherClass::C, &items, &tributes).unwrap();
        let t = computed.totals;
        prop_assert!(computed.iva.is_empty());
        prop_assert_eq!((t.iva, t.exempt, t.not_taxed), (Money::ZERO, Money::ZERO, Money::ZERO));
        prop_assert_eq!(t.total.amount(), t.net.amount() + t.tributes.amount());
    }
}
