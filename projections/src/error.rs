//! What can go wrong while projecting.

/// An underlying failure, kept whole so a log line shows its chain of causes.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// Why a batch was not projected; nothing of it was committed.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    /// The read-model database failed.
    #[error("read-model database failed")]
    Database(#[from] sqlx::Error),
    /// The global log could not be read.
    #[error("reading the global log failed")]
    Log(#[source] Cause),
    /// The global log ends before a position a generation already stands at.
    #[error("the log shows nothing after {at:?} though a generation stands at {to:?}")]
    LogEndsEarly {
        /// Where reading stopped.
        at: domain::GlobalPosition,
        /// Where the generation stands.
        to: domain::GlobalPosition,
    },
    /// A stored event could not be read back.
    #[error("event {event_id} ({event_type}) could not be decoded: {message}")]
    Decode {
        /// The event.
        event_id: uuid::Uuid,
        /// Its type.
        event_type: String,
        /// Why.
        message: String,
    },
    /// An event stream could not be read.
    #[error("reading a stream failed")]
    Stream(#[source] Cause),
    /// A setting is invalid (such as a schema name).
    #[error("invalid projection setting: {0}")]
    Config(String),
    /// A list cursor that this service did not make.
    #[error("the cursor is not one this service gave out")]
    InvalidCursor,
}

impl ProjectionError {
    /// The global log could not be read because of `cause`.
    pub fn log(cause: impl Into<Cause>) -> Self {
        Self::Log(cause.into())
    }

    /// An event stream could not be read because of `cause`.
    pub fn stream(cause: impl Into<Cause>) -> Self {
        Self::Stream(cause.into())
    }

    /// Whether it failed for want of the database rather than for a fault (no connection free in
    /// time, the database unreachable, a read cancelled at its statement timeout): retrying later
    /// is safe.
    pub fn is_unavailable(&self) -> bool {
        infra::unavailable::unavailable_in_chain(self)
    }
}
