//! Why an availability report was refused.

use std::borrow::Cow;

use crate::aggregate::{ErrorCode, RejectionKind};

/// A refused availability report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArcaServiceError {
    /// An outage needs at least one failed call.
    #[error("an outage is reported after at least one failed call")]
    NoFailures,
    /// An outage reported for another environment than the stream's.
    #[error("this stream is about ARCA's {stream} environment, not {reported}")]
    WrongEnvironment {
        /// The environment of the stream.
        stream: &'static str,
        /// The environment reported.
        reported: &'static str,
    },
}

impl ErrorCode for ArcaServiceError {
    fn kind(&self) -> RejectionKind {
        RejectionKind::Invalid
    }

    fn code(&self) -> &'static str {
        match self {
            Self::NoFailures => "no_failures",
            Self::WrongEnvironment { .. } => "wrong_environment",
        }
    }

    fn field(&self) -> Option<Cow<'static, str>> {
        match self {
            Self::NoFailures => Some(Cow::Borrowed("failures")),
            Self::WrongEnvironment { .. } => Some(Cow::Borrowed("environment")),
        }
    }
}
