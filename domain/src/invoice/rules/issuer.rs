//! The issuer side: point of sale and the letter it may issue to this receiver.

use crate::invoice::commands::RequestInvoice;
use crate::invoice::error::InvoiceError;

/// The point of sale is the issuer's; the issuer may issue the letter (C for monotributistas and
/// exempt issuers, A/B for responsables inscriptos, never M); the receiver's IVA condition may
/// receive it (RG 5616 table, ARCA 10243).
pub fn check(cmd: &RequestInvoice) -> Result<(), InvoiceError> {
    if !cmd.issuer.has_point_of_sale(cmd.point_of_sale) {
        return Err(InvoiceError::UnknownPointOfSale(cmd.point_of_sale));
    }
    let class = cmd.voucher_type.class();
    if !cmd.issuer.may_issue(class) {
        return Err(InvoiceError::LetterNotAllowedForIssuer {
            class,
            issuer: cmd.issuer.iva_condition,
        });
    }
    let receiver = cmd.receiver.iva_condition;
    if !receiver.valid_for(class) {
        return Err(InvoiceError::LetterNotAllowedForReceiver { class, receiver });
    }
    Ok(())
}
