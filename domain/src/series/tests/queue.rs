//! Invoices waiting in their own series: queued while it cannot number, parked with a reason,
//! numbered first once it goes on; a series failing again and again stalls for an operator.

use super::*;

fn parked(reason: ParkReason) -> SeriesEvent {
    SeriesEvent::Parked(SeriesParked {
        reason,
        detail: "no certificate".to_owned(),
        parked_at: NOW,
    })
}

fn park(reason: ParkReason) -> ParkSeries {
    ParkSeries {
        reason,
        detail: "no certificate".to_owned(),
    }
}

#[test]
fn a_series_without_a_certificate_parks_once_and_its_invoices_queue_with_the_reason() {
    let state = Scenario::<Series>::given([])
        .when(park(ParkReason::WaitingForCertificate))
        .then([parked(ParkReason::WaitingForCertificate)]);
    assert_eq!(
        state.waiting_reason(),
        Some(ParkReason::WaitingForCertificate)
    );
    Scenario::<Series>::given([parked(ParkReason::WaitingForCertificate)])
        .when(park(ParkReason::WaitingForCertificate))
        .then([]);
    Scenario::<Series>::given([parked(ParkReason::WaitingForCertificate)])
        .when(reserve(&[1, 2]))
        .then([queued(&[1, 2], Some(ParkReason::WaitingForCertificate))]);
}

#[test]
fn opening_ends_the_parking_and_queued_invoices_are_numbered_first_in_request_order() {
    let given = [
        parked(ParkReason::WaitingForCertificate),
        queued(&[3, 1], Some(ParkReason::WaitingForCertificate)),
        opened(100),
    ];
    let state = Scenario::<Series>::given(given.clone())
        .when(reserve(&[2]))
        // Behind the older queued invoices, not before them.
        .then([queued(&[2], None)]);
    assert_eq!(state.waiting_reason(), None);
    let state = Scenario::<Series>::given(given)
        .when(ReserveQueued)
        .then([reserved(101, &[3, 1])]);
    assert!(state.queue().is_empty());
    assert_eq!(state.number_of(invoice(1)), Some(102));
}

#[test]
fn an_invoice_is_queued_once_however_often_it_is_taken_in() {
    Scenario::<Series>::given([queued(&[1], None)])
        .when(reserve(&[1, 2, 2]))
        .then([queued(&[2], None)]);
    Scenario::<Series>::given([queued(&[1], None)])
        .when(reserve(&[1]))
        .then([]);
}

#[test]
fn numbering_queued_invoices_needs_an_open_series() {
    Scenario::<Series>::given([queued(&[1], None)])
        .when(ReserveQueued)
        .then_err(SeriesError::NotOpened {
            command: "reserve_queued",
        });
    Scenario::<Series>::given([opened(7)])
        .when(ReserveQueued)
        .then([]);
}

/// Blocked `times` times in a row on invoice 1 at 101, each reconciled as missing.
fn failing(times: u32, reason: UncertainReason) -> Vec<SeriesEvent> {
    let mut events = vec![opened(100), reserved(101, &[1])];
    for i in 0..times {
        events.push(started(101, &[1]));
        events.push(SeriesEvent::Blocked(SeriesBlocked {
            from: 101,
            to: 101,
            reason,
            blocked_at: NOW,
        }));
        if i + 1 < times {
            events.push(SeriesEvent::Unblocked(SeriesUnblocked {
                resendable: vec![ReleasedNumber {
                    number: 101,
                    invoice_id: invoice(1),
                }],
                unblocked_at: NOW,
            }));
        }
    }
    events
}

fn missing_at_101() -> Reconcile {
    Reconcile {
        findings: vec![(101, Finding::Missing)],
    }
}

#[test]
fn a_series_whose_submissions_keep_failing_stalls_instead_of_sending_again() {
    let state = Scenario::<Series>::given(failing(
        MAX_FAILED_SUBMISSIONS,
        UncertainReason::OutOfSequence,
    ))
    .when(missing_at_101())
    .then([SeriesEvent::Stalled(SeriesStalled {
        reason: StallReason::RepeatedOutOfSequence,
        failures: MAX_FAILED_SUBMISSIONS,
        from: 101,
        to: 101,
        stalled_at: NOW,
    })]);
    assert_eq!(state.status(), Some(SeriesStatus::Halted));
    assert_eq!(state.waiting_reason(), Some(ParkReason::SeriesHalted));
    assert_eq!(state.in_flight(), None);
    // One failure fewer: sent again.
    Scenario::<Series>::given(failing(
        MAX_FAILED_SUBMISSIONS - 1,
        UncertainReason::Timeout,
    ))
    .when(missing_at_101())
    .then([SeriesEvent::Unblocked(SeriesUnblocked {
        resendable: vec![ReleasedNumber {
            number: 101,
            invoice_id: invoice(1),
        }],
        unblocked_at: NOW,
    })]);
}

#[test]
fn a_settled_number_starts_the_count_of_failures_again() {
    let mut events = failing(MAX_FAILED_SUBMISSIONS - 1, UncertainReason::Timeout);
    events.push(SeriesEvent::Unblocked(SeriesUnblocked {
        resendable: vec![ReleasedNumber {
            number: 101,
            invoice_id: invoice(1),
        }],
        unblocked_at: NOW,
    }));
    events.push(started(101, &[1]));
    events.push(completed(101, vec![authorized(101)]));
    let outcome = Scenario::<Series>::given(events).when(ReserveQueued);
    assert_eq!(outcome.state().failures(), 0);
}

#[test]
fn a_stalled_series_resumes_once_an_operator_asks_and_arca_is_read() {
    let mut events = failing(MAX_FAILED_SUBMISSIONS, UncertainReason::Timeout);
    events.push(SeriesEvent::Stalled(SeriesStalled {
        reason: StallReason::RepeatedFailures,
        failures: MAX_FAILED_SUBMISSIONS,
        from: 101,
        to: 101,
        stalled_at: NOW,
    }));
    let state = Scenario::<Series>::given(events.clone())
        .when(RequestResume)
        .then([SeriesEvent::ResumeRequested(ResumeRequested {
            requested_at: NOW,
        })]);
    assert!(state.resume_requested());
    events.push(SeriesEvent::ResumeRequested(ResumeRequested {
        requested_at: NOW,
    }));
    Scenario::<Series>::given(events.clone())
        .when(RequestResume)
        .then([]);
    let state = Scenario::<Series>::given(events)
        .when(ResumeSeries {
            last_authorized: 100,
        })
        .then([
            SeriesEvent::Resumed(SeriesResumed {
                last_authorized: 100,
                resumed_at: NOW,
            }),
            released(101, &[1], ReleaseReason::SeriesResumed),
        ]);
    assert_eq!(state.status(), Some(SeriesStatus::Open));
    assert_eq!(state.failures(), 0);
    assert!(!state.resume_requested());
    assert_eq!(state.stall(), None);
}

#[test]
fn only_a_halted_series_can_be_asked_to_resume() {
    let err = Scenario::<Series>::given([opened(1)])
        .when(RequestResume)
        .error();
    assert_code(&err, "series_not_halted", None);
}

#[test]
fn a_voucher_another_tenant_asked_for_halts_the_series_even_with_our_content() {
    let ours = digest(1).at(101);
    let state = Scenario::<Series>::given(blocked(&[1]))
        .when(Reconcile {
            findings: vec![(101, Finding::AskedElsewhere { fingerprint: ours })],
        })
        .then([SeriesEvent::Halted(SeriesHalted {
            number: 101,
            invoice_id: invoice(1),
            expected: ours,
            found: ours,
            halted_at: NOW,
        })]);
    assert_eq!(state.number_of(invoice(1)), Some(101), "nothing recovered");
}
