use time::macros::date;

use super::*;
use crate::invoice::lifecycle::MAX_VOUCHER_NUMBER;
use crate::testing::{NOW, factura_a, requested};

const CAE: &str = "71263951827464";

pub(super) fn numbered() -> Vec<InvoiceEvent> {
    let mut events = requested(factura_a());
    events.push(InvoiceEvent::NumberAssigned(InvoiceNumberAssigned {
        number: 7,
    }));
    events
}

pub(super) fn submitted() -> Vec<InvoiceEvent> {
    let mut events = numbered();
    events.push(InvoiceEvent::Submitted(InvoiceSubmitted {
        number: 7,
        request_hash: "h1".to_owned(),
        submitted_at: NOW,
    }));
    events
}

pub(super) fn unknown() -> Vec<InvoiceEvent> {
    let mut events = submitted();
    events.push(InvoiceEvent::OutcomeUnknown(SubmissionOutcomeUnknown {
        reason: "timeout".to_owned(),
    }));
    events
}

fn record_cae(number: u64, cae: &str) -> RecordCae {
    RecordCae {
        number,
        cae: cae.to_owned(),
        cae_due_date: date!(2025 - 07 - 11),
        observations: vec![],
    }
}

fn granted(number: u64, cae: &str) -> InvoiceEvent {
    InvoiceEvent::CaeGranted(CaeGranted {
        number,
        cae: cae.to_owned(),
        cae_due_date: date!(2025 - 07 - 11),
        observations: vec![],
    })
}

pub(super) fn authorized() -> Vec<InvoiceEvent> {
    let mut events = submitted();
    events.push(granted(7, CAE));
    events
}

pub(super) fn rejection() -> RecordRejection {
    RecordRejection {
        errors: vec![ArcaMessage {
            code: 10016,
            message: "numero".to_owned(),
        }],
        observations: vec![],
    }
}

fn invalid(from: InvoiceStatus, command: &'static str) -> InvoiceError {
    InvoiceError::InvalidTransition { from, command }
}

#[test]
fn assigns_a_number_to_a_requested_invoice() {
    let state = Scenario::<Invoice>::given(requested(factura_a()))
        .when(AssignNumber { number: 7 })
        .then([InvoiceEvent::NumberAssigned(InvoiceNumberAssigned {
            number: 7,
        })]);
    assert_eq!(
        (state.status(), state.number()),
        (Some(InvoiceStatus::Numbered), Some(7))
    );
}

#[test]
fn refuses_to_number_an_invoice_twice() {
    let err = Scenario::<Invoice>::given(numbered())
        .when(AssignNumber { number: 8 })
        .error();
    assert_eq!(err, invalid(InvoiceStatus::Numbered, "assign_number"));
    assert_eq!(
        (err.code(), err.to_string().as_str()),
        (
            "invalid_transition",
            "cannot assign_number an invoice that is numbered"
        )
    );
}

#[test]
fn refuses_voucher_numbers_outside_arca_range() {
    for number in [0, 100_000_000] {
        Scenario::<Invoice>::given(requested(factura_a()))
            .when(AssignNumber { number })
            .then_err(InvoiceError::InvalidVoucherNumber(number));
    }
}

#[test]
fn refuses_lifecycle_commands_on_an_invoice_never_requested() {
    let err = Scenario::<Invoice>::given([])
        .when(AssignNumber { number: 1 })
        .error();
    assert_eq!(
        err,
        InvoiceError::NotRequested {
            command: "assign_number"
        }
    );
    assert_eq!(err.code(), "not_requested");
}

#[test]
fn marks_a_numbered_invoice_submitted() {
    let state = Scenario::<Invoice>::given(numbered())
        .when(MarkSubmitted {
            number: 7,
            request_hash: "h1".to_owned(),
        })
        .then([InvoiceEvent::Submitted(InvoiceSubmitted {
            number: 7,
            request_hash: "h1".to_owned(),
            submitted_at: NOW,
        })]);
    assert_eq!(
        (state.status(), state.request_hash()),
        (Some(InvoiceStatus::Submitted), Some("h1"))
    );
}

#[test]
fn submitting_a_requested_invoice_numbers_it_in_the_same_event() {
    let state = Scenario::<Invoice>::given(requested(factura_a()))
        .when(MarkSubmitted {
            number: 12,
            request_hash: "h1".to_owned(),
        })
        .then([InvoiceEvent::Submitted(InvoiceSubmitted {
            number: 12,
            request_hash: "h1".to_owned(),
            submitted_at: NOW,
        })]);
    assert_eq!(
        (state.status(), state.number()),
        (Some(InvoiceStatus::Submitted), Some(12))
    );
}

#[test]
fn refuses_to_submit_another_number_than_the_assigned_one_or_with_an_empty_hash() {
    Scenario::<Invoice>::given(numbered())
        .when(MarkSubmitted {
            number: 8,
            request_hash: "h1".to_owned(),
        })
        .then_err(InvoiceError::NumberMismatch {
            assigned: 7,
            got: 8,
        });
    Scenario::<Invoice>::given(unknown())
        .when(MarkSubmitted {
            number: 6,
            request_hash: "h2".to_owned(),
        })
        .then_err(InvoiceError::NumberMismatch {
            assigned: 7,
            got: 6,
        });
    for number in [0, MAX_VOUCHER_NUMBER + 1] {
        Scenario::<Invoice>::given(requested(factura_a()))
            .when(MarkSubmitted {
                number,
                request_hash: "h1".to_owned(),
            })
            .then_err(InvoiceError::InvalidVoucherNumber(number));
    }
    Scenario::<Invoice>::given(numbered())
        .when(MarkSubmitted {
            number: 7,
            request_hash: " ".to_owned(),
        })
        .then_err(InvoiceError::InvalidRequestHash);
}

#[test]
fn records_the_cae_of_a_submitted_invoice() {
    let state = Scenario::<Invoice>::given(submitted())
        .when(record_cae(7, CAE))
        .then([granted(7, CAE)]);
    assert_eq!(state.status(), Some(InvoiceStatus::Authorized));
    assert_eq!(state.authorization().map(|a| a.cae.as_str()), Some(CAE));
}

#[test]
fn records_a_cae_found_after_an_unknown_outcome() {
    Scenario::<Invoice>::given(unknown())
        .when(record_cae(7, CAE))
        .then([granted(7, CAE)]);
}

#[test]
fn refuses_a_second_cae() {
    let err = Scenario::<Invoice>::given(authorized())
        .when(record_cae(7, "71263951827465"))
        .error();
    assert_eq!(
        (err.clone(), err.code()),
        (InvoiceError::AlreadyAuthorized, "already_authorized")
    );
}

#[test]
fn recording_the_same_cae_again_changes_nothing() {
    Scenario::<Invoice>::given(authorized())
        .when(record_cae(7, CAE))
        .then([]);
}

#[test]
fn refuses_a_cae_for_another_number() {
    Scenario::<Invoice>::given(submitted())
        .when(record_cae(8, CAE))
        .then_err(InvoiceError::NumberMismatch {
            assigned: 7,
            got: 8,
        });
}

#[test]
fn refuses_a_cae_that_is_not_fourteen_digits() {
    for cae in ["7126395182746", "7126395182746x", ""] {
        Scenario::<Invoice>::given(submitted())
            .when(record_cae(7, cae))
            .then_err(InvoiceError::InvalidCae);
    }
}

#[test]
fn refuses_a_cae_before_submission() {
    Scenario::<Invoice>::given(numbered())
        .when(record_cae(7, CAE))
        .then_err(invalid(InvoiceStatus::Numbered, "record_cae"));
}

#[test]
fn records_a_rejection_after_submission_or_an_unknown_outcome() {
    for given in [submitted(), unknown()] {
        let state =
            Scenario::<Invoice>::given(given)
                .when(rejection())
                .then([InvoiceEvent::Rejected(InvoiceRejected {
                    errors: rejection().errors,
                    observations: vec![],
                })]);
        assert_eq!(state.status(), Some(InvoiceStatus::Rejected));
        assert!(state.rejection().is_some());
    }
}

#[test]
fn refuses_a_rejection_without_reasons() {
    Scenario::<Invoice>::given(submitted())
        .when(RecordRejection {
            errors: vec![],
            observations: vec![],
        })
        .then_err(InvoiceError::RejectionReasonRequired);
}

#[test]
fn refuses_a_rejection_of_an_authorized_invoice() {
    Scenario::<Invoice>::given(authorized())
        .when(rejection())
        .then_err(invalid(InvoiceStatus::Authorized, "record_rejection"));
}

#[test]
fn records_an_unknown_outcome_only_after_submission() {
    let state = Scenario::<Invoice>::given(submitted())
        .when(RecordUnknownOutcome {
            reason: "timeout".to_owned(),
        })
        .then([InvoiceEvent::OutcomeUnknown(SubmissionOutcomeUnknown {
            reason: "timeout".to_owned(),
        })]);
    assert_eq!(state.status(), Some(InvoiceStatus::OutcomeUnknown));
    Scenario::<Invoice>::given(unknown())
        .when(RecordUnknownOutcome {
            reason: "again".to_owned(),
        })
        .then_err(invalid(
            InvoiceStatus::OutcomeUnknown,
            "record_unknown_outcome",
        ));
    Scenario::<Invoice>::given(numbered())
        .when(RecordUnknownOutcome {
            reason: "x".to_owned(),
        })
        .then_err(invalid(InvoiceStatus::Numbered, "record_unknown_outcome"));
}

#[test]
fn a_rejected_invoice_accepts_nothing_more() {
    let mut events = submitted();
    events.push(InvoiceEvent::Rejected(InvoiceRejected {
        errors: rejection().errors,
        observations: vec![],
    }));
    Scenario::<Invoice>::given(events)
        .when(record_cae(7, CAE))
        .then_err(invalid(InvoiceStatus::Rejected, "record_cae"));
}

#[test]
fn serializes_statuses_in_snake_case() {
    assert_eq!(
        serde_json::to_string(&InvoiceStatus::OutcomeUnknown).unwrap(),
        "\"outcome_unknown\""
    );
    assert_eq!(InvoiceStatus::Authorized.to_string(), "authorized");
}

#[test]
fn names_its_stream_after_the_invoice_uuid() {
    let id = factura_a().invoice_id;
    assert_eq!(
        Invoice::stream_id(id).as_str(),
        "invoice-00000000-0000-0000-0000-00000000000a"
    );
}

fn delivered() -> WebhookDelivered {
    WebhookDelivered {
        subscription_id: uuid::Uuid::from_u128(1),
        delivery_id: uuid::Uuid::from_u128(10),
        event_id: uuid::Uuid::from_u128(2),
        attempts: 3,
        last_status: 204,
        duration_ms: 1_250,
    }
}

#[test]
fn records_a_webhook_outcome_in_any_status_once_requested() {
    let failed = WebhookDeliveryFailed {
        subscription_id: uuid::Uuid::from_u128(1),
        delivery_id: uuid::Uuid::from_u128(11),
        event_id: uuid::Uuid::from_u128(3),
        attempts: 7,
        last_status: None,
        last_error: Some("timeout".to_owned()),
        duration_ms: 90_000,
    };
    for history in [requested(factura_a()), numbered(), submitted(), unknown()] {
        Scenario::<Invoice>::given(history.clone())
            .when(RecordWebhookOutcome::Delivered(delivered()))
            .then(vec![InvoiceEvent::WebhookDelivered(delivered())]);
        Scenario::<Invoice>::given(history)
            .when(RecordWebhookOutcome::Failed(failed.clone()))
            .then(vec![InvoiceEvent::WebhookDeliveryFailed(failed.clone())]);
    }
}

#[test]
fn a_webhook_outcome_needs_a_requested_invoice() {
    Scenario::<Invoice>::given(vec![])
        .when(RecordWebhookOutcome::Delivered(delivered()))
        .then_err(InvoiceError::NotRequested {
            command: "record_webhook_outcome",
        });
}

#[test]
fn a_webhook_outcome_recorded_again_changes_nothing() {
    let mut history = submitted();
    history.push(InvoiceEvent::WebhookDelivered(delivered()));
    Scenario::<Invoice>::given(history)
        .when(RecordWebhookOutcome::Delivered(delivered()))
        .then(vec![]);
}

#[test]
fn a_redelivered_round_records_its_own_outcome_after_the_first_one() {
    let first = WebhookDeliveryFailed {
        subscription_id: uuid::Uuid::from_u128(1),
        delivery_id: uuid::Uuid::from_u128(10),
        event_id: uuid::Uuid::from_u128(2),
        attempts: 3,
        last_status: Some(503),
        last_error: None,
        duration_ms: 900,
    };
    let redelivered = WebhookDelivered {
        attempts: 4,
        ..delivered()
    };
    let mut history = submitted();
    history.push(InvoiceEvent::WebhookDeliveryFailed(first));
    Scenario::<Invoice>::given(history.clone())
        .when(RecordWebhookOutcome::Delivered(redelivered.clone()))
        .then(vec![InvoiceEvent::WebhookDelivered(redelivered.clone())]);
    history.push(InvoiceEvent::WebhookDelivered(redelivered.clone()));
    Scenario::<Invoice>::given(history)
        .when(RecordWebhookOutcome::Delivered(redelivered))
        .then(vec![]);
}

fn issued(sha_byte: &str, template_version: &str) -> DocumentIssued {
    DocumentIssued {
        sha256: sha_byte.repeat(32),
        bytes: 39_635,
        key: "t/20111111112/00001-00000007-001.pdf".to_owned(),
        template_version: template_version.to_owned(),
    }
}

#[test]
fn an_authorized_invoice_records_its_document_once_per_template_version() {
    let first = issued("ab", "1");
    Scenario::<Invoice>::given(authorized())
        .when(RecordDocument(first.clone()))
        .then(vec![InvoiceEvent::DocumentIssued(first.clone())]);
    let mut history = authorized();
    history.push(InvoiceEvent::DocumentIssued(first.clone()));
    Scenario::<Invoice>::given(history.clone())
        .when(RecordDocument(first))
        .then(vec![]);
    Scenario::<Invoice>::given(history.clone())
        .when(RecordDocument(issued("cd", "1")))
        .then_err(InvoiceError::DocumentMismatch {
            template_version: "1".to_owned(),
        });
    let second = issued("cd", "2");
    Scenario::<Invoice>::given(history)
        .when(RecordDocument(second.clone()))
        .then(vec![InvoiceEvent::DocumentIssued(second)]);
}

#[test]
fn only_an_authorized_invoice_gets_a_document() {
    for (history, from) in [
        (requested(factura_a()), InvoiceStatus::Requested),
        (submitted(), InvoiceStatus::Submitted),
        (unknown(), InvoiceStatus::OutcomeUnknown),
    ] {
        Scenario::<Invoice>::given(history)
            .when(RecordDocument(issued("ab", "1")))
            .then_err(InvoiceError::InvalidTransition {
                from,
                command: "record_document",
            });
    }
}

#[test]
fn a_document_needs_its_hash_size_key_and_template_version() {
    let good = issued("ab", "1");
    for bad in [
        DocumentIssued {
            sha256: "AB".repeat(32),
            ..good.clone()
        },
        DocumentIssued {
            sha256: "ab".repeat(31),
            ..good.clone()
        },
        DocumentIssued {
            bytes: 0,
            ..good.clone()
        },
        DocumentIssued {
            key: " ".to_owned(),
            ..good.clone()
        },
        DocumentIssued {
            template_version: String::new(),
            ..good
        },
    ] {
        Scenario::<Invoice>::given(authorized())
            .when(RecordDocument(bad))
            .then_err(InvoiceError::InvalidDocument);
    }
}
