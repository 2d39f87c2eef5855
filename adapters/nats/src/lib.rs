//! NATS JetStream for the events stream: connect, ensure the stream exists with the settings the
//! relay relies on, publish with headers (singly, or many with a bounded window of acks in flight),
//! read the stream back (last message, one message by sequence, all messages from a sequence)
//! for recovery and audits, and feed readers through durable pull consumers ([`Consumer`]:
//! fetch a batch, acknowledge it after the reader committed it).
//!
//! Depends on no workspace crate: it knows subjects, headers and sequences, not events.
//! `workers::relay` adapts it to the event store's relay port.
//!
//! # The stream
//!
//! [`Bus::ensure_stream`] creates (or updates) a stream named [`BusConfig::stream`] that captures
//! `<subject_prefix>.>` with file storage, limits retention, a `duplicate_window` of at least
//! [`MIN_DUPLICATE_WINDOW`] (a `Nats-Msg-Id` seen again within it is acknowledged as a duplicate
//! and not stored), and `deny_delete`/`deny_purge`, so messages cannot be removed one by one
//! or purged through the API. Only the relay should hold publish permission on the subjects.
#![warn(missing_docs)]

mod bus;
mod consumer;
mod error;
mod url;

pub use bus::{Bus, BusConfig, MIN_DUPLICATE_WINDOW, Outgoing, StoredMessage};
pub use consumer::{Consumer, ConsumerConfig, Delivery};
pub use error::BusError;
pub use url::redacted_url;
