//! ARCA's rules for a voucher request (ARCA.md §5–6), one file per subject. Each rule is a
//! function from the request to `Result<(), InvoiceError>`; `decide` runs them in order.

pub mod associated;
pub mod dates;
pub mod issuer;
pub mod receiver;
