//! What every page repeats above the items: "ORIGINAL", the letter box with the voucher code, the
//! issuer on the left, the voucher's data on the right, the service period band and the receiver.

use super::{LEFT, RIGHT, Sheet};
use crate::{
    canvas::{Align, Canvas, bold, regular},
    format,
    text::Weight,
};

/// The middle of the frame, where the letter box stands.
const MIDDLE: f32 = 298.5;
/// The left edge of the voucher data column.
const DATA_X: f32 = 341.0;

pub(super) fn draw(canvas: &mut Canvas<'_, '_>, sheet: &Sheet<'_>) {
    frame_and_letter(canvas, sheet);
    issuer(canvas, sheet);
    voucher_data(canvas, sheet);
    period(canvas, sheet);
    receiver(canvas, sheet);
}

fn frame_and_letter(canvas: &mut Canvas<'_, '_>, sheet: &Sheet<'_>) {
    canvas.frame(LEFT, 23.0, RIGHT, 169.0, 0.5);
    canvas.line(LEFT, 50.5, RIGHT, 50.5, 0.5);
    canvas.text(MIDDLE, 42.3, "ORIGINAL", bold(14.0), Align::Centre);
    canvas.line(MIDDLE, 92.0, MIDDLE, 169.0, 0.5);
    canvas.frame(275.0, 51.0, 322.0, 92.0, 0.75);
    let letter = sheet.name.letter.to_string();
    canvas.text(MIDDLE, 73.9, &letter, bold(24.0), Align::Centre);
    let code = format!("COD. {:03}", sheet.voucher.voucher_type);
    canvas.text(MIDDLE, 86.0, &code, bold(8.0), Align::Centre);
}

fn issuer(canvas: &mut Canvas<'_, '_>, sheet: &Sheet<'_>) {
    let issuer = &sheet.voucher.issuer;
    let fonts = canvas.fonts;
    let centre = (LEFT + 275.0) / 2.0;
    let name = fonts.lines(&issuer.legal_name, Weight::Bold, 12.0, 250.0, 2);
    let first = if name.len() > 1 { 70.0 } else { 77.0 };
    for (index, line) in name.iter().enumerate() {
        canvas.text(
            centre,
            first + 14.0 * index as f32,
            line,
            bold(12.0),
            Align::Centre,
        );
    }
    let room = MIDDLE - 4.0;
    let label_end = canvas.left(21.0, 116.6, "Razón Social:", bold(9.0)) + 2.7;
    let size = fonts.fit(&issuer.legal_name, Weight::Regular, 9.0, room - label_end);
    canvas.left(label_end, 116.6, &issuer.legal_name, regular(size));
    let label_end = canvas.left(21.0, 140.6, "Domicilio Comercial:", bold(9.0)) + 2.7;
    let address = fonts.lines(&issuer.address, Weight::Regular, 9.0, room - label_end, 2);
    canvas.paragraph(label_end, 140.6, &address, regular(9.0), 10.35);
    canvas.pair(
        21.0,
        165.4,
        "Condición frente al IVA:",
        sheet.issuer_condition,
        9.0,
    );
}

fn voucher_data(canvas: &mut Canvas<'_, '_>, sheet: &Sheet<'_>) {
    let voucher = sheet.voucher;
    let title_size = canvas
        .fonts
        .fit(sheet.name.title, Weight::Bold, 18.0, RIGHT - DATA_X - 6.0);
    canvas.left(DATA_X, 77.3, sheet.name.title, bold(title_size));
    let end = canvas.left(DATA_X, 99.2, "Punto de Venta:", bold(9.0));
    let end = canvas.left(
        end + 4.0,
        99.2,
        &format::point_of_sale(voucher.point_of_sale),
        bold(10.0),
    );
    let end = canvas.left(end + 14.0, 99.2, "Comp. Nro:", bold(9.0));
    canvas.left(end + 4.0, 99.2, &format::number(voucher.number), bold(10.0));
    let end = canvas.left(DATA_X, 115.4, "Fecha de Emisión:", bold(9.0));
    canvas.left(
        end + 4.0,
        115.4,
        &format::date(voucher.issue_date),
        bold(10.0),
    );
    canvas.pair(
        DATA_X,
        138.4,
        "CUIT:",
        &voucher.issuer.cuit.to_string(),
        9.0,
    );
    if let Some(number) = &voucher.issuer.gross_income_number {
        canvas.pair(DATA_X, 150.4, "Ingresos Brutos:", number, 9.0);
    }
    if let Some(start) = voucher.issuer.activities_start {
        let label = "Fecha de Inicio de Actividades:";
        canvas.pair(DATA_X, 162.4, label, &format::date(start), 9.0);
    }
}

fn period(canvas: &mut Canvas<'_, '_>, sheet: &Sheet<'_>) {
    canvas.frame(LEFT, 170.0, RIGHT, 192.0, 0.5);
    let Some(period) = sheet.voucher.service_period else {
        return;
    };
    canvas.pair(
        21.0,
        185.3,
        "Período Facturado Desde:",
        &format::date(period.from),
        10.0,
    );
    canvas.pair(232.4, 185.3, "Hasta:", &format::date(period.to), 10.0);
    let label = "Fecha de Vto. para el pago:";
    canvas.pair(363.1, 185.3, label, &format::date(period.payment_due), 10.0);
}

fn receiver(canvas: &mut Canvas<'_, '_>, sheet: &Sheet<'_>) {
    let receiver = &sheet.voucher.receiver;
    let fonts = canvas.fonts;
    canvas.frame(LEFT, 194.0, RIGHT, 256.0, 0.5);
    if let Some(document) = sheet.document {
        let label = format!("{document}:");
        canvas.pair(21.0, 204.6, &label, &receiver.doc_number.to_string(), 9.0);
    }
    // Name and address start together, after the longer of their labels.
    let value_x = canvas.left(222.4, 203.6, "Apellido y Nombre / Razón Social:", bold(8.0)) + 4.0;
    let room = RIGHT - 3.0 - value_x;
    let name = receiver.name.as_deref().unwrap_or_default();
    let name = fonts.lines(name, Weight::Regular, 8.0, room, 2);
    canvas.paragraph(value_x, 203.6, &name, regular(8.0), 9.2);
    canvas.pair(
        21.0,
        220.6,
        "Condición frente al IVA:",
        sheet.receiver_condition,
        8.0,
    );
    canvas.right(value_x - 4.0, 220.6, "Domicilio:", bold(8.0));
    let address = receiver.address.as_deref().unwrap_or_default();
    let address = fonts.lines(address, Weight::Regular, 8.0, room, 3);
    canvas.paragraph(value_x, 220.6, &address, regular(8.0), 9.2);
    if let Some(condition) = &sheet.voucher.sale_condition {
        canvas.pair(21.0, 240.6, "Condición de venta:", condition, 8.0);
    }
}
