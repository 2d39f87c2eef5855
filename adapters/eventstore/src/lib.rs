//! The event store: the [`EventStore`] port, its Postgres implementation ([`PgEventStore`]) and an
//! in-memory one ([`InMemoryEventStore`]) for fast handler tests (with the `testing` feature,
//! `StoreDouble` makes test doubles over it); `tests/contract` holds the contract suite both
//! pass. Depends on `domain` (the envelope types) and `infra` (leases, backoff) only; never on
//! the command layer, the read side or another adapter.
//!
//! # Appends
//!
//! An append is one call of the plpgsql function `es.append` (one round trip, autocommit), or,
//! through [`PgEventStore`]'s [`EventStore::append`], one member of a group commit: concurrent
//! appends of one process are stored together by one call of `es.append_many`, which takes every
//! stream's lock (in key order) before writing and answers each append on its own (see
//! [`GroupCommit`]). `es.append` takes a transaction-scoped advisory lock on the stream (writers
//! of one stream take turns; writers of different streams never wait for each other), checks
//! the expected version on the stream's row in `es.streams` and inserts the batch with
//! consecutive versions. Stream versions are dense and gapless by construction and enforced by the unique
//! `(stream_id, stream_version)`. Event ids are unique: the same ids appended again at the same
//! stream and versions return the original outcome (`already_stored`), anything else is
//! `EventIdReused`. The stream row records its tenant; every event must carry it.
//!
//! # Global order: the xid8 watermark
//!
//! `global_position` is an identity column: unique and increasing in *insertion* order, but not
//! in *commit* order. Transaction A can draw position 100, B draw 101 and commit first; a reader
//! that checkpoints 101 before A commits would never see 100. Instead of serializing writers on a
//! global counter (about 3× fewer appends per second here, no group commit), every event records
//! its writer's transaction id (`tx_id xid8 default pg_current_xact_id()`), and [`EventStore::read_all`]
//! pages in `(tx_id, global_position)` order, reading only events whose `tx_id` is below
//! `pg_snapshot_xmin(pg_current_snapshot())`, the oldest transaction still running. Every
//! transaction below it has ended, so nothing can later appear behind the reader's checkpoint (the
//! `(tx_id, position)` pair): the reader never skips an event and never sees one out of order.
//! Because a writer takes the stream's advisory lock before its transaction gets an id, one
//! stream's appends get increasing transaction ids, so each stream reads in version order in the
//! global log too (the row lock alone would not ensure it: an xid is assigned before waiting).
//!
//! What it costs: an 8-byte column and a composite index per event; the filter adds no measurable
//! read cost. Readers lag by the age of the oldest running writer, normally a millisecond.
//!
//! Caveats: *any* long transaction that holds an xid, in any database of the cluster, holds back
//! every reader until it ends (so sessions opened by [`PgEventStore::connect`] get an
//! `idle_in_transaction_session_timeout`; keep migrations and backfills in small transactions,
//! and alert on watermark lag). Read from the primary. Transaction ids restart after a logical
//! (pg_dump) restore: rebase `tx_id` and checkpoints then, or prefer physical backups.
//!
//! The position is unique but not dense (rolled-back appends leave holes). The dense ledger
//! sequence that audits and JetStream need is stamped later by the single relay as it publishes,
//! in this same order: see [`relay`] (leader election, hash chain, recovery, audit).
#![warn(missing_docs)]

#[cfg(feature = "testing")]
mod double;
mod memory;
pub mod port;
mod postgres;
pub mod relay;

#[cfg(feature = "testing")]
pub use double::StoreDouble;
pub use memory::InMemoryEventStore;
pub use port::{AppendOutcome, EventStore, ExpectedVersion, ReadOptions, StoreError};
pub use postgres::{
    BatchObserver, GroupCommit, GroupCommitStats, PgEventStore, is_unavailable, readings,
};

/// Migrations of the whole database (every file under `schemas/migrations`), for start-up and
/// `#[sqlx::test(migrator = "eventstore::MIGRATOR")]`.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../schemas/migrations");
