//! Deciding on series commands: which commands each status accepts, then one file per concern.
//!
//! ```text
//! (new) ─open→ open ─reserve / start / complete→ open
//!   │           │ └─record_uncertain_outcome→ blocked ─reconcile→ open (recovered / resendable)
//!   │           │                                │     └─reconcile (other content)→ halted
//!   │           │                                └─reconcile (failing too often)→ halted
//!   │           └──────────────────────────── halted ─request_resume, resume→ open
//! reserve / park: queued while new or halted (and behind older queued invoices); numbered
//! by reserve_queued once open
//! ```

mod numbering;
mod recovery;
mod submission;

use super::commands::SeriesCommand;
use super::error::SeriesError;
use super::events::SeriesEvent;
use super::state::{Series, SeriesStatus};
use crate::aggregate::Context;
use crate::invoice::lifecycle::MAX_VOUCHER_NUMBER;

/// The most details one `FECAESolicitar` may carry, and so the most numbers per command.
pub const MAX_BATCH: usize = 250;

/// Submissions in a row that may end without an answer (and without any number settled since)
/// before the series stalls for an operator instead of sending again.
pub const MAX_FAILED_SUBMISSIONS: u32 = 5;

/// Decides a series command.
pub(super) fn decide(
    series: &Series,
    command: SeriesCommand,
    ctx: &Context,
) -> Result<Vec<SeriesEvent>, SeriesError> {
    use SeriesCommand as C;
    use SeriesStatus::*;
    let name = command.name();
    let Some(status) = series.status() else {
        return match command {
            C::Open(cmd) => numbering::open(cmd, ctx),
            C::ReserveNumbers(cmd) => numbering::queue(series, cmd, ctx),
            C::Park(cmd) => numbering::park(series, cmd, ctx),
            _ => Err(SeriesError::NotOpened { command: name }),
        };
    };
    match (status, command) {
        (_, C::Open(_)) => Err(SeriesError::AlreadyOpened),
        (_, C::Park(cmd)) => numbering::park(series, cmd, ctx),
        (Halted, C::ReserveNumbers(cmd)) => numbering::queue(series, cmd, ctx),
        (_, C::ReserveNumbers(cmd)) if !series.queue().is_empty() => {
            numbering::queue(series, cmd, ctx)
        }
        (Open | Blocked, C::ReserveNumbers(cmd)) => numbering::reserve(series, cmd),
        (Open | Blocked, C::ReserveQueued(_)) => numbering::reserve_queued(series),
        (Halted, C::RequestResume(_)) => Ok(recovery::request_resume(series, ctx)),
        (_, C::RequestResume(_)) => Err(SeriesError::NotHalted),
        (Halted, C::Resume(cmd)) => recovery::resume(series, cmd, ctx),
        (_, C::Resume(_)) => Err(SeriesError::NotHalted),
        (Halted, _) => Err(SeriesError::Halted { command: name }),
        (Blocked, C::Reconcile(cmd)) => recovery::reconcile(series, cmd, ctx),
        (Open, C::Reconcile(_)) => Err(SeriesError::NotBlocked),
        // The same loss reported twice (two workers, a retry) changes nothing.
        (Blocked, C::RecordUncertainOutcome(_)) => Ok(vec![]),
        (Blocked, _) => Err(SeriesError::Blocked { command: name }),
        (Open, C::StartSubmission(cmd)) => submission::start(series, cmd, ctx),
        (Open, C::CompleteSubmission(cmd)) => submission::complete(series, cmd, ctx),
        (Open, C::RecordUncertainOutcome(cmd)) => recovery::block(series, cmd, ctx),
    }
}

/// Refuses a last authorized number outside 0..=99999999.
fn check_last_authorized(last_authorized: u64) -> Result<(), SeriesError> {
    if last_authorized > MAX_VOUCHER_NUMBER {
        return Err(SeriesError::InvalidLastAuthorized(last_authorized));
    }
    Ok(())
}

/// Refuses a CAE that is not 14 digits.
fn check_cae(number: u64, cae: &str) -> Result<(), SeriesError> {
    if cae.len() != 14 || !cae.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SeriesError::InvalidCae(number));
    }
    Ok(())
}

/// Whether `numbers` are exactly `from..=to`, ascending.
fn covers(numbers: impl Iterator<Item = u64>, from: u64, to: u64) -> bool {
    numbers.eq(from..=to)
}
