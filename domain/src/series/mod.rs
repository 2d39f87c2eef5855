//! The numbering series aggregate: one stream per (environment, CUIT, point of sale, voucher
//! type), `series-{env}-{cuit}-{pos}-{type}`.
//!
//! Numbers are reserved here under the stream's expected version, in request order, so any
//! number of workers can run and ARCA still receives strictly consecutive numbers. The first
//! number comes from `FECompUltimoAutorizado` ([`OpenSeries`]); afterwards this stream is the
//! source of truth. Every call to ARCA leaves evidence: the intent before it
//! ([`SubmissionStarted`]: numbers, fingerprints, request hash) and the outcome after it
//! ([`SubmissionCompleted`]: results, response hash). A lost answer blocks the series
//! ([`SeriesBlocked`]) until `FECompConsultar` resolves every number in doubt ([`Reconcile`]):
//! recovered, sendable again, or — when ARCA holds other content — halted for an operator.
//! Never a guess, never a skipped or reused number.
//!
//! A series never holds its issuer's problems against anyone else: invoices that cannot be
//! numbered yet (no certificate installed, a halted series) wait in the series' own queue
//! ([`RequestsQueued`], with the reason its invoices show) and are numbered first once it goes
//! on; submissions that keep failing without an answer stall the series ([`SeriesStalled`])
//! after [`MAX_FAILED_SUBMISSIONS`] in a row instead of retrying without end.

mod commands;
mod decide;
mod error;
mod events;
pub mod fingerprint;
mod key;
mod owed;
mod state;
#[cfg(test)]
mod tests;

pub use commands::{
    CompleteSubmission, Finding, OpenSeries, ParkSeries, Reconcile, RecordUncertainOutcome,
    RequestResume, ReserveNumbers, ReserveQueued, ResumeSeries, SeriesCommand, StartSubmission,
};
pub use decide::{MAX_BATCH, MAX_FAILED_SUBMISSIONS};
pub use error::SeriesError;
pub use events::{
    DetailOutcome, NumberOutcome, NumbersRecovered, NumbersReleased, NumbersReserved, ParkReason,
    QueuedRequest, RecoveredNumber, ReleaseReason, ReleasedNumber, RequestsQueued, Reservation,
    ResumeRequested, SeriesBlocked, SeriesEvent, SeriesHalted, SeriesOpened, SeriesParked,
    SeriesResumed, SeriesStalled, SeriesUnblocked, StallReason, SubmissionCompleted,
    SubmissionStarted, SubmittedNumber, UncertainReason,
};
pub use fingerprint::{ContentDigest, Fingerprint, FiscalContent};
pub use key::{Environment, SeriesKey};
pub use owed::Owed;
pub use state::{Series, SeriesStatus};
