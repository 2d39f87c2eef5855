//! Rendered vouchers read back the way a person reads them: their text, their QR, their bytes and
//! where their words sit on the page.

mod bytes;
mod fields;
mod layout;
mod qr;
mod speed;
mod tools;
mod vouchers;
