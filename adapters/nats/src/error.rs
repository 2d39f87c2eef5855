//! What can go wrong talking to JetStream.

/// What caused a failure, kept whole so a log line can show its chain.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// A failed JetStream operation.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The configuration is unusable (empty stream name, subject prefix with wildcards …).
    #[error("invalid NATS configuration: {0}")]
    Config(String),
    /// The server could not be reached, or did not answer in time. Retrying is safe for
    /// publishes that carry a `Nats-Msg-Id` and an expected last sequence.
    #[error("NATS unavailable while {doing}")]
    Unavailable {
        /// What was being done.
        doing: String,
        /// The client's error.
        #[source]
        cause: Cause,
    },
    /// A publish carried `Nats-Expected-Last-Sequence` and the stream was elsewhere: someone
    /// (or an earlier attempt) published before this message. Nothing was stored.
    #[error("wrong last sequence: the stream is not at the expected sequence")]
    WrongLastSequence,
    /// The stream does not exist (or no stream captures the subject).
    #[error("JetStream stream not found")]
    StreamNotFound(#[source] Cause),
    /// The server refused the request for another reason.
    #[error("JetStream refused {doing}")]
    Rejected {
        /// What was being done.
        doing: String,
        /// The server's answer.
        #[source]
        cause: Cause,
    },
}

impl BusError {
    /// A `map_err` that reports the server unreachable while `doing`.
    pub(crate) fn unavailable<E: Into<Cause>>(doing: impl Into<String>) -> impl FnOnce(E) -> Self {
        let doing = doing.into();
        move |cause| Self::Unavailable {
            doing,
            cause: cause.into(),
        }
    }

    /// A `map_err` that reports the server refusing what was being done.
    pub(crate) fn rejected<E: Into<Cause>>(doing: impl Into<String>) -> impl FnOnce(E) -> Self {
        let doing = doing.into();
        move |cause| Self::Rejected {
            doing,
            cause: cause.into(),
        }
    }
}
