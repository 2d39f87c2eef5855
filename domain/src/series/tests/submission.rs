use super::*;

fn start(from: u64, to: u64) -> StartSubmission {
    StartSubmission {
        from,
        to,
        request_hash: "req".to_owned(),
    }
}

#[test]
fn records_the_intent_with_numbers_invoices_fingerprints_and_request_hash() {
    let state = Scenario::<Series>::given([opened(100), reserved(101, &[1, 2, 3])])
        .when(start(101, 102))
        .then([started(101, &[1, 2])]);
    assert_eq!(state.in_flight(), Some(101..=102));
}

#[test]
fn a_submission_starts_right_after_the_last_confirmed_number() {
    Scenario::<Series>::given([opened(100), reserved(101, &[1, 2])])
        .when(start(102, 102))
        .then_err(SeriesError::NotNextNumber {
            expected: 101,
            from: 102,
        });
}

#[test]
fn refuses_to_send_a_number_that_is_not_reserved() {
    let err = Scenario::<Series>::given([opened(100), reserved(101, &[1, 2])])
        .when(start(101, 103))
        .error();
    assert_eq!(err, SeriesError::NotReserved(103));
    assert_code(&err, "number_not_reserved", Some("from"));
}

#[test]
fn refuses_a_second_submission_while_one_is_in_flight() {
    let mut events = in_flight(&[1]);
    events.push(reserved(102, &[2]));
    Scenario::<Series>::given(events)
        .when(start(102, 102))
        .then_err(SeriesError::SubmissionInFlight { from: 101, to: 101 });
}

#[test]
fn sends_at_most_250_numbers_at_once() {
    let ns: Vec<u8> = (1..=251u16).map(|n| (n % 256) as u8).collect();
    let reservations = (0..251u32)
        .map(|i| Reservation {
            number: 1 + u64::from(i),
            invoice_id: InvoiceId(Uuid::from_u128(u128::from(i) + 1000)),
            content_digest: digest(ns[i as usize]),
        })
        .collect();
    let given = vec![
        opened(0),
        SeriesEvent::NumbersReserved(NumbersReserved { reservations }),
    ];
    Scenario::<Series>::given(given.clone())
        .when(start(1, 251))
        .then_err(SeriesError::InvalidRange { from: 1, to: 251 });
    let events = Scenario::<Series>::given(given)
        .when(start(1, 250))
        .events();
    assert!(matches!(&events[..], [SeriesEvent::SubmissionStarted(e)] if e.numbers.len() == 250));
}

#[test]
fn refuses_an_empty_range_and_an_empty_request_hash() {
    Scenario::<Series>::given([opened(100), reserved(101, &[1])])
        .when(start(101, 100))
        .then_err(SeriesError::InvalidRange { from: 101, to: 100 });
    let err = Scenario::<Series>::given([opened(100), reserved(101, &[1])])
        .when(StartSubmission {
            request_hash: " ".to_owned(),
            ..start(101, 101)
        })
        .error();
    assert_code(&err, "empty_hash", Some("request_hash"));
}

#[test]
fn refuses_to_send_while_blocked() {
    let mut events = blocked(&[1]);
    events.push(reserved(102, &[2]));
    Scenario::<Series>::given(events)
        .when(start(101, 101))
        .then_err(SeriesError::Blocked {
            command: "start_submission",
        });
}

#[test]
fn an_approved_batch_confirms_every_number() {
    let state = Scenario::<Series>::given(in_flight(&[1, 2]))
        .when(complete(101, vec![authorized(101), authorized(102)]))
        .then([completed(101, vec![authorized(101), authorized(102)])]);
    assert_eq!(state.last_confirmed(), 102);
    assert_eq!(state.in_flight(), None);
    assert_eq!(state.number_of(invoice(1)), None);
    assert_eq!(state.reservations().count(), 0);
}

#[test]
fn a_partial_batch_confirms_the_approved_prefix_and_releases_the_rest() {
    let outcomes = || vec![authorized(101), rejected(), DetailOutcome::NotProcessed];
    let mut given = in_flight(&[1, 2, 3]);
    given.push(reserved(104, &[4]));
    let state = Scenario::<Series>::given(given)
        .when(complete(101, outcomes()))
        .then([
            completed(101, outcomes()),
            released(102, &[2, 3, 4], ReleaseReason::SubmissionFailed),
        ]);
    assert_eq!(state.last_confirmed(), 101);
    assert_eq!(state.reservations().count(), 0);
    assert_eq!(state.highest_held(), 101);
}

#[test]
fn a_rejected_number_is_not_consumed_and_goes_to_the_next_invoice() {
    let mut given = in_flight(&[1, 2]);
    given.push(completed(101, vec![authorized(101), rejected()]));
    given.push(released(102, &[2], ReleaseReason::SubmissionFailed));
    Scenario::<Series>::given(given)
        .when(reserve(&[3, 2]))
        // The refused invoice is final: it is not numbered again.
        .then([reserved(102, &[3])]);
}

#[test]
fn a_header_level_error_rejects_the_whole_batch() {
    let outcomes = || vec![rejected(), rejected()];
    let state = Scenario::<Series>::given(in_flight(&[1, 2]))
        .when(complete(101, outcomes()))
        .then([
            completed(101, outcomes()),
            released(101, &[1, 2], ReleaseReason::SubmissionFailed),
        ]);
    assert_eq!(state.last_confirmed(), 100);
}

#[test]
fn refuses_an_approval_after_a_rejection_in_one_batch() {
    let err = Scenario::<Series>::given(in_flight(&[1, 2, 3]))
        .when(complete(
            101,
            vec![
                authorized(101),
                DetailOutcome::NotProcessed,
                authorized(103),
            ],
        ))
        .error();
    assert_eq!(err, SeriesError::InconsistentResults(103));
    assert_code(&err, "inconsistent_results", Some("results"));
}

#[test]
fn results_must_cover_exactly_the_numbers_in_flight_in_order() {
    let mismatch = SeriesError::ResultsMismatch { from: 101, to: 102 };
    for results in [
        vec![NumberOutcome::new(101, authorized(101))],
        vec![
            NumberOutcome::new(102, authorized(102)),
            NumberOutcome::new(101, authorized(101)),
        ],
        vec![
            NumberOutcome::new(101, authorized(101)),
            NumberOutcome::new(102, authorized(102)),
            NumberOutcome::new(103, authorized(103)),
        ],
    ] {
        Scenario::<Series>::given(in_flight(&[1, 2]))
            .when(CompleteSubmission {
                response_hash: "resp".to_owned(),
                results,
            })
            .then_err(mismatch.clone());
    }
}

#[test]
fn refuses_a_cae_that_is_not_14_digits() {
    let bad = DetailOutcome::Authorized {
        cae: "7126395182746".to_owned(),
        cae_due_date: date!(2025 - 07 - 11),
        observations: vec![],
    };
    Scenario::<Series>::given(in_flight(&[1]))
        .when(complete(101, vec![bad]))
        .then_err(SeriesError::InvalidCae(101));
}

#[test]
fn refuses_an_outcome_without_a_submission_in_flight() {
    Scenario::<Series>::given([opened(100), reserved(101, &[1])])
        .when(complete(101, vec![authorized(101)]))
        .then_err(SeriesError::NoSubmissionInFlight);
}

#[test]
fn refuses_an_empty_response_hash() {
    let err = Scenario::<Series>::given(in_flight(&[1]))
        .when(CompleteSubmission {
            response_hash: String::new(),
            ..complete(101, vec![authorized(101)])
        })
        .error();
    assert_code(&err, "empty_hash", Some("response_hash"));
}

#[test]
fn the_next_submission_starts_after_the_confirmed_prefix() {
    let mut given = in_flight(&[1, 2]);
    given.push(reserved(103, &[3]));
    given.push(completed(101, vec![authorized(101), authorized(102)]));
    Scenario::<Series>::given(given)
        .when(start(103, 103))
        .then([started(103, &[3])]);
}
