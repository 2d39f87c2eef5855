//! The relay: publishes every stored event to the bus exactly once, in global log order, stamped
//! with a dense ledger sequence and a hash chain, so that the bus's stream sequence equals the
//! ledger sequence (a checkable invariant) and the log is tamper-evident.
//!
//! The bus is behind the [`RelayBus`] port (JetStream in production, `workers::relay`).
//!
//! # Leadership
//!
//! One relay per database leads, holding the session advisory lock
//! `pg_try_advisory_lock(hashtext('es.relay'), 0)` on a dedicated connection; the others retry
//! every [`RelayConfig::election_interval`] and take over within that when the leader's session
//! ends. See `leader.rs`.
//!
//! # One step ([`Relay::run_once`])
//!
//! 1. On becoming leader, and after any failure, *reconcile* (below).
//! 2. Read up to [`RelayConfig::batch_size`] events after the checkpoint's `(tx_id, position)`
//!    with the store's gap-safe `read_all` (watermark order).
//! 3. Stamp them: `ledger_seq = last + 1, last + 2, …` and the chain hashes.
//! 4. Publish them in order (bounded window of acks in flight, in the adapter) with
//!    `Nats-Msg-Id: <event id>` and `Nats-Expected-Last-Sequence: <ledger_seq − 1>`; every ack
//!    must carry sequence = `ledger_seq`.
//! 5. Insert the `es.ledger` rows and advance `es.relay_checkpoint` in one transaction.
//!
//! # Reconciling after a crash
//!
//! A crash between 4 and 5 leaves the stream ahead of the ledger. Reconciling reads the stream's
//! last sequence `s` and the checkpoint `c`: when `s > c`, it re-reads the next `s − c` events
//! from the store, stamps them (stamping is deterministic: same order, same chain), checks each
//! against the stored message's `Es-Event-Id` and `Es-Ledger-Hash`, and commits those ledger rows
//! without publishing anything. `s < c`, or a message that does not match, is [`RelayError::Diverged`]:
//! the relay stops publishing. A "wrong last sequence" reply triggers the same reconciliation. The
//! stream's duplicate window (≥ 15 minutes) is the second line of defence.
//!
//! # The hash chain (for auditors)
//!
//! ```text
//! hash_0 = 32 zero bytes
//! hash_n = SHA-256( hash_{n-1} ‖ event_id_n ‖ digest_n )
//! digest = SHA-256( UTF-8 bytes of es.event_canonical(event) )
//! ```
//!
//! `event_id_n` is the event's UUID as its 16 bytes in RFC 4122 (big-endian, text) order.
//! `es.event_canonical(e)` (migration `20261123000200_relay_ledger.sql`) is the text Postgres prints
//! for the jsonb object `{stream_id, stream_version, event_type, schema_version, tenant_id, data,
//! metadata, recorded_at}` (`recorded_at` as `YYYY-MM-DDTHH:MI:SS.ffffffZ` in UTC; jsonb text
//! sorts keys by length then bytes and separates with `", "` and `": "`). In SQL, the digest is
//! `select es.event_digest(e) from es.events e where event_id = …`. The hash is stored in
//! `es.ledger.hash` and sent as the lowercase hex `Es-Ledger-Hash` header.
//!
//! # Subjects and headers
//!
//! Subject: `<prefix>.<tenant id, 32 hex digits>.<stream category>.<event type>`, for example
//! `arca.events.0190a1b2c3d4….invoice.invoice.requested`; the event type's dots make further
//! tokens. Subscribe to `<prefix>.<tenant>.>` for one tenant, `<prefix>.*.invoice.>` for one
//! category. Headers: `Nats-Msg-Id`, `Nats-Expected-Last-Sequence`, then the `Es-*` names in
//! [`headers`], and the W3C `traceparent`/`tracestate` when the event's metadata carries them.
//! The payload is the [`domain::RecordedEvent`] as JSON.

mod audit;
mod chain;
mod error;
mod leader;
mod ledger;
mod message;
mod port;
mod stats;
mod worker;

use std::time::Duration;

pub use audit::{AuditBreak, AuditReport, verify};
pub use chain::{Checkpoint, GENESIS_HASH, Hash, LedgerRow, chain_hash};
pub use error::RelayError;
pub use message::{headers, subject};
pub use port::{BusFailure, PublishedMessage, RelayBus, RelayMessage};
pub use stats::{RelaySnapshot, RelayStats};
pub use worker::Relay;

/// How a relay behaves.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Subject prefix, such as `arca.events`.
    pub subject_prefix: String,
    /// Events read and published per step.
    pub batch_size: usize,
    /// How long [`Relay::run`] waits when there is nothing to relay.
    pub idle_interval: Duration,
    /// How often a follower tries to take the leadership.
    pub election_interval: Duration,
    /// First retry delay after a failure; doubles up to `max_backoff`, with jitter.
    pub min_backoff: Duration,
    /// Longest retry delay.
    pub max_backoff: Duration,
}

impl RelayConfig {
    /// Defaults: batches of 500, idle poll 20 ms, election every second, backoff 100 ms → 10 s.
    pub fn new(subject_prefix: &str) -> Self {
        Self {
            subject_prefix: subject_prefix.to_owned(),
            batch_size: 500,
            idle_interval: Duration::from_millis(20),
            election_interval: Duration::from_secs(1),
            min_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(10),
        }
    }

    /// The pause after failures in a row: from `min_backoff`, doubling up to `max_backoff`, each
    /// at a random point of its upper half.
    pub fn backoff(&self) -> infra::Backoff {
        infra::Backoff::new(self.min_backoff, self.max_backoff).jittered(0.5, 1.0)
    }
}
