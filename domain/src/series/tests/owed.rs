use super::*;
use crate::aggregate::Aggregate;

fn fold(events: &[SeriesEvent]) -> Series {
    events
        .iter()
        .fold(Series::default(), |state, event| state.evolve(event))
}

fn cae_owed(number: u64) -> Owed {
    Owed::Cae {
        number,
        cae: cae(number),
        cae_due_date: date!(2025 - 07 - 11),
        observations: vec![],
    }
}

fn renumber(n: u8) -> Owed {
    Owed::Renumber {
        digest: digest(n),
        reason: ReleaseReason::SubmissionFailed,
    }
}

#[test]
fn an_answer_owes_each_invoice_its_outcome_and_the_released_ones_a_new_number() {
    let mut events = in_flight(&[1, 2, 3]);
    events.push(reserved(104, &[4]));
    events.push(completed(
        101,
        vec![authorized(101), rejected(), DetailOutcome::NotProcessed],
    ));
    events.push(released(102, &[2, 3, 4], ReleaseReason::SubmissionFailed));
    let state = fold(&events);
    let DetailOutcome::Rejected {
        errors,
        observations,
    } = rejected()
    else {
        unreachable!()
    };
    assert_eq!(
        state.owed(),
        [
            (invoice(1), cae_owed(101)),
            // The refused invoice is final: its rejection stands, no new number.
            (
                invoice(2),
                Owed::Rejection {
                    errors,
                    observations
                }
            ),
            (invoice(3), renumber(3)),
            (invoice(4), renumber(4)),
        ]
    );
}

#[test]
fn a_lost_answer_owes_doubt_until_the_reconciliation_recovers_the_cae() {
    let mut events = blocked(&[1, 2]);
    let state = fold(&events);
    assert_eq!(
        state.owed(),
        [
            (invoice(1), Owed::Unknown(UncertainReason::Timeout)),
            (invoice(2), Owed::Unknown(UncertainReason::Timeout)),
        ]
    );
    events.push(SeriesEvent::NumbersRecovered(NumbersRecovered {
        numbers: vec![RecoveredNumber {
            number: 101,
            invoice_id: invoice(1),
            cae: cae(101),
            cae_due_date: date!(2025 - 07 - 11),
        }],
    }));
    let state = fold(&events);
    assert_eq!(
        state.owed(),
        [
            (invoice(1), cae_owed(101)),
            (invoice(2), Owed::Unknown(UncertainReason::Timeout)),
        ]
    );
}

#[test]
fn the_next_submission_starts_with_nothing_owed_and_a_new_serial() {
    let mut events = in_flight(&[1]);
    events.push(completed(101, vec![authorized(101)]));
    events.push(reserved(102, &[2]));
    let settled = fold(&events);
    assert_eq!(settled.owed(), [(invoice(1), cae_owed(101))]);
    // Taking in more requests changes nothing owed.
    assert_eq!(
        fold(&events[..events.len() - 1]).owed_serial(),
        settled.owed_serial()
    );
    events.push(started(102, &[2]));
    let sending = fold(&events);
    assert!(sending.owed().is_empty());
    assert_ne!(sending.owed_serial(), settled.owed_serial());
}
