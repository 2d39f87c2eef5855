//! What a numbering series can be asked to do (by the ARCA saga, or an operator).

use time::Date;

use super::events::{DetailOutcome, NumberOutcome, ParkReason, UncertainReason};
use super::fingerprint::{ContentDigest, Fingerprint};
use crate::ids::InvoiceId;

/// Opens the series after ARCA's last authorized number (`FECompUltimoAutorizado`). Once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenSeries {
    /// 0 when nothing was issued yet.
    pub last_authorized: u64,
}

/// Holds the next consecutive numbers for invoices, in the order given (at most 250); while the
/// series cannot number (not open yet, halted, or older invoices queued), they are queued
/// instead, in the same order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveNumbers {
    /// The invoices with the digest of their fiscal content.
    pub invoices: Vec<(InvoiceId, ContentDigest)>,
}

/// Numbers the oldest queued invoices (at most 250), once the series is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReserveQueued;

/// Records why the saga cannot go on with the series for now (nothing when it is already
/// parked for that reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkSeries {
    /// Why.
    pub reason: ParkReason,
    /// What the saga was told, about this issuer only.
    pub detail: String,
}

/// An operator asks for a halted series to be resumed after ARCA's last authorized number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestResume;

/// Records the intent to send the lowest reserved numbers `from..=to` in one `FECAESolicitar`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartSubmission {
    /// Must be the last confirmed number + 1.
    pub from: u64,
    /// At most 249 above `from`.
    pub to: u64,
    /// Hash of the request about to be sent.
    pub request_hash: String,
}

/// Records ARCA's answer to the submission in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompleteSubmission {
    /// Hash of the response.
    pub response_hash: String,
    /// One outcome per number of the submission, ascending.
    pub results: Vec<NumberOutcome>,
}

/// Records that the answer to the submission in flight is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordUncertainOutcome {
    /// What went wrong.
    pub reason: UncertainReason,
}

/// What `FECompConsultar` says about one number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// ARCA has a voucher there.
    Found {
        /// The fingerprint of ARCA's echo at that number.
        fingerprint: Fingerprint,
        /// `CodAutorizacion`.
        cae: String,
        /// `FchVto`.
        cae_due_date: Date,
    },
    /// ARCA has nothing there (error 602).
    Missing,
    /// ARCA has a voucher there that someone else of this system asked for (another tenant that
    /// registered the same CUIT): whatever its content, it is not this series' to take.
    AskedElsewhere {
        /// The fingerprint of ARCA's echo at that number.
        fingerprint: Fingerprint,
    },
}

/// Resolves the numbers in doubt of a blocked series with what `FECompConsultar` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconcile {
    /// One finding per number in doubt, ascending.
    pub findings: Vec<(u64, Finding)>,
}

/// An operator restarts a halted series after ARCA's last authorized number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResumeSeries {
    /// `FECompUltimoAutorizado`, as checked by the operator.
    pub last_authorized: u64,
}

/// Every series command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeriesCommand {
    /// See [`OpenSeries`].
    Open(OpenSeries),
    /// See [`ReserveNumbers`].
    ReserveNumbers(ReserveNumbers),
    /// See [`StartSubmission`].
    StartSubmission(StartSubmission),
    /// See [`CompleteSubmission`].
    CompleteSubmission(CompleteSubmission),
    /// See [`RecordUncertainOutcome`].
    RecordUncertainOutcome(RecordUncertainOutcome),
    /// See [`Reconcile`].
    Reconcile(Reconcile),
    /// See [`ResumeSeries`].
    Resume(ResumeSeries),
    /// See [`ReserveQueued`].
    ReserveQueued(ReserveQueued),
    /// See [`ParkSeries`].
    Park(ParkSeries),
    /// See [`RequestResume`].
    RequestResume(RequestResume),
}

impl SeriesCommand {
    /// The command's name, as used in errors.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Open(_) => "open_series",
            Self::ReserveNumbers(_) => "reserve_numbers",
            Self::StartSubmission(_) => "start_submission",
            Self::CompleteSubmission(_) => "complete_submission",
            Self::RecordUncertainOutcome(_) => "record_uncertain_outcome",
            Self::Reconcile(_) => "reconcile",
            Self::Resume(_) => "resume_series",
            Self::ReserveQueued(_) => "reserve_queued",
            Self::Park(_) => "park_series",
            Self::RequestResume(_) => "request_resume",
        }
    }
}

macro_rules! from_command {
    ($($command:ident => $variant:ident),+ $(,)?) => {
        $(impl From<$command> for SeriesCommand {
            fn from(c: $command) -> Self {
                Self::$variant(c)
            }
        })+
    };
}

from_command!(
    OpenSeries => Open,
    ReserveNumbers => ReserveNumbers,
    StartSubmission => StartSubmission,
    CompleteSubmission => CompleteSubmission,
    RecordUncertainOutcome => RecordUncertainOutcome,
    Reconcile => Reconcile,
    ResumeSeries => Resume,
    ReserveQueued => ReserveQueued,
    ParkSeries => Park,
    RequestResume => RequestResume,
);

/// Shorthand for an outcome of one number.
impl NumberOutcome {
    /// `number` with `outcome`.
    pub fn new(number: u64, outcome: DetailOutcome) -> Self {
        Self { number, outcome }
    }
}
