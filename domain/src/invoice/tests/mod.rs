//! Given/when/then tests of the invoice aggregate, one file per subject.

mod amounts;
mod codec;
mod dates;
mod email;
mod issuer;
mod lifecycle;
mod notes;
mod properties;
mod receiver;
mod release;

use super::*;
use crate::testing::Scenario;

/// The error a request is refused with.
fn refused(request: RequestInvoice) -> InvoiceError {
    Scenario::<Invoice>::given([]).when(request).error()
}

/// The event of an accepted request.
fn accepted(request: RequestInvoice) -> InvoiceRequested {
    let mut events = Scenario::<Invoice>::given([]).when(request).events();
    assert_eq!(events.len(), 1);
    match events.remove(0) {
        InvoiceEvent::Requested(event) => *event,
        other => panic!("expected invoice.requested, got {other:?}"),
    }
}

/// Asserts an error's code and field.
#[track_caller]
fn assert_code(err: &InvoiceError, code: &str, field: Option<&str>) {
    assert_eq!((err.code(), err.field().as_deref()), (code, field), "{err}");
}
