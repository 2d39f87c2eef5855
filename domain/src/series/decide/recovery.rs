//! Uncertain outcomes: blocking, reconciling with `FECompConsultar`, and an operator's resume.

use super::{MAX_FAILED_SUBMISSIONS, check_cae, check_last_authorized, covers};
use crate::aggregate::Context;
use crate::series::commands::{Finding, Reconcile, RecordUncertainOutcome, ResumeSeries};
use crate::series::error::SeriesError;
use crate::series::events::{
    NumbersRecovered, NumbersReleased, RecoveredNumber, ReleaseReason, ReleasedNumber,
    ResumeRequested, SeriesBlocked, SeriesEvent, SeriesHalted, SeriesResumed, SeriesStalled,
    SeriesUnblocked, StallReason, UncertainReason,
};
use crate::series::state::Series;

/// Blocks the series: the answer for the numbers in flight is lost.
pub(super) fn block(
    series: &Series,
    cmd: RecordUncertainOutcome,
    ctx: &Context,
) -> Result<Vec<SeriesEvent>, SeriesError> {
    let Some(range) = series.in_flight() else {
        return Err(SeriesError::NoSubmissionInFlight);
    };
    Ok(vec![SeriesEvent::Blocked(SeriesBlocked {
        from: *range.start(),
        to: *range.end(),
        reason: cmd.reason,
        blocked_at: ctx.now,
    })])
}

/// Resolves every number in doubt: found with our fingerprint → recovered; missing → sendable
/// again (same number, same invoice); found with another fingerprint → the series halts there.
/// When nothing was recovered and submissions already failed [`MAX_FAILED_SUBMISSIONS`] times in
/// a row, the series stalls instead of sending once more.
pub(super) fn reconcile(
    series: &Series,
    cmd: Reconcile,
    ctx: &Context,
) -> Result<Vec<SeriesEvent>, SeriesError> {
    let Some(range) = series.in_flight() else {
        return Err(SeriesError::NoSubmissionInFlight);
    };
    let (from, to) = (*range.start(), *range.end());
    if !covers(cmd.findings.iter().map(|(n, _)| *n), from, to) {
        return Err(SeriesError::FindingsMismatch { from, to });
    }
    let resolution = resolve(series, cmd.findings, ctx)?;
    let stalls = resolution.recovered.is_empty() && series.failures() >= MAX_FAILED_SUBMISSIONS;
    let mut events = Vec::new();
    if !resolution.recovered.is_empty() {
        events.push(SeriesEvent::NumbersRecovered(NumbersRecovered {
            numbers: resolution.recovered,
        }));
    }
    events.push(match resolution.halt {
        Some(alert) => SeriesEvent::Halted(alert),
        None if stalls => SeriesEvent::Stalled(SeriesStalled {
            reason: match series.last_failure() {
                Some(UncertainReason::OutOfSequence) => StallReason::RepeatedOutOfSequence,
                _ => StallReason::RepeatedFailures,
            },
            failures: series.failures(),
            from,
            to,
            stalled_at: ctx.now,
        }),
        None => SeriesEvent::Unblocked(SeriesUnblocked {
            resendable: resolution.resendable,
            unblocked_at: ctx.now,
        }),
    });
    Ok(events)
}

/// Records an operator's request to resume the halted series (once until it is resumed).
pub(super) fn request_resume(series: &Series, ctx: &Context) -> Vec<SeriesEvent> {
    if series.resume_requested() {
        return vec![];
    }
    vec![SeriesEvent::ResumeRequested(ResumeRequested {
        requested_at: ctx.now,
    })]
}

/// What the findings say, number by number.
#[derive(Default)]
struct Resolution {
    recovered: Vec<RecoveredNumber>,
    resendable: Vec<ReleasedNumber>,
    halt: Option<SeriesHalted>,
}

/// Walks the findings in order; stops at the first conflict (later findings change nothing). A
/// voucher another tenant of the same CUIT asked for is a conflict even with our content: taking
/// it would give one voucher to two invoices.
fn resolve(
    series: &Series,
    findings: Vec<(u64, Finding)>,
    ctx: &Context,
) -> Result<Resolution, SeriesError> {
    let mut out = Resolution::default();
    for (number, finding) in findings {
        let (invoice_id, digest) = series
            .reservation(number)
            .ok_or(SeriesError::NotReserved(number))?;
        let (fingerprint, found) = match finding {
            Finding::Missing => {
                out.resendable.push(ReleasedNumber { number, invoice_id });
                continue;
            }
            Finding::Found {
                fingerprint,
                cae,
                cae_due_date,
            } => (fingerprint, Some((cae, cae_due_date))),
            Finding::AskedElsewhere { fingerprint } => (fingerprint, None),
        };
        if !out.resendable.is_empty() {
            return Err(SeriesError::InconsistentFindings(number));
        }
        let expected = digest.at(number);
        let Some((cae, cae_due_date)) = found.filter(|_| fingerprint == expected) else {
            out.halt = Some(SeriesHalted {
                number,
                invoice_id,
                expected,
                found: fingerprint,
                halted_at: ctx.now,
            });
            break;
        };
        check_cae(number, &cae)?;
        out.recovered.push(RecoveredNumber {
            number,
            invoice_id,
            cae,
            cae_due_date,
        });
    }
    Ok(out)
}

/// Restarts a halted series after ARCA's last authorized number. Every live reservation is
/// released: numbers at or below it belong to ARCA's vouchers, and the invoices above it are
/// numbered again from there.
pub(super) fn resume(
    series: &Series,
    cmd: ResumeSeries,
    ctx: &Context,
) -> Result<Vec<SeriesEvent>, SeriesError> {
    check_last_authorized(cmd.last_authorized)?;
    if cmd.last_authorized < series.last_confirmed() {
        return Err(SeriesError::ResumeBelowConfirmed {
            last_confirmed: series.last_confirmed(),
            last_authorized: cmd.last_authorized,
        });
    }
    let mut events = vec![SeriesEvent::Resumed(SeriesResumed {
        last_authorized: cmd.last_authorized,
        resumed_at: ctx.now,
    })];
    let invoices: Vec<_> = series
        .reservations_from(0)
        .map(|(number, invoice_id)| ReleasedNumber { number, invoice_id })
        .collect();
    if let Some(first) = invoices.first() {
        events.push(SeriesEvent::NumbersReleased(NumbersReleased {
            from: first.number,
            invoices,
            reason: ReleaseReason::SeriesResumed,
        }));
    }
    Ok(events)
}
