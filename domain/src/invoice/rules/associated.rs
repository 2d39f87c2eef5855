//! Associated vouchers and periods (ARCA 10197, 10198).

use crate::invoice::commands::RequestInvoice;
use crate::invoice::error::InvoiceError;
use crate::invoice::lifecycle::MAX_VOUCHER_NUMBER;
use crate::taxpayer::POINT_OF_SALE_RANGE;

/// Notes need an associated voucher or period; nothing else may carry a period; associated
/// vouchers have a point of sale and number in range; a period does not end before it starts.
pub fn check(cmd: &RequestInvoice) -> Result<(), InvoiceError> {
    let is_note = cmd.voucher_type.is_note();
    if is_note && cmd.associated.is_empty() && cmd.associated_period.is_none() {
        return Err(InvoiceError::AssociatedVoucherRequired);
    }
    if !is_note && cmd.associated_period.is_some() {
        return Err(InvoiceError::AssociatedPeriodNotAllowed);
    }
    if let Some(period) = cmd.associated_period
        && period.from > period.to
    {
        return Err(InvoiceError::InvalidPeriod("associated_period"));
    }
    for (index, voucher) in cmd.associated.iter().enumerate() {
        let pos_ok = POINT_OF_SALE_RANGE.contains(&voucher.point_of_sale);
        if !pos_ok || !(1..=MAX_VOUCHER_NUMBER).contains(&voucher.number) {
            return Err(InvoiceError::InvalidAssociatedVoucher(index));
        }
    }
    Ok(())
}
