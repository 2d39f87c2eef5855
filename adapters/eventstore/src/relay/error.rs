//! What can stop a relay step or an audit.

use super::port::BusFailure;
use crate::port::StoreError;

/// A failed relay step. Every one of them leaves the ledger and the stream consistent: the
/// relay reconciles with the stream before it publishes again.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// Another relay holds the leadership of this database.
    #[error("another relay leads this database")]
    NotLeader,
    /// Reading the event store failed.
    #[error("reading the event store failed")]
    Store(#[from] StoreError),
    /// The ledger tables could not be read or written.
    #[error("ledger access failed")]
    Ledger(#[source] sqlx::Error),
    /// The bus failed.
    #[error("publishing failed")]
    Bus(#[from] BusFailure),
    /// An event could not be serialized.
    #[error("serializing event {event_id} failed")]
    Serialize {
        /// The event.
        event_id: uuid::Uuid,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// The stream and the ledger disagree in a way the relay must not repair by itself (the
    /// stream was recreated, altered, or is behind the ledger). Nothing more is published
    /// until an operator looks (`arca audit verify` shows where).
    #[error("stream and ledger diverge at sequence {seq}: {what}")]
    Diverged {
        /// The first sequence where they differ.
        seq: u64,
        /// What differs.
        what: String,
    },
}

impl RelayError {
    /// Whether the error is worth retrying with backoff while keeping the leadership.
    pub fn is_transient(&self) -> bool {
        !matches!(self, Self::Diverged { .. } | Self::Serialize { .. })
    }
}
