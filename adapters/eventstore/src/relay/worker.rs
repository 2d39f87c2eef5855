//! The relay loop: lead, reconcile, read, stamp, publish, commit.

use std::future::Future;
use std::sync::Arc;

use futures::FutureExt as _;
use sqlx::PgConnection;

use super::chain::{self, Checkpoint, LedgerRow};
use super::error::RelayError;
use super::leader::Election;
use super::port::{BusFailure, RelayBus};
use super::stats::RelayStats;
use super::{RelayConfig, headers, ledger, message};
use crate::PgEventStore;
use crate::port::EventStore as _;

/// A relay instance. Many may run against one database; one leads at a time.
pub struct Relay {
    store: PgEventStore,
    bus: Arc<dyn RelayBus>,
    config: RelayConfig,
    election: Election,
    /// Where the relay stands; `None` until reconciled with the stream.
    at: Option<Checkpoint>,
    stats: RelayStats,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("leader", &self.election.is_leader())
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

impl Relay {
    /// A relay over `store` (migrated with [`crate::MIGRATOR`]) publishing to `bus`.
    pub fn new(store: PgEventStore, bus: Arc<dyn RelayBus>, config: RelayConfig) -> Self {
        Self {
            store,
            bus,
            config,
            election: Election::new(),
            at: None,
            stats: RelayStats::default(),
        }
    }

    /// Live counters (published events, ledger sequence, leadership) for metrics.
    pub fn stats(&self) -> RelayStats {
        self.stats.clone()
    }

    /// Whether this instance holds the leadership.
    pub fn is_leader(&self) -> bool {
        self.election.is_leader()
    }

    /// One step: takes the leadership if free (else [`RelayError::NotLeader`]), reconciles with
    /// the stream when needed, then relays at most one batch. Returns how many events reached
    /// the ledger (fast-forwarded ones included); 0 when there was nothing to relay.
    #[tracing::instrument(skip_all)]
    pub async fn run_once(&mut self) -> Result<usize, RelayError> {
        let result = self.step().await;
        if let Err(error) = &result {
            // Whatever failed, reconcile before publishing again.
            self.at = None;
            if matches!(error, RelayError::Ledger(_)) {
                self.election.lost();
            }
        }
        self.stats.leader(self.election.is_leader());
        result
    }

    async fn step(&mut self) -> Result<usize, RelayError> {
        let pool = self.store.pool().clone();
        let Some(conn) = self
            .election
            .lead(&pool)
            .await
            .map_err(RelayError::Ledger)?
        else {
            return Err(RelayError::NotLeader);
        };
        let (from, forwarded) = match self.at {
            Some(at) => (at, 0),
            None => reconcile(conn, &self.store, self.bus.as_ref(), &self.config).await?,
        };
        self.at = Some(from);
        self.stats.at(from.ledger_seq);
        let events = self
            .store
            .read_all(from.position, self.config.batch_size)
            .await?;
        if events.is_empty() {
            return Ok(forwarded);
        }
        let rows = stamp(&self.store, &from, &events).await?;
        let mut messages = Vec::with_capacity(events.len());
        for (event, row) in events.iter().zip(&rows) {
            let message =
                message::build(&self.config.subject_prefix, event, row).map_err(|source| {
                    RelayError::Serialize {
                        event_id: event.event_id,
                        source,
                    }
                })?;
            messages.push(message);
        }
        let sequences = match self.bus.publish(messages).await {
            Ok(sequences) => sequences,
            Err(BusFailure::WrongLastSequence) => {
                tracing::warn!("stream ahead of the checkpoint; reconciling");
                let (at, more) =
                    reconcile(conn, &self.store, self.bus.as_ref(), &self.config).await?;
                self.at = Some(at);
                self.stats.at(at.ledger_seq);
                return Ok(forwarded + more);
            }
            Err(other) => return Err(other.into()),
        };
        if sequences.len() != rows.len() {
            return Err(RelayError::Diverged {
                seq: from.ledger_seq + 1,
                what: format!("{} acks for {} messages", sequences.len(), rows.len()),
            });
        }
        if let Some((row, got)) = rows
            .iter()
            .zip(&sequences)
            .find(|(r, g)| r.ledger_seq != **g)
        {
            return Err(RelayError::Diverged {
                seq: row.ledger_seq,
                what: format!("the stream stored ledger entry {} at {got}", row.ledger_seq),
            });
        }
        commit(conn, &from, &rows).await?;
        let at = chain::after(&from, &rows);
        self.at = Some(at);
        self.stats.published(rows.len(), at.ledger_seq);
        tracing::debug!(count = rows.len(), "relayed");
        Ok(forwarded + rows.len())
    }

    /// Relays until `shutdown` resolves: waits for the leadership, retries failures with
    /// exponential backoff and jitter while keeping the leadership, and never drops an event.
    /// Returns after releasing the leadership.
    pub async fn run(mut self, shutdown: impl Future<Output = ()>) {
        let shutdown = shutdown.fuse();
        futures::pin_mut!(shutdown);
        let mut failures: u32 = 0;
        loop {
            if (&mut shutdown).now_or_never().is_some() {
                break;
            }
            let pause = match self.run_once().await {
                Ok(0) => {
                    failures = 0;
                    self.config.idle_interval
                }
                Ok(_) => {
                    failures = 0;
                    continue;
                }
                Err(RelayError::NotLeader) => self.config.election_interval,
                Err(error) => {
                    failures = failures.saturating_add(1);
                    let pause = self.config.backoff().delay(failures);
                    if error.is_transient() {
                        tracing::warn!(error = %infra::Causes(&error), failures, ?pause, "relay step failed; retrying");
                    } else {
                        tracing::error!(error = %infra::Causes(&error), failures, ?pause, "relay stopped publishing; see `arca audit verify`");
                    }
                    pause
                }
            };
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(pause) => {}
            }
        }
        self.resign().await;
    }

    /// Gives up the leadership at once (another relay may take it at its next attempt).
    pub async fn resign(&mut self) {
        self.at = None;
        self.election.resign().await;
        self.stats.leader(self.election.is_leader());
    }
}

async fn stamp(
    store: &PgEventStore,
    from: &Checkpoint,
    events: &[domain::RecordedEvent],
) -> Result<Vec<LedgerRow>, RelayError> {
    let ids: Vec<_> = events.iter().map(|e| e.event_id).collect();
    let digests = ledger::digests(store.pool(), &ids)
        .await
        .map_err(RelayError::Ledger)?;
    chain::stamp(from, events, &digests).ok_or_else(|| RelayError::Diverged {
        seq: from.ledger_seq + 1,
        what: "an event read from the store has no digest".to_owned(),
    })
}

async fn commit(
    conn: &mut PgConnection,
    from: &Checkpoint,
    rows: &[LedgerRow],
) -> Result<(), RelayError> {
    if ledger::commit(conn, from, rows)
        .await
        .map_err(RelayError::Ledger)?
    {
        Ok(())
    } else {
        Err(RelayError::Diverged {
            seq: from.ledger_seq + 1,
            what: "the checkpoint moved under this relay (another relay committed)".to_owned(),
        })
    }
}

/// Brings the ledger up to the stream (see the module docs). Returns the checkpoint and how
/// many ledger rows were fast-forwarded.
async fn reconcile(
    conn: &mut PgConnection,
    store: &PgEventStore,
    bus: &dyn RelayBus,
    config: &RelayConfig,
) -> Result<(Checkpoint, usize), RelayError> {
    let mut at = ledger::checkpoint(&mut *conn)
        .await
        .map_err(RelayError::Ledger)?;
    let last = bus.last_sequence().await?;
    if last < at.ledger_seq {
        return Err(RelayError::Diverged {
            seq: last + 1,
            what: format!(
                "the stream ends at {last} but the ledger at {}",
                at.ledger_seq
            ),
        });
    }
    let mut forwarded = 0;
    while at.ledger_seq < last {
        let missing = usize::try_from(last - at.ledger_seq).unwrap_or(usize::MAX);
        let events = store
            .read_all(at.position, missing.min(config.batch_size))
            .await?;
        if events.is_empty() {
            return Err(RelayError::Diverged {
                seq: at.ledger_seq + 1,
                what: "the stream holds messages the store has no event for".to_owned(),
            });
        }
        let rows = stamp(store, &at, &events).await?;
        for row in &rows {
            check_published(bus, row).await?;
        }
        commit(conn, &at, &rows).await?;
        at = chain::after(&at, &rows);
        forwarded += rows.len();
    }
    if forwarded > 0 {
        tracing::warn!(
            forwarded,
            ledger_seq = at.ledger_seq,
            "fast-forwarded the ledger to the stream"
        );
    }
    Ok((at, forwarded))
}

/// Checks that the stream's message at `row.ledger_seq` is the event `row` stamps.
async fn check_published(bus: &dyn RelayBus, row: &LedgerRow) -> Result<(), RelayError> {
    let seq = row.ledger_seq;
    let Some(message) = bus.message(seq).await? else {
        return Err(RelayError::Diverged {
            seq,
            what: "no message at this sequence".to_owned(),
        });
    };
    let id = row.event_id.to_string();
    let hash = hex::encode(row.hash);
    if message.header(headers::EVENT_ID) != Some(id.as_str())
        || message.header(headers::LEDGER_HASH) != Some(hash.as_str())
    {
        return Err(RelayError::Diverged {
            seq,
            what: format!(
                "the message carries event {:?} hash {:?}, the store gives event {id} hash {hash}",
                message.header(headers::EVENT_ID),
                message.header(headers::LEDGER_HASH)
            ),
        });
    }
    Ok(())
}
