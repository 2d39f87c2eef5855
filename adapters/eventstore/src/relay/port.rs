//! The relay's publisher port: what the relay and the audit need from the message bus.
//! `workers::relay` implements it over JetStream (`nats-bus`); tests implement it in memory.

use async_trait::async_trait;
use uuid::Uuid;

/// One event ready to publish: subject, headers and the envelope JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayMessage {
    /// `<prefix>.<tenant>.<category>.<event_type>` (see the module docs).
    pub subject: String,
    /// Headers in a fixed order, `Nats-Msg-Id` and `Nats-Expected-Last-Sequence` first.
    pub headers: Vec<(String, String)>,
    /// The [`domain::RecordedEvent`] as JSON.
    pub payload: Vec<u8>,
    /// The ledger sequence stamped on it: the stream sequence it must get.
    pub ledger_seq: u64,
    /// The event's id.
    pub event_id: Uuid,
}

/// A message as the bus stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedMessage {
    /// The bus's sequence for it.
    pub sequence: u64,
    /// Its headers.
    pub headers: Vec<(String, String)>,
    /// Its body.
    pub payload: Vec<u8>,
}

impl PublishedMessage {
    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why the bus failed a request.
#[derive(Debug, thiserror::Error)]
pub enum BusFailure {
    /// The bus cannot be reached or did not answer in time; the relay retries with backoff.
    /// Messages of a failed publish may or may not have been stored.
    #[error("bus unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A message's `Nats-Expected-Last-Sequence` did not match: the stream is ahead of the
    /// relay's checkpoint. That message and the ones after it were not stored.
    #[error("the stream is not at the expected last sequence")]
    WrongLastSequence,
    /// Anything else the bus refused.
    #[error("bus refused the request")]
    Refused(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The bus the relay publishes to: a stream whose sequence is dense and starts at 1.
#[async_trait]
pub trait RelayBus: Send + Sync {
    /// Publishes `messages` in order (each carries its own expected last sequence) and returns
    /// the stream sequence each got. Stops at the first failure.
    async fn publish(&self, messages: Vec<RelayMessage>) -> Result<Vec<u64>, BusFailure>;

    /// The stream's last sequence (0 when empty).
    async fn last_sequence(&self) -> Result<u64, BusFailure>;

    /// The message at `sequence`, if there is one.
    async fn message(&self, sequence: u64) -> Result<Option<PublishedMessage>, BusFailure>;
}
