//! What happened to a numbering series: the evidence trail of every number sent to ARCA.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::fingerprint::{ContentDigest, Fingerprint};
use crate::aggregate::domain_events;
use crate::ids::InvoiceId;
use crate::invoice::ArcaMessage;

/// `series.opened` v1: the series starts after ARCA's last authorized number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SeriesOpened {
    /// `FECompUltimoAutorizado` (0 when nothing was issued yet).
    pub last_authorized: u64,
    /// When it was opened.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub opened_at: OffsetDateTime,
}

/// One number held for one invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Reservation {
    /// The voucher number.
    pub number: u64,
    /// The invoice it is for.
    pub invoice_id: InvoiceId,
    /// The invoice's fiscal content, without the number.
    pub content_digest: ContentDigest,
}

/// `series.numbers_reserved` v1: consecutive numbers held for invoices, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NumbersReserved {
    /// The reservations, by ascending consecutive number.
    pub reservations: Vec<Reservation>,
}

/// One number of a request, as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SubmittedNumber {
    /// The voucher number.
    pub number: u64,
    /// The invoice sent with it.
    pub invoice_id: InvoiceId,
    /// The fiscal content bound to the number.
    pub fingerprint: Fingerprint,
}

/// `series.submission_started` v1: intent evidence, recorded before `FECAESolicitar` is called.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SubmissionStarted {
    /// First number of the request (`CbteDesde` of the first detail).
    pub from: u64,
    /// Last number of the request.
    pub to: u64,
    /// Every number with its invoice and fingerprint, ascending.
    pub numbers: Vec<SubmittedNumber>,
    /// Hash of the request about to be sent.
    pub request_hash: String,
    /// When the intent was recorded.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub started_at: OffsetDateTime,
}

/// ARCA's answer for one detail of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum DetailOutcome {
    /// Approved: the number is consumed and the invoice has its CAE.
    Authorized {
        /// 14 digits.
        cae: String,
        /// `CAEFchVto`.
        #[serde(with = "crate::values::date")]
        #[schemars(schema_with = "crate::values::date::schema")]
        cae_due_date: Date,
        /// Observations on the approved voucher.
        #[serde(default)]
        observations: Vec<ArcaMessage>,
    },
    /// Refused: the number is not consumed.
    Rejected {
        /// Request-level errors (`Errors/Err`).
        errors: Vec<ArcaMessage>,
        /// Detail-level reasons (`Observaciones/Obs`).
        observations: Vec<ArcaMessage>,
    },
    /// Not processed because an earlier detail was refused: the number is not consumed.
    NotProcessed,
}

impl DetailOutcome {
    /// Whether ARCA approved the detail.
    pub fn is_authorized(&self) -> bool {
        matches!(self, Self::Authorized { .. })
    }
}

/// ARCA's answer for one number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NumberOutcome {
    /// The voucher number.
    pub number: u64,
    /// What ARCA said.
    pub outcome: DetailOutcome,
}

/// `series.submission_completed` v1: outcome evidence, recorded after ARCA answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SubmissionCompleted {
    /// First number of the request.
    pub from: u64,
    /// Last number of the request.
    pub to: u64,
    /// Hash of ARCA's response.
    pub response_hash: String,
    /// One outcome per number, ascending.
    pub results: Vec<NumberOutcome>,
    /// When the answer was recorded.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub completed_at: OffsetDateTime,
}

/// Why reservations were given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseReason {
    /// ARCA refused or did not process the first of these numbers; the refused invoice is final,
    /// the others are numbered again.
    SubmissionFailed,
    /// An operator resumed a halted series at another number.
    SeriesResumed,
}

/// A reservation given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReleasedNumber {
    /// The number, free again.
    pub number: u64,
    /// The invoice that held it, to be renumbered (or finally rejected).
    pub invoice_id: InvoiceId,
}

/// `series.numbers_released` v1: live reservations from `from` up were given up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NumbersReleased {
    /// The lowest number released; every live reservation at or above it is in `invoices`.
    pub from: u64,
    /// The released reservations, ascending.
    pub invoices: Vec<ReleasedNumber>,
    /// Why.
    pub reason: ReleaseReason,
}

/// What made an outcome uncertain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UncertainReason {
    /// ARCA did not answer in time.
    Timeout,
    /// The connection dropped after the request was sent.
    ConnectionDropped,
    /// A worker stopped between the intent and the outcome.
    Crash,
    /// ARCA refused the first number as not the next one (error 10016): someone else may have
    /// numbered in this series, or an earlier answer was lost. Reconciliation tells which.
    OutOfSequence,
}

/// `series.blocked` v1: the outcome of a request is unknown; nothing moves until reconciled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SeriesBlocked {
    /// First number in doubt.
    pub from: u64,
    /// Last number in doubt.
    pub to: u64,
    /// What went wrong.
    pub reason: UncertainReason,
    /// When it was recorded.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub blocked_at: OffsetDateTime,
}

/// A number ARCA turned out to have authorized with our content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RecoveredNumber {
    /// The voucher number.
    pub number: u64,
    /// The invoice authorized with it.
    pub invoice_id: InvoiceId,
    /// The CAE ARCA holds.
    pub cae: String,
    /// `FchVto`.
    #[serde(with = "crate::values::date")]
    #[schemars(schema_with = "crate::values::date::schema")]
    pub cae_due_date: Date,
}

/// `series.numbers_recovered` v1: `FECompConsultar` found numbers in doubt with the same
/// fingerprint; they count as authorized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NumbersRecovered {
    /// The recovered numbers, ascending.
    pub numbers: Vec<RecoveredNumber>,
}

/// `series.unblocked` v1: every number in doubt is resolved; the ones ARCA does not have are
/// sendable again with the same invoices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SeriesUnblocked {
    /// Numbers ARCA does not have, still reserved for the same invoices, ascending.
    pub resendable: Vec<ReleasedNumber>,
    /// When it was recorded.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub unblocked_at: OffsetDateTime,
}

/// `series.halted` v1: alert. ARCA holds another voucher at one of our numbers; nothing is sent
/// until an operator resumes the series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SeriesHalted {
    /// The number in conflict.
    pub number: u64,
    /// Our invoice at that number.
    pub invoice_id: InvoiceId,
    /// Our fingerprint.
    pub expected: Fingerprint,
    /// The fingerprint of what ARCA holds.
    pub found: Fingerprint,
    /// When it was recorded.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub halted_at: OffsetDateTime,
}

/// `series.resumed` v1: an operator restarted a halted series after ARCA's last authorized number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SeriesResumed {
    /// `FECompUltimoAutorizado`, checked by the operator.
    pub last_authorized: u64,
    /// When it was resumed.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub resumed_at: OffsetDateTime,
}

/// Why a series cannot go on by itself for now; its invoices show it while they wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParkReason {
    /// The issuer has no certificate for this ARCA environment: nothing goes out until one is
    /// installed, then the series goes on by itself.
    WaitingForCertificate,
    /// WSAA refused the issuer's certificate (expired, revoked, not authorized for WSFEv1): it
    /// goes on by itself once a certificate WSAA accepts is installed.
    CertificateRefused,
    /// Halted (ARCA holds other content at one of our numbers, or submissions failed too often
    /// in a row): an operator resumes it.
    SeriesHalted,
}

impl ParkReason {
    /// The snake_case name, as the API shows it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::WaitingForCertificate => "waiting_for_certificate",
            Self::CertificateRefused => "certificate_refused",
            Self::SeriesHalted => "series_halted",
        }
    }

    /// Every reason, for metrics and documentation.
    pub const ALL: [Self; 3] = [
        Self::WaitingForCertificate,
        Self::CertificateRefused,
        Self::SeriesHalted,
    ];

    /// Reads [`ParkReason::as_str`] back.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// An invoice waiting in a series' queue for its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct QueuedRequest {
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// Its fiscal content, without the number.
    pub content_digest: ContentDigest,
}

/// `series.requests_queued` v1: invoices that cannot be numbered yet (the series is not open,
/// is halted, or has older invoices queued) wait in request order; they are numbered first
/// once the series goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RequestsQueued {
    /// The invoices, in request order.
    pub invoices: Vec<QueuedRequest>,
    /// Why they wait, when the series is parked.
    pub reason: Option<ParkReason>,
    /// When they were queued.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub queued_at: OffsetDateTime,
}

/// `series.parked` v1: the saga cannot go on with the series until its issuer's certificate
/// problem is solved; it tries again by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SeriesParked {
    /// Why.
    pub reason: ParkReason,
    /// What the saga was told, about this issuer only.
    pub detail: String,
    /// When it was recorded.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub parked_at: OffsetDateTime,
}

/// What kept failing before a series stalled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StallReason {
    /// ARCA kept answering 10016 ("not the next number") although it holds nothing at our
    /// numbers: its count and ours disagree (a reset homologación ledger, numbers issued
    /// elsewhere).
    RepeatedOutOfSequence,
    /// Submissions kept ending without an answer (timeouts, faults, dropped connections).
    RepeatedFailures,
}

/// `series.stalled` v1: alert. Submissions failed [`SeriesStalled::failures`] times in a row
/// without any number settled; the series halts instead of retrying without end, until an
/// operator resumes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SeriesStalled {
    /// What kept failing.
    pub reason: StallReason,
    /// Failed submissions in a row.
    pub failures: u32,
    /// First number of the last attempt (free again: ARCA holds nothing there).
    pub from: u64,
    /// Last number of the last attempt.
    pub to: u64,
    /// When it was recorded.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub stalled_at: OffsetDateTime,
}

/// `series.resume_requested` v1: an operator asked the saga to resume a halted series after
/// ARCA's last authorized number, which the saga asks ARCA for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResumeRequested {
    /// When it was asked.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub requested_at: OffsetDateTime,
}

domain_events! {
    /// Every series event.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum SeriesEvent {
        /// See [`SeriesOpened`].
        Opened(SeriesOpened) = "series.opened",
        /// See [`NumbersReserved`].
        NumbersReserved(NumbersReserved) = "series.numbers_reserved",
        /// See [`SubmissionStarted`].
        SubmissionStarted(SubmissionStarted) = "series.submission_started",
        /// See [`SubmissionCompleted`].
        SubmissionCompleted(SubmissionCompleted) = "series.submission_completed",
        /// See [`NumbersReleased`].
        NumbersReleased(NumbersReleased) = "series.numbers_released",
        /// See [`SeriesBlocked`].
        Blocked(SeriesBlocked) = "series.blocked",
        /// See [`NumbersRecovered`].
        NumbersRecovered(NumbersRecovered) = "series.numbers_recovered",
        /// See [`SeriesUnblocked`].
        Unblocked(SeriesUnblocked) = "series.unblocked",
        /// See [`SeriesHalted`].
        Halted(SeriesHalted) = "series.halted",
        /// See [`SeriesResumed`].
        Resumed(SeriesResumed) = "series.resumed",
        /// See [`RequestsQueued`].
        RequestsQueued(RequestsQueued) = "series.requests_queued",
        /// See [`SeriesParked`].
        Parked(SeriesParked) = "series.parked",
        /// See [`SeriesStalled`].
        Stalled(SeriesStalled) = "series.stalled",
        /// See [`ResumeRequested`].
        ResumeRequested(ResumeRequested) = "series.resume_requested",
    }
}
