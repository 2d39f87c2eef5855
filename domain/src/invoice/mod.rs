//! The invoice aggregate: one voucher from its request to ARCA's answer.
//!
//! Stream `invoice-{uuid}`. [`RequestInvoice`] is checked against ARCA's rules ([`rules`]) and
//! its amounts computed ([`totals`]); the lifecycle ([`lifecycle`]) then records the number,
//! the submission and the outcome. An invoice gets at most one CAE.

mod commands;
mod decide;
mod email;
mod error;
mod events;
pub mod lifecycle;
mod parts;
pub mod rules;
mod state;
#[cfg(test)]
mod tests;
pub mod totals;

pub use crate::taxpayer::IssuerSnapshot;
pub use commands::{
    AssignNumber, DeclaredTotals, InvoiceCommand, Item, MarkSubmitted, RecordCae, RecordDocument,
    RecordEmailOutcome, RecordRejection, RecordUnknownOutcome, RecordWebhookOutcome, ReleaseNumber,
    RequestInvoice,
};
pub use error::{InvoiceError, TotalsField};
pub use events::{
    ArcaMessage, CaeGranted, DocumentIssued, InvoiceEmailFailed, InvoiceEmailed, InvoiceEvent,
    InvoiceLine, InvoiceNumberAssigned, InvoiceNumberReleased, InvoiceRejected, InvoiceRequested,
    InvoiceSubmitted, IvaLine, SubmissionOutcomeUnknown, Totals, WebhookDelivered,
    WebhookDeliveryFailed,
};
pub use parts::{AssociatedVoucher, MAX_ADDRESS_LEN, Period, Receiver, ServicePeriod, Tribute};
pub use rules::dates::voucher_date_window;
pub use state::{Authorization, Invoice, InvoiceStatus};
