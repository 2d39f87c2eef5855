//! The items table. Classes A and M show each line's net, IVA rate and amount with IVA; class B
//! shows prices with their IVA included, as a final consumer pays them; class C has no IVA.

use rust_decimal::{Decimal, RoundingStrategy};

use super::{ITEMS_TOP, LEFT, RIGHT, Sheet};
use crate::{
    canvas::{Canvas, bold, regular},
    format,
    text::Weight,
    voucher::{Item, LineIva},
};

/// Where descriptions start.
const DESCRIPTION_X: f32 = 19.0;
/// Item text size and line advance.
const SIZE: f32 = 8.0;
const LEADING: f32 = 10.0;
/// A description longer than this many lines is cut with an ellipsis.
const MAX_LINES: usize = 30;

/// A right-aligned column: its heading and right edge.
struct Column {
    title: &'static str,
    right: f32,
}

const fn column(title: &'static str, right: f32) -> Column {
    Column { title, right }
}

/// Classes A and M: the description's right edge, then the columns.
const ITEMIZED: (f32, &[Column]) = (
    225.0,
    &[
        column("Cantidad", 270.0),
        column("Precio Unit.", 335.0),
        column("Bonif.", 385.0),
        column("Subtotal", 450.0),
        column("Alíc. IVA", 500.0),
        column("Subtotal c/IVA", 577.0),
    ],
);

/// Classes B and C.
const PLAIN: (f32, &[Column]) = (
    300.0,
    &[
        column("Cantidad", 345.0),
        column("Precio Unit.", 420.0),
        column("Bonif.", 485.0),
        column("Subtotal", 577.0),
    ],
);

/// One item, set: its description's lines, the text of each column, and its height.
pub(super) struct Row {
    description: Vec<String>,
    cells: Vec<String>,
    pub(super) height: f32,
}

fn columns(sheet: &Sheet<'_>) -> (f32, &'static [Column]) {
    if sheet.itemizes_iva() {
        ITEMIZED
    } else {
        PLAIN
    }
}

/// Every item, set for the table.
pub(super) fn rows(sheet: &Sheet<'_>) -> Vec<Row> {
    let (description_right, _) = columns(sheet);
    let width = description_right - DESCRIPTION_X - 4.0;
    sheet
        .voucher
        .items
        .iter()
        .map(|item| {
            let description =
                (sheet.fonts).lines(&item.description, Weight::Regular, SIZE, width, MAX_LINES);
            let height = LEADING * description.len() as f32 + 4.0;
            Row {
                cells: cells(sheet, item),
                description,
                height: height.max(14.0),
            }
        })
        .collect()
}

fn cells(sheet: &Sheet<'_>, item: &Item) -> Vec<String> {
    let quantity = format::grouped(item.quantity, 2);
    let discount = |value: Decimal| {
        item.discount
            .filter(|d| !d.is_zero())
            .map_or_else(String::new, |_| format::amount(value))
    };
    let discount_amount = item.discount.unwrap_or_default();
    if sheet.itemizes_iva() {
        let rate = match item.iva {
            Some(LineIva::Taxed(rate)) => format::percent(rate),
            Some(LineIva::Exempt) => "Exento".to_owned(),
            Some(LineIva::NotTaxed) => "No gravado".to_owned(),
            None => String::new(),
        };
        return vec![
            quantity,
            format::grouped(item.unit_price, 2),
            discount(discount_amount),
            format::amount(item.net),
            rate,
            format::amount(with_iva(item.net, item.iva)),
        ];
    }
    let (unit_price, discount_amount, subtotal) = if sheet.includes_iva() {
        let unit = round(with_iva(item.unit_price, item.iva));
        (
            format::grouped(unit, 2),
            with_iva(discount_amount, item.iva),
            with_iva(item.net, item.iva),
        )
    } else {
        (
            format::grouped(item.unit_price, 2),
            discount_amount,
            item.net,
        )
    };
    vec![
        quantity,
        unit_price,
        discount(discount_amount),
        format::amount(subtotal),
    ]
}

/// An amount with the line's IVA added, rounded to cents as ARCA rounds (half-even).
fn with_iva(amount: Decimal, iva: Option<LineIva>) -> Decimal {
    match iva {
        Some(LineIva::Taxed(rate)) => round(amount + amount * rate / Decimal::ONE_HUNDRED),
        _ => amount,
    }
}

fn round(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven)
}

/// The table's heading, then `rows` from the top of the body.
pub(super) fn draw(canvas: &mut Canvas<'_, '_>, sheet: &Sheet<'_>, rows: &[Row]) {
    let (_, columns) = columns(sheet);
    canvas.shaded(LEFT, 260.0, RIGHT, 278.0, 204);
    canvas.left(DESCRIPTION_X, 272.0, "Producto / Servicio", bold(SIZE));
    for column in columns {
        canvas.right(column.right, 272.0, column.title, bold(SIZE));
    }
    let mut top = ITEMS_TOP;
    for row in rows {
        let baseline = top + LEADING;
        canvas.paragraph(
            DESCRIPTION_X,
            baseline,
            &row.description,
            regular(SIZE),
            LEADING,
        );
        for (column, cell) in columns.iter().zip(&row.cells) {
            canvas.right(column.right, baseline, cell, regular(SIZE));
        }
        top += row.height;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn adds_a_lines_iva_rounding_half_even() {
        let rate = Some(LineIva::Taxed(dec!(21)));
        assert_eq!(with_iva(dec!(100), rate), dec!(121));
        assert_eq!(
            with_iva(dec!(0.50), Some(LineIva::Taxed(dec!(10.5)))),
            dec!(0.55)
        );
        assert_eq!(
            with_iva(dec!(0.10), Some(LineIva::Taxed(dec!(25)))),
            dec!(0.12)
        );
        assert_eq!(with_iva(dec!(100), Some(LineIva::Exempt)), dec!(100));
        assert_eq!(with_iva(dec!(100), None), dec!(100));
    }
}
