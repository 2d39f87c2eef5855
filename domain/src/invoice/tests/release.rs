//! Numbers given back to the series, and re-sending after reconciliation.

use super::lifecycle::{authorized, numbered, rejection, submitted, unknown};
use super::*;
use crate::testing::{NOW, factura_a, requested};

fn release(reason: &str) -> ReleaseNumber {
    ReleaseNumber {
        reason: reason.to_owned(),
    }
}

fn released(reason: &str) -> InvoiceEvent {
    InvoiceEvent::NumberReleased(InvoiceNumberReleased {
        number: 7,
        reason: reason.to_owned(),
    })
}

#[test]
fn a_released_invoice_is_requested_again_without_a_number() {
    for (history, reason) in [
        (numbered(), "series_resumed"),
        (submitted(), "not_processed"),
        (unknown(), "series_resumed"),
    ] {
        let state = Scenario::<Invoice>::given(history)
            .when(release(reason))
            .then([released(reason)]);
        assert_eq!(state.status(), Some(InvoiceStatus::Requested));
        assert_eq!((state.number(), state.request_hash()), (None, None));
    }
}

#[test]
fn a_released_invoice_takes_its_new_number() {
    let mut history = submitted();
    history.push(released("not_processed"));
    let state = Scenario::<Invoice>::given(history)
        .when(AssignNumber { number: 9 })
        .then([InvoiceEvent::NumberAssigned(InvoiceNumberAssigned {
            number: 9,
        })]);
    assert_eq!(state.number(), Some(9));
}

#[test]
fn a_release_needs_a_reason() {
    let err = Scenario::<Invoice>::given(submitted())
        .when(release(" "))
        .error();
    assert_eq!(err, InvoiceError::ReleaseReasonRequired);
    assert_code(&err, "release_reason_required", Some("reason"));
}

#[test]
fn refuses_to_release_a_number_the_invoice_does_not_hold_or_has_used() {
    let cases = [
        (requested(factura_a()), InvoiceStatus::Requested),
        (authorized(), InvoiceStatus::Authorized),
    ];
    for (history, from) in cases {
        Scenario::<Invoice>::given(history)
            .when(release("not_processed"))
            .then_err(InvoiceError::InvalidTransition {
                from,
                command: "release_number",
            });
    }
    let mut rejected = submitted();
    rejected.push(InvoiceEvent::Rejected(InvoiceRejected {
        errors: rejection().errors,
        observations: vec![],
    }));
    Scenario::<Invoice>::given(rejected)
        .when(release("not_processed"))
        .then_err(InvoiceError::InvalidTransition {
            from: InvoiceStatus::Rejected,
            command: "release_number",
        });
}

#[test]
fn resends_the_same_number_after_reconciliation_found_it_missing() {
    let state = Scenario::<Invoice>::given(unknown())
        .when(MarkSubmitted {
            number: 7,
            request_hash: "h2".to_owned(),
        })
        .then([InvoiceEvent::Submitted(InvoiceSubmitted {
            number: 7,
            request_hash: "h2".to_owned(),
            submitted_at: NOW,
        })]);
    assert_eq!(state.status(), Some(InvoiceStatus::Submitted));
    assert_eq!(state.request_hash(), Some("h2"));
}

#[test]
fn refuses_to_resend_an_authorized_invoice() {
    Scenario::<Invoice>::given(authorized())
        .when(MarkSubmitted {
            number: 7,
            request_hash: "h2".to_owned(),
        })
        .then_err(InvoiceError::InvalidTransition {
            from: InvoiceStatus::Authorized,
            command: "mark_submitted",
        });
}
