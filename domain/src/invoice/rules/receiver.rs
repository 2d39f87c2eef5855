//! The receiver's document (ARCA.md §6.4).

use rust_decimal::Decimal;

use crate::aggregate::Policy;
use crate::invoice::commands::RequestInvoice;
use crate::invoice::error::InvoiceError;
use crate::values::{Cuit, DocType, ExchangeRate, Money, VoucherClass};

/// Class A, M and FCE need a CUIT (80); 99 takes number 0 and the others a number; CUIT, CUIL
/// and CDI need a valid check digit; the receiver is not the issuer.
pub fn check_document(cmd: &RequestInvoice) -> Result<(), InvoiceError> {
    let receiver = &cmd.receiver;
    let class = cmd.voucher_type.class();
    let needs_cuit =
        matches!(class, VoucherClass::A | VoucherClass::M) || cmd.voucher_type.is_fce();
    if needs_cuit && receiver.doc_type != DocType::Cuit {
        return Err(InvoiceError::ReceiverCuitRequired(cmd.voucher_type));
    }
    if receiver.doc_type.is_unidentified() != (receiver.doc_number == 0) {
        return Err(InvoiceError::InvalidDocumentNumber(receiver.doc_type));
    }
    if receiver.doc_type.has_check_digit() {
        Cuit::from_u64(receiver.doc_number).map_err(|error| InvoiceError::InvalidReceiverCuit {
            doc_type: receiver.doc_type,
            error,
        })?;
    }
    if receiver.doc_number == cmd.issuer.cuit.as_u64() {
        return Err(InvoiceError::ReceiverIsIssuer);
    }
    Ok(())
}

/// The receiver's postal address fits the printed voucher: at most
/// [`crate::invoice::MAX_ADDRESS_LEN`] characters.
pub fn check_address(cmd: &RequestInvoice) -> Result<(), InvoiceError> {
    let max = crate::invoice::MAX_ADDRESS_LEN;
    match &cmd.receiver.address {
        Some(address) if address.chars().count() > max => {
            Err(InvoiceError::ReceiverAddressTooLong(max))
        }
        _ => Ok(()),
    }
}

/// A class B voucher to an unidentified receiver (99) must stay below the policy threshold,
/// comparing total × exchange rate (ARCA 10015, RG 4444).
pub fn check_identification(
    cmd: &RequestInvoice,
    total: Money,
    rate: ExchangeRate,
    policy: &Policy,
) -> Result<(), InvoiceError> {
    if cmd.voucher_type.class() != VoucherClass::B || !cmd.receiver.doc_type.is_unidentified() {
        return Ok(());
    }
    let threshold = policy.final_consumer_id_threshold;
    let amount = total
        .amount()
        .checked_mul(rate.value())
        .unwrap_or(Decimal::MAX);
    if amount >= threshold.amount() {
        return Err(InvoiceError::ReceiverIdentificationRequired { threshold, amount });
    }
    Ok(())
}
