//! What a circuit breaker reports about ARCA.

use time::OffsetDateTime;

use crate::series::Environment;

/// ARCA stopped answering: a breaker opened after `failures` consecutive failed calls.
/// Changes nothing while the environment is already unavailable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkUnavailable {
    /// Which ARCA.
    pub environment: Environment,
    /// When the first of the failures happened.
    pub since: OffsetDateTime,
    /// The last failure, for humans (at most 500 characters are kept).
    pub reason: String,
    /// How many calls failed in a row.
    pub failures: u32,
}

/// ARCA answers again: a breaker's probe succeeded. Changes nothing while the environment is
/// available.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkAvailable {
    /// When the probe succeeded.
    pub at: OffsetDateTime,
}

/// Every command on ARCA's availability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArcaServiceCommand {
    /// See [`MarkUnavailable`].
    MarkUnavailable(MarkUnavailable),
    /// See [`MarkAvailable`].
    MarkAvailable(MarkAvailable),
}

impl From<MarkUnavailable> for ArcaServiceCommand {
    fn from(c: MarkUnavailable) -> Self {
        Self::MarkUnavailable(c)
    }
}

impl From<MarkAvailable> for ArcaServiceCommand {
    fn from(c: MarkAvailable) -> Self {
        Self::MarkAvailable(c)
    }
}
