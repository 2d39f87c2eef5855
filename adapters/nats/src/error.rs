//! What can go wrong talking to JetStream.

/// A failed JetStream operation.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The configuration is unusable (empty stream name, subject prefix with wildcards …).
    #[error("invalid NATS configuration: {0}")]
    Config(String),
    /// The server could not be reached, or did not answer in time. Retrying is safe for
    /// publishes that carry a `Nats-Msg-Id` and an expected last sequence.
    #[error("NATS unavailable: {0}")]
    Unavailable(String),
    /// A publish carried `Nats-Expected-Last-Sequence` and the stream was elsewhere: someone
    /// (or an earlier attempt) published before this message. Nothing was stored.
    #[error("wrong last sequence: the stream is not at the expected sequence")]
    WrongLastSequence,
    /// The stream does not exist (or no stream captures the subject).
    #[error("JetStream stream not found: {0}")]
    StreamNotFound(String),
    /// The server refused the request for another reason.
    #[error("JetStream refused the request: {0}")]
    Rejected(String),
}
