//! The foot of each page: on the last, the QR, "Comprobante Autorizado", the CAE and its due
//! date; on the others, a note that the voucher goes on; on all, the page number and which
//! voucher the page belongs to.

use super::{BODY_BOTTOM, FOOTER_TOP, LEFT, RIGHT, Sheet};
use crate::{
    RenderError,
    canvas::{Align, Canvas, bold, regular},
    format, qr,
};

/// The QR's side and left edge; the text beside it starts at `TEXT_X`.
const QR_SIDE: f32 = 92.0;
const QR_X: f32 = 20.0;
const TEXT_X: f32 = 122.0;
/// Where the CAE's labels end.
const CAE_LABEL: f32 = 470.0;

const DISCLAIMER: &str = "Esta Agencia no se responsabiliza por la veracidad de los datos \
    ingresados en el detalle de la operación";

pub(super) fn authorization(
    canvas: &mut Canvas<'_, '_>,
    sheet: &Sheet<'_>,
) -> Result<(), RenderError> {
    let authorization = &sheet.voucher.authorization;
    let (modules, path) = qr::path(&authorization.qr_url).map_err(RenderError::Qr)?;
    if let Some(path) = path {
        let module = QR_SIDE / modules as f32;
        canvas.fill_black(&path, QR_X, FOOTER_TOP + 4.0, module);
    }
    canvas.left(TEXT_X, FOOTER_TOP + 22.0, "ARCA", bold(16.0));
    let agency = "Agencia de Recaudación y Control Aduanero";
    canvas.left(TEXT_X, FOOTER_TOP + 31.0, agency, regular(6.0));
    canvas.left(
        TEXT_X,
        FOOTER_TOP + 50.0,
        "Comprobante Autorizado",
        bold(9.0),
    );
    canvas.left(TEXT_X, FOOTER_TOP + 64.0, DISCLAIMER, regular(6.0));
    let cae_top = FOOTER_TOP + 14.0;
    canvas.right(CAE_LABEL, cae_top, "CAE N°:", bold(10.0));
    canvas.left(CAE_LABEL + 5.0, cae_top, &authorization.cae, regular(10.0));
    canvas.right(
        CAE_LABEL,
        cae_top + 15.0,
        "Fecha de Vto. de CAE:",
        bold(10.0),
    );
    let due = format::date(authorization.cae_due_date);
    canvas.left(CAE_LABEL + 5.0, cae_top + 15.0, &due, regular(10.0));
    Ok(())
}

pub(super) fn continued(canvas: &mut Canvas<'_, '_>) {
    canvas.right(
        RIGHT - 8.0,
        BODY_BOTTOM + 14.0,
        "Continúa en la página siguiente",
        bold(9.0),
    );
}

pub(super) fn page_number(
    canvas: &mut Canvas<'_, '_>,
    sheet: &Sheet<'_>,
    page: usize,
    pages: usize,
) {
    let number = format!("Pág. {page}/{pages}");
    canvas.text(298.0, FOOTER_TOP + 14.0, &number, bold(10.0), Align::Centre);
    canvas.left(LEFT, 826.0, &sheet.reference(), regular(7.0));
}
