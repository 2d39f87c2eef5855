//! What can go wrong while projecting.

/// Why a batch was not projected; nothing of it was committed.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    /// The read-model database failed.
    #[error("read-model database failed")]
    Database(#[from] sqlx::Error),
    /// The global log could not be read.
    #[error("reading the global log failed: {0}")]
    Log(String),
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
    /// A setting is invalid (such as a schema name).
    #[error("invalid projection setting: {0}")]
    Config(String),
    /// A list cursor that this service did not make.
    #[error("the cursor is not one this service gave out")]
    InvalidCursor,
}
