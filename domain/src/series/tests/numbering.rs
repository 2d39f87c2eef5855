use super::*;

#[test]
fn opens_a_series_after_arcas_last_authorized_number() {
    let state = Scenario::<Series>::given([])
        .when(OpenSeries {
            last_authorized: 1835,
        })
        .then([opened(1835)]);
    assert_eq!(state.status(), Some(SeriesStatus::Open));
    assert_eq!(state.last_confirmed(), 1835);
}

#[test]
fn opens_an_empty_series_at_zero() {
    Scenario::<Series>::given([])
        .when(OpenSeries { last_authorized: 0 })
        .then([opened(0)]);
}

#[test]
fn opens_a_series_only_once() {
    Scenario::<Series>::given([opened(5)])
        .when(OpenSeries { last_authorized: 5 })
        .then_err(SeriesError::AlreadyOpened);
}

#[test]
fn refuses_a_last_authorized_number_above_99999999() {
    let err = Scenario::<Series>::given([])
        .when(OpenSeries {
            last_authorized: 100_000_000,
        })
        .error();
    assert_code(&err, "invalid_last_authorized", Some("last_authorized"));
}

#[test]
fn queues_instead_of_reserving_on_a_series_never_opened() {
    let state = Scenario::<Series>::given([])
        .when(reserve(&[1]))
        .then([queued(&[1], None)]);
    assert!(state.is_queued(invoice(1)));
    assert_eq!(state.number_of(invoice(1)), None);
}

#[test]
fn reserves_consecutive_numbers_after_the_last_confirmed_in_request_order() {
    let state = Scenario::<Series>::given([opened(100)])
        .when(reserve(&[3, 1, 2]))
        .then([reserved(101, &[3, 1, 2])]);
    assert_eq!(state.number_of(invoice(3)), Some(101));
    assert_eq!(state.number_of(invoice(2)), Some(103));
    assert_eq!(state.reservation(102), Some((invoice(1), digest(1))));
}

#[test]
fn reserves_after_the_highest_live_reservation() {
    Scenario::<Series>::given([opened(100), reserved(101, &[1, 2])])
        .when(reserve(&[3]))
        .then([reserved(103, &[3])]);
}

#[test]
fn an_invoice_that_holds_a_number_keeps_it() {
    Scenario::<Series>::given([opened(100), reserved(101, &[1])])
        .when(reserve(&[1, 2, 1]))
        .then([reserved(102, &[2])]);
}

#[test]
fn reserving_only_invoices_that_hold_numbers_records_nothing() {
    Scenario::<Series>::given([opened(100), reserved(101, &[1, 2])])
        .when(reserve(&[2, 1]))
        .then([]);
}

#[test]
fn reserves_at_most_250_invoices_per_command() {
    let many: Vec<(InvoiceId, ContentDigest)> = (0..251u32)
        .map(|i| (InvoiceId(Uuid::from_u128(u128::from(i))), digest(1)))
        .collect();
    let err = Scenario::<Series>::given([opened(0)])
        .when(ReserveNumbers {
            invoices: many[..251].to_vec(),
        })
        .error();
    assert_code(&err, "too_many_invoices", Some("invoices"));
    let events = Scenario::<Series>::given([opened(0)])
        .when(ReserveNumbers {
            invoices: many[..250].to_vec(),
        })
        .events();
    match events.as_slice() {
        [SeriesEvent::NumbersReserved(e)] => {
            assert_eq!(e.reservations.len(), 250);
            assert_eq!(e.reservations[249].number, 250);
        }
        other => panic!("expected one reservation event, got {other:?}"),
    }
}

#[test]
fn refuses_an_empty_reservation() {
    Scenario::<Series>::given([opened(0)])
        .when(ReserveNumbers { invoices: vec![] })
        .then_err(SeriesError::NothingToReserve);
}

#[test]
fn refuses_numbers_beyond_99999999() {
    Scenario::<Series>::given([opened(99_999_998)])
        .when(reserve(&[1, 2]))
        .then_err(SeriesError::NumbersExhausted {
            last: 99_999_998,
            needed: 2,
        });
    Scenario::<Series>::given([opened(99_999_998)])
        .when(reserve(&[1]))
        .then([reserved(99_999_999, &[1])]);
}

#[test]
fn reserves_while_a_submission_is_in_flight() {
    Scenario::<Series>::given(in_flight(&[1, 2]))
        .when(reserve(&[3]))
        .then([reserved(103, &[3])]);
}

#[test]
fn reserves_behind_the_numbers_in_doubt_while_blocked() {
    // Whatever the reconciliation finds, numbers above the ones in doubt stay ours: recovered
    // and resendable numbers keep their invoices, and a halt releases everything.
    Scenario::<Series>::given(blocked(&[1]))
        .when(reserve(&[2]))
        .then([reserved(102, &[2])]);
}

#[test]
fn queues_while_halted_with_the_reason_its_invoices_show() {
    let mut events = blocked(&[1]);
    events.push(halted(101, 1));
    let state = Scenario::<Series>::given(events)
        .when(reserve(&[2]))
        .then([queued(&[2], Some(ParkReason::SeriesHalted))]);
    assert_eq!(state.waiting_reason(), Some(ParkReason::SeriesHalted));
}

#[test]
fn an_invoice_arca_authorized_or_refused_is_never_reserved_again() {
    // A batch taken in again after a crash or a change of intake leader lists invoices the
    // series has settled since: they get no second number.
    Scenario::<Series>::given([
        opened(100),
        reserved(101, &[1, 2, 3]),
        started(101, &[1, 2, 3]),
        completed(
            101,
            vec![authorized(101), rejected(), DetailOutcome::NotProcessed],
        ),
        released(102, &[2, 3], ReleaseReason::SubmissionFailed),
    ])
    .when(reserve(&[1, 2, 3, 4]))
    .then([reserved(102, &[3, 4])]);
}
