//! Rules of the Factura de Crédito Electrónica MiPyMEs (types 201–213, ARCA.md §6.4): the buyer
//! is always a company identified by CUIT, and the invoices carry a payment due date.
//!
//! The manual lists 10176/10177 for the receiver without texts we could verify; the messages
//! below follow the wording of the class-A (10013) and padrón (10017) rules they mirror.
//! 10163's text is the one ARCA returned (django-afip#180).

use crate::certs::valid_cuit;
use crate::sim::tables::{is_fce, is_note};
use crate::wsfe::{Code, VoucherDetail};

fn code(code: i32, msg: &str) -> Code {
    Code {
        code,
        msg: msg.to_owned(),
    }
}

/// The first FCE rule `d` breaks, if `voucher_type` is an FCE type.
pub fn check(voucher_type: u16, d: &VoucherDetail) -> Option<Code> {
    if !is_fce(voucher_type) {
        return None;
    }
    if !is_note(voucher_type) && d.payment_due.is_none() {
        return Some(code(
            10163,
            "El campo FchVtoPago es obligatorio informar si es una Factura de Credito.",
        ));
    }
    if d.doc_type != 80 {
        return Some(code(
            10176,
            "Para comprobantes del tipo MiPyMEs (FCE) el campo DocTipo debe ser 80 (CUIT).",
        ));
    }
    if !valid_cuit(&format!("{:011}", d.doc_number)) {
        return Some(code(
            10177,
            "Para comprobantes del tipo MiPyMEs (FCE) el receptor informado no se encuentra registrado en los padrones de AFIP o no se encuentra activo.",
        ));
    }
    None
}
