//! Why a series command was refused.

use std::borrow::Cow;

use crate::aggregate::{ErrorCode, RejectionKind};

/// A refused series command. [`SeriesError::code`] is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeriesError {
    /// A command other than opening on a series never opened.
    #[error("the series is not open, cannot {command}")]
    NotOpened {
        /// The command's name.
        command: &'static str,
    },
    /// The series was opened already.
    #[error("the series was already opened")]
    AlreadyOpened,
    /// A last authorized number above 99999999.
    #[error("last authorized number {0} is above 99999999")]
    InvalidLastAuthorized(u64),
    /// An outcome is uncertain: nothing is reserved or sent until reconciled.
    #[error("the series is blocked until its uncertain outcome is reconciled, cannot {command}")]
    Blocked {
        /// The command's name.
        command: &'static str,
    },
    /// ARCA holds something else at one of our numbers: an operator must resume the series.
    #[error("the series is halted until an operator resumes it, cannot {command}")]
    Halted {
        /// The command's name.
        command: &'static str,
    },
    /// A reservation without invoices.
    #[error("a reservation needs at least one invoice")]
    NothingToReserve,
    /// More invoices than one request may carry.
    #[error("{0} invoices in one reservation, at most 250")]
    TooManyInvoices(usize),
    /// The numbers would go past 99999999.
    #[error("the series has no room for {needed} more numbers after {last}")]
    NumbersExhausted {
        /// The highest number held.
        last: u64,
        /// How many were asked for.
        needed: usize,
    },
    /// A submission that does not start right after the last confirmed number.
    #[error("a submission must start at {expected}, not {from}")]
    NotNextNumber {
        /// Last confirmed + 1.
        expected: u64,
        /// The command's first number.
        from: u64,
    },
    /// A submission range that is empty or longer than 250 numbers.
    #[error("{from}..={to} is not a range of 1 to 250 numbers")]
    InvalidRange {
        /// First number.
        from: u64,
        /// Last number.
        to: u64,
    },
    /// A number to send that holds no live reservation.
    #[error("number {0} is not reserved")]
    NotReserved(u64),
    /// A second submission while one is in flight.
    #[error("numbers {from}..={to} are in flight; one submission at a time")]
    SubmissionInFlight {
        /// First number in flight.
        from: u64,
        /// Last number in flight.
        to: u64,
    },
    /// An outcome without a submission in flight.
    #[error("no submission is in flight")]
    NoSubmissionInFlight,
    /// An empty request or response hash.
    #[error("the {0} must not be empty")]
    EmptyHash(&'static str),
    /// Results that are not exactly one per number in flight, ascending.
    #[error("expected one result per number {from}..={to}, in order")]
    ResultsMismatch {
        /// First number in flight.
        from: u64,
        /// Last number in flight.
        to: u64,
    },
    /// An approval after a refusal in one request: ARCA never answers that way.
    #[error("number {0} is approved after a refused number in the same request")]
    InconsistentResults(u64),
    /// A CAE that is not 14 digits.
    #[error("the cae for number {0} is not 14 digits")]
    InvalidCae(u64),
    /// Reconciliation of a series that is not blocked.
    #[error("the series is not blocked; there is nothing to reconcile")]
    NotBlocked,
    /// Findings that are not exactly one per number in doubt, ascending.
    #[error("expected one finding per number {from}..={to}, in order")]
    FindingsMismatch {
        /// First number in doubt.
        from: u64,
        /// Last number in doubt.
        to: u64,
    },
    /// A number found after a missing one: ARCA numbers strictly in sequence.
    #[error("number {0} is found after a missing number")]
    InconsistentFindings(u64),
    /// Resuming a series that is not halted.
    #[error("the series is not halted")]
    NotHalted,
    /// Resuming below numbers ARCA confirmed to us.
    #[error("cannot resume at {last_authorized}: ARCA confirmed up to {last_confirmed}")]
    ResumeBelowConfirmed {
        /// Our last confirmed number.
        last_confirmed: u64,
        /// The operator's number.
        last_authorized: u64,
    },
}

impl ErrorCode for SeriesError {
    fn kind(&self) -> RejectionKind {
        match self {
            // An operator asking to resume a series that is not halted.
            Self::NotHalted => RejectionKind::Conflict,
            // The saga's own commands: every other refusal is about content or order.
            _ => RejectionKind::Invalid,
        }
    }

    fn code(&self) -> &'static str {
        SeriesError::code(self)
    }

    fn field(&self) -> Option<Cow<'static, str>> {
        SeriesError::field(self)
    }
}

impl SeriesError {
    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        use SeriesError::*;
        match self {
            NotOpened { .. } => "series_not_opened",
            AlreadyOpened => "series_already_opened",
            InvalidLastAuthorized(_) => "invalid_last_authorized",
            Blocked { .. } => "series_blocked",
            Halted { .. } => "series_halted",
            NothingToReserve => "invoices_required",
            TooManyInvoices(_) => "too_many_invoices",
            NumbersExhausted { .. } => "numbers_exhausted",
            NotNextNumber { .. } => "not_next_number",
            InvalidRange { .. } => "invalid_range",
            NotReserved(_) => "number_not_reserved",
            SubmissionInFlight { .. } => "submission_in_flight",
            NoSubmissionInFlight => "no_submission_in_flight",
            EmptyHash(_) => "empty_hash",
            ResultsMismatch { .. } => "results_mismatch",
            InconsistentResults(_) => "inconsistent_results",
            InvalidCae(_) => "invalid_cae",
            NotBlocked => "series_not_blocked",
            FindingsMismatch { .. } => "findings_mismatch",
            InconsistentFindings(_) => "inconsistent_findings",
            NotHalted => "series_not_halted",
            ResumeBelowConfirmed { .. } => "resume_below_confirmed",
        }
    }

    /// The command field at fault.
    pub fn field(&self) -> Option<Cow<'static, str>> {
        use SeriesError::*;
        let fixed = |name: &'static str| Some(Cow::Borrowed(name));
        match self {
            InvalidLastAuthorized(_) | ResumeBelowConfirmed { .. } => fixed("last_authorized"),
            NothingToReserve | TooManyInvoices(_) | NumbersExhausted { .. } => fixed("invoices"),
            NotNextNumber { .. } | InvalidRange { .. } | NotReserved(_) => fixed("from"),
            EmptyHash(field) => fixed(field),
            ResultsMismatch { .. } | InconsistentResults(_) | InvalidCae(_) => fixed("results"),
            FindingsMismatch { .. } | InconsistentFindings(_) => fixed("findings"),
            NotOpened { .. }
            | AlreadyOpened
            | Blocked { .. }
            | Halted { .. }
            | SubmissionInFlight { .. }
            | NoSubmissionInFlight
            | NotBlocked
            | NotHalted => None,
        }
    }
}
