use super::*;

fn found(number: u64, n: u8) -> Finding {
    Finding::Found {
        fingerprint: digest(n).at(number),
        cae: cae(number),
        cae_due_date: date!(2025 - 07 - 11),
    }
}

fn reconcile(findings: Vec<Finding>) -> Reconcile {
    Reconcile {
        findings: (101..).zip(findings).collect(),
    }
}

fn recovered(numbers: &[(u64, u8)]) -> SeriesEvent {
    let numbers = numbers
        .iter()
        .map(|&(number, n)| RecoveredNumber {
            number,
            invoice_id: invoice(n),
            cae: cae(number),
            cae_due_date: date!(2025 - 07 - 11),
        })
        .collect();
    SeriesEvent::NumbersRecovered(NumbersRecovered { numbers })
}

fn unblocked(resendable: &[(u64, u8)]) -> SeriesEvent {
    let resendable = resendable
        .iter()
        .map(|&(number, n)| ReleasedNumber {
            number,
            invoice_id: invoice(n),
        })
        .collect();
    SeriesEvent::Unblocked(SeriesUnblocked {
        resendable,
        unblocked_at: NOW,
    })
}

fn halted_series() -> Vec<SeriesEvent> {
    let mut events = blocked(&[1, 2]);
    events.push(reserved(103, &[3]));
    events.push(halted(101, 1));
    events
}

#[test]
fn a_lost_answer_blocks_the_series_with_the_numbers_in_flight() {
    for reason in [
        UncertainReason::Timeout,
        UncertainReason::ConnectionDropped,
        UncertainReason::Crash,
    ] {
        let state = Scenario::<Series>::given(in_flight(&[1, 2]))
            .when(RecordUncertainOutcome { reason })
            .then([SeriesEvent::Blocked(SeriesBlocked {
                from: 101,
                to: 102,
                reason,
                blocked_at: NOW,
            })]);
        assert_eq!(state.status(), Some(SeriesStatus::Blocked));
        assert_eq!(state.in_flight(), Some(101..=102));
    }
}

#[test]
fn the_same_loss_reported_twice_records_it_once() {
    Scenario::<Series>::given(blocked(&[1]))
        .when(RecordUncertainOutcome {
            reason: UncertainReason::Crash,
        })
        .then([]);
}

#[test]
fn an_uncertain_outcome_needs_a_submission_in_flight() {
    Scenario::<Series>::given([opened(100), reserved(101, &[1])])
        .when(RecordUncertainOutcome {
            reason: UncertainReason::Timeout,
        })
        .then_err(SeriesError::NoSubmissionInFlight);
}

#[test]
fn a_late_answer_does_not_bypass_reconciliation() {
    Scenario::<Series>::given(blocked(&[1]))
        .when(complete(101, vec![authorized(101)]))
        .then_err(SeriesError::Blocked {
            command: "complete_submission",
        });
}

#[test]
fn a_number_arca_has_with_the_same_fingerprint_is_recovered() {
    let state = Scenario::<Series>::given(blocked(&[1, 2]))
        .when(reconcile(vec![found(101, 1), found(102, 2)]))
        .then([recovered(&[(101, 1), (102, 2)]), unblocked(&[])]);
    assert_eq!(state.status(), Some(SeriesStatus::Open));
    assert_eq!(state.last_confirmed(), 102);
    assert_eq!(state.in_flight(), None);
    assert_eq!(state.number_of(invoice(1)), None);
}

#[test]
fn a_number_arca_does_not_have_is_sent_again_with_the_same_invoice() {
    let state = Scenario::<Series>::given(blocked(&[1, 2]))
        .when(reconcile(vec![found(101, 1), Finding::Missing]))
        .then([recovered(&[(101, 1)]), unblocked(&[(102, 2)])]);
    assert_eq!(state.last_confirmed(), 101);
    assert_eq!(state.number_of(invoice(2)), Some(102));
    let mut history = blocked(&[1, 2]);
    history.push(recovered(&[(101, 1)]));
    history.push(unblocked(&[(102, 2)]));
    Scenario::<Series>::given(history)
        .when(StartSubmission {
            from: 102,
            to: 102,
            request_hash: "req".to_owned(),
        })
        .then([started(102, &[2])]);
}

#[test]
fn other_content_at_our_number_halts_the_series_with_an_alert() {
    let other = Finding::Found {
        fingerprint: digest(99).at(101),
        cae: cae(101),
        cae_due_date: date!(2025 - 07 - 11),
    };
    let state = Scenario::<Series>::given(blocked(&[1, 2]))
        .when(reconcile(vec![other, Finding::Missing]))
        .then([halted(101, 1)]);
    assert_eq!(state.status(), Some(SeriesStatus::Halted));
    let alert = state.halt().unwrap();
    assert_eq!(
        (alert.expected, alert.found),
        (digest(1).at(101), digest(99).at(101))
    );
}

#[test]
fn numbers_recovered_before_a_conflict_stay_recovered() {
    let other = Finding::Found {
        fingerprint: digest(99).at(102),
        cae: cae(102),
        cae_due_date: date!(2025 - 07 - 11),
    };
    let state = Scenario::<Series>::given(blocked(&[1, 2]))
        .when(reconcile(vec![found(101, 1), other]))
        .then([recovered(&[(101, 1)]), halted(102, 2)]);
    assert_eq!(state.last_confirmed(), 101);
}

#[test]
fn a_number_found_after_a_missing_one_is_refused_as_inconsistent() {
    let err = Scenario::<Series>::given(blocked(&[1, 2]))
        .when(reconcile(vec![Finding::Missing, found(102, 2)]))
        .error();
    assert_eq!(err, SeriesError::InconsistentFindings(102));
    assert_code(&err, "inconsistent_findings", Some("findings"));
}

#[test]
fn findings_must_cover_every_number_in_doubt() {
    Scenario::<Series>::given(blocked(&[1, 2]))
        .when(reconcile(vec![found(101, 1)]))
        .then_err(SeriesError::FindingsMismatch { from: 101, to: 102 });
}

#[test]
fn refuses_a_recovered_cae_that_is_not_14_digits() {
    let bad = Finding::Found {
        fingerprint: digest(1).at(101),
        cae: "abc".to_owned(),
        cae_due_date: date!(2025 - 07 - 11),
    };
    Scenario::<Series>::given(blocked(&[1]))
        .when(reconcile(vec![bad]))
        .then_err(SeriesError::InvalidCae(101));
}

#[test]
fn only_a_blocked_series_is_reconciled() {
    Scenario::<Series>::given(in_flight(&[1]))
        .when(reconcile(vec![found(101, 1)]))
        .then_err(SeriesError::NotBlocked);
}

#[test]
fn a_halted_series_accepts_nothing_but_an_operators_resume() {
    let halted = || Scenario::<Series>::given(halted_series());
    halted()
        .when(reconcile(vec![found(101, 1), found(102, 2)]))
        .then_err(SeriesError::Halted {
            command: "reconcile",
        });
    halted()
        .when(RecordUncertainOutcome {
            reason: UncertainReason::Crash,
        })
        .then_err(SeriesError::Halted {
            command: "record_uncertain_outcome",
        });
    halted()
        .when(StartSubmission {
            from: 101,
            to: 101,
            request_hash: "req".to_owned(),
        })
        .then_err(SeriesError::Halted {
            command: "start_submission",
        });
}

#[test]
fn resuming_restarts_after_the_operators_number_and_releases_every_reservation() {
    let state = Scenario::<Series>::given(halted_series())
        .when(ResumeSeries {
            last_authorized: 101,
        })
        .then([
            SeriesEvent::Resumed(SeriesResumed {
                last_authorized: 101,
                resumed_at: NOW,
            }),
            released(101, &[1, 2, 3], ReleaseReason::SeriesResumed),
        ]);
    assert_eq!(state.status(), Some(SeriesStatus::Open));
    assert_eq!((state.last_confirmed(), state.in_flight()), (101, None));
    assert_eq!(state.halt(), None);
    let mut history = halted_series();
    history.push(SeriesEvent::Resumed(SeriesResumed {
        last_authorized: 101,
        resumed_at: NOW,
    }));
    history.push(released(101, &[1, 2, 3], ReleaseReason::SeriesResumed));
    Scenario::<Series>::given(history)
        .when(reserve(&[2, 1]))
        .then([reserved(102, &[2, 1])]);
}

#[test]
fn refuses_to_resume_below_numbers_arca_confirmed() {
    let mut history = blocked(&[1, 2]);
    history.push(recovered(&[(101, 1)]));
    history.push(halted(102, 2));
    Scenario::<Series>::given(history)
        .when(ResumeSeries {
            last_authorized: 100,
        })
        .then_err(SeriesError::ResumeBelowConfirmed {
            last_confirmed: 101,
            last_authorized: 100,
        });
}

#[test]
fn only_a_halted_series_is_resumed() {
    Scenario::<Series>::given(blocked(&[1]))
        .when(ResumeSeries {
            last_authorized: 101,
        })
        .then_err(SeriesError::NotHalted);
}
