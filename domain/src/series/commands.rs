//! What a numbering series can be asked to do (by the ARCA saga, or an operator).

use time::Date;

use super::events::{DetailOutcome, NumberOutcome, UncertainReason};
use super::fingerprint::{ContentDigest, Fingerprint};
use crate::ids::InvoiceId;

/// Opens the series after ARCA's last authorized number (`FECompUltimoAutorizado`). Once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenSeries {
    /// 0 when nothing was issued yet.
    pub last_authorized: u64,
}

/// Holds the next consecutive numbers for invoices, in the order given (at most 250).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveNumbers {
    /// The invoices with the digest of their fiscal content.
    pub invoices: Vec<(InvoiceId, ContentDigest)>,
}

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
);

/// Shorthand for an outcome of one number.
impl NumberOutcome {
    /// `number` with `outcome`.
    pub fn new(number: u64, outcome: DetailOutcome) -> Self {
        Self { number, outcome }
    }
}
