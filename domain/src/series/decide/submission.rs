//! Sending numbers to ARCA: the intent before the call, the outcome after it.

use super::{MAX_BATCH, check_cae, covers};
use crate::aggregate::Context;
use crate::series::commands::{CompleteSubmission, StartSubmission};
use crate::series::error::SeriesError;
use crate::series::events::{
    DetailOutcome, NumbersReleased, ReleaseReason, ReleasedNumber, SeriesEvent,
    SubmissionCompleted, SubmissionStarted, SubmittedNumber,
};
use crate::series::state::Series;

/// Records the intent to send `from..=to`: the lowest reserved numbers, right after the last
/// confirmed one, with nothing else in flight.
pub(super) fn start(
    series: &Series,
    cmd: StartSubmission,
    ctx: &Context,
) -> Result<Vec<SeriesEvent>, SeriesError> {
    if let Some(range) = series.in_flight() {
        return Err(SeriesError::SubmissionInFlight {
            from: *range.start(),
            to: *range.end(),
        });
    }
    if cmd.request_hash.trim().is_empty() {
        return Err(SeriesError::EmptyHash("request_hash"));
    }
    let expected = series.last_confirmed() + 1;
    if cmd.from != expected {
        return Err(SeriesError::NotNextNumber {
            expected,
            from: cmd.from,
        });
    }
    let (from, to) = (cmd.from, cmd.to);
    let too_long = usize::try_from(to.saturating_sub(from)).map_or(true, |d| d >= MAX_BATCH);
    if to < from || too_long {
        return Err(SeriesError::InvalidRange { from, to });
    }
    let numbers = (from..=to)
        .map(|number| {
            let (invoice_id, digest) = series
                .reservation(number)
                .ok_or(SeriesError::NotReserved(number))?;
            Ok(SubmittedNumber {
                number,
                invoice_id,
                fingerprint: digest.at(number),
            })
        })
        .collect::<Result<Vec<_>, SeriesError>>()?;
    Ok(vec![SeriesEvent::SubmissionStarted(SubmissionStarted {
        from,
        to,
        numbers,
        request_hash: cmd.request_hash,
        started_at: ctx.now,
    })])
}

/// Records ARCA's answer. The approved prefix is confirmed; from the first refused or not
/// processed number on, every live reservation is released, since ARCA consumed none of them.
pub(super) fn complete(
    series: &Series,
    cmd: CompleteSubmission,
    ctx: &Context,
) -> Result<Vec<SeriesEvent>, SeriesError> {
    let Some(range) = series.in_flight() else {
        return Err(SeriesError::NoSubmissionInFlight);
    };
    let (from, to) = (*range.start(), *range.end());
    if cmd.response_hash.trim().is_empty() {
        return Err(SeriesError::EmptyHash("response_hash"));
    }
    if !covers(cmd.results.iter().map(|r| r.number), from, to) {
        return Err(SeriesError::ResultsMismatch { from, to });
    }
    let mut first_failed = None;
    for result in &cmd.results {
        match (&result.outcome, first_failed) {
            (DetailOutcome::Authorized { cae, .. }, None) => {
                check_cae(result.number, cae)?;
            }
            (DetailOutcome::Authorized { .. }, Some(_)) => {
                return Err(SeriesError::InconsistentResults(result.number));
            }
            (_, None) => first_failed = Some(result.number),
            (_, Some(_)) => {}
        }
    }
    let mut events = vec![SeriesEvent::SubmissionCompleted(SubmissionCompleted {
        from,
        to,
        response_hash: cmd.response_hash,
        results: cmd.results,
        completed_at: ctx.now,
    })];
    if let Some(first) = first_failed {
        let invoices: Vec<_> = series
            .reservations_from(first)
            .map(|(number, invoice_id)| ReleasedNumber { number, invoice_id })
            .collect();
        events.push(SeriesEvent::NumbersReleased(NumbersReleased {
            from: first,
            invoices,
            reason: ReleaseReason::SubmissionFailed,
        }));
    }
    Ok(events)
}
