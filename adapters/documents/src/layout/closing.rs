//! What closes the last page above the QR: the vouchers a note adjusts, then a box with the IVA
//! per rate (classes A and M), the Ley 27.743 transparency block (class B to a final consumer),
//! other taxes, the currency and its exchange rate on the left, and the totals on the right.

use rust_decimal::Decimal;

use super::{FOOTER_TOP, LEFT, RIGHT, Sheet};
use crate::{
    canvas::{Align, Canvas, Style, bold, regular},
    format, labels,
    text::Weight,
};

/// Left column: where labels start, and the right edges of its two amount columns.
const LABEL_X: f32 = 21.0;
const FIRST_AMOUNT: f32 = 200.0;
const SECOND_AMOUNT: f32 = 285.0;
/// Right column: where labels end and amounts end.
const TOTAL_LABEL: f32 = 491.0;
const TOTAL_AMOUNT: f32 = 573.0;
/// Space inside the box above and below its lines, and between the notes' lines and the box.
const PADDING: f32 = 6.0;
const GAP: f32 = 4.0;

/// Ley 27.618's legend on class A vouchers to monotributistas.
const LEY_27618: &str = "El crédito fiscal discriminado en el presente comprobante, sólo podrá ser \
    computado a efectos del Régimen de Sostenimiento e Inclusión Fiscal para Pequeños \
    Contribuyentes de la Ley Nº 27.618";

/// A line of text pieces, each at its x and alignment, `height` points tall.
struct Line {
    pieces: Vec<(f32, Align, String)>,
    style: Style,
    height: f32,
}

impl Line {
    fn new(style: Style, height: f32, pieces: Vec<(f32, Align, String)>) -> Self {
        Self {
            pieces,
            style,
            height,
        }
    }

    /// A label at the left and up to two amounts in the left column's amount columns.
    fn row(style: Style, label: String, first: String, second: String) -> Self {
        Self::new(
            style,
            11.0,
            vec![
                (LABEL_X, Align::Left, label),
                (FIRST_AMOUNT, Align::Right, first),
                (SECOND_AMOUNT, Align::Right, second),
            ],
        )
    }

    /// A total: its label and amount, right-aligned.
    fn total(style: Style, label: String, amount: Decimal) -> Self {
        Self::new(
            style,
            16.0,
            vec![
                (TOTAL_LABEL, Align::Right, label),
                (TOTAL_AMOUNT, Align::Right, format::amount(amount)),
            ],
        )
    }
}

fn height(lines: &[Line]) -> f32 {
    lines.iter().map(|line| line.height).sum()
}

/// The closing block, set and measured.
pub(super) struct Closing {
    notes: Vec<Line>,
    left: Vec<Line>,
    right: Vec<Line>,
    pub(super) height: f32,
}

impl Closing {
    pub(super) fn new(sheet: &Sheet<'_>) -> Self {
        let notes = associated(sheet);
        let mut left = currency(sheet);
        left.extend(iva_rates(sheet));
        left.extend(transparency(sheet));
        left.extend(tributes(sheet));
        left.extend(monotributo_legend(sheet));
        let right = totals(sheet);
        let notes_height = if notes.is_empty() {
            0.0
        } else {
            height(&notes) + GAP
        };
        let height = notes_height + box_height(&left, &right);
        Self {
            notes,
            left,
            right,
            height,
        }
    }

    pub(super) fn draw(&self, canvas: &mut Canvas<'_, '_>) {
        let mut top = FOOTER_TOP - 6.0 - self.height;
        top = lines(canvas, &self.notes, top);
        if !self.notes.is_empty() {
            top += GAP;
        }
        canvas.frame(
            LEFT,
            top,
            RIGHT,
            top + box_height(&self.left, &self.right),
            1.0,
        );
        lines(canvas, &self.left, top + PADDING);
        lines(canvas, &self.right, top + PADDING);
    }
}

fn box_height(left: &[Line], right: &[Line]) -> f32 {
    height(left).max(height(right)) + 2.0 * PADDING
}

/// Draws `lines` from `top`, each on the baseline near its slot's bottom; returns where they end.
fn lines(canvas: &mut Canvas<'_, '_>, lines: &[Line], mut top: f32) -> f32 {
    for line in lines {
        let baseline = top + line.height - 3.0;
        for (x, align, text) in &line.pieces {
            canvas.text(*x, baseline, text, line.style, *align);
        }
        top += line.height;
    }
    top
}

fn associated(sheet: &Sheet<'_>) -> Vec<Line> {
    let voucher = sheet.voucher;
    let mut notes: Vec<Line> = voucher
        .associated_vouchers
        .iter()
        .map(|associated| {
            let name = labels::voucher_name(associated.voucher_type).map_or_else(
                || format!("COD. {:03}", associated.voucher_type),
                |name| format!("{} {}", name.title, name.letter),
            );
            let mut text = format!(
                "Comprobante asociado: {name} {}",
                format::voucher_number(associated.point_of_sale, associated.number)
            );
            if let Some(date) = associated.date {
                text.push_str(&format!(" del {}", format::date(date)));
            }
            if let Some(cuit) = associated.cuit.filter(|cuit| *cuit != voucher.issuer.cuit) {
                text.push_str(&format!(" (CUIT {cuit})"));
            }
            Line::new(bold(8.0), 12.0, vec![(LABEL_X, Align::Left, text)])
        })
        .collect();
    if let Some(period) = voucher.associated_period {
        let text = format!(
            "Período asociado: desde {} hasta {}",
            format::date(period.from),
            format::date(period.to)
        );
        notes.push(Line::new(
            bold(8.0),
            12.0,
            vec![(LABEL_X, Align::Left, text)],
        ));
    }
    notes
}

fn currency(sheet: &Sheet<'_>) -> Vec<Line> {
    let currency = &sheet.voucher.currency;
    if currency.is_pesos() {
        return Vec::new();
    }
    let name = format!("Moneda: {} - {}", currency.code, currency.name);
    let rate = format!(
        "Tipo de cambio: {}",
        format::grouped(currency.exchange_rate, 2)
    );
    vec![
        Line::new(bold(8.0), 11.0, vec![(LABEL_X, Align::Left, name)]),
        Line::new(bold(8.0), 14.0, vec![(LABEL_X, Align::Left, rate)]),
    ]
}

fn iva_rates(sheet: &Sheet<'_>) -> Vec<Line> {
    if !sheet.itemizes_iva() {
        return Vec::new();
    }
    let rows = sheet.voucher.iva.iter().map(|line| {
        let label = format!("IVA {}", format::percent(line.rate));
        [
            label,
            format::amount(line.base),
            format::amount(line.amount),
        ]
    });
    table(["Alícuota", "Neto Gravado", "IVA"], rows)
}

/// A heading and rows of a label and two amounts, then a little space; nothing without rows.
fn table(heading: [&str; 3], rows: impl Iterator<Item = [String; 3]>) -> Vec<Line> {
    let mut lines: Vec<Line> = rows
        .map(|[label, first, second]| Line::row(regular(8.0), label, first, second))
        .collect();
    if lines.is_empty() {
        return lines;
    }
    let [label, first, second] = heading.map(str::to_owned);
    lines.insert(0, Line::row(bold(8.0), label, first, second));
    spacer(&mut lines);
    lines
}

/// Ley 27.743 (RG 5614): class B vouchers to a final consumer show the IVA the price contains
/// and the national indirect taxes (tributes 1 and 4).
fn transparency(sheet: &Sheet<'_>) -> Vec<Line> {
    let voucher = sheet.voucher;
    if !sheet.includes_iva() || voucher.receiver.iva_condition != labels::FINAL_CONSUMER {
        return Vec::new();
    }
    let indirect: Decimal = voucher
        .tributes
        .iter()
        .filter(|t| labels::NATIONAL_INDIRECT.contains(&t.kind))
        .map(|t| t.amount)
        .sum();
    let sign = sheet.currency_sign();
    let amount = |value: Decimal| format!("{sign} {}", format::amount(value));
    let title = "Régimen de Transparencia Fiscal al Consumidor (Ley 27.743)".to_owned();
    let mut lines = vec![
        Line::new(bold(8.0), 11.0, vec![(LABEL_X, Align::Left, title)]),
        Line::row(
            regular(8.0),
            "IVA Contenido:".into(),
            String::new(),
            amount(voucher.totals.iva),
        ),
        Line::row(
            regular(8.0),
            "Otros Impuestos Nacionales Indirectos:".into(),
            String::new(),
            amount(indirect),
        ),
    ];
    spacer(&mut lines);
    lines
}

fn tributes(sheet: &Sheet<'_>) -> Vec<Line> {
    let rows = sheet.voucher.tributes.iter().map(|tribute| {
        let name = tribute
            .description
            .clone()
            .or_else(|| labels::tribute(tribute.kind).map(str::to_owned))
            .unwrap_or_else(|| format!("Tributo {}", tribute.kind));
        let rate = tribute
            .rate
            .map(|rate| format::grouped(rate, 2))
            .unwrap_or_default();
        [name, rate, format::amount(tribute.amount)]
    });
    table(["Otros Tributos", "Alíc. %", "Importe"], rows)
}

fn monotributo_legend(sheet: &Sheet<'_>) -> Vec<Line> {
    if !sheet.itemizes_iva() || !labels::MONOTRIBUTO.contains(&sheet.voucher.receiver.iva_condition)
    {
        return Vec::new();
    }
    let width = SECOND_AMOUNT - LABEL_X;
    sheet
        .fonts
        .wrap(LEY_27618, Weight::Regular, 7.0, width)
        .into_iter()
        .map(|text| Line::new(regular(7.0), 9.0, vec![(LABEL_X, Align::Left, text)]))
        .collect()
}

/// A little space after a block of the left column.
fn spacer(lines: &mut Vec<Line>) {
    lines.push(Line::new(regular(8.0), 5.0, Vec::new()));
}

fn totals(sheet: &Sheet<'_>) -> Vec<Line> {
    let totals = &sheet.voucher.totals;
    let sign = sheet.currency_sign();
    let label = |text: &str| format!("{text}: {sign}");
    let mut lines = Vec::new();
    if sheet.itemizes_iva() {
        lines.push(Line::total(
            bold(9.0),
            label("Importe Neto Gravado"),
            totals.net,
        ));
        if !totals.not_taxed.is_zero() {
            lines.push(Line::total(
                bold(9.0),
                label("Importe Neto No Gravado"),
                totals.not_taxed,
            ));
        }
        if !totals.exempt.is_zero() {
            lines.push(Line::total(
                bold(9.0),
                label("Importe Exento"),
                totals.exempt,
            ));
        }
        lines.push(Line::total(bold(9.0), label("IVA"), totals.iva));
    } else {
        let subtotal = totals.total - totals.tributes;
        lines.push(Line::total(bold(9.0), label("Subtotal"), subtotal));
    }
    lines.push(Line::total(
        bold(9.0),
        label("Importe Otros Tributos"),
        totals.tributes,
    ));
    lines.push(Line::total(
        bold(10.0),
        label("Importe Total"),
        totals.total,
    ));
    lines
}
