//! Given/when/then tests of the series aggregate, one file per subject.

mod codec;
mod fingerprint;
mod key;
mod numbering;
mod owed;
mod properties;
mod queue;
mod recovery;
mod submission;

use time::macros::date;
use uuid::Uuid;

use super::*;
use crate::ids::InvoiceId;
use crate::invoice::ArcaMessage;
use crate::testing::{NOW, Scenario, digest};

/// Invoice `n` (its content digest is `digest(n)`).
fn invoice(n: u8) -> InvoiceId {
    InvoiceId(Uuid::from_u128(u128::from(n)))
}

/// The command reserving numbers for invoices `ns`.
fn reserve(ns: &[u8]) -> ReserveNumbers {
    ReserveNumbers {
        invoices: ns.iter().map(|&n| (invoice(n), digest(n))).collect(),
    }
}

fn opened(last_authorized: u64) -> SeriesEvent {
    SeriesEvent::Opened(SeriesOpened {
        last_authorized,
        opened_at: NOW,
    })
}

/// Invoices `ns` reserved from `first` on.
fn reserved(first: u64, ns: &[u8]) -> SeriesEvent {
    let reservations = (first..)
        .zip(ns)
        .map(|(number, &n)| Reservation {
            number,
            invoice_id: invoice(n),
            content_digest: digest(n),
        })
        .collect();
    SeriesEvent::NumbersReserved(NumbersReserved { reservations })
}

/// Invoices `ns`, numbered from `first` on, sent in one request.
fn started(first: u64, ns: &[u8]) -> SeriesEvent {
    let numbers: Vec<_> = (first..)
        .zip(ns)
        .map(|(number, &n)| SubmittedNumber {
            number,
            invoice_id: invoice(n),
            fingerprint: digest(n).at(number),
        })
        .collect();
    SeriesEvent::SubmissionStarted(SubmissionStarted {
        from: first,
        to: first + numbers.len() as u64 - 1,
        numbers,
        request_hash: "req".to_owned(),
        started_at: NOW,
    })
}

/// Opened after 100, invoices `ns` reserved from 101 and all sent.
fn in_flight(ns: &[u8]) -> Vec<SeriesEvent> {
    vec![opened(100), reserved(101, ns), started(101, ns)]
}

/// The same, with the answer lost.
fn blocked(ns: &[u8]) -> Vec<SeriesEvent> {
    let mut events = in_flight(ns);
    events.push(SeriesEvent::Blocked(SeriesBlocked {
        from: 101,
        to: 100 + ns.len() as u64,
        reason: UncertainReason::Timeout,
        blocked_at: NOW,
    }));
    events
}

/// A CAE that differs by number.
fn cae(number: u64) -> String {
    format!("{:014}", 71_263_951_000_000 + number)
}

fn authorized(number: u64) -> DetailOutcome {
    DetailOutcome::Authorized {
        cae: cae(number),
        cae_due_date: date!(2025 - 07 - 11),
        observations: vec![],
    }
}

fn rejected() -> DetailOutcome {
    DetailOutcome::Rejected {
        errors: vec![],
        observations: vec![ArcaMessage {
            code: 10048,
            message: "totales".to_owned(),
        }],
    }
}

/// Outcomes for `from..` in order.
fn results(from: u64, outcomes: Vec<DetailOutcome>) -> Vec<NumberOutcome> {
    (from..)
        .zip(outcomes)
        .map(|(n, o)| NumberOutcome::new(n, o))
        .collect()
}

fn complete(from: u64, outcomes: Vec<DetailOutcome>) -> CompleteSubmission {
    CompleteSubmission {
        response_hash: "resp".to_owned(),
        results: results(from, outcomes),
    }
}

fn completed(from: u64, outcomes: Vec<DetailOutcome>) -> SeriesEvent {
    let results = results(from, outcomes);
    SeriesEvent::SubmissionCompleted(SubmissionCompleted {
        from,
        to: from + results.len() as u64 - 1,
        response_hash: "resp".to_owned(),
        results,
        completed_at: NOW,
    })
}

/// Reservations released from `from` on, for invoices `ns` numbered from `from`.
fn released(from: u64, ns: &[u8], reason: ReleaseReason) -> SeriesEvent {
    let invoices = (from..)
        .zip(ns)
        .map(|(number, &n)| ReleasedNumber {
            number,
            invoice_id: invoice(n),
        })
        .collect();
    SeriesEvent::NumbersReleased(NumbersReleased {
        from,
        invoices,
        reason,
    })
}

/// The alert for invoice `n` at `number`, ARCA holding invoice 99's content there.
fn halted(number: u64, n: u8) -> SeriesEvent {
    SeriesEvent::Halted(SeriesHalted {
        number,
        invoice_id: invoice(n),
        expected: digest(n).at(number),
        found: digest(99).at(number),
        halted_at: NOW,
    })
}

/// Invoices `ns` queued, showing `reason`.
fn queued(ns: &[u8], reason: Option<ParkReason>) -> SeriesEvent {
    SeriesEvent::RequestsQueued(RequestsQueued {
        invoices: ns
            .iter()
            .map(|&n| QueuedRequest {
                invoice_id: invoice(n),
                content_digest: digest(n),
            })
            .collect(),
        reason,
        queued_at: NOW,
    })
}

/// Asserts an error's code and field.
#[track_caller]
fn assert_code(err: &SeriesError, code: &str, field: Option<&str>) {
    assert_eq!((err.code(), err.field().as_deref()), (code, field), "{err}");
}
