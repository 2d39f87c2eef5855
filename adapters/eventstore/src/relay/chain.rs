//! The hash chain and the stamping of a batch of events with ledger sequences.

use std::collections::HashMap;

use domain::{GlobalPosition, RecordedEvent};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

/// A SHA-256 value.
pub type Hash = [u8; 32];

/// The chain's "previous hash" before ledger sequence 1.
pub const GENESIS_HASH: Hash = [0; 32];

/// `SHA-256(prev ‖ event_id (16 bytes, big-endian as in its text form) ‖ digest)`.
pub fn chain_hash(prev: &Hash, event_id: Uuid, digest: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(event_id.as_bytes());
    hasher.update(digest);
    hasher.finalize().into()
}

/// Where the relay stands: the last ledger entry it committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// Last ledger sequence (0 before the first event).
    pub ledger_seq: u64,
    /// Global position of that event (the next `read_all` starts after it).
    pub position: GlobalPosition,
    /// Hash of that entry ([`GENESIS_HASH`] before the first event).
    pub hash: Hash,
}

impl Checkpoint {
    /// Before the first event.
    pub const START: Self = Self {
        ledger_seq: 0,
        position: GlobalPosition::START,
        hash: GENESIS_HASH,
    };
}

/// One ledger entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerRow {
    /// Dense sequence, from 1.
    pub ledger_seq: u64,
    /// Where the event sits in the global log.
    pub position: GlobalPosition,
    /// The event's id.
    pub event_id: Uuid,
    /// Chain hash up to and including this entry.
    pub hash: Hash,
}

/// Stamps `events` (in global log order, right after `from`) with the next ledger sequences and
/// chain hashes. `None` when an event has no digest (it vanished from the store).
pub(crate) fn stamp(
    from: &Checkpoint,
    events: &[RecordedEvent],
    digests: &HashMap<Uuid, Hash>,
) -> Option<Vec<LedgerRow>> {
    let mut prev = from.hash;
    let mut rows = Vec::with_capacity(events.len());
    for (seq, event) in (from.ledger_seq + 1..).zip(events) {
        let hash = chain_hash(&prev, event.event_id, digests.get(&event.event_id)?);
        rows.push(LedgerRow {
            ledger_seq: seq,
            position: event.position,
            event_id: event.event_id,
            hash,
        });
        prev = hash;
    }
    Some(rows)
}

/// The checkpoint after `rows` (or `from` when empty).
pub(crate) fn after(from: &Checkpoint, rows: &[LedgerRow]) -> Checkpoint {
    rows.last().map_or(*from, |last| Checkpoint {
        ledger_seq: last.ledger_seq,
        position: last.position,
        hash: last.hash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_hash_is_sha256_of_prev_id_and_digest() {
        let id = Uuid::from_u128(1);
        let digest = [7u8; 32];
        let mut input = Vec::new();
        input.extend_from_slice(&GENESIS_HASH);
        input.extend_from_slice(&1u128.to_be_bytes());
        input.extend_from_slice(&digest);
        let expected: Hash = Sha256::digest(&input).into();
        assert_eq!(chain_hash(&GENESIS_HASH, id, &digest), expected);
        assert_ne!(chain_hash(&expected, id, &digest), expected);
    }
}
