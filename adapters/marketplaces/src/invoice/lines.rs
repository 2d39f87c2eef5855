//! Order lines, discounts and shipping → the domain's items.
//!
//! Items carry net unit prices (ARCA adds IVA on top of line nets), except on class C vouchers,
//! which carry none and take the price as paid. A tax-inclusive line is split so that its net is
//! round(gross ÷ (1 + rate)): the unit price is the net unit price rounded up to the cent and the
//! few cents that overshoots go into the line's discount, so quantity × unit − discount lands on
//! the exact net. The rounding left over by one line is carried to the next line of the same
//! treatment, so the nets of a rate add up to round(Σ gross ÷ (1 + rate)) and the invoice's total
//! matches what the buyer paid within a cent per rate, however many lines there are.

use std::collections::BTreeMap;

use domain::invoice::{Item, totals};
use domain::values::{IvaTreatment, Money, VoucherClass};
use rust_decimal::{Decimal, RoundingStrategy};

use super::{Held, HoldReason, InvoiceSettings, PriceBasis, Shipping};
use crate::order::MarketOrder;

/// One line before it becomes an item: its amounts in the platform's basis.
struct Priced<'a> {
    description: &'a str,
    sku: Option<&'a str>,
    quantity: Decimal,
    unit_price: Decimal,
    discount: Decimal,
}

/// The order's lines (with the order's discount spread over them) and, if settings say so, its
/// shipping line, as items for a voucher of `class`.
pub(super) fn items(
    order: &MarketOrder,
    settings: &InvoiceSettings,
    class: VoucherClass,
) -> Result<Vec<Item>, Held> {
    let mut priced: Vec<Priced<'_>> = order
        .lines
        .iter()
        .map(|l| Priced {
            description: l.title.trim(),
            sku: l.sku.as_deref(),
            quantity: l.quantity,
            unit_price: l.unit_price,
            discount: l.discount,
        })
        .collect();
    spread_discount(&mut priced, order.order_discount)?;
    let inclusive = match settings.price_basis {
        PriceBasis::FromOrder => order.taxes_included.unwrap_or(true),
        PriceBasis::TaxInclusive => true,
        PriceBasis::Net => false,
    };
    let mut items = Vec::with_capacity(priced.len() + 1);
    let mut carry = Carry::new();
    for line in &priced {
        let iva = treatment(
            class,
            settings,
            line.sku,
            settings.iva_by_sku.get(line.sku.unwrap_or("")),
        )?;
        items.push(item(line, iva, inclusive, &mut carry)?);
    }
    if let (Shipping::OwnLine { iva }, true) =
        (settings.shipping, order.shipping_cost > Decimal::ZERO)
    {
        let shipping = Priced {
            description: settings.shipping_description.trim(),
            sku: None,
            quantity: Decimal::ONE,
            unit_price: order.shipping_cost,
            discount: Decimal::ZERO,
        };
        let iva = treatment(class, settings, Some("shipping"), iva.as_ref())?;
        items.push(item(&shipping, iva, inclusive, &mut carry)?);
    }
    Ok(items)
}

/// The voucher's total, as the domain computes it.
pub(super) fn total(class: VoucherClass, items: &[Item]) -> Result<Decimal, Held> {
    totals::compute(class, items, &[])
        .map(|c| c.totals.total.amount())
        .map_err(|e| Held::new(HoldReason::InvalidLine, e.to_string()))
}

/// The line's treatment: none on class C; else its own, the default, or a hold.
fn treatment(
    class: VoucherClass,
    settings: &InvoiceSettings,
    sku: Option<&str>,
    own: Option<&IvaTreatment>,
) -> Result<Option<IvaTreatment>, Held> {
    if class == VoucherClass::C {
        return Ok(None);
    }
    match own.copied().or(settings.default_iva) {
        Some(t) => Ok(Some(t)),
        None => {
            let what =
                sku.map_or_else(|| "a line without SKU".to_owned(), |s| format!("SKU `{s}`"));
            let detail = format!("{what} has no IVA rate and the connection has no default");
            Err(Held::new(HoldReason::UnknownSkuRate, detail))
        }
    }
}

/// Spreads an order-level discount over the lines in proportion to their amounts, to the cent;
/// the last line takes the remainder.
fn spread_discount(lines: &mut [Priced<'_>], discount: Decimal) -> Result<(), Held> {
    if discount.is_zero() {
        return Ok(());
    }
    let amounts: Vec<Decimal> = lines
        .iter()
        .map(|l| l.quantity * l.unit_price - l.discount)
        .collect();
    let sum: Decimal = amounts.iter().sum();
    if discount.is_sign_negative() || discount > sum {
        let detail = format!("order discount {discount} exceeds the lines' {sum}");
        return Err(Held::new(HoldReason::InvalidLine, detail));
    }
    let mut left = discount;
    let last = lines.len().saturating_sub(1);
    for (i, (line, amount)) in lines.iter_mut().zip(amounts).enumerate() {
        let share = if i == last {
            left
        } else {
            (discount * amount / sum).round_dp(2).min(left)
        };
        line.discount += share;
        left -= share;
    }
    Ok(())
}

/// Per treatment, what the nets so far fell short of (positive) or exceeded (negative) the exact
/// nets by.
type Carry = BTreeMap<Option<IvaTreatment>, Decimal>;

fn item(
    line: &Priced<'_>,
    iva: Option<IvaTreatment>,
    inclusive: bool,
    carry: &mut Carry,
) -> Result<Item, Held> {
    let bad = |why: &str| {
        let detail = format!("line `{}`: {why}", line.description);
        Held::new(HoldReason::InvalidLine, detail)
    };
    let description = match (line.description, line.sku) {
        ("", Some(sku)) if !sku.trim().is_empty() => sku.trim().to_owned(),
        ("", _) => return Err(bad("no title and no SKU")),
        (d, _) => d.to_owned(),
    };
    let divisor = match iva {
        Some(IvaTreatment::Taxed(rate)) if inclusive => Decimal::ONE + rate.rate(),
        _ => Decimal::ONE,
    };
    let gross = line.quantity * line.unit_price - line.discount;
    if gross.is_sign_negative() && !gross.is_zero() {
        return Err(bad("discount above the line's amount"));
    }
    let unit =
        (line.unit_price / divisor).round_dp_with_strategy(2, RoundingStrategy::ToPositiveInfinity);
    let owed = carry.entry(iva).or_default();
    let exact = gross / divisor + *owed;
    let net = exact
        .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven)
        .clamp(Decimal::ZERO, line.quantity * unit);
    *owed = exact - net;
    let discount = line.quantity * unit - net;
    let money = |v: Decimal| Money::round(v).map_err(|e| bad(&e.to_string()));
    let discount = money(discount)?;
    Ok(Item {
        description,
        quantity: line.quantity,
        unit_price: money(unit)?,
        discount: (!discount.is_zero()).then_some(discount),
        iva,
    })
}
