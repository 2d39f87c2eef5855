//! Items → line nets → bases per IVA rate → IVA per rate → totals, the way ARCA adds them up
//! (ARCA.md §6.3). Every rounding goes through [`round_half_even`], once per line and once per rate.

use std::borrow::Cow;
use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::commands::{DeclaredTotals, Item};
use super::error::{InvoiceError, TotalsField};
use super::events::{InvoiceLine, IvaLine, Totals};
use super::parts::Tribute;
use crate::values::{IvaRate, IvaTreatment, Money, VoucherClass, round_half_even};

/// What the items and tributes of a request add up to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computed {
    /// The items with their nets.
    pub lines: Vec<InvoiceLine>,
    /// Base and IVA per rate, lowest rate first.
    pub iva: Vec<IvaLine>,
    /// The totals.
    pub totals: Totals,
}

/// Sums per treatment, before conversion to [`Money`].
#[derive(Default)]
struct Sums {
    taxed: BTreeMap<IvaRate, Decimal>,
    exempt: Decimal,
    not_taxed: Decimal,
    untreated: Decimal,
}

/// Computes lines, IVA and totals, checking the items on the way.
pub fn compute(
    class: VoucherClass,
    items: &[Item],
    tributes: &[Tribute],
) -> Result<Computed, InvoiceError> {
    if items.is_empty() {
        return Err(InvoiceError::NoItems);
    }
    let mut sums = Sums::default();
    let mut lines = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        check_treatment(class, index, item.iva)?;
        let net = line_net(index, item)?;
        let slot = match item.iva {
            Some(IvaTreatment::Taxed(rate)) => sums.taxed.entry(rate).or_default(),
            Some(IvaTreatment::Exempt) => &mut sums.exempt,
            Some(IvaTreatment::NotTaxed) => &mut sums.not_taxed,
            None => &mut sums.untreated,
        };
        *slot += net.amount();
        lines.push(InvoiceLine {
            description: item.description.trim().to_owned(),
            quantity: item.quantity,
            unit_price: item.unit_price,
            discount: item.discount,
            iva: item.iva,
            net,
        });
    }
    let iva = iva_lines(&sums.taxed)?;
    let totals = totals(&sums, &iva, tributes)?;
    Ok(Computed { lines, iva, totals })
}

/// Class C items carry no treatment; the others need one.
fn check_treatment(
    class: VoucherClass,
    index: usize,
    iva: Option<IvaTreatment>,
) -> Result<(), InvoiceError> {
    match (class, iva) {
        (VoucherClass::C, Some(_)) => Err(InvoiceError::IvaOnCVoucher(index)),
        (VoucherClass::C, None) | (_, Some(_)) => Ok(()),
        (_, None) => Err(InvoiceError::IvaRateRequired(index)),
    }
}

/// round(quantity × unit_price − discount), half-even.
fn line_net(index: usize, item: &Item) -> Result<Money, InvoiceError> {
    if item.description.trim().is_empty() {
        return Err(InvoiceError::ItemDescriptionRequired(index));
    }
    if item.quantity <= Decimal::ZERO {
        return Err(InvoiceError::InvalidQuantity(index));
    }
    let too_large = || InvoiceError::AmountTooLarge(Cow::Owned(format!("items[{index}]")));
    let gross = item
        .quantity
        .checked_mul(item.unit_price.amount())
        .ok_or_else(too_large)?;
    let discount = item.discount.map_or(Decimal::ZERO, Money::amount);
    let net = gross - discount;
    if net < Decimal::ZERO {
        return Err(InvoiceError::DiscountExceedsAmount(index));
    }
    Money::round(net).map_err(|_| too_large())
}

/// One line per rate: base = Σ nets, amount = round(base × rate).
fn iva_lines(taxed: &BTreeMap<IvaRate, Decimal>) -> Result<Vec<IvaLine>, InvoiceError> {
    taxed
        .iter()
        .map(|(rate, base)| {
            Ok(IvaLine {
                rate: *rate,
                base: money(*base, TotalsField::Net)?,
                amount: money(round_half_even(*base * rate.rate()), TotalsField::Iva)?,
            })
        })
        .collect()
}

fn totals(sums: &Sums, iva: &[IvaLine], tributes: &[Tribute]) -> Result<Totals, InvoiceError> {
    let taxed: Decimal = sums.taxed.values().sum();
    let net = taxed + sums.untreated;
    let iva_total: Decimal = iva.iter().map(|l| l.amount.amount()).sum();
    let tributes_total: Decimal = tributes.iter().map(|t| t.amount.amount()).sum();
    let total = sums.not_taxed + net + sums.exempt + tributes_total + iva_total;
    Ok(Totals {
        not_taxed: money(sums.not_taxed, TotalsField::NotTaxed)?,
        net: money(net, TotalsField::Net)?,
        exempt: money(sums.exempt, TotalsField::Exempt)?,
        tributes: money(tributes_total, TotalsField::Tributes)?,
        iva: money(iva_total, TotalsField::Iva)?,
        total: money(total, TotalsField::Total)?,
    })
}

fn money(amount: Decimal, field: TotalsField) -> Result<Money, InvoiceError> {
    Money::new(amount).map_err(|_| InvoiceError::AmountTooLarge(Cow::Borrowed(field.path())))
}

/// Checks the client's totals against the computed ones, field by field, within ARCA's tolerance:
/// an absolute error of 0.01 per summed aliquot or tribute, or a relative error of 0.01 %.
pub fn check_declared(
    declared: &DeclaredTotals,
    computed: &Computed,
    tributes: usize,
) -> Result<(), InvoiceError> {
    let rates = computed.iva.len();
    let c = &computed.totals;
    let checks = [
        (TotalsField::NotTaxed, c.not_taxed, declared.not_taxed, 1),
        (TotalsField::Net, c.net, declared.net, rates),
        (TotalsField::Exempt, c.exempt, declared.exempt, 1),
        (
            TotalsField::Tributes,
            c.tributes,
            declared.tributes,
            tributes,
        ),
        (TotalsField::Iva, c.iva, declared.iva, rates),
        (
            TotalsField::Total,
            c.total,
            declared.total,
            rates + tributes,
        ),
    ];
    for (field, expected, got, terms) in checks {
        if !within_tolerance(expected, got, terms) {
            return Err(InvoiceError::TotalsMismatch {
                field,
                expected,
                got,
            });
        }
    }
    Ok(())
}

/// ARCA's tolerance (ARCA.md §6.3).
pub fn within_tolerance(expected: Money, got: Money, terms: usize) -> bool {
    let diff = (expected.amount() - got.amount()).abs();
    let cent = Decimal::new(1, 2);
    let terms = Decimal::from(terms.max(1));
    diff <= cent * terms || diff <= expected.amount() * Decimal::new(1, 4)
}
