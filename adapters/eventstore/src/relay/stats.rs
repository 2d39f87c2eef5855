//! What a relay reports about itself, read by the workers' relay metrics at scrape time.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Live counters of one relay instance; clones share them.
#[derive(Debug, Clone, Default)]
pub struct RelayStats(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    published: AtomicU64,
    ledger_seq: AtomicU64,
    leader: AtomicBool,
}

/// A reading of [`RelayStats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelaySnapshot {
    /// Events this instance published to the bus since it started.
    pub published: u64,
    /// The last ledger sequence this instance saw committed (0 before it reconciled).
    pub ledger_seq: u64,
    /// Whether this instance holds the leadership.
    pub leader: bool,
}

impl RelayStats {
    /// The current values.
    pub fn snapshot(&self) -> RelaySnapshot {
        RelaySnapshot {
            published: self.0.published.load(Ordering::Relaxed),
            ledger_seq: self.0.ledger_seq.load(Ordering::Relaxed),
            leader: self.0.leader.load(Ordering::Relaxed),
        }
    }

    pub(super) fn published(&self, count: usize, ledger_seq: u64) {
        let count = u64::try_from(count).unwrap_or(u64::MAX);
        self.0.published.fetch_add(count, Ordering::Relaxed);
        self.at(ledger_seq);
    }

    pub(super) fn at(&self, ledger_seq: u64) {
        self.0.ledger_seq.store(ledger_seq, Ordering::Relaxed);
    }

    pub(super) fn leader(&self, leading: bool) {
        self.0.leader.store(leading, Ordering::Relaxed);
    }
}
